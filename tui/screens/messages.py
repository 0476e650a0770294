"""Recent messages: every notification of this session, newest first, so errors outlive their toast."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Label, Static

from ..widgets.rows import visible

MAX_MESSAGES = 200


@dataclass(frozen=True)
class LoggedMessage:
    time: datetime
    severity: str
    title: str
    message: str


class MessageLog:
    """The last MAX_MESSAGES notifications, oldest first."""

    def __init__(self) -> None:
        self._messages: deque[LoggedMessage] = deque(maxlen=MAX_MESSAGES)

    def add(self, message: LoggedMessage) -> None:
        self._messages.append(message)

    @property
    def messages(self) -> Sequence[LoggedMessage]:
        return tuple(self._messages)


_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "information": ""}


class MessagesScreen(Screen[None]):
    """The message log; escape, q or m closes it."""

    HELP_GROUP = "Messages"
    BINDINGS = [Binding("escape,q,m", "close", "close", id="messages-close")]

    def __init__(self, messages: Sequence[LoggedMessage]) -> None:
        super().__init__()
        self._messages = messages

    def compose(self) -> ComposeResult:
        yield Label(f" Recent messages · {len(self._messages)} · esc closes", id="messages-title")
        with VerticalScroll(id="messages-body"):
            yield Static(self._table(), id="messages-table")
        yield Footer(compact=True)

    def _table(self) -> Table | Text:
        if not self._messages:
            return Text("No messages yet.")
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column(no_wrap=True, style="dim")
        table.add_column(ratio=1)
        for item in reversed(self._messages):
            text = Text()
            if item.title:
                text.append(visible(item.title), style=_SEVERITY_STYLE.get(item.severity, "") or "bold")
                text.append(" · ")
            text.append(visible(item.message))
            table.add_row(item.time.strftime("%H:%M:%S"), text)
        return table

    def action_close(self) -> None:
        self.dismiss(None)
