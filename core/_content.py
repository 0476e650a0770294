"""Content streaming: open any content as a seekable stream, hash it, upload it, read it back verified."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from . import items as it
from ._aws import error_code
from ._fence import Fence, read_with_latest
from ._storage import MAX_ATTEMPTS, Context, cancellation_codes, item_from_head
from .errors import ArtifactNotFoundError, ConflictError, IntegrityError, InvalidArgumentError
from .layout import LATEST, VERSION_ZFILL, names_prefix, parse_s3_uri

if TYPE_CHECKING:
    from .models import Artifact

Content = bytes | bytearray | memoryview | str | os.PathLike[str] | IO[bytes]

CHUNK = 1024 * 1024
MULTIPART_THRESHOLD = 16 * CHUNK


def upload(
    ctx: Context,
    name: str,
    stream: IO[bytes],
    sha256: str,
    size: int,
    content_type: str | None,
    metadata: dict[str, str],
    tag_set: str,
) -> tuple[it.Item, it.Item | None]:
    """Upload a hashed stream as LATEST: (item written, LATEST's item once reconciled).

    When LATEST already holds these bytes nothing is written: (LATEST's item, None).
    """
    current, fence = read_with_latest(ctx, name)
    fence.refuse_if_purging(ctx.now())
    if current is not None and it.is_visible(current) and it.get_s(current, "sha256") == sha256:
        # The item alone is not proof: a half-failed upload leaves it describing other bytes.
        if object_sha256(ctx, ctx.key(name, LATEST)) == sha256:
            return current, None
    s3_metadata = {"artifact_name": name, "artifact_sha256": sha256, **metadata}
    extra: dict[str, Any] = {"Metadata": s3_metadata}
    if content_type:
        extra["ContentType"] = content_type
    if tag_set:
        extra["Tagging"] = tag_set
    key = ctx.key(name, LATEST)
    s3 = ctx.c.s3
    if size < MULTIPART_THRESHOLD:
        etag = s3.put_object(Bucket=ctx.bucket, Key=key, Body=stream.read(), **extra)["ETag"]
    else:
        from boto3.s3.transfer import TransferConfig

        config = TransferConfig(
            multipart_threshold=MULTIPART_THRESHOLD,
            multipart_chunksize=8 * CHUNK,
            max_concurrency=4,
        )
        # s3transfer buffers up to 10 parts of a file object by default; a file on
        # disk is read part by part instead. Either way memory stays flat.
        config.max_in_memory_upload_chunks = 2
        path = getattr(stream, "name", None)
        if isinstance(path, str) and os.path.isfile(path):
            s3.upload_file(path, ctx.bucket, key, ExtraArgs=extra, Config=config)
        else:
            s3.upload_fileobj(stream, ctx.bucket, key, ExtraArgs=extra, Config=config)
        etag = None
    item = it.artifact_item(
        name,
        LATEST,
        update_at=ctx.now(),
        sha256=sha256,
        size=size,
        content_type=content_type,
        metadata=metadata,
        etag=etag,
    )
    if etag is None:
        head = s3.head_object(Bucket=ctx.bucket, Key=key)
        if head.get("Metadata", {}).get("artifact_sha256") == sha256:
            item["etag"] = it.s(head["ETag"])
    write_latest(ctx, item, fence)
    return item, reconcile_latest(ctx, name, item, fence)


def write_latest(ctx: Context, item: it.Item, fence: Fence) -> None:
    """Write LATEST's item, keeping a publisher's claim mark when the content stays the same.

    The mark (claim_sha, claim_version, claim_id; see _publish) is how concurrent publishers of
    one content find each other's claim; rewriting the same content (a reconcile after concurrent
    uploads) must not erase it. New content replaces the item, mark and all. Each write is a
    transaction with the name's purge fence as the upload read it (see _fence): a purge that began
    since then fails it. Both writes are idempotent, so a replay after a lost response cannot fail
    its own condition.
    """
    name = item["pk"]["S"]
    for _ in range(MAX_ATTEMPTS):
        put = {
            "TableName": ctx.table,
            "Item": item,
            "ConditionExpression": "attribute_not_exists(claim_sha) OR claim_sha <> :sha",
            "ExpressionAttributeValues": {":sha": item["sha256"]},
        }
        if write_fenced(ctx, fence, {"Put": put}):
            return
        fields = {k: v for k, v in item.items() if k not in ("pk", "sk")}
        names = {f"#a{i}": k for i, k in enumerate(fields)}
        values: dict[str, Any] = {f":v{i}": v for i, v in enumerate(fields.values())}
        values[":sha"] = item["sha256"]
        update = "SET " + ", ".join(f"#a{i} = :v{i}" for i in range(len(fields)))
        absent = [k for k in ("size", "content_type", "etag") if k not in item]
        if absent:
            names.update({f"#r{i}": k for i, k in enumerate(absent)})
            update += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(absent)))
        same_content = {
            "TableName": ctx.table,
            "Key": it.key(name, item["sk"]["S"]),
            "UpdateExpression": update,
            "ConditionExpression": "claim_sha = :sha",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        if write_fenced(ctx, fence, {"Update": same_content}):
            return
    raise ConflictError(f"writing LATEST of {name!r} kept conflicting; try again")


def write_fenced(ctx: Context, fence: Fence, write: dict[str, Any]) -> bool:
    """Apply one LATEST write with the fence check; False if the write's own condition failed."""
    try:
        ctx.c.dynamodb.transact_write_items(TransactItems=[fence.condition(ctx.table), write])
    except Exception as exc:
        reasons = cancellation_codes(exc)
        if reasons is None:
            raise
        if reasons[0]:
            raise ConflictError(
                f"artifact {fence.name!r} was purged while this upload ran; its item was not written "
                "and no version lost its bytes: upload again"
            ) from None
        return False
    return True


def reconcile_latest(ctx: Context, name: str, written: it.Item, fence: Fence) -> it.Item:
    """Make LATEST's item describe the bytes S3 holds after a concurrent upload overtook ours.

    Each uploader re-reads S3 after its own item write and repairs the item until they agree,
    so once uploads stop, item and object agree whatever the interleaving.
    """
    key = ctx.key(name, LATEST)
    for _ in range(MAX_ATTEMPTS):
        head = ctx.c.s3.head_object(Bucket=ctx.bucket, Key=key)
        if head.get("Metadata", {}).get("artifact_sha256") == it.get_s(written, "sha256"):
            return written
        repaired = item_from_head(name, LATEST, head, update_at=head["LastModified"])
        write_latest(ctx, repaired, fence)
        written = repaired
    return written


def object_sha256(ctx: Context, key: str) -> str | None:
    """The artifact_sha256 metadata of an object in the repository's bucket; None if it is missing."""
    try:
        head = ctx.c.s3.head_object(Bucket=ctx.bucket, Key=key)
    except Exception as exc:
        if error_code(exc) in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return head.get("Metadata", {}).get("artifact_sha256")


def version_of_key(ctx: Context, bucket: str, key: str) -> tuple[str, str] | None:
    """(name, sort key) of a version's object in this repository, or None for any other key."""
    prefix = names_prefix(ctx.prefix)
    if bucket != ctx.bucket or not key.startswith(prefix) or not key.endswith(ctx.suffix):
        return None
    name, _, sk = key[len(prefix) : len(key) - len(ctx.suffix)].rpartition("/")
    if not name or "/" in name or not (sk == LATEST or (len(sk) == VERSION_ZFILL and sk.isdigit())):
        return None
    return name, sk


def recorded_sha256(ctx: Context, uri: str) -> str | None:
    """The sha256 DynamoDB records for the version stored at `uri` (None for a URI outside the repository).

    ArtifactNotFoundError if the version item is gone: an alias pointing there dangles.
    """
    bucket, key = parse_s3_uri(uri)
    found = version_of_key(ctx, bucket, key)
    if found is None:
        return None
    item = ctx.get_item(it.key(*found))
    if item is None or not it.get_s(item, "sha256"):
        raise ArtifactNotFoundError(f"{uri}: artifact {found[0]!r} has no version item for {found[1]}")
    return it.get_s(item, "sha256")


def read_uri(ctx: Context, uri: str, sha256: str | None) -> bytes:
    """The bytes at an s3:// URI, verified against sha256, else against the sha256 the version's
    item records (alias reads), else against the object's own artifact_sha256."""
    bucket, key = parse_s3_uri(uri)
    sink = io.BytesIO()
    with ctx.aws(f"read {uri}"):
        if sha256 is None:
            sha256 = recorded_sha256(ctx, uri)
        body = ctx.c.s3.get_object(Bucket=bucket, Key=key)
        copy_verified(body, sink, uri, sha256)
    return sink.getvalue()


def verify(ctx: Context, name: str, artifact: Artifact) -> Artifact:
    """IntegrityError unless the version's object exists and carries its recorded sha256."""
    location = artifact.s3path
    with ctx.aws(f"verify {artifact.s3uri}"):
        try:
            head = ctx.c.s3.head_object(Bucket=location.bucket, Key=location.key)
        except Exception as exc:
            if error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                raise _missing(name, artifact) from None
            raise
    stored = head.get("Metadata", {}).get("artifact_sha256")
    if stored != artifact.sha256:
        raise IntegrityError(
            f"artifact {name!r} version {artifact.version}: S3 object says sha256 "
            f"{stored}, DynamoDB records {artifact.sha256}"
        )
    return artifact


def _missing(name: str, artifact: Artifact) -> IntegrityError:
    return IntegrityError(f"artifact {name!r} version {artifact.version}: S3 object {artifact.s3uri} is missing")


LIST_PAGE = 1000
"""Keys one ListObjectsV2 page returns (S3's maximum); objects beyond it are verified by HEAD."""


def verify_many(ctx: Context, artifacts: Sequence[Artifact]) -> list[Artifact | IntegrityError]:
    """`verify` for each artifact, in order: the artifact, or the IntegrityError `verify` raises for it.

    Objects of one artifact whose version items record an ETag are looked at with one ListObjectsV2
    page starting at the lowest of their keys: a listed ETag equal to the recorded one is the object
    core wrote with the recorded bytes (an ETag changes with the bytes, multipart and encrypted ones
    too); a key the page passes over does not exist. Anything else (no recorded ETag, as versioned
    1.0.1 writes; an ETag that differs; a key beyond the page; no permission to list) gets `verify`'s
    HEAD, so each failure says what `verify` says. Other backend failures propagate.
    """
    results: list[Artifact | IntegrityError | None] = [None] * len(artifacts)
    folders: dict[tuple[str, str], list[int]] = {}
    for index, artifact in enumerate(artifacts):
        if artifact.etag:
            location = artifact.s3path
            folder = location.key.rpartition("/")[0] + "/"
            folders.setdefault((location.bucket, folder), []).append(index)
    for (bucket, folder), indexes in folders.items():
        keys = {artifacts[i].s3path.key for i in indexes}
        if len(keys) < 2:
            continue  # one object: its HEAD costs what a listing would
        page = _list_page(ctx, bucket, folder, min(keys))
        if page is None:
            continue
        listed, complete = page
        last = max(listed, default="")
        for i in indexes:
            artifact = artifacts[i]
            key = artifact.s3path.key
            if key in listed:
                if listed[key] == artifact.etag:
                    results[i] = artifact
            elif complete or key < last:
                results[i] = _missing(artifact.name, artifact)
    verified: list[Artifact | IntegrityError] = []
    for artifact, result in zip(artifacts, results, strict=True):
        if result is None:
            try:
                result = verify(ctx, artifact.name, artifact)
            except IntegrityError as error:
                result = error
        verified.append(result)
    return verified


def _list_page(ctx: Context, bucket: str, folder: str, lowest: str) -> tuple[dict[str, str], bool] | None:
    """({key: ETag} of one page of `folder` from `lowest` on, whether it holds the folder's rest);
    None without permission to list (verifying by HEAD needs only s3:GetObject)."""
    with ctx.aws(f"list s3://{bucket}/{folder}"):
        try:
            # StartAfter is exclusive: the key one character shorter sorts just before `lowest`.
            page = ctx.c.s3.list_objects_v2(Bucket=bucket, Prefix=folder, StartAfter=lowest[:-1], MaxKeys=LIST_PAGE)
        except Exception as exc:
            if error_code(exc) in ("AccessDenied", "403"):
                return None
            raise
    listed = {entry["Key"]: entry.get("ETag", "") for entry in page.get("Contents", [])}
    return listed, not page.get("IsTruncated", False)


def validate_sink(path_or_file: object) -> None:
    """InvalidArgumentError unless the download target is a path in an existing folder or a
    file object that accepts bytes (probed by writing b"", which changes nothing)."""
    if isinstance(path_or_file, (str, os.PathLike)):
        path = Path(path_or_file)
        if path.is_dir():
            raise InvalidArgumentError(f"download target {str(path)!r} is a directory")
        if not path.parent.is_dir():
            raise InvalidArgumentError(f"download target folder {str(path.parent)!r} does not exist")
        return
    write = getattr(path_or_file, "write", None)
    if not callable(write):
        raise InvalidArgumentError(
            f"download target must be a path or a binary file object with write(), got {type(path_or_file).__name__}"
        )
    if isinstance(path_or_file, io.TextIOBase):
        raise InvalidArgumentError("download target file object must be opened in binary mode ('wb'), not text mode")
    try:
        write(b"")
    except TypeError:
        raise InvalidArgumentError(
            f"download target {type(path_or_file).__name__} does not accept bytes: open it in binary mode"
        ) from None


def download(ctx: Context, artifact: Artifact, path_or_file: str | os.PathLike[str] | IO[bytes]) -> Artifact:
    """Stream a version into a binary file, or into a path via a temporary file renamed once verified."""
    location = artifact.s3path
    if not isinstance(path_or_file, (str, os.PathLike)):
        with ctx.aws(f"download {artifact.s3uri}"):
            body = ctx.c.s3.get_object(Bucket=location.bucket, Key=location.key)
            copy_verified(body, path_or_file, artifact.s3uri, artifact.sha256)
        return artifact
    path = Path(path_or_file)
    validate_sink(path)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as sink, ctx.aws(f"download {artifact.s3uri}"):
            body = ctx.c.s3.get_object(Bucket=location.bucket, Key=location.key)
            copy_verified(body, sink, artifact.s3uri, artifact.sha256)
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    return artifact


@contextmanager
def open_content(content: Content) -> Iterator[IO[bytes]]:
    """A seekable binary stream over the content; non-seekable input is spooled to disk."""
    if isinstance(content, (bytes, bytearray, memoryview)):
        yield io.BytesIO(bytes(content))
        return
    if isinstance(content, (str, os.PathLike)):
        path = Path(content)
        if not path.is_file():
            raise InvalidArgumentError(f"content path {str(path)!r} is not a readable file")
        with path.open("rb") as handle:
            yield handle
        return
    if not hasattr(content, "read"):
        raise InvalidArgumentError(
            f"content must be bytes, a path or a binary file object, got {type(content).__name__}"
        )
    if isinstance(content, io.TextIOBase):
        raise InvalidArgumentError("content file object must be opened in binary mode ('rb'), not text mode")
    seekable = getattr(content, "seekable", lambda: False)()
    if seekable:
        yield _Offset(content, content.tell())  # type: ignore[misc]
        return
    with tempfile.NamedTemporaryFile(prefix="vrc-upload-") as spool:
        while chunk := content.read(CHUNK):
            if not isinstance(chunk, (bytes, bytearray, memoryview)):
                raise InvalidArgumentError("content file object must be opened in binary mode: read() gave text")
            spool.write(chunk)
        spool.flush()
        spool.seek(0)
        yield spool


class _Offset(io.RawIOBase):
    """A view of a seekable file starting at `start`, so seek(0) returns there."""

    def __init__(self, inner: IO[bytes], start: int) -> None:
        self._inner, self._start = inner, start
        inner.seek(start)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self._inner.read(size)
        if isinstance(chunk, str):
            raise InvalidArgumentError("content file object must be opened in binary mode")
        return chunk

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            return self._inner.seek(self._start + offset) - self._start
        return self._inner.seek(offset, whence) - self._start

    def tell(self) -> int:
        return self._inner.tell() - self._start


def hash_stream(stream: IO[bytes]) -> tuple[str, int]:
    """(sha256 hex, size) of the stream, read in chunks; leaves it rewound."""
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK):
        if isinstance(chunk, str):
            raise InvalidArgumentError("content file object must be opened in binary mode")
        digest.update(chunk)
        size += len(chunk)
    stream.seek(0)
    return digest.hexdigest(), size


def copy_verified(response: dict[str, Any], sink: IO[bytes], uri: str, sha256: str | None) -> None:
    """Stream a GetObject body into sink; IntegrityError if it does not hash to what it should."""
    expected = sha256 or response.get("Metadata", {}).get("artifact_sha256")
    digest = hashlib.sha256()
    body = response["Body"]
    try:
        for chunk in body.iter_chunks(CHUNK):
            digest.update(chunk)
            sink.write(chunk)
    finally:
        body.close()
    if expected and digest.hexdigest() != expected:
        raise IntegrityError(f"{uri}: content hashes to sha256 {digest.hexdigest()}, expected {expected}")
