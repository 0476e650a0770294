"""The core API contract, run against moto in-process and moto's HTTP server on 127.0.0.1."""

import hashlib
import io
import random
from datetime import UTC, datetime, timedelta

import pytest

from core import (
    AliasNotFoundError,
    ArtifactNotFoundError,
    ConflictError,
    IntegrityError,
    InvalidArgumentError,
    InvalidNameError,
    InvalidVersionError,
    InvalidWeightError,
    NotBootstrappedError,
    ProtectedVersionError,
    ReadOnlyError,
    WeightTypeError,
)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def publish(repo, name, *contents):
    """Upload and publish each content in turn; return the published artifacts."""
    out = []
    for content in contents:
        repo.put_artifact(name, content)
        out.append(repo.publish_artifact_version(name))
    return out


# --- artifacts --------------------------------------------------------------------------------


def test_put_get_and_list(repo):
    art = repo.put_artifact("app", b"v1", content_type="text/plain", metadata={"env": "dev"})
    assert art.version == "LATEST"
    assert art.sha256 == sha(b"v1")
    assert art.size == 2 and art.content_type == "text/plain" and art.metadata == {"env": "dev"}
    assert art.s3uri == f"s3://{repo.s3_bucket}/versioned-artifacts/app/LATEST"
    assert art.s3path.bucket == repo.s3_bucket
    assert art.s3path.key == "versioned-artifacts/app/LATEST"
    assert "console.aws.amazon.com" in art.s3path.console_url
    assert art.get_content() == b"v1"
    got = repo.get_artifact_version("app")
    assert got.sha256 == art.sha256 and got.update_at == art.update_at
    assert repo.list_artifact_names() == ["app"]


def test_unchanged_put_writes_nothing(repo):
    first = repo.put_artifact("app", b"same")
    again = repo.put_artifact("app", b"same", metadata={"ignored": "x"})
    assert again.update_at == first.update_at
    assert again.metadata == {}


def test_versions_listed_latest_first_then_newest(repo):
    publish(repo, "app", b"1", b"2", b"3")
    repo.put_artifact("app", b"4")
    versions = [a.version for a in repo.list_artifact_versions("app")]
    assert versions == ["LATEST", "3", "2", "1"]
    assert repo.get_artifact_version("app", 2).get_content() == b"2"
    assert repo.get_artifact_version("app", "000002").version == "2"


def test_put_accepts_path_and_file_objects(repo, tmp_path):
    path = tmp_path / "blob.bin"
    path.write_bytes(b"from a path")
    assert repo.put_artifact("a", path).sha256 == sha(b"from a path")
    assert repo.put_artifact("b", str(path)).get_content() == b"from a path"
    handle = io.BytesIO(b"skip:from a file")
    handle.read(5)
    assert repo.put_artifact("c", handle).get_content() == b"from a file"

    class Pipe(io.RawIOBase):  # non-seekable: spooled to disk
        def __init__(self):
            self._data = io.BytesIO(b"from a pipe")

        def readable(self):
            return True

        def readinto(self, b):
            chunk = self._data.read(len(b))
            b[: len(chunk)] = chunk
            return len(chunk)

    assert repo.put_artifact("d", io.BufferedReader(Pipe())).get_content() == b"from a pipe"
    with pytest.raises(InvalidArgumentError, match="nope"):
        repo.put_artifact("e", tmp_path / "nope")


def test_download_streams_and_verifies(repo, tmp_path):
    publish(repo, "app", b"payload")
    target = tmp_path / "out.bin"
    art = repo.download("app", 1, target)
    assert target.read_bytes() == b"payload" and art.version == "1"
    sink = io.BytesIO()
    repo.download("app", None, sink)
    assert sink.getvalue() == b"payload"
    with pytest.raises(InvalidArgumentError, match="missing-dir"):
        repo.download("app", 1, tmp_path / "missing-dir" / "x")


