"""Yes/no confirmation; `y` confirms, `n` or escape cancels, enter presses the focused button
(Cancel at first: a stray enter never confirms)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from ..widgets.command import COPY_KEY, CommandLine


class ConfirmModal(ModalScreen[bool]):
    """Ask before something that cannot be undone from the console."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm-yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm-no"),
        Binding(COPY_KEY, "copy_command", "Copy command", id="confirm-copy"),
    ]

    def __init__(self, title: str, question: str, confirm_label: str = "Yes", *, command: str | None = None) -> None:
        super().__init__()
        self._title = title
        self._question = question
        self._confirm_label = confirm_label
        self._command = command
        """The `vrc` command that does the same (shown; ctrl+y copies it)."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title", markup=False)
            yield Label(self._question, classes="dialog-body", markup=False)
            yield CommandLine(self._command, id="confirm-command")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self._confirm_label} (y)", variant="error", id="confirm", compact=True)
                yield Button("Cancel (n)", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def action_copy_command(self) -> None:
        self.query_one(CommandLine).copy()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm")
