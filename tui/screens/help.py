"""Help: every key binding, grouped, with why an action is unavailable when it is."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Label, Static

from ..commands import KeyAction

NAVIGATION = (
    ("↑ ↓ pgup pgdn", "Move within a pane"),
    ("home end", "First / last row"),
    ("← →", "Scroll a wide table sideways"),
    ("enter", "Artifact list: open its versions"),
    ("ctrl+p", "Command palette: every action, searchable"),
)


class HelpScreen(Screen[None]):
    """Lists the bindings it is given; escape, q or ? closes it."""

    HELP_GROUP = "Help"
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close help", id="help-close")]

    def __init__(self, actions: Sequence[KeyAction]) -> None:
        super().__init__()
        self._actions = actions

    def compose(self) -> ComposeResult:
        yield Label(" Keys · esc, q or ? closes", id="help-title")
        with VerticalScroll(id="help-body"):
            yield Static(self._table(), id="help-table")
        yield Footer()

    def _table(self) -> Table:
        table = Table.grid(padding=(0, 2), expand=True)
        table.add_column(no_wrap=True)
        table.add_column(no_wrap=True, style="bold")
        table.add_column(ratio=1)
        group = None
        for action in sorted(self._actions, key=lambda a: _GROUP_ORDER.get(a.group, 9)):
            label = action.group if action.group != group else ""
            group = action.group
            text = Text(action.help)
            if action.unavailable:
                text.append(f"  (unavailable: {action.unavailable})", style="italic")
            table.add_row(label, action.key_text, text)
        table.add_row("", "", "")
        for index, (keys, description) in enumerate(NAVIGATION):
            table.add_row("Navigation" if index == 0 else "", keys, description)
        return table

    def action_close(self) -> None:
        self.dismiss(None)


_GROUP_ORDER = {"Console": 0, "Filter": 1, "App": 5}
