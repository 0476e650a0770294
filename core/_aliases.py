"""Alias changes: each change and its history event in one DynamoDB transaction; reads, history, rollback."""

from __future__ import annotations

import dataclasses
import enum
import random
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import items as it
from . import models
from ._storage import MAX_ATTEMPTS, Context, cancellation_codes, cancellation_item
from .errors import AliasNotFoundError, ArtifactNotFoundError, ConflictError, FrozenError
from .layout import alias_pk, encode_version_sk, history_pk, history_sk
from .planning import OutsideChange, find_outside_change, plan_rollback
from .validation import validate_count, validate_reason

if TYPE_CHECKING:
    from .models import Alias, AliasAction, AliasConfig, AliasEvent, FreezeWindow

# What a repository last saw of each (name, alias): the alias item, or None for "no alias".
AliasSeen = dict[tuple[str, str], it.Item | None]
# The newest history event of each (name, alias), known while the alias item is still the one stored
# beside it (every vrc write changes the item, so an unchanged item means no newer event).
NewestSeen = dict[tuple[str, str], tuple[it.Item | None, "AliasEvent | None"]]

# The actor of an "external" event: the change was made by another tool (e.g. versioned), by someone unknown.
OUTSIDE_ACTOR = "outside vrc"


class _Unknown(enum.Enum):
    UNKNOWN = enum.auto()


UNKNOWN = _Unknown.UNKNOWN


@dataclasses.dataclass(frozen=True)
class Request:
    """One alias change asked of `change_alias`."""

    after: AliasConfig | None
    """The configuration to write (None deletes); ignored by "freeze"/"unfreeze", which keep it."""
    action: AliasAction | None
    """None: classified from before and after. "rollback" may go through a freeze."""
    actor: str
    reason: str | None = None
    expected_revision: int | None = None
    override_freeze_reason: str | None = None
    freeze: FreezeWindow | None = None
    """The new freeze window of a "freeze"."""


def request(
    after: AliasConfig | None,
    action: AliasAction | None,
    expected_revision: int | None,
    reason: str | None,
    override_freeze_reason: str | None,
    actor: Callable[[], str],
    freeze_until: datetime | None = None,
) -> Request:
    """A change's common arguments validated, then its actor resolved (the only call that may reach AWS)."""
    if expected_revision is not None:
        validate_count("expected_revision", expected_revision)
    reason = validate_reason(reason)
    override = validate_reason(override_freeze_reason)
    who = actor()
    return Request(
        after=after,
        action=action,
        actor=who,
        reason=reason,
        expected_revision=expected_revision,
        override_freeze_reason=override,
        freeze=None if freeze_until is None else models.FreezeWindow(until=freeze_until, by=who, reason=reason or ""),
    )


