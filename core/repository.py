"""Repository: the only place that talks to S3 and DynamoDB.

A façade: it validates arguments, holds the caches (`_state`: what it last saw of aliases and
publishes, the caller's identity) and delegates each protocol to its module: `_content` (upload,
read, download), `_reads` (versions, names), `_publish`, `_aliases` (reads, changes, history,
rollback), `_purge` (delete, purge) and `_check`, all over a `_storage.Context` that its base
`_state.Plumbing` builds for each call.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any, Literal, cast

from . import _aliases, _check, _content, _publish, _purge, _reads, _state, _storage, models
from ._aws import ClientCache, Target
from ._check import ABANDONED_AFTER
from ._content import CHUNK, MULTIPART_THRESHOLD, Content
from ._purge import PurgeResult
from ._state import UNCHANGED, Plumbing, Unchanged, writes
from ._storage import MAX_ATTEMPTS
from .deadline import Deadline
from .errors import AliasNotFoundError, IntegrityError, InvalidArgumentError
from .layout import (
    LATEST,
    encode_version_sk,
    reject_control_characters,
    validate_alias,
    validate_existing_name,
    validate_name,
)
from .planning import OutsideChange
from .redact import redact_secrets
from .validation import (
    RESERVED_METADATA,
    alias_config,
    is_new_name,
    validate_age,
    validate_content_type,
    validate_count,
    validate_expected_sha256,
    validate_freeze,
    validate_limit,
    validate_metadata,
    validate_tags,
)

if TYPE_CHECKING:
    from .models import Alias, AliasEvent, Artifact, Problem, VersionView

__all__ = [
    "ABANDONED_AFTER",
    "CHUNK",
    "DEFAULT_S3_PREFIX",
    "DEFAULT_TABLE_NAME",
    "MAX_ATTEMPTS",
    "MULTIPART_THRESHOLD",
    "RESERVED_METADATA",
    "UNCHANGED",
    "Content",
    "PurgeResult",
    "Repository",
]

DEFAULT_S3_PREFIX = "versioned-artifacts"
DEFAULT_TABLE_NAME = "versioned-artifacts"


@dataclasses.dataclass
class Repository(Plumbing):
    """Versioned artifacts in S3 with metadata in DynamoDB; compatible with versioned 1.0.1.

    Every method takes an optional `bsm`: a boto3.Session or an object with a `boto_ses`
    attribute holding one. Without it the repository's own session is used.
    """

    aws_region: str
    s3_bucket: str
    s3_prefix: str = DEFAULT_S3_PREFIX
    dynamodb_table_name: str = DEFAULT_TABLE_NAME
    suffix: str = ""
    boto_session: Any = None
    endpoint_url: str | None = None
    read_only: bool = False
    operator: str | None = None
    use_sts: bool = True
    clock: Callable[[], datetime] | None = None
    deadline: Deadline | None = None

    def __post_init__(self) -> None:
        if self.operator is not None:
            reject_control_characters(self.operator, "operator")
        self._clients = ClientCache(self.aws_region, self.endpoint_url, self.deadline)
        self._target = Target(
            self.aws_region, self.s3_bucket, self.dynamodb_table_name, self.endpoint_url, self.deadline
        )
        self._lock = threading.Lock()
        self._identities = _state.Identities()
        self._seen = _state.Seen()

    # --- location and views ------------------------------------------------------------------

    def location(self) -> str:
        """Human description: s3://bucket/prefix · table · region[ · endpoint]."""
        parts = [
            f"s3://{self.s3_bucket}/{self.s3_prefix.strip('/')}",
            f"table {self.dynamodb_table_name}",
            self.aws_region,
        ]
        if self.endpoint_url:
            parts.append(redact_secrets(self.endpoint_url))
        return " · ".join(parts)

    def view(
        self,
        *,
        clock: Callable[[], datetime] | None | Unchanged = UNCHANGED,
        operator: str | None | Unchanged = UNCHANGED,
        use_sts: bool | Unchanged = UNCHANGED,
        read_only: bool | Unchanged = UNCHANGED,
    ) -> Repository:
        """The same repository with another clock, operator, use_sts or read_only.

        The view shares this repository's session, clients and what it last saw of aliases and
        publishes (so neither pays to learn them again); it resolves its own caller identity.
        """
        changes: dict[str, Any] = {
            key: value
            for key, value in (("clock", clock), ("operator", operator), ("use_sts", use_sts), ("read_only", read_only))
            if value is not UNCHANGED
        }
        view = dataclasses.replace(self, boto_session=self._session(None), **changes)
        view._clients, view._seen = self._clients, self._seen
        return view

    # --- bootstrap ----------------------------------------------------------------------------

    @writes
    def bootstrap(self, bsm: Any = None) -> None:
        """Create the bucket and the table (on-demand billing) if they do not exist."""
        with self._call(bsm, "bootstrap") as ctx:
            _storage.bootstrap(ctx, self.aws_region)

    def prepare_clients(self, *services: Literal["s3", "dynamodb", "sts"], bsm: Any = None) -> None:
        """Build these services' clients now rather than on the first request that needs one.

        A client costs tens of milliseconds to build (botocore loads its models): done while the
        endpoint is still starting, the first request does not pay it. Makes no request.
        """
        clients = self._c(bsm)
        for service in services:
            getattr(clients, service)

    # --- identity ---------------------------------------------------------------------------

    def caller_identity(self, bsm: Any = None) -> str:
        """The STS caller ARN when it can be had, else the configured operator name."""
        return self._identities.of(self._session(bsm), self._clients, self.use_sts, self.operator)

    # --- artifacts ----------------------------------------------------------------------------

    @writes
    def put_artifact(
        self,
        name: str,
        content: Content,
        content_type: str | None = None,
        metadata: dict[str, str] | None = None,
        tags: dict[str, str] | None = None,
        bsm: Any = None,
    ) -> Artifact:
        """Upload content as LATEST; unchanged content (same sha256, object verified) writes nothing.

        New names must pass validate_name; a name versioned created that core would not (e.g.
        `_build`) stays writable unless it collides with an alias or history partition.

        Content may be bytes, a path, or a binary file object; it is streamed, never held whole.
        Concurrent uploads resolve last-writer-wins, and LATEST's item always ends up describing
        the bytes S3 holds.
        """
        existing_only = not is_new_name(name)
        user_metadata = validate_metadata(metadata)
        tag_set = validate_tags(tags)
        validate_content_type(content_type)
        ctx = self._ctx(bsm)
        if existing_only:
            # versioned accepted any name; the ones it created stay writable, but core creates none.
            with ctx.aws(f"put_artifact {name!r}"):
                if not _storage.has_items(ctx, name):
                    validate_name(name)
        with _content.open_content(content) as stream:
            sha256, size = _content.hash_stream(stream)
            with ctx.aws(f"put_artifact {name!r}"):
                item, final = _content.upload(ctx, name, stream, sha256, size, content_type, user_metadata, tag_set)
        if final is not None:  # None: LATEST already held these bytes
            self._seen.uploaded(name, final)
        return ctx.artifact(item)

    def get_artifact_version(self, name: str, version: int | str | None = None, bsm: Any = None) -> Artifact:
        """One version (default LATEST); ArtifactNotFoundError if missing or deleted."""
        validate_existing_name(name)
        sk = encode_version_sk(version)
        with self._call(bsm, f"get_artifact_version {name!r}") as ctx:
            return _reads.version(ctx, name, sk)

    def list_artifact_versions(self, name: str, where: dict[str, str] | None = None, bsm: Any = None) -> list[Artifact]:
        """LATEST first, then newest first; `where` keeps versions whose metadata has those values."""
        validate_existing_name(name)
        where = validate_metadata(where, what="where") if where else {}
        with self._call(bsm, f"list_artifact_versions {name!r}") as ctx:
            found = _storage.list_versions(ctx, name, where)
        return [ctx.artifact(item) for item in found]

    def list_versions_with_aliases(self, name: str, bsm: Any = None) -> list[VersionView]:
        """Versions (as list_artifact_versions) with the aliases pointing at each."""
        return self.list_versions_and_aliases(name, bsm=bsm)[0]

    def list_versions_and_aliases(self, name: str, bsm: Any = None) -> tuple[list[VersionView], list[Alias]]:
        """Versions with the aliases pointing at each, and the aliases themselves: two queries in all."""
        versions = self.list_artifact_versions(name, bsm=bsm)
        aliases = self.list_aliases(name, bsm=bsm)
        return _reads.version_views(versions, aliases), aliases

    def head_version(self, artifact: Artifact, bsm: Any = None) -> Artifact:
        """`artifact` completed from its S3 object with one HEAD: the size, content type and metadata
        that items written by versioned 1.0.1 lack. Fields the item has are kept."""
        return _reads.head_version(self._ctx(bsm), artifact)

    def list_artifact_names(self, bsm: Any = None) -> list[str]:
        """Artifact names: one S3 listing page per 1,000 names."""
        with self._call(bsm, "list_artifact_names") as ctx:
            return _reads.artifact_names(ctx)

    # --- publish ------------------------------------------------------------------------------

    @writes
    def publish_artifact_version(
        self,
        name: str,
        expected_sha256: str | None = None,
        force: bool = False,
        bsm: Any = None,
    ) -> Artifact:
        """Publish LATEST as the next immutable version.

        If LATEST equals the newest version, that version is returned (unless force=True).
        With expected_sha256, refuses with ConflictError if LATEST is no longer that content.
        Safe under concurrent publishers: the version number is claimed by a conditional write
        before any bytes are copied, and the version becomes visible only once its bytes are
        verified.
        """
        validate_existing_name(name)
        validate_expected_sha256(expected_sha256)
        with self._call(bsm, f"publish_artifact_version {name!r}") as ctx:
            return _publish.publish(ctx, self._seen.publishes, name, expected_sha256, force)

    # --- delete -------------------------------------------------------------------------------

    @writes
    def delete_artifact_version(self, name: str, version: int | str | None = None, bsm: Any = None) -> None:
        """Soft-delete a version (default LATEST); a missing one is a no-op that writes nothing.

        Raises ProtectedVersionError, naming the aliases, if any alias points at the version.
        """
        validate_existing_name(name)
        sk = encode_version_sk(version)
        with self._call(bsm, f"delete_artifact_version {name!r}") as ctx:
            deleted = _purge.delete_version(ctx, name, version)
        if deleted and sk == LATEST:
            self._seen.forget_latest(name)

    @writes
    def purge_artifact_versions(
        self,
        name: str,
        keep_last_n: int = 10,
        purge_older_than_secs: int = 90 * 24 * 60 * 60,
        bsm: Any = None,
    ) -> PurgeResult:
        """Soft-delete versions beyond the newest keep_last_n that are older than the cutoff.

        Versions an alias points at are kept and listed in the result's `.skipped`.
        """
        validate_existing_name(name)
        validate_count("keep_last_n", keep_last_n)
        purge_older_than_secs = validate_age("purge_older_than_secs", purge_older_than_secs)
        with self._call(bsm, f"purge_artifact_versions {name!r}") as ctx:
            return _purge.purge_versions(ctx, name, keep_last_n, purge_older_than_secs)

    @writes
    def purge_artifact(self, name: str, bsm: Any = None) -> None:
        """Delete every object, version, alias and alias event of an artifact. Irreversible."""
        validate_existing_name(name)
        with self._call(bsm, f"purge_artifact {name!r}") as ctx:
            _purge.purge_artifact(ctx, name)
        self._seen.forget(name)

    @writes
    def purge_all(self, bsm: Any = None) -> None:
        """Delete every object under the prefix and every item in the table. Irreversible."""
        with self._call(bsm, "purge_all") as ctx:
            _purge.purge_all(ctx)
        self._seen.clear()

    # --- aliases ------------------------------------------------------------------------------

    @writes
    def put_alias(
        self,
        name: str,
        alias: str,
        version: int | str | None = None,
        secondary_version: int | str | None = None,
        secondary_version_weight: int | None = None,
        expected_revision: int | None = None,
        reason: str | None = None,
        bsm: Any = None,
        *,
        override_freeze_reason: str | None = None,
    ) -> Alias:
        """Point an alias at a version, optionally splitting traffic with a secondary one.

        The change and its history event are one DynamoDB transaction (with an "external" event before
        it if the alias was changed outside vrc since its newest event). With expected_revision, raises
        ConflictError (naming who changed it) if the alias moved since that revision. A change to the
        configuration the alias already has writes nothing and returns the alias as stored. A frozen
        alias raises FrozenError unless override_freeze_reason is given (recorded in the event).
        """
        validate_existing_name(name)
        validate_alias(alias)
        config = alias_config(version, secondary_version, secondary_version_weight)
        request = _aliases.request(config, None, expected_revision, reason, override_freeze_reason, self._actor(bsm))
        # A change to a configuration (not a deletion) always returns the alias.
        return cast(models.Alias, self._change_alias(name, alias, request, bsm))

    def get_alias(self, name: str, alias: str, bsm: Any = None) -> Alias:
        """One alias; AliasNotFoundError if it does not exist."""
        validate_existing_name(name)
        validate_alias(alias)
        with self._call(bsm, f"get_alias {name!r} {alias!r}") as ctx:
            item = _aliases.read_alias(ctx, self._seen.aliases, name, alias)
        if item is None:
            raise AliasNotFoundError(f"alias {alias!r} of artifact {name!r} not found")
        return ctx.alias(name, item)

    def list_aliases(self, name: str, bsm: Any = None) -> list[Alias]:
        """Every alias of an artifact, by name."""
        validate_existing_name(name)
        with self._call(bsm, f"list_aliases {name!r}") as ctx:
            return _aliases.list_aliases(ctx, self._seen.aliases, name)

    def alias_outside_change(self, name: str, alias: str, bsm: Any = None) -> OutsideChange | None:
        """How the stored alias differs from what its newest event left, if it was changed outside vrc.

        Two requests: the alias and its newest event. None when they agree, or when the alias has no
        history. The next change through core records it as an "external" event.
        """
        validate_existing_name(name)
        validate_alias(alias)
        with self._call(bsm, f"alias_outside_change {name!r} {alias!r}") as ctx:
            return _aliases.outside_change(ctx, self._seen.aliases, self._seen.alias_newest, name, alias)

    @writes
    def delete_alias(
        self,
        name: str,
        alias: str,
        expected_revision: int | None = None,
        reason: str | None = None,
        bsm: Any = None,
        *,
        override_freeze_reason: str | None = None,
    ) -> None:
        """Delete an alias (recorded in its history); deleting a missing alias writes nothing."""
        validate_existing_name(name)
        validate_alias(alias)
        request = _aliases.request(None, None, expected_revision, reason, override_freeze_reason, self._actor(bsm))
        self._change_alias(name, alias, request, bsm)

    def list_alias_history(self, name: str, alias: str, limit: int = 50, bsm: Any = None) -> list[AliasEvent]:
        """Recorded changes of an alias, newest first."""
        validate_existing_name(name)
        validate_alias(alias)
        validate_limit(limit)
        with self._call(bsm, f"list_alias_history {name!r} {alias!r}") as ctx:
            return _aliases.alias_history(ctx, name, alias, limit)

    @writes
    def rollback_alias(
        self,
        name: str,
        alias: str,
        to_revision: int | None = None,
        expected_revision: int | None = None,
        reason: str | None = None,
        bsm: Any = None,
        *,
        override_freeze_reason: str | None = None,
    ) -> Alias | None:
        """Restore an alias to its configuration before its last change, or as of `to_revision`.

        The target is `core.planning.plan_rollback`'s (the console previews the same plan): after a
        change made outside vrc, "before the last change" is the state before that outside change.
        Recorded as a 'rollback' event (after an "external" one for the outside change). Allowed on a
        frozen alias; an override reason, if given, is recorded. Fails with ConflictError if the alias
        changes between the plan and the write. Returns the alias, or None if the target state is
        "no alias" (rolling back its creation deletes it).
        """
        validate_existing_name(name)
        validate_alias(alias)
        if to_revision is not None:
            validate_count("to_revision", to_revision, minimum=1)
        request = _aliases.request(
            None, "rollback", expected_revision, reason, override_freeze_reason, self._actor(bsm)
        )
        seen = self._seen
        return _aliases.rollback(self._ctx(bsm), seen.aliases, seen.alias_newest, name, alias, request, to_revision)

    @writes
    def freeze(
        self,
        name: str,
        alias: str,
        reason: str,
        until: datetime,
        expected_revision: int | None = None,
        bsm: Any = None,
    ) -> Alias:
        """Freeze an alias until `until`: changes other than rollbacks need an override reason meanwhile.

        Stored on the alias item (frozen_until, frozen_by, frozen_reason) and recorded as a "freeze"
        event; freezing again replaces the window. The configuration is unchanged. AliasNotFoundError
        if the alias does not exist.
        """
        validate_existing_name(name)
        validate_alias(alias)
        text, until = validate_freeze(reason, until, self._now())
        request = _aliases.request(None, "freeze", expected_revision, text, None, self._actor(bsm), freeze_until=until)
        return cast(models.Alias, self._change_alias(name, alias, request, bsm))

    @writes
    def unfreeze(
        self,
        name: str,
        alias: str,
        reason: str | None = None,
        expected_revision: int | None = None,
        bsm: Any = None,
    ) -> Alias:
        """End an alias's freeze now (recorded as an "unfreeze" event); an alias not frozen is returned unchanged."""
        validate_existing_name(name)
        validate_alias(alias)
        request = _aliases.request(None, "unfreeze", expected_revision, reason, None, self._actor(bsm))
        return cast(models.Alias, self._change_alias(name, alias, request, bsm))

    def _actor(self, bsm: Any) -> Callable[[], str]:
        """The caller identity, resolved when a change's arguments have been validated."""
        return functools.partial(self.caller_identity, bsm)

    def _change_alias(self, name: str, alias: str, request: _aliases.Request, bsm: Any) -> Alias | None:
        """Apply one change (see `_aliases.change_alias`) from what this repository last saw of the alias."""
        seen = self._seen
        with self._call(bsm, f"change alias {alias!r} of {name!r}") as ctx:
            return _aliases.change_alias(ctx, seen.aliases, seen.alias_newest, name, alias, request)

    # --- content ------------------------------------------------------------------------------

    def verify_artifact_version(self, name: str, version: int | str | None = None, bsm: Any = None) -> Artifact:
        """Check, without downloading, that a version's object exists and carries its sha256."""
        return self.verify_object(self.get_artifact_version(name, version, bsm=bsm), bsm=bsm)

    def verify_object(self, artifact: Artifact, bsm: Any = None) -> Artifact:
        """One HEAD: the S3 object of an already-read version exists and carries its recorded sha256."""
        return _content.verify(self._ctx(bsm), artifact.name, artifact)

    def verify_objects(self, artifacts: Sequence[Artifact], bsm: Any = None) -> list[Artifact | IntegrityError]:
        """`verify_object` for several versions: per artifact, itself or its IntegrityError (one
        ListObjectsV2 per artifact for versions with a recorded ETag, a HEAD for the rest)."""
        return _content.verify_many(self._ctx(bsm), artifacts)

    def download(
        self,
        name: str,
        version: int | str | None,
        path_or_file: str | os.PathLike[str] | IO[bytes],
        bsm: Any = None,
    ) -> Artifact:
        """Stream a version to a path or binary file, verifying its sha256 on the way.

        A path is written through a temporary file and only renamed into place once verified.
        """
        _content.validate_sink(path_or_file)  # a text sink would fail only after GetObject
        artifact = self.get_artifact_version(name, version, bsm=bsm)
        return _content.download(self._ctx(bsm), artifact, path_or_file)

    # --- consistency --------------------------------------------------------------------------

    def check(self, name: str | None = None, bsm: Any = None) -> list[Problem]:
        """Report inconsistencies between S3 and DynamoDB; changes nothing."""
        ctx = self._ctx(bsm)
        now = self._now()
        with ctx.aws("check"):
            if name is not None:
                return _check.check_one(ctx, validate_existing_name(name), now)
            return _check.check_all(ctx, now)

    @writes
    def repair(self, problem: Problem, bsm: Any = None) -> str:
        """Apply the automatic repair of a problem check() reported (see `_check.REPAIRS`); what was done.

        The stored state is read again first, so a stale problem writes nothing. Problems that
        need a person raise InvalidArgumentError naming the manual step, and change nothing.
        """
        if not isinstance(problem, models.Problem):
            raise InvalidArgumentError(f"repair takes a Problem from check(), got {type(problem).__name__}")
        with self._call(bsm, f"repair {problem.kind} of {problem.name!r}") as ctx:
            done = _check.repair(ctx, problem, self._now())
        self._seen.forget_latest(problem.name)
        return done
