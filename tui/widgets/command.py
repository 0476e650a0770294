"""The `vrc …` command behind a dialog, drawn as literal text; the dialog's ctrl+y copies it."""

from __future__ import annotations

from textual.widgets import Label

from ..formatting import printable

COPY_KEY = "ctrl+y"


class CommandLine(Label):
    """`$ vrc …  · ctrl+y copies`, hidden while there is no command (invalid fields)."""

    DEFAULT_CSS = """
    CommandLine {
        width: 100%;
        color: $text-muted;
    }
    """

    def __init__(self, command: str | None = None, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False, classes="command-line")
        self.command: str | None = None
        self.show_command(command)

    def show_command(self, command: str | None) -> None:
        self.command = command
        self.update(f"$ {printable(command)} · {COPY_KEY} copies" if command else "")
        self.display = command is not None

    def copy(self) -> bool:
        """Put the command on the clipboard (OSC 52); False if there is none."""
        if self.command is None:
            return False
        self.app.copy_to_clipboard(self.command)
        self.app.notify("vrc command copied to the clipboard", timeout=3, markup=False)
        return True
