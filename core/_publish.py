"""Publish: claim the next version number, copy LATEST's bytes, verify them, reveal the version.

A version item moves pending -> revealed (visible) or pending -> abandoned (terminal, never
visible); every move is a DynamoDB write conditioned on the state before it and on the claim's
own random `claim_id`, so a publisher recognises its own writes after a lost response.

- The claim is one transaction: put the pending item of number N (`attribute_not_exists`) and
  mark LATEST with `claim_version = N, claim_sha = <LATEST's sha256>, claim_id`. Unless forced,
  the mark is conditioned on LATEST's content not being claimed already, so a second publisher
  of the same content fails its claim, reads the mark and follows that claim (waits for it to be
  revealed, then returns its number) instead of making a duplicate version.
- Bytes are copied to the version's own key, which nobody else writes, and verified against the
  claimed sha256 before the reveal. A copy that does not hold the claimed content is abandoned.
- After an ambiguous failure (a lost response makes botocore retry a write that committed, and the
  retry fails its own condition) the outcome is read back, never assumed: revealed with our
  claim_id is success, still pending and ours is abandoned. Bytes are deleted only under a claim
  known to be abandoned, so no path deletes the bytes of a version that may be visible.
"""

from __future__ import annotations

import dataclasses
import math
import random
import time
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from . import items as it
from . import models
from ._check import ABANDONED_AFTER
from ._storage import MAX_ATTEMPTS, Context, cancellation_codes, cancellation_item, item_from_head
from .errors import ArtifactNotFoundError, ConflictError, IntegrityError
from .layout import LATEST, encode_version_sk, s3_uri
from .validation import is_sha256

if TYPE_CHECKING:
    from .models import Artifact

# CopyObject copies at most 5 GiB; larger objects are copied in parts (UploadPartCopy).
COPY_THRESHOLD = 5 * 1024**3
COPY_PART_SIZE = 512 * 1024**2
MAX_COPY_PARTS = 10_000
# How long a publisher waits for another publisher's claim of the same content to be revealed.
PENDING_WAIT = 60.0
# How often the same LATEST item may disagree with its object (a concurrent upload not yet
# reconciled) before publish reports it; the waits between add up to about 3 s.
MAX_MISMATCHES = 6


class _ContentMoved(Exception):
    """The copied object is not the content the claim is for (LATEST changed during the copy)."""


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
    deadline = time.monotonic() + PENDING_WAIT
    state = seen.get(name)
    stale: str | None = None  # a claim mark on LATEST whose claim is known dead: ours may replace it
    mismatched: tuple[str | None, str] | None = None  # the LATEST item a copy last disagreed with
    mismatches = 0
    for attempt in range(MAX_ATTEMPTS):
        if state is None or not may_claim_blind(state, expected_sha256, force):
            state = read_state(ctx, name)
            latest_sha = it.get_s(state.latest, "sha256")
            if expected_sha256 is not None and latest_sha != expected_sha256:
                raise latest_moved(name, expected_sha256, state.latest)
            stale = None
            if not force:
                found = already_published(ctx, name, state, deadline)
                if isinstance(found, models.Artifact):
                    return found
                stale = found
        number = (it.item_version_number(state.newest) if state.newest else 0) + 1
        claim_id = uuid.uuid4().hex  # fresh per attempt: a claim is recognised by it alone
        claimed = claim(ctx, name, number, state.latest, claim_id, stale, force)
        if claimed == "ok":
            exact = not force or expected_sha256 is not None
            published = copy_and_reveal(ctx, seen, name, number, state, claim_id, exact)
            if published is not None:
                return published
            # The copy held other content than claimed: LATEST is being replaced. Look again,
            # and give up only when the same LATEST item keeps disagreeing with its object.
            if expected_sha256 is not None:
                raise latest_moved(name, expected_sha256, read_state(ctx, name).latest)
            seen_item = (it.get_s(state.latest, "sha256"), state.latest["update_at"]["S"])
            mismatches = mismatches + 1 if seen_item == mismatched else 1
            mismatched = seen_item
            if mismatches >= MAX_MISMATCHES:
                raise IntegrityError(
                    f"LATEST of {name!r}: its S3 object does not hold sha256 "
                    f"{(it.get_s(state.latest, 'sha256') or '?')[:12]} that its item records; "
                    "upload it again (check() reports it as latest_mismatch)"
                )
            time.sleep(0.05 * 2**mismatches)
        state = None
        if claimed == "taken":
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


