"""Purge fences: an upload racing purge_artifact must never leave LATEST visible without bytes.

An upload writes LATEST's object first and its item second; a purge deletes items first and
objects last. Without a fence an upload whose item lands after the purge deleted the objects
(or whose object the purge deletes after the item landed) leaves a visible LATEST without bytes.

Each name has one fence item (pk `FENCE_PK`, sk = name) holding a random `token`:
- purge_artifact replaces the token and sets `purging_until` before it reads anything, and
  removes `purging_until` when it is done (the token stays);
- an upload reads the fence with LATEST, refuses to start while a purge runs, and writes its
  item in a transaction conditioned on the token it read. An upload whose object was written
  before a purge began therefore fails its item write, whenever that write lands.
The fence item outlives the purge on purpose: deleting it would let an upload that read "no
fence" before the purge match "no fence" again afterwards.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta
from typing import Any

from . import items as it
from ._aws import error_code
from ._storage import Context
from .errors import ConflictError
from .layout import FENCE_PK, LATEST, format_time, parse_time

# How long a purge's mark blocks uploads if its process died before removing it.
PURGE_LEASE = timedelta(minutes=15)


@dataclasses.dataclass(frozen=True)
class Fence:
    """A name's fence as an upload read it: its token (None: never purged) and running purge."""

    name: str
    token: str | None
    purging_until: datetime | None

    def condition(self, table: str) -> dict[str, Any]:
        """A transaction ConditionCheck that fails if a purge began since this fence was read."""
        check: dict[str, Any] = {"TableName": table, "Key": it.key(FENCE_PK, self.name)}
        if self.token is None:
            check["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            check["ConditionExpression"] = "#t = :t"
            check["ExpressionAttributeNames"] = {"#t": "token"}
            check["ExpressionAttributeValues"] = {":t": it.s(self.token)}
        return {"ConditionCheck": check}

    def refuse_if_purging(self, now: datetime) -> None:
        if self.purging_until is not None and now < self.purging_until:
            raise ConflictError(
                f"artifact {self.name!r} is being purged (until {format_time(self.purging_until)} at the latest); "
                f"nothing was written: upload again once the purge is over, or run purge_artifact({self.name!r}) "
                "to finish a purge that stopped"
            )


def read_with_latest(ctx: Context, name: str) -> tuple[it.Item | None, Fence]:
    """LATEST's item and the name's fence, in one consistent read."""
    keys = [it.key(name, LATEST), it.key(FENCE_PK, name)]
    found: dict[str, it.Item] = {}
    request: dict[str, Any] = {ctx.table: {"Keys": keys, "ConsistentRead": True}}
    for _ in range(8):
        response = ctx.c.dynamodb.batch_get_item(RequestItems=request)
        for item in response.get("Responses", {}).get(ctx.table, []):
            found[item["pk"]["S"]] = item
        request = response.get("UnprocessedKeys") or {}
        if not request:
            break
    else:
        # Throttled every round: read them one by one rather than guess.
        found = {k["pk"]["S"]: i for k in keys if (i := ctx.get_item(k)) is not None}
    return found.get(name), fence_of(name, found.get(FENCE_PK))


def fence_of(name: str, item: it.Item | None) -> Fence:
    if item is None:
        return Fence(name, None, None)
    until = it.get_s(item, "purging_until")
    return Fence(name, it.get_s(item, "token"), parse_time(until) if until else None)


def begin_purge(ctx: Context, name: str) -> str:
    """Replace the name's token and mark it purging; uploads that read the old token now fail."""
    token = uuid.uuid4().hex
    ctx.c.dynamodb.update_item(
        TableName=ctx.table,
        Key=it.key(FENCE_PK, name),
        UpdateExpression="SET #t = :t, purging_until = :until",
        ExpressionAttributeNames={"#t": "token"},
        ExpressionAttributeValues={":t": it.s(token), ":until": it.s(format_time(ctx.now() + PURGE_LEASE))},
    )
    return token


def end_purge(ctx: Context, name: str, token: str) -> None:
    """Let uploads start again, unless another purge took over the fence meanwhile."""
    try:
        ctx.c.dynamodb.update_item(
            TableName=ctx.table,
            Key=it.key(FENCE_PK, name),
            UpdateExpression="REMOVE purging_until",
            ConditionExpression="#t = :t",
            ExpressionAttributeNames={"#t": "token"},
            ExpressionAttributeValues={":t": it.s(token)},
        )
    except Exception as exc:
        if error_code(exc) != "ConditionalCheckFailedException":
            raise
