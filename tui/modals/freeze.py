"""Freeze or unfreeze one alias: a reason and how long; core writes it in a worker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label
from textual.worker import Worker, WorkerState

from ..cli.plan import parse_duration
from ..cli.shell import command_for
from ..formatting import error_text, printable, timestamp
from ..release import split_text
from ..widgets.command import COPY_KEY, CommandLine

if TYPE_CHECKING:
    from core.models import Alias

    from ..ports import RepositoryPort


def freeze_line(alias: Alias, now: datetime, tz: tzinfo | None) -> str:
    """'frozen until 2026-12-02 06:00 (in 3h) by ann: incident 42' (escaped; empty if not frozen)."""
    if alias.frozen_until is None:
        return ""
    until = timestamp(alias.frozen_until, now, tz)
    return printable(f"frozen until {until} by {alias.frozen_by or 'unknown'}: {alias.frozen_reason or ''}")


@dataclass
class FreezeWritten(Message):
    alias: Alias
    summary: str


class FreezeModal(ModalScreen["Alias | None"]):
    """Freeze `alias` for a duration with a reason, or end its freeze; dismisses with the alias written."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="freeze-cancel"),
        Binding(COPY_KEY, "copy_command", "Copy command", id="freeze-copy"),
    ]

    def __init__(
        self,
        repository: RepositoryPort,
        alias: Alias,
        *,
        clock: Callable[[], datetime] | None = None,
        tz: tzinfo | None = None,
        cli_args: tuple[str, ...] = (),
    ) -> None:
        super().__init__(classes="freeze-modal")
        self.repository = repository
        self.alias = alias
        self.clock = clock or (lambda: datetime.now(UTC))
        self.tz = tz
        self.cli_args = cli_args
        self._writing = False

    def compose(self) -> ComposeResult:
        alias = self.alias
        verb = "Unfreeze" if alias.frozen else "Freeze"
        with Vertical(classes="dialog", id="freeze-dialog"):
            yield Label(f"{verb} {alias.name} alias {alias.alias}", classes="dialog-title", markup=False)
            now_text = f"Now: {split_text(alias.config)} · rev {alias.revision}"
            yield Label(printable(now_text), markup=False)
            if alias.frozen:
                yield Label(freeze_line(alias, self.clock(), self.tz), id="freeze-now", markup=False)
            else:
                yield Label(
                    "While frozen only a rollback, or a change with an override reason, may change it.",
                    markup=False,
                )
                yield Label("For (e.g. 30m, 2h, 1d)", classes="field-label")
                yield Input("2h", id="freeze-for", compact=True)
            yield Label("Reason" + ("" if alias.frozen else " (required)"), classes="field-label")
            yield Input(placeholder="why (recorded in the alias history)", id="freeze-reason", compact=True)
            yield CommandLine(id="freeze-command")
            yield Label("", id="freeze-error", classes="dialog-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{verb} (enter)", variant="primary", id="freeze-confirm", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#freeze-reason", Input).focus()
        self._show_command()

    def _request(self) -> tuple[str | None, datetime | None]:
        """(reason, until) from the fields; ValueError says what is wrong."""
        reason = self.query_one("#freeze-reason", Input).value.strip() or None
        if self.alias.frozen:
            return reason, None
        if reason is None:
            raise ValueError("a freeze needs a reason: who is on it and why")
        until = datetime.now(UTC) + parse_duration(self.query_one("#freeze-for", Input).value)
        return reason, until

    @on(Input.Changed)
    def _show_command(self) -> None:
        alias = self.alias
        try:
            reason, until = self._request()
        except ValueError:
            command = None
        else:
            if alias.frozen:
                command = command_for(
                    "unfreeze",
                    alias.name,
                    alias=alias.alias,
                    reason=reason,
                    expected_revision=alias.revision,
                    repo=self.cli_args,
                )
            else:
                command = command_for(
                    "freeze",
                    alias.name,
                    alias=alias.alias,
                    reason=reason,
                    until=f"{until:%Y-%m-%dT%H:%MZ}" if until else None,
                    expected_revision=alias.revision,
                    repo=self.cli_args,
                )
        self.query_one(CommandLine).show_command(command)

    def action_copy_command(self) -> None:
        self.query_one(CommandLine).copy()

    def _error(self, message: str) -> None:
        label = self.query_one("#freeze-error", Label)
        label.update(message)
        label.display = bool(message)

    @on(Button.Pressed, "#freeze-confirm")
    @on(Input.Submitted)
    def confirm(self) -> None:
        if self._writing:
            return
        try:
            reason, until = self._request()
        except ValueError as error:
            self._error(str(error))
            return
        self._writing = True
        self._error("")
        self.query_one("#freeze-confirm", Button).disabled = True
        self._write(self.repository, self.alias, reason, until)

    @work(thread=True, exclusive=True, exit_on_error=False, group="freeze-write")
    def _write(self, repository: RepositoryPort, alias: Alias, reason: str | None, until: datetime | None) -> None:
        if until is None:
            written = repository.unfreeze(alias.name, alias.alias, reason, expected_revision=alias.revision)
            summary = f"{alias.alias} unfrozen (revision {written.revision})"
        else:
            assert reason is not None
            written = repository.freeze(alias.name, alias.alias, reason, until, expected_revision=alias.revision)
            summary = f"{alias.alias} frozen until {until:%Y-%m-%d %H:%M} UTC (revision {written.revision})"
        self.post_message(FreezeWritten(written, summary))

    @on(FreezeWritten)
    def _written(self, message: FreezeWritten) -> None:
        self.notify(printable(message.summary), title="Freeze", markup=False)
        self.dismiss(message.alias)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "freeze-write" and event.state is WorkerState.ERROR:
            self._writing = False
            self.query_one("#freeze-confirm", Button).disabled = False
            self._error(error_text(event.worker.error))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if not self._writing:
            self.dismiss(None)
