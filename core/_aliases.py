"""Alias changes: each change and its history event in one DynamoDB transaction; history; rollback."""

from __future__ import annotations

import random
import time
from datetime import datetime
from typing import Any

from . import items as it
from ._storage import MAX_ATTEMPTS, Context, cancellation_codes, cancellation_item
from .errors import ArtifactNotFoundError, ConflictError
from .layout import alias_pk, encode_version_sk, history_pk
from .models import Alias, AliasAction, AliasConfig, AliasEvent

# What a repository last saw of each (name, alias): the alias item, or None for "no alias".
AliasSeen = dict[tuple[str, str], it.Item | None]


def change_alias(
    ctx: Context,
    seen: AliasSeen,
    name: str,
    alias: str,
    after: AliasConfig | None,
    action: AliasAction | None,
    expected_revision: int | None,
    reason: str | None,
    actor: str,
) -> Alias | None:
    """Apply one alias change and its history event in a single transaction.

    The condition pins the alias to exactly the state the event records as `before`
    (revision and update_at), so history never lies. The state comes from what this
    repository last saw (`seen`); a stale guess costs one failed request that returns the real item.
    """
    seen_key = (name, alias)
    if seen_key in seen:
        before = seen[seen_key]
    else:
        before = ctx.get_item(it.key(alias_pk(name), alias))
    if before is not None and "version" not in before:
        raise ConflictError(
            f"alias key {alias!r} of {name!r} is taken by an item of artifact "
            f"'__{name}-alias' (a name versioned allowed); pick another alias name"
        )
    floor = 0  # lowest revision the history allows next, raised after a collision
    for attempt in range(MAX_ATTEMPTS):
        current_revision = it.alias_revision(before)
        if expected_revision is not None and current_revision != expected_revision:
            fresh = ctx.get_item(it.key(alias_pk(name), alias))
            seen[seen_key] = fresh
            if it.alias_revision(fresh) != expected_revision:
                raise alias_moved(name, alias, expected_revision, fresh)
            before = fresh
            continue
        if after is None and before is None:
            return None  # deleting an alias that does not exist changes nothing
        before_config = None if before is None else it.alias_config(before)
        revision = max(current_revision, floor) + 1
        now = ctx.now()
        event = AliasEvent(
            name=name,
            alias=alias,
            revision=revision,
            time=now,
            actor=actor,
            action=action or classify(before_config, after),
            before=before_config,
            after=after,
            reason=reason,
        )
        ops = [alias_write(ctx, name, alias, before, after, revision, now, actor, reason)]
        ops.append(
            {
                "Put": {
                    "TableName": ctx.table,
                    "Item": it.event_item(event),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        )
        targets = (
            [] if after is None else [after.version] + ([after.secondary_version] if after.secondary_version else [])
        )
        for version in targets:
            ops.append(
                {
                    "Update": {
                        "TableName": ctx.table,
                        "Key": it.key(name, encode_version_sk(version)),
                        # Bumping the epoch makes a concurrent delete of this version fail.
                        "UpdateExpression": "ADD alias_epoch :one",
                        "ConditionExpression": (
                            "attribute_exists(pk) AND NOT is_deleted = :true AND attribute_not_exists(publish_state)"
                        ),
                        "ExpressionAttributeValues": {":one": it.n(1), ":true": it.b(True)},
                    }
                }
            )
        try:
            ctx.c.dynamodb.transact_write_items(TransactItems=ops)
        except Exception as exc:
            codes = cancellation_codes(exc)
            if codes is None:
                raise
            for version, code in zip(targets, codes[2 : 2 + len(targets)], strict=True):
                if code == "ConditionalCheckFailed":
                    raise ArtifactNotFoundError(f"artifact {name!r} version {version} not found or deleted") from None
            if codes[0] == "ConditionalCheckFailed":
                before = cancellation_item(exc, 0)
                seen[seen_key] = before
                if expected_revision is not None:
                    # Moved since the caller saw it, even if the revision did not change
                    # (versioned writes keep no revision; its update_at still differs).
                    raise alias_moved(name, alias, expected_revision, before) from None
            elif codes[1] == "ConditionalCheckFailed":
                floor = last_recorded_revision(ctx, name, alias)
            else:
                time.sleep(random.uniform(0, 0.01 * min(attempt + 1, 10)))
            continue
        if after is None:
            seen[seen_key] = None
            return None
        written = ops[0]["Put"]["Item"]
        seen[seen_key] = written
        return ctx.alias(name, written)
    raise ConflictError(f"alias {alias!r} of {name!r} kept changing; try again")


def alias_write(
    ctx: Context,
    name: str,
    alias: str,
    before: it.Item | None,
    after: AliasConfig | None,
    revision: int,
    now: datetime,
    actor: str,
    reason: str | None,
) -> dict[str, Any]:
    """The transaction operation writing (or deleting) the alias, conditional on `before`."""
    if before is None:
        condition, values, names = "attribute_not_exists(pk)", {}, {}
    else:
        names = {"#u": "update_at", "#r": "revision"}
        values = {":u": before["update_at"]}
        if "revision" in before:
            condition = "#u = :u AND #r = :r"
            values[":r"] = before["revision"]
        else:
            condition = "#u = :u AND attribute_not_exists(#r)"
    op: dict[str, Any] = {
        "TableName": ctx.table,
        "ConditionExpression": condition,
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    if names:
        op["ExpressionAttributeNames"] = names
    if values:
        op["ExpressionAttributeValues"] = values
    if after is None:
        return {"Delete": {**op, "Key": it.key(alias_pk(name), alias)}}
    item = it.alias_item(name, alias, after, update_at=now, revision=revision, actor=actor, reason=reason)
    return {"Put": {**op, "Item": item}}


def last_recorded_revision(ctx: Context, name: str, alias: str) -> int:
    found = history_items(ctx, name, alias, 1)
    return int(found[0]["revision"]["N"]) if found else 0


def history_items(ctx: Context, name: str, alias: str, limit: int) -> list[it.Item]:
    """The newest `limit` events of an alias (one page: limit is at most 1,000)."""
    page = ctx.c.dynamodb.query(
        TableName=ctx.table,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :alias)",
        ExpressionAttributeValues={":pk": it.s(history_pk(name)), ":alias": it.s(f"{alias}#")},
        ScanIndexForward=False,
        Limit=limit,
        ConsistentRead=True,
    )
    return page.get("Items", [])


def classify(before: AliasConfig | None, after: AliasConfig | None) -> AliasAction:
    if after is None:
        return "delete"
    if before is None:
        return "create"
    if before.version != after.version:
        return "move"
    if before.secondary_version != after.secondary_version:
        return "canary"  # a canary started, switched or dropped; the primary stayed
    return "weight"


def alias_moved(name: str, alias: str, expected: int, item: it.Item | None) -> ConflictError:
    """The ConflictError for an alias that is no longer at the caller's expected revision."""
    if item is None:
        return ConflictError(
            f"alias {alias!r} of {name!r} was deleted since revision {expected}; reload",
            current_revision=0,
        )
    who = it.get_s(item, "updated_by") if "revision" in item else None
    who = who or "someone using another tool (e.g. versioned)"
    when = it.item_update_at(item)
    revision = it.alias_revision(item)
    return ConflictError(
        f"alias {alias!r} of {name!r} was changed by {who} at {when:%Y-%m-%d %H:%M:%S} UTC "
        f"(now revision {revision}, you expected {expected}; points at "
        f"{it.alias_config(item).describe()}); reload and try again",
        actor=who,
        when=when,
        current_revision=revision,
    )
