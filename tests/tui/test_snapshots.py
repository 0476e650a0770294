"""Pictures of the console: update with `make snapshots` after checking the report by eye."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import Input
from tui_helpers import BlockingRepository, MakeApp, frozen_app, settle

from core.errors import EndpointUnreachableError
from tui.connection import Connection

SnapCompare = Callable[..., bool]


def test_main_screen_80x24(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=settle)


def test_main_screen_80x24_aliases_focused(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    """The narrow layout with the release keys of the aliases pane in the footer."""

    async def production_selected(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("down")  # customer-analytics-db
        await settle(pilot)
        await pilot.press("a", *"prod", "enter")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=production_selected)


def test_main_screen_120x40(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    async def canary_selected(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("down")  # customer-analytics-db: its panes load once the cursor rests
        await settle(pilot)
        await pilot.press("tab", "tab", "down")  # its production alias
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=canary_selected)


def test_help_screen(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    async def open_help(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("question_mark")

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=open_help)


def test_read_only_mode(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    assert snap_compare(make_app(read_only=True), terminal_size=(120, 40), run_before=settle)


def test_unreachable_endpoint_error_state(snap_compare: SnapCompare) -> None:
    blocking = BlockingRepository()
    blocking.fail_with(
        EndpointUnreachableError(
            "list_artifact_names: cannot reach http://127.0.0.1:9: Could not connect to the endpoint URL"
        )
    )
    app = frozen_app(Connection.of(blocking, name="staging"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def test_upload_dialog_with_a_validation_error(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    async def bad_upload(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("u")
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        pilot.app.screen.query_one("#upload-path", Input).value = "/nonexistent/model.bin"
        await pilot.press("enter")

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=bad_upload)
