"""Publish: claim the next version number, copy LATEST's bytes, verify them, reveal the version.

The number is claimed by a conditional write before any bytes are copied; the version stays
invisible (a pending claim) until its bytes are verified, and a failed publish abandons its claim.
"""

from __future__ import annotations

import dataclasses
import random
import time

from . import items as it
from ._storage import MAX_ATTEMPTS, Context, cancellation_codes, item_from_head
from .errors import ArtifactNotFoundError, ConflictError, IntegrityError
from .layout import LATEST, encode_version_sk, s3_uri
from .models import Artifact
from .validation import is_sha256


@dataclasses.dataclass
class PublishState:
    """What a publisher must know: LATEST's item and the newest version item (any state)."""

    latest: it.Item
    newest: it.Item | None


def publish(
    ctx: Context,
    seen: dict[str, PublishState],
    name: str,
    expected_sha256: str | None,
    force: bool,
) -> Artifact:
    """Publish LATEST as the next version; `seen` is the repository's memory of each name's state."""
    state = seen.get(name)
    for attempt in range(MAX_ATTEMPTS):
        if state is None or not may_claim_blind(state, expected_sha256, force):
            state = read_state(ctx, name)
            latest_sha = it.get_s(state.latest, "sha256")
            if expected_sha256 is not None and latest_sha != expected_sha256:
                raise latest_moved(name, expected_sha256, state.latest)
            if (
                not force
                and state.newest is not None
                and it.is_visible(state.newest)
                and it.get_s(state.newest, "sha256") == latest_sha
            ):
                seen[name] = state
                return ctx.artifact(state.newest)
        number = (it.item_version_number(state.newest) if state.newest else 0) + 1
        claimed = claim(ctx, name, number, state.latest)
        if claimed == "ok":
            return copy_and_reveal(ctx, seen, name, number, state, expected_sha256)
        if claimed == "latest" and expected_sha256 is not None:
            state = read_state(ctx, name)
            raise latest_moved(name, expected_sha256, state.latest)
        state = None
        time.sleep(random.uniform(0, 0.01 * min(attempt + 1, 10)))
    raise ConflictError(f"publish of {name!r} gave up after {MAX_ATTEMPTS} attempts: too many concurrent publishers")


def may_claim_blind(state: PublishState, expected_sha256: str | None, force: bool) -> bool:
    """Whether a remembered state lets us claim without reading first (the claim re-checks it)."""
    latest_sha = it.get_s(state.latest, "sha256")
    if expected_sha256 is not None and latest_sha != expected_sha256:
        return False
    if state.newest is not None and it.get_s(state.newest, "sha256") == latest_sha and not force:
        return False
    return True


def read_state(ctx: Context, name: str) -> PublishState:
    """LATEST and the newest version item in one query (ArtifactNotFoundError without LATEST)."""
    page = ctx.c.dynamodb.query(
        TableName=ctx.table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": it.s(name)},
        ScanIndexForward=False,
        Limit=2,
        ConsistentRead=True,
    )
    found = page.get("Items", [])
    if not found or found[0]["sk"]["S"] != LATEST or not it.is_visible(found[0]):
        raise ArtifactNotFoundError(f"artifact {name!r} has no LATEST to publish; put_artifact first")
    return PublishState(latest=found[0], newest=found[1] if len(found) > 1 else None)


def claim(ctx: Context, name: str, number: int, latest: it.Item) -> str:
    """Reserve version `number` invisibly; 'ok', 'taken' or 'latest' (LATEST changed)."""
    pending = it.artifact_item(
        name,
        str(number),
        update_at=ctx.now(),
        sha256=it.get_s(latest, "sha256") or "",
        size=it.get_n(latest, "size"),
        content_type=it.get_s(latest, "content_type"),
        metadata=it.get_map_s(latest, "metadata"),
        etag=None,
        is_deleted=True,
        pending=True,
    )
    try:
        ctx.c.dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": ctx.table,
                        "Item": pending,
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                {
                    "ConditionCheck": {
                        "TableName": ctx.table,
                        "Key": it.key(name, LATEST),
                        "ConditionExpression": "sha256 = :sha AND NOT is_deleted = :true",
                        "ExpressionAttributeValues": {
                            ":sha": latest["sha256"],
                            ":true": it.b(True),
                        },
                    }
                },
            ]
        )
    except Exception as exc:
        reasons = cancellation_codes(exc)
        if reasons is None:
            raise
        if reasons[1] == "ConditionalCheckFailed":
            return "latest"
        return "taken"
    return "ok"