def already_published(ctx: Context, name: str, state: PublishState, deadline: float) -> Artifact | str | None:
    """The version LATEST's content already is (waiting for a pending claim of it), or what may be claimed.

    Returns the version, or the claim_id of a dead claim mark ours may replace, or None (no mark).
    """
    latest = state.latest
    sha = it.get_s(latest, "sha256")
    mark_id, mark_version = it.get_s(latest, "claim_id"), it.get_n(latest, "claim_version")
    if mark_id is None or mark_version is None or it.get_s(latest, "claim_sha") != sha:
        # No claim of this content recorded on LATEST (written before marks, or by versioned).
        newest = state.newest
        if newest is not None and it.is_visible(newest) and it.get_s(newest, "sha256") == sha:
            return ctx.artifact(newest)
        return None
    key = it.key(name, encode_version_sk(mark_version))
    newest = state.newest
    item = newest if newest is not None and newest["sk"] == key["sk"] else ctx.get_item(key)
    pause = 0.01
    while True:
        if item is None or it.get_s(item, "claim_id") != mark_id:
            return mark_id  # the claim is gone (purged)
        if it.is_visible(item):
            return ctx.artifact(item) if it.get_s(item, "sha256") == sha else mark_id
        if it.get_s(item, "publish_state") != it.PENDING:
            return mark_id  # abandoned, or published and deleted since: publish it again
        if ctx.now() - it.item_update_at(item) > ABANDONED_AFTER:
            abandon_claim(ctx, name, mark_version, mark_id)  # its publisher is gone: take over
            return mark_id
        if time.monotonic() > deadline:
            raise ConflictError(
                f"version {mark_version} of {name!r} is being published by another publisher with the "
                f"same content (claimed {it.item_update_at(item):%Y-%m-%d %H:%M:%S} UTC) and is not "
                f"finished after {PENDING_WAIT:.0f} s; try again later"
            )
        time.sleep(random.uniform(pause / 2, pause))
        pause = min(pause * 2, 0.25)
        item = ctx.get_item(key)


def claim(ctx: Context, name: str, number: int, latest: it.Item, claim_id: str, stale: str | None, force: bool) -> str:
    """Reserve version `number` invisibly and mark LATEST as claimed: 'ok', 'taken' or 'latest'.

    'latest' means LATEST changed or its content is claimed by another publisher already.
    """
    sha = it.get_s(latest, "sha256") or ""
    pending = it.artifact_item(
        name,
        str(number),
        update_at=ctx.now(),
        sha256=sha,
        size=it.get_n(latest, "size"),
        content_type=it.get_s(latest, "content_type"),
        metadata=it.get_map_s(latest, "metadata"),
        etag=None,
        is_deleted=True,
        pending=True,
    )
    pending["claim_id"] = it.s(claim_id)
    condition = "sha256 = :sha AND NOT is_deleted = :true"
    values: it.Item = {":sha": it.s(sha), ":true": it.b(True), ":n": it.n(number), ":id": it.s(claim_id)}
    if not force:
        # One claim per content: a second publisher of it must follow the first one's claim.
        condition += " AND (attribute_not_exists(claim_sha) OR claim_sha <> :sha"
        if stale is not None:
            condition += " OR claim_id = :stale"
            values[":stale"] = it.s(stale)
        condition += ")"
    try:
        ctx.c.dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": ctx.table,
                        "Item": pending,
                        "ConditionExpression": "attribute_not_exists(pk)",
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
                {
                    "Update": {
                        "TableName": ctx.table,
                        "Key": it.key(name, LATEST),
                        "UpdateExpression": "SET claim_version = :n, claim_sha = :sha, claim_id = :id",
                        "ConditionExpression": condition,
                        "ExpressionAttributeValues": values,
                    }
                },
            ]
        )
    except Exception as exc:
        reasons = cancellation_codes(exc)
        # A lost response makes botocore replay the transaction; where the replay is not answered
        # from the first result (moto), it fails its own conditions. Is the claim of N ours?
        slot = cancellation_item(exc, 0) if reasons is not None else None
        if slot is None and (reasons is None or reasons[0]):
            slot = ctx.get_item(it.key(name, encode_version_sk(number)))
        if slot is not None and it.get_s(slot, "claim_id") == claim_id:
            return "ok"
        if reasons is None:
            raise  # not a cancellation and not applied
        return "latest" if reasons[1] else "taken"
    return "ok"


