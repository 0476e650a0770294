"""Pilot tests of the main screen against the seeded demo repository."""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import io
import threading
from datetime import UTC, timedelta
from pathlib import Path

from rich.console import Console
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Label, Static
from tui_helpers import BlockingRepository, MakeApp, drive, frozen_app, notifications, settle

from core import Repository
from core.demo import DEMO_NOW
from core.errors import EndpointUnreachableError
from tui import collector
from tui.app import VrcApp
from tui.commands import key_actions
from tui.connection import Connection
from tui.formatting import human_size
from tui.modals.confirm import ConfirmModal
from tui.modals.download import DownloadModal
from tui.modals.switch_repository import SwitchRepositoryModal
from tui.modals.upload import UploadModal
from tui.screens.help import HelpScreen
from tui.screens.main import MainScreen
from tui.screens.messages import MessagesScreen
from tui.widgets.footer import KeyFooter
from tui.widgets.pane import LOADING_INDICATOR_DELAY
from tui.widgets.records import Column, fit_columns, fit_text
from tui.widgets.rows import VirtualRows
from tui.widgets.versions import VERSION_COLUMNS

DEMO_NAMES = ["churn-model", "customer-analytics-db", "edge-config", "fraud-rules", "search-ranker"]


def main_screen(pilot: Pilot[None]) -> MainScreen:
    screen = pilot.app.screen
    assert isinstance(screen, MainScreen), screen
    return screen


async def focus_version(pilot: Pilot[None], version: str) -> None:
    screen = main_screen(pilot)
    screen.versions.table.focus()
    screen.versions.table.move_to(version)
    await pilot.pause()
    assert screen.versions.current is not None
    assert screen.versions.current.artifact.version == version