def test_tampered_bytes_raise_integrity_error(repo, backend, tmp_path):
    publish(repo, "app", b"good")
    s3 = repo._c(None).s3
    key = "versioned-artifacts/app/000001"
    s3.put_object(
        Bucket=repo.s3_bucket, Key=key, Body=b"evil", Metadata={"artifact_name": "app", "artifact_sha256": sha(b"good")}
    )
    art = repo.get_artifact_version("app", 1)
    with pytest.raises(IntegrityError, match="sha256"):
        art.get_content()
    target = tmp_path / "out.bin"
    with pytest.raises(IntegrityError):
        repo.download("app", 1, target)
    assert not target.exists(), "an unverified download must not be left in place"
    s3.put_object(
        Bucket=repo.s3_bucket, Key=key, Body=b"evil", Metadata={"artifact_name": "app", "artifact_sha256": sha(b"evil")}
    )
    with pytest.raises(IntegrityError, match="DynamoDB records"):
        repo.verify_artifact_version("app", 1)
    problems = repo.check("app")
    assert [p.kind for p in problems] == ["sha256_mismatch"]


def test_missing_artifact_and_version(repo):
    with pytest.raises(ArtifactNotFoundError, match="'nope'"):
        repo.get_artifact_version("nope")
    with pytest.raises(ArtifactNotFoundError):
        repo.publish_artifact_version("nope")
    publish(repo, "app", b"1")
    with pytest.raises(ArtifactNotFoundError, match="version 7"):
        repo.get_artifact_version("app", 7)


def test_metadata_carried_to_versions_and_filterable(repo):
    repo.put_artifact("db", b"a", content_type="application/x-sqlite3", metadata={"environment": "production"})
    v1 = repo.publish_artifact_version("db")
    repo.put_artifact("db", b"b", metadata={"environment": "staging"})
    repo.publish_artifact_version("db")
    assert v1.metadata == {"environment": "production"} and v1.size == 1
    assert v1.content_type == "application/x-sqlite3"
    found = repo.list_artifact_versions("db", where={"environment": "production"})
    assert [a.version for a in found] == ["1"]
    staging = repo.list_artifact_versions("db", where={"environment": "staging"})
    assert [a.version for a in staging] == ["LATEST", "2"]


def test_versions_with_aliases(repo):
    publish(repo, "app", b"1", b"2", b"3")
    repo.put_alias("app", "prod", 2, secondary_version=3, secondary_version_weight=10)
    repo.put_alias("app", "dev", None)
    views = {v.artifact.version: v.aliases for v in repo.list_versions_with_aliases("app")}
    assert views == {"LATEST": ("dev",), "3": ("prod",), "2": ("prod",), "1": ()}
    both, aliases = repo.list_versions_and_aliases("app")
    assert {v.artifact.version: v.aliases for v in both} == views
    assert {a.alias: a.config for a in aliases} == {a.alias: a.config for a in repo.list_aliases("app")}


# --- publish ----------------------------------------------------------------------------------


def test_publish_is_idempotent_unless_forced(repo):
    repo.put_artifact("app", b"x")
    first = repo.publish_artifact_version("app")
    again = repo.publish_artifact_version("app")
    assert again.version == first.version == "1"
    assert repo.publish_artifact_version("app", force=True).version == "2"
    assert [a.version for a in repo.list_artifact_versions("app")] == ["LATEST", "2", "1"]


def test_publish_with_expected_sha256(repo):
    repo.put_artifact("app", b"seen")
    repo.put_artifact("app", b"someone else's")
    with pytest.raises(ConflictError, match="LATEST of 'app' changed"):
        repo.publish_artifact_version("app", expected_sha256=sha(b"seen"))
    assert [a.version for a in repo.list_artifact_versions("app")] == ["LATEST"]
    art = repo.publish_artifact_version("app", expected_sha256=sha(b"someone else's"))
    assert art.get_content() == b"someone else's"
    with pytest.raises(InvalidArgumentError, match="'abc'"):
        repo.publish_artifact_version("app", expected_sha256="abc")


def test_publish_numbering_skips_deleted_versions(repo):
    publish(repo, "app", b"1", b"2")
    repo.delete_artifact_version("app", 2)
    (v3,) = publish(repo, "app", b"3")
    assert v3.version == "3"