def copy_and_reveal(
    ctx: Context,
    seen: dict[str, PublishState],
    name: str,
    number: int,
    state: PublishState,
    claim_id: str,
    exact: bool,
) -> Artifact | None:
    """Copy LATEST's object to the claimed version, verify it, and replace the claim with the version.

    None when the copy holds other content than claimed and `exact` (the claim is abandoned).
    """
    version = str(number)
    latest = state.latest
    try:
        published = copy_and_describe(ctx, name, version, latest)
        if exact and it.get_s(published, "sha256") != it.get_s(latest, "sha256"):
            # Revealing other content than claimed could duplicate a version another publisher
            # claims for that content, or publish what the caller did not confirm; a plain forced
            # publish makes a new version of whatever it copied.
            raise _ContentMoved
    except _ContentMoved:
        abandon_claim(ctx, name, number, claim_id)
        return None
    except BaseException:
        abandon_claim(ctx, name, number, claim_id)  # not revealed: nobody can see these bytes
        raise
    published["claim_id"] = it.s(claim_id)
    try:
        # Replacing the claim reveals the version; only our own pending claim may be replaced.
        ctx.c.dynamodb.put_item(
            TableName=ctx.table,
            Item=published,
            ConditionExpression="publish_state = :pending AND claim_id = :id",
            ExpressionAttributeValues={":pending": it.s(it.PENDING), ":id": it.s(claim_id)},
        )
    except Exception as exc:
        stored = settle_reveal(ctx, name, number, claim_id, published, exc)
        seen[name] = PublishState(latest=latest, newest=stored)
        return ctx.artifact(stored)
    seen[name] = PublishState(latest=latest, newest=published)
    return ctx.artifact(published)


def settle_reveal(
    ctx: Context, name: str, number: int, claim_id: str, published: it.Item, failure: Exception
) -> it.Item:
    """Decide a failed reveal from what is stored: our revealed item, or abandon our pending claim.

    Anything else raises without deleting anything: the version may be visible.
    """
    stored = ctx.get_item(it.key(name, encode_version_sk(number)))  # if this fails, we know nothing: raise
    ours = stored is not None and it.get_s(stored, "claim_id") == claim_id
    if ours and stored is not None:
        if it.is_visible(stored) and it.get_s(stored, "sha256") == it.get_s(published, "sha256"):
            return stored  # the reveal committed; its response was lost
        if it.get_s(stored, "publish_state") == it.PENDING:
            abandon_claim(ctx, name, number, claim_id)
            raise failure
    raise ConflictError(
        f"publish of {name!r} version {number}: the reveal failed ({type(failure).__name__}) and the version "
        f"is now {describe(stored)}; nothing was deleted — run check({name!r})"
    )


def describe(item: it.Item | None) -> str:
    if item is None:
        return "missing"
    state = it.get_s(item, "publish_state")
    if state is not None:
        return f"{state} (claim {it.get_s(item, 'claim_id') or 'of another tool'})"
    return "deleted" if it.get_bool(item, "is_deleted") else f"visible with sha256 {it.get_s(item, 'sha256')}"


def abandon_claim(ctx: Context, name: str, number: int, claim_id: str) -> None:
    """Retire a claim that will not be revealed; then, and only then, delete its bytes.

    The item is marked abandoned first (a terminal state: never visible), conditioned on it still
    being that pending claim; its object is deleted only once the mark is known to have committed
    (re-read when the write's outcome is unknown). The number stays burned, never reused. Best
    effort: what is left is invisible, and check() reports claims left pending.
    """
    key = it.key(name, encode_version_sk(number))
    try:
        ctx.c.dynamodb.update_item(
            TableName=ctx.table,
            Key=key,
            UpdateExpression="SET publish_state = :abandoned",
            ConditionExpression="publish_state = :pending AND claim_id = :id",
            ExpressionAttributeValues={
                ":pending": it.s(it.PENDING),
                ":abandoned": it.s(it.ABANDONED),
                ":id": it.s(claim_id),
            },
        )
    except Exception:  # noqa: BLE001 - lost response or condition: look at what is stored
        try:
            stored = ctx.get_item(key)
        except Exception:  # noqa: BLE001 - outcome unknown: keep the bytes
            return
        if (
            stored is None
            or it.get_s(stored, "publish_state") != it.ABANDONED
            or it.get_s(stored, "claim_id") != claim_id
        ):
            return
    try:
        ctx.c.s3.delete_object(Bucket=ctx.bucket, Key=ctx.key(name, str(number)))
    except Exception:  # noqa: BLE001 - bytes under an abandoned claim are invisible either way
        pass
    try:
        # Free LATEST's content for the next publisher (who also treats a mark naming an
        # abandoned claim as free, should this write not happen).
        ctx.c.dynamodb.update_item(
            TableName=ctx.table,
            Key=it.key(name, LATEST),
            UpdateExpression="REMOVE claim_version, claim_sha, claim_id",
            ConditionExpression="claim_id = :id",
            ExpressionAttributeValues={":id": it.s(claim_id)},
        )
    except Exception:  # noqa: BLE001 - see above
        pass


