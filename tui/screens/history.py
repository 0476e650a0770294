"""Alias history: every recorded change of one alias, newest first, with who, when and why.

`b` or enter on a row opens the rollback dialog on the state after that row's change (same checks
and confirmation as from the main screen); the history reloads after it closes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label
from textual.worker import Worker, WorkerState

from ..cli.shell import command_for_event
from ..formatting import error_text, printable
from ..release import EVENT_COLUMNS, event_values
from ..widgets.pane import cell

if TYPE_CHECKING:
    from core.models import AliasEvent

    from ..ports import RepositoryPort

HISTORY_LIMIT = 200


@dataclass
class HistoryLoaded(Message):
    events: tuple[AliasEvent, ...]


class AliasHistoryScreen(Screen[None]):
    """Loads the history in a worker; escape, q or h closes."""

    HELP_GROUP = "History"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,h", "close", "Close", id="history-close"),
        Binding("R", "refresh", "Refresh", id="history-refresh"),
        Binding("b", "rollback", "Roll back to this", id="history-rollback"),
        Binding(
            "y",
            "copy_command",
            "Copy command",
            tooltip="Copy the vrc command that restores this row",
            id="history-copy",
        ),
    ]

    def __init__(
        self,
        repository: RepositoryPort,
        name: str,
        alias: str,
        *,
        clock: Callable[[], datetime],
        tz: tzinfo | None,
        rollback: Callable[[str, int, Callable[[], None]], None] | None = None,
        cli_args: tuple[str, ...] = (),
    ) -> None:
        super().__init__(classes="history-screen")
        self.repository = repository
        self.artifact = name
        self.alias = alias
        self.clock = clock
        self.tz = tz
        self.events: tuple[AliasEvent, ...] = ()
        self.rollback = rollback
        """Opens the rollback dialog (alias, revision, then); None on a read-only connection."""
        self.cli_args = cli_args

    def compose(self) -> ComposeResult:
        yield Label(
            printable(f" History · {self.artifact} alias {self.alias} · newest first"), id="history-title", markup=False
        )
        table = DataTable[Text](id="history-table", cursor_type="row", zebra_stripes=False)
        table.add_columns(*EVENT_COLUMNS)
        yield table
        yield Label("", id="history-note", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        self.query_one(DataTable).loading = True
        self._load(self.repository, self.artifact, self.alias)

    @work(thread=True, exclusive=True, exit_on_error=False, group="history")
    def _load(self, repository: RepositoryPort, name: str, alias: str) -> None:
        events = repository.list_alias_history(name, alias, limit=HISTORY_LIMIT)
        self.post_message(HistoryLoaded(tuple(events)))

    @on(HistoryLoaded)
    def _loaded(self, message: HistoryLoaded) -> None:
        self.events = message.events
        table = self.query_one(DataTable)
        table.clear()
        now = self.clock()
        for event in message.events:
            table.add_row(*map(cell, event_values(event, now, self.tz)), key=str(event.revision))
        table.loading = False
        note = self.query_one("#history-note", Label)
        count = len(message.events)
        note.update(
            f" {count} change{'s' if count != 1 else ''}"
            + (f" (the newest {HISTORY_LIMIT})" if count == HISTORY_LIMIT else "")
            if count
            else " no recorded changes (an alias written by another tool keeps none)"
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "history" and event.state is WorkerState.ERROR:
            self.query_one(DataTable).loading = False
            self.query_one("#history-note", Label).update(
                f" ⚠ could not load the history: {error_text(event.worker.error)} — R retries"
            )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "rollback" and self.rollback is None:
            return None
        return True

    @on(DataTable.RowSelected, "#history-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_rollback()

    def action_rollback(self) -> None:
        table = self.query_one(DataTable)
        if self.rollback is None:
            self.notify("read-only repository: rollback is disabled", severity="warning", markup=False)
            return
        if not self.events or not 0 <= table.cursor_row < len(self.events):
            return
        event = self.events[table.cursor_row]
        self.rollback(self.alias, event.revision, self.action_refresh)

    def row_command(self) -> str | None:
        """`vrc rollback NAME ALIAS --to-revision N --expected-revision NEWEST` for the row under the cursor."""
        row = self.query_one(DataTable).cursor_row
        if not self.events or not 0 <= row < len(self.events):
            return None
        return command_for_event(
            self.artifact,
            self.alias,
            self.events[row].revision,
            expected_revision=self.events[0].revision,
            repo=self.cli_args,
        )

    def action_copy_command(self) -> None:
        command = self.row_command()
        if command is None:
            return
        self.app.copy_to_clipboard(command)
        self.notify(f"copied: {printable(command)}", title="vrc command", markup=False, timeout=5)

    def action_close(self) -> None:
        self.dismiss(None)
