"""A slow or dead endpoint: loading state, then an error with core's message; keys keep working."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from textual.pilot import Pilot
from tui_helpers import BlockingRepository, drive, frozen_app, notifications, settle

from core.errors import EndpointUnreachableError
from tui.config import RepositorySpec, repository_connection
from tui.connection import Connection
from tui.screens.help import HelpScreen
from tui.screens.main import MainScreen


@pytest.fixture
def blocking() -> Iterator[BlockingRepository]:
    repository = BlockingRepository()
    try:
        yield repository
    finally:
        repository.release.set()  # never leave a worker thread waiting after the test


def test_slow_endpoint_shows_loading_while_keys_keep_working(blocking: BlockingRepository) -> None:
    app = frozen_app(Connection.of(blocking, name="slow"))

    async def script(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen)
        # The connection opens after the first frame; the names listing then blocks.
        for _ in range(500):
            if "connecting" not in screen.status.state_text:
                break
            await pilot.pause(0.01)
        assert screen.artifacts.busy
        assert "loading" in screen.status.state_text
        await pilot.press("question_mark")
        assert isinstance(pilot.app.screen, HelpScreen)
        await pilot.press("escape", "tab", "tab")
        assert pilot.app.focused is screen.aliases.table
        await pilot.press("slash", "l")
        assert screen.artifacts.filter_input.value == "l"

        blocking.release.set()
        await settle(pilot)
        assert not screen.artifacts.busy
        assert list(screen.artifacts.shown) == ["alpha"]  # the filter typed meanwhile applies
        assert "● connected" in screen.status.state_text

    drive(app, script, size=(80, 24), wait=False)  # not settled: the workers block on purpose


def test_dead_endpoint_turns_loading_into_an_error_and_refresh_retries(
    blocking: BlockingRepository,
) -> None:
    app = frozen_app(Connection.of(blocking, name="slow"))
    message = "list_artifact_names: cannot reach http://127.0.0.1:9: connection refused"

    async def script(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen)
        assert screen.artifacts.busy
        blocking.fail_with(EndpointUnreachableError(message))
        await settle(pilot)
        assert message in notifications(pilot.app)
        assert screen.artifacts.note.startswith("⚠")
        assert not screen.artifacts.busy
        assert "error" in screen.status.state_text

        blocking.error = None
        await pilot.press("R")
        await settle(pilot)
        assert list(screen.artifacts.shown) == ["alpha", "beta"]
        assert screen.artifacts.note == ""
        assert "● connected" in screen.status.state_text

    drive(app, script, size=(80, 24), wait=False)


def test_unexpected_exceptions_are_notified_not_raised(blocking: BlockingRepository) -> None:
    app = frozen_app(Connection.of(blocking, name="slow"))
    blocking.fail_with(RuntimeError("boom"))

    async def script(pilot: Pilot[None]) -> None:
        assert "RuntimeError: boom" in notifications(pilot.app)
        assert pilot.app.is_running

    drive(app, script, size=(80, 24))


def test_connection_that_fails_to_open_can_be_retried() -> None:
    attempts: list[int] = []
    blocking = BlockingRepository()
    blocking.release.set()

    def open_repository() -> BlockingRepository:
        attempts.append(1)
        if len(attempts) == 1:
            raise EndpointUnreachableError("cannot reach http://127.0.0.1:9")
        return blocking

    connection = Connection(name="flaky", description="flaky", open=open_repository)

    async def script(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen)
        assert "cannot reach http://127.0.0.1:9" in notifications(pilot.app)
        assert "not connected" in screen.artifacts.note
        await pilot.press("R")
        await settle(pilot)
        assert list(screen.artifacts.shown) == ["alpha", "beta"]

    drive(frozen_app(connection), script, size=(80, 24))


@pytest.fixture
def moto_server_to_stop() -> Iterator[tuple[str, object]]:
    """A moto server of this test's own on 127.0.0.1, so the test may stop it."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    stopped = False

    def stop() -> None:
        nonlocal stopped
        if not stopped:
            stopped = True
            server.stop()
            server._server.server_close()  # refuse connections instead of leaving them hanging

    try:
        yield f"http://{host}:{port}", stop
    finally:
        stop()


def test_moto_server_stopped_mid_session(moto_server_to_stop: tuple[str, object]) -> None:
    endpoint, stop = moto_server_to_stop
    spec = RepositorySpec(
        name="local",
        bucket="tui-resilience",
        table="tui-resilience",
        region="us-east-1",
        endpoint_url=endpoint,
    )
    connection = repository_connection(spec)
    repository = connection.open()
    repository.bootstrap()
    repository.put_artifact("served", b"bytes", content_type="text/plain")
    repository.publish_artifact_version("served")

    async def script(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen)
        assert list(screen.artifacts.shown) == ["served"]
        assert [view.artifact.version for view in screen.versions.views] == ["LATEST", "1"]
        stop()  # type: ignore[operator]
        await pilot.press("R")
        await pilot.press("question_mark")  # keys work while the reload fails
        assert isinstance(pilot.app.screen, HelpScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert any("cannot reach" in text and endpoint in text for text in notifications(pilot.app))
        assert screen.artifacts.note.startswith("⚠")
        assert "error" in screen.status.state_text
        assert list(screen.artifacts.shown) == ["served"]  # what was shown stays shown

    drive(frozen_app(connection), script, size=(80, 24))
