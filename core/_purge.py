"""Deletion: soft-delete a version, purge old versions, purge an artifact or everything.

A version an alias points at is never soft-deleted: the delete is conditional on the version's
alias_epoch, which every alias change onto it bumps.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from . import items as it
from ._aws import error_code, paginate
from ._fence import begin_purge, end_purge
from ._storage import (
    MAX_ATTEMPTS,
    Context,
    batch_delete,
    cancellation_codes,
    delete_objects,
    stored_names,
    table_names,
)
from .errors import ConflictError, PartialPurgeError, ProtectedVersionError
from .layout import (
    FENCE_PK,
    LATEST,
    alias_pk,
    encode_version,
    encode_version_sk,
    history_pk,
    is_reserved_name,
    names_prefix,
)

if TYPE_CHECKING:
    from .models import Artifact


class PurgeResult(tuple):
    """Unpacks as versioned's (purge_time, deleted); `.skipped` lists versions kept for aliases."""

    purge_time: datetime
    deleted: list[Artifact]
    skipped: list[tuple[Artifact, list[str]]]

    def __new__(
        cls,
        purge_time: datetime,
        deleted: list[Artifact],
        skipped: list[tuple[Artifact, list[str]]],
    ) -> PurgeResult:
        self = super().__new__(cls, (purge_time, deleted))
        self.purge_time = purge_time
        self.deleted = deleted
        self.skipped = skipped
        return self


def delete_version(ctx: Context, name: str, version: int | str | None) -> bool:
    """Soft-delete one version; False if it was already missing or deleted (nothing written)."""
    sk = encode_version_sk(version)
    for _ in range(MAX_ATTEMPTS):
        users = aliases_using(ctx.alias_items(name)).get(encode_version(version), [])
        if users:
            raise ProtectedVersionError(
                f"version {encode_version(version)} of {name!r} is used by alias "
                f"{', '.join(users)}; move or delete the alias first",
                aliases=users,
            )
        item = ctx.get_item(it.key(name, sk))
        if item is None or not it.is_visible(item):
            return False
        try:
            ctx.c.dynamodb.update_item(TableName=ctx.table, Key=it.key(name, sk), **soft_delete(item))
        except Exception as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            continue  # an alias moved onto it, or it changed: look again
        return True
    raise ConflictError(f"delete of {name!r} version {version} kept conflicting; try again")


def purge_versions(ctx: Context, name: str, keep_last_n: int, purge_older_than_secs: int) -> PurgeResult:
    """Soft-delete old versions beyond the newest keep_last_n; versions aliases use are skipped."""
    for _ in range(MAX_ATTEMPTS):
        found = ctx.query(
            name,
            forward=False,
            FilterExpression="NOT is_deleted = :true AND attribute_not_exists(publish_state)",
            values={":true": it.b(True)},
        )
        users = aliases_using(ctx.alias_items(name))
        purge_time = ctx.now()
        expire = purge_time - timedelta(seconds=purge_older_than_secs)
        numbered = [i for i in found if i["sk"]["S"] != LATEST]
        doomed: list[it.Item] = []
        skipped: list[tuple[Artifact, list[str]]] = []
        for item in numbered[keep_last_n:]:
            if it.item_update_at(item) >= expire:
                continue
            version = it.item_version(item)
            if version in users:
                skipped.append((ctx.artifact(item), users[version]))
            else:
                doomed.append(item)
        try:
            for start in range(0, len(doomed), 100):
                ctx.c.dynamodb.transact_write_items(
                    TransactItems=[
                        {"Update": {"TableName": ctx.table, "Key": it.key(name, item["sk"]["S"]), **soft_delete(item)}}
                        for item in doomed[start : start + 100]
                    ]
                )
        except Exception as exc:
            if cancellation_codes(exc) is None:
                raise
            continue  # an alias moved onto a doomed version meanwhile: re-plan
        return PurgeResult(purge_time, [ctx.artifact(i) for i in doomed], skipped)
    raise ConflictError(f"purge of {name!r} kept conflicting with alias changes; try again")


