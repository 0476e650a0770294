"""Detail pane: everything about the focused version or alias."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from ..formatting import printable, timestamp
from ..release import split_text
from .pane import Pane

if TYPE_CHECKING:
    from core.models import Alias, Artifact
    from core.planning import OutsideChange

Rows = Sequence[tuple[str, str]]

LABEL_GAP = 2
"""Cells between the label column and the value column."""

Line = list[Segment]
"""One drawn line: label text in the label style, value text unstyled (the widget's style goes under both)."""


def detail_lines(rows: Rows, width: int, label_style: Style, console: Console) -> list[Line]:
    """`rows` (printable already) as label/value lines `width` cells wide: labels in a column as wide
    as the widest, each value wrapped in the rest at spaces (a word longer than the room is cut across
    lines).

    What rich's `Table.grid(padding=(0, 2))` with a no-wrap label column and a folding value column
    draws, worked out directly: a pane update costs one cheap pass instead of a table layout and its
    measuring renders. Too narrow for the labels and one cell of value, the table itself draws it.
    """
    if width < 1 or not rows:
        return []
    label_width = max(cell_len(label) for label, _ in rows)
    room = width - label_width - LABEL_GAP
    if room < 1:
        return table_lines(rows, width, label_style, console)
    value_width = min(max(1, max(cell_len(value) for _, value in rows)), room)
    gap = " " * LABEL_GAP
    under_label = Segment(" " * (label_width + LABEL_GAP), label_style)
    lines: list[Line] = []
    for label, value in rows:
        first = Segment(label + " " * (label_width - cell_len(label)) + gap, label_style)
        for i, piece in enumerate(Text(value).wrap(console, value_width, justify="left", overflow="fold")):
            lines.append([under_label if i else first, Segment(piece.plain)])
    return lines


def table_lines(rows: Rows, width: int, label_style: Style, console: Console) -> list[Line]:
    """The same lines drawn by rich's table (what detail_lines works out for all but tiny widths)."""
    grid = Table.grid(padding=(0, LABEL_GAP))
    grid.add_column(style=label_style, no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in rows:
        grid.add_row(Text(label), Text(value))
    return console.render_lines(grid, console.options.update(width=width, height=None, highlight=False), pad=False)


class DetailText(Widget):
    """The detail pane's lines, drawn line by line: wrapped once per update and width, so the pane
    knows its height without rendering, and showing another version costs one cheap paint."""

    DEFAULT_CSS = """
    DetailText {
        height: auto;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: tuple[tuple[str, str], ...] = ()
        self._message = ""
        self._label_style = Style()
        self._wrapped: tuple[int, list[Line]] | None = None
        self._strips: tuple[int, Style, list[Strip]] | None = None
        self._floor = 0
        """The height of the view it scrolls in: it is never shorter, so text that fits leaves the layout as is."""

    def show_rows(self, rows: Rows, label_style: Style) -> None:
        """Show label/value rows (printable already), labels in `label_style`."""
        self._set(tuple(rows), "", label_style)

    def show_message(self, message: str) -> None:
        """Show one line of text (wrapped) instead of rows."""
        self._set((), message, self._label_style)

    def _set(self, rows: tuple[tuple[str, str], ...], message: str, label_style: Style) -> None:
        if (rows, message, label_style) == (self._rows, self._message, self._label_style):
            return
        self._rows, self._message, self._label_style = rows, message, label_style
        self._wrapped = self._strips = None
        width, height = self.size
        # Lay the screen out again only if the height changed: text taller than the view (long metadata).
        self.refresh(layout=not width or max(len(self.lines(width)), self._floor) != height)

    def lines(self, width: int) -> list[Line]:
        """The lines drawn at `width` (cached for the last width asked)."""
        if self._wrapped is None or self._wrapped[0] != width:
            console = self.app.console
            if self._rows:
                lines = detail_lines(self._rows, width, self._label_style, console)
            elif width > 0:
                lines = [[Segment(piece.plain)] for piece in Text(self._message).wrap(console, width)]
            else:
                lines = []
            self._wrapped = (width, lines)
        return self._wrapped[1]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        self._floor = container.height
        return max(len(self.lines(width)), container.height)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.visual_style.rich_style
        if self._strips is None or self._strips[:2] != (width, base):
            strips = [Strip([Segment(text, base + style) for text, style, _ in line]) for line in self.lines(width)]
            self._strips = (width, base, strips)
        strips = self._strips[2]
        return strips[y] if y < len(strips) else Strip.blank(width, base)


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
            yield DetailText(id="detail-text")

    @property
    def text(self) -> DetailText:
        return self.query_one(DetailText)

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
        self.text.show_message(message)

    def _show_rows(self, title: str, rows: Rows) -> None:
        label_style = self.query_one(DetailBody).get_component_rich_style("detail-body--label", partial=True)
        self.text.show_rows([(printable(label), printable(value)) for label, value in rows], label_style)
        self.title = title
        self.note = ""


def outside_text(outside: OutsideChange, now: datetime, tz: tzinfo | None) -> str:
    """'⚠ changed outside vrc at <time>; history before it may be incomplete'."""
    at = timestamp(outside.update_at, now, tz) if outside.update_at is not None else "an unknown time"
    return f"⚠ changed outside vrc at {at}; history before it may be incomplete"
