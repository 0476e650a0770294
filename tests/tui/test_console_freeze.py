"""Freeze in the console: the mark, the banner, the detail, and F to freeze or unfreeze (core in a worker)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from textual.pilot import Pilot
from textual.widgets import Input
from tui_helpers import drive, fresh_repository, settle

from core import Repository
from tui.app import VrcApp
from tui.connection import Connection
from tui.modals.freeze import FreezeModal
from tui.release import ReleaseSettings
from tui.screens.main import MainScreen
from tui.widgets.command import CommandLine


@pytest.fixture
def served(moto_server: str) -> Repository:
    repository = fresh_repository(moto_server, "vrc-frz")
    for content in (b"one", b"two"):
        repository.put_artifact("model", content)
        repository.publish_artifact_version("model")
    repository.put_alias("model", "web", 1, reason="setup")
    repository.put_alias("model", "api", 2, reason="setup")
    return repository


def app_over(repository: Repository) -> VrcApp:
    settings = ReleaseSettings(replay_seed=7, replay_paused=True)
    return VrcApp(Connection.of(repository, name="served"), tz=UTC, release=settings)


def alias_cell(screen: MainScreen, alias: str) -> str:
    return str(screen.aliases.table.rows[alias][0].text)  # type: ignore[index]


def detail_text(screen: MainScreen) -> str:
    widget = screen.detail.text
    return "\n".join(widget.render_line(y).text for y in range(widget.size.height))


async def focus_alias(pilot: Pilot[None], alias: str) -> MainScreen:
    screen = pilot.app.screen
    assert isinstance(screen, MainScreen)
    screen.artifacts.table.move_to("model")
    await settle(pilot)
    screen.aliases.table.focus()
    screen.aliases.table.move_to(alias)
    await settle(pilot)
    return screen


def test_f_freezes_with_a_reason_then_unfreezes_and_the_panes_show_it(served: Repository) -> None:
    evil = "[bold]incident 42[/bold]"

    async def script(pilot: Pilot[None]) -> None:
        screen = await focus_alias(pilot, "web")
        assert "❄" not in screen.aliases.note
        await pilot.press("F")
        await settle(pilot)
        modal = pilot.app.screen
        assert isinstance(modal, FreezeModal)
        await pilot.press("enter")  # no reason: refused in the dialog
        await settle(pilot)
        assert pilot.app.screen is modal and "needs a reason" in str(modal.query_one("#freeze-error").render())
        modal.query_one("#freeze-reason", Input).value = evil
        modal.query_one("#freeze-for", Input).value = "3h"
        await settle(pilot)
        command = modal.query_one(CommandLine).command
        assert command is not None and " freeze model web --until " in command
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MainScreen), str(modal.query_one("#freeze-error").render())

        assert served.get_alias("model", "web").frozen
        screen.aliases.table.move_to("web")
        await settle(pilot)
        assert screen.aliases.note == "❄ frozen: web"
        web = screen.aliases.record("web")
        assert web is not None and screen.aliases.cells_of(web, datetime.now(UTC), UTC)[0].text == "web ❄"
        text = detail_text(screen)
        assert "❄ until" in text and "tester" in text and "[bold]incident 42[/bold]" in text  # literal, not markup

        await pilot.press("F")
        await settle(pilot)
        modal = pilot.app.screen
        assert isinstance(modal, FreezeModal) and "frozen until" in str(modal.query_one("#freeze-now").render())
        modal.query_one("#freeze-reason", Input).value = "resolved"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MainScreen)
        assert screen.aliases.note == ""

    drive(app_over(served), script)
    alias = served.get_alias("model", "web")
    assert not alias.frozen
    events = served.list_alias_history("model", "web", limit=2)
    assert [e.action for e in events] == ["unfreeze", "freeze"] and events[1].reason == evil
    assert events[1].freeze is not None
    until = events[1].freeze.until
    assert timedelta(hours=2, minutes=58) < until - datetime.now(UTC) < timedelta(hours=3, minutes=1)


def test_a_release_dialog_on_a_frozen_alias_needs_an_override_and_rollback_may_go(served: Repository) -> None:
    from tui.modals.promote import PromoteModal
    from tui.modals.release import ReleaseModal
    from tui.modals.rollback import RollbackModal

    served.freeze("model", "web", "incident 42", datetime.now(UTC) + timedelta(hours=2))

    def checklist(modal: ReleaseModal[object]) -> str:
        assert modal.checks is not None
        return "\n".join(f"{c.ok} {c.subject} {c.detail}" for c in modal.checks.items)

    async def script(pilot: Pilot[None]) -> None:
        await focus_alias(pilot, "web")
        await pilot.press("p")
        await settle(pilot)
        modal = pilot.app.screen
        assert isinstance(modal, PromoteModal)
        modal.field("promote-alias").value = "web"
        modal.field("promote-version").value = "2"
        await settle(pilot)
        assert modal.query_one("#override-row").display
        assert "False freeze frozen until" in checklist(modal) and "incident 42" in checklist(modal)
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is modal and served.get_alias("model", "web").version == "1"
        modal.field("release-override").value = "hotfix for 42"
        await settle(pilot)
        assert "True freeze" in checklist(modal) and "overridden: hotfix for 42" in checklist(modal)
        assert "--override-freeze 'hotfix for 42'" in (modal.command or "")
        modal.field("release-confirm-name").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MainScreen)

        await focus_alias(pilot, "web")
        await pilot.press("b")
        await settle(pilot)
        rollback = pilot.app.screen
        assert isinstance(rollback, RollbackModal)
        assert not rollback.query_one("#override-row").display
        assert "a rollback is allowed" in checklist(rollback)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MainScreen)

    drive(app_over(served), script)
    events = served.list_alias_history("model", "web", limit=2)
    assert [e.action for e in events] == ["rollback", "move"]
    assert events[1].override_freeze_reason == "hotfix for 42"
    assert served.get_alias("model", "web").version == "1" and served.get_alias("model", "web").frozen