def copy_and_reveal(
    ctx: Context,
    seen: dict[str, PublishState],
    name: str,
    number: int,
    state: PublishState,
    expected_sha256: str | None,
) -> Artifact:
    """Copy LATEST's object to the claimed version, verify it, and replace the claim with the version."""
    version = str(number)
    source, target = ctx.key(name, LATEST), ctx.key(name, version)
    try:
        copied = ctx.c.s3.copy_object(
            Bucket=ctx.bucket,
            Key=target,
            CopySource={"Bucket": ctx.bucket, "Key": source},
            MetadataDirective="COPY",
        )
        latest = state.latest
        etag = copied.get("CopyObjectResult", {}).get("ETag")
        now = ctx.now()
        if etag is not None and etag == it.get_s(latest, "etag"):
            published = it.artifact_item(
                name,
                version,
                update_at=now,
                sha256=it.get_s(latest, "sha256") or "",
                size=it.get_n(latest, "size"),
                content_type=it.get_s(latest, "content_type"),
                metadata=it.get_map_s(latest, "metadata"),
                etag=etag,
            )
        else:
            # S3's LATEST is not the object the item describes (a concurrent upload, or an item
            # versioned wrote): trust the copied object's own metadata, written with its bytes.
            head = ctx.c.s3.head_object(Bucket=ctx.bucket, Key=target)
            published = item_from_head(name, version, head, update_at=now)
            if not is_sha256(it.get_s(published, "sha256")):
                raise IntegrityError(f"S3 object {s3_uri(ctx.bucket, source)} has no artifact_sha256 metadata")
        if expected_sha256 is not None and it.get_s(published, "sha256") != expected_sha256:
            raise latest_moved(name, expected_sha256, state.latest)
        # Replacing the claim reveals the version; only our pending claim may be replaced.
        ctx.c.dynamodb.put_item(
            TableName=ctx.table,
            Item=published,
            ConditionExpression="publish_state = :pending",
            ExpressionAttributeValues={":pending": it.s(it.PENDING)},
        )
    except BaseException:
        abandon_claim(ctx, name, version)
        raise
    seen[name] = PublishState(latest=state.latest, newest=published)
    return ctx.artifact(published)


def abandon_claim(ctx: Context, name: str, version: str) -> None:
    """Best effort: retire a claim we could not finish. The number stays burned (never reused),
    the item stays invisible, and check() reports claims that were never retired."""
    try:
        ctx.c.s3.delete_object(Bucket=ctx.bucket, Key=ctx.key(name, version))
        ctx.c.dynamodb.update_item(
            TableName=ctx.table,
            Key=it.key(name, encode_version_sk(version)),
            UpdateExpression="SET publish_state = :abandoned",
            ConditionExpression="publish_state = :pending",
            ExpressionAttributeValues={
                ":pending": it.s(it.PENDING),
                ":abandoned": it.s(it.ABANDONED),
            },
        )
    except Exception:  # noqa: BLE001 - the claim stays invisible either way
        pass


def latest_moved(name: str, expected: str, latest: it.Item) -> ConflictError:
    sha = it.get_s(latest, "sha256") or "?"
    when = it.item_update_at(latest)
    return ConflictError(
        f"LATEST of {name!r} changed: it is now sha256 {sha[:12]} (uploaded "
        f"{when:%Y-%m-%d %H:%M:%S} UTC), not {expected[:12]} as confirmed; review it and publish again",
        when=when,
    )
