"""Fast start (issue 8, item 8): what the console does before its first frame and while the demo opens.

pydantic, boto3/botocore and moto (and core's repository, models and planning, which need them) load
in the connecting worker or when a dialog opens, never before the first frame. The cyclic collector
does not rescan what is being built for the app's lifetime, and the footer repaints only when its keys change.
"""

from __future__ import annotations

import gc
import textwrap
import threading
from datetime import UTC
from pathlib import Path

import pytest
from fresh_python import run_python
from textual.pilot import Pilot
from tui_helpers import (
    assert_drawn_as_a_layout_would,
    drive,
    frozen_app,
    notifications,
    record_calls,
    record_refreshes,
    settle,
)

from core import Repository
from core.demo import DEMO_NOW
from tui.__main__ import main
from tui.app import VrcApp
from tui.connection import Connection
from tui.screens.main import MainScreen
from tui.widgets.footer import KeyFooter

HEAVY = (
    "pydantic",
    "boto3",
    "botocore",
    "moto",
    "core.repository",
    "core.models",
    "core.planning",
    "importlib.metadata",
    "tomllib",  # only a config file needs a TOML parser
)


def heavy_in(code: str) -> list[str]:
    """Run `code` in a fresh interpreter; it leaves the module names to check in `modules`."""
    script = textwrap.dedent(code) + f"\nprint('loaded:' + ','.join(m for m in {HEAVY!r} if m in modules))\n"
    result = run_python(script)
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("loaded:"), result.stdout
    return [m for m in last.removeprefix("loaded:").split(",") if m]


def test_the_console_entry_path_imports_nothing_heavy() -> None:
    loaded = heavy_in(
        """
        import sys
        import tui.__main__, tui.app, tui.config
        from tui.config import resolve
        resolve(["--demo"])
        modules = set(sys.modules)
        """
    )
    assert loaded == []


def test_the_first_frame_of_the_console_loads_nothing_heavy() -> None:
    # The main screen composed, mounted and drawn while its connection is still opening (held
    # here): what is loaded by then, every start pays before the user sees anything.
    loaded = heavy_in(
        """
        import asyncio, sys, threading
        from tui.app import VrcApp
        from tui.connection import Connection

        opened = threading.Event()
        modules = set()

        def held():
            opened.wait(30)
            raise RuntimeError("not opened in this test")

        class Probe(VrcApp):
            def on_ready(self) -> None:
                modules.update(sys.modules)

        async def main():
            app = Probe(Connection(name="held", description="held open", open=held))
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.pause()
                assert modules, "no first frame"
                opened.set()

        asyncio.run(main())
        """
    )
    assert loaded == []


def test_opening_a_repository_runs_with_the_collector_paused(demo_repository: Repository) -> None:
    # Opening builds long-lived state (boto3, moto, the seeded demo); the cyclic collector scanning
    # it over and over meanwhile cost a fifth of the demo's start. It is paused, and back on after.
    collecting_while_opening: list[bool] = []

    def open_repository() -> Repository:
        collecting_while_opening.append(gc.isenabled())
        return demo_repository

    async def script(pilot: Pilot[None]) -> None:
        assert getattr(pilot.app.screen, "repository", None) is demo_repository

    assert gc.isenabled()
    drive(frozen_app(Connection(name="demo", description="demo", open=open_repository, demo=True)), script)
    assert collecting_while_opening == [False]
    assert gc.isenabled()


def test_the_repository_starts_opening_when_the_first_frame_is_drawn(demo_repository: Repository) -> None:
    # Not after Textual's next refresh: once the first frame is drawn that is a second layout of the
    # whole screen (the widgets' first sizes ask for it), 20-35 ms the opening would wait for.
    connecting_at_ready: list[bool] = []

    class Probe(VrcApp):
        def on_ready(self) -> None:
            super().on_ready()
            connecting_at_ready.append(any(worker.group == "connect" for worker in self.workers))

    async def script(pilot: Pilot[None]) -> None:
        assert getattr(pilot.app.screen, "repository", None) is demo_repository

    connection = Connection(name="demo", description="demo", open=lambda: demo_repository, demo=True)
    drive(Probe(connection, clock=lambda: DEMO_NOW, tz=UTC), script)
    assert connecting_at_ready == [True]


