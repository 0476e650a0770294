"""A virtual list of keyed rows under a header line: only the rows in view are drawn, so 10,000
rows move, filter and scroll as fast as ten. The artifact list and the record panes build on it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

_CONTROL = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))}


def visible(value: str) -> str:
    """`value` with control characters (C0, DEL, C1) shown as `\\xNN`: they never reach the terminal."""
    return value if value.isprintable() else value.translate(_CONTROL)


class LineStyles(NamedTuple):
    """The styles of a list's lines: plain row, header, cursor row, row under the mouse."""

    base: Style
    header: Style
    cursor: Style
    hover: Style


class VirtualRows(ScrollView, can_focus=True):
    """Cursor, hover, keys and mouse over `rows` (their keys); subclasses draw the lines."""

    BINDINGS = [
        Binding("enter", "select_cursor", show=False),
        Binding("up,k", "cursor_up", show=False),
        Binding("down,j", "cursor_down", show=False),
        Binding("pageup", "page_up", show=False),
        Binding("pagedown", "page_down", show=False),
        Binding("home,ctrl+home,g", "first", show=False),
        Binding("end,ctrl+end,G", "last", show=False),
    ]

    class Highlighted(Message):
        """The key under the cursor changed (None: no rows)."""

        def __init__(self, rows: VirtualRows, key: str | None) -> None:
            super().__init__()
            self.rows = rows
            self.key = key

        @property
        def control(self) -> VirtualRows:
            return self.rows

    class Selected(Message):
        """Enter, or a click on the row under the cursor."""

        def __init__(self, rows: VirtualRows, key: str) -> None:
            super().__init__()
            self.rows = rows
            self.key = key

        @property
        def control(self) -> VirtualRows:
            return self.rows

    class InView(Message):
        """Other rows came into view (scrolled, resized, refilled)."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, VirtualRows.InView)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[str] = []
        self._cursor = 0
        self._hover: int | None = None
        self._highlighted: str | None = None
        self._paint: tuple[LineStyles, int] | None = None

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
        """The key under the cursor, or None when there are no rows."""
        return self._rows[self._cursor] if self._rows else None

    def set_rows(self, rows: list[str], keep: str | None) -> None:
        """Show `rows`, the cursor on `keep` if it is one of them (else on the first row)."""
        self._rows = rows
        self._cursor = 0
        if keep is not None:
            try:
                self._cursor = rows.index(keep)
            except ValueError:
                pass
        self._hover = None
        self._size_to_rows()
        self._scroll_to_cursor()
        self.refresh()
        self._highlight_changed()
        self.post_message(self.InView())

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

    def _size_to_rows(self) -> None:
        """Scroll over the rows and the header line, but never less than the view: then a list that
        fits (a few versions, an emptied pane) changes the virtual size not at all.

        A new height that keeps the scrollbar as it is (shown or not) changes only the scroll
        range: the list updates its scrollbar and redraws itself, and the screen is not laid out
        again (Textual lays out every widget when a virtual size changes; typing a filter over
        10,000 names changes it on each key)."""
        height = max(len(self._rows) + 1, self.size.height)
        if height == self.virtual_size.height:
            return
        size = Size(self.virtual_size.width, height)
        if not self._scrollbar_stays(height):
            self.virtual_size = size
            return
        self.set_reactive(VirtualRows.virtual_size, size)
        if self.show_vertical_scrollbar:
            self.vertical_scrollbar.window_virtual_size = height
        self.scroll_y = self.validate_scroll_y(self.scroll_y)
        self.refresh()

    def _scrollbar_stays(self, height: int) -> bool:
        """Whether a virtual height of `height` leaves the scrollbars as they are (see Textual's
        Widget._refresh_scrollbars: with overflow-x hidden, the vertical bar shows when the height
        is more than the container's)."""
        if not self.container_size or self.styles.overflow_x != "hidden" or self.styles.overflow_y != "auto":
            return False
        return (height > self.container_size.height) == self.show_vertical_scrollbar

    def rows_in_view(self) -> Sequence[str]:
        first = round(self.scroll_y)
        return self._rows[first : first + self.page_rows]

    @property
    def page_rows(self) -> int:
        """How many rows fit under the header."""
        return max(0, self.scrollable_content_region.height - 1)

    def _scroll_to_cursor(self) -> None:
        page = self.page_rows
        if not page:
            return
        top = round(self.scroll_y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, immediate=True)
        elif self._cursor >= top + page:
            self.scroll_to(y=self._cursor - page + 1, animate=False, immediate=True)

    def _highlight_changed(self) -> None:
        key = self.current_key
        if key != self._highlighted:
            self._highlighted = key
            self.post_message(self.Highlighted(self, key))

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if round(old) != round(new):
            self.post_message(self.InView())

    def on_resize(self, event: events.Resize) -> None:
        self._size_to_rows()
        self._scroll_to_cursor()
        self.post_message(self.InView())

    # --- keys and mouse ------------------------------------------------------------------------

    def action_cursor_up(self) -> None:
        self._keyboard(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self._keyboard(self._cursor + 1)

    def action_page_up(self) -> None:
        self._keyboard(self._cursor - max(1, self.page_rows))

    def action_page_down(self) -> None:
        self._keyboard(self._cursor + max(1, self.page_rows))

    def action_first(self) -> None:
        self._keyboard(0)

    def action_last(self) -> None:
        self._keyboard(len(self._rows) - 1)

    def action_select_cursor(self) -> None:
        if self._rows:
            self.post_message(self.Selected(self, self._rows[self._cursor]))

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

    HEADER_CLASS = ""
    CURSOR_CLASS = ""
    HOVER_CLASS = ""

    def render_lines(self, crop: Region) -> list[Strip]:
        # The styles and width every line needs, worked out once per paint: a widget's rich_style
        # walks its ancestors' backgrounds, which cost more than drawing the line itself.
        self._paint = (self.line_styles(), self.scrollable_content_region.width)
        try:
            return super().render_lines(crop)
        finally:
            self._paint = None

    def line_styles(self) -> LineStyles:
        base = self.rich_style
        return LineStyles(
            base,
            base + self.get_component_rich_style(self.HEADER_CLASS),
            base + self.get_component_rich_style(self.CURSOR_CLASS),
            base + self.get_component_rich_style(self.HOVER_CLASS),
        )

    def render_line(self, y: int) -> Strip:
        styles, width = self._paint or (self.line_styles(), self.scrollable_content_region.width)
        if y == 0:
            return self.render_header(width, styles.header)
        row = y - 1 + round(self.scroll_y)
        if row >= len(self._rows):
            return Strip.blank(width, styles.base)
        if row == self._cursor:
            return self.render_row(row, width, styles.cursor)
        if row == self._hover:
            return self.render_row(row, width, styles.hover)
        return self.render_row(row, width, styles.base)

    def render_header(self, width: int, style: Style) -> Strip:
        raise NotImplementedError

    def render_row(self, row: int, width: int, style: Style) -> Strip:
        raise NotImplementedError
