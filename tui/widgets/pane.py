"""A titled pane around one table: the title line carries the pane's state (loading, error)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import DataTable, Label

from ..formatting import printable

# A load that finishes sooner shows no indicator: no flicker while arrowing through artifacts, whose
# loads start only once the cursor rests (MainScreen.REST_SECONDS) and then take ~150 ms at most.
LOADING_INDICATOR_DELAY = 0.25


def cell(value: str, style: Style | str = "") -> Text:
    """A table cell shown literally, control characters escaped: DataTable would parse a plain str
    as markup, and the terminal would obey an ESC stored in the data."""
    return Text(printable(value), style=style, end="", no_wrap=True)


class QuietLoading(Widget if TYPE_CHECKING else object):
    """Widget mixin, listed first: `loading` is set at once (callers and tests read it); the
    indicator covers the widget only once the load has taken LOADING_INDICATOR_DELAY.

    Not a Widget at run time, so the widget's CSS type and component classes stay its base's.
    """

    _indicator_timer: Timer | None = None

    def set_loading(self, loading: bool) -> None:
        if self._indicator_timer is not None:
            self._indicator_timer.stop()
            self._indicator_timer = None
        if loading:
            self._indicator_timer = self.set_timer(LOADING_INDICATOR_DELAY, self._cover_if_loading)
        else:
            super().set_loading(False)

    def _cover_if_loading(self) -> None:
        self._indicator_timer = None
        if self.loading:
            super().set_loading(True)

    # A loading pane still takes focus (Textual's widgets refuse it): ↓ then enter or tab lands on
    # the version pane although its load starts only once the artifact cursor rests.
    def _check_disabled(self) -> bool:
        return self.disabled

    @property
    def focusable(self) -> bool:
        return self.allow_focus() and self.visible and not self._self_or_ancestors_disabled


class PaneTable(QuietLoading, DataTable[object]):
    """A row-cursor table whose rows are keyed by the value they show (name, version, alias)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)

    def watch_virtual_size(self) -> None:
        # DataTable measures new rows when idle; rows painted before that are cached at the old
        # column widths and only a Resize drops that cache. A new virtual size sends none: without
        # this, cut columns could stay on screen until the next change.
        self._update_count += 1
        self.refresh()

    @property
    def current_key(self) -> str | None:
        """Key of the row under the cursor, or None when the table is empty."""
        if self.row_count == 0:
            return None
        try:
            row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except Exception:  # cursor outside the rows while the table is rebuilt
            return None
        return row_key.value

    def move_to(self, key: str | None) -> None:
        """Put the cursor on the row with `key`, or on the first row if there is none."""
        if self.row_count == 0:
            return
        index = 0
        if key is not None:
            try:
                index = self.get_row_index(key)
            except Exception:  # the row is gone (filtered, deleted)
                index = 0
        self.move_cursor(row=index, animate=False, scroll=True)


class Pane(Vertical):
    """Title line plus body; `note` says what the pane is doing or why it is empty."""

    title: reactive[str] = reactive("")
    note: reactive[str] = reactive("")

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="pane")
        self.set_reactive(Pane.title, title)

    def compose_title(self) -> ComposeResult:
        yield Label(printable(self._title_text()), classes="pane-title", markup=False)

    def _title_text(self) -> str:
        return f" {self.title}  {self.note}" if self.note else f" {self.title}"

    def watch_title(self) -> None:
        self._update_title()

    def watch_note(self) -> None:
        self.set_class(self.note.startswith("⚠"), "-error")
        self._update_title()

    def _update_title(self) -> None:
        if self.is_mounted:
            # One line, full width: its size never changes, so no layout of the whole screen.
            self.query_one(".pane-title", Label).update(printable(self._title_text()), layout=False)

    def failed(self, message: str) -> None:
        self.note = f"⚠ {message}"
