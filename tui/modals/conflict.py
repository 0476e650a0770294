"""Someone else changed it: who, when and what, nothing written; reload (True) or go back (False)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from ..formatting import printable, timestamp
from ..release.preflight import Conflict


class ConflictModal(ModalScreen[bool]):
    """Shows the other change; `r` or enter reloads, escape goes back to the dialog."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "answer(True)", "Reload", id="conflict-reload"),
        Binding("escape", "answer(False)", "Back", id="conflict-back"),
    ]

    def __init__(self, conflict: Conflict, *, clock: Callable[[], datetime], tz: tzinfo | None) -> None:
        super().__init__()
        self.conflict = conflict
        self._clock = clock
        self._tz = tz

    def compose(self) -> ComposeResult:
        conflict = self.conflict
        with Vertical(classes="dialog", id="conflict-dialog"):
            yield Label(f"Someone else changed {conflict.subject}", classes="dialog-title", markup=False)
            yield Static(self._facts(), id="conflict-facts")
            yield Label(
                printable(conflict.message, multiline=True), id="conflict-message", classes="dialog-body", markup=False
            )
            yield Label(
                "Nothing was written. Reload to see the current state, then decide again.",
                classes="dialog-hint",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Reload (r)", variant="primary", id="reload", compact=True)
                yield Button("Back (esc)", id="back", compact=True)

    def _facts(self) -> Table:
        conflict = self.conflict
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        when = timestamp(conflict.when, self._clock(), self._tz) if conflict.when else "unknown"
        grid.add_row("who", Text(printable(conflict.actor or "unknown")))
        grid.add_row("when", Text(when))
        if conflict.change:
            grid.add_row("what", Text(printable(conflict.change)))
        if conflict.reason:
            grid.add_row("why", Text(printable(conflict.reason)))
        return grid

    def on_mount(self) -> None:
        self.query_one("#reload", Button).focus()

    def action_answer(self, reload: bool) -> None:
        self.dismiss(reload)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "reload")