def test_the_console_collects_no_garbage_until_its_first_frame() -> None:
    # Collecting while the first screen is built only rescans what lives as long as the app (a tenth
    # of the start); once built (and the repository opened) it is frozen and collection resumes.
    script = textwrap.dedent(
        """
        import gc, threading
        from tui.app import VrcApp
        from tui.connection import Connection

        opened = threading.Event()
        seen = {}

        def held():
            opened.wait(30)
            raise RuntimeError("not opened in this test")

        class Probe(VrcApp):
            def on_mount(self) -> None:
                seen["building"] = gc.isenabled()

            def on_ready(self) -> None:
                self.call_after_refresh(self.done)

            def done(self) -> None:
                opened.set()
                self.exit()

        Probe(Connection(name="held", description="held open", open=held)).run(headless=True, size=(120, 40))
        for thread in threading.enumerate():
            if thread is not threading.current_thread():
                thread.join(30)
        print(seen["building"], gc.isenabled(), gc.get_freeze_count() > 0)
        """
    )
    result = run_python(script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-3:] == ["False", "True", "True"]


def test_the_entry_point_imports_and_builds_the_console_with_the_collector_paused() -> None:
    # Textual's and the console's modules live as long as the process; collecting while they load
    # only rescans them (a sixth of the import). Built, not run: App.run does nothing here.
    script = textwrap.dedent(
        """
        import gc, sys
        import textual.app

        textual.app.App.run = lambda self, **options: None
        seen = []

        class Spy:
            def find_spec(self, name, path=None, target=None):
                if name == "tui.app":
                    seen.append(gc.isenabled())
                return None

        sys.meta_path.insert(0, Spy())
        from tui.__main__ import main

        frozen = gc.get_freeze_count()
        code = main(["--bucket", "b", "--table", "t", "--region", "eu-west-1"])
        print(code, seen, gc.isenabled(), gc.get_freeze_count() > frozen)
        """
    )
    result = run_python(script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "[False]", "True", "True"]


@pytest.mark.parametrize(
    ("environment", "cap", "warning"),
    [
        ({}, "120", ""),
        ({"TEXTUAL_FPS": "30"}, "30", ""),
        ({"TEXTUAL_FPS": "fast"}, "120", "vrc: warning: TEXTUAL_FPS='fast' is not a whole number"),
        ({"TEXTUAL_FPS": "0"}, "120", "vrc: warning: TEXTUAL_FPS='0' is not a whole number"),
    ],
)
def test_the_entry_point_caps_frames_at_120_a_second_before_textual_reads_the_cap_unless_the_environment_did(
    environment: dict[str, str], cap: str, warning: str
) -> None:
    # At Textual's default cap (60) a key that follows a frame ending an idle spell waits 17-33 ms
    # for its frame; at 120, 8-17 ms. Textual reads TEXTUAL_FPS once, when it is imported.
    script = """
        import os, sys

        class Built(Exception):
            pass

        class Spy:
            def find_spec(self, name, path=None, target=None):
                if name == "tui.app":  # main imports the console: stop before it runs
                    raise Built(os.environ.get("TEXTUAL_FPS"), "textual" in sys.modules)
                return None

        sys.meta_path.insert(0, Spy())
        from tui.__main__ import main

        try:
            main(["--bucket", "b", "--table", "t", "--region", "eu-west-1"])
        except Built as built:
            print(*built.args)
        """
    result = run_python(script, **environment)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [cap, "False"]
    assert result.stderr.startswith(warning) and (warning or not result.stderr), result.stderr
    honoured = run_python("import textual.screen as s; print(round(1 / s.UPDATE_PERIOD))", TEXTUAL_FPS=cap)
    assert honoured.stdout.split() == [cap], honoured.stderr


def test_collector_pauses_nest_and_the_last_resume_freezes() -> None:
    from tui import collector

    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    try:
        with collector.paused():
            collector.pause()
            assert not gc.isenabled()
            collector.resume()
            assert not gc.isenabled(), "an inner pause must not end the outer one"
            built = [[i] for i in range(3)]  # tracked by the collector: frozen at the end
            assert built
        assert gc.isenabled()
        assert gc.get_freeze_count() > frozen
    finally:
        gc.unfreeze()
        gc.enable()


@pytest.mark.parametrize(("size", "classes"), [((120, 40), {"-wide", "-tall"}), ((80, 24), {"-narrow", "-short"})])
def test_the_main_screen_is_styled_once_with_its_breakpoint_classes_before_the_first_frame(
    demo_repository: Repository, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int], classes: set[str]
) -> None:
    # Textual sets the breakpoint classes on the first resize, after the screen was styled, and a
    # class change restyles every widget of the screen again (a tenth of the start).
    from textual.dom import DOMNode

    restyles = record_calls(
        monkeypatch,
        DOMNode,
        "update_node_styles",
        lambda self, *_, **__: self if isinstance(self, MainScreen) else None,
    )

    async def script(pilot: Pilot[None]) -> None:
        assert classes <= set(pilot.app.screen.classes)
        assert len(restyles) == 1, "restyled once, as Textual does on showing a screen"

    drive(frozen_app(Connection.of(demo_repository, name="demo", demo=True)), script, size=size)