def purge_artifact(ctx: Context, name: str) -> None:
    """Delete every version, alias, alias event and object of `name`, in an order that never
    leaves a visible version without bytes or an alias pointing nowhere.

    1. read the version items; 2. delete each alias together with its history (one transaction);
    3. hide every version, conditional on its alias_epoch, so an alias written after step 1 fails
    the hide and the purge goes round again; a hidden version takes no new alias;
    4. delete the version items; 5. delete the S3 objects, last.
    A stop anywhere leaves hidden versions or orphan objects, never visible damage; a re-run
    finishes. Raises PartialPurgeError naming what is left, also when another writer re-created
    the artifact meanwhile (then its objects are left alone if that was seen before step 5).
    Before step 1 the name's purge fence is moved (see _fence): an upload that began before it
    fails its item write, and none starts until the purge is over.
    """
    token = begin_purge(ctx, name)
    try:
        purge_fenced(ctx, name)
    finally:
        end_purge(ctx, name, token)


def purge_fenced(ctx: Context, name: str) -> None:
    for _ in range(MAX_ATTEMPTS):
        versions = ctx.query(name)
        if remove_aliases(ctx, name) and hide_versions(ctx, versions):
            break
    else:
        raise ConflictError(f"purge of {name!r} kept conflicting with alias changes; try again")
    left = [
        f"item {k['sk']['S']}"
        for k in batch_delete(ctx, [it.key(name, i["sk"]["S"]) for i in ctx.query(name, ProjectionExpression="pk, sk")])
    ]
    if left:
        raise partial_purge(name, left)
    # An upload, publish or alias change racing the purge may have written since: its bytes are
    # not ours to delete, so stop before deleting any object and let the caller decide.
    if left := written_meanwhile(ctx, name):
        raise partial_purge(name, left, raced=True)
    left = [f"object {key}" for key in delete_objects(ctx, f"{names_prefix(ctx.prefix)}{name}/")]
    if left:
        raise partial_purge(name, left)
    if left := written_meanwhile(ctx, name):
        raise partial_purge(name, left, raced=True)


def written_meanwhile(ctx: Context, name: str) -> list[str]:
    """Version items or aliases of `name` that exist after the purge deleted them all."""
    left = [f"item {i['sk']['S']}" for i in ctx.query(name, ProjectionExpression="pk, sk")]
    return left + [f"alias {it.alias_name_of(i)}" for i in ctx.alias_items(name)]


def remove_aliases(ctx: Context, name: str) -> bool:
    """Delete every alias of `name` with its history, each alias in one transaction when it has
    fewer than 100 events; False if an alias changed since it was read (read again and retry)."""
    # Aliases before history: an alias change writes its event with the alias, so history read
    # after the alias holds every event of the alias as read; a later change fails the condition.
    aliases = {it.alias_name_of(i): i for i in ctx.alias_items(name)}
    history: dict[str, list[it.Item]] = {}
    for event in ctx.query(history_pk(name), ProjectionExpression="pk, sk, alias"):
        history.setdefault(it.get_s(event, "alias") or event["sk"]["S"].rsplit("#", 1)[0], []).append(event)
    for alias in sorted(set(aliases) | set(history)):
        ops: list[dict[str, Any]] = [
            {"Delete": {"TableName": ctx.table, "Key": it.key(e["pk"]["S"], e["sk"]["S"])}}
            for e in history.get(alias, [])
        ]
        item = aliases.get(alias)
        if item is not None:
            # Only the alias as read, so no event written after our read survives its alias.
            condition: dict[str, Any] = {
                "ConditionExpression": "#u = :u",
                "ExpressionAttributeNames": {"#u": "update_at"},
                "ExpressionAttributeValues": {":u": item["update_at"]},
            }
            ops.append({"Delete": {"TableName": ctx.table, "Key": it.key(alias_pk(name), alias), **condition}})
        else:
            # The history of a deleted alias: only while the alias is still absent (a re-creation
            # since the read wrote an event this purge has not seen).
            absent = {"ConditionExpression": "attribute_not_exists(pk)"}
            ops.append({"ConditionCheck": {"TableName": ctx.table, "Key": it.key(alias_pk(name), alias), **absent}})
        # More than 100 operations cannot be one transaction: the oldest events go first.
        head, tail = ops[: max(0, len(ops) - 100)], ops[max(0, len(ops) - 100) :]
        try:
            for start in range(0, len(head), 100):
                ctx.c.dynamodb.transact_write_items(TransactItems=head[start : start + 100])
            if tail:
                ctx.c.dynamodb.transact_write_items(TransactItems=tail)
        except Exception as exc:
            if cancellation_codes(exc) is None:
                raise
            return False
    return True


