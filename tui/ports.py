"""What the console needs from core: the `core.Repository` methods the console and `vrc COMMAND` call.

tui is typed against `RepositoryPort`, not the concrete class, so a test double that answers these
calls stands in for a repository and mypy checks it does (tests/tui/test_ports.py checks that
`core.Repository` satisfies the port). The signatures are Repository's without `bsm`, which tui never
passes. The location fields (bucket, prefix, table, region, endpoint) are `Located`, apart: the
commands a dialog shows name them only when a repository has them (`tui.connection.repository_options`).
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import IO, TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Sequence

    from core.errors import IntegrityError
    from core.models import Alias, AliasEvent, Artifact, Problem, VersionView
    from core.planning import OutsideChange
    from core.repository import Content, PurgeResult

__all__ = ["Located", "RepositoryPort"]


class RepositoryPort(Protocol):
    """The repository as the console uses it (every call runs in a worker thread)."""

    @property
    def read_only(self) -> bool: ...

    def location(self) -> str: ...

    def caller_identity(self) -> str: ...

    # --- reads ---------------------------------------------------------------------------------

    def list_artifact_names(self) -> list[str]: ...

    def list_artifact_versions(self, name: str) -> list[Artifact]: ...

    def list_versions_with_aliases(self, name: str) -> list[VersionView]: ...

    def list_versions_and_aliases(self, name: str) -> tuple[list[VersionView], list[Alias]]: ...

    def get_artifact_version(self, name: str, version: int | str | None = None) -> Artifact: ...

    def head_version(self, artifact: Artifact) -> Artifact: ...

    def verify_object(self, artifact: Artifact) -> Artifact: ...

    def verify_objects(self, artifacts: Sequence[Artifact]) -> list[Artifact | IntegrityError]: ...

    def list_aliases(self, name: str) -> list[Alias]: ...

    def get_alias(self, name: str, alias: str) -> Alias: ...

    def alias_outside_change(self, name: str, alias: str) -> OutsideChange | None: ...

    def list_alias_history(self, name: str, alias: str, limit: int = 50) -> list[AliasEvent]: ...

    def check(self, name: str | None = None) -> list[Problem]: ...

    def download(
        self, name: str, version: int | str | None, path_or_file: str | os.PathLike[str] | IO[bytes]
    ) -> Artifact: ...

    # --- writes --------------------------------------------------------------------------------

    def put_artifact(
        self,
        name: str,
        content: Content,
        content_type: str | None = None,
        metadata: dict[str, str] | None = None,
        tags: dict[str, str] | None = None,
    ) -> Artifact: ...

    def publish_artifact_version(self, name: str, expected_sha256: str | None = None) -> Artifact: ...

    def delete_artifact_version(self, name: str, version: int | str | None = None) -> None: ...

    def purge_artifact_versions(
        self, name: str, keep_last_n: int = 10, purge_older_than_secs: int = ...
    ) -> PurgeResult: ...

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
    ) -> Alias: ...

    def rollback_alias(
        self,
        name: str,
        alias: str,
        to_revision: int | None = None,
        expected_revision: int | None = None,
        reason: str | None = None,
        *,
        override_freeze_reason: str | None = None,
    ) -> Alias | None: ...

    def freeze(
        self, name: str, alias: str, reason: str, until: datetime, expected_revision: int | None = None
    ) -> Alias: ...

    def unfreeze(
        self, name: str, alias: str, reason: str | None = None, expected_revision: int | None = None
    ) -> Alias: ...


@runtime_checkable
class Located(Protocol):
    """Where a repository lives, as `vrc COMMAND`'s options name it (core.Repository has it; doubles need not)."""

    s3_bucket: str
    s3_prefix: str
    dynamodb_table_name: str
    aws_region: str
    endpoint_url: str | None