def copy_and_describe(ctx: Context, name: str, version: str, latest: it.Item) -> it.Item:
    """Copy LATEST's object to `version`'s key; the version item describing the copied bytes."""
    source, target = ctx.key(name, LATEST), ctx.key(name, version)
    size = it.get_n(latest, "size")
    head = None
    if size is None:
        head = ctx.c.s3.head_object(Bucket=ctx.bucket, Key=source)
        size = int(head["ContentLength"])
    etag = None
    if size <= COPY_THRESHOLD:
        copied = ctx.c.s3.copy_object(
            Bucket=ctx.bucket,
            Key=target,
            CopySource={"Bucket": ctx.bucket, "Key": source},
            MetadataDirective="COPY",
        )
        etag = copied.get("CopyObjectResult", {}).get("ETag")
    else:
        copy_in_parts(ctx, source, target, head or ctx.c.s3.head_object(Bucket=ctx.bucket, Key=source))
    now = ctx.now()
    if etag is not None and etag == it.get_s(latest, "etag"):
        return it.artifact_item(
            name,
            version,
            update_at=now,
            sha256=it.get_s(latest, "sha256") or "",
            size=it.get_n(latest, "size"),
            content_type=it.get_s(latest, "content_type"),
            metadata=it.get_map_s(latest, "metadata"),
            etag=etag,
        )
    # S3's LATEST may not be the object the item describes (a concurrent upload, an item versioned
    # wrote, a copy in parts): describe the copy by its own metadata, written with its bytes.
    described = item_from_head(name, version, ctx.c.s3.head_object(Bucket=ctx.bucket, Key=target), update_at=now)
    if not is_sha256(it.get_s(described, "sha256")):
        raise IntegrityError(f"S3 object {s3_uri(ctx.bucket, source)} has no artifact_sha256 metadata")
    return described


def copy_in_parts(ctx: Context, source: str, target: str, head: dict[str, Any]) -> None:
    """Multipart copy (UploadPartCopy by byte range) keeping metadata, content type and tags.

    Every part is conditioned on the source's ETag; as moto does not enforce that, the source is
    looked at again afterwards and a change means the copy may mix two uploads (_ContentMoved).
    """
    s3 = ctx.c.s3
    size = int(head["ContentLength"])
    extra: dict[str, Any] = {"Metadata": head.get("Metadata", {})}
    if head.get("ContentType"):
        extra["ContentType"] = head["ContentType"]
    tags = s3.get_object_tagging(Bucket=ctx.bucket, Key=source).get("TagSet", [])
    if tags:
        extra["Tagging"] = urlencode([(t["Key"], t["Value"]) for t in tags])
    upload_id = s3.create_multipart_upload(Bucket=ctx.bucket, Key=target, **extra)["UploadId"]
    try:
        part_size = max(COPY_PART_SIZE, math.ceil(size / MAX_COPY_PARTS))
        parts = []
        for number, start in enumerate(range(0, size, part_size), start=1):
            end = min(start + part_size, size) - 1
            copied = s3.upload_part_copy(
                Bucket=ctx.bucket,
                Key=target,
                UploadId=upload_id,
                PartNumber=number,
                CopySource={"Bucket": ctx.bucket, "Key": source},
                CopySourceRange=f"bytes={start}-{end}",
                CopySourceIfMatch=head["ETag"],
            )
            parts.append({"ETag": copied["CopyPartResult"]["ETag"], "PartNumber": number})
        s3.complete_multipart_upload(
            Bucket=ctx.bucket, Key=target, UploadId=upload_id, MultipartUpload={"Parts": parts}
        )
    except BaseException:
        try:
            s3.abort_multipart_upload(Bucket=ctx.bucket, Key=target, UploadId=upload_id)
        except Exception:  # noqa: BLE001 - S3 lifecycle rules reap what an abort leaves
            pass
        raise
    if s3.head_object(Bucket=ctx.bucket, Key=source)["ETag"] != head["ETag"]:
        raise _ContentMoved


def latest_moved(name: str, expected: str, latest: it.Item) -> ConflictError:
    sha = it.get_s(latest, "sha256") or "?"
    when = it.item_update_at(latest)
    return ConflictError(
        f"LATEST of {name!r} changed: it is now sha256 {sha[:12]} (uploaded "
        f"{when:%Y-%m-%d %H:%M:%S} UTC), not {expected[:12]} as confirmed; review it and publish again",
        when=when,
    )
