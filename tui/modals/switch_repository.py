"""Pick which configured repository to open."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from ..connection import Connection
from ..formatting import printable


class SwitchRepositoryModal(ModalScreen[str | None]):
    """Lists every connection; returns the chosen name, or None on escape."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="switch-cancel")]

    def __init__(self, connections: Sequence[Connection], current: str | None, *, config_path: Path) -> None:
        super().__init__()
        self._config_path = config_path
        self._connections = connections
        self._current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="switch-dialog"):
            yield Label("Open repository", classes="dialog-title")
            options = []
            for connection in self._connections:
                marker = "● " if connection.name == self._current else "  "
                prompt = Text.assemble(
                    (marker + printable(connection.name), "bold"),
                    ("  read-only", "italic") if connection.read_only else "",
                    "\n    ",
                    printable(connection.description),
                )
                options.append(Option(prompt, id=connection.name))
            yield OptionList(*options, id="switch-list")
            hint = Text(f"enter opens · esc cancels · configure in {printable(str(self._config_path))}")
            yield Label(hint, classes="dialog-hint")

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        names = [connection.name for connection in self._connections]
        option_list.highlighted = names.index(self._current) if self._current in names else 0
        option_list.focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
