"""Artifact pane: every artifact name with its count of published versions; `/` filters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip
from textual.widgets import Input

from ..formatting import printable
from .filterbox import FilterBox
from .pane import Pane
from .rows import VirtualRows

NAME_HEADER, COUNT_HEADER = "Artifact", "Ver"
UNKNOWN_COUNT = "…"
LINE_CACHE_SIZE = 512  # drawn lines kept: a few screens of rows in each of their three styles


class ArtifactFilter(FilterBox):
    """The filter box; escape clears it and hands focus back to the list."""

    HELP_GROUP = "Filter"
    BINDINGS = [
        Binding("escape", "clear", "Clear filter", id="filter-clear"),
        Binding("down", "to_list", "To list", show=False, id="filter-to-list"),
    ]

    def action_clear(self) -> None:
        self.value = ""
        self.post_message(ArtifactPane.FilterClosed())

    def action_to_list(self) -> None:
        self.post_message(ArtifactPane.FilterClosed())


class ArtifactTable(VirtualRows):
    """Names and version counts under a header, drawn line by line."""

    COMPONENT_CLASSES = {"artifact-table--header", "artifact-table--cursor", "artifact-table--hover"}
    HEADER_CLASS = "artifact-table--header"
    CURSOR_CLASS = "artifact-table--cursor"
    HOVER_CLASS = "artifact-table--hover"
    # Context keys for the footer; the screen binds them too, so they work from every pane.
    BINDINGS = [
        Binding("enter", "select_cursor", "open", id="artifact-open"),
        Binding("slash", "screen.filter", "filter", id="artifact-filter-key"),
        Binding("u", "screen.upload", "upload", id="artifact-upload"),
        Binding("a", "screen.find_alias", "alias", id="artifact-find-alias"),
        Binding("R", "screen.refresh", "reload", id="artifact-refresh"),
    ]

    def __init__(self, counts: Mapping[str, int], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._counts = counts
        self._name_width = len(NAME_HEADER)
        self._count_width = len(COUNT_HEADER)
        # Drawn lines by everything that shapes them: scrolling by a row redraws every row in view,
        # and all but one were drawn in the frame before.
        self._lines: dict[tuple[str, str, int, int, int, Style], Strip] = {}

    def count_text(self, name: str) -> str:
        """What the Ver column shows for `name`."""
        count = self._counts.get(name)
        return UNKNOWN_COUNT if count is None else str(count)

    def set_names(self, rows: list[str], keep: str | None, name_width: int) -> None:
        """Show `rows`, the cursor on `keep` if it is one of them (else on the first row)."""
        self._name_width = max(len(NAME_HEADER), name_width)
        self.set_rows(rows, keep)

    def counts_changed(self, counts: Mapping[str, int]) -> None:
        """`counts` were added: widen the column if needed and repaint what is in view."""
        widest = max(map(len, map(str, counts.values())), default=0)
        self._count_width = max(self._count_width, widest)
        self.refresh()

    def render_header(self, width: int, style: Style) -> Strip:
        return self._line(NAME_HEADER, COUNT_HEADER, width, style)

    def render_row(self, row: int, width: int, style: Style) -> Strip:
        name = self.rows[row]
        count = self.count_text(name)
        key = (name, count, width, self._name_width, self._count_width, style)
        line = self._lines.get(key)
        if line is None:
            if len(self._lines) >= LINE_CACHE_SIZE:
                self._lines.clear()
            line = self._lines[key] = self._line(name, count, width, style)
        return line

    def _line(self, name: str, count: str, width: int, style: Style) -> Strip:
        """` name ` and ` count ` padded to their columns, the rest of the width in `style`."""
        name_width = min(self._name_width, max(1, width - self._count_width - 4))
        name = printable(name)  # names come from S3 keys, which any writer can fill with escapes
        if len(name) > name_width:
            name = name[: name_width - 1] + "…"
        text = f" {name:<{name_width}}  {count:<{self._count_width}} "
        if text.isascii():  # one cell per character: cut or pad to the width here
            return Strip([Segment(text[:width].ljust(width), style)], width)
        return Strip([Segment(text, style)]).adjust_cell_length(width, style).crop(0, width)


class ArtifactPane(Pane):
    """Artifact names, a live filter, and version counts for the rows in view."""

    @dataclass
    class Highlighted(Message):
        """The cursor rests on an artifact (None: the list is empty)."""

        name: str | None

    @dataclass
    class Chosen(Message):
        """Enter on an artifact: the user wants its versions."""

        name: str

    @dataclass
    class CountsWanted(Message):
        """Rows in view have no (fresh) count: count these names' versions."""

        names: tuple[str, ...]

    class FilterClosed(Message):
        pass

    class Typed(Message):
        """A keystroke in the filter left the cursor on the same artifact."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Artifacts", id=id)
        self._names: list[str] = []
        self._folded: list[str] = []  # lower-case names, for the filter
        self._name_width = 0
        self._counts: dict[str, int] = {}
        self._fresh: set[str] = set()  # counted since the names were last loaded
        self._wanted: frozenset[str] = frozenset()  # asked for by the latest CountsWanted

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        yield ArtifactFilter(placeholder="filter…", id="artifact-filter", compact=True)
        yield ArtifactTable(self._counts, id="artifact-table")

    @property
    def table(self) -> ArtifactTable:
        return self.query_one(ArtifactTable)

    @property
    def filter_input(self) -> ArtifactFilter:
        return self.query_one(ArtifactFilter)

    @property
    def names(self) -> Sequence[str]:
        """Every name, unfiltered."""
        return tuple(self._names)

    @property
    def shown(self) -> Sequence[str]:
        """The names the filter lets through, in order."""
        return tuple(self.table.rows)

    @property
    def current(self) -> str | None:
        return self.table.current_key

    def show(self, names: Sequence[str], select: str | None = None) -> None:
        """Replace the names; keep the cursor on `select` (or the current name) if still there.

        Counts already known stay shown until recounted; every count is asked for again.
        """
        keep = select or self.current
        self._names = sorted(names)
        self._folded = [name.lower() for name in self._names]
        self._name_width = max((len(printable(name)) for name in self._names), default=0)
        kept = set(self._names)
        for name in [name for name in self._counts if name not in kept]:
            del self._counts[name]
        self._fresh.clear()
        self._wanted = frozenset()
        self._rebuild(keep)

    def set_counts(self, counts: Mapping[str, int]) -> None:
        self._counts.update(counts)
        self._fresh.update(counts)
        self.table.counts_changed(counts)

    def open_filter(self) -> None:
        self.filter_input.open()

    def close_filter(self) -> None:
        self.table.focus()

    @on(FilterClosed)
    def _filter_closed(self, event: ArtifactPane.FilterClosed) -> None:
        event.stop()
        self.close_filter()

    @on(Input.Changed, "#artifact-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        before = self.current
        self._rebuild(before)
        if self.current == before:
            self.post_message(self.Typed())

    @on(Input.Submitted, "#artifact-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.close_filter()

    def _rebuild(self, keep: str | None) -> None:
        needle = self.filter_input.value.strip().lower()
        if needle:
            shown = [name for name, folded in zip(self._names, self._folded, strict=True) if needle in folded]
        else:
            shown = list(self._names)
        self.table.set_names(shown, keep, self._name_width)
        self._update_counts_title(needle, len(shown))

    def _update_counts_title(self, needle: str, shown: int) -> None:
        total = len(self._names)
        if needle:
            self.title = f"Artifacts {shown}/{total} · /{needle}"
        else:
            self.title = f"Artifacts {total}" if total else "Artifacts"

    @on(ArtifactTable.InView)
    def _rows_in_view(self, event: ArtifactTable.InView) -> None:
        event.stop()
        missing = tuple(name for name in self.table.rows_in_view() if name not in self._fresh)
        if missing and not self._wanted.issuperset(missing):
            self._wanted = frozenset(missing)
            self.post_message(self.CountsWanted(missing))

    @on(ArtifactTable.Highlighted)
    def _highlighted(self, event: ArtifactTable.Highlighted) -> None:
        event.stop()
        self.post_message(self.Highlighted(event.key))

    @on(ArtifactTable.Selected)
    def _selected(self, event: ArtifactTable.Selected) -> None:
        event.stop()
        self.post_message(self.Chosen(event.key))