def test_opens_populated_with_counts_versions_aliases_and_detail(make_app: MakeApp) -> None:
    async def script(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        assert list(screen.artifacts.shown) == DEMO_NAMES
        table = screen.artifacts.table
        assert [table.count_text(name) for name in DEMO_NAMES] == ["4", "6", "5", "2", "2"]
        assert screen.selected_name == "churn-model"
        assert [view.artifact.version for view in screen.versions.views] == ["LATEST", "4", "3", "2", "1"]
        assert screen.detail.subject == "churn-model@LATEST"
        assert "● connected" in screen.status.state_text
        assert screen.query_one("#demo-badge").display
        assert not screen.query_one("#read-only-badge").display
        assert "vrc --bucket NAME or vrc --repo NAME" in str(screen.query_one("#hint", Label).render())
        assert "as you (demo)" in str(screen.query_one("#location", Label).render())
        # What lives as long as the app is frozen; the oldest generation is collected rarely (tui.collector).
        assert gc.get_threshold()[2] == collector.OLDEST_EVERY

    drive(make_app(), script)


def test_keys_typed_before_the_panes_switch_act_on_nothing_not_the_previous_artifact(make_app: MakeApp) -> None:
    """A cursor move switches the version and alias panes after its frame; a key queued meanwhile
    (copy, download, delete) must not act on the previous artifact's version still drawn."""

    async def script(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        await focus_version(pilot, "3")
        assert screen.shown_version is not None and screen.shown_version.artifact.name == "churn-model"
        screen.artifacts.table.move_to("edge-config")
        screen.select_artifact("edge-config")  # what ↓'s highlight does: the panes switch after the next frame
        assert screen.selected_name == "edge-config"
        assert screen.versions.artifact_name == "churn-model"  # still drawn…
        assert screen.shown_version is None and screen.shown_alias is None  # …but not acted on
        screen.action_copy_uri()
        assert "churn-model" not in pilot.app.clipboard
        await settle(pilot)
        assert screen.versions.artifact_name == "edge-config"
        assert screen.shown_version is not None and screen.shown_version.artifact.name == "edge-config"

    drive(make_app(), script)


def test_arrow_keys_tab_and_enter_move_between_artifacts_and_panes(make_app: MakeApp) -> None:
    async def script(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        await pilot.press("down")
        await settle(pilot)
        assert screen.selected_name == "customer-analytics-db"
        assert len(screen.versions.views) == 7
        split = {alias.alias: alias for alias in screen.aliases.aliases}
        assert screen.aliases.table.cell("production", "split") == "v4 90% | v6 10%"  # the dialogs' words
        assert split["development"].version == "LATEST"

        await pilot.press("enter")
        assert pilot.app.focused is screen.versions.table
        await pilot.press("down")
        assert screen.detail.subject == "customer-analytics-db@6"
        await pilot.press("tab")
        assert pilot.app.focused is screen.aliases.table
        assert screen.detail.subject == "customer-analytics-db#development"
        await pilot.press("down")
        assert screen.detail.subject == "customer-analytics-db#production"
        await pilot.press("shift+tab", "shift+tab")
        assert pilot.app.focused is screen.artifacts.table

    drive(make_app(), script)


def test_slash_filters_as_you_type_and_escape_restores(make_app: MakeApp) -> None:
    async def script(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        await pilot.press("slash")
        assert isinstance(pilot.app.focused, Input)
        assert screen.artifacts.filter_input.visible
        await pilot.press("c", "o", "n")
        await settle(pilot)
        assert list(screen.artifacts.shown) == ["edge-config"]
        assert screen.selected_name == "edge-config"
        assert screen.artifacts.title == "Artifacts 1/5 · /con"
        await pilot.press("backspace", "backspace", "backspace", "e", "r")
        await settle(pilot)
        assert list(screen.artifacts.shown) == ["customer-analytics-db", "search-ranker"]
        await pilot.press("enter")
        assert pilot.app.focused is screen.artifacts.table
        assert list(screen.artifacts.shown) == ["customer-analytics-db", "search-ranker"]
        # The box shows only while it is edited; the title names the filter in force.
        assert not screen.artifacts.filter_input.visible
        assert screen.artifacts.title == "Artifacts 2/5 · /er"
        await pilot.press("slash")
        assert screen.artifacts.filter_input.visible and screen.artifacts.filter_input.value == "er"
        await pilot.press("escape")
        await settle(pilot)
        assert list(screen.artifacts.shown) == DEMO_NAMES
        assert not screen.artifacts.filter_input.visible
        assert pilot.app.focused is screen.artifacts.table

    drive(make_app(), script)


def test_the_filter_box_keeps_focus_and_its_text_while_the_terminal_is_away(make_app: MakeApp) -> None:
    # The box hides when another widget takes focus; the terminal losing focus must not hide it,
    # or Textual could not give it focus back when the terminal regains it.
    from textual import events

    async def script(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        box = screen.artifacts.filter_input
        await pilot.press("slash", "d")
        pilot.app.post_message(events.AppBlur())
        await settle(pilot)
        pilot.app.post_message(events.AppFocus())
        await settle(pilot)
        assert pilot.app.focused is box and box.visible
        await pilot.press("e")
        assert box.value == "de"
        # Away and back in one read of the terminal: the box's blur is handled after it has
        # focus again. It must stay: hidden, focus would move on and `d` would download.
        pilot.app.post_message(events.AppBlur())
        pilot.app.post_message(events.AppFocus())
        await settle(pilot)
        await pilot.press("d")
        assert pilot.app.focused is box and box.visible and box.value == "ded"
        # Focus taken elsewhere while the terminal is away (a click): the box goes.
        pilot.app.post_message(events.AppBlur())
        await settle(pilot)
        screen.artifacts.table.focus()
        await settle(pilot)
        assert pilot.app.focused is screen.artifacts.table and not box.visible
        assert screen.artifacts.title == "Artifacts 0/5 · /ded"

    drive(make_app(), script)


def test_keys_typed_in_one_burst_after_slash_land_in_the_filter(make_app: MakeApp) -> None:
    async def script(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        for key in ("slash", "e", "d", "g"):  # as a terminal delivers a fast typist: no waiting
            pilot.app.post_message(events.Key(key, "/" if key == "slash" else key))
        await settle(pilot)
        assert screen.artifacts.filter_input.value == "edg"
        assert list(screen.artifacts.shown) == ["edge-config"]
        assert isinstance(pilot.app.screen, MainScreen)  # "d" did not open the download dialog

    drive(make_app(), script)


def test_filter_that_matches_nothing_empties_the_panes(make_app: MakeApp) -> None:
    async def script(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        await pilot.press("slash", "z", "z", "z")
        await settle(pilot)
        assert list(screen.artifacts.shown) == []
        assert screen.selected_name is None
        assert screen.versions.views == ()
        assert screen.detail.subject is None

    drive(make_app(), script)


def test_upload_validates_in_the_modal_then_writes_latest(
    make_app: MakeApp, demo_repository: Repository, tmp_path: Path
) -> None:
    payload = tmp_path / "model.json"
    payload.write_text('{"weights": [1, 2, 3]}')

    async def script(pilot: Pilot[None]) -> None:
        await pilot.press("u")
        modal = pilot.app.screen
        assert isinstance(modal, UploadModal)
        assert modal.query_one("#upload-name", Input).value == "churn-model"
        error = modal.query_one("#upload-error", Label)

        modal.query_one("#upload-path", Input).value = str(tmp_path / "missing.bin")
        await pilot.press("enter")
        assert pilot.app.screen is modal
        assert "does not exist" in str(error.render())

        modal.query_one("#upload-path", Input).value = str(payload)
        modal.query_one("#upload-metadata", Input).value = "team=ml, oops"
        await pilot.press("enter")
        assert pilot.app.screen is modal
        assert "'oops' is not key=value" in str(error.render())

        modal.query_one("#upload-name", Input).value = "bad name!"
        modal.query_one("#upload-metadata", Input).value = "team=ml, ticket=OPS-7"
        await pilot.press("enter")
        assert pilot.app.screen is modal
        assert "bad name!" in str(error.render())

        modal.query_one("#upload-name", Input).value = "new-model"
        await pilot.press("enter")
        await settle(pilot)
        screen = main_screen(pilot)
        assert "new-model" in screen.artifacts.shown
        assert screen.selected_name == "new-model"
        assert [view.artifact.version for view in screen.versions.views] == ["LATEST"]
        assert any("Uploaded" in text or "new-model LATEST" in text for text in notifications(pilot.app))

    drive(make_app(), script)
    latest = demo_repository.get_artifact_version("new-model")
    assert latest.sha256 == hashlib.sha256(payload.read_bytes()).hexdigest()
    assert latest.content_type == "application/json"
    assert latest.metadata == {"team": "ml", "ticket": "OPS-7"}


def test_escape_cancels_upload_without_writing(make_app: MakeApp, demo_repository: Repository) -> None:
    async def script(pilot: Pilot[None]) -> None:
        await pilot.press("u")
        assert isinstance(pilot.app.screen, UploadModal)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MainScreen)

    drive(make_app(), script)
    assert demo_repository.list_artifact_names() == DEMO_NAMES


def test_download_follows_the_umask_and_asks_before_overwriting(
    make_app: MakeApp, demo_repository: Repository, tmp_path: Path
) -> None:
    import os

    target = tmp_path / "churn-v3.bin"

    async def script(pilot: Pilot[None]) -> None:
        await focus_version(pilot, "3")
        await pilot.press("d")
        modal = pilot.app.screen
        assert isinstance(modal, DownloadModal)
        path_input = modal.query_one("#download-path", Input)
        assert path_input.value.endswith("churn-model-3.bin")
        path_input.value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MainScreen)
        assert any(str(target) in text for text in notifications(pilot.app))
        assert target.stat().st_mode & 0o777 == 0o640  # 0o666 less the umask 027, as any new file

        target.write_bytes(b"keep me")
        await pilot.press("d")
        modal = pilot.app.screen
        modal.query_one("#download-path", Input).value = str(target)
        await pilot.press("enter")
        assert isinstance(pilot.app.screen, ConfirmModal)  # an existing file: asks first
        assert str(target) in str(pilot.app.screen.query_one(".dialog-body", Label).render())
        await pilot.press("n")
        await settle(pilot)
        assert pilot.app.screen is modal and target.read_bytes() == b"keep me"
        await pilot.press("enter")
        assert isinstance(pilot.app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MainScreen)

    previous = os.umask(0o027)
    try:
        drive(make_app(), script)
    finally:
        os.umask(previous)
    expected = demo_repository.get_artifact_version("churn-model", "3").get_content()
    assert target.read_bytes() == expected
    assert not [p for p in tmp_path.iterdir() if p.name != target.name]  # no temporary file left


def test_delete_asks_first_and_soft_deletes(make_app: MakeApp, demo_repository: Repository) -> None:
    async def script(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        await focus_version(pilot, "1")
        await pilot.press("x")
        assert isinstance(pilot.app.screen, ConfirmModal)
        assert pilot.app.focused is not None and pilot.app.focused.id == "cancel"
        await pilot.press("enter")  # a stray enter cancels
        await settle(pilot)
        assert isinstance(pilot.app.screen, MainScreen)
        assert "1" in [view.artifact.version for view in screen.versions.views]
        await pilot.press("x")
        await pilot.press("n")
        await settle(pilot)
        assert "1" in [view.artifact.version for view in screen.versions.views]

        await pilot.press("x")
        assert isinstance(pilot.app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        assert [view.artifact.version for view in screen.versions.views] == ["LATEST", "4", "3", "2"]
        assert screen.artifacts.table.count_text("churn-model") == "3"

    drive(make_app(), script)
    versions = [artifact.version for artifact in demo_repository.list_artifact_versions("churn-model")]
    assert versions == ["LATEST", "4", "3", "2"]


def test_an_aliased_version_is_explained_and_not_offered_for_deletion(
    make_app: MakeApp, demo_repository: Repository
) -> None:
    async def script(pilot: Pilot[None]) -> None:
        await focus_version(pilot, "3")  # churn-model production points at 3
        await pilot.press("x")
        assert isinstance(pilot.app.screen, MainScreen)  # no dialog to say yes to
        assert any("what production point at" in text for text in notifications(pilot.app))
        await pilot.press("y")  # copies the URI; deletes nothing
        await settle(pilot)
        screen = main_screen(pilot)
        assert "3" in [view.artifact.version for view in screen.versions.views]
        await pilot.press("question_mark")
        assert isinstance(pilot.app.screen, HelpScreen)

    drive(make_app(), script)
    assert demo_repository.get_artifact_version("churn-model", "3").version == "3"


def test_read_only_disables_writes_and_says_why(make_app: MakeApp, demo_repository: Repository) -> None:
    async def script(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        assert screen.query_one("#read-only-badge").display
        assert "writes disabled" in str(
            screen.query_one("#read-only-why", Label).render()
        )  # promote, rollback, canary too
        bindings = screen.active_bindings
        assert not bindings["u"].enabled and not bindings["x"].enabled
        assert bindings["d"].enabled
        await focus_version(pilot, "1")
        await pilot.press("u")
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(pilot.app.screen, MainScreen)
        assert sum("open read-only" in text for text in notifications(pilot.app)) == 2
        help_rows = {action.action: action for action in key_actions(screen)}
        assert help_rows["upload"].unavailable == "read-only repository (opened with --read-only)"

    drive(make_app(read_only=True), script)
    assert len(demo_repository.list_artifact_versions("churn-model")) == 5


def test_help_lists_every_binding_of_the_main_screen(make_app: MakeApp) -> None:
    async def script(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        await pilot.press("question_mark")
        help_screen = pilot.app.screen
        assert isinstance(help_screen, HelpScreen)
        listed = {action.action for action in help_screen._actions}
        described = {b.action for b in MainScreen.BINDINGS if b.description}
        assert described <= listed
        assert {"quit", "help", "app.focus_next", "app.focus_previous"} <= listed
        await pilot.press("escape")
        assert pilot.app.screen is screen

    drive(make_app(), script)


def test_command_palette_runs_actions_by_name(make_app: MakeApp) -> None:
    async def script(pilot: Pilot[None]) -> None:
        await pilot.press("ctrl+p")
        await pilot.press(*"upload a local")
        await pilot.pause(0.2)  # the palette gathers its hits in a timer-driven task
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, UploadModal)

    drive(make_app(), script)


def test_switching_repository_reloads_everything(demo_repository: Repository) -> None:
    import dataclasses

    other = dataclasses.replace(demo_repository, s3_prefix="elsewhere")
    app = frozen_app(
        Connection.of(demo_repository, name="demo", demo=True),
        Connection.of(other, name="empty"),
    )

    async def script(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        await pilot.press("c")
        assert isinstance(pilot.app.screen, SwitchRepositoryModal)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert screen.connection.name == "empty"
        assert list(screen.artifacts.shown) == []
        assert "empty" in screen.artifacts.note
        assert not screen.query_one("#demo-badge").display
        await pilot.press("c", "up", "enter")
        await settle(pilot)
        assert list(screen.artifacts.shown) == DEMO_NAMES

    drive(app, script)


def test_refresh_picks_up_changes_made_elsewhere(make_app: MakeApp, demo_repository: Repository) -> None:
    async def script(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        demo_repository.put_artifact("zz-late", b"hello", content_type="text/plain")
        demo_repository.put_artifact("churn-model", b"retrained", content_type="application/octet-stream")
        demo_repository.publish_artifact_version("churn-model")
        await pilot.press("R")
        await settle(pilot)
        assert "zz-late" in screen.artifacts.shown
        assert screen.selected_name == "churn-model"
        assert pilot.app.focused is screen.artifacts.table  # focus survives the loading state
        assert [view.artifact.version for view in screen.versions.views][:2] == ["LATEST", "5"]

    drive(make_app(), script)


def _text(static: Static) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(static.content)
    return console.export_text()


def _line(table: VirtualRows, y: int) -> str:
    return "".join(segment.text for segment in table.render_line(y))


def test_home_end_g_G_j_k_move_rows_in_versions_and_aliases(make_app: MakeApp) -> None:
    async def script(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        await pilot.press("down")  # customer-analytics-db: 7 versions, 3 aliases
        await settle(pilot)
        await pilot.press("enter")
        versions = screen.versions.table
        assert pilot.app.focused is versions
        for keys, row in ((("end",), 6), (("home",), 0), (("G",), 6), (("g",), 0), (("j", "j"), 2), (("k",), 1)):
            await pilot.press(*keys)
            assert versions.cursor_row == row, keys
        assert versions.scroll_x == 0  # rows, not sideways: the alias column stays in view
        await pilot.press("tab", "end")
        assert screen.aliases.table.cursor_row == screen.aliases.table.row_count - 1
        await pilot.press("home")
        assert screen.aliases.table.cursor_row == 0

    drive(make_app(), script, size=(80, 24))


def test_a_jumps_to_an_alias_by_typing_its_name(make_app: MakeApp) -> None:
    async def script(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        await pilot.press("down")  # customer-analytics-db
        await settle(pilot)
        assert pilot.app.focused is screen.artifacts.table
        await pilot.press("a", "p", "r", "o")
        assert list(screen.aliases.shown) == ["production"]
        assert screen.aliases.title == "Aliases · 3 · 1 shown · /pro"
        assert screen.aliases.filter_input.visible
        await pilot.press("enter")
        assert pilot.app.focused is screen.aliases.table
        assert not screen.aliases.filter_input.visible, "the title names the filter in force"
        assert screen.detail.subject == "customer-analytics-db#production"
        await pilot.press("a", "escape")  # clears: every alias again, the cursor stays
        assert len(screen.aliases.shown) == 3
        assert screen.aliases.current is not None and screen.aliases.current.alias == "production"

    drive(make_app(), script)


def _footer_keys(pilot: Pilot[None]) -> dict[str, tuple[int, int]]:
    """Footer text of each key shown -> its (left, right) columns on screen."""
    footer = pilot.app.screen.query_one(KeyFooter)
    columns = footer.key_columns()
    line = "".join(segment.text for segment in footer.render_line(0))
    for text, (left, right) in columns.items():
        offset = left - footer.content_region.x
        assert line[offset : offset + right - left] == text, "the footer draws each key where it says"
    return columns


def test_footer_shows_the_focused_panes_keys_within_80_columns(make_app: MakeApp) -> None:
    async def script(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        await pilot.press("down")
        await settle(pilot)
        keys = _footer_keys(pilot)
        assert {"/ filter", "u upload", "a alias", "? help", "q quit"} <= set(keys)
        await pilot.press("enter")
        keys = _footer_keys(pilot)
        assert {"p promote", "x delete", "d download"} <= set(keys)
        await pilot.press("tab")
        assert pilot.app.focused is screen.aliases.table
        keys = _footer_keys(pilot)
        assert {"p promote", "b rollback", "C canary", "h history", "a find", "? help"} <= set(keys)
        assert all(right <= 80 for _, right in keys.values()), keys

    drive(make_app(), script, size=(80, 24))


def test_clicking_a_footer_key_runs_it_as_pressing_it_would(make_app: MakeApp) -> None:
    async def script(pilot: Pilot[None]) -> None:
        footer = pilot.app.screen.query_one(KeyFooter)
        left, _right = footer.key_columns()["? help"]
        await pilot.click(KeyFooter, offset=(left - footer.region.x, 0))
        await settle(pilot)
        assert isinstance(pilot.app.screen, HelpScreen)

    drive(make_app(), script)


def test_help_lists_navigation_and_dialog_keys(make_app: MakeApp) -> None:
    async def script(pilot: Pilot[None]) -> None:
        await pilot.press("question_mark")
        help_screen = pilot.app.screen
        assert isinstance(help_screen, HelpScreen)
        text = _text(help_screen.query_one("#help-table", Static))
        for expected in ("g G", "k j", "ctrl+g", "ctrl+n", "ctrl+r", "Pause/resume", "Faster", "type an alias name"):
            assert expected in text, expected
        assert "sideways" not in text

    drive(make_app(), script)


def test_ctrl_c_quits_at_once_when_nothing_is_being_written(make_app: MakeApp) -> None:
    async def script(pilot: Pilot[None]) -> None:
        await pilot.press("slash")  # even from the filter field
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert pilot.app.return_code == 0

    drive(make_app(), script)


def test_quitting_while_a_write_is_in_flight_asks_first(make_app: MakeApp) -> None:
    release = threading.Event()

    async def script(pilot: Pilot[None]) -> None:
        pilot.app.run_worker(lambda: release.wait(10), thread=True, group="upload")
        await pilot.press("ctrl+c")
        assert isinstance(pilot.app.screen, ConfirmModal)
        await pilot.press("n")
        assert isinstance(pilot.app.screen, MainScreen)
        assert pilot.app.return_code is None
        await pilot.press("q", "y")
        await pilot.pause()
        assert pilot.app.return_code == 0
        release.set()

    try:
        drive(make_app(), script)
    finally:
        release.set()


def test_relative_times_refresh_on_the_timer_without_a_reload(demo_repository: Repository) -> None:
    now = [DEMO_NOW]
    app = VrcApp(Connection.of(demo_repository, name="demo", demo=True), clock=lambda: now[0], tz=UTC)

    async def script(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        before = screen.versions.table.cell("4", "updated")
        now[0] = DEMO_NOW + timedelta(days=400)
        screen.refresh_times()  # what the TIME_REFRESH_SECONDS interval calls
        await pilot.pause()
        after = screen.versions.table.cell("4", "updated")
        assert after != before and after.endswith("1y ago"), (before, after)

    drive(app, script)


def test_columns_by_priority_at_80x24(make_app: MakeApp) -> None:
    async def script(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        await pilot.press("down")  # customer-analytics-db
        await settle(pilot)
        shown = screen.versions.table.shown_columns
        assert {"version", "aliases", "updated", "size", "sha256"} <= set(shown), shown
        assert screen.versions.table.page_rows >= 7  # all 7 versions of customer-analytics-db
        header = _line(screen.versions.table, 0)
        assert all(label in header for label in ("Version", "Aliases", "Updated", "Size", "SHA256")), header
        row = _line(screen.versions.table, 1 + screen.versions.shown.index("4"))
        view = next(v for v in screen.versions.views if v.artifact.version == "4")
        assert view.artifact.sha256[:8] in row and "production" in row and "ago" in row, row
        assert set(screen.aliases.table.shown_columns) >= {"alias", "split", "updated"}

    drive(make_app(), script, size=(80, 24))


def test_columns_by_priority_at_120x40(make_app: MakeApp) -> None:
    async def script(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        await pilot.press("down")
        await settle(pilot)
        assert screen.versions.table.shown_columns == [c.key for c in VERSION_COLUMNS]  # Metadata too
        header = _line(screen.versions.table, 0)
        assert "Metadata" in header, header
        aliases = screen.aliases.table
        assert aliases.shown_columns == ["alias", "split", "updated", "revision", "by"]
        production = _line(aliases, 1 + screen.aliases.shown.index("production"))
        alias = next(a for a in screen.aliases.aliases if a.alias == "production")
        assert alias.updated_by and alias.updated_by in production, production  # "By" readable

    drive(make_app(), script, size=(120, 40))


def test_the_last_error_stays_in_the_status_area_and_m_lists_messages() -> None:
    blocking = BlockingRepository()
    blocking.fail_with(EndpointUnreachableError("list_artifact_names: cannot reach http://127.0.0.1:9"))
    app = frozen_app(Connection.of(blocking, name="staging"))

    async def script(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        hint = screen.status.hint_text
        assert "Could not list artifacts" in hint and "cannot reach http://127.0.0.1:9" in hint, hint
        await pilot.press("m")
        assert isinstance(pilot.app.screen, MessagesScreen)
        text = _text(pilot.app.screen.query_one("#messages-table", Static))
        assert "cannot reach http://127.0.0.1:9" in text
        await pilot.press("escape")
        assert pilot.app.screen is screen

    drive(app, script, size=(80, 24))


def test_loading_shows_in_the_pane_title_and_the_pane_keeps_focus() -> None:
    blocking = BlockingRepository()
    app = frozen_app(Connection.of(blocking, name="slow"))

    async def script(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        assert screen.artifacts.busy
        await pilot.pause(LOADING_INDICATOR_DELAY + 0.2)  # the title says nothing for quick loads
        assert "◌ loading" in screen.artifacts.title_text()
        assert pilot.app.focused is screen.artifacts.table  # a loading pane is not disabled
        blocking.release.set()
        await settle(pilot)
        assert not screen.artifacts.busy and "loading" not in screen.artifacts.title_text()

    try:
        drive(app, script, wait=False)
    finally:
        blocking.release.set()


def test_the_console_uses_no_textual_private_names() -> None:
    """Textual pinned exactly, and no `_name` of Textual's used or overridden: an upgrade can't break us
    silently. (Fails loudly here instead of at run time.)"""
    import ast
    import re

    from textual.app import App
    from textual.screen import Screen
    from textual.scroll_view import ScrollView
    from textual.widgets import DataTable

    pyproject = (Path(__file__).parents[2] / "pyproject.toml").read_text()
    assert re.search(r'"textual==\d+\.\d+\.\d+"', pyproject), "pin Textual exactly"
    names = {name for cls in (App, ScrollView, Input, Screen, DataTable) for name in dir(cls)}
    names |= {name for widget in (ScrollView(), Input(), DataTable()) for name in vars(widget)}
    textual_names = {name for name in names if name.startswith("_") and not name.startswith("__")}
    found = []
    for path in (Path(__file__).parents[2] / "tui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name in textual_names:
                found.append(f"{path.name}:{node.lineno} def {node.name}")  # overrides a private method
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                on_self = isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
                if node.attr in textual_names or not on_self:
                    found.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
    assert not found, found


def _strip_vrc_fields(repository: Repository, name: str, version: str) -> None:
    """Make a version look as versioned 1.0.1 wrote it: no size, content type or metadata in the item."""
    import boto3

    from core.items import key
    from core.layout import encode_version_sk

    client = boto3.client("dynamodb", region_name=repository.aws_region, endpoint_url=repository.endpoint_url)
    client.update_item(
        TableName=repository.dynamodb_table_name,
        Key=key(name, encode_version_sk(version)),
        UpdateExpression="REMOVE #size, content_type SET metadata = :empty",
        ExpressionAttributeNames={"#size": "size"},
        ExpressionAttributeValues={":empty": {"M": {}}},
    )


def test_versions_written_without_vrcs_fields_are_completed_from_s3(
    make_app: MakeApp, demo_repository: Repository
) -> None:
    expected = demo_repository.get_artifact_version("churn-model", "2")
    _strip_vrc_fields(demo_repository, "churn-model", "2")
    assert demo_repository.get_artifact_version("churn-model", "2").size is None

    async def script(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        table = screen.versions.table
        assert table.cell("2", "size") == human_size(expected.size)  # not "?"
        assert table.cell("2", "type") == expected.content_type
        assert "2" in screen.versions.completed and "3" not in screen.versions.completed
        await focus_version(pilot, "2")
        assert screen.detail.subject == "churn-model@2"
        text = "\n".join(
            strip.text for strip in map(screen.detail.text.render_line, range(screen.detail.text.size.height))
        )
        assert "without vrc's fields" in text and f"{expected.size:,} bytes" in text, text

    drive(make_app(), script)


def test_a_missing_table_is_said_once_with_the_option_that_selects_one(demo_repository: Repository) -> None:
    missing = dataclasses.replace(demo_repository, dynamodb_table_name="no-such-table")
    app = frozen_app(Connection.of(missing, name="forgot-table"))

    async def script(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        said = [text for text in notifications(pilot.app) if "no-such-table" in text]
        assert len(said) == 1, notifications(pilot.app)
        assert "--table NAME" in said[0] and "not found" in said[0]
        assert "--table NAME" in screen.status.hint_text
        await pilot.press("down")  # another artifact fails alike: not said again
        await settle(pilot)
        assert len([text for text in notifications(pilot.app) if "no-such-table" in text]) == 1
        assert "not found" in screen.versions.note

    drive(app, script)


def test_fit_columns_keeps_priorities_cuts_to_min_width_and_grows_short_columns() -> None:
    columns = (
        Column("a", "A", 0),
        Column("b", "B", 2, min_width=4),
        Column("c", "C", 1),
        Column("d", "D", 3, max_width=5),
    )
    full, short = [6, 20, 10, 12], [None, None, 4, None]
    placed = fit_columns(columns, full, short, 18)  # a 6+1, c short 4+1: 6 left, b cut to 5
    assert [(p.index, p.width, p.short) for p in placed] == [(0, 6, False), (1, 5, False), (2, 4, True)]
    placed = fit_columns(columns, full, short, 60)  # room for all: c full, d past its cap
    assert [(p.index, p.width, p.short) for p in placed] == [
        (0, 6, False),
        (1, 20, False),
        (2, 10, False),
        (3, 12, False),
    ]
    assert [p.index for p in fit_columns(columns, full, short, 5)] == [2]  # a does not fit; c short does
    assert fit_text("application/json", 8) == "applica…" and fit_text("ab", 4) == "ab  "


def test_switcher_hint_names_the_config_file_actually_read(demo_repository: Repository, tmp_path: Path) -> None:
    from tui.config import resolve

    explicit = tmp_path / "elsewhere.toml"
    explicit.write_text("", encoding="utf-8")
    assert resolve(["--config", str(explicit)], {"HOME": "/nowhere"}).config_path == explicit
    xdg = resolve([], {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "HOME": "/nowhere"}).config_path
    assert xdg == tmp_path / "xdg" / "vrc" / "config.toml"
    app = VrcApp(
        Connection.of(demo_repository, name="demo", demo=True), clock=lambda: DEMO_NOW, tz=UTC, config_path=xdg
    )

    async def script(pilot: Pilot[None]) -> None:
        await pilot.press("c")
        assert isinstance(pilot.app.screen, SwitchRepositoryModal)
        hint = str(pilot.app.screen.query_one(".dialog-hint", Label).render())
        assert str(xdg) in hint
        assert "~/.config/vrc/config.toml" not in hint

    drive(app, script)
