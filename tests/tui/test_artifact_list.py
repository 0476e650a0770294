"""The artifact list on 10,000 names: filtering, cursor, enter and click, counts for the rows in view."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from textual.geometry import Region
from textual.pilot import Pilot
from tui_helpers import (
    StandIn,
    assert_drawn_as_a_layout_would,
    drive,
    frozen_app,
    key_event,
    record_calls,
    record_refreshes,
    settle,
)

from core.models import Alias, Artifact, VersionView
from tui.connection import Connection
from tui.screens.main import MainScreen

NAMES = [
    f"{team}-{kind}-{n:02d}"
    for team in ("ads", "ml", "search", "zeta")
    for kind in ("model", "rules", "index")
    for n in range(834)
][:10_000]
WHEN = datetime(2026, 11, 20, tzinfo=UTC)


class CountingRepository(StandIn):
    """Answers the console's reads from memory; counts each call by method and name."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.calls: Counter[tuple[str, str | None]] = Counter()

    def location(self) -> str:
        return "memory"

    def caller_identity(self) -> str:
        return "tester"

    def list_artifact_names(self) -> list[str]:
        self.calls["list_artifact_names", None] += 1
        return list(self.names)

    def list_artifact_versions(self, name: str) -> list[Artifact]:
        self.calls["list_artifact_versions", name] += 1
        return [self._artifact(name, str(v)) for v in range(len(name) % 4)]  # LATEST not included

    def list_versions_with_aliases(self, name: str) -> list[VersionView]:
        self.calls["list_versions_with_aliases", name] += 1
        return []

    def list_aliases(self, name: str) -> list[Alias]:
        self.calls["list_aliases", name] += 1
        return []

    def list_versions_and_aliases(self, name: str) -> tuple[list[VersionView], list[Alias]]:
        self.calls["list_versions_and_aliases", name] += 1
        return [], []

    def counted(self) -> set[str]:
        return {
            name for (method, name), _ in self.calls.items() if method == "list_artifact_versions" and name is not None
        }

    @staticmethod
    def _artifact(name: str, version: str) -> Artifact:
        return Artifact.model_construct(name=name, version=version, is_latest=False)


def main_screen(pilot: Pilot[None]) -> MainScreen:
    screen = pilot.app.screen
    assert isinstance(screen, MainScreen)
    return screen


def test_filtering_ten_thousand_names_keeps_order_and_the_cursor() -> None:
    repository = CountingRepository(NAMES)

    async def script(pilot: Pilot[None]) -> None:
        pane = main_screen(pilot).artifacts
        assert len(pane.shown) == 10_000 and pane.table.row_count == 10_000
        await pilot.press("slash", *"rules-8")
        await settle(pilot)
        expected = [name for name in sorted(NAMES) if "rules-8" in name]
        assert list(pane.shown) == expected
        assert pane.title == f"Artifacts {len(expected)}/10000 · /rules-8"
        await pilot.press("backspace", "backspace")
        await settle(pilot)
        assert list(pane.shown) == [name for name in sorted(NAMES) if "rules" in name]
        await pilot.press("escape")
        assert len(pane.shown) == 10_000

    drive(frozen_app(Connection.of(repository, name="mem")), script)


