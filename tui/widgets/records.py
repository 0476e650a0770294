"""Record panes (versions, aliases): a virtual table whose columns are chosen by priority to fit the
pane's width, with a type-to-filter line; only the rows in view are drawn."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Generic, NamedTuple, TypeVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip
from textual.widgets import Input

from .filterbox import FilterBox
from .pane import Pane
from .rows import VirtualRows, visible

R = TypeVar("R")


@dataclass(frozen=True)
class Column:
    """One column: shown in priority order (0 first) while the pane is wide enough.

    `max_width` caps the column until wider columns of lower priority have their room;
    `min_width`: rather than hide the column, cut its values (with …) down to this width.
    """

    key: str
    label: str
    priority: int
    max_width: int | None = None
    min_width: int | None = None


class Cell(NamedTuple):
    """A cell's text; `short` replaces it when the column has no room for `text` (e.g. '3d ago')."""

    text: str
    short: str | None = None
    style: str = ""  # a component class of the table


@dataclass(frozen=True)
class Placed:
    index: int
    width: int
    short: bool


def fit_columns(
    columns: Sequence[Column], full: Sequence[int], short: Sequence[int | None], width: int
) -> list[Placed]:
    """Which columns to show in `width` cells and how wide, each taking one more cell of padding.

    First every column in priority order at its capped (or short) width, cut to its `min_width`
    for the last one that fits; then the room left widens them, in priority order again.
    """
    avail = width
    widths: dict[int, int] = {}
    shorts: set[int] = set()
    order = sorted(range(len(columns)), key=lambda i: columns[i].priority)
    for i in order:
        column = columns[i]
        want = full[i] if column.max_width is None else min(full[i], column.max_width)
        compact = short[i]
        if compact is not None and compact < want:
            want = compact
            shorts.add(i)
        if want + 1 <= avail:
            widths[i] = want
            avail -= want + 1
        elif column.min_width is not None and avail - 1 >= column.min_width:
            widths[i] = avail - 1
            avail = 0
        else:
            shorts.discard(i)
    for capped in (True, False):
        for i in order:
            if i not in widths or not avail:
                continue
            column = columns[i]
            target = full[i] if capped is False or column.max_width is None else min(full[i], column.max_width)
            if i in shorts:
                if target - widths[i] <= avail:
                    avail -= target - widths[i]
                    widths[i] = target
                    shorts.discard(i)
            elif target > widths[i]:
                grow = min(avail, target - widths[i])
                widths[i] += grow
                avail -= grow
    return [Placed(i, widths[i], i in shorts) for i in sorted(widths)]


def width_of(text: str) -> int:
    """Cells `text` takes on screen, control characters shown escaped."""
    if text.isascii() and text.isprintable():
        return len(text)
    return cell_len(visible(text))


def fit_text(text: str, width: int) -> str:
    """`text` padded or cut (ending in …) to exactly `width` cells."""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…" if width > 0 else ""
    return set_cell_size(text, width)


