"""Upload a local file as LATEST: artifact name, file, content type and metadata, checked here."""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from ..cli.shell import command_for
from ..formatting import parse_metadata
from ..widgets.command import COPY_KEY, CommandLine

_CONTENT_TYPE = re.compile(r"[\w.+-]+/[\w.+-]+(\s*;.*)?")


@dataclass(frozen=True)
class UploadRequest:
    """A validated upload."""

    name: str
    path: Path
    content_type: str | None
    metadata: dict[str, str] = field(default_factory=dict)


def validate_upload(
    name: str, path: str, content_type: str, metadata: str, known: Collection[str] = ()
) -> UploadRequest:
    """Check every field; ValueError says which one is wrong and why.

    A name in `known` (the artifacts listed) only has to be usable, as core decides: versioned
    created names core would not create (e.g. `_build`), and they stay writable. New names follow
    the rules for new artifacts.
    """
    from core.layout import validate_existing_name, validate_name  # imported by the first worker; cheap

    name = name.strip()
    if name in known:
        validate_existing_name(name)
    else:
        validate_name(name)
    if not path.strip():
        raise ValueError("choose a file to upload")
    file = Path(path.strip()).expanduser()
    if not file.exists():
        raise ValueError(f"file {str(file)!r} does not exist")
    if not file.is_file():
        raise ValueError(f"{str(file)!r} is not a regular file")
    try:
        with file.open("rb"):
            pass
    except OSError as exc:
        raise ValueError(f"cannot read {str(file)!r}: {exc.strerror}") from None
    content_type = content_type.strip() or mimetypes.guess_type(file.name)[0] or ""
    if content_type and not _CONTENT_TYPE.fullmatch(content_type):
        raise ValueError(f"content type {content_type!r} is not type/subtype, e.g. application/json")
    return UploadRequest(
        name=name,
        path=file,
        content_type=content_type or None,
        metadata=parse_metadata(metadata),
    )


class UploadModal(ModalScreen[UploadRequest | None]):
    """Ask what to upload; dismisses only with a valid request (or None on cancel)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="upload-cancel"),
        Binding(COPY_KEY, "copy_command", "Copy command", id="upload-copy"),
    ]

    def __init__(
        self, name: str = "", path: str = "", *, cli_args: tuple[str, ...] = (), known: Collection[str] = ()
    ) -> None:
        super().__init__()
        self._artifact_name = name
        self._path = path
        self._cli_args = cli_args
        self._known = frozenset(known)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="upload-dialog"):
            yield Label("Upload a file as LATEST", classes="dialog-title")
            yield Label("Artifact name", classes="field-label")
            yield Input(self._artifact_name, placeholder="e.g. churn-model", id="upload-name", compact=True)
            yield Label("File", classes="field-label")
            yield Input(self._path, placeholder="path/to/file", id="upload-path", compact=True)
            yield Label("Content type (blank: guess from the file name)", classes="field-label")
            yield Input(placeholder="e.g. application/json", id="upload-content-type", compact=True)
            yield Label("Metadata", classes="field-label")
            yield Input(placeholder="key=value, key2=value2", id="upload-metadata", compact=True)
            yield Label("", id="upload-error", classes="dialog-error", markup=False)
            yield CommandLine(id="upload-command")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Upload (enter)", variant="primary", id="upload", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#upload-path" if self._artifact_name else "#upload-name", Input).focus()
        self._show_command()

    def _values(self) -> dict[str, str]:
        return {
            field: self.query_one(f"#upload-{field}", Input).value
            for field in ("name", "path", "content-type", "metadata")
        }

    @on(Input.Changed)
    def _show_command(self) -> None:
        """The `vrc upload` command for the fields, once they are valid."""
        value = self._values()
        try:
            request = validate_upload(
                value["name"], value["path"], value["content-type"], value["metadata"], self._known
            )
        except ValueError:
            command = None
        else:
            command = command_for(
                "upload",
                request.name,
                file=value["path"].strip(),
                content_type=value["content-type"].strip() or None,
                metadata=request.metadata,
                repo=self._cli_args,
            )
        self.query_one(CommandLine).show_command(command)

    def action_copy_command(self) -> None:
        self.query_one(CommandLine).copy()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#upload")
    @on(Input.Submitted)
    def submit(self) -> None:
        value = self._values()
        error = self.query_one("#upload-error", Label)
        try:
            request = validate_upload(
                value["name"], value["path"], value["content-type"], value["metadata"], self._known
            )
        except ValueError as exc:
            error.update(str(exc))
            error.display = True
            return
        self.dismiss(request)