def change_alias(
    ctx: Context,
    seen: AliasSeen,
    newest_seen: NewestSeen,
    name: str,
    alias: str,
    request: Request,
    *,
    before: it.Item | None | _Unknown = UNKNOWN,
    newest: AliasEvent | None | _Unknown = UNKNOWN,
) -> Alias | None:
    """Apply one alias change and its history event(s) in a single transaction.

    The condition pins the alias to exactly the state the event records as `before` (revision,
    update_at and configuration), so history never lies. If that state is not what the newest event
    left (an outside change), an "external" event recording it goes into the same transaction first.
    A change that would leave the alias as it is writes nothing and returns the alias as stored.

    `before` and `newest`, when the caller has just read them, save the requests; otherwise the alias
    comes from what this repository last saw (a stale guess costs one failed request that returns
    the real item) and the newest event from one history query.
    """
    seen_key = (name, alias)
    fresh = not isinstance(before, _Unknown)  # read during this call: decisions may rest on it
    if isinstance(before, _Unknown):
        before = seen[seen_key] if seen_key in seen else ctx.get_item(it.key(alias_pk(name), alias))
        fresh = seen_key not in seen
    seen[seen_key] = before
    observed_revision = it.alias_revision(before)
    pinned = request.expected_revision is not None or request.action == "rollback"
    expected = request.expected_revision if request.expected_revision is not None else observed_revision

    def reread() -> it.Item | None:
        nonlocal newest
        item = ctx.get_item(it.key(alias_pk(name), alias))
        seen[seen_key] = item
        if item != before:
            newest = UNKNOWN  # what we knew of the history went with the item we knew
        return item

    for attempt in range(MAX_ATTEMPTS):
        if before is not None and "version" not in before:
            raise ConflictError(
                f"alias key {alias!r} of {name!r} is taken by an item of artifact "
                f"'__{name}-alias' (a name versioned allowed); pick another alias name"
            )
        if request.expected_revision is not None and it.alias_revision(before) != request.expected_revision:
            if not fresh:
                before, fresh = reread(), True
                continue
            raise alias_moved(name, alias, request.expected_revision, before)
        if isinstance(newest, _Unknown):
            newest = known_newest(newest_seen, seen_key, before)
        if isinstance(newest, _Unknown):
            found = history_items(ctx, name, alias, 1)
            newest = it.event_from(name, found[0]) if found else None
            newest_seen[seen_key] = (before, newest)
        now = ctx.now()
        current = None if before is None else ctx.alias(name, before)
        before_config = None if current is None else current.config
        outside = find_outside_change(current, newest)
        active = it.active_freeze(before, now)
        if active is None and outside is not None and newest is not None and newest.freeze is not None:
            # Another tool rewrote the item and dropped the freeze (versioned 1.0.1 does): it still holds.
            active = newest.freeze if newest.freeze.active(now) else None
        action = request.action
        if action in models.NOT_CONFIG_CHANGES:
            if current is None:
                raise AliasNotFoundError(f"alias {alias!r} of artifact {name!r} not found")
            after, freeze_after = before_config, request.freeze
            unchanged = freeze_after == active
        else:
            after, freeze_after = request.after, active  # a change keeps a running freeze; drops an expired one
            unchanged = after == before_config
        blocked = active if action not in ("rollback", *models.NOT_CONFIG_CHANGES) else None  # a freeze in the way
        if unchanged or blocked is not None:
            if not fresh:  # judged on what this repository last saw: confirm on the stored alias
                stored = reread()
                if pinned and stored != before:
                    raise alias_moved(name, alias, expected, stored)  # not the state the caller decided on
                before, fresh = stored, True
                continue
            if unchanged:
                return current  # nothing to change: nothing is written
            if blocked is not None and not request.override_freeze_reason:
                raise frozen(name, alias, blocked)
        # Recorded whenever a change goes through a running freeze with a reason given for it.
        overriding = (
            active is not None and action not in models.NOT_CONFIG_CHANGES and bool(request.override_freeze_reason)
        )

        revision = max(it.alias_revision(before), 0 if newest is None else newest.revision)
        events: list[AliasEvent] = []
        if outside is not None:
            assert newest is not None  # an outside change contradicts a recorded event
            observed_at = current.update_at if current is not None and current.update_at > newest.time else now
            revision += 1
            events.append(
                models.AliasEvent(
                    name=name,
                    alias=alias,
                    revision=revision,
                    time=observed_at,
                    actor=OUTSIDE_ACTOR,
                    action="external",
                    before=newest.after,
                    after=before_config,
                    reason=f"changed outside vrc; recorded by {request.actor}'s next change",
                    freeze=it.active_freeze(before, now),  # as observed: another tool may have dropped it
                )
            )
        revision += 1
        event = models.AliasEvent(
            name=name,
            alias=alias,
            revision=revision,
            time=now,
            actor=request.actor,
            action=action or classify(before_config, after),
            before=before_config,
            after=after,
            reason=request.reason,
            freeze=freeze_after,
            override_freeze_reason=request.override_freeze_reason if overriding else None,
        )
        events.append(event)
        ops = [alias_write(ctx, name, alias, before, after, revision, now, request.actor, request.reason, freeze_after)]
        for recorded in events:
            ops.append(
                {
                    "Put": {
                        "TableName": ctx.table,
                        "Item": it.event_item(recorded),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        targets = (
            []
            if after is None or action in models.NOT_CONFIG_CHANGES
            else [after.version] + ([after.secondary_version] if after.secondary_version else [])
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
        if newest is not None:
            # The event this change follows must still be stored: a purge may have removed the
            # history this repository remembers, and the chain must then start again at 1.
            ops.append(
                {
                    "ConditionCheck": {
                        "TableName": ctx.table,
                        "Key": it.key(history_pk(name), history_sk(alias, newest.revision)),
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                }
            )
        try:
            ctx.c.dynamodb.transact_write_items(TransactItems=ops)
        except Exception as exc:
            codes = cancellation_codes(exc)
            if codes is None:
                raise
            if newest is not None and codes[len(ops) - 1] == "ConditionalCheckFailed":
                newest = UNKNOWN  # the history we followed is gone: learn it again
                newest_seen.pop(seen_key, None)
                continue
            first_target = 1 + len(events)
            for version, code in zip(targets, codes[first_target : first_target + len(targets)], strict=True):
                if code == "ConditionalCheckFailed":
                    raise ArtifactNotFoundError(f"artifact {name!r} version {version} not found or deleted") from None
            if codes[0] == "ConditionalCheckFailed":
                stored = cancellation_item(exc, 0)
                if not committed_earlier(ctx, ops[0], stored, events):
                    before, fresh, newest = stored, True, UNKNOWN
                    seen[seen_key] = before
                    if pinned:
                        # Moved since the caller saw it, even if the revision did not change
                        # (versioned writes keep no revision; its update_at still differs).
                        raise alias_moved(name, alias, expected, before) from None
                    continue
                # else: our first attempt committed and its response was lost (botocore's retry failed on it)
            elif "ConditionalCheckFailed" in codes[1:first_target]:
                newest = UNKNOWN  # someone recorded an event meanwhile: learn the newest again
                newest_seen.pop(seen_key, None)
                continue
            else:
                time.sleep(random.uniform(0, 0.01 * min(attempt + 1, 10)))
                continue
        written = None if after is None else ops[0]["Put"]["Item"]
        seen[seen_key] = written
        newest_seen[seen_key] = (written, event)
        return None if written is None else ctx.alias(name, written)
    raise ConflictError(f"alias {alias!r} of {name!r} kept changing; try again")


def read_alias(ctx: Context, seen: AliasSeen, name: str, alias: str) -> it.Item | None:
    """The stored alias item (None: no alias), remembered in `seen`."""
    item = ctx.get_item(it.key(alias_pk(name), alias))
    if item is not None and "version" not in item:
        item = None  # an artifact item versioned let into this partition, not an alias
    seen[(name, alias)] = item
    return item


def list_aliases(ctx: Context, seen: AliasSeen, name: str) -> list[Alias]:
    """Every alias of an artifact (one query), each remembered in `seen`."""
    found = ctx.alias_items(name)
    for item in found:
        seen[(name, it.alias_name_of(item))] = item
    return [ctx.alias(name, item) for item in found]


def outside_change(
    ctx: Context, seen: AliasSeen, newest_seen: NewestSeen, name: str, alias: str
) -> OutsideChange | None:
    """How the stored alias differs from what its newest event left (two reads); both are remembered."""
    item = read_alias(ctx, seen, name, alias)
    found = history_items(ctx, name, alias, 1)
    newest = it.event_from(name, found[0]) if found else None
    newest_seen[(name, alias)] = (item, newest)
    return find_outside_change(None if item is None else ctx.alias(name, item), newest)


def rollback(
    ctx: Context,
    seen: AliasSeen,
    newest_seen: NewestSeen,
    name: str,
    alias: str,
    request: Request,
    to_revision: int | None,
) -> Alias | None:
    """Plan the rollback (`core.planning.plan_rollback`) from the history and the alias read now, and apply it.

    The change is pinned to the alias just read, so a change in between fails with ConflictError.
    """
    with ctx.aws(f"list_alias_history {name!r} {alias!r}"):
        history = alias_history(ctx, name, alias, 1000)
    with ctx.aws(f"rollback_alias {name!r} {alias!r}"):
        item = read_alias(ctx, seen, name, alias)
    plan = plan_rollback(None if item is None else ctx.alias(name, item), history, to_revision, name=name, alias=alias)
    request = dataclasses.replace(request, after=plan.target)
    try:
        with ctx.aws(f"change alias {alias!r} of {name!r}"):
            return change_alias(ctx, seen, newest_seen, name, alias, request, before=item, newest=history[0])
    except ArtifactNotFoundError as exc:
        raise ArtifactNotFoundError(f"cannot roll back alias {alias!r} of {name!r} to {plan.label}: {exc}") from exc


def committed_earlier(ctx: Context, alias_op: dict[str, Any], stored: it.Item | None, events: list[AliasEvent]) -> bool:
    """Whether the alias now holds exactly what this transaction writes, with its events recorded.

    A transaction whose response was lost is retried by botocore and then fails its own condition;
    the stored alias and our newest event (its time and actor are this attempt's) tell it apart.
    """
    if "Put" in alias_op and stored != alias_op["Put"]["Item"]:
        return False
    if "Put" not in alias_op and stored is not None:
        return False
    recorded = it.event_item(events[-1])
    return ctx.get_item({"pk": recorded["pk"], "sk": recorded["sk"]}) == recorded


def known_newest(newest_seen: NewestSeen, key: tuple[str, str], item: it.Item | None) -> AliasEvent | None | _Unknown:
    """The newest event this repository knows of, if the alias is still the item stored beside it."""
    known = newest_seen.get(key)
    if known is None or known[0] != item:
        return UNKNOWN
    return known[1]


def frozen(name: str, alias: str, freeze: FreezeWindow) -> FrozenError:
    return FrozenError(
        f"alias {alias!r} of {name!r} is frozen until {freeze.until:%Y-%m-%d %H:%M:%S} UTC by {freeze.by}: "
        f"{freeze.reason}; only a rollback, or a change with an override reason, may change it",
        name=name,
        alias=alias,
        frozen_by=freeze.by,
        reason=freeze.reason,
        until=freeze.until,
    )


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
    freeze: FreezeWindow | None = None,
) -> dict[str, Any]:
    """The transaction operation writing (or deleting) the alias, conditional on exactly `before`.

    The condition covers the update time, revision and configuration, so a change made by a tool that
    kept the update time still fails it.
    """
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    if before is None:
        condition = "attribute_not_exists(pk)"
    else:
        clauses = []
        for i, attr in enumerate(("update_at", "revision", "version", "secondary_version", "secondary_version_weight")):
            names[f"#a{i}"] = attr
            if attr in before:
                values[f":a{i}"] = before[attr]
                clauses.append(f"#a{i} = :a{i}")
            else:
                clauses.append(f"attribute_not_exists(#a{i})")
        condition = " AND ".join(clauses)
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
    item = it.alias_item(
        name, alias, after, update_at=now, revision=revision, actor=actor, reason=reason, freeze=freeze
    )
    return {"Put": {**op, "Item": item}}


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


def alias_history(ctx: Context, name: str, alias: str, limit: int) -> list[AliasEvent]:
    """The newest `limit` events of an alias, newest first."""
    return [it.event_from(name, item) for item in history_items(ctx, name, alias, limit)]


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
