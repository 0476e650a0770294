"""Deletion: soft-delete a version, purge old versions, purge an artifact or everything.

A version an alias points at is never soft-deleted: the delete is conditional on the version's
alias_epoch, which every alias change onto it bumps.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from . import items as it
from ._aws import error_code, paginate
from ._storage import MAX_ATTEMPTS, Context, batch_delete, cancellation_codes, delete_objects
from .errors import ConflictError, ProtectedVersionError
from .layout import LATEST, alias_pk, encode_version, encode_version_sk, history_pk, names_prefix
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
    """Delete every object, version, alias and alias event of `name`."""
    delete_objects(ctx, f"{names_prefix(ctx.prefix)}{name}/")
    doomed = [
        it.key(i["pk"]["S"], i["sk"]["S"])
        for pk in (name, alias_pk(name), history_pk(name))
        for i in ctx.query(pk, ProjectionExpression="pk, sk")
    ]
    batch_delete(ctx, doomed)


def purge_all(ctx: Context) -> None:
    """Delete every object under the prefix and every item in the table."""
    delete_objects(ctx, names_prefix(ctx.prefix))
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
    ]
    batch_delete(ctx, doomed)


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
