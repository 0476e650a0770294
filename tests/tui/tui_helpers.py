"""Helpers shared by the console tests: drive an app, wait for its workers, a blocking core double."""

from __future__ import annotations

import asyncio
import os
import threading
import time
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any, NoReturn, TypeVar, cast

from pytest import MonkeyPatch
from textual import events
from textual.app import App
from textual.keys import KEY_NAME_REPLACEMENTS, REPLACED_KEYS, key_to_character
from textual.pilot import Pilot
from textual.worker import Worker

if TYPE_CHECKING:
    from core.errors import IntegrityError
    from core.models import Alias, AliasEvent, Artifact, Problem, VersionView
    from core.planning import OutsideChange
    from core.repository import Content, PurgeResult, Repository
    from tui.app import VrcApp
    from tui.connection import Connection

Script = Callable[[Pilot[None]], Awaitable[None]]
MakeApp = Callable[..., "VrcApp"]
T = TypeVar("T")


# Seconds `QuietPilot` waits for running workers after a key or a pause, as Textual's pilot does
# at most (its idle wait's `max_sleep`); workers that use no CPU (blocked) end the wait earlier.
WORKER_WAIT = 1.0
IDLE_WINDOW = 0.02  # seconds: a window with less than 1 ms of process CPU means running workers are blocked


def _queued(app: App[None]) -> bool:
    """Does any message pump of the app or of a screen on its stack hold a message?"""
    if app.message_queue_size:
        return True
    return any(node.message_queue_size for screen in app.screen_stack for node in screen.walk_children(with_self=True))


async def _wait_for_workers(running: list[Worker[object]], limit: float | None) -> bool:
    """Wait for `running`: until they finish (`limit` None), or until `limit` s pass or they all
    block; whether they all finished."""
    waiter = asyncio.ensure_future(asyncio.gather(*(worker.wait() for worker in running), return_exceptions=True))
    if limit is None:
        await waiter  # a failed worker is shown by the app as a notification; tests assert on that
        return True
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not waiter.done() and loop.time() < deadline:
        cpu = time.process_time()
        await asyncio.wait([waiter], timeout=IDLE_WINDOW)
        if time.process_time() - cpu < 0.001:
            break  # nothing is working: the workers wait on something the test will provide
    return all(worker.is_finished for worker in running)


async def quiet(pilot: Pilot[None], *, workers: float | None = WORKER_WAIT) -> None:
    """Return once the app is quiet: no message queued anywhere, twice running, and no worker running.

    Textual's pilot waits for "idle" by sleeping 20 ms windows until the process uses under 1 ms of
    CPU in one: at least 40 ms per key, and a window repeats whenever the app did any work in it.
    Watching the message queues (public `message_queue_size`) answers the same question directly.
    `workers`: at most this many seconds for running workers (None: until they finish).
    """
    app = pilot.app
    calm = 0
    for _ in range(10_000):
        await Pilot.pause(pilot, 0)  # handles what is queued now and runs the screen's pending update
        running = [worker for worker in app.workers if not worker.is_finished]
        if running:
            if not await _wait_for_workers(running, workers):
                return  # blocked or still running after the limit, as Textual's pilot would return
            calm = 0
            continue
        calm = 0 if _queued(app) else calm + 1
        if calm == 2:
            return
    raise AssertionError("messages kept coming; the app never went quiet")


def key_event(key: str) -> events.Key:
    """The Key event Textual's pilot sends for `key` (a key name, or one character)."""
    if len(key) == 1 and not key.isalnum():
        name = unicodedata.name(key).lower().replace("-", "_").replace(" ", "_")
        key = KEY_NAME_REPLACEMENTS.get(name, name)
    return events.Key(key, key_to_character(REPLACED_KEYS.get(key, key)))


class QuietPilot(Pilot[None]):
    """Textual's pilot, but a key press or `pause()` waits until the app is quiet (see `quiet`)."""

    async def press(self, *keys: str) -> None:
        for key in keys:
            event = key_event(key)
            event.set_sender(self.app)
            self.app.post_message(event)  # what the driver does with a key read from the terminal
            await quiet(self)

    async def pause(self, delay: float | None = None) -> None:
        if delay is None:
            await quiet(self)
        else:
            await super().pause(delay)


async def settle(pilot: Pilot[None]) -> None:
    """Wait until no worker runs and the messages they posted have been handled."""
    await quiet(pilot, workers=None)


