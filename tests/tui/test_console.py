"""Pilot tests of the main screen against the seeded demo repository."""

from __future__ import annotations

import hashlib
from pathlib import Path

from conftest import MakeApp, frozen_app
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Label
from tui_helpers import drive, notifications, settle

from core import Repository
from tui.commands import key_actions
from tui.connection import Connection
from tui.modals.confirm import ConfirmModal
from tui.modals.download import DownloadModal
from tui.modals.switch_repository import SwitchRepositoryModal
from tui.modals.upload import UploadModal
from tui.screens.help import HelpScreen
from tui.screens.main import MainScreen

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

    drive(make_app(), script)


def test_arrow_keys_tab_and_enter_move_between_artifacts_and_panes(make_app: MakeApp) -> None:
    async def script(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        await pilot.press("down")
        await settle(pilot)
        assert screen.selected_name == "customer-analytics-db"
        assert len(screen.versions.views) == 7
        split = {alias.alias: alias for alias in screen.aliases.aliases}
        assert screen.aliases.table.get_cell("production", "split").plain == "4 ▸ 90% | 6 ▸ 10%"
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
        await pilot.press("slash", "escape")
        await settle(pilot)
        assert list(screen.artifacts.shown) == DEMO_NAMES
        assert not screen.artifacts.filter_input.display
        assert pilot.app.focused is screen.artifacts.table

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


def test_download_writes_the_selected_version_and_refuses_to_overwrite(
    make_app: MakeApp, demo_repository: Repository, tmp_path: Path
) -> None:
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

        await pilot.press("d")
        modal = pilot.app.screen
        modal.query_one("#download-path", Input).value = str(target)
        await pilot.press("enter")
        assert pilot.app.screen is modal
        assert "exists" in str(modal.query_one("#download-error", Label).render())
        await pilot.press("escape")

    drive(make_app(), script)
    expected = demo_repository.get_artifact_version("churn-model", "3").get_content()
    assert target.read_bytes() == expected


def test_delete_asks_first_and_soft_deletes(make_app: MakeApp, demo_repository: Repository) -> None:
    async def script(pilot: Pilot[None]) -> None:
        screen = main_screen(pilot)
        await focus_version(pilot, "1")
        await pilot.press("x")
        assert isinstance(pilot.app.screen, ConfirmModal)
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


def test_deleting_an_aliased_version_shows_cores_message_and_keeps_running(
    make_app: MakeApp, demo_repository: Repository
) -> None:
    async def script(pilot: Pilot[None]) -> None:
        await focus_version(pilot, "3")  # churn-model production points at 3
        await pilot.press("x", "y")
        await settle(pilot)
        assert any("used by alias production" in text for text in notifications(pilot.app))
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
        assert "upload and delete disabled" in str(screen.query_one("#read-only-why", Label).render())
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
