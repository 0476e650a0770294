"""A titled pane: the title line carries the pane's state (loading for how long, error, empty)."""

from __future__ import annotations

from time import monotonic

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import var
from textual.timer import Timer
from textual.widgets import Label

from ..formatting import printable

# A load that finishes sooner shows no indicator: no flicker while arrowing through artifacts, whose
# loads start only once the cursor rests (MainScreen.REST_SECONDS) and then take ~150 ms at most.
LOADING_INDICATOR_DELAY = 0.25


def cell(value: str, style: Style | str = "") -> Text:
    """A table cell shown literally, control characters escaped: DataTable would parse a plain str
    as markup, and the terminal would obey an ESC stored in the data."""
    return Text(printable(value), style=style, end="", no_wrap=True)


def loading_text(seconds: float) -> str:
    """'◌ loading…' in the first second, then '◌ loading 3s'."""
    return "◌ loading…" if seconds < 1 else f"◌ loading {int(seconds)}s"


class Pane(Vertical):
    """Title line plus body; `note` says why the pane is empty or failed, `busy` that it loads.

    Loading shows in the title, not as an overlay: the pane's table keeps its rows, its cursor and
    the focus while it loads (Textual disables a widget whose `loading` is set).
    """

    # Vars, not reactives: a change redraws the title line only (watch_*), never the whole pane.
    title = var("")
    note = var("")

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="pane")
        self.set_reactive(Pane.title, title)
        self.busy = False
        self._busy_since = 0.0
        self._busy_timer: Timer | None = None
        self._shown_title: str | None = None

    def compose_title(self) -> ComposeResult:
        self._shown_title = printable(self.title_text())
        yield Label(self._shown_title, classes="pane-title", markup=False)

    def set_busy(self, busy: bool) -> None:
        """Mark the pane loading (the title says so after LOADING_INDICATOR_DELAY) or done."""
        if busy == self.busy:
            return
        self.busy = busy
        if self._busy_timer is not None:
            self._busy_timer.stop()
            self._busy_timer = None
        if busy:
            self._busy_since = monotonic()
            self._busy_timer = self.set_interval(LOADING_INDICATOR_DELAY, self._update_title)
        # The title alone says it: a class would restyle the pane and its table on every load.
        self._update_title()

    @property
    def busy_seconds(self) -> float | None:
        """How long the pane has been loading, or None when it is not."""
        return monotonic() - self._busy_since if self.busy else None

    def title_text(self) -> str:
        parts = [f" {self.title}"]
        if self.note:
            parts.append(self.note)
        seconds = self.busy_seconds
        if seconds is not None and seconds >= LOADING_INDICATOR_DELAY:
            parts.append(loading_text(seconds))
        return "  ".join(parts)

    def watch_title(self) -> None:
        self._update_title()

    def watch_note(self) -> None:
        self.set_class(self.note.startswith("⚠"), "-error")
        self._update_title()

    def _update_title(self) -> None:
        if self.is_mounted:
            text = printable(self.title_text())
            if text == self._shown_title:
                return  # the busy ticker fires four times a second; the text changes once a second at most
            self._shown_title = text
            # One line, full width: its size never changes, so no layout of the whole screen.
            self.query_one(".pane-title", Label).update(text, layout=False)

    def failed(self, message: str) -> None:
        self.set_busy(False)
        self.note = f"⚠ {message}"
