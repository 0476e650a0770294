"""Session-wide safety: --read-only covers every repository, secrets stay out of output, a bad
config is one line and exit 2 (issue 9 items 11-13)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList
from tui_helpers import drive, notifications, settle

from core import Repository
from tui.app import VrcApp
from tui.config import resolve
from tui.modals.switch_repository import SwitchRepositoryModal
from tui.screens.main import MainScreen


def seeded(endpoint: str) -> Repository:
    """A fresh bucket and table on the moto server holding one published artifact."""
    unique = uuid.uuid4().hex[:10]
    repository = Repository(
        aws_region="us-east-1",
        s3_bucket=f"safety-{unique}",
        dynamodb_table_name=f"safety-{unique}",
        endpoint_url=endpoint,
        operator="tester",
        use_sts=False,
    )
    repository.bootstrap()
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