def test_publish_after_stale_cache_from_other_client(repo, make_repo):
    other = make_repo(s3_bucket=repo.s3_bucket, dynamodb_table_name=repo.dynamodb_table_name)
    publish(repo, "app", b"1")
    publish(other, "app", b"2", b"3")
    repo.put_artifact("app", b"4")
    assert repo.publish_artifact_version("app").version == "4"
    other.put_artifact("app", b"3")  # same content as version 3 → publish returns 3? no: newest is 4
    assert other.publish_artifact_version("app").version == "5"


# --- delete / purge ---------------------------------------------------------------------------


def test_delete_is_soft_and_missing_is_noop(repo):
    publish(repo, "app", b"1", b"2")
    repo.delete_artifact_version("app", 1)
    assert [a.version for a in repo.list_artifact_versions("app")] == ["LATEST", "2"]
    with pytest.raises(ArtifactNotFoundError):
        repo.get_artifact_version("app", 1)
    ddb = repo._c(None).dynamodb
    before = ddb.scan(TableName=repo.dynamodb_table_name)["Count"]
    repo.delete_artifact_version("app", 99)
    repo.delete_artifact_version("ghost", 1)
    assert ddb.scan(TableName=repo.dynamodb_table_name)["Count"] == before
    assert publish(repo, "app", b"3")[0].version == "3"


def test_delete_refuses_aliased_version(repo):
    publish(repo, "app", b"1", b"2")
    repo.put_alias("app", "prod", 1, secondary_version=2, secondary_version_weight=5)
    with pytest.raises(ProtectedVersionError, match="prod") as info:
        repo.delete_artifact_version("app", 2)
    assert info.value.aliases == ["prod (canary)"]
    assert repo.get_artifact_version("app", 2).version == "2"


def test_purge_keeps_recent_and_aliased(repo):
    old = datetime(2020, 1, 1, tzinfo=UTC)
    repo.clock = lambda: old
    publish(repo, "app", *[str(i).encode() for i in range(1, 9)])
    repo.put_alias("app", "prod", 2)
    repo.clock = None
    purge_time, deleted = result = repo.purge_artifact_versions("app", keep_last_n=3, purge_older_than_secs=3600)
    assert sorted(int(a.version) for a in deleted) == [1, 3, 4, 5]
    assert [(a.version, aliases) for a, aliases in result.skipped] == [("2", ["prod"])]
    assert [a.version for a in repo.list_artifact_versions("app")] == ["LATEST", "8", "7", "6", "2"]
    assert purge_time > old
    _, none = repo.purge_artifact_versions("app", keep_last_n=0, purge_older_than_secs=10**9)
    assert none == []


def test_purge_artifact_and_purge_all(repo):
    publish(repo, "a", b"1")
    publish(repo, "b", b"1")
    repo.put_alias("a", "prod", 1)
    repo.purge_artifact("a")
    assert repo.list_artifact_names() == ["b"]
    assert repo.list_aliases("a") == [] and repo.list_alias_history("a", "prod") == []
    repo.purge_all()
    assert repo.list_artifact_names() == []
    # Only the purge fences stay (core._fence): one per purged name, no purge running.
    left = repo._c(None).dynamodb.scan(TableName=repo.dynamodb_table_name)["Items"]
    assert sorted((i["pk"]["S"], i["sk"]["S"]) for i in left) == [("__vrc/purges", "a"), ("__vrc/purges", "b")]
    assert not any("purging_until" in i for i in left)


# --- aliases ----------------------------------------------------------------------------------


