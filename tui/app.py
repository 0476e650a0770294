"""The console app: thin; the repository connection is injected, the main screen does the work."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen

from core.redact import redact_secrets

from .commands import ActionsProvider, key_actions
from .connection import Connection
from .formatting import printable
from .release import ReleaseSettings
from .screens.help import HelpScreen
from .screens.main import MainScreen

STYLESHEETS = ("app.tcss", "main.tcss", "modals.tcss", "help.tcss", "release.tcss")


def styles_dir() -> Path:
    """tui/styles in an installed wheel, else the checkout's top-level styles/."""
    here = Path(__file__).resolve().parent
    installed = here / "styles"
    return installed if installed.is_dir() else here.parent / "styles"


def utc_now() -> datetime:
    return datetime.now(UTC)


class VrcApp(App[None]):
    """Release console over the first of `connections`; the others are offered by `c`."""

    TITLE = "vrc"
    CSS_PATH = [styles_dir() / name for name in STYLESHEETS]
    COMMANDS = App.COMMANDS | {ActionsProvider}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    BINDINGS = [
        Binding("q", "quit", "Quit", tooltip="Quit the console", id="quit"),
        Binding("question_mark", "help", "Help", tooltip="Show every key", id="help"),
    ]
    HELP_GROUP = "App"

    def __init__(
        self,
        connections: Connection | Sequence[Connection],
        *,
        clock: Callable[[], datetime] = utc_now,
        tz: tzinfo | None = None,
        release: ReleaseSettings | None = None,
        notices: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self.notices = tuple(notices)
        self.release_settings = release or ReleaseSettings()
        self.connections = (connections,) if isinstance(connections, Connection) else tuple(connections)
        if not self.connections:
            raise ValueError("VrcApp needs at least one connection")
        self.clock = clock
        self.tz = tz

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notification is literal text with control characters escaped and URL passwords
        redacted: messages carry names, reasons and error text. `markup` is accepted and ignored."""
        super().notify(
            printable(redact_secrets(message), multiline=True),
            title=printable(redact_secrets(title)),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def on_mount(self) -> None:
        for notice in self.notices:  # e.g. a config file others can write
            self.notify(notice, title="Warning", severity="warning", timeout=15)

    def get_default_screen(self) -> Screen[None]:
        return MainScreen(self.connections, clock=self.clock, tz=self.tz)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(key_actions(self.screen)))
