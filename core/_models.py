"""Immutable pydantic models returned by Repository (imported through core.models, which loads this on first use)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, PrivateAttr

from .layout import console_url, parse_s3_uri

# Reads an S3 URI with an optional session, verifying it against a sha256 when one is given.
ContentReader = Callable[[str, "str | None", Any], bytes]


def version_label(version: str) -> str:
    """How a version reads in messages: "v5", or "LATEST"."""
    return version if version == "LATEST" else f"v{version}"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class S3Location(_Frozen):
    """Where a version's bytes live."""

    bucket: str
    key: str

    @classmethod
    def from_uri(cls, uri: str) -> S3Location:
        bucket, key = parse_s3_uri(uri)
        return cls(bucket=bucket, key=key)

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    @property
    def console_url(self) -> str:
        return console_url(self.bucket, self.key)

    def __str__(self) -> str:
        return self.uri


class _Readable(_Frozen):
    _reader: ContentReader | None = PrivateAttr(default=None)

    def _bind(self, reader: ContentReader) -> _Readable:
        self._reader = reader
        return self

    def _read(self, uri: str, sha256: str | None, bsm: Any) -> bytes:
        if self._reader is None:
            raise RuntimeError("this object was not returned by a Repository; it cannot read S3")
        return self._reader(uri, sha256, bsm)


class Artifact(_Readable):
    """One version of an artifact (LATEST or a published number)."""

    name: str
    version: str
    update_at: datetime
    s3uri: str
    sha256: str
    size: int | None = None
    content_type: str | None = None
    metadata: dict[str, str] = {}
    etag: str | None = None
    """The ETag of the object core wrote for this version (None where versioned 1.0.1 wrote it)."""

    @property
    def s3path(self) -> S3Location:
        return S3Location.from_uri(self.s3uri)

    @property
    def is_latest(self) -> bool:
        return self.version == "LATEST"

    def get_content(self, bsm: Any = None) -> bytes:
        """The version's bytes; raises IntegrityError if they do not hash to sha256."""
        return self._read(self.s3uri, self.sha256, bsm)


class AliasConfig(_Frozen):
    """Where an alias points: a version, optionally split with a secondary one."""

    version: str
    secondary_version: str | None = None
    secondary_version_weight: int | None = None

    def describe(self) -> str:
        if self.secondary_version is None:
            return version_label(self.version)
        weight = self.secondary_version_weight or 0
        return f"{version_label(self.version)} {100 - weight}% | {version_label(self.secondary_version)} {weight}%"


class Alias(_Readable):
    """A named pointer to a version, optionally splitting traffic with a second one."""

    name: str
    alias: str
    update_at: datetime
    version: str
    secondary_version: str | None = None
    secondary_version_weight: int | None = None
    version_s3uri: str
    secondary_version_s3uri: str | None = None
    revision: int = 0
    updated_by: str | None = None
    frozen_until: datetime | None = None
    """End of the freeze window; None when the alias is not frozen (or its freeze has expired)."""
    frozen_by: str | None = None
    frozen_reason: str | None = None

    @property
    def frozen(self) -> bool:
        return self.frozen_until is not None

    @property
    def config(self) -> AliasConfig:
        return AliasConfig(
            version=self.version,
            secondary_version=self.secondary_version,
            secondary_version_weight=self.secondary_version_weight,
        )

    @property
    def s3path_version(self) -> S3Location:
        return S3Location.from_uri(self.version_s3uri)

    @property
    def s3path_secondary_version(self) -> S3Location | None:
        if self.secondary_version_s3uri is None:
            return None
        return S3Location.from_uri(self.secondary_version_s3uri)

    @property
    def primary_weight(self) -> int:
        """Percent of traffic the primary version gets."""
        if self.secondary_version is None or self.secondary_version_weight is None:
            return 100
        return 100 - self.secondary_version_weight

    def routes_to_primary(self, draw: int) -> bool:
        """The weight rule: whether a draw in 1..100 goes to the primary version."""
        return draw <= self.primary_weight or self.secondary_version_s3uri is None

    def random_artifact(self, rng: random.Random | None = None) -> str:
        """The S3 URI of the primary or secondary version, chosen by weight."""
        draw = (rng or random).randint(1, 100)
        if self.routes_to_primary(draw) or self.secondary_version_s3uri is None:
            return self.version_s3uri
        return self.secondary_version_s3uri

    def get_version_content(self, bsm: Any = None) -> bytes:
        return self._read(self.version_s3uri, None, bsm)

    def get_secondary_version_content(self, bsm: Any = None) -> bytes:
        if self.secondary_version_s3uri is None:
            raise ValueError(f"alias {self.alias!r} of {self.name!r} has no secondary version")
        return self._read(self.secondary_version_s3uri, None, bsm)


AliasAction = Literal["create", "move", "canary", "weight", "delete", "rollback", "external", "freeze", "unfreeze"]
"""What an event did. "external": a change made outside vrc, recorded by vrc's next write of the alias.
"freeze"/"unfreeze": the freeze window changed; the configuration did not."""

# Events that leave the configuration as it was: a rollback never restores "the state before" one of them.
NOT_CONFIG_CHANGES: tuple[AliasAction, ...] = ("freeze", "unfreeze")


class FreezeWindow(_Frozen):
    """A freeze of an alias: who froze it, why, and until when."""

    until: datetime
    by: str
    reason: str

    def active(self, now: datetime) -> bool:
        return self.until > now


class AliasEvent(_Frozen):
    """One recorded change of an alias."""

    name: str
    alias: str
    revision: int
    time: datetime
    actor: str
    action: AliasAction
    before: AliasConfig | None
    after: AliasConfig | None
    reason: str | None = None
    freeze: FreezeWindow | None = None
    """The freeze in force after this change: set by a "freeze", kept by changes made during it."""
    override_freeze_reason: str | None = None
    """Set when this change went through a freeze: the reason given to override it."""

    def describe(self) -> str:
        if self.action == "freeze" and self.freeze is not None:
            return f"frozen until {self.freeze.until:%Y-%m-%d %H:%M} UTC"
        if self.action == "unfreeze":
            return "unfrozen"
        before = self.before.describe() if self.before else "(none)"
        after = self.after.describe() if self.after else "(deleted)"
        return f"{before} -> {after}"


class VersionView(_Frozen):
    """A version with the aliases that point at it."""

    artifact: Artifact
    aliases: tuple[str, ...] = ()


ProblemKind = Literal[
    "missing_object",
    "orphan_object",
    "sha256_mismatch",
    "dangling_alias",
    "abandoned_publish",
    "latest_mismatch",
    "name_collision",
]


class Problem(_Frozen):
    """One inconsistency found by Repository.check()."""

    kind: ProblemKind
    name: str
    version: str | None = None
    alias: str | None = None
    detail: str
