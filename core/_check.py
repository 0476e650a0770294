"""Consistency check: compare S3 objects, version items and aliases; report, change nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from . import items as it
from . import models
from ._aws import error_code
from ._purge import purge_artifact, soft_delete
from ._storage import Context, has_items, item_from_head, object_keys, stored_names, table_names
from .errors import InvalidArgumentError
from .layout import LATEST, encode_version_sk, is_reserved_name, names_prefix, s3_uri
from .validation import is_sha256

if TYPE_CHECKING:
    from .models import Problem

# A claimed-but-unfinished publish older than this is reported by check() as abandoned.
ABANDONED_AFTER = timedelta(minutes=15)


def name_collision(stored: str) -> Problem:
    """The problem of a stored artifact name that shares a partition with another's aliases or history."""
    return models.Problem(
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
                    models.Problem(
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
                models.Problem(
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
                models.Problem(
                    kind="latest_mismatch" if sk == LATEST else "sha256_mismatch",
                    name=name,
                    version=version,
                    detail=f"S3 object says sha256 {stored}, DynamoDB records {it.get_s(item, 'sha256')}",
                )
            )
    for key in sorted(objects):
        problems.append(
            models.Problem(
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
                    models.Problem(
                        kind="dangling_alias",
                        name=name,
                        version=version,
                        alias=it.alias_name_of(alias_item),
                        detail=f"alias {it.alias_name_of(alias_item)!r} points at version "
                        f"{version}, which is {'deleted' if target is not None else 'missing'}",
                    )
                )
    return problems


# How to clear each kind of problem; "automatic" ones are what Repository.repair does.
REPAIRS: dict[str, str] = {
    "latest_mismatch": "automatic: LATEST's item is rewritten from the object S3 holds (the last upload that "
    "reached S3, described by its own metadata); or upload the bytes you want as LATEST again",
    "missing_object": "automatic for LATEST: LATEST is hidden until the next upload; for a numbered version, "
    "manual: its bytes are lost, so move any alias off it and delete_artifact_version it",
    "orphan_object": "automatic when the name has no version items left (a purge that stopped): purge_artifact "
    "again; beside live versions, manual: it may be a versioned publish in flight, delete it once none is",
    "abandoned_publish": "automatic: the claim is retired; it was never visible and its number is never reused "
    "(harmless if left)",
    "sha256_mismatch": "manual: the version's bytes were replaced outside vrc; restore the object from a backup, "
    "or move aliases off the version and delete_artifact_version it",
    "dangling_alias": "manual: point the alias at an existing version (put_alias) or delete it (delete_alias)",
    "name_collision": "manual: the artifact shares a partition with another's aliases or history; copy its "
    "content to a new name, then purge it with versioned",
}


def repair(ctx: Context, problem: Problem, now: datetime) -> str:
    """Apply the automatic repair of one problem, re-checking the stored state first; what was done.

    InvalidArgumentError, changing nothing, for problems that need a person (REPAIRS says what to do).
    """
    name, kind = problem.name, problem.kind
    if kind == "latest_mismatch":
        return repair_latest(ctx, name)
    if kind == "missing_object" and problem.version == LATEST:
        return hide_latest_without_bytes(ctx, name)
    if kind == "orphan_object" and not has_items(ctx, name):
        purge_artifact(ctx, name)
        return f"purged what was left of {name!r}"
    if kind == "abandoned_publish" and problem.version is not None:
        return retire_claim(ctx, name, problem.version, now)
    raise InvalidArgumentError(f"{kind} of {name!r} has no automatic repair; {REPAIRS[kind]}")


def repair_latest(ctx: Context, name: str) -> str:
    """Make LATEST's item describe the object S3 holds, unless the item changed since it was read."""
    item = ctx.get_item(it.key(name, LATEST))
    head = ctx.c.s3.head_object(Bucket=ctx.bucket, Key=ctx.key(name, LATEST))
    stored = head.get("Metadata", {}).get("artifact_sha256")
    if item is None or not it.is_visible(item) or it.get_s(item, "sha256") == stored:
        return f"nothing to do: LATEST of {name!r} is consistent now"
    if not is_sha256(stored):
        raise InvalidArgumentError(
            f"latest_mismatch of {name!r} has no automatic repair: its object carries no artifact_sha256; "
            "upload the bytes you want as LATEST again"
        )
    repaired = item_from_head(name, LATEST, head, update_at=head["LastModified"])
    try:
        ctx.c.dynamodb.put_item(
            TableName=ctx.table,
            Item=repaired,
            ConditionExpression="update_at = :u",
            ExpressionAttributeValues={":u": item["update_at"]},
        )
    except Exception as exc:
        if error_code(exc) != "ConditionalCheckFailedException":
            raise
        # Ours landed and its answer was lost, or an upload overtook us: either way the item moved.
        return f"LATEST of {name!r} changed meanwhile; run check() again"
    return f"LATEST of {name!r} now describes the object S3 holds (sha256 {stored})"


def hide_latest_without_bytes(ctx: Context, name: str) -> str:
    """Soft-delete LATEST if its object is still missing and nobody rewrote the item meanwhile."""
    item = ctx.get_item(it.key(name, LATEST))
    if item is None or not it.is_visible(item) or object_exists(ctx, ctx.key(name, LATEST)):
        return f"nothing to do: LATEST of {name!r} is consistent now"
    args = soft_delete(item)
    args["ConditionExpression"] += " AND update_at = :u"
    args["ExpressionAttributeValues"][":u"] = item["update_at"]
    try:
        ctx.c.dynamodb.update_item(TableName=ctx.table, Key=it.key(name, LATEST), **args)
    except Exception as exc:
        if error_code(exc) != "ConditionalCheckFailedException":
            raise
        return f"LATEST of {name!r} changed meanwhile (an upload or an alias); run check() again"
    return f"LATEST of {name!r} hidden: its object is missing; the next upload restores it"


def retire_claim(ctx: Context, name: str, version: str, now: datetime) -> str:
    """Mark a publish claim abandoned if it is still pending and older than ABANDONED_AFTER."""
    key = it.key(name, encode_version_sk(version))
    item = ctx.get_item(key)
    if item is None or it.get_s(item, "publish_state") != it.PENDING:
        return f"nothing to do: version {version} of {name!r} is no longer a pending claim"
    if now - it.item_update_at(item) <= ABANDONED_AFTER:
        raise InvalidArgumentError(f"the publish of {name!r} version {version} is recent and may still finish")
    try:
        ctx.c.dynamodb.update_item(
            TableName=ctx.table,
            Key=key,
            UpdateExpression="SET publish_state = :abandoned",
            ConditionExpression="publish_state = :pending AND update_at = :u",
            ExpressionAttributeValues={
                ":pending": it.s(it.PENDING),
                ":abandoned": it.s(it.ABANDONED),
                ":u": item["update_at"],
            },
        )
    except Exception as exc:
        if error_code(exc) != "ConditionalCheckFailedException":
            raise
        return f"version {version} of {name!r} changed meanwhile; run check() again"
    return f"publish claim of {name!r} version {version} retired (the number stays unused)"


def object_exists(ctx: Context, key: str) -> bool:
    try:
        ctx.c.s3.head_object(Bucket=ctx.bucket, Key=key)
    except Exception as exc:
        if error_code(exc) in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True