def test_the_empty_lists_sized_to_their_view_once_laid_out_lay_nothing_out_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each list learns its height from its first resize, after the first layout, and sizes its
    # scroll range to it: that laid the whole screen out again while the repository was opening.
    from tui.widgets.rows import VirtualRows

    # Noted by id once the list has a height; before its first layout it has none.
    refreshes = record_refreshes(monkeypatch, VirtualRows, lambda rows: rows.id if rows.size.height else "")
    opened = threading.Event()

    def held() -> Repository:
        opened.wait(30)
        raise RuntimeError("not opened in this test")

    async def script(pilot: Pilot[None]) -> None:
        try:
            await pilot.pause()
            await pilot.pause()
            tables = list(pilot.app.screen.query(VirtualRows))
            assert len(tables) == 3 and all(table.virtual_size.height == table.size.height > 1 for table in tables)
            assert [laid_out for laid_out, layout in refreshes if layout and laid_out] == []
        finally:
            opened.set()

    drive(frozen_app(Connection(name="held", description="held open", open=held)), script, wait=False)


def test_breakpoint_classes_name_the_highest_breakpoint_reached_on_each_axis() -> None:
    from textual.geometry import Size

    from tui.app import VrcApp, breakpoint_classes

    horizontal, vertical = VrcApp.HORIZONTAL_BREAKPOINTS, VrcApp.VERTICAL_BREAKPOINTS
    assert breakpoint_classes(Size(99, 31), horizontal, vertical) == {"-narrow", "-short"}
    assert breakpoint_classes(Size(100, 32), horizontal, vertical) == {"-wide", "-tall"}
    assert breakpoint_classes(Size(5, 5), [(10, "-big")], []) == set()


