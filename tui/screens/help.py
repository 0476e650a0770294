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
    ("↑ ↓ / k j", "Move within a pane"),
    ("pgup pgdn", "A page up / down"),
    ("home end / g G", "First / last row"),
    ("tab shift+tab", "Next / previous pane"),
    ("enter", "Artifact list: open its versions"),
    ("a", "Aliases pane: type an alias name to jump to it (esc clears)"),
    ("ctrl+p", "Command palette: every action, searchable"),
    ("ctrl+c", "Quit (asks while a write is in flight)"),
)


def dialog_keys() -> list[tuple[str, str, str]]:
    """(dialog, keys, what) for every described key of the release dialogs and the histogram."""
    from ..commands import class_bindings
    from ..modals.canary import CanaryModal, WeightInput
    from ..modals.promote import PromoteModal
    from ..modals.rollback import RollbackModal, RollbackTable
    from ..widgets.histogram import TrafficHistogram

    rows: list[tuple[str, str, str]] = []
    for title, cls in (
        ("Promote", PromoteModal),
        ("Rollback", RollbackModal),
        ("Rollback", RollbackTable),
        ("Canary", CanaryModal),
        ("Canary", WeightInput),
        ("Histogram", TrafficHistogram),
    ):
        by_action: dict[str, tuple[list[str], str]] = {}
        for binding in class_bindings(cls, own_only=True):
            if not binding.description or binding.system:
                continue
            keys, _ = by_action.setdefault(binding.action, ([], binding.tooltip or binding.description))
            keys.append(_key_display(binding.key))
        rows += [(title, " / ".join(keys), what) for keys, what in by_action.values()]
    return rows


_KEY_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "plus": "+",
    "minus": "-",
    "equals_sign": "=",
    "greater_than_sign": ">",
    "less_than_sign": "<",
    "right_square_bracket": "]",
    "left_square_bracket": "[",
    "escape": "esc",
}


def _key_display(key: str) -> str:
    return _KEY_NAMES.get(key, key)


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
        listed: set[tuple[str, str, str]] = set()
        for action in sorted(self._actions, key=lambda a: _GROUP_ORDER.get(a.group, 9)):
            row = (action.group, action.key_text, action.help)
            if row in listed:
                continue  # the same key in two panes (each record pane has a filter)
            listed.add(row)
            label = action.group if action.group != group else ""
            group = action.group
            text = Text(action.help)
            if action.unavailable:
                text.append(f"  (unavailable: {action.unavailable})", style="italic")
            table.add_row(label, action.key_text, text)
        table.add_row("", "", "")
        for index, (keys, description) in enumerate(NAVIGATION):
            table.add_row("Navigation" if index == 0 else "", keys, description)
        table.add_row("", "", "")
        dialog = None
        for title, keys, description in dialog_keys():
            table.add_row(title if title != dialog else "", keys, Text(description))
            dialog = title
        return table

    def action_close(self) -> None:
        self.dismiss(None)


_GROUP_ORDER = {"Console": 0, "Filter": 1, "App": 5}