async def assert_drawn_as_a_layout_would(pilot: Pilot[None]) -> None:
    """The screen as drawn is what a full layout of it draws: an update that skipped the layout
    left nothing stale (a scrollbar, a label's size)."""
    drawn = pilot.app.export_screenshot()
    pilot.app.screen.refresh(layout=True)
    await settle(pilot)
    assert pilot.app.export_screenshot() == drawn


def record_calls(
    monkeypatch: MonkeyPatch, owner: type, method: str, note: Callable[..., object | None]
) -> list[object]:
    """Wrap `owner.method` for the test: each call still runs, and what `note(self, *args, **kwargs)`
    returns for it (None: nothing) is appended to the returned list."""
    seen: list[object] = []
    original = getattr(owner, method)

    def recorded(self: object, *args: object, **kwargs: object) -> object:
        item = note(self, *args, **kwargs)
        if item is not None:
            seen.append(item)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(owner, method, recorded)
    return seen


def record_refreshes(
    monkeypatch: MonkeyPatch, kind: type, note: Callable[[Any], object] = lambda widget: widget
) -> list[tuple[object, bool]]:
    """Each `Widget.refresh` of a `kind` widget, as (`note(widget)` at the call, whether it asked for a layout)."""
    from textual.widget import Widget

    seen = record_calls(
        monkeypatch,
        Widget,
        "refresh",
        lambda widget, *_, layout=False, **__: (note(widget), layout) if isinstance(widget, kind) else None,
    )
    return cast("list[tuple[object, bool]]", seen)  # what the note above appends


def drive(app: App[None], script: Script, size: tuple[int, int] = (120, 40), *, wait: bool = True) -> None:
    """Run `app` headless at `size`, settle (unless `wait` is False), then run `script` with a QuietPilot."""

    async def main() -> None:
        async with app.run_test(size=size):
            pilot = QuietPilot(app)
            await (settle(pilot) if wait else pilot.pause())
            await script(pilot)

    asyncio.run(main())


def frozen_app(*connections: Connection) -> VrcApp:
    """The app as the CLI builds it, but with "now" frozen at DEMO_NOW and times shown in UTC."""
    from datetime import UTC

    from core.demo import DEMO_NOW
    from tui.app import VrcApp

    return VrcApp(connections, clock=lambda: DEMO_NOW, tz=UTC)


def notifications(app: App[None]) -> list[str]:
    """Every message the app notified (the console keeps them for its message log)."""
    return [logged.message for logged in app.message_log.messages]  # type: ignore[attr-defined]


def fresh_repository(endpoint: str, prefix: str, *, operator: str = "tester") -> Repository:
    """A bootstrapped repository with its own bucket and table on the moto server at `endpoint`."""
    import uuid

    from core import Repository

    suffix = uuid.uuid4().hex[:10]
    repository = Repository(
        aws_region="us-east-1",
        s3_bucket=f"{prefix}-{suffix}",
        dynamodb_table_name=f"{prefix}-{suffix}",
        endpoint_url=endpoint,
        operator=operator,
        use_sts=False,
    )
    repository.bootstrap()
    return repository


