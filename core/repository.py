"""Repository: the only place that talks to S3 and DynamoDB."""

from __future__ import annotations

import dataclasses
import functools
import getpass
import hashlib
import io
import os
import random
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

from . import items as it
from ._aws import ClientCache, Clients, Target, error_code, paginate, translated
from .errors import (
    AliasNotFoundError,
    ArtifactNotFoundError,
    ConflictError,
    IntegrityError,
    InvalidArgumentError,
    InvalidWeightError,
    ProtectedVersionError,
    ReadOnlyError,
    ValidationError,
    WeightTypeError,
)
from .layout import (
    LATEST,
    alias_pk,
    artifact_key,
    encode_version,
    encode_version_sk,
    history_pk,
    is_reserved_name,
    names_prefix,
    parse_s3_uri,
    s3_uri,
    validate_alias,
    validate_existing_name,
    validate_name,
    validate_weight,
)
from .models import Alias, AliasAction, AliasConfig, AliasEvent, Artifact, Problem, VersionView

if TYPE_CHECKING:
    import boto3

Content = bytes | bytearray | memoryview | str | os.PathLike[str] | IO[bytes]
F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_S3_PREFIX = "versioned-artifacts"
DEFAULT_TABLE_NAME = "versioned-artifacts"
RESERVED_METADATA = ("artifact_name", "artifact_sha256")
CHUNK = 1024 * 1024
MULTIPART_THRESHOLD = 16 * CHUNK
# A claimed-but-unfinished publish older than this is reported by check() as abandoned.
ABANDONED_AFTER = timedelta(minutes=15)
MAX_ATTEMPTS = 60


def _writes(method: F) -> F:
    """Refuse the call with ReadOnlyError, before any AWS call, on a read-only repository."""

    @functools.wraps(method)
    def guarded(self: Repository, *args: Any, **kwargs: Any) -> Any:
        if self.read_only:
            raise ReadOnlyError(f"{method.__name__} refused: repository {self.location()} is open read-only")
        return method(self, *args, **kwargs)

    return guarded  # type: ignore[return-value]


@dataclasses.dataclass
class _PublishState:
    """What a publisher must know: LATEST's item and the newest version item (any state)."""

    latest: it.Item
    newest: it.Item | None


class PurgeResult(tuple):  # type: ignore[type-arg]
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


