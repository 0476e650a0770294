"""Status lines: which repository, as whom, DEMO / READ-ONLY badges, connection state, last error."""

from __future__ import annotations

import time
from typing import Literal

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Label

from ..connection import Connection
from ..formatting import printable

State = Literal["connecting", "connected", "loading", "error"]

DEMO_HINT = "In-memory demo · to connect a repository: vrc --bucket NAME or vrc --repo NAME"

_STATE_TEXT = {
    "connecting": "◌ connecting…",
    "connected": "● connected",
    "loading": "◌ loading…",
    "error": "✕ error",
}


_WAITING = ("connecting", "loading")


class StatusBar(Vertical):
    """Two or three lines at the top of the main screen."""

    _demo = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="status-line"):
            yield Label(" vrc ", id="app-name")
            yield Label("", id="repo-name", markup=False)
            yield Label(" DEMO ", id="demo-badge", classes="badge")
            yield Label(" READ-ONLY ", id="read-only-badge", classes="badge")
            yield Label("writes disabled", id="read-only-why")
            yield Label("", id="connection-state", markup=False)
        yield Label("", id="location", markup=False)
        yield Label("", id="hint", markup=False)

    def show_connection(self, connection: Connection) -> None:
        """A new connection is being opened: show what it will be, not yet its identity."""
        self.query_one("#repo-name", Label).update(printable(connection.name))
        self.query_one("#demo-badge").display = connection.demo
        self.query_one("#read-only-badge").display = connection.read_only
        self.query_one("#read-only-why").display = connection.read_only
        self._write("#location", printable(connection.description))
        self._demo = connection.demo
        self.clear_error()
        self.set_state("connecting")

    def show_location(self, location: str, identity: str | None = None) -> None:
        # Who first: at 80 columns the end of the line is cut, and the identity matters most on call.
        text = location if identity is None else f"as {identity} · {location}"
        self._write("#location", printable(text))

    _state: State | None = None
    _detail: str = ""
    _since: float = 0.0
    _ticker: Timer | None = None
    _shown = ""

    def show_error(self, title: str, message: str) -> None:
        """Keep the last error on the hint line until the next connection or clear_error()."""
        hint = self._write("#hint", f"✕ {title}: {message} · m shows recent messages")
        hint.set_class(False, "-demo")
        hint.set_class(False, "-hidden")
        hint.set_class(True, "-error")

    def clear_error(self) -> None:
        hint = self._write("#hint", DEMO_HINT)
        hint.set_class(self._demo, "-demo")
        hint.set_class(not self._demo, "-hidden")
        hint.set_class(False, "-error")

    def _write(self, selector: str, text: str) -> Label:
        """Put `text` in one of the bar's one-line labels, whose size the stylesheet fixes (a row,
        or what the row leaves; no wrapping): the label repaints and nothing is laid out again
        (`Label.update` lays out the whole screen by default, on every connect, load and second
        counted while loading)."""
        label = self.query_one(selector, Label)
        label.update(text, layout=False)
        return label

    @property
    def hint_text(self) -> str:
        return str(self.query_one("#hint", Label).render())

    def set_state(self, state: State, detail: str = "") -> None:
        """Show `state`; while connecting or loading, the seconds waited so far too (every wait is
        bounded by core's deadline, and the count shows how close it is)."""
        waiting = state in _WAITING
        if not waiting or self._state not in _WAITING:
            self._since = time.monotonic()
        self._state, self._detail = state, detail
        if waiting and self._ticker is None:
            self._ticker = self.set_interval(1.0, self._show_state)
        elif not waiting and self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        label = self.query_one("#connection-state", Label)
        for name in _STATE_TEXT:
            label.set_class(name == state, f"-{name}")
        self._show_state()

    def _show_state(self) -> None:
        if self._state is None:
            return
        text = f"{_STATE_TEXT[self._state]} {self._detail}".rstrip()
        waited = int(time.monotonic() - self._since)
        if self._state in _WAITING and waited >= 1:
            text = f"{text} {waited}s"
        if text != self._shown:  # every load ends in "connected": no repaint, no layout, if it already says so
            self._shown = text
            self._write("#connection-state", text)

    @property
    def state_text(self) -> str:
        return str(self.query_one("#connection-state", Label).render())
