"""A titled pane around one table: the title line carries the pane's state (loading, error)."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import DataTable, Label


def cell(value: str, style: Style | str = "") -> Text:
    """A table cell shown literally: DataTable would parse a plain str as markup."""
    return Text(value, style=style, end="", no_wrap=True)


class PaneTable(DataTable[object]):
    """A row-cursor table whose rows are keyed by the value they show (name, version, alias)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)

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
        yield Label(self._title_text(), classes="pane-title", markup=False)

    def _title_text(self) -> str:
        return f" {self.title}  {self.note}" if self.note else f" {self.title}"

    def watch_title(self) -> None:
        self._update_title()

    def watch_note(self) -> None:
        self.set_class(self.note.startswith("⚠"), "-error")
        self._update_title()

    def _update_title(self) -> None:
        if self.is_mounted:
            self.query_one(".pane-title", Label).update(self._title_text())

    def failed(self, message: str) -> None:
        self.note = f"⚠ {message}"
