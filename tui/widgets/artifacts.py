"""Artifact pane: every artifact name with its count of published versions; `/` filters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Input

from ..formatting import printable
from .pane import Pane, QuietLoading

NAME_HEADER, COUNT_HEADER = "Artifact", "Ver"
UNKNOWN_COUNT = "…"


class ArtifactFilter(Input):
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


class ArtifactTable(QuietLoading, ScrollView, can_focus=True):
    """Names and version counts under a header, drawn line by line: only the rows in view cost
    anything, so 10,000 names show, filter and scroll as fast as ten."""

    COMPONENT_CLASSES = {"artifact-table--header", "artifact-table--cursor", "artifact-table--hover"}
    BINDINGS = [
        Binding("enter", "select_cursor", show=False),
        Binding("up", "cursor_up", show=False),
        Binding("down", "cursor_down", show=False),
        Binding("pageup", "page_up", show=False),
        Binding("pagedown", "page_down", show=False),
        Binding("home,ctrl+home", "first", show=False),
        Binding("end,ctrl+end", "last", show=False),
    ]

    @dataclass
    class Highlighted(Message):
        """The name under the cursor changed (None: no rows)."""

        name: str | None

    @dataclass
    class Selected(Message):
        """Enter, or a click on the row under the cursor."""

        name: str

    class InView(Message):
        """Other rows came into view (scrolled, resized, refilled)."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, ArtifactTable.InView)

    def __init__(self, counts: Mapping[str, int], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._counts = counts
        self._rows: list[str] = []
        self._cursor = 0
        self._hover: int | None = None
        self._name_width = len(NAME_HEADER)
        self._count_width = len(COUNT_HEADER)
        self._highlighted: str | None = None

    # --- state ---------------------------------------------------------------------------------

    @property
    def rows(self) -> Sequence[str]:
        return self._rows

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def current_key(self) -> str | None:
        """The name under the cursor, or None when there are no rows."""
        return self._rows[self._cursor] if self._rows else None

    def count_text(self, name: str) -> str:
        """What the Ver column shows for `name`."""
        count = self._counts.get(name)
        return UNKNOWN_COUNT if count is None else str(count)

    def set_rows(self, rows: list[str], keep: str | None, name_width: int) -> None:
        """Show `rows`, the cursor on `keep` if it is one of them (else on the first row)."""
        self._rows = rows
        self._name_width = max(len(NAME_HEADER), name_width)
        self._cursor = 0
        if keep is not None:
            try:
                self._cursor = rows.index(keep)
            except ValueError:
                pass
        self._hover = None
        self.virtual_size = Size(0, len(rows) + 1)  # + the header line
        self._scroll_to_cursor()
        self.refresh()
        self._highlight_changed()
        self.post_message(self.InView())

    def counts_changed(self, counts: Mapping[str, int]) -> None:
        """`counts` were added: widen the column if needed and repaint what is in view."""
        widest = max(map(len, map(str, counts.values())), default=0)
        self._count_width = max(self._count_width, widest)
        self.refresh()

    def move_to(self, key: str | None) -> None:
        """Put the cursor on the row of `key`, or on the first row if there is none."""
        try:
            row = self._rows.index(key) if key is not None else 0
        except ValueError:
            row = 0
        self.move_cursor(row)

    def move_cursor(self, row: int) -> None:
        if not self._rows:
            return
        row = max(0, min(row, len(self._rows) - 1))
        if row != self._cursor:
            self.refresh_line(self._cursor + 1)
            self.refresh_line(row + 1)
            self._cursor = row
        self._scroll_to_cursor()
        self._highlight_changed()

    def rows_in_view(self) -> Sequence[str]:
        first = round(self.scroll_y)
        return self._rows[first : first + self._page_rows]

    @property
    def _page_rows(self) -> int:
        return max(0, self.scrollable_content_region.height - 1)

    def _scroll_to_cursor(self) -> None:
        page = self._page_rows
        if not page:
            return
        top = round(self.scroll_y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, immediate=True)
        elif self._cursor >= top + page:
            self.scroll_to(y=self._cursor - page + 1, animate=False, immediate=True)

    def _highlight_changed(self) -> None:
        name = self.current_key
        if name != self._highlighted:
            self._highlighted = name
            self.post_message(self.Highlighted(name))

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if round(old) != round(new):
            self.post_message(self.InView())

    def on_resize(self, event: events.Resize) -> None:
        self._scroll_to_cursor()
        self.post_message(self.InView())

    # --- keys and mouse ------------------------------------------------------------------------

    def action_cursor_up(self) -> None:
        self._keyboard(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self._keyboard(self._cursor + 1)

    def action_page_up(self) -> None:
        self._keyboard(self._cursor - max(1, self._page_rows))

    def action_page_down(self) -> None:
        self._keyboard(self._cursor + max(1, self._page_rows))

    def action_first(self) -> None:
        self._keyboard(0)

    def action_last(self) -> None:
        self._keyboard(len(self._rows) - 1)

    def action_select_cursor(self) -> None:
        if self._rows:
            self.post_message(self.Selected(self._rows[self._cursor]))

    def _keyboard(self, row: int) -> None:
        self._set_hover(None)
        self.move_cursor(row)

    def _row_at(self, event: events.MouseEvent) -> int | None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return None
        row = offset.y - 1 + round(self.scroll_y)
        return row if row < len(self._rows) else None

    def on_click(self, event: events.Click) -> None:
        row = self._row_at(event)
        if row is None:
            return
        event.stop()
        if row == self._cursor:
            self.action_select_cursor()
        else:
            self.move_cursor(row)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._set_hover(self._row_at(event))

    def on_leave(self, event: events.Leave) -> None:
        self._set_hover(None)

    def _set_hover(self, row: int | None) -> None:
        if row != self._hover:
            for line in (self._hover, row):
                if line is not None:
                    self.refresh_line(line + 1)
            self._hover = row

    # --- drawing -------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            style = self.get_component_rich_style("artifact-table--header")
            return self._line(NAME_HEADER, COUNT_HEADER, width, base + style)
        row = y - 1 + round(self.scroll_y)
        if row >= len(self._rows):
            return Strip.blank(width, base)
        if row == self._cursor:
            base += self.get_component_rich_style("artifact-table--cursor")
        elif row == self._hover:
            base += self.get_component_rich_style("artifact-table--hover")
        name = self._rows[row]
        return self._line(name, self.count_text(name), width, base)

    def _line(self, name: str, count: str, width: int, style: Style) -> Strip:
        """` name ` and ` count ` padded to their columns, the rest of the width in `style`."""
        name_width = min(self._name_width, max(1, width - self._count_width - 4))
        name = printable(name)  # names come from S3 keys, which any writer can fill with escapes
        if len(name) > name_width:
            name = name[: name_width - 1] + "…"
        text = f" {name:<{name_width}}  {count:<{self._count_width}} "
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
        self.filter_input.display = True
        # Focus now, not via call_later: keys typed right after `/` may already be queued.
        self.screen.set_focus(self.filter_input)

    def close_filter(self) -> None:
        if not self.filter_input.value:
            self.filter_input.display = False
        self.table.focus()

    @on(FilterClosed)
    def _filter_closed(self, event: ArtifactPane.FilterClosed) -> None:
        event.stop()
        self.close_filter()

    @on(Input.Changed, "#artifact-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._rebuild(self.current)

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
        self.table.set_rows(shown, keep, self._name_width)
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
        self.post_message(self.Highlighted(event.name))

    @on(ArtifactTable.Selected)
    def _selected(self, event: ArtifactTable.Selected) -> None:
        event.stop()
        self.post_message(self.Chosen(event.name))