def test_the_footer_repaints_its_line_only_when_the_keys_it_shows_change(
    demo_repository: Repository, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Textual's Footer unmounts and mounts a widget per key, restyles and lays them out, on every
    # refresh_bindings() (10-20 ms, and the focus moves into and out of a filter box with each `/`).
    # The main screen's footer is one line: same keys, nothing; other keys, one repaint, no layout.
    footers = record_refreshes(monkeypatch, KeyFooter)

    async def script(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen)
        footer = screen.query_one(KeyFooter)
        keys = [key.text for key in footer.keys]
        assert "/ filter" in keys and "q quit" in keys
        before = len(footers)
        for _ in range(3):
            screen.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert footers[before:] == [], "the same keys: nothing repainted"

        screen.aliases.table.focus()  # the alias pane's keys differ from the artifact list's
        for _ in range(3):
            screen.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert [layout for _, layout in footers[before:]] == [False], "one paint, no layout"
        assert "b rollback" in [key.text for key in footer.keys] and "b rollback" not in keys
        assert len(footer.children) == 0, "one widget, no widget per key"

    drive(frozen_app(Connection.of(demo_repository, name="demo", demo=True)), script)


class StandInServer:
    """Stands in for core.demo_server.DemoServer: fails to start, or serves `repository`."""

    def __init__(self, repository: Repository | None) -> None:
        self.served = repository
        self.failed = False

    def repository(self, read_only: bool = False) -> Repository:
        if self.served is None:
            self.failed = True
            from core.demo_server import DemoServerError

            raise DemoServerError("the demo server did not start: OSError: [Errno 98] Address already in use")
        return self.served


def test_the_demo_opened_first_starts_its_server_while_the_console_loads(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tui import config

    spawned: list[StandInServer] = []
    monkeypatch.setattr(config, "spawn_demo_server", lambda: spawned.append(StandInServer(None)) or spawned[-1])
    launch = config.resolve(["--demo"], {"XDG_CONFIG_HOME": str(tmp_path)})
    assert len(spawned) == 1, "started by resolve(), before the app is built"
    launch = config.resolve(["--bucket", "b"], {"XDG_CONFIG_HOME": str(tmp_path)})
    assert [connection.demo for connection in launch.connections] == [False, True]
    assert len(spawned) == 1, "a demo offered by `c` starts only when chosen"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert main(["ls"]) != 0  # a command without a repository: refused, and no demo started for it
    assert len(spawned) == 1


def test_a_demo_that_cannot_start_says_why_and_r_starts_it_again(
    demo_repository: Repository, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tui import config

    servers = [StandInServer(None), StandInServer(demo_repository)]
    monkeypatch.setattr(config, "spawn_demo_server", lambda: servers.pop(0))
    launch = config.resolve(["--demo"], {"XDG_CONFIG_HOME": str(tmp_path)})

    async def script(pilot: Pilot[None]) -> None:
        await settle(pilot)
        assert any(
            "the demo server did not start: OSError: [Errno 98] Address already in use" in text
            for text in notifications(pilot.app)
        ), notifications(pilot.app)
        await pilot.press("R")
        await settle(pilot)
        assert getattr(pilot.app.screen, "repository", None) is demo_repository
        assert not servers, "R spawned a new server"

    drive(frozen_app(*launch.connections), script)


def test_a_busy_pane_redraws_its_title_only_when_the_text_changes(
    demo_repository: Repository, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The loading ticker fires four times a second; each redraw was a frame while the repository opens.
    from textual.widgets import Label

    from tui.widgets.artifacts import ArtifactPane

    updates = record_calls(
        monkeypatch, Label, "update", lambda label, text, *_, **__: str(text) if label.has_class("pane-title") else None
    )

    async def script(pilot: Pilot[None]) -> None:
        pane = pilot.app.screen.query_one(ArtifactPane)
        pane.set_busy(True)
        before = len(updates)
        for _ in range(3):
            pane._update_title()  # what the ticker calls
        assert len(updates) == before, "same text, no redraw"
        pane.note = "something else"
        assert len(updates) == before + 1 and "something else" in str(updates[-1])

    drive(frozen_app(Connection.of(demo_repository, name="demo", demo=True)), script)


def test_the_status_bar_says_connecting_loading_and_connected_without_laying_the_screen_out(
    demo_repository: Repository, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Label.update lays the whole screen out by default; the bar's one-line labels have a fixed
    # size, so opening the repository, each load and each second counted only repaint them.
    from textual.widgets import Label

    refreshes = record_refreshes(monkeypatch, Label, lambda label: label.id)

    async def script(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen) and screen.status.state_text.endswith("connected")
        refreshes.clear()  # the first layout sizes every widget: that is the first frame's work
        screen.open_connection(screen.connection)  # connecting, loading, who, where, connected
        await settle(pilot)
        screen.reload()
        await settle(pilot)
        screen.status.show_error("Load failed", "the endpoint did not answer")
        await settle(pilot)
        assert "Load failed" in screen.status.hint_text and screen.status.state_text.endswith("connected")
        status_labels = {"location", "hint", "connection-state"}
        assert [label for label, layout in refreshes if layout and label in status_labels] == []
        await assert_drawn_as_a_layout_would(pilot)

    drive(frozen_app(Connection.of(demo_repository, name="demo", demo=True)), script)


def test_moving_through_artifacts_clears_the_record_panes_once_not_per_key(
    demo_repository: Repository, monkeypatch: pytest.MonkeyPatch
) -> None:
    # While the cursor moves faster than REST_SECONDS the panes stay empty; emptying them again on
    # every key repainted both tables and posted their highlight and in-view messages each time.
    from tui.widgets.rows import VirtualRows

    def emptied(table: VirtualRows, rows: list[str], keep: str | None) -> str | None:
        return table.id if not rows and table.id in ("version-table", "alias-table") else None

    cleared = record_calls(monkeypatch, VirtualRows, "set_rows", emptied)

    async def script(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen) and screen.versions.records
        for _ in range(3):
            screen.artifacts.table.move_cursor(screen.artifacts.table.cursor_row + 1)
            await pilot.pause(0)  # the panes switch after the frame that answers the move
            await pilot.pause(0)
        assert screen.selected_name == screen.artifacts.current
        assert sorted(map(str, cleared)) == ["alias-table", "version-table"], cleared
        await settle(pilot)
        assert screen.versions.artifact_name == screen.selected_name and screen.versions.records

    drive(frozen_app(Connection.of(demo_repository, name="demo", demo=True)), script)


def test_typing_a_filter_that_fits_its_box_asks_for_no_layout(
    demo_repository: Repository, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Textual's Input sizes its scrollable width to the text, so each keystroke changed it and laid
    # the whole screen out again; the filter keeps it at least as wide as the box.
    from tui.widgets.artifacts import ArtifactFilter

    refreshes = record_refreshes(monkeypatch, ArtifactFilter, lambda box: box.value)

    async def script(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen)
        await pilot.press("slash", "r")  # (the box is sized as it is shown: see test_artifact_list)
        refreshes.clear()
        await pilot.press(*"ules", "backspace", "backspace")
        await settle(pilot)
        assert screen.artifacts.filter_input.value == "rul"
        assert [value for value, layout in refreshes if layout] == [], refreshes
        long = "x" * (screen.artifacts.filter_input.size.width + 5)
        screen.artifacts.filter_input.value = long  # longer than the box: it scrolls, as Input does
        await settle(pilot)
        assert screen.artifacts.filter_input.virtual_size.width > screen.artifacts.filter_input.size.width

    drive(frozen_app(Connection.of(demo_repository, name="demo", demo=True)), script)
