"""The embedded demo repository: moto, seeded with deterministic, realistic data.

`start_demo()` runs moto in this process (tests); `vrc --demo` runs it in a child process
(core.demo_server) seeded by `seed_demo_backends()`. moto is imported only when a demo starts.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
import json
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from . import items as it
from . import models
from .demo_server import DEMO_BUCKET, DEMO_OPERATOR, DEMO_REGION, DEMO_TABLE, demo_repository
from .layout import (
    LATEST,
    TABLE_ATTRIBUTES,
    TABLE_KEY_SCHEMA,
    alias_pk,
    artifact_key,
    encode_version,
    encode_version_sk,
)
from .moto_store import StoredObject, create_bucket, create_table, put_items, put_objects, region_session

if TYPE_CHECKING:
    from .repository import Repository

# As core.repository's default; not imported from there, so that the demo server seeds S3 (and
# serves the console's first request) before it loads the repository and pydantic.
DEMO_PREFIX = "versioned-artifacts"

# Every seeded timestamp lies before this instant; tests freeze "now" here.
DEMO_NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)

__all__ = [
    "DEMO_BUCKET",
    "DEMO_NOW",
    "DEMO_OPERATOR",
    "DEMO_REGION",
    "DEMO_TABLE",
    "SEEDS",
    "seed",
    "seed_backend",
    "seed_demo_objects",
    "seed_demo_tables",
    "start_demo",
    "stop_demo",
]

_active: list[Any] = []


@dataclass(frozen=True)
class _Release:
    """One upload of an artifact, optionally published."""

    days_ago: float
    payload: str
    metadata: dict[str, str]
    publish: bool = True


@dataclass(frozen=True)
class _Change:
    """One alias change, made by `actor` `days_ago` days before DEMO_NOW."""

    days_ago: float
    actor: str
    alias: str
    version: str | None
    secondary: str | None = None
    weight: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class _Seed:
    name: str
    content_type: str
    header: bytes
    size: int
    releases: list[_Release]
    changes: list[_Change] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


def _payload(seed: _Seed, release: _Release) -> bytes:
    """Deterministic bytes that start like the real format would."""
    rng = random.Random(hashlib.sha256(f"{seed.name}/{release.payload}".encode()).digest())
    body = rng.randbytes(max(seed.size - len(seed.header), 0))
    return seed.header + release.payload.encode() + body


def _config_bundle(release: _Release) -> bytes:
    return json.dumps({"bundle": release.payload, **release.metadata}, sort_keys=True).encode()


SEEDS: list[_Seed] = [
    _Seed(
        name="customer-analytics-db",
        content_type="application/vnd.sqlite3",
        header=b"SQLite format 3\x00",
        size=48_000,
        releases=[
            _Release(41, "2026-10 weekly snapshot", {"environment": "production", "rows": "1204311", "schema": "v7"}),
            _Release(34, "2026-10 weekly snapshot 2", {"environment": "production", "rows": "1219870", "schema": "v7"}),
            _Release(27, "2026-10 weekly snapshot 3", {"environment": "production", "rows": "1236402", "schema": "v7"}),
            _Release(20, "2026-11 weekly snapshot", {"environment": "production", "rows": "1251033", "schema": "v8"}),
            _Release(13, "2026-11 weekly snapshot 2", {"environment": "staging", "rows": "1266590", "schema": "v8"}),
            _Release(6, "2026-11 weekly snapshot 3", {"environment": "staging", "rows": "1280114", "schema": "v8"}),
            _Release(
                0.5,
                "2026-11 nightly rebuild",
                {"environment": "development", "rows": "1288720", "schema": "v9"},
                publish=False,
            ),
        ],
        changes=[
            _Change(40, "maria.lopez", "production", "1", reason="first production snapshot"),
            _Change(33, "maria.lopez", "production", "2", reason="weekly refresh"),
            _Change(19, "dev.bot", "staging", "4"),
            _Change(18, "maria.lopez", "production", "4", reason="schema v8 rollout"),
            _Change(12, "dev.bot", "staging", "5"),
            _Change(5, "dev.bot", "staging", "6"),
            _Change(4, "dev.bot", "development", None, reason="track LATEST for the nightly"),
            _Change(2, "sam.okafor", "production", "4", "6", 10, reason="canary: weekly snapshot 3"),
        ],
    ),
    _Seed(
        name="churn-model",
        content_type="application/octet-stream",
        header=b"\x08\x07\x12\x07pytorch",
        size=96_000,
        releases=[
            _Release(60, "gbm baseline", {"framework": "lightgbm", "auc": "0.861", "dataset": "2026-08"}),
            _Release(45, "gbm tuned", {"framework": "lightgbm", "auc": "0.874", "dataset": "2026-09"}),
            _Release(22, "transformer small", {"framework": "pytorch", "auc": "0.889", "dataset": "2026-10"}),
            _Release(9, "transformer small retrain", {"framework": "pytorch", "auc": "0.893", "dataset": "2026-11"}),
        ],
        changes=[
            _Change(58, "ana.kim", "production", "1", reason="baseline model"),
            _Change(44, "ana.kim", "production", "2", reason="tuned hyperparameters"),
            _Change(21, "ana.kim", "staging", "3"),
            _Change(15, "ana.kim", "production", "3", reason="transformer beat gbm by 1.5pt AUC"),
            _Change(8, "ana.kim", "staging", "4"),
            _Change(7, "ana.kim", "development", "4"),
        ],
    ),
    _Seed(
        name="edge-config",
        content_type="application/json",
        header=b"",
        size=0,
        releases=[
            _Release(30, "cdn-rules-41", {"environment": "production", "ticket": "OPS-1180"}),
            _Release(25, "cdn-rules-42", {"environment": "production", "ticket": "OPS-1191"}),
            _Release(17, "cdn-rules-43", {"environment": "production", "ticket": "OPS-1204"}),
            _Release(11, "cdn-rules-44", {"environment": "staging", "ticket": "OPS-1220"}),
            _Release(3, "cdn-rules-45", {"environment": "staging", "ticket": "OPS-1236"}),
        ],
        changes=[
            _Change(29, "oncall", "production", "1"),
            _Change(24, "oncall", "production", "2", reason="OPS-1191 new origin"),
            _Change(16, "oncall", "production", "3", reason="OPS-1204"),
            _Change(10, "sam.okafor", "staging", "4"),
            _Change(2.5, "sam.okafor", "staging", "5"),
            _Change(1, "sam.okafor", "production", "3", "5", 25, reason="OPS-1236 canary at 25%"),
        ],
    ),
    _Seed(
        name="fraud-rules",
        content_type="application/gzip",
        header=b"\x1f\x8b\x08\x00",
        size=12_000,
        releases=[
            _Release(14, "rules 2026.45", {"owner": "risk", "rules": "312"}),
            _Release(10, "rules 2026.46 (bad regex)", {"owner": "risk", "rules": "318"}),
            _Release(9.5, "rules 2026.46.1", {"owner": "risk", "rules": "318"}),
        ],
        changes=[
            _Change(13.5, "risk.bot", "production", "1"),
            _Change(9.9, "risk.bot", "production", "2"),
            _Change(9.8, "oncall", "production", "1", reason="rollback: regex timeouts in v2"),
            _Change(9.4, "risk.bot", "production", "3", reason="fixed regex"),
        ],
        deleted=["2"],
    ),
    _Seed(
        name="search-ranker",
        content_type="application/octet-stream",
        header=b"ONNX",
        size=64_000,
        releases=[
            _Release(50, "ranker 3.0", {"framework": "onnx", "ndcg": "0.412"}),
            _Release(26, "ranker 3.1", {"framework": "onnx", "ndcg": "0.419"}),
        ],
        changes=[
            _Change(49, "li.wei", "production", "1"),
            _Change(25, "li.wei", "staging", "2"),
            _Change(23, "li.wei", "production", "2", reason="offline eval +0.7pt nDCG"),
        ],
    ),
]


def _at(days_ago: float) -> datetime:
    return DEMO_NOW - timedelta(days=days_ago)


def seed(repository: Repository) -> None:
    """Fill an empty repository with the demo artifacts, versions, aliases and alias history."""
    for spec in SEEDS:
        events: list[tuple[float, Callable[[], Any]]] = []
        for release in spec.releases:
            content = _config_bundle(release) if not spec.header else _payload(spec, release)
            events.append((release.days_ago, _upload(repository, spec, release, content)))
        for change in spec.changes:
            events.append((change.days_ago, _move(repository, spec.name, change)))
        # Stable sort: an upload and its publish at the same instant keep their order.
        for _, action in sorted(events, key=lambda e: -e[0]):
            action()
        for version in spec.deleted:
            repository.delete_artifact_version(spec.name, version)


def _upload(repository: Repository, spec: _Seed, release: _Release, content: bytes) -> Callable[[], None]:
    def run() -> None:
        at = _frozen(repository, release.days_ago)
        at.put_artifact(spec.name, content, content_type=spec.content_type, metadata=release.metadata)
        if release.publish:
            _frozen(repository, release.days_ago - 0.01).publish_artifact_version(spec.name)

    return run


def _move(repository: Repository, name: str, change: _Change) -> Callable[[], None]:
    def run() -> None:
        actor = _frozen(repository, change.days_ago, operator=change.actor)
        actor.put_alias(name, change.alias, change.version, change.secondary, change.weight, reason=change.reason)

    return run


def _frozen(repository: Repository, days_ago: float, operator: str | None = None) -> Repository:
    """A view of the repository whose clock reads a fixed instant (and whose actor is `operator`)."""
    instant = _at(days_ago)
    # Same repository, other clock and actor: the view shares its clients (slow to build) and what it saw.
    return repository.view(clock=lambda: instant, operator=operator or "release.bot", use_sts=False)


def seed_backend(repository: Repository) -> None:
    """Fill an empty repository exactly as seed() does, writing straight into moto's backends.

    seed() makes ~200 requests through the public API; this computes the same items (with core's
    own encoders) and objects and puts them into moto in-process: the same artifacts, versions,
    sha256s, aliases and their revisions, history events, alias epochs and deleted versions.
    """
    _seed_store(
        repository.aws_region,
        repository.s3_bucket,
        repository.dynamodb_table_name,
        repository.s3_prefix,
        repository.suffix,
    )


def _seed_store(region: str, bucket: str, table: str, prefix: str, suffix: str) -> None:
    items, objects = _stored_seed(prefix, suffix)
    put_objects(bucket, objects)
    # moto keeps its own copy of each attribute; copying here keeps the cached plan pristine anyway.
    put_items(region, table, copy.deepcopy(items))


def seed_demo_objects() -> None:
    """Create the demo's bucket with its objects in this process's moto backends (the demo server).

    Needs neither pydantic nor DynamoDB: the server answers S3 (the console's first request, the
    names) while `seed_demo_tables()` runs.
    """
    create_bucket(DEMO_REGION, DEMO_BUCKET)
    put_objects(DEMO_BUCKET, _stored_seed(DEMO_PREFIX, "", with_aliases=False)[1])


def seed_demo_tables() -> None:
    """Create the demo's table with its items in this process's moto backends (after seed_demo_objects)."""
    create_table(DEMO_REGION, DEMO_TABLE, TABLE_KEY_SCHEMA, TABLE_ATTRIBUTES)
    put_items(DEMO_REGION, DEMO_TABLE, copy.deepcopy(_stored_seed(DEMO_PREFIX, "")[0]))


@functools.cache
def _stored_seed(prefix: str, suffix: str, with_aliases: bool = True) -> tuple[list[it.Item], list[StoredObject]]:
    """The items and objects seed() leaves behind (a pure function of SEEDS; computed once).

    Alias changes touch items only: without them (no pydantic needed) the objects are the same.
    """
    items: dict[tuple[str, str], it.Item] = {}
    objects: dict[str, StoredObject] = {}
    for spec in SEEDS:
        events: list[tuple[float, Callable[[], None]]] = []
        for release in spec.releases:
            content = _config_bundle(release) if not spec.header else _payload(spec, release)
            events.append(
                (release.days_ago, partial(_store_upload, prefix, suffix, items, objects, spec, release, content))
            )
        for change in spec.changes if with_aliases else ():
            events.append((change.days_ago, partial(_store_change, items, spec.name, change)))
        # Stable sort, as in seed(): an upload and its publish at the same instant keep their order.
        for _, action in sorted(events, key=lambda e: -e[0]):
            action()
        for version in spec.deleted:
            items[(spec.name, encode_version_sk(version))]["is_deleted"] = it.b(True)
    return list(items.values()), list(objects.values())


def _store_upload(
    prefix: str,
    suffix: str,
    items: dict[tuple[str, str], it.Item],
    objects: dict[str, StoredObject],
    spec: _Seed,
    release: _Release,
    content: bytes,
) -> None:
    """put_artifact, then publish_artifact_version (if the release is published), as stored."""
    name = spec.name
    sha256 = hashlib.sha256(content).hexdigest()
    latest_key = (name, LATEST)
    current = items.get(latest_key)
    if current is None or not it.is_visible(current) or it.get_s(current, "sha256") != sha256:
        obj = StoredObject(
            key=artifact_key(prefix, name, LATEST, suffix),
            body=content,
            content_type=spec.content_type,
            metadata={"artifact_name": name, "artifact_sha256": sha256, **release.metadata},
        )
        objects[obj.key] = obj
        items[latest_key] = it.artifact_item(
            name,
            LATEST,
            update_at=_at(release.days_ago),
            sha256=sha256,
            size=len(content),
            content_type=spec.content_type,
            metadata=release.metadata,
            etag=obj.etag,
        )
    if not release.publish:
        return
    latest = items[latest_key]
    numbers = [int(sk) for (pk, sk) in items if pk == name and sk != LATEST]
    newest = items[(name, encode_version_sk(max(numbers)))] if numbers else None
    if newest is not None and it.is_visible(newest) and it.get_s(newest, "sha256") == it.get_s(latest, "sha256"):
        return  # publishing unchanged content returns the newest version and writes nothing
    version = str(max(numbers, default=0) + 1)
    source = objects[artifact_key(prefix, name, LATEST, suffix)]
    published = dataclasses.replace(source, key=artifact_key(prefix, name, version, suffix))
    objects[published.key] = published
    # As publish stores it: the version carries its claim's id, and LATEST keeps the claim mark
    # (claim_version, claim_sha, claim_id) that tells later publishers this content is published.
    claim_id = uuid.uuid4().hex
    items[(name, encode_version_sk(version))] = {
        **it.artifact_item(
            name,
            version,
            update_at=_at(release.days_ago - 0.01),
            sha256=it.get_s(latest, "sha256") or "",
            size=it.get_n(latest, "size"),
            content_type=it.get_s(latest, "content_type"),
            metadata=it.get_map_s(latest, "metadata"),
            etag=published.etag,
        ),
        "claim_id": it.s(claim_id),
    }
    items[latest_key] = {
        **latest,
        "claim_version": it.n(int(version)),
        "claim_sha": it.s(it.get_s(latest, "sha256") or ""),
        "claim_id": it.s(claim_id),
    }


def _store_change(items: dict[tuple[str, str], it.Item], name: str, change: _Change) -> None:
    """put_alias by change.actor: the alias item, its history event, and the targets' alias epochs."""
    from ._aliases import classify

    key = (alias_pk(name), change.alias)
    before = items.get(key)
    before_config = None if before is None else it.alias_config(before)
    after = models.AliasConfig(
        version=encode_version(change.version),
        secondary_version=None if change.secondary is None else encode_version(change.secondary),
        secondary_version_weight=change.weight if change.secondary is not None else None,
    )
    revision = it.alias_revision(before) + 1
    now = _at(change.days_ago)
    reason = change.reason.strip() or None if change.reason else None
    event = models.AliasEvent(
        name=name,
        alias=change.alias,
        revision=revision,
        time=now,
        actor=change.actor,
        action=classify(before_config, after),
        before=before_config,
        after=after,
        reason=reason,
    )
    items[key] = it.alias_item(
        name, change.alias, after, update_at=now, revision=revision, actor=change.actor, reason=reason
    )
    event_item = it.event_item(event)
    items[(event_item["pk"]["S"], event_item["sk"]["S"])] = event_item
    for version in [after.version] + ([after.secondary_version] if after.secondary_version else []):
        target = items[(name, encode_version_sk(version))]
        target["alias_epoch"] = it.n((it.get_n(target, "alias_epoch") or 0) + 1)


def start_demo(read_only: bool = False, boto_session: Any = None) -> Repository:
    """Start moto in-process, bootstrap the demo repository and seed it. Resets moto's state.

    With read_only=True the returned repository refuses writes (the seed is written first).
    A `boto_session` used before (tests start many demos) saves loading botocore's models again.
    """
    from moto import mock_aws

    mock = mock_aws()
    mock.start()
    _active.append(mock)
    # moto's own session: the endpoints and models it parses to list regions serve our clients too.
    repository = demo_repository(boto_session if boto_session is not None else region_session())
    # What bootstrap() would create, without its requests: moto answers the first request to each
    # service slowly (it loads that service), and the console's first screen needs S3 only.
    create_bucket(DEMO_REGION, DEMO_BUCKET)
    create_table(DEMO_REGION, DEMO_TABLE, TABLE_KEY_SCHEMA, TABLE_ATTRIBUTES)
    seed_backend(repository)
    repository.read_only = read_only
    return repository


def stop_demo() -> None:
    """Stop the most recently started demo backend."""
    if _active:
        _active.pop().stop()