def test_alias_crud_and_canary(repo):
    publish(repo, "app", b"1", b"2")
    a = repo.put_alias("app", "prod", 1)
    assert (a.version, a.secondary_version, a.secondary_version_weight, a.revision) == ("1", None, None, 1)
    assert a.version_s3uri.endswith("/app/000001") and a.get_version_content() == b"1"
    c = repo.put_alias("app", "prod", 1, secondary_version=2, secondary_version_weight=20)
    assert c.revision == 2 and c.primary_weight == 80 and c.get_secondary_version_content() == b"2"
    got = repo.get_alias("app", "prod")
    assert got.model_dump() == c.model_dump()
    assert [x.alias for x in repo.list_aliases("app")] == ["prod"]
    repo.delete_alias("app", "prod")
    with pytest.raises(AliasNotFoundError, match="'prod'"):
        repo.get_alias("app", "prod")
    repo.delete_alias("app", "prod")  # missing: no-op, no event
    assert [e.action for e in repo.list_alias_history("app", "prod")] == ["delete", "canary", "create"]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"version": 9}, ArtifactNotFoundError, "version 9"),
        ({"version": 1, "secondary_version": 2}, WeightTypeError, "secondary_version_weight"),
        ({"version": 1, "secondary_version": 2, "secondary_version_weight": True}, WeightTypeError, "True"),
        ({"version": 1, "secondary_version": 2, "secondary_version_weight": 1.5}, WeightTypeError, "1.5"),
        ({"version": 1, "secondary_version": 2, "secondary_version_weight": 100}, InvalidWeightError, "100"),
        ({"version": 1, "secondary_version": 2, "secondary_version_weight": -1}, InvalidWeightError, "-1"),
        ({"version": 1, "secondary_version": 1, "secondary_version_weight": 5}, ValueError, "must differ"),
        ({"version": 1, "secondary_version_weight": 5}, InvalidWeightError, "without a secondary"),
        ({"version": 0}, InvalidVersionError, "0"),
        ({"version": "abc"}, InvalidVersionError, "abc"),
        ({"version": 1_000_000}, InvalidVersionError, "1000000"),
    ],
)
def test_put_alias_rejects_bad_input(repo, kwargs, error, match):
    publish(repo, "app", b"1")
    with pytest.raises(error, match=match):
        repo.put_alias("app", "prod", **kwargs)
    assert repo.list_aliases("app") == []
    assert repo.list_alias_history("app", "prod") == []


def test_put_alias_on_deleted_version_and_bad_names(repo):
    publish(repo, "app", b"1", b"2")
    repo.delete_artifact_version("app", 1)
    with pytest.raises(ArtifactNotFoundError, match="version 1"):
        repo.put_alias("app", "prod", 1)
    with pytest.raises(ValueError, match="hyphen"):
        repo.put_alias("app", "my-prod", 2)
    with pytest.raises(InvalidNameError, match="'__app-alias'"):
        repo.put_artifact("__app-alias", b"x")
    with pytest.raises(InvalidNameError, match="a/b"):
        repo.get_artifact_version("a/b")
    with pytest.raises(InvalidNameError, match="empty"):
        repo.put_artifact("", b"x")
    with pytest.raises(InvalidNameError, match="129"):
        repo.put_artifact("x" * 129, b"x")
    assert repo.list_aliases("app") == []


def test_expected_revision_conflict_names_the_other_operator(repo, make_repo):
    publish(repo, "app", b"1", b"2")
    repo.put_alias("app", "prod", 1)
    bob = make_repo(
        s3_bucket=repo.s3_bucket, dynamodb_table_name=repo.dynamodb_table_name, operator="bob", use_sts=False
    )
    bob.put_alias("app", "prod", 2, expected_revision=1, reason="hotfix")
    with pytest.raises(ConflictError, match="changed by bob") as info:
        repo.put_alias("app", "prod", 1, expected_revision=1)
    assert info.value.actor == "bob" and info.value.current_revision == 2
    with pytest.raises(ConflictError):
        repo.delete_alias("app", "prod", expected_revision=1)
    assert repo.get_alias("app", "prod").version == "2"
    # Without expected_revision the write goes through, and history still records bob's state as `before`.
    repo.put_alias("app", "prod", 1, reason="revert")
    latest = repo.list_alias_history("app", "prod")[0]
    assert latest.before.version == "2" and latest.after.version == "1" and latest.revision == 3