class RecordTable(VirtualRows):
    """Rows of cells keyed by the record they show; columns fitted to the width on every change."""

    COMPONENT_CLASSES = {"record-table--header", "record-table--cursor", "record-table--hover"}
    HEADER_CLASS = "record-table--header"
    CURSOR_CLASS = "record-table--cursor"
    HOVER_CLASS = "record-table--hover"

    def __init__(self, columns: Sequence[Column], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns = tuple(columns)
        self._cells: dict[str, tuple[Cell, ...]] = {}
        self._placed: list[Placed] = []
        self._fitted_width = -1
        self._full = [len(c.label) for c in self.columns]
        self._short: list[int | None] = [None for _ in self.columns]

    def set_cells(self, cells: dict[str, tuple[Cell, ...]], order: list[str], keep: str | None) -> None:
        """Show `order` (keys of `cells`), the cursor on `keep` if it is still there."""
        self._cells = cells
        self._measure()
        self.set_rows(order, keep)

    def update_cells(self, cells: dict[str, tuple[Cell, ...]]) -> None:
        """Same rows, new texts (e.g. relative times): measure again and repaint."""
        self._cells = cells
        self._measure()
        self.refresh()

    def update_row(self, key: str, cells: tuple[Cell, ...]) -> None:
        """New texts for one row (its columns may widen)."""
        self._cells[key] = cells
        widened = False
        for i, value in enumerate(cells):
            width = width_of(value.text)
            if width > self._full[i]:
                self._full[i], widened = width, True
        if widened:
            self._fitted_width = -1
            self.refresh()
        elif key in self.rows:
            self.refresh_line(self.rows.index(key) + 1)

    def cell(self, key: str, column: str) -> str:
        """The full text of one cell."""
        index = next(i for i, c in enumerate(self.columns) if c.key == column)
        return self._cells[key][index].text

    @property
    def shown_columns(self) -> list[str]:
        """Keys of the columns that fit, in display order."""
        self._fit(self.scrollable_content_region.width)
        return [self.columns[p.index].key for p in self._placed]

    def _measure(self) -> None:
        full = [cell_len(c.label) for c in self.columns]
        short: list[int | None] = [None for _ in self.columns]
        for i, column in enumerate(self.columns):
            texts = {cells[i].text for cells in self._cells.values()}  # few distinct values: sizes, types
            full[i] = max(full[i], *map(width_of, texts)) if texts else full[i]
            shorts = {cells[i].short for cells in self._cells.values()} - {None}
            if shorts:
                short[i] = max(cell_len(column.label), *(width_of(text) for text in shorts if text is not None))
        self._full, self._short = full, short
        self._fitted_width = -1

    def _fit(self, width: int) -> None:
        if width != self._fitted_width:
            self._placed = fit_columns(self.columns, self._full, self._short, width)
            self._fitted_width = width

    def on_resize(self, event: events.Resize) -> None:
        self._fitted_width = -1
        super().on_resize(event)

    def render_header(self, width: int, style: Style) -> Strip:
        self._fit(width)
        segments = [Segment(" " + fit_text(self.columns[p.index].label, p.width), style) for p in self._placed]
        return Strip(segments).adjust_cell_length(width, style)

    def render_row(self, row: int, width: int, style: Style) -> Strip:
        self._fit(width)
        cells = self._cells[self.rows[row]]
        segments = [Segment(" ", style)]
        for placed in self._placed:
            value = cells[placed.index]
            text = value.short if placed.short and value.short is not None else value.text
            cell_style = style
            if value.style:
                cell_style = style + self.get_component_rich_style(value.style, partial=True)
            segments.append(Segment(fit_text(visible(text), placed.width), cell_style))
            segments.append(Segment(" ", style))
        return Strip(segments[:-1]).adjust_cell_length(width, style).crop(0, width)


class RecordFilter(FilterBox):
    """Type to narrow the rows by key; enter or ↓ goes to the rows, escape clears."""

    HELP_GROUP = "Filter"
    BINDINGS = [
        Binding("escape", "clear", "Clear filter", id="record-filter-clear"),
        Binding("down", "to_rows", "To list", show=False, id="record-filter-to-rows"),
    ]

    class Closed(Message):
        pass

    def action_clear(self) -> None:
        self.value = ""
        self.post_message(self.Closed())

    def action_to_rows(self) -> None:
        self.post_message(self.Closed())


class RecordPane(Pane, Generic[R]):
    """The records of one artifact in a RecordTable; subclasses say which columns and cells."""

    COLUMNS: tuple[Column, ...] = ()
    NOUN = "records"
    TABLE_TYPE: type[RecordTable] = RecordTable

    def __init__(self, title: str, *, table_id: str, id: str | None = None) -> None:
        super().__init__(title, id=id)
        self.base_title = title
        self.artifact_name: str | None = None
        self._records: dict[str, R] = {}
        self._table_id = table_id
        self._now: datetime | None = None
        self._tz: tzinfo | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        yield RecordFilter(placeholder="filter by name…", classes="record-filter", compact=True)
        yield self.TABLE_TYPE(self.COLUMNS, id=self._table_id)

    # --- what subclasses say -------------------------------------------------------------------

    def key_of(self, record: R) -> str:
        raise NotImplementedError

    def cells_of(self, record: R, now: datetime, tz: tzinfo | None) -> tuple[Cell, ...]:
        raise NotImplementedError

    def shown_title(self, name: str, records: Sequence[R]) -> str:
        return f"{self.base_title} · {len(records)}"

    # --- state ---------------------------------------------------------------------------------

    @property
    def table(self) -> RecordTable:
        return self.query_one(self.TABLE_TYPE)

    @property
    def filter_input(self) -> RecordFilter:
        return self.query_one(RecordFilter)

    @property
    def current(self) -> R | None:
        key = self.table.current_key
        return None if key is None else self._records.get(key)

    def record(self, key: str) -> R | None:
        return self._records.get(key)

    @property
    def records(self) -> Sequence[R]:
        return tuple(self._records.values())

    @property
    def shown(self) -> Sequence[str]:
        """Keys of the rows the filter lets through, in order."""
        return tuple(self.table.rows)

    def loading_for(self, name: str | None) -> None:
        """Show the pane loading `name` (None: nothing selected); another artifact's rows go."""
        if name != self.artifact_name:
            # Already empty while the cursor moves on through the artifacts: emptying it again
            # would repaint the table and post its highlight on every key.
            if self._records or self.table.row_count:
                self._records = {}
                self.table.set_cells({}, [], None)
            self.title = self.base_title
        self.artifact_name = name
        self.note = ""
        self.set_busy(name is not None)

    def show(self, name: str, records: Sequence[R], now: datetime, tz: tzinfo | None) -> None:
        keep = self.table.current_key if name == self.artifact_name else None
        self.artifact_name = name
        self._records = {self.key_of(record): record for record in records}
        self._now, self._tz = now, tz
        self._rebuild(keep)
        self.set_busy(False)
        self.note = "" if records else f"no {self.NOUN}"

    def refresh_times(self, now: datetime) -> None:
        """Redraw what depends on the clock (relative times) with `now`."""
        if self._now is None or now == self._now or not self._records:
            return
        self._now = now
        self.table.update_cells(self._all_cells())

    def _all_cells(self) -> dict[str, tuple[Cell, ...]]:
        now = self._now
        assert now is not None
        return {key: self.cells_of(record, now, self._tz) for key, record in self._records.items()}

    def _rebuild(self, keep: str | None) -> None:
        needle = self.filter_input.value.strip().lower()
        order = [key for key in self._records if needle in key.lower()] if needle else list(self._records)
        cells = self._all_cells() if self._now is not None else {}
        self.table.set_cells(cells, order, keep)
        if self.artifact_name is not None and self._now is not None:
            title = self.shown_title(self.artifact_name, self.records)
            self.title = f"{title} · {len(order)} shown · /{needle}" if needle else title

    def replace(self, record: R) -> None:
        """A newer copy of a record shown (same key): redraw its row."""
        key = self.key_of(record)
        if key in self._records and self._now is not None:
            self._records[key] = record
            self.table.update_row(key, self.cells_of(record, self._now, self._tz))

    @on(VirtualRows.InView)
    def _in_view(self, event: VirtualRows.InView) -> None:
        event.stop()
        self.rows_in_view(self.table.rows_in_view())

    def rows_in_view(self, keys: Sequence[str]) -> None:
        """Other rows came into view (subclasses fetch what only these rows need)."""

    # --- filter --------------------------------------------------------------------------------

    def open_filter(self) -> None:
        self.filter_input.open()

    def close_filter(self) -> None:
        self.table.focus()

    @on(RecordFilter.Closed)
    def _filter_closed(self, event: RecordFilter.Closed) -> None:
        event.stop()
        self.close_filter()

    @on(Input.Changed, ".record-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        needle = event.value.strip().lower()
        if not needle:
            self._rebuild(self.table.current_key)
            return
        # The cursor goes to the first name that starts with what was typed, else the first match.
        keys = [key for key in self._records if needle in key.lower()]
        first = next((key for key in keys if key.lower().startswith(needle)), keys[0] if keys else None)
        self._rebuild(first)

    @on(Input.Submitted, ".record-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.close_filter()
