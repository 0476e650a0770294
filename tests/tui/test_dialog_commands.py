"""The `vrc` command behind each dialog: shown as literal text, copied with ctrl+y, and it does the change.

The console and the CLI talk to one moto server on 127.0.0.1, so the command the dialog shows can be
run through the real entry point and its effect read back.
"""

from __future__ import annotations

import shlex
from datetime import UTC, datetime

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Label
from tui_helpers import drive, fresh_repository, settle

from core import Repository
from tui.__main__ import main
from tui.app import VrcApp
from tui.connection import Connection
from tui.modals.promote import PromoteModal
from tui.modals.release import ReleaseModal
from tui.release import ReleaseSettings
from tui.screens.main import MainScreen

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


@pytest.fixture
def served(moto_server: str) -> Repository:
    """A fresh bucket and table on the moto server, as a second process would see them."""
    return fresh_repository(moto_server, "vrc-dlg")


def app_over(repository: Repository) -> VrcApp:
    settings = ReleaseSettings(replay_seed=7, replay_paused=True)
    return VrcApp(Connection.of(repository, name="served"), clock=lambda: NOW, tz=UTC, release=settings)


def command_label(modal: ReleaseModal[object]) -> str:
    return str(modal.query_one("#release-command", Label).render())


def test_the_promote_dialog_shows_copies_and_runs_its_command(
    served: Repository, capsys: pytest.CaptureFixture[str]
) -> None:
    name = "model"
    for content in (b"one", b"two"):
        served.put_artifact(name, content)
        served.publish_artifact_version(name)
    served.put_alias(name, "web", 1, reason="setup")
    seen: dict[str, str] = {}

    async def script(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen)
        screen.artifacts.table.move_to(name)
        await settle(pilot)
        screen.aliases.table.focus()
        screen.aliases.table.move_to("web")
        await pilot.pause()
        await pilot.press("p")
        await settle(pilot)
        modal = pilot.app.screen
        assert isinstance(modal, PromoteModal)
        modal.field("promote-alias").value = "web"
        modal.field("promote-version").value = "2"
        modal.field("release-reason").value = "ship v2; it's ready"
        await settle(pilot)
        assert modal.command is not None
        shown = command_label(modal)
        assert shown == f"$ {modal.command} · ctrl+y copies"
        copied: list[str] = []
        pilot.app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
        await pilot.press("ctrl+y")
        assert copied == [modal.command]
        seen["command"] = modal.command
        await pilot.press("escape")
        await settle(pilot)

    drive(app_over(served), script, size=(80, 40))
    words = shlex.split(seen["command"])
    assert words[0] == "vrc" and "--endpoint-url" in words
    assert words[words.index("promote") :] == [
        "promote",
        name,
        "web",
        "2",
        "--expected-revision",
        "1",
        "--reason",
        "ship v2; it's ready",
    ]
    assert served.get_alias(name, "web").version == "1"  # the dialog was cancelled: nothing written

    capsys.readouterr()
    assert main(words[1:]) == 0, capsys.readouterr().err
    alias = served.get_alias(name, "web")
    assert (alias.version, alias.revision) == ("2", 2)
    assert served.list_alias_history(name, "web", limit=1)[0].reason == "ship v2; it's ready"
    # Run again: the alias is no longer at revision 1 (documented: exit 3, nothing written).
    assert main(words[1:]) == 3
    assert served.get_alias(name, "web").revision == 2


def test_upload_download_delete_and_history_show_or_copy_their_commands(
    served: Repository, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tui.modals.confirm import ConfirmModal
    from tui.modals.download import DownloadModal
    from tui.modals.upload import UploadModal
    from tui.screens.history import AliasHistoryScreen
    from tui.widgets.command import CommandLine

    name = "data"
    for content in (b"one", b"two", b"three"):
        served.put_artifact(name, content)
        served.publish_artifact_version(name)
    served.put_alias(name, "web", 1, reason="setup")
    served.put_alias(name, "web", 2, reason="next")
    file = tmp_path / "new.json"
    file.write_bytes(b"{}")
    seen: dict[str, str | None] = {}

    async def script(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen)
        screen.artifacts.table.move_to(name)
        await settle(pilot)
        copied: list[str] = []
        pilot.app.copy_to_clipboard = copied.append  # type: ignore[method-assign]

        await pilot.press("u")
        await settle(pilot)
        upload = pilot.app.screen
        assert isinstance(upload, UploadModal)
        assert upload.query_one(CommandLine).command is None  # no file yet: nothing to show
        upload.query_one("#upload-path", Input).value = str(file)
        upload.query_one("#upload-metadata", Input).value = "team=ml"
        await settle(pilot)
        seen["upload"] = upload.query_one(CommandLine).command
        await pilot.press("escape")
        await settle(pilot)

        screen.versions.table.focus()
        screen.versions.table.move_to("3")
        await pilot.pause()
        await pilot.press("d")
        await settle(pilot)
        download = pilot.app.screen
        assert isinstance(download, DownloadModal)
        download.query_one("#download-path", Input).value = str(tmp_path)
        await settle(pilot)
        seen["download"] = download.query_one(CommandLine).command
        await pilot.press("ctrl+y")
        assert copied[-1] == seen["download"]
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("x")
        await settle(pilot)
        confirm = pilot.app.screen
        assert isinstance(confirm, ConfirmModal)
        seen["delete"] = confirm.query_one(CommandLine).command
        assert str(confirm.query_one(CommandLine).render()).startswith("$ vrc ")
        await pilot.press("n")
        await settle(pilot)

        screen.aliases.table.focus()
        screen.aliases.table.move_to("web")
        await pilot.pause()
        await pilot.press("h")
        await settle(pilot)
        history = pilot.app.screen
        assert isinstance(history, AliasHistoryScreen)
        await pilot.press("down", "y")  # the older row: revision 1
        seen["history"] = copied[-1]
        await pilot.press("escape")
        await settle(pilot)

    drive(app_over(served), script, size=(80, 40))

    def tail(command: str | None, action: str) -> list[str]:
        assert command is not None
        words = shlex.split(command)
        return words[words.index(action) :]

    assert tail(seen["upload"], "upload") == ["upload", name, str(file), "--meta", "team=ml"]
    assert tail(seen["download"], "download") == ["download", name, "3", "-o", str(tmp_path / "data-3")]
    assert tail(seen["delete"], "delete") == ["delete", name, "3"]
    assert tail(seen["history"], "rollback") == [
        "rollback",
        name,
        "web",
        "--to-revision",
        "1",
        "--expected-revision",
        "2",
    ]
    assert served.get_alias(name, "web").version == "2"
    # The history row's command restores what revision 1 set, through the real entry point.
    capsys.readouterr()
    assert main(shlex.split(seen["history"] or "")[1:]) == 0, capsys.readouterr().err
    assert served.get_alias(name, "web").version == "1"
    capsys.readouterr()
    assert main(shlex.split(seen["upload"] or "")[1:]) == 0, capsys.readouterr().err
    assert served.get_artifact_version(name, "LATEST").metadata == {"team": "ml"}