def test_history_records_every_change(repo):
    publish(repo, "app", b"1", b"2", b"3")
    repo.put_alias("app", "prod", 1, reason="first")
    repo.put_alias("app", "prod", 1, 2, 10, reason="canary")
    repo.put_alias("app", "prod", 1, 2, 50)
    repo.put_alias("app", "prod", 3)
    repo.delete_alias("app", "prod", reason="retire")
    history = repo.list_alias_history("app", "prod")
    assert [(e.revision, e.action) for e in history] == [
        (5, "delete"),
        (4, "move"),
        (3, "weight"),
        (2, "canary"),
        (1, "create"),
    ]
    assert history[0].after is None and history[0].before.version == "3"
    assert history[2].before.secondary_version_weight == 10 and history[2].after.secondary_version_weight == 50
    assert history[0].reason == "retire" and history[-1].reason == "first" and history[2].reason is None
    assert all(e.actor for e in history)
    assert [e.revision for e in repo.list_alias_history("app", "prod", limit=2)] == [5, 4]
    # Re-creating after a delete continues the revision sequence, never reusing an event key.
    assert repo.put_alias("app", "prod", 1).revision == 6


def test_rollback(repo):
    publish(repo, "app", b"1", b"2", b"3")
    repo.put_alias("app", "prod", 1)
    repo.put_alias("app", "prod", 2)
    back = repo.rollback_alias("app", "prod", reason="bad deploy")
    assert back.version == "1" and back.revision == 3
    event = repo.list_alias_history("app", "prod")[0]
    assert event.action == "rollback" and event.reason == "bad deploy"
    assert repo.rollback_alias("app", "prod", to_revision=2).version == "2"
    with pytest.raises(ConflictError):
        repo.rollback_alias("app", "prod", expected_revision=1)
    with pytest.raises(InvalidArgumentError, match="no revision 42"):
        repo.rollback_alias("app", "prod", to_revision=42)
    repo.put_alias("app", "prod", 3)
    repo.put_alias("app", "stage", 1)  # keep 1 alive… then delete 2 to make a target vanish
    repo.delete_artifact_version("app", 2)
    with pytest.raises(ArtifactNotFoundError, match="cannot roll back.*version 2"):
        repo.rollback_alias("app", "prod", to_revision=2)
    assert repo.get_alias("app", "prod").version == "3"
    # Rolling back a creation removes the alias.
    assert repo.rollback_alias("app", "stage") is None
    with pytest.raises(AliasNotFoundError):
        repo.get_alias("app", "stage")


def test_random_artifact_distribution_is_seeded(repo):
    publish(repo, "app", b"1", b"2")
    alias = repo.put_alias("app", "prod", 1, secondary_version=2, secondary_version_weight=25)
    rng = random.Random(7)
    draws = [alias.random_artifact(rng) for _ in range(20_000)]
    secondary = draws.count(alias.secondary_version_s3uri)
    again = random.Random(7)
    assert secondary == sum(alias.random_artifact(again) == alias.secondary_version_s3uri for _ in range(20_000))
    assert 4_700 <= secondary <= 5_300
    solo = repo.put_alias("app", "dev", 2)
    assert {solo.random_artifact(rng) for _ in range(100)} == {solo.version_s3uri}


# --- modes and failures -----------------------------------------------------------------------


def test_read_only_refuses_writes_before_any_call(make_repo, repo):
    ro = make_repo(
        s3_bucket=repo.s3_bucket,
        dynamodb_table_name=repo.dynamodb_table_name,
        read_only=True,
        endpoint_url="http://127.0.0.1:9",
    )
    for call in (
        lambda: ro.put_artifact("app", b"x"),
        lambda: ro.publish_artifact_version("app"),
        lambda: ro.delete_artifact_version("app", 1),
        lambda: ro.put_alias("app", "prod", 1),
        lambda: ro.delete_alias("app", "prod"),
        lambda: ro.rollback_alias("app", "prod"),
        lambda: ro.freeze("app", "prod", reason="incident", until=datetime.now(UTC) + timedelta(hours=1)),
        lambda: ro.unfreeze("app", "prod"),
        lambda: ro.purge_artifact_versions("app"),
        lambda: ro.purge_artifact("app"),
        lambda: ro.purge_all(),
        lambda: ro.bootstrap(),
    ):
        with pytest.raises(ReadOnlyError, match="read-only"):
            call()


def test_missing_table_and_bucket_are_typed(make_repo):
    repo = make_repo(read_only=True)
    with pytest.raises(NotBootstrappedError, match="table .* not found .* run bootstrap"):
        repo.get_artifact_version("app")
    with pytest.raises(NotBootstrappedError, match="bucket .* not found"):
        repo.list_artifact_names()