def hide_versions(ctx: Context, versions: list[it.Item]) -> bool:
    """Soft-delete every visible version and retire every pending publish claim, 100 per
    transaction; False if one changed since it was read (an alias moved onto it, a claim was revealed)."""
    ops: list[dict[str, Any]] = []
    for item in versions:
        key = it.key(item["pk"]["S"], item["sk"]["S"])
        if it.get_s(item, "publish_state") == it.PENDING:
            # The reveal is conditional on the claim still pending: this makes it fail.
            retire = {
                "UpdateExpression": "SET publish_state = :abandoned",
                "ConditionExpression": "publish_state = :pending",
                "ExpressionAttributeValues": {":pending": it.s(it.PENDING), ":abandoned": it.s(it.ABANDONED)},
            }
            ops.append({"Update": {"TableName": ctx.table, "Key": key, **retire}})
        elif it.is_visible(item):
            ops.append({"Update": {"TableName": ctx.table, "Key": key, **soft_delete(item)}})
    try:
        for start in range(0, len(ops), 100):
            ctx.c.dynamodb.transact_write_items(TransactItems=ops[start : start + 100])
    except Exception as exc:
        if cancellation_codes(exc) is None:
            raise
        return False
    return True


def partial_purge(name: str, left: list[str], raced: bool = False) -> PartialPurgeError:
    shown = ", ".join(left[:5]) + (f" and {len(left) - 5} more" if len(left) > 5 else "")
    why = "was written to while it was purged" if raced else "stopped part-way"
    return PartialPurgeError(
        f"purge of {name!r} {why}: {shown} remain; no visible version lost its bytes; "
        f"run purge_artifact({name!r}) again to finish",
        left=left,
    )


def purge_all(ctx: Context) -> None:
    """Purge every artifact (as purge_artifact), then delete whatever items and objects remain."""
    for name in sorted(set(stored_names(ctx)) | table_names(ctx)):
        if is_reserved_name(name):
            continue  # its items sit in another artifact's partition: swept below
        try:
            purge_artifact(ctx, name)
        except PartialPurgeError:
            pass  # the sweep below deletes what is left, or reports it
    # The fences stay (see _fence): an upload in flight must not find "never purged" again.
    doomed = [
        it.key(i["pk"]["S"], i["sk"]["S"])
        for page in paginate(
            ctx.c.dynamodb.scan,
            "ExclusiveStartKey",
            "LastEvaluatedKey",
            TableName=ctx.table,
            ProjectionExpression="pk, sk",
        )
        for i in page.get("Items", [])
        if i["pk"]["S"] != FENCE_PK
    ]
    left = [f"item {k['pk']['S']} {k['sk']['S']}" for k in batch_delete(ctx, doomed)]
    if not left:
        left = [f"object {key}" for key in delete_objects(ctx, names_prefix(ctx.prefix))]
    if left:
        shown = ", ".join(left[:5]) + (f" and {len(left) - 5} more" if len(left) > 5 else "")
        raise PartialPurgeError(f"purge_all stopped part-way: {shown} remain; run purge_all again", left=left)


def aliases_using(alias_items: list[it.Item]) -> dict[str, list[str]]:
    """version -> names of aliases pointing at it (primary or secondary)."""
    users: dict[str, list[str]] = {}
    for item in alias_items:
        config = it.alias_config(item)
        users.setdefault(config.version, []).append(it.alias_name_of(item))
        if config.secondary_version is not None:
            users.setdefault(config.secondary_version, []).append(f"{it.alias_name_of(item)} (canary)")
    return users


def soft_delete(item: it.Item) -> dict[str, Any]:
    """UpdateItem arguments that soft-delete `item` unless an alias moved onto it since it was read."""
    epoch = item.get("alias_epoch")
    values: dict[str, Any] = {":true": it.b(True)}
    condition = "attribute_exists(pk) AND NOT is_deleted = :true AND "
    if epoch is None:
        condition += "attribute_not_exists(alias_epoch)"
    else:
        condition += "alias_epoch = :epoch"
        values[":epoch"] = epoch
    return {
        "UpdateExpression": "SET is_deleted = :true",
        "ConditionExpression": condition,
        "ExpressionAttributeValues": values,
    }