def test_cursor_keys_enter_and_click_choose_an_artifact() -> None:
    repository = CountingRepository(NAMES)

    async def script(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        table = screen.artifacts.table
        await pilot.press("end")
        await settle(pilot)
        assert table.cursor_row == 9_999
        assert screen.selected_name == sorted(NAMES)[-1]
        assert round(table.scroll_y) == table.max_scroll_y  # the last row is in view
        await pilot.press("home", "down", "down", "pagedown", "up")
        await settle(pilot)
        page = table.scrollable_content_region.height - 1
        assert table.cursor_row == 2 + page - 1
        assert screen.selected_name == sorted(NAMES)[2 + page - 1]
        await pilot.press("enter")
        assert pilot.app.focused is screen.versions.table

        table.move_to(None)
        table.focus()
        await pilot.click(table, offset=(3, 3))  # line 0 is the header: line 3 is row 2
        await settle(pilot)
        assert table.cursor_row == 2
        assert screen.selected_name == sorted(NAMES)[2]
        assert pilot.app.focused is table
        await pilot.click(table, offset=(3, 3))  # again, on the row under the cursor: chosen
        assert pilot.app.focused is screen.versions.table

    drive(frozen_app(Connection.of(repository, name="mem")), script)


def test_counts_are_fetched_for_rows_in_view_only_and_kept() -> None:
    repository = CountingRepository(NAMES)
    ordered = sorted(NAMES)

    async def script(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        table = screen.artifacts.table
        in_view = list(table.rows_in_view())
        assert 0 < len(in_view) < 40
        assert repository.counted() == set(in_view)
        assert [table.count_text(name) for name in in_view] == [str(len(n) % 4) for n in in_view]
        assert table.count_text(ordered[len(in_view) + 5]) == "…"

        await pilot.press("pagedown", "pagedown")  # scrolled past a page: only the new rows
        await settle(pilot)
        now_in_view = set(table.rows_in_view())
        assert now_in_view and not now_in_view & set(in_view)
        assert repository.counted() <= set(in_view) | now_in_view | set(ordered[: 3 * len(in_view)])
        assert now_in_view <= repository.counted()
        before = sum(repository.calls.values())
        await pilot.press("home")  # back: counted already, nothing fetched again
        await settle(pilot)
        assert all(repository.calls["list_artifact_versions", name] == 1 for name in in_view)
        assert sum(repository.calls.values()) - before <= 2  # the versions and aliases of row 0

        repository.calls.clear()
        await pilot.press("R")  # a reload counts what is in view again
        await settle(pilot)
        assert repository.counted() == set(table.rows_in_view())
        assert len(repository.counted()) < 40

    drive(frozen_app(Connection.of(repository, name="mem")), script)


def test_a_selected_artifact_costs_one_core_call_that_lists_its_aliases_once() -> None:
    repository = CountingRepository(NAMES)
    ordered = sorted(NAMES)

    async def script(pilot: Pilot[None]) -> None:
        repository.calls.clear()
        await pilot.press("down")
        await settle(pilot)
        selected = ordered[1]
        assert repository.calls["list_versions_and_aliases", selected] == 1
        assert repository.calls["list_aliases", selected] == 0  # not once more beside it
        assert repository.calls["list_versions_with_aliases", selected] == 0

    drive(frozen_app(Connection.of(repository, name="mem")), script)


def test_scrolling_by_a_row_draws_only_the_rows_not_drawn_before(monkeypatch: pytest.MonkeyPatch) -> None:
    # Scrolling repaints every row in view (Textual has no scroll by copy); all but the row that
    # came into view were drawn, with the same name, count, width and style, in the frame before.
    from tui.widgets.artifacts import ArtifactTable

    repository = CountingRepository(NAMES)
    drawn = record_calls(monkeypatch, ArtifactTable, "_line", lambda table, name, *_: name)

    async def script(pilot: Pilot[None]) -> None:
        table = main_screen(pilot).artifacts.table
        page = table.page_rows
        await pilot.press(*["down"] * (page - 1))  # the cursor on the last row in view
        await settle(pilot)
        top = round(table.scroll_y)
        drawn.clear()
        await pilot.press("down")  # scrolls by one row
        await settle(pilot)
        assert round(table.scroll_y) == top + 1
        ordered = sorted(NAMES)
        came_into_view = ordered[top + page]
        # The row that came into view, the two rows the cursor left and reached, and rows whose
        # count arrived meanwhile ("…" before): each drawn once per change, none of the others.
        assert came_into_view in drawn
        assert len(drawn) <= 6, drawn
        assert [table.count_text(name) for name in table.rows_in_view()] == [
            str(len(name) % 4) for name in table.rows_in_view()
        ]
        shown = [strip.text for strip in table.render_lines(Region(0, 1, table.size.width, page))]
        assert shown[-1].split()[:2] == [came_into_view, str(len(came_into_view) % 4)]

    drive(frozen_app(Connection.of(repository, name="mem")), script)


def test_the_filter_box_opens_and_closes_over_the_header_moving_nothing_and_drawing_no_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The box used to take a row from the list when shown: every widget was laid out and redrawn.
    # And the list looked blurred while the box had focus, so each row in view was drawn anew.
    from textual.widget import Widget

    from tui.widgets.artifacts import ArtifactTable

    repository = CountingRepository(NAMES)
    names = set(NAMES)
    drawn = record_calls(monkeypatch, ArtifactTable, "_line", lambda table, name, *_: name if name in names else None)

    async def script(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        pane = screen.artifacts
        table, box = pane.table, pane.filter_input
        header = (table.region.x + 2, table.region.y)  # the list's header line

        def regions() -> dict[object, Region]:
            return {widget: widget.region for widget in screen.walk_children(Widget) if widget is not box}

        placed = regions()
        assert screen.get_widget_at(*header)[0] is table
        drawn.clear()
        await pilot.press("slash")
        await settle(pilot)
        assert pilot.app.focused is box and box.visible
        assert screen.get_widget_at(*header)[0] is box
        assert regions() == placed
        assert drawn == []
        await assert_drawn_as_a_layout_would(pilot)
        refreshes = record_refreshes(monkeypatch, Widget, lambda widget: type(widget).__name__)
        await pilot.press("r", "backspace")  # the first keystrokes after opening: the box is sized
        await settle(pilot)
        assert [kind for kind, layout in refreshes if layout] == []
        await assert_drawn_as_a_layout_would(pilot)
        drawn.clear()
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.focused is table and not box.visible
        assert screen.get_widget_at(*header)[0] is table
        assert regions() == placed
        assert drawn == []
        await assert_drawn_as_a_layout_would(pilot)

    drive(frozen_app(Connection.of(repository, name="mem")), script)


def test_keystrokes_that_keep_the_cursor_are_not_a_rest_the_panes_load_once_typing_pauses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The panes load the artifact under the cursor once it has rested. Typing `rules` moves the
    # cursor on `r` only; the load used to start REST_SECONDS after `r`, between two keystrokes,
    # whose frame then waited for three panes to be drawn.
    import asyncio
    import time

    import tui.screens.main as main_module

    monkeypatch.setattr(main_module, "REST_SECONDS", 0.4)  # keys 0.1 s apart: far from resting
    asked: list[tuple[str, float]] = []

    class Timed(CountingRepository):
        def list_versions_and_aliases(self, name: str) -> tuple[list[VersionView], list[Alias]]:
            asked.append((name, time.monotonic()))
            return super().list_versions_and_aliases(name)

    repository = Timed(NAMES)

    async def script(pilot: Pilot[None]) -> None:
        pane = main_screen(pilot).artifacts
        await pilot.press("slash")
        asked.clear()
        for key in "rules":
            pilot.app.post_message(key_event(key))
            sent = time.monotonic()
            await asyncio.sleep(0.1)
        assert pane.current == "ads-rules-00" and pane.filter_input.value == "rules"
        assert asked == [], "no load while typing"
        await settle(pilot)
        await pilot.pause(0.5)
        assert [name for name, _ in asked] == ["ads-rules-00"]
        assert asked[0][1] >= sent

    drive(frozen_app(Connection.of(repository, name="mem")), script)


def test_a_filter_that_keeps_the_list_longer_than_its_view_lays_nothing_out(monkeypatch: pytest.MonkeyPatch) -> None:
    # Textual lays the whole screen out when a virtual size changes; typing a filter changes the
    # list's on each key that changes the count. While the scrollbar stays, only the list and its
    # scrollbar change; when the scrollbar comes or goes, the screen is laid out as before.
    from textual.widget import Widget

    repository = CountingRepository(NAMES)
    refreshes = record_refreshes(monkeypatch, Widget, lambda widget: type(widget).__name__)

    async def script(pilot: Pilot[None]) -> None:
        pane = main_screen(pilot).artifacts
        table = pane.table
        await pilot.press("end", "slash", "r")  # showing the box lays it out once
        await settle(pilot)
        for typed in ("u", "l", "e", "s", "-", "8"):
            refreshes.clear()
            await pilot.press(typed)
            await settle(pilot)
            layouts = [kind for kind, layout in refreshes if layout]
            assert layouts == [], (pane.filter_input.value, layouts)
            shown = len(pane.shown)
            assert table.row_count == shown > table.page_rows
            assert table.virtual_size.height == shown + 1
            assert table.show_vertical_scrollbar
            assert table.vertical_scrollbar.window_virtual_size == shown + 1
            assert table.scroll_y <= table.max_scroll_y
            assert table.cursor_row - round(table.scroll_y) in range(table.page_rows), "the cursor stays in view"
            await assert_drawn_as_a_layout_would(pilot)
        await pilot.press(*"33")  # 'rules-833': four names, no scrollbar
        await settle(pilot)
        assert len(pane.shown) == 4 and not table.show_vertical_scrollbar and table.scroll_y == 0
        await pilot.press("backspace", "backspace")
        await settle(pilot)
        assert table.show_vertical_scrollbar and table.vertical_scrollbar.window_virtual_size == len(pane.shown) + 1
        table.focus()
        await pilot.press("end")
        await settle(pilot)
        assert table.scroll_y == table.max_scroll_y > 0 and table.current_key == pane.shown[-1]

    drive(frozen_app(Connection.of(repository, name="mem")), script)