@dataclasses.dataclass
class Repository:
    """Versioned artifacts in S3 with metadata in DynamoDB; compatible with versioned 1.0.1.

    Every method takes an optional `bsm`: a boto3.Session or an object with a `boto_ses`
    attribute holding one. Without it the repository's own session is used.
    """

    aws_region: str
    s3_bucket: str
    s3_prefix: str = DEFAULT_S3_PREFIX
    dynamodb_table_name: str = DEFAULT_TABLE_NAME
    suffix: str = ""
    boto_session: Any = None
    endpoint_url: str | None = None
    read_only: bool = False
    operator: str | None = None
    use_sts: bool = True
    clock: Callable[[], datetime] | None = None

    def __post_init__(self) -> None:
        self._clients = ClientCache(self.aws_region, self.endpoint_url)
        self._target = Target(self.aws_region, self.s3_bucket, self.dynamodb_table_name, self.endpoint_url)
        self._lock = threading.Lock()
        self._identity: dict[int, str] = {}
        self._alias_seen: dict[tuple[str, str], it.Item | None] = {}
        self._publish_seen: dict[str, _PublishState] = {}

    # --- plumbing ---------------------------------------------------------------------------

    def location(self) -> str:
        """Human description: s3://bucket/prefix · table · region[ · endpoint]."""
        parts = [
            f"s3://{self.s3_bucket}/{self.s3_prefix.strip('/')}",
            f"table {self.dynamodb_table_name}",
            self.aws_region,
        ]
        if self.endpoint_url:
            parts.append(self.endpoint_url)
        return " · ".join(parts)

    def _now(self) -> datetime:
        return self.clock() if self.clock else datetime.now(UTC)

    def _session(self, bsm: Any) -> boto3.Session:
        if bsm is None:
            if self.boto_session is None:
                with self._lock:
                    if self.boto_session is None:
                        import boto3

                        self.boto_session = boto3.Session(region_name=self.aws_region)
            return self.boto_session
        session = getattr(bsm, "boto_ses", bsm)
        if not hasattr(session, "client"):
            raise InvalidArgumentError(
                f"bsm must be a boto3.Session or have a boto_ses attribute, got {type(bsm).__name__}"
            )
        return session

    def _c(self, bsm: Any) -> Clients:
        return self._clients.get(self._session(bsm))

    @contextmanager
    def _aws(self, action: str) -> Iterator[None]:
        with translated(self._target, action):
            yield

    def _key(self, name: str, version: int | str | None) -> str:
        return artifact_key(self.s3_prefix, name, version, self.suffix)

    def _uri(self, name: str, version: int | str | None) -> str:
        return s3_uri(self.s3_bucket, self._key(name, version))

    def _get_item(self, c: Clients, key: it.Item) -> it.Item | None:
        response = c.dynamodb.get_item(TableName=self.dynamodb_table_name, Key=key, ConsistentRead=True)
        return response.get("Item")

    def _query(self, c: Clients, pk: str, *, forward: bool = True, **kwargs: Any) -> list[it.Item]:
        found: list[it.Item] = []
        for page in paginate(
            c.dynamodb.query,
            "ExclusiveStartKey",
            "LastEvaluatedKey",
            TableName=self.dynamodb_table_name,
            KeyConditionExpression="pk = :pk" + kwargs.pop("sk_condition", ""),
            ExpressionAttributeValues={":pk": it.s(pk), **kwargs.pop("values", {})},
            ScanIndexForward=forward,
            ConsistentRead=True,
            **kwargs,
        ):
            found.extend(page.get("Items", []))
        return found

    def _artifact(self, item: it.Item) -> Artifact:
        name = item["pk"]["S"]
        version = it.item_version(item)
        return Artifact(
            name=name,
            version=version,
            update_at=it.item_update_at(item),
            s3uri=self._uri(name, version),
            sha256=it.get_s(item, "sha256") or "",
            size=it.get_n(item, "size"),
            content_type=it.get_s(item, "content_type"),
            metadata=it.get_map_s(item, "metadata"),
        )._bind(self._read_uri)  # type: ignore[return-value]

    def _alias(self, name: str, item: it.Item) -> Alias:
        config = it.alias_config(item)
        return Alias(
            name=name,
            alias=it.alias_name_of(item),
            update_at=it.item_update_at(item),
            version=config.version,
            secondary_version=config.secondary_version,
            secondary_version_weight=config.secondary_version_weight,
            version_s3uri=self._uri(name, config.version),
            secondary_version_s3uri=(
                None if config.secondary_version is None else self._uri(name, config.secondary_version)
            ),
            revision=it.alias_revision(item),
            updated_by=it.get_s(item, "updated_by"),
        )._bind(self._read_uri)  # type: ignore[return-value]

    # --- bootstrap ----------------------------------------------------------------------------

    @_writes
    def bootstrap(self, bsm: Any = None) -> None:
        """Create the bucket and the table (on-demand billing) if they do not exist."""
        c = self._c(bsm)
        with self._aws("bootstrap"):
            try:
                c.s3.head_bucket(Bucket=self.s3_bucket)
            except Exception as exc:
                if error_code(exc) not in ("404", "NoSuchBucket", "NotFound"):
                    raise
                kwargs: dict[str, Any] = {"Bucket": self.s3_bucket}
                if self.aws_region != "us-east-1":
                    kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.aws_region}
                c.s3.create_bucket(**kwargs)
            try:
                c.dynamodb.describe_table(TableName=self.dynamodb_table_name)
            except Exception as exc:
                if error_code(exc) != "ResourceNotFoundException":
                    raise
                c.dynamodb.create_table(
                    TableName=self.dynamodb_table_name,
                    KeySchema=[
                        {"AttributeName": "pk", "KeyType": "HASH"},
                        {"AttributeName": "sk", "KeyType": "RANGE"},
                    ],
                    AttributeDefinitions=[
                        {"AttributeName": "pk", "AttributeType": "S"},
                        {"AttributeName": "sk", "AttributeType": "S"},
                    ],
                    BillingMode="PAY_PER_REQUEST",
                )
                c.dynamodb.get_waiter("table_exists").wait(
                    TableName=self.dynamodb_table_name,
                    WaiterConfig={"Delay": 1, "MaxAttempts": 60},
                )

    # --- identity ---------------------------------------------------------------------------

    def caller_identity(self, bsm: Any = None) -> str:
        """The STS caller ARN when it can be had, else the configured operator name."""
        session = self._session(bsm)
        known = self._identity.get(id(session))
        if known is not None:
            return known
        identity = None
        if self.use_sts:
            try:
                identity = self._clients.get(session).sts.get_caller_identity()["Arn"]
            except Exception:  # noqa: BLE001 - any failure means "use the operator name"
                identity = None
        if identity is None:
            identity = self.operator or _login_name()
        self._identity[id(session)] = identity
        return identity

    # --- artifacts ----------------------------------------------------------------------------

    @_writes
    def put_artifact(
        self,
        name: str,
        content: Content,
        content_type: str | None = None,
        metadata: dict[str, str] | None = None,
        tags: dict[str, str] | None = None,
        bsm: Any = None,
    ) -> Artifact:
        """Upload content as LATEST; unchanged content (same sha256) writes nothing.

        Content may be bytes, a path, or a binary file object; it is streamed, never held whole.
        Concurrent uploads resolve last-writer-wins, and LATEST's item always ends up describing
        the bytes S3 holds.
        """
        validate_name(name)
        user_metadata = _validate_metadata(metadata)
        tag_set = _validate_tags(tags)
        if content_type is not None and (not isinstance(content_type, str) or not content_type.strip()):
            raise InvalidArgumentError(f"content_type must be a non-empty string, got {content_type!r}")
        c = self._c(bsm)
        with _open_content(content) as stream:
            sha256, size = _hash_stream(stream)
            with self._aws(f"put_artifact {name!r}"):
                current = self._get_item(c, it.key(name, LATEST))
                if current is not None and it.is_visible(current) and it.get_s(current, "sha256") == sha256:
                    return self._artifact(current)
                s3_metadata = {"artifact_name": name, "artifact_sha256": sha256, **user_metadata}
                extra: dict[str, Any] = {"Metadata": s3_metadata}
                if content_type:
                    extra["ContentType"] = content_type
                if tag_set:
                    extra["Tagging"] = tag_set
                key = self._key(name, LATEST)
                if size < MULTIPART_THRESHOLD:
                    etag = c.s3.put_object(Bucket=self.s3_bucket, Key=key, Body=stream.read(), **extra)["ETag"]
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
                        c.s3.upload_file(path, self.s3_bucket, key, ExtraArgs=extra, Config=config)
                    else:
                        c.s3.upload_fileobj(stream, self.s3_bucket, key, ExtraArgs=extra, Config=config)
                    etag = None
                item = it.artifact_item(
                    name,
                    LATEST,
                    update_at=self._now(),
                    sha256=sha256,
                    size=size,
                    content_type=content_type,
                    metadata=user_metadata,
                    etag=etag,
                )
                if etag is None:
                    head = c.s3.head_object(Bucket=self.s3_bucket, Key=key)
                    if head.get("Metadata", {}).get("artifact_sha256") == sha256:
                        item["etag"] = it.s(head["ETag"])
                c.dynamodb.put_item(TableName=self.dynamodb_table_name, Item=item)
                final = self._reconcile_latest(c, name, item)
        seen = self._publish_seen.get(name)
        if seen is not None:
            # The next publish may claim without reading: its claim re-checks LATEST's sha256.
            self._publish_seen[name] = _PublishState(latest=final, newest=seen.newest)
        return self._artifact(item)

    def _reconcile_latest(self, c: Clients, name: str, written: it.Item) -> it.Item:
        """Make LATEST's item describe the bytes S3 holds after a concurrent upload overtook ours.

        Each uploader re-reads S3 after its own item write and repairs the item until they agree,
        so once uploads stop, item and object agree whatever the interleaving.
        """
        key = self._key(name, LATEST)
        for _ in range(MAX_ATTEMPTS):
            head = c.s3.head_object(Bucket=self.s3_bucket, Key=key)
            if head.get("Metadata", {}).get("artifact_sha256") == it.get_s(written, "sha256"):
                return written
            repaired = _item_from_head(name, LATEST, head, update_at=head["LastModified"])
            c.dynamodb.put_item(TableName=self.dynamodb_table_name, Item=repaired)
            written = repaired
        return written

    def get_artifact_version(self, name: str, version: int | str | None = None, bsm: Any = None) -> Artifact:
        """One version (default LATEST); ArtifactNotFoundError if missing or deleted."""
        validate_existing_name(name)
        sk = encode_version_sk(version)
        with self._aws(f"get_artifact_version {name!r}"):
            item = self._get_item(self._c(bsm), it.key(name, sk))
        if item is None or not it.is_visible(item):
            raise ArtifactNotFoundError(f"artifact {name!r} version {encode_version(version)} not found")
        return self._artifact(item)

    def list_artifact_versions(self, name: str, where: dict[str, str] | None = None, bsm: Any = None) -> list[Artifact]:
        """LATEST first, then newest first; `where` keeps versions whose metadata has those values."""
        validate_existing_name(name)
        where = _validate_metadata(where, what="where") if where else {}
        names = {"#del": "is_deleted", "#ps": "publish_state"}
        if where:
            names["#md"] = "metadata"
        values: dict[str, Any] = {":true": it.b(True)}
        clauses = ["NOT #del = :true", "attribute_not_exists(#ps)"]
        for i, (k, v) in enumerate(sorted(where.items())):
            names[f"#m{i}"] = k
            values[f":m{i}"] = it.s(v)
            clauses.append(f"#md.#m{i} = :m{i}")
        with self._aws(f"list_artifact_versions {name!r}"):
            found = self._query(
                self._c(bsm),
                name,
                forward=False,
                FilterExpression=" AND ".join(clauses),
                ExpressionAttributeNames=names,
                values=values,
            )
        return [self._artifact(item) for item in found]

    def list_versions_with_aliases(self, name: str, bsm: Any = None) -> list[VersionView]:
        """Versions (as list_artifact_versions) with the aliases pointing at each."""
        versions = self.list_artifact_versions(name, bsm=bsm)
        pointing: dict[str, list[str]] = {}
        for alias in self.list_aliases(name, bsm=bsm):
            pointing.setdefault(alias.version, []).append(alias.alias)
            if alias.secondary_version is not None:
                pointing.setdefault(alias.secondary_version, []).append(alias.alias)
        return [VersionView(artifact=a, aliases=tuple(sorted(pointing.get(a.version, ())))) for a in versions]

    def list_artifact_names(self, bsm: Any = None) -> list[str]:
        """Artifact names: one S3 listing page per 1,000 names."""
        # versioned allowed names that alias partitions shadow; check() reports them instead.
        return [n for n in self._stored_names(bsm) if not is_reserved_name(n)]

    def _stored_names(self, bsm: Any) -> list[str]:
        prefix = names_prefix(self.s3_prefix)
        names: list[str] = []
        with self._aws("list_artifact_names"):
            for page in paginate(
                self._c(bsm).s3.list_objects_v2,
                "ContinuationToken",
                "NextContinuationToken",
                Bucket=self.s3_bucket,
                Prefix=prefix,
                Delimiter="/",
            ):
                for common in page.get("CommonPrefixes", []):
                    names.append(common["Prefix"][len(prefix) :].rstrip("/"))
        return names

    # --- publish ------------------------------------------------------------------------------

    @_writes
    def publish_artifact_version(
        self,
        name: str,
        expected_sha256: str | None = None,
        force: bool = False,
        bsm: Any = None,
    ) -> Artifact:
        """Publish LATEST as the next immutable version.

        If LATEST equals the newest version, that version is returned (unless force=True).
        With expected_sha256, refuses with ConflictError if LATEST is no longer that content.
        Safe under concurrent publishers: the version number is claimed by a conditional write
        before any bytes are copied, and the version becomes visible only once its bytes are
        verified.
        """
        validate_existing_name(name)
        if expected_sha256 is not None and not _is_sha256(expected_sha256):
            raise InvalidArgumentError(f"expected_sha256 must be 64 hex characters, got {expected_sha256!r}")
        c = self._c(bsm)
        with self._aws(f"publish_artifact_version {name!r}"):
            state = self._publish_seen.get(name)
            for attempt in range(MAX_ATTEMPTS):
                if state is None or not self._may_claim_blind(state, expected_sha256, force):
                    state = self._read_publish_state(c, name)
                    latest_sha = it.get_s(state.latest, "sha256")
                    if expected_sha256 is not None and latest_sha != expected_sha256:
                        raise _latest_moved(name, expected_sha256, state.latest)
                    if (
                        not force
                        and state.newest is not None
                        and it.is_visible(state.newest)
                        and it.get_s(state.newest, "sha256") == latest_sha
                    ):
                        self._publish_seen[name] = state
                        return self._artifact(state.newest)
                number = (it.item_version_number(state.newest) if state.newest else 0) + 1
                claimed = self._claim(c, name, number, state.latest)
                if claimed == "ok":
                    artifact = self._copy_and_finalize(c, name, number, state, expected_sha256)
                    return artifact
                if claimed == "latest" and expected_sha256 is not None:
                    state = self._read_publish_state(c, name)
                    raise _latest_moved(name, expected_sha256, state.latest)
                state = None
                time.sleep(random.uniform(0, 0.01 * min(attempt + 1, 10)))
        raise ConflictError(
            f"publish of {name!r} gave up after {MAX_ATTEMPTS} attempts: too many concurrent publishers"
        )

    @staticmethod
    def _may_claim_blind(state: _PublishState, expected_sha256: str | None, force: bool) -> bool:
        """Whether a remembered state lets us claim without reading first (the claim re-checks it)."""
        latest_sha = it.get_s(state.latest, "sha256")
        if expected_sha256 is not None and latest_sha != expected_sha256:
            return False
        if state.newest is not None and it.get_s(state.newest, "sha256") == latest_sha and not force:
            return False
        return True

    def _read_publish_state(self, c: Clients, name: str) -> _PublishState:
        page = c.dynamodb.query(
            TableName=self.dynamodb_table_name,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": it.s(name)},
            ScanIndexForward=False,
            Limit=2,
            ConsistentRead=True,
        )
        found = page.get("Items", [])
        if not found or found[0]["sk"]["S"] != LATEST or not it.is_visible(found[0]):
            raise ArtifactNotFoundError(f"artifact {name!r} has no LATEST to publish; put_artifact first")
        return _PublishState(latest=found[0], newest=found[1] if len(found) > 1 else None)

    def _claim(self, c: Clients, name: str, number: int, latest: it.Item) -> str:
        """Reserve version `number` invisibly; 'ok', 'taken' or 'latest' (LATEST changed)."""
        claim = it.artifact_item(
            name,
            str(number),
            update_at=self._now(),
            sha256=it.get_s(latest, "sha256") or "",
            size=it.get_n(latest, "size"),
            content_type=it.get_s(latest, "content_type"),
            metadata=it.get_map_s(latest, "metadata"),
            etag=None,
            is_deleted=True,
            pending=True,
        )
        try:
            c.dynamodb.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.dynamodb_table_name,
                            "Item": claim,
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "ConditionCheck": {
                            "TableName": self.dynamodb_table_name,
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
            reasons = _cancellation_codes(exc)
            if reasons is None:
                raise
            if reasons[1] == "ConditionalCheckFailed":
                return "latest"
            return "taken"
        return "ok"

    def _copy_and_finalize(
        self, c: Clients, name: str, number: int, state: _PublishState, expected_sha256: str | None
    ) -> Artifact:
        version = str(number)
        source, target = self._key(name, LATEST), self._key(name, version)
        try:
            copied = c.s3.copy_object(
                Bucket=self.s3_bucket,
                Key=target,
                CopySource={"Bucket": self.s3_bucket, "Key": source},
                MetadataDirective="COPY",
            )
            latest = state.latest
            etag = copied.get("CopyObjectResult", {}).get("ETag")
            now = self._now()
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
                head = c.s3.head_object(Bucket=self.s3_bucket, Key=target)
                published = _item_from_head(name, version, head, update_at=now)
                if not _is_sha256(it.get_s(published, "sha256")):
                    raise IntegrityError(f"S3 object {s3_uri(self.s3_bucket, source)} has no artifact_sha256 metadata")
            if expected_sha256 is not None and it.get_s(published, "sha256") != expected_sha256:
                raise _latest_moved(name, expected_sha256, state.latest)
            # Replacing the claim reveals the version; only our pending claim may be replaced.
            c.dynamodb.put_item(
                TableName=self.dynamodb_table_name,
                Item=published,
                ConditionExpression="publish_state = :pending",
                ExpressionAttributeValues={":pending": it.s(it.PENDING)},
            )
        except BaseException:
            self._abandon_claim(c, name, version)
            raise
        self._publish_seen[name] = _PublishState(latest=state.latest, newest=published)
        return self._artifact(published)

    def _abandon_claim(self, c: Clients, name: str, version: str) -> None:
        """Best effort: retire a claim we could not finish. The number stays burned (never reused),
        the item stays invisible, and check() reports claims that were never retired."""
        try:
            c.s3.delete_object(Bucket=self.s3_bucket, Key=self._key(name, version))
            c.dynamodb.update_item(
                TableName=self.dynamodb_table_name,
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

    def _forget_latest(self, name: str) -> None:
        self._publish_seen.pop(name, None)

    # --- delete -------------------------------------------------------------------------------

    @_writes
    def delete_artifact_version(self, name: str, version: int | str | None = None, bsm: Any = None) -> None:
        """Soft-delete a version (default LATEST); a missing one is a no-op that writes nothing.

        Raises ProtectedVersionError, naming the aliases, if any alias points at the version.
        """
        validate_existing_name(name)
        sk = encode_version_sk(version)
        c = self._c(bsm)
        with self._aws(f"delete_artifact_version {name!r}"):
            for _ in range(MAX_ATTEMPTS):
                users = _aliases_using(self._alias_items(c, name)).get(encode_version(version), [])
                if users:
                    raise ProtectedVersionError(
                        f"version {encode_version(version)} of {name!r} is used by alias "
                        f"{', '.join(users)}; move or delete the alias first",
                        aliases=users,
                    )
                item = self._get_item(c, it.key(name, sk))
                if item is None or not it.is_visible(item):
                    return
                try:
                    c.dynamodb.update_item(
                        TableName=self.dynamodb_table_name,
                        Key=it.key(name, sk),
                        **_soft_delete(item),
                    )
                except Exception as exc:
                    if error_code(exc) != "ConditionalCheckFailedException":
                        raise
                    continue  # an alias moved onto it, or it changed: look again
                if sk == LATEST:
                    self._forget_latest(name)
                return
        raise ConflictError(f"delete of {name!r} version {version} kept conflicting; try again")

    @_writes
    def purge_artifact_versions(
        self,
        name: str,
        keep_last_n: int = 10,
        purge_older_than_secs: int = 90 * 24 * 60 * 60,
        bsm: Any = None,
    ) -> PurgeResult:
        """Soft-delete versions beyond the newest keep_last_n that are older than the cutoff.

        Versions an alias points at are kept and listed in the result's `.skipped`.
        """
        validate_existing_name(name)
        for label, value in (("keep_last_n", keep_last_n), ("purge_older_than_secs", purge_older_than_secs)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidArgumentError(f"{label} must be an int >= 0, got {value!r}")
        c = self._c(bsm)
        with self._aws(f"purge_artifact_versions {name!r}"):
            for _ in range(MAX_ATTEMPTS):
                found = self._query(
                    c,
                    name,
                    forward=False,
                    FilterExpression="NOT is_deleted = :true AND attribute_not_exists(publish_state)",
                    values={":true": it.b(True)},
                )
                users = _aliases_using(self._alias_items(c, name))
                purge_time = self._now()
                expire = purge_time - timedelta(seconds=purge_older_than_secs)
                numbered = [i for i in found if i["sk"]["S"] != LATEST]
                doomed: list[it.Item] = []
                skipped: list[tuple[Artifact, list[str]]] = []
                for item in numbered[keep_last_n:]:
                    if it.item_update_at(item) >= expire:
                        continue
                    version = it.item_version(item)
                    if version in users:
                        skipped.append((self._artifact(item), users[version]))
                    else:
                        doomed.append(item)
                try:
                    for start in range(0, len(doomed), 100):
                        c.dynamodb.transact_write_items(
                            TransactItems=[
                                {
                                    "Update": {
                                        "TableName": self.dynamodb_table_name,
                                        "Key": it.key(name, item["sk"]["S"]),
                                        **_soft_delete(item),
                                    }
                                }
                                for item in doomed[start : start + 100]
                            ]
                        )
                except Exception as exc:
                    if _cancellation_codes(exc) is None:
                        raise
                    continue  # an alias moved onto a doomed version meanwhile: re-plan
                return PurgeResult(purge_time, [self._artifact(i) for i in doomed], skipped)
        raise ConflictError(f"purge of {name!r} kept conflicting with alias changes; try again")

    @_writes
    def purge_artifact(self, name: str, bsm: Any = None) -> None:
        """Delete every object, version, alias and alias event of an artifact. Irreversible."""
        validate_existing_name(name)
        c = self._c(bsm)
        with self._aws(f"purge_artifact {name!r}"):
            self._delete_objects(c, f"{names_prefix(self.s3_prefix)}{name}/")
            doomed = [
                it.key(i["pk"]["S"], i["sk"]["S"])
                for pk in (name, alias_pk(name), history_pk(name))
                for i in self._query(c, pk, ProjectionExpression="pk, sk")
            ]
            self._batch_delete(c, doomed)
        self._forget_latest(name)
        self._alias_seen = {k: v for k, v in self._alias_seen.items() if k[0] != name}

    @_writes
    def purge_all(self, bsm: Any = None) -> None:
        """Delete every object under the prefix and every item in the table. Irreversible."""
        c = self._c(bsm)
        with self._aws("purge_all"):
            self._delete_objects(c, names_prefix(self.s3_prefix))
            doomed = [
                it.key(i["pk"]["S"], i["sk"]["S"])
                for page in paginate(
                    c.dynamodb.scan,
                    "ExclusiveStartKey",
                    "LastEvaluatedKey",
                    TableName=self.dynamodb_table_name,
                    ProjectionExpression="pk, sk",
                )
                for i in page.get("Items", [])
            ]
            self._batch_delete(c, doomed)
        self._publish_seen.clear()
        self._alias_seen.clear()

    def _delete_objects(self, c: Clients, prefix: str) -> None:
        for page in paginate(
            c.s3.list_objects_v2,
            "ContinuationToken",
            "NextContinuationToken",
            Bucket=self.s3_bucket,
            Prefix=prefix,
        ):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                c.s3.delete_objects(Bucket=self.s3_bucket, Delete={"Objects": keys, "Quiet": True})

    def _batch_delete(self, c: Clients, keys: list[it.Item]) -> None:
        for start in range(0, len(keys), 25):
            pending = {self.dynamodb_table_name: [{"DeleteRequest": {"Key": k}} for k in keys[start : start + 25]]}
            for attempt in range(MAX_ATTEMPTS):
                response = c.dynamodb.batch_write_item(RequestItems=pending)
                pending = response.get("UnprocessedItems") or {}
                if not pending:
                    break
                time.sleep(min(0.05 * 2**attempt, 1.0))

    # --- aliases ------------------------------------------------------------------------------

    @_writes
    def put_alias(
        self,
        name: str,
        alias: str,
        version: int | str | None = None,
        secondary_version: int | str | None = None,
        secondary_version_weight: int | None = None,
        expected_revision: int | None = None,
        reason: str | None = None,
        bsm: Any = None,
    ) -> Alias:
        """Point an alias at a version, optionally splitting traffic with a secondary one.

        The change and its history event are one DynamoDB transaction. With expected_revision,
        raises ConflictError (naming who changed it) if the alias moved since that revision.
        """
        validate_existing_name(name)
        validate_alias(alias)
        config = _alias_config(version, secondary_version, secondary_version_weight)
        return self._change_alias(name, alias, config, None, expected_revision, reason, bsm)

    def get_alias(self, name: str, alias: str, bsm: Any = None) -> Alias:
        """One alias; AliasNotFoundError if it does not exist."""
        validate_existing_name(name)
        validate_alias(alias)
        with self._aws(f"get_alias {name!r} {alias!r}"):
            item = self._get_item(self._c(bsm), it.key(alias_pk(name), alias))
        if item is not None and "version" not in item:
            item = None  # an artifact item versioned let into this partition, not an alias
        self._alias_seen[(name, alias)] = item
        if item is None:
            raise AliasNotFoundError(f"alias {alias!r} of artifact {name!r} not found")
        return self._alias(name, item)

    def list_aliases(self, name: str, bsm: Any = None) -> list[Alias]:
        """Every alias of an artifact, by name."""
        validate_existing_name(name)
        with self._aws(f"list_aliases {name!r}"):
            found = self._alias_items(self._c(bsm), name)
        for item in found:
            self._alias_seen[(name, it.alias_name_of(item))] = item
        return [self._alias(name, item) for item in found]

    @_writes
    def delete_alias(
        self,
        name: str,
        alias: str,
        expected_revision: int | None = None,
        reason: str | None = None,
        bsm: Any = None,
    ) -> None:
        """Delete an alias (recorded in its history); deleting a missing alias writes nothing."""
        validate_existing_name(name)
        validate_alias(alias)
        self._change_alias(name, alias, None, None, expected_revision, reason, bsm)

    def list_alias_history(self, name: str, alias: str, limit: int = 50, bsm: Any = None) -> list[AliasEvent]:
        """Recorded changes of an alias, newest first."""
        validate_existing_name(name)
        validate_alias(alias)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise InvalidArgumentError(f"limit must be an int in 1..1000, got {limit!r}")
        with self._aws(f"list_alias_history {name!r} {alias!r}"):
            found = self._history_items(self._c(bsm), name, alias, limit)
        return [it.event_from(name, item) for item in found]

    @_writes
    def rollback_alias(
        self,
        name: str,
        alias: str,
        to_revision: int | None = None,
        expected_revision: int | None = None,
        reason: str | None = None,
        bsm: Any = None,
    ) -> Alias | None:
        """Restore an alias to its configuration before its last change, or as of `to_revision`.

        Recorded as a 'rollback' event. Returns the alias, or None if the target state is
        "no alias" (rolling back its creation deletes it).
        """
        validate_existing_name(name)
        validate_alias(alias)
        if to_revision is not None and (
            isinstance(to_revision, bool) or not isinstance(to_revision, int) or to_revision < 1
        ):
            raise InvalidArgumentError(f"to_revision must be an int >= 1, got {to_revision!r}")
        history = self.list_alias_history(name, alias, limit=1000, bsm=bsm)
        if not history:
            raise ConflictError(f"alias {alias!r} of {name!r} has no recorded history to roll back")
        if to_revision is None:
            target = history[0].before
            label = f"its state before revision {history[0].revision}"
        else:
            match = [e for e in history if e.revision == to_revision]
            if not match:
                raise InvalidArgumentError(f"alias {alias!r} of {name!r} has no revision {to_revision} in its history")
            target = match[0].after
            label = f"revision {to_revision}"
        try:
            return self._change_alias(name, alias, target, "rollback", expected_revision, reason, bsm)
        except ArtifactNotFoundError as exc:
            raise ArtifactNotFoundError(f"cannot roll back alias {alias!r} of {name!r} to {label}: {exc}") from exc

    def _change_alias(
        self,
        name: str,
        alias: str,
        after: AliasConfig | None,
        action: AliasAction | None,
        expected_revision: int | None,
        reason: str | None,
        bsm: Any,
    ) -> Alias | None:
        """Apply one alias change and its history event in a single transaction.

        The condition pins the alias to exactly the state the event records as `before`
        (revision and update_at), so history never lies. The state comes from what this
        repository last saw; a stale guess costs one failed request that returns the real item.
        """
        if expected_revision is not None and (
            isinstance(expected_revision, bool) or not isinstance(expected_revision, int) or expected_revision < 0
        ):
            raise InvalidArgumentError(f"expected_revision must be an int >= 0, got {expected_revision!r}")
        if reason is not None and (not isinstance(reason, str) or len(reason) > 1000):
            raise InvalidArgumentError("reason must be a string of at most 1,000 characters")
        reason = reason.strip() or None if reason else None
        c = self._c(bsm)
        actor = self.caller_identity(bsm)
        seen_key = (name, alias)
        with self._aws(f"change alias {alias!r} of {name!r}"):
            if seen_key in self._alias_seen:
                before = self._alias_seen[seen_key]
            else:
                before = self._get_item(c, it.key(alias_pk(name), alias))
            if before is not None and "version" not in before:
                raise ConflictError(
                    f"alias key {alias!r} of {name!r} is taken by an item of artifact "
                    f"'__{name}-alias' (a name versioned allowed); pick another alias name"
                )
            floor = 0  # lowest revision the history allows next, raised after a collision
            for attempt in range(MAX_ATTEMPTS):
                current_revision = it.alias_revision(before)
                if expected_revision is not None and current_revision != expected_revision:
                    fresh = self._get_item(c, it.key(alias_pk(name), alias))
                    self._alias_seen[seen_key] = fresh
                    if it.alias_revision(fresh) != expected_revision:
                        raise _alias_moved(name, alias, expected_revision, fresh)
                    before = fresh
                    continue
                if after is None and before is None:
                    return None  # deleting an alias that does not exist changes nothing
                before_config = None if before is None else it.alias_config(before)
                revision = max(current_revision, floor) + 1
                now = self._now()
                event = AliasEvent(
                    name=name,
                    alias=alias,
                    revision=revision,
                    time=now,
                    actor=actor,
                    action=action or _classify(before_config, after),
                    before=before_config,
                    after=after,
                    reason=reason,
                )
                ops = [self._alias_write(name, alias, before, after, revision, now, actor, reason)]
                ops.append(
                    {
                        "Put": {
                            "TableName": self.dynamodb_table_name,
                            "Item": it.event_item(event),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    }
                )
                targets = (
                    []
                    if after is None
                    else [after.version] + ([after.secondary_version] if after.secondary_version else [])
                )
                for version in targets:
                    ops.append(
                        {
                            "Update": {
                                "TableName": self.dynamodb_table_name,
                                "Key": it.key(name, encode_version_sk(version)),
                                # Bumping the epoch makes a concurrent delete of this version fail.
                                "UpdateExpression": "ADD alias_epoch :one",
                                "ConditionExpression": (
                                    "attribute_exists(pk) AND NOT is_deleted = :true "
                                    "AND attribute_not_exists(publish_state)"
                                ),
                                "ExpressionAttributeValues": {":one": it.n(1), ":true": it.b(True)},
                            }
                        }
                    )
                try:
                    c.dynamodb.transact_write_items(TransactItems=ops)
                except Exception as exc:
                    codes = _cancellation_codes(exc)
                    if codes is None:
                        raise
                    for version, code in zip(targets, codes[2 : 2 + len(targets)], strict=True):
                        if code == "ConditionalCheckFailed":
                            raise ArtifactNotFoundError(
                                f"artifact {name!r} version {version} not found or deleted"
                            ) from None
                    if codes[0] == "ConditionalCheckFailed":
                        before = _cancellation_item(exc, 0)
                        self._alias_seen[seen_key] = before
                        if expected_revision is not None:
                            # Moved since the caller saw it, even if the revision did not change
                            # (versioned writes keep no revision; its update_at still differs).
                            raise _alias_moved(name, alias, expected_revision, before) from None
                    elif codes[1] == "ConditionalCheckFailed":
                        floor = self._last_recorded_revision(c, name, alias)
                    else:
                        time.sleep(random.uniform(0, 0.01 * min(attempt + 1, 10)))
                    continue
                if after is None:
                    self._alias_seen[seen_key] = None
                    return None
                written = ops[0]["Put"]["Item"]
                self._alias_seen[seen_key] = written
                return self._alias(name, written)
        raise ConflictError(f"alias {alias!r} of {name!r} kept changing; try again")

    def _alias_write(
        self,
        name: str,
        alias: str,
        before: it.Item | None,
        after: AliasConfig | None,
        revision: int,
        now: datetime,
        actor: str,
        reason: str | None,
    ) -> dict[str, Any]:
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
            "TableName": self.dynamodb_table_name,
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

    def _alias_items(self, c: Clients, name: str) -> list[it.Item]:
        # Skips artifact items that versioned let into this partition (an artifact named __x-alias).
        return [i for i in self._query(c, alias_pk(name)) if "version" in i]

    def _last_recorded_revision(self, c: Clients, name: str, alias: str) -> int:
        found = self._history_items(c, name, alias, 1)
        return int(found[0]["revision"]["N"]) if found else 0

    def _history_items(self, c: Clients, name: str, alias: str, limit: int) -> list[it.Item]:
        """The newest `limit` events of an alias (one page: limit is at most 1,000)."""
        page = c.dynamodb.query(
            TableName=self.dynamodb_table_name,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :alias)",
            ExpressionAttributeValues={":pk": it.s(history_pk(name)), ":alias": it.s(f"{alias}#")},
            ScanIndexForward=False,
            Limit=limit,
            ConsistentRead=True,
        )
        return page.get("Items", [])

    # --- content ------------------------------------------------------------------------------

    def _read_uri(self, uri: str, sha256: str | None, bsm: Any) -> bytes:
        bucket, key = parse_s3_uri(uri)
        sink = io.BytesIO()
        with self._aws(f"read {uri}"):
            body = self._c(bsm).s3.get_object(Bucket=bucket, Key=key)
            _copy_verified(body, sink, uri, sha256)
        return sink.getvalue()

    def verify_artifact_version(self, name: str, version: int | str | None = None, bsm: Any = None) -> Artifact:
        """Check, without downloading, that a version's object exists and carries its sha256."""
        artifact = self.get_artifact_version(name, version, bsm=bsm)
        location = artifact.s3path
        with self._aws(f"verify {artifact.s3uri}"):
            try:
                head = self._c(bsm).s3.head_object(Bucket=location.bucket, Key=location.key)
            except Exception as exc:
                if error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                    raise IntegrityError(
                        f"artifact {name!r} version {artifact.version}: S3 object {artifact.s3uri} is missing"
                    ) from None
                raise
        stored = head.get("Metadata", {}).get("artifact_sha256")
        if stored != artifact.sha256:
            raise IntegrityError(
                f"artifact {name!r} version {artifact.version}: S3 object says sha256 "
                f"{stored}, DynamoDB records {artifact.sha256}"
            )
        return artifact

    def download(
        self,
        name: str,
        version: int | str | None,
        path_or_file: str | os.PathLike[str] | IO[bytes],
        bsm: Any = None,
    ) -> Artifact:
        """Stream a version to a path or binary file, verifying its sha256 on the way.

        A path is written through a temporary file and only renamed into place once verified.
        """
        artifact = self.get_artifact_version(name, version, bsm=bsm)
        location = artifact.s3path
        if not isinstance(path_or_file, (str, os.PathLike)):
            with self._aws(f"download {artifact.s3uri}"):
                body = self._c(bsm).s3.get_object(Bucket=location.bucket, Key=location.key)
                _copy_verified(body, path_or_file, artifact.s3uri, artifact.sha256)
            return artifact
        path = Path(path_or_file)
        if path.is_dir():
            raise InvalidArgumentError(f"download target {str(path)!r} is a directory")
        if not path.parent.is_dir():
            raise InvalidArgumentError(f"download target folder {str(path.parent)!r} does not exist")
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as sink, self._aws(f"download {artifact.s3uri}"):
                body = self._c(bsm).s3.get_object(Bucket=location.bucket, Key=location.key)
                _copy_verified(body, sink, artifact.s3uri, artifact.sha256)
            os.replace(temp, path)
        finally:
            if os.path.exists(temp):
                os.unlink(temp)
        return artifact

    # --- consistency --------------------------------------------------------------------------

    def check(self, name: str | None = None, bsm: Any = None) -> list[Problem]:
        """Report inconsistencies between S3 and DynamoDB; changes nothing."""
        c = self._c(bsm)
        problems: list[Problem] = []
        now = self._now()
        with self._aws("check"):
            names = [validate_existing_name(name)] if name is not None else []
            if name is None:
                for stored in self._stored_names(bsm):
                    if is_reserved_name(stored):
                        problems.append(
                            Problem(
                                kind="name_collision",
                                name=stored,
                                detail=f"artifact {stored!r} shares its DynamoDB partition with the "
                                f"aliases or history of {stored[2:].rsplit('-', 1)[0]!r}; rename it",
                            )
                        )
                    else:
                        names.append(stored)
            for artifact_name in names:
                problems.extend(self._check_one(c, artifact_name, now))
        return problems

    def _check_one(self, c: Clients, name: str, now: datetime) -> list[Problem]:
        problems: list[Problem] = []
        found = {i["sk"]["S"]: i for i in self._query(c, name)}
        prefix = f"{names_prefix(self.s3_prefix)}{name}/"
        objects: set[str] = set()
        for page in paginate(
            c.s3.list_objects_v2,
            "ContinuationToken",
            "NextContinuationToken",
            Bucket=self.s3_bucket,
            Prefix=prefix,
        ):
            objects.update(o["Key"] for o in page.get("Contents", []))
        for sk, item in found.items():
            version = it.item_version(item)
            key = self._key(name, version)
            if get_pending := it.get_s(item, "publish_state"):
                if get_pending == it.PENDING and now - it.item_update_at(item) > ABANDONED_AFTER:
                    problems.append(
                        Problem(
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
                    Problem(
                        kind="missing_object",
                        name=name,
                        version=version,
                        detail=f"no S3 object at {s3_uri(self.s3_bucket, key)}",
                    )
                )
                continue
            objects.discard(key)
            head = c.s3.head_object(Bucket=self.s3_bucket, Key=key)
            stored = head.get("Metadata", {}).get("artifact_sha256")
            if stored != it.get_s(item, "sha256"):
                problems.append(
                    Problem(
                        kind="latest_mismatch" if sk == LATEST else "sha256_mismatch",
                        name=name,
                        version=version,
                        detail=f"S3 object says sha256 {stored}, DynamoDB records {it.get_s(item, 'sha256')}",
                    )
                )
        for key in sorted(objects):
            problems.append(
                Problem(
                    kind="orphan_object",
                    name=name,
                    detail=f"S3 object {s3_uri(self.s3_bucket, key)} has no DynamoDB item",
                )
            )
        for alias_item in self._alias_items(c, name):
            config = it.alias_config(alias_item)
            for version in filter(None, (config.version, config.secondary_version)):
                target = found.get(encode_version_sk(version))
                if target is None or not it.is_visible(target):
                    problems.append(
                        Problem(
                            kind="dangling_alias",
                            name=name,
                            version=version,
                            alias=it.alias_name_of(alias_item),
                            detail=f"alias {it.alias_name_of(alias_item)!r} points at version "
                            f"{version}, which is {'deleted' if target is not None else 'missing'}",
                        )
                    )
        return problems


# --- helpers --------------------------------------------------------------------------------


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "unknown"


def _item_from_head(name: str, version: str, head: dict[str, Any], update_at: datetime) -> it.Item:
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


def _is_sha256(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(ch in "0123456789abcdef" for ch in value)


def _alias_config(version: int | str | None, secondary_version: int | str | None, weight: int | None) -> AliasConfig:
    primary = encode_version(version)
    if secondary_version is None:
        if weight is not None:
            validate_weight(weight)  # a wrong type is reported as such first
            raise InvalidWeightError(f"secondary_version_weight {weight!r} given without a secondary_version")
        return AliasConfig(version=primary)
    secondary = encode_version(secondary_version)
    if weight is None:
        raise WeightTypeError(f"secondary_version {secondary} needs a secondary_version_weight (an int in 0..99)")
    validate_weight(weight)
    if primary == secondary:
        raise ValidationError(f"version {primary!r} and secondary_version {secondary!r} must differ")
    return AliasConfig(version=primary, secondary_version=secondary, secondary_version_weight=weight)


def _classify(before: AliasConfig | None, after: AliasConfig | None) -> AliasAction:
    if after is None:
        return "delete"
    if before is None:
        return "create"
    if before.version != after.version:
        return "move"
    if before.secondary_version != after.secondary_version:
        return "canary"  # a canary started, switched or dropped; the primary stayed
    return "weight"


def _aliases_using(alias_items: list[it.Item]) -> dict[str, list[str]]:
    """version -> names of aliases pointing at it (primary or secondary)."""
    users: dict[str, list[str]] = {}
    for item in alias_items:
        config = it.alias_config(item)
        users.setdefault(config.version, []).append(it.alias_name_of(item))
        if config.secondary_version is not None:
            users.setdefault(config.secondary_version, []).append(f"{it.alias_name_of(item)} (canary)")
    return users


def _soft_delete(item: it.Item) -> dict[str, Any]:
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


def _cancellation_codes(exc: BaseException) -> list[str] | None:
    """Per-operation codes of a cancelled transaction ("" where that operation was fine)."""
    if error_code(exc) != "TransactionCanceledException":
        return None
    reasons = getattr(exc, "response", {}).get("CancellationReasons") or []
    return [str(r.get("Code") or "") if r.get("Code") != "None" else "" for r in reasons] + [""] * 100


def _cancellation_item(exc: BaseException, index: int) -> it.Item | None:
    reasons = getattr(exc, "response", {}).get("CancellationReasons") or []
    if index < len(reasons):
        return reasons[index].get("Item") or None
    return None


def _alias_moved(name: str, alias: str, expected: int, item: it.Item | None) -> ConflictError:
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


def _latest_moved(name: str, expected: str, latest: it.Item) -> ConflictError:
    sha = it.get_s(latest, "sha256") or "?"
    when = it.item_update_at(latest)
    return ConflictError(
        f"LATEST of {name!r} changed: it is now sha256 {sha[:12]} (uploaded "
        f"{when:%Y-%m-%d %H:%M:%S} UTC), not {expected[:12]} as confirmed; review it and publish again",
        when=when,
    )


def _validate_metadata(metadata: dict[str, str] | None, what: str = "metadata") -> dict[str, str]:
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise InvalidArgumentError(f"{what} must be a dict of str to str, got {type(metadata).__name__}")
    clean: dict[str, str] = {}
    for k, v in metadata.items():
        if not isinstance(k, str) or not k or not all(ch.isascii() and (ch.isalnum() or ch in "-_.") for ch in k):
            raise InvalidArgumentError(f"{what} key {k!r} is invalid: use ASCII letters, digits, '-', '_' and '.'")
        if k.lower() != k:
            raise InvalidArgumentError(f"{what} key {k!r} must be lower-case (S3 lower-cases it)")
        if k in RESERVED_METADATA:
            raise InvalidArgumentError(f"{what} key {k!r} is reserved")
        if not isinstance(v, str) or not v.isascii() or not v.isprintable():
            raise InvalidArgumentError(f"{what} value for {k!r} must be printable ASCII text, got {v!r}")
        clean[k] = v
    if sum(len(k) + len(v) for k, v in clean.items()) > 1800:
        raise InvalidArgumentError(f"{what} is too large: S3 allows about 2 KB of user metadata")
    return clean


def _validate_tags(tags: dict[str, str] | None) -> str:
    if not tags:
        return ""
    from urllib.parse import urlencode

    if not isinstance(tags, dict) or len(tags) > 10:
        raise InvalidArgumentError("tags must be a dict of at most 10 str to str pairs")
    for k, v in tags.items():
        if not isinstance(k, str) or not isinstance(v, str) or not k or len(k) > 128 or len(v) > 256:
            raise InvalidArgumentError(f"tag {k!r}={v!r} is invalid (key 1..128, value 0..256 chars)")
    return urlencode(tags)


@contextmanager
def _open_content(content: Content) -> Iterator[IO[bytes]]:
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
    seekable = getattr(content, "seekable", lambda: False)()
    if seekable:
        yield _Offset(content, content.tell())  # type: ignore[misc]
        return
    with tempfile.NamedTemporaryFile(prefix="vrc-upload-") as spool:
        shutil.copyfileobj(content, spool, CHUNK)
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


def _hash_stream(stream: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK):
        if isinstance(chunk, str):
            raise InvalidArgumentError("content file object must be opened in binary mode")
        digest.update(chunk)
        size += len(chunk)
    stream.seek(0)
    return digest.hexdigest(), size


def _copy_verified(response: dict[str, Any], sink: IO[bytes], uri: str, sha256: str | None) -> None:
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