def test_check_reports_problems(repo):
    publish(repo, "app", b"1", b"2")
    repo.put_alias("app", "prod", 1)
    s3 = repo._c(None).s3
    s3.delete_object(Bucket=repo.s3_bucket, Key="versioned-artifacts/app/000002")
    s3.put_object(Bucket=repo.s3_bucket, Key="versioned-artifacts/app/000077", Body=b"stray")
    ddb = repo._c(None).dynamodb
    ddb.update_item(
        TableName=repo.dynamodb_table_name,
        Key={"pk": {"S": "app"}, "sk": {"S": "000001"}},
        UpdateExpression="SET is_deleted = :t",
        ExpressionAttributeValues={":t": {"BOOL": True}},
    )
    kinds = sorted(p.kind for p in repo.check())
    assert kinds == ["dangling_alias", "missing_object", "orphan_object"]
    assert repo.check("app") == repo.check()


def test_abandoned_publish_is_invisible_and_reported(repo):
    publish(repo, "app", b"1")
    repo.put_artifact("app", b"2")
    ddb = repo._c(None).dynamodb
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    # What a publisher that crashed after its claim leaves behind.
    from core import items

    claim = items.artifact_item(
        "app",
        "2",
        update_at=long_ago,
        sha256=sha(b"2"),
        size=1,
        content_type=None,
        metadata={},
        etag=None,
        is_deleted=True,
        pending=True,
    )
    ddb.put_item(TableName=repo.dynamodb_table_name, Item=claim)
    assert [a.version for a in repo.list_artifact_versions("app")] == ["LATEST", "1"]
    with pytest.raises(ArtifactNotFoundError):
        repo.get_artifact_version("app", 2)
    assert [p.kind for p in repo.check("app")] == ["abandoned_publish"]
    assert repo.publish_artifact_version("app").version == "3"


