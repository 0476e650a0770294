"""The console app: thin; the repository connection is injected, the main screen does the work."""

from __future__ import annotations

import os
from asyncio import AbstractEventLoop
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from textual.app import App, AutopilotCallbackType
from textual.binding import Binding
from textual.geometry import Size
from textual.notifications import SeverityLevel
from textual.screen import Screen

from core.redact import redact_secrets

from . import collector
from .commands import ActionsProvider, key_actions
from .config import config_path as default_config_path
from .connection import Connection
from .formatting import printable
from .release import ReleaseSettings
from .screens.main import MainScreen
from .screens.messages import LoggedMessage, MessageLog, MessagesScreen

# Worker groups that write to the repository (the main screen's and the release dialogs').
WRITE_GROUPS = frozenset({"upload", "delete", "release-write"})

STYLESHEETS = ("app.tcss", "main.tcss", "modals.tcss", "help.tcss", "release.tcss")


def styles_dir() -> Path:
    """tui/styles in an installed wheel, else the checkout's top-level styles/."""
    here = Path(__file__).resolve().parent
    installed = here / "styles"
    return installed if installed.is_dir() else here.parent / "styles"


def utc_now() -> datetime:
    return datetime.now(UTC)


def breakpoint_classes(
    size: Size, horizontal: Sequence[tuple[int, str]], vertical: Sequence[tuple[int, str]]
) -> set[str]:
    """The classes Textual's breakpoints give a screen of `size`: per axis, the name of the highest
    breakpoint the size reaches."""
    classes = set()
    for dimension, breakpoints in ((size.width, horizontal), (size.height, vertical)):
        reached = [(at, name) for at, name in breakpoints if dimension >= at]
        if reached:
            classes.add(max(reached)[1])
    return classes


class VrcApp(App[None]):
    """Release console over the first of `connections`; the others are offered by `c`."""

    TITLE = "vrc"
    CSS_PATH = [styles_dir() / name for name in STYLESHEETS]
    COMMANDS = App.COMMANDS | {ActionsProvider}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    BINDINGS = [
        Binding("q", "quit", "quit", tooltip="Quit the console (asks while a write is in flight)", id="quit"),
        # Priority: quits from every widget, an input field too, as terminal users expect.
        Binding("ctrl+c", "quit", "quit", show=False, priority=True, id="quit-ctrl-c"),
        Binding("question_mark", "help", "help", tooltip="Show every key", id="help"),
        Binding("m", "messages", "messages", show=False, tooltip="Recent messages, errors included", id="messages"),
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
        config_path: Path | None = None,
    ) -> None:
        super().__init__()
        # The switcher names the file actually read; without one, the default location the CLI would read.
        self.config_path = config_path if config_path is not None else default_config_path(os.environ)
        self.notices = tuple(notices)
        self.release_settings = release or ReleaseSettings()
        self.connections = (connections,) if isinstance(connections, Connection) else tuple(connections)
        if not self.connections:
            raise ValueError("VrcApp needs at least one connection")
        self.clock = clock
        self.tz = tz
        self.message_log = MessageLog()
        self._collect_after_first_frame = False

    def run(
        self,
        *,
        headless: bool = False,
        inline: bool = False,
        inline_no_clear: bool = False,
        mouse: bool = True,
        size: tuple[int, int] | None = None,
        auto_pilot: AutopilotCallbackType | None = None,
        loop: AbstractEventLoop | None = None,
    ) -> None:
        """Run the console, with the cyclic collector paused until the first frame is drawn.

        Everything built for the first frame (the screen, its widgets and styles) lives as long as
        the app; collecting meanwhile only rescans it (a tenth of the start). `on_ready` ends the
        pause (see tui.collector).
        """
        self._collect_after_first_frame = True
        collector.pause()
        try:
            return super().run(
                headless=headless,
                inline=inline,
                inline_no_clear=inline_no_clear,
                mouse=mouse,
                size=size,
                auto_pilot=auto_pilot,
                loop=loop,
            )
        finally:
            self._resume_collecting()

    def on_ready(self) -> None:
        self._resume_collecting()
        # The first frame is drawn: the repository starts opening now, not after Textual's next
        # refresh, which is a second layout of the whole screen (the widgets' first sizes ask for
        # it): 20-35 ms the demo's artifact list waited for.
        if isinstance(self.screen, MainScreen):
            self.screen.start_pending_connection()

    def _resume_collecting(self) -> None:
        if self._collect_after_first_frame:
            self._collect_after_first_frame = False
            collector.resume()

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
        redacted: messages carry names, reasons and error text. `markup` is accepted and ignored.
        Each is kept for the message log (`m`)."""
        message, title = printable(redact_secrets(message), multiline=True), printable(redact_secrets(title))
        self.message_log.add(LoggedMessage(self.clock(), severity, title, message))
        super().notify(
            message,
            title=title,
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def on_mount(self) -> None:
        for notice in self.notices:  # e.g. a config file others can write
            self.notify(notice, title="Warning", severity="warning", timeout=15)

    def get_default_screen(self) -> Screen[None]:
        screen = MainScreen(self.connections, clock=self.clock, tz=self.tz)
        # Born with the breakpoint classes of the terminal's size: Textual sets them on the first
        # resize, after the screen was styled, and a class change restyles every widget again.
        screen.add_class(
            *breakpoint_classes(self.size, self.HORIZONTAL_BREAKPOINTS or [], self.VERTICAL_BREAKPOINTS or []),
            update=False,  # not styled yet: it is, once, when mounted
        )
        return screen

    @property
    def writes_in_flight(self) -> list[str]:
        """Groups of the workers that are writing to the repository right now."""
        return [w.group for w in self.workers if w.group in WRITE_GROUPS and not w.is_finished]

    async def action_quit(self) -> None:
        """Quit at once, unless a write is in flight: then ask (its outcome would go unseen)."""
        if not self.writes_in_flight:
            self.exit()
            return
        from .modals.confirm import ConfirmModal

        if isinstance(self.screen, ConfirmModal):
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(
            ConfirmModal(
                "Quit while writing?",
                "A write to the repository is in flight; quitting now leaves you without its outcome "
                "(check with R after restarting).",
                confirm_label="Quit",
            ),
            answered,
        )

    def action_messages(self) -> None:
        if not isinstance(self.screen, MessagesScreen):
            self.push_screen(MessagesScreen(self.message_log.messages))

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(key_actions(self.screen)))
