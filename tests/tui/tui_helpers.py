"""Helpers shared by the console tests: drive an app, wait for its workers, a blocking core double."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable

from textual.app import App
from textual.pilot import Pilot
from textual.worker import WorkerFailed

Script = Callable[[Pilot[None]], Awaitable[None]]


async def settle(pilot: Pilot[None]) -> None:
    """Wait until no worker runs and the messages they posted have been handled."""
    app = pilot.app
    for _ in range(100):
        try:
            await app.workers.wait_for_complete()
        except WorkerFailed:
            pass  # the app shows it as a notification; tests assert on that
        await pilot.pause()
        if all(worker.is_finished for worker in app.workers):
            await pilot.pause()
            if all(worker.is_finished for worker in app.workers):
                return
    raise AssertionError("workers kept starting; the app never settled")


def drive(app: App[None], script: Script, size: tuple[int, int] = (120, 40), *, wait: bool = True) -> None:
    """Run `app` headless at `size`, settle (unless `wait` is False), then run `script`."""

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await (settle(pilot) if wait else pilot.pause())
            await script(pilot)

    asyncio.run(main())


def notifications(app: App[None]) -> list[str]:
    """Every message the app notified (the console keeps them for its message log)."""
    return [logged.message for logged in app.message_log.messages]  # type: ignore[attr-defined]


class BlockingRepository:
    """Answers like core.Repository's read methods, but only once `release` is set.

    Stands in for a slow or dead endpoint: every call blocks its worker thread; after release it
    raises `error` if one is set, else returns `names` and empty listings.
    """

    read_only = False

    def __init__(self, names: tuple[str, ...] = ("alpha", "beta")) -> None:
        self.release = threading.Event()
        self.error: Exception | None = None
        self.names = names
        self.calls: list[str] = []

    def location(self) -> str:
        return "s3://slow-bucket/versioned-artifacts · table slow · us-east-1 · http://127.0.0.1:9"

    def _answer(self, method: str, value: object) -> object:
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
        return str(self._answer("caller_identity", "arn:aws:sts::123456789012:user/slow"))

    def list_artifact_names(self) -> list[str]:
        return list(self._answer("list_artifact_names", list(self.names)))  # type: ignore[call-overload]

    def list_artifact_versions(self, name: str) -> list[object]:
        return list(self._answer("list_artifact_versions", []))  # type: ignore[call-overload]

    def list_versions_with_aliases(self, name: str) -> list[object]:
        return list(self._answer("list_versions_with_aliases", []))  # type: ignore[call-overload]

    def list_aliases(self, name: str) -> list[object]:
        return list(self._answer("list_aliases", []))  # type: ignore[call-overload]

    def list_versions_and_aliases(self, name: str) -> tuple[list[object], list[object]]:
        self._answer("list_versions_and_aliases", None)
        return [], []
