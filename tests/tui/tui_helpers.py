"""Helpers shared by the console tests: drive an app, wait for its workers, a blocking core double."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import IO, TYPE_CHECKING, NoReturn, TypeVar

from textual.app import App
from textual.pilot import Pilot
from textual.worker import WorkerFailed

if TYPE_CHECKING:
    from core.errors import IntegrityError
    from core.models import Alias, AliasEvent, Artifact, Problem, VersionView
    from core.planning import OutsideChange
    from core.repository import Content, PurgeResult, Repository

Script = Callable[[Pilot[None]], Awaitable[None]]
T = TypeVar("T")


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
