"""Detail pane: everything about the focused version or alias."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..formatting import printable, timestamp
from ..release import split_text
from .pane import Pane

if TYPE_CHECKING:
    from core.models import Alias, Artifact
    from core.planning import OutsideChange

Rows = Sequence[tuple[str, str]]


class DetailBody(VerticalScroll):
    """Scrolls the details; focusable so the keyboard can scroll long metadata."""

    COMPONENT_CLASSES = {"detail-body--label"}


class DetailPane(Pane):
    """Full metadata, S3 URI, console URL and sha256 of one version, or one alias' split."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Detail", id=id)
        self.subject: str | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        with DetailBody(id="detail-body"):
            yield Static(id="detail-text")

    def show_artifact(
        self,
        artifact: Artifact,
        aliases: Sequence[str],
        now: datetime,
        tz: tzinfo | None,
        note: str | None = None,
    ) -> None:
        """`note`: what to know about the version first (e.g. it lacks vrc's fields)."""
        size = "unknown" if artifact.size is None else f"{artifact.size:,} bytes"
        rows: list[tuple[str, str]] = [("note", note)] if note else []
        rows += [
            ("version", artifact.version),
            ("aliases", ", ".join(aliases) or "—"),
            ("updated", timestamp(artifact.update_at, now, tz)),
            ("size", size),
            ("type", artifact.content_type or "—"),
            ("sha256", artifact.sha256),
            ("s3 uri", artifact.s3uri),
            ("console", artifact.s3path.console_url),
        ]
        rows += [(f"· {key}", value) for key, value in sorted(artifact.metadata.items())]
        self._show_rows(f"Detail · {artifact.name} {artifact.version}", rows)
        self.subject = f"{artifact.name}@{artifact.version}"

    def show_alias(self, alias: Alias, now: datetime, tz: tzinfo | None, outside: OutsideChange | None = None) -> None:
        """`outside`: the alias was changed outside vrc since its newest recorded event."""
        rows: list[tuple[str, str]] = [
            ("alias", alias.alias),
            ("split", split_text(alias.config)),
            ("primary", f"{alias.version}  {alias.version_s3uri}"),
        ]
        if alias.secondary_version is not None:
            rows.append(("secondary", f"{alias.secondary_version}  {alias.secondary_version_s3uri}"))
        rows += [
            ("revision", str(alias.revision)),
            ("updated", timestamp(alias.update_at, now, tz)),
            ("by", alias.updated_by or "unknown"),
            ("console", alias.s3path_version.console_url),
        ]
        if alias.frozen_until is not None:
            until = timestamp(alias.frozen_until, now, tz)
            rows[:0] = [
                ("frozen", f"❄ until {until} by {alias.frozen_by or 'unknown'}"),
                ("why", alias.frozen_reason or "—"),
            ]
        if outside is not None:
            rows[:0] = [("outside", outside_text(outside, now, tz))]
        self._show_rows(f"Detail · {alias.name} alias {alias.alias}", rows)
        self.subject = f"{alias.name}#{alias.alias}"

    def clear(self, message: str = "") -> None:
        self.title = "Detail"
        self.subject = None
        self._set_text(Text(message))

    def _show_rows(self, title: str, rows: Rows) -> None:
        body = self.query_one(DetailBody)
        label_style = body.get_component_rich_style("detail-body--label", partial=True)
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style=label_style, no_wrap=True)
        grid.add_column(overflow="fold")
        for label, value in rows:
            grid.add_row(Text(printable(label)), Text(printable(value)))
        self.title = title
        self.note = ""
        self._set_text(grid)

    def _set_text(self, content: RenderableType) -> None:
        """Show `content`; lay the screen out again only if its height changed (rarely: metadata)."""
        text = self.query_one("#detail-text", Static)
        text.update(content, layout=False)
        width = text.size.width
        if not width or text.get_content_height(text.size, text.size, width) != text.size.height:
            text.refresh(layout=True)


def outside_text(outside: OutsideChange, now: datetime, tz: tzinfo | None) -> str:
    """'⚠ changed outside vrc at <time>; history before it may be incomplete'."""
    at = timestamp(outside.update_at, now, tz) if outside.update_at is not None else "an unknown time"
    return f"⚠ changed outside vrc at {at}; history before it may be incomplete"
