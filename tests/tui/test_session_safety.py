"""Session-wide safety: --read-only covers every repository, secrets stay out of output, a bad
config is one line and exit 2 (issue 9 items 11-13)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList
from tui_helpers import drive, fresh_repository, notifications, settle

from core import Repository
from tui.app import VrcApp
from tui.config import resolve
from tui.modals.switch_repository import SwitchRepositoryModal
from tui.screens.main import MainScreen


def seeded(endpoint: str) -> Repository:
    """A fresh bucket and table on the moto server holding one published artifact."""
    repository = fresh_repository(endpoint, "safety")
    repository.put_artifact("model", b"weights")
    repository.publish_artifact_version("model")
    return repository


def two_repositories(tmp_path: Path, one: Repository, two: Repository) -> Path:
    path = tmp_path / "two.toml"
    path.write_text(
        'default = "one"\n'
        + "".join(
            f'[repositories.{name}]\nbucket = "{repo.s3_bucket}"\ntable = "{repo.dynamodb_table_name}"\n'
            f'region = "us-east-1"\nendpoint_url = "{repo.endpoint_url}"\n'
            for name, repo in (("one", one), ("two", two))
        )
    )
    path.chmod(0o600)
    return path


# --- item 11: --read-only covers every repository of the session --------------------------------


def test_read_only_flag_covers_every_configured_repository(tmp_path: Path, moto_server: str) -> None:
    path = two_repositories(tmp_path, seeded(moto_server), seeded(moto_server))
    launch = resolve(["--config", str(path), "--read-only"], {"HOME": str(tmp_path)})
    assert [(c.name, c.read_only) for c in launch.connections] == [("one", True), ("two", True), ("demo", True)]


def test_switching_repository_keeps_read_only_and_x_y_writes_nothing(tmp_path: Path, moto_server: str) -> None:
    one, two = seeded(moto_server), seeded(moto_server)
    path = two_repositories(tmp_path, one, two)
    launch = resolve(["--config", str(path), "--read-only"], {"HOME": str(tmp_path)})
    app = VrcApp(launch.connections, release=launch.release)

    async def script(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen)
        await pilot.press("c")
        modal = pilot.app.screen
        assert isinstance(modal, SwitchRepositoryModal)
        prompts = [str(option.prompt) for option in modal.query_one(OptionList).options]
        assert all("read-only" in prompt for prompt in prompts), prompts
        await pilot.press("down", "enter")
        await settle(pilot)
        assert screen.connection.name == "two"
        assert screen.read_only and screen.query_one("#read-only-badge").display
        screen.versions.table.focus()
        await pilot.pause()
        await pilot.press("x", "y")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MainScreen)
        assert any("open read-only" in text for text in notifications(pilot.app))

    drive(app, script)
    assert [a.version for a in two.list_artifact_versions("model")] == ["LATEST", "1"]
    assert [a.version for a in one.list_artifact_versions("model")] == ["LATEST", "1"]


# --- item 12: secrets in output ------------------------------------------------------------------

SECRET_ENDPOINT = "http://alice:s3cr3t-pw@127.0.0.1:1"


def test_console_never_shows_the_endpoint_password(tmp_path: Path) -> None:
    launch = resolve(["--bucket", "b", "--endpoint-url", SECRET_ENDPOINT], {"HOME": str(tmp_path)})
    assert "s3cr3t" not in launch.initial.description
    app = VrcApp(launch.connections, release=launch.release)

    async def script(pilot: Pilot[None]) -> None:
        await settle(pilot)
        shown = pilot.app.export_screenshot() + "\n".join(notifications(pilot.app))
        assert "Could not" in shown or notifications(pilot.app)
        assert "s3cr3t" not in shown and "alice" not in shown

    drive(app, script, size=(200, 40))


def test_a_config_file_writable_by_others_gives_a_one_line_warning(
    tmp_path: Path, moto_server: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.__main__ import main

    path = two_repositories(tmp_path, seeded(moto_server), seeded(moto_server))
    assert resolve(["--config", str(path)], {"HOME": str(tmp_path)}).warnings == ()
    path.chmod(0o666)
    warnings = resolve(["--config", str(path)], {"HOME": str(tmp_path)}).warnings
    assert len(warnings) == 1 and "writable by group or others" in warnings[0] and str(path) in warnings[0]
    monkeypatch.setattr(VrcApp, "run", lambda self: None)
    assert main(["--config", str(path)]) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("vrc: warning: ") and "chmod" in err


# --- item 13: config errors are one line and exit 2 ---------------------------------------------

BAD_CONFIGS = [
    ('default = ["a"]\n[repositories.a]\nbucket = "b"\n', "default"),
    ('default = {x = 1}\n[repositories.a]\nbucket = "b"\n', "default"),
    ('[repositories.a]\nbucket = {name = "b"}\n', "bucket"),
    ('[repositories.a]\nbucket = "b"\nregion = ["eu-west-1"]\n', "region"),
    ('[repositories.a]\nbucket = "b"\nread_only = "yes"\n', "read_only"),
    ('[repositories.a]\nbucket = "b"\nbukcet = "c"\n', "bukcet"),
    ('colour = "blue"\n', "colour"),
    ('repositories = "a"\n', "repositories"),
    ('[repositories.a]\nprefix = "p"\n', "bucket"),
    ("protected_aliases = [1, 2]\n", "protected_aliases"),
    ("protected_aliases = {a = 1}\n", "protected_aliases"),
    ("read_timeout = -1\n", "read_timeout"),
    ('max_attempts = "many"\n', "max_attempts"),
    ("x = " + "[" * 2000 + "]" * 2000 + "\n", "config"),
    ("[repositories.a]\nbucket = 'b'\nendpoint_url = 'ftp://alice:s3cr3t@h'\n", "endpoint_url"),
]


@pytest.mark.parametrize(("text", "named"), BAD_CONFIGS)
def test_every_bad_config_is_one_line_naming_the_key_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, named: str
) -> None:
    from tui.__main__ import main

    path = tmp_path / "config.toml"
    path.write_text(text)
    path.chmod(0o600)
    assert main(["--config", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("vrc: ") and captured.err.count("\n") == 1, captured.err
    assert named in captured.err and "Traceback" not in captured.err
    assert "s3cr3t" not in captured.err


# --- issue 10 item 5: no wait longer than the deadline ------------------------------------------


def test_a_silent_endpoint_shows_an_error_within_the_deadline_and_keys_keep_working(silent_endpoint: str) -> None:
    import asyncio
    import time

    from core import Deadline, connect
    from tui.connection import Connection
    from tui.screens.help import HelpScreen

    deadline = Deadline(connect_timeout=1, read_timeout=1, attempts=1)
    repository = connect(bucket="b", region="us-east-1", endpoint_url=silent_endpoint, deadline=deadline)
    app = VrcApp(Connection.of(repository, name="silent"))

    async def script(pilot: Pilot[None]) -> None:
        started = time.monotonic()
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen)
        while not notifications(pilot.app) and time.monotonic() - started < 30:
            await asyncio.sleep(0.05)
        elapsed = time.monotonic() - started
        assert elapsed <= deadline.worst_case + 1.5, f"error shown after {elapsed:.1f}s"
        assert any("within the deadline" in text for text in notifications(pilot.app))
        assert "error" in screen.status.state_text
        await pilot.press("question_mark")
        assert isinstance(pilot.app.screen, HelpScreen)
        await pilot.press("escape")
        assert pilot.app.screen is screen
        await pilot.press("R")  # retries, and fails again within the deadline
        await settle(pilot)
        assert sum("within the deadline" in text for text in notifications(pilot.app)) == 2

    drive(app, script, wait=False)


def test_loading_shows_elapsed_seconds() -> None:
    import asyncio

    from tui_helpers import BlockingRepository

    from tui.connection import Connection

    repository = BlockingRepository()
    app = VrcApp(Connection.of(repository, name="slow"))

    async def script(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen)
        await asyncio.sleep(2.3)
        await pilot.pause()
        shown = re.fullmatch(r"◌ (connecting|loading)… (\d+)s", screen.status.state_text)
        assert shown is not None and int(shown.group(2)) >= 2, screen.status.state_text
        repository.release.set()
        await settle(pilot)
        assert screen.status.state_text == "● connected"

    drive(app, script, wait=False)
