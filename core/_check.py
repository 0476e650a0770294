"""Consistency check: compare S3 objects, version items and aliases; report, change nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from . import items as it
from ._storage import Context, object_keys, stored_names, table_names
from .layout import LATEST, encode_version_sk, is_reserved_name, names_prefix, s3_uri
from .models import Problem

# A claimed-but-unfinished publish older than this is reported by check() as abandoned.
ABANDONED_AFTER = timedelta(minutes=15)


def name_collision(stored: str) -> Problem:
    """The problem of a stored artifact name that shares a partition with another's aliases or history."""
    return Problem(
        kind="name_collision",
        name=stored,
        detail=f"artifact {stored!r} shares its DynamoDB partition with the "
        f"aliases or history of {stored[2:].rsplit('-', 1)[0]!r}; rename it",
    )


def check_all(ctx: Context, now: datetime) -> list[Problem]:
    """Problems of every name either store knows (a name may have items and no objects, or the reverse)."""
    return check_names(ctx, sorted(set(stored_names(ctx)) | table_names(ctx)), now)


def check_names(ctx: Context, stored: list[str], now: datetime) -> list[Problem]:
    """Problems of every stored name: reserved names collide, the others are checked one by one."""
    problems = [name_collision(name) for name in stored if is_reserved_name(name)]
    for name in stored:
        if not is_reserved_name(name):
            problems.extend(check_one(ctx, name, now))
    return problems


def check_one(ctx: Context, name: str, now: datetime) -> list[Problem]:
    """Problems of one artifact: abandoned publishes, missing or orphan objects, mismatches, dangling aliases."""
    problems: list[Problem] = []
    found = {i["sk"]["S"]: i for i in ctx.query(name)}
    objects = object_keys(ctx, f"{names_prefix(ctx.prefix)}{name}/")
    for sk, item in found.items():
        version = it.item_version(item)
        key = ctx.key(name, version)
        if get_pending := it.get_s(item, "publish_state"):
            if get_pending == it.PENDING and now - it.item_update_at(item) > ABANDONED_AFTER:
                problems.append(
                    Problem(
                        kind="abandoned_publish",
                        name=name,
                        version=version,
                        detail=f"publish of version {version} was claimed at "
                        f"{it.item_update_at(item):%Y-%m-%d %H:%M} UTC and never finished ({get_pending})",
                    )
                )
            objects.discard(key)
            continue
        if it.get_bool(item, "is_deleted"):
            objects.discard(key)
            continue
        if key not in objects:
            problems.append(
                Problem(
                    kind="missing_object",
                    name=name,
                    version=version,
                    detail=f"no S3 object at {s3_uri(ctx.bucket, key)}",
                )
            )
            continue
        objects.discard(key)
        head = ctx.c.s3.head_object(Bucket=ctx.bucket, Key=key)
        stored = head.get("Metadata", {}).get("artifact_sha256")
        if stored != it.get_s(item, "sha256"):
            problems.append(
                Problem(
                    kind="latest_mismatch" if sk == LATEST else "sha256_mismatch",
                    name=name,
                    version=version,
                    detail=f"S3 object says sha256 {stored}, DynamoDB records {it.get_s(item, 'sha256')}",
                )
            )
    for key in sorted(objects):
        problems.append(
            Problem(
                kind="orphan_object",
                name=name,
                detail=f"S3 object {s3_uri(ctx.bucket, key)} has no DynamoDB item",
            )
        )
    for alias_item in ctx.alias_items(name):
        config = it.alias_config(alias_item)
        for version in filter(None, (config.version, config.secondary_version)):
            target = found.get(encode_version_sk(version))
            if target is None or not it.is_visible(target):
                problems.append(
                    Problem(
                        kind="dangling_alias",
                        name=name,
                        version=version,
                        alias=it.alias_name_of(alias_item),
                        detail=f"alias {it.alias_name_of(alias_item)!r} points at version "
                        f"{version}, which is {'deleted' if target is not None else 'missing'}",
                    )
                )
    return problems