def test_big_artifact_streams_in_parts(repo, tmp_path):
    """Above the multipart threshold: uploaded in parts from disk, published, streamed back, verified."""
    from core.repository import MULTIPART_THRESHOLD

    source = tmp_path / "big.bin"
    block = hashlib.sha256(b"seed").digest() * 32768  # 1 MiB
    with source.open("wb") as handle:
        for i in range(MULTIPART_THRESHOLD // len(block) + 3):
            handle.write(bytes([i % 251]) + block[1:])
    expected = hashlib.sha256(source.read_bytes()).hexdigest()
    latest = repo.put_artifact("model", source, metadata={"kind": "big"})
    assert latest.sha256 == expected and latest.size == source.stat().st_size
    head = repo._c(None).s3.head_object(Bucket=repo.s3_bucket, Key=latest.s3path.key)
    assert "-" in head["ETag"], "expected a multipart upload"
    version = repo.publish_artifact_version("model")
    assert version.sha256 == expected and version.metadata == {"kind": "big"}
    target = tmp_path / "back.bin"
    repo.download("model", version.version, target)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == expected
    assert repo.check("model") == []


def test_upload_restores_a_deleted_latest(repo):
    repo.put_artifact("app", b"same")
    repo.delete_artifact_version("app")  # LATEST
    with pytest.raises(ArtifactNotFoundError):
        repo.get_artifact_version("app")
    repo.put_artifact("app", b"same")
    assert repo.get_artifact_version("app").get_content() == b"same"


# --- verifying several objects at once --------------------------------------------------------


def s3_calls(repo) -> list[str]:
    """The names of the S3 requests `repo` sends from now on."""
    calls: list[str] = []
    repo._c(None).s3.meta.events.register("before-call.*.*", lambda model, **_: calls.append(model.name))
    return calls


def test_verify_objects_proves_recorded_bytes_with_one_listing(repo):
    v1, v2, v3 = publish(repo, "app", b"one", b"two", b"three")
    latest = repo.get_artifact_version("app")
    assert v1.etag and latest.etag  # core records the ETag of each object it writes
    calls = s3_calls(repo)
    assert repo.verify_objects([v3, v1, latest, v2]) == [v3, v1, latest, v2]
    assert calls == ["ListObjectsV2"]
    calls.clear()
    assert repo.verify_objects([v2]) == [v2]
    assert calls == ["HeadObject"]  # one object: a HEAD costs what a listing does
    assert repo.verify_objects([]) == []


def test_verify_objects_reports_missing_and_replaced_objects_as_verify_object_does(repo):
    v1, v2, v3, v4 = publish(repo, "app", b"one", b"two", b"three", b"four")
    s3 = repo._c(None).s3
    # Bytes replaced outside vrc: with the sha256 they really have, and without any metadata.
    s3.put_object(
        Bucket=repo.s3_bucket,
        Key=v2.s3path.key,
        Body=b"evil",
        Metadata={"artifact_name": "app", "artifact_sha256": sha(b"evil")},
    )
    s3.put_object(Bucket=repo.s3_bucket, Key=v4.s3path.key, Body=b"other")
    s3.delete_object(Bucket=repo.s3_bucket, Key=v3.s3path.key)
    calls = s3_calls(repo)
    results = repo.verify_objects([v1, v2, v3, v4])
    # The listing proves v1 and shows v3 missing; v2's and v4's ETags differ, so their HEADs say why.
    assert calls == ["ListObjectsV2", "HeadObject", "HeadObject"]
    assert results[0] == v1
    for artifact, result in zip((v2, v3, v4), results[1:], strict=True):
        assert isinstance(result, IntegrityError)
        with pytest.raises(IntegrityError) as alone:
            repo.verify_object(artifact)
        assert str(result) == str(alone.value)
    assert "is missing" in str(results[2]) and f"says sha256 {sha(b'evil')}" in str(results[1])
    assert "says sha256 None" in str(results[3])


def test_verify_objects_falls_back_to_head_without_a_recorded_etag(repo):
    """versioned 1.0.1 records no ETag on the versions it writes: their objects get a HEAD each."""
    publish(repo, "app", b"one", b"two", b"three")
    for version in ("000001", "000002"):
        repo._c(None).dynamodb.update_item(
            TableName=repo.dynamodb_table_name,
            Key={"pk": {"S": "app"}, "sk": {"S": version}},
            UpdateExpression="REMOVE etag",
        )
    v1, v2, v3 = (repo.get_artifact_version("app", n) for n in (1, 2, 3))
    assert v1.etag is None and v2.etag is None and v3.etag
    repo._c(None).s3.put_object(Bucket=repo.s3_bucket, Key=v2.s3path.key, Body=b"evil")
    calls = s3_calls(repo)
    results = repo.verify_objects([v1, v2, v3])
    assert calls == ["HeadObject", "HeadObject", "HeadObject"]  # one etag alone: no listing
    assert results[0] == v1 and results[2] == v3
    assert isinstance(results[1], IntegrityError) and "says sha256 None" in str(results[1])


def test_verify_objects_heads_what_the_listed_page_does_not_reach(repo, monkeypatch):
    from core import _content

    monkeypatch.setattr(_content, "LIST_PAGE", 2)
    v1, v2, v3, v4 = publish(repo, "app", b"one", b"two", b"three", b"four")
    repo._c(None).s3.delete_object(Bucket=repo.s3_bucket, Key=v4.s3path.key)
    calls = s3_calls(repo)
    results = repo.verify_objects([v4, v1, v3])
    # The page holds 000001 and 000002 only: v3 is proven by its HEAD, v4 found missing by its HEAD.
    assert calls == ["ListObjectsV2", "HeadObject", "HeadObject"]
    assert results[1:] == [v1, v3]
    assert isinstance(results[0], IntegrityError) and "is missing" in str(results[0])


def test_verify_objects_without_list_permission_heads_each_object(repo, monkeypatch):
    from botocore.exceptions import ClientError

    v1, v2 = publish(repo, "app", b"one", b"two")
    s3 = repo._c(None).s3

    def denied(**_):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no s3:ListBucket"}}, "ListObjectsV2")

    monkeypatch.setattr(s3, "list_objects_v2", denied)
    calls = s3_calls(repo)
    assert repo.verify_objects([v1, v2]) == [v1, v2]
    assert calls == ["HeadObject", "HeadObject"]