class StandIn:
    """A core double's base: every `tui.ports.RepositoryPort` call fails the test unless a subclass answers it.

    mypy checks the doubles against the port (pyproject's [tool.mypy] files), so a double stays in step
    with what the console calls.
    """

    read_only = False

    def location(self) -> str:
        return f"{type(self).__name__} (a test double)"

    def _unexpected(self, method: str) -> NoReturn:
        raise AssertionError(f"{type(self).__name__} does not answer {method}: this test did not expect the call")

    def caller_identity(self) -> str:
        self._unexpected("caller_identity")

    def list_artifact_names(self) -> list[str]:
        self._unexpected("list_artifact_names")

    def list_artifact_versions(self, name: str) -> list[Artifact]:
        self._unexpected("list_artifact_versions")

    def list_versions_with_aliases(self, name: str) -> list[VersionView]:
        self._unexpected("list_versions_with_aliases")

    def list_versions_and_aliases(self, name: str) -> tuple[list[VersionView], list[Alias]]:
        self._unexpected("list_versions_and_aliases")

    def get_artifact_version(self, name: str, version: int | str | None = None) -> Artifact:
        self._unexpected("get_artifact_version")

    def head_version(self, artifact: Artifact) -> Artifact:
        self._unexpected("head_version")

    def verify_object(self, artifact: Artifact) -> Artifact:
        self._unexpected("verify_object")

    def verify_objects(self, artifacts: Sequence[Artifact]) -> list[Artifact | IntegrityError]:
        self._unexpected("verify_objects")

    def list_aliases(self, name: str) -> list[Alias]:
        self._unexpected("list_aliases")

    def get_alias(self, name: str, alias: str) -> Alias:
        self._unexpected("get_alias")

    def alias_outside_change(self, name: str, alias: str) -> OutsideChange | None:
        self._unexpected("alias_outside_change")

    def list_alias_history(self, name: str, alias: str, limit: int = 50) -> list[AliasEvent]:
        self._unexpected("list_alias_history")

    def check(self, name: str | None = None) -> list[Problem]:
        self._unexpected("check")

    def download(
        self, name: str, version: int | str | None, path_or_file: str | os.PathLike[str] | IO[bytes]
    ) -> Artifact:
        self._unexpected("download")

    def put_artifact(
        self,
        name: str,
        content: Content,
        content_type: str | None = None,
        metadata: dict[str, str] | None = None,
        tags: dict[str, str] | None = None,
    ) -> Artifact:
        self._unexpected("put_artifact")

    def publish_artifact_version(self, name: str, expected_sha256: str | None = None) -> Artifact:
        self._unexpected("publish_artifact_version")

    def delete_artifact_version(self, name: str, version: int | str | None = None) -> None:
        self._unexpected("delete_artifact_version")

    def purge_artifact_versions(
        self, name: str, keep_last_n: int = 10, purge_older_than_secs: int = 90 * 24 * 60 * 60
    ) -> PurgeResult:
        self._unexpected("purge_artifact_versions")

    def put_alias(
        self,
        name: str,
        alias: str,
        version: int | str | None = None,
        secondary_version: int | str | None = None,
        secondary_version_weight: int | None = None,
        expected_revision: int | None = None,
        reason: str | None = None,
        *,
        override_freeze_reason: str | None = None,
    ) -> Alias:
        self._unexpected("put_alias")

    def rollback_alias(
        self,
        name: str,
        alias: str,
        to_revision: int | None = None,
        expected_revision: int | None = None,
        reason: str | None = None,
        *,
        override_freeze_reason: str | None = None,
    ) -> Alias | None:
        self._unexpected("rollback_alias")

    def freeze(
        self, name: str, alias: str, reason: str, until: datetime, expected_revision: int | None = None
    ) -> Alias:
        self._unexpected("freeze")

    def unfreeze(self, name: str, alias: str, reason: str | None = None, expected_revision: int | None = None) -> Alias:
        self._unexpected("unfreeze")


class BlockingRepository(StandIn):
    """Answers like core.Repository's read methods, but only once `release` is set.

    Stands in for a slow or dead endpoint: every call blocks its worker thread; after release it
    raises `error` if one is set, else returns `names` and empty listings.
    """

    def __init__(self, names: tuple[str, ...] = ("alpha", "beta")) -> None:
        self.release = threading.Event()
        self.error: Exception | None = None
        self.names = names
        self.calls: list[str] = []

    def location(self) -> str:
        return "s3://slow-bucket/versioned-artifacts · table slow · us-east-1 · http://127.0.0.1:9"

    def _answer(self, method: str, value: T) -> T:
        self.calls.append(method)
        if not self.release.wait(timeout=30):
            raise TimeoutError("the test never released the blocking repository")
        if self.error is not None:
            raise self.error
        return value

    def fail_with(self, error: Exception) -> None:
        self.error = error
        self.release.set()

    def caller_identity(self) -> str:
        return self._answer("caller_identity", "arn:aws:sts::123456789012:user/slow")

    def list_artifact_names(self) -> list[str]:
        return self._answer("list_artifact_names", list(self.names))

    def list_artifact_versions(self, name: str) -> list[Artifact]:
        return self._answer("list_artifact_versions", [])

    def list_versions_with_aliases(self, name: str) -> list[VersionView]:
        return self._answer("list_versions_with_aliases", [])

    def list_aliases(self, name: str) -> list[Alias]:
        return self._answer("list_aliases", [])

    def list_versions_and_aliases(self, name: str) -> tuple[list[VersionView], list[Alias]]:
        return self._answer("list_versions_and_aliases", ([], []))
