"""Fixtures for the console: a fresh seeded demo repository and an app factory with a frozen clock."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from tui_helpers import MakeApp, frozen_app

from core import Repository
from core.demo import start_demo, stop_demo
from tui.app import VrcApp
from tui.connection import Connection


@pytest.fixture
def demo_repository(boto_session: object) -> Iterator[Repository]:
    """The seeded demo (moto in-process); fresh for every test because tests write to it."""
    repository = start_demo(boto_session=boto_session)
    try:
        yield repository
    finally:
        stop_demo()


@pytest.fixture
def make_app(demo_repository: Repository) -> MakeApp:
    """make_app(read_only=False) -> a VrcApp over the demo repository."""

    def make(*, read_only: bool = False) -> VrcApp:
        repository = demo_repository
        if read_only:
            repository = dataclasses.replace(demo_repository, read_only=True)
        return frozen_app(Connection.of(repository, name="demo", demo=True))

    return make
