"""Download a version to a local path; the path is checked before the dialog closes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from ..widgets.command import COPY_KEY, CommandLine
from .confirm import ConfirmModal


@dataclass(frozen=True)
class DownloadRequest:
    path: Path
    overwrite: bool


def validate_download(text: str, filename: str, overwrite: bool) -> DownloadRequest:
    """A directory gets `filename` appended; an existing file raises FileExistsError unless `overwrite`."""
    if not text.strip():
        raise ValueError("enter a path to save to")
    path = Path(text.strip()).expanduser()
    if path.is_dir():
        path = path / filename
    if not path.parent.is_dir():
        raise ValueError(f"folder {str(path.parent)!r} does not exist")
    if path.is_dir():
        raise ValueError(f"{str(path)!r} is a folder")
    if path.exists() and not overwrite:
        raise FileExistsError(str(path))
    return DownloadRequest(path=path, overwrite=overwrite)


class DownloadModal(ModalScreen[DownloadRequest | None]):
    """Ask where to save a version."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="download-cancel"),
        Binding(COPY_KEY, "copy_command", "Copy command", id="download-copy"),
    ]

    def __init__(self, subject: str, default_path: Path, *, command: Callable[[Path, bool], str] | None = None) -> None:
        super().__init__()
        self._subject = subject
        self._default_path = default_path
        self._command = command
        """The `vrc download` command for a destination and overwrite flag (None: show none)."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="download-dialog"):
            yield Label(f"Download {self._subject}", classes="dialog-title", markup=False)
            yield Label("Save to (a file, or a folder)", classes="field-label")
            yield Input(str(self._default_path), id="download-path", compact=True)
            yield Label("", id="download-error", classes="dialog-error", markup=False)
            yield CommandLine(id="download-command")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Download (enter)", variant="primary", id="download", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#download-path", Input).focus()
        self._show_command()

    @on(Input.Changed)
    def _show_command(self) -> None:
        command = None
        if self._command is not None:
            text = self.query_one("#download-path", Input).value
            try:
                try:
                    request = validate_download(text, self._default_path.name, overwrite=False)
                except FileExistsError:  # replacing it is asked after enter: the command to run then has --force
                    request = validate_download(text, self._default_path.name, overwrite=True)
            except (ValueError, OSError):
                pass
            else:
                command = self._command(request.path, request.overwrite)
        self.query_one(CommandLine).show_command(command)

    def action_copy_command(self) -> None:
        self.query_one(CommandLine).copy()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#download")
    @on(Input.Submitted)
    def submit(self) -> None:
        error = self.query_one("#download-error", Label)
        text = self.query_one("#download-path", Input).value
        try:
            request = validate_download(text, self._default_path.name, overwrite=False)
        except FileExistsError as exists:
            # An existing file is replaced only once the user says so.
            def answered(replace: bool | None) -> None:
                if not replace:
                    return
                try:
                    self.dismiss(validate_download(text, self._default_path.name, overwrite=True))
                except ValueError as exc:  # the folder went away meanwhile
                    error.update(str(exc))
                    error.display = True

            question = f"{exists.args[0]} exists. Replace it with this download?"
            self.app.push_screen(ConfirmModal("Replace file?", question, confirm_label="Replace"), answered)
            return
        except ValueError as exc:
            error.update(str(exc))
            error.display = True
            return
        self.dismiss(request)
