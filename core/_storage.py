"""DynamoDB and S3 access shared by the protocols: one call's context, queries, bulk deletes.

A `Context` carries what one repository call needs (clients, table, bucket, prefix, clock, and
the content reader bound into returned models); the protocol modules take it explicitly.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import items as it
from . import models
from ._aws import Clients, Target, error_code, paginate, translated
from .layout import (
    FENCE_PK,
    TABLE_ATTRIBUTES,
    TABLE_KEY_SCHEMA,
    alias_pk,
    artifact_key,
    is_reserved_name,
    names_prefix,
    s3_uri,
)
from .validation import RESERVED_METADATA

if TYPE_CHECKING:
    from .models import Alias, Artifact, ContentReader

# Retries of an optimistic write (a lost condition, unprocessed batch items) before giving up.
MAX_ATTEMPTS = 60
# Rounds of DeleteObjects for keys S3 reported as per-key Errors.
DELETE_ATTEMPTS = 8


@dataclasses.dataclass(frozen=True)
class Context:
    """Where one repository call reads and writes, with which clients, at what time."""

    c: Clients
    table: str
    bucket: str
    prefix: str
    suffix: str
    now: Callable[[], datetime]
    reader: ContentReader
    target: Target

    @contextmanager
    def aws(self, action: str) -> Iterator[None]:
        """Botocore failures inside the block become typed core errors naming `action`."""
        with translated(self.target, action):
            yield

    def key(self, name: str, version: int | str | None) -> str:
        return artifact_key(self.prefix, name, version, self.suffix)

    def uri(self, name: str, version: int | str | None) -> str:
        return s3_uri(self.bucket, self.key(name, version))

    def get_item(self, key: it.Item) -> it.Item | None:
        response = self.c.dynamodb.get_item(TableName=self.table, Key=key, ConsistentRead=True)
        return response.get("Item")

    def query(self, pk: str, *, forward: bool = True, **kwargs: Any) -> list[it.Item]:
        """Every item of partition `pk` (consistent; `sk_condition` and `values` extend the key condition)."""
        found: list[it.Item] = []
        for page in paginate(
            self.c.dynamodb.query,
            "ExclusiveStartKey",
            "LastEvaluatedKey",
            TableName=self.table,
            KeyConditionExpression="pk = :pk" + kwargs.pop("sk_condition", ""),
            ExpressionAttributeValues={":pk": it.s(pk), **kwargs.pop("values", {})},
            ScanIndexForward=forward,
            ConsistentRead=True,
            **kwargs,
        ):
            found.extend(page.get("Items", []))
        return found

    def alias_items(self, name: str) -> list[it.Item]:
        # Skips artifact items that versioned let into this partition (an artifact named __x-alias).
        return [i for i in self.query(alias_pk(name)) if "version" in i]

    def artifact(self, item: it.Item) -> Artifact:
        name = item["pk"]["S"]
        version = it.item_version(item)
        return models.Artifact(
            name=name,
            version=version,
            update_at=it.item_update_at(item),
            s3uri=self.uri(name, version),
            sha256=it.get_s(item, "sha256") or "",
            size=it.get_n(item, "size"),
            content_type=it.get_s(item, "content_type"),
            metadata=it.get_map_s(item, "metadata"),
            etag=it.get_s(item, "etag"),
        )._bind(self.reader)  # type: ignore[return-value]

    def alias(self, name: str, item: it.Item) -> Alias:
        config = it.alias_config(item)
        freeze = it.active_freeze(item, self.now())
        return models.Alias(
            name=name,
            alias=it.alias_name_of(item),
            update_at=it.item_update_at(item),
            version=config.version,
            secondary_version=config.secondary_version,
            secondary_version_weight=config.secondary_version_weight,
            version_s3uri=self.uri(name, config.version),
            secondary_version_s3uri=(
                None if config.secondary_version is None else self.uri(name, config.secondary_version)
            ),
            revision=it.alias_revision(item),
            updated_by=it.get_s(item, "updated_by"),
            frozen_until=None if freeze is None else freeze.until,
            frozen_by=None if freeze is None else freeze.by,
            frozen_reason=None if freeze is None else freeze.reason,
        )._bind(self.reader)  # type: ignore[return-value]


def bootstrap(ctx: Context, region: str) -> None:
    """Create the bucket and the table (on-demand billing) if they do not exist."""
    c = ctx.c
    try:
        c.s3.head_bucket(Bucket=ctx.bucket)
    except Exception as exc:
        if error_code(exc) not in ("404", "NoSuchBucket", "NotFound"):
            raise
        kwargs: dict[str, Any] = {"Bucket": ctx.bucket}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        c.s3.create_bucket(**kwargs)
    try:
        c.dynamodb.describe_table(TableName=ctx.table)
    except Exception as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        c.dynamodb.create_table(
            TableName=ctx.table,
            KeySchema=TABLE_KEY_SCHEMA,
            AttributeDefinitions=TABLE_ATTRIBUTES,
            BillingMode="PAY_PER_REQUEST",
        )
        c.dynamodb.get_waiter("table_exists").wait(
            TableName=ctx.table,
            WaiterConfig={"Delay": 1, "MaxAttempts": 60},
        )


def list_versions(ctx: Context, name: str, where: dict[str, str]) -> list[it.Item]:
    """Visible version items of `name`, LATEST first then newest first, whose metadata matches `where`."""
    names = {"#del": "is_deleted", "#ps": "publish_state"}
    if where:
        names["#md"] = "metadata"
    values: dict[str, Any] = {":true": it.b(True)}
    clauses = ["NOT #del = :true", "attribute_not_exists(#ps)"]
    for i, (k, v) in enumerate(sorted(where.items())):
        names[f"#m{i}"] = k
        values[f":m{i}"] = it.s(v)
        clauses.append(f"#md.#m{i} = :m{i}")
    return ctx.query(
        name,
        forward=False,
        FilterExpression=" AND ".join(clauses),
        ExpressionAttributeNames=names,
        values=values,
    )


def has_items(ctx: Context, name: str) -> bool:
    """Whether the table holds any version item (in any state) of `name`: one read of one item."""
    page = ctx.c.dynamodb.query(
        TableName=ctx.table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": it.s(name)},
        Limit=1,
        ConsistentRead=True,
    )
    return bool(page.get("Items"))


def stored_names(ctx: Context) -> list[str]:
    """Every name with objects under the prefix, reserved ones included: one listing page per 1,000."""
    prefix = names_prefix(ctx.prefix)
    names: list[str] = []
    for page in paginate(
        ctx.c.s3.list_objects_v2,
        "ContinuationToken",
        "NextContinuationToken",
        Bucket=ctx.bucket,
        Prefix=prefix,
        Delimiter="/",
    ):
        for common in page.get("CommonPrefixes", []):
            names.append(common["Prefix"][len(prefix) :].rstrip("/"))
    return names


def table_names(ctx: Context) -> set[str]:
    """Every artifact name the table knows, from one scan: version partitions, the artifacts of
    alias partitions, and reserved names where versioned put an artifact item into a reserved partition."""
    names: set[str] = set()
    for page in paginate(
        ctx.c.dynamodb.scan,
        "ExclusiveStartKey",
        "LastEvaluatedKey",
        TableName=ctx.table,
        ProjectionExpression="#pk, #v, #sha",
        ExpressionAttributeNames={"#pk": "pk", "#v": "version", "#sha": "sha256"},
    ):
        for item in page.get("Items", []):
            pk = item["pk"]["S"]
            if pk == FENCE_PK:
                continue
            if not is_reserved_name(pk) or "sha256" in item:
                names.add(pk)
            if "version" in item and pk.startswith("__") and pk.endswith("-alias"):
                names.add(pk[2 : -len("-alias")])
    return names


def object_keys(ctx: Context, prefix: str) -> set[str]:
    keys: set[str] = set()
    for page in paginate(
        ctx.c.s3.list_objects_v2,
        "ContinuationToken",
        "NextContinuationToken",
        Bucket=ctx.bucket,
        Prefix=prefix,
    ):
        keys.update(o["Key"] for o in page.get("Contents", []))
    return keys


def delete_objects(ctx: Context, prefix: str) -> list[str]:
    """Delete every object under `prefix`; the keys S3 would not delete (per-key Errors), [] if none.

    A DeleteObjects reply of 200 can still list per-key Errors: those keys are retried with
    back-off and returned if they never go.
    """
    left: list[str] = []
    for page in paginate(
        ctx.c.s3.list_objects_v2,
        "ContinuationToken",
        "NextContinuationToken",
        Bucket=ctx.bucket,
        Prefix=prefix,
    ):
        keys = [o["Key"] for o in page.get("Contents", [])]
        for attempt in range(DELETE_ATTEMPTS):
            if not keys:
                break
            if attempt:
                time.sleep(min(0.05 * 2**attempt, 1.0))
            response = ctx.c.s3.delete_objects(
                Bucket=ctx.bucket, Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True}
            )
            keys = [e["Key"] for e in response.get("Errors", []) if "Key" in e]
        left.extend(keys)
    return left


def batch_delete(ctx: Context, keys: list[it.Item]) -> list[it.Item]:
    """Delete items by key, 25 per request, retrying unprocessed ones with back-off.

    Returns the keys DynamoDB still left unprocessed after MAX_ATTEMPTS rounds ([] when all went).
    """
    left: list[it.Item] = []
    for start in range(0, len(keys), 25):
        pending = {ctx.table: [{"DeleteRequest": {"Key": k}} for k in keys[start : start + 25]]}
        for attempt in range(MAX_ATTEMPTS):
            response = ctx.c.dynamodb.batch_write_item(RequestItems=pending)
            pending = response.get("UnprocessedItems") or {}
            if not pending:
                break
            time.sleep(min(0.05 * 2**attempt, 1.0))
        left.extend(r["DeleteRequest"]["Key"] for r in pending.get(ctx.table, []))
    return left


def item_from_head(name: str, version: str, head: dict[str, Any], update_at: datetime) -> it.Item:
    """A version item describing an S3 object by its own metadata (written with its bytes)."""
    meta = dict(head.get("Metadata", {}))
    return it.artifact_item(
        name,
        version,
        update_at=update_at,
        sha256=meta.get("artifact_sha256", ""),
        size=head.get("ContentLength"),
        content_type=head.get("ContentType"),
        metadata={k: v for k, v in meta.items() if k not in RESERVED_METADATA},
        etag=head.get("ETag"),
    )


def cancellation_codes(exc: BaseException) -> list[str] | None:
    """Per-operation codes of a cancelled transaction ("" where that operation was fine)."""
    if error_code(exc) != "TransactionCanceledException":
        return None
    reasons = getattr(exc, "response", {}).get("CancellationReasons") or []
    return [str(r.get("Code") or "") if r.get("Code") != "None" else "" for r in reasons] + [""] * 100


def cancellation_item(exc: BaseException, index: int) -> it.Item | None:
    """The item a cancelled transaction's operation `index` returned (ALL_OLD), if any."""
    reasons = getattr(exc, "response", {}).get("CancellationReasons") or []
    if index < len(reasons):
        return reasons[index].get("Item") or None
    return None
