"""Interop with the PyPI package `versioned` 1.0.1: same bucket, table, prefix and suffix, both ways.

moto in-process only. versioned needs a boto_session_manager.BotoSesManager; core is handed the
same boto3 session (and, in places, the BotoSesManager itself, which it accepts by duck typing).
"""

import hashlib
import random
import re
from datetime import UTC, datetime, timedelta

import pytest
from boto_session_manager import BotoSesManager
from faults import share_versioned_sessions
from pynamodb.attributes import UTCDateTimeAttribute
from versioned import exc as vexc
from versioned.s3_and_dynamodb_backend import Repository as VersionedRepository

from core import (
    AliasNotFoundError,
    ArtifactNotFoundError,
    ConflictError,
    IntegrityError,
    InvalidNameError,
    ProtectedVersionError,
    Repository,
)

REGION = "us-east-1"
BUCKET = "interop-bucket"
TABLE = "interop-table"
PREFIX = "team/artifacts"
SUFFIX = ".tar.gz"
# What versioned (pynamodb's UTCDateTimeAttribute) writes for update_at.
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+0000$")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def artifact_view(a) -> tuple:
    """The fields versioned's Artifact has, from either library's model."""
    return (a.name, a.version, a.update_at, a.s3uri, a.sha256)


def alias_view(a) -> tuple:
    """The fields versioned's Alias has, from either library's model."""
    return (
        a.name,
        a.alias,
        a.update_at,
        a.version,
        a.secondary_version,
        a.secondary_version_weight,
        a.version_s3uri,
        a.secondary_version_s3uri,
    )


class Clock:
    """A settable UTC clock for core."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture(scope="module")
def bsm():
    """One BotoSesManager (and so one boto3 session, one model cache) for the module.

    moto's interceptor is a built-in botocore handler, carried by every session created after moto
    is imported, so the session outlives each test's mock; each `inproc` still starts empty.
    """
    import moto  # noqa: F401 - must be imported before the session is created

    return BotoSesManager(region_name=REGION)


@pytest.fixture
def fast_versioned(monkeypatch):
    """versioned's per-call botocore sessions, one per thread (see faults.share_versioned_sessions)."""
    share_versioned_sessions(monkeypatch)


@pytest.fixture
def world(inproc, bsm, fast_versioned):
    """(bsm, versioned repo, core repo) on one bucket/table/prefix/suffix; nothing bootstrapped."""
    session = bsm.boto_ses
    shared = {
        "aws_region": REGION,
        "s3_bucket": BUCKET,
        "s3_prefix": PREFIX,
        "dynamodb_table_name": TABLE,
        "suffix": SUFFIX,
    }
    versioned = VersionedRepository(**shared)
    core = Repository(**shared, boto_session=session, operator="tester")
    return bsm, versioned, core


def scan(session) -> list[dict]:
    return session.client("dynamodb").scan(TableName=TABLE)["Items"]


def raw_item(session, pk: str, sk: str) -> dict | None:
    return (
        session.client("dynamodb")
        .get_item(TableName=TABLE, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True)
        .get("Item")
    )


def s3_keys(session) -> list[str]:
    page = session.client("s3").list_objects_v2(Bucket=BUCKET)
    return sorted(o["Key"] for o in page.get("Contents", []))


# --- versioned writes, core reads and writes on top, versioned reads back ----------------------


def test_versioned_writes_core_reads_then_writes_versioned_reads(world):
    bsm, v, core = world
    v.bootstrap(bsm)
    name = "ml-model"  # a hyphen: versioned decodes the name back out of "__ml-model-alias"
    contents = [b"model v1", b"model v2", b"model v3", b"model v4"]
    v.put_artifact(name, contents[0], content_type="application/gzip", metadata={"team": "ml"}, bsm=bsm)
    v.publish_artifact_version(name, bsm=bsm)
    for content in contents[1:]:
        v.put_artifact(name, content, bsm=bsm)
        v.publish_artifact_version(name, bsm=bsm)
    v.delete_artifact_version(name, 4, bsm=bsm)  # the highest: numbering must still go on at 5
    v.put_artifact(name, b"model v5 draft", bsm=bsm)  # LATEST, unpublished
    v.put_alias(name, "prod", version=2, secondary_version=3, secondary_version_weight=25, bsm=bsm)
    v.put_alias(name, "staging", version=3, bsm=bsm)
    v.put_alias(name, "dev", bsm=bsm)  # LATEST
    v.put_artifact("lib", b"lib 1", bsm=bsm)
    v.publish_artifact_version("lib", bsm=bsm)

    # core reads everything identically
    assert sorted(core.list_artifact_names()) == sorted(v.list_artifact_names(bsm=bsm)) == ["lib", name]
    v_versions = v.list_artifact_versions(name, bsm=bsm)
    c_versions = core.list_artifact_versions(name)
    assert [a.version for a in c_versions] == ["LATEST", "3", "2", "1"]
    assert [artifact_view(a) for a in c_versions] == [artifact_view(a) for a in v_versions]
    assert c_versions[0].s3uri == f"s3://{BUCKET}/{PREFIX}/{name}/LATEST{SUFFIX}"
    assert c_versions[1].s3uri == f"s3://{BUCKET}/{PREFIX}/{name}/000003{SUFFIX}"
    for expected in v_versions:
        got = core.get_artifact_version(name, expected.version, bsm=bsm)  # bsm by duck typing
        assert artifact_view(got) == artifact_view(expected)
        assert got.get_content() == expected.get_content(bsm) == got.get_content(bsm=bsm)
    assert core.get_artifact_version(name).sha256 == sha(b"model v5 draft")
    assert core.get_artifact_version(name, 1).get_content() == b"model v1"
    with pytest.raises(ArtifactNotFoundError):
        core.get_artifact_version(name, 4)

    v_aliases = {a.alias: a for a in v.list_aliases(name, bsm=bsm)}
    c_aliases = {a.alias: a for a in core.list_aliases(name)}
    assert set(c_aliases) == set(v_aliases) == {"prod", "staging", "dev"}
    for alias_name, expected in v_aliases.items():
        assert alias_view(c_aliases[alias_name]) == alias_view(expected)
        got = core.get_alias(name, alias_name)
        assert alias_view(got) == alias_view(expected)
        assert got.revision == 0 and got.updated_by is None  # versioned keeps neither
    prod = core.get_alias(name, "prod")
    assert (prod.version, prod.secondary_version, prod.secondary_version_weight) == ("2", "3", 25)
    assert prod.version_s3uri == f"s3://{BUCKET}/{PREFIX}/{name}/000002{SUFFIX}"
    assert prod.secondary_version_s3uri == f"s3://{BUCKET}/{PREFIX}/{name}/000003{SUFFIX}"
    assert prod.get_version_content() == b"model v2"
    assert prod.get_secondary_version_content() == b"model v3"
    rng = random.Random(7)
    picks = [prod.random_artifact(rng=rng) for _ in range(400)]
    assert set(picks) == {prod.version_s3uri, prod.secondary_version_s3uri}
    assert core.get_alias(name, "dev").version == "LATEST"
    assert core.get_alias(name, "dev").version_s3uri == f"s3://{BUCKET}/{PREFIX}/{name}/LATEST{SUFFIX}"
    assert core.check() == []  # a repository versioned wrote is consistent in core's eyes

    # core writes on top
    latest = core.put_artifact(name, b"model v5")
    published = core.publish_artifact_version(name)
    assert published.version == "5"  # after versioned's highest, including the deleted 4
    moved = core.put_alias(name, "prod", version=5, expected_revision=0)  # versioned's alias: rev 0
    assert moved.revision == 1
    with pytest.raises(ConflictError):
        core.put_alias(name, "prod", version=2, expected_revision=0)
    canary = core.put_alias(
        name, "staging", version=3, secondary_version=5, secondary_version_weight=10, expected_revision=0
    )
    core.delete_alias(name, "dev", expected_revision=0)

    # versioned reads all of it back
    assert v.get_artifact_version(name, bsm=bsm).sha256 == latest.sha256 == sha(b"model v5")
    assert v.get_artifact_version(name, bsm=bsm).get_content(bsm) == b"model v5"
    v_versions = v.list_artifact_versions(name, bsm=bsm)
    c_versions = core.list_artifact_versions(name)
    assert [a.version for a in v_versions] == ["LATEST", "5", "3", "2", "1"]
    assert [artifact_view(a) for a in v_versions] == [artifact_view(a) for a in c_versions]
    v5 = v.get_artifact_version(name, 5, bsm=bsm)
    assert artifact_view(v5) == artifact_view(published)
    assert v5.get_content(bsm) == b"model v5"
    v_prod = v.get_alias(name, "prod", bsm=bsm)
    assert alias_view(v_prod) == alias_view(moved)
    assert v_prod.get_version_content(bsm) == b"model v5"
    v_staging = v.get_alias(name, "staging", bsm=bsm)
    assert alias_view(v_staging) == alias_view(canary)
    assert (v_staging.version, v_staging.secondary_version, v_staging.secondary_version_weight) == ("3", "5", 10)
    assert v_staging.get_secondary_version_content(bsm) == b"model v5"
    with pytest.raises(vexc.AliasNotFoundError):
        v.get_alias(name, "dev", bsm=bsm)
    assert sorted(a.alias for a in v.list_aliases(name, bsm=bsm)) == ["prod", "staging"]

    # versioned publishes on top of core's versions: same numbering, core sees it
    v.put_artifact(name, b"model v6", bsm=bsm)
    v6 = v.publish_artifact_version(name, bsm=bsm)
    assert v6.version == "6"
    assert artifact_view(core.get_artifact_version(name, 6)) == artifact_view(v6)
    assert core.get_artifact_version(name, 6).get_content() == b"model v6"


def test_expected_revision_when_versioned_rewrites_a_core_alias(world):
    """versioned's put_alias overwrites the whole item, so the revision falls back to 0."""
    bsm, v, core = world
    core.bootstrap()
    for content in (b"a", b"b", b"c"):
        core.put_artifact("app", content)
        core.publish_artifact_version("app")
    core.put_alias("app", "prod", 1)
    assert core.put_alias("app", "prod", 2, expected_revision=1).revision == 2

    v.put_alias("app", "prod", version=3, bsm=bsm)
    with pytest.raises(ConflictError) as caught:  # core still remembers revision 2
        core.put_alias("app", "prod", 1, expected_revision=2)
    assert caught.value.current_revision == 0
    seen = core.get_alias("app", "prod")
    assert (seen.version, seen.revision, seen.updated_by) == ("3", 0, None)
    after = core.put_alias("app", "prod", 1, expected_revision=0)
    assert after.revision == 4  # past the revisions recorded in the history, and the outside change
    history = core.list_alias_history("app", "prod")
    assert [(e.revision, e.action) for e in history] == [(4, "move"), (3, "external"), (2, "move"), (1, "create")]
    assert history[0].before is not None and history[0].before.version == "3"  # versioned's state
    assert history[1].before == history[2].after and history[1].after == history[0].before
    assert v.get_alias("app", "prod", bsm=bsm).version == "1"


def test_expected_revision_sees_a_versioned_move_of_a_revisionless_alias(world):
    """versioned keeps no revision, so revision 0 stays 0; the update time still gives it away."""
    bsm, v, core = world
    v.bootstrap(bsm)
    for content in (b"a", b"b"):
        v.put_artifact("app", content, bsm=bsm)
        v.publish_artifact_version("app", bsm=bsm)
    v.put_alias("app", "prod", version=1, bsm=bsm)
    shown = core.get_alias("app", "prod")  # what the console displayed: revision 0
    v.put_alias("app", "prod", version=2, bsm=bsm)  # someone moves it with versioned meanwhile
    with pytest.raises(ConflictError, match="another tool"):
        core.put_alias("app", "prod", 1, expected_revision=shown.revision)
    assert v.get_alias("app", "prod", bsm=bsm).version == "2"


# --- core writes from scratch, versioned reads --------------------------------------------------


def test_core_writes_versioned_reads_then_publishes(world):
    bsm, v, _ = world
    clock = Clock(datetime(2024, 1, 1, 9, 30, 15, 123456, tzinfo=UTC))
    core = Repository(
        aws_region=REGION,
        s3_bucket=BUCKET,
        s3_prefix=PREFIX,
        dynamodb_table_name=TABLE,
        suffix=SUFFIX,
        boto_session=bsm.boto_ses,
        operator="tester",
        clock=clock,
    )
    core.bootstrap()
    name = "churn-model"
    contents = {n: f"churn model {n}".encode() for n in range(1, 7)}
    for n in range(1, 6):
        core.put_artifact(
            name,
            contents[n],
            content_type="application/octet-stream",
            metadata={"env": "dev", "build": str(n)},
            tags={"team": "ml"},
        )
        core.publish_artifact_version(name)
        clock.advance(days=1)
    core.put_artifact(name, contents[6], metadata={"env": "dev"})  # LATEST, unpublished
    core.put_artifact("edge-config", b"edge")
    core.publish_artifact_version("edge-config")

    core.put_alias(name, "prod", 4, reason="release 4")
    core.put_alias(name, "prod", 4, 5, 20, reason="canary 5")
    core.put_alias(name, "prod", 4, 5, 30, reason="more canary")
    core.put_alias(name, "staging", 2)
    core.put_alias(name, "staging", 3)
    core.put_alias(name, "temp", 1)
    core.delete_alias(name, "temp", reason="done with it")
    core.delete_artifact_version(name, 2)
    clock.advance(days=100)
    _, deleted = core.purge_artifact_versions(name, keep_last_n=2, purge_older_than_secs=90 * 24 * 3600)
    assert [a.version for a in deleted] == ["1"]
    assert len(core.list_alias_history(name, "prod")) == 3
    assert any(item["pk"]["S"] == f"__{name}-history" for item in scan(bsm.boto_ses))

    # versioned reads every version, alias and content
    assert sorted(v.list_artifact_names(bsm=bsm)) == sorted(core.list_artifact_names())
    c_versions = core.list_artifact_versions(name)
    v_versions = v.list_artifact_versions(name, bsm=bsm)
    assert [a.version for a in v_versions] == ["LATEST", "5", "4", "3"]
    assert [artifact_view(a) for a in v_versions] == [artifact_view(a) for a in c_versions]
    for expected in c_versions:
        got = v.get_artifact_version(name, expected.version, bsm=bsm)
        assert artifact_view(got) == artifact_view(expected)
        assert got.get_content(bsm) == expected.get_content()
    assert v.get_artifact_version(name, 3, bsm=bsm).get_content(bsm) == contents[3]
    assert v.get_artifact_version(name, bsm=bsm).get_content(bsm) == contents[6]
    for gone in (1, 2):
        with pytest.raises(vexc.ArtifactNotFoundError):
            v.get_artifact_version(name, gone, bsm=bsm)
    v_aliases = {a.alias: a for a in v.list_aliases(name, bsm=bsm)}  # must not trip on our extras
    c_aliases = {a.alias: a for a in core.list_aliases(name)}
    assert set(v_aliases) == set(c_aliases) == {"prod", "staging"}
    for alias_name, expected in c_aliases.items():
        assert alias_view(v_aliases[alias_name]) == alias_view(expected)
        assert alias_view(v.get_alias(name, alias_name, bsm=bsm)) == alias_view(expected)
    v_prod = v_aliases["prod"]
    assert (v_prod.version, v_prod.secondary_version, v_prod.secondary_version_weight) == ("4", "5", 30)
    assert v_prod.get_version_content(bsm) == contents[4]
    assert v_prod.get_secondary_version_content(bsm) == contents[5]
    assert v_aliases["staging"].get_version_content(bsm) == contents[3]
    with pytest.raises(vexc.AliasNotFoundError):
        v.get_alias(name, "temp", bsm=bsm)
    assert [a.version for a in v.list_artifact_versions("edge-config", bsm=bsm)] == ["LATEST", "1"]

    # versioned publishes on top; core sees it and does not mint a duplicate
    v6 = v.publish_artifact_version(name, bsm=bsm)
    assert v6.version == "6" and v6.sha256 == sha(contents[6])
    got = core.get_artifact_version(name, 6)
    assert artifact_view(got) == artifact_view(v6)
    assert got.get_content() == contents[6]
    assert [a.version for a in core.list_artifact_versions(name)] == ["LATEST", "6", "5", "4", "3"]
    assert core.publish_artifact_version(name).version == "6"
    v.put_alias(name, "prod", version=6, bsm=bsm)
    assert core.get_alias(name, "prod").version == "6"
    assert core.check() == []

    # versioned's destructive calls still work on a table holding core's extra items
    v.purge_all(bsm=bsm)
    assert scan(bsm.boto_ses) == [] and s3_keys(bsm.boto_ses) == []
    assert core.list_artifact_names() == []


# --- the stored items themselves -------------------------------------------------------------


def _assert_same_shape(v_item: dict, c_item: dict, v_name: str, c_name: str) -> None:
    assert c_item["pk"]["S"] == v_item["pk"]["S"].replace(v_name, c_name)
    assert c_item["sk"] == v_item["sk"]
    for attr, typed in v_item.items():
        assert attr in c_item, f"core's item lacks versioned's attribute {attr!r}: {c_item}"
        assert set(c_item[attr]) == set(typed), f"attribute {attr!r}: {c_item[attr]} vs {typed}"
    for attr in ("is_deleted", "sha256", "version", "secondary_version", "secondary_version_weight"):
        assert c_item.get(attr) == v_item.get(attr), attr
    for item in (v_item, c_item):
        assert TIME_RE.match(item["update_at"]["S"]), item["update_at"]
        UTCDateTimeAttribute().deserialize(item["update_at"]["S"])


def test_raw_items_match_versioned(world):
    bsm, v, core = world
    v.bootstrap(bsm)
    session = bsm.boto_ses
    assert (
        session.client("dynamodb").describe_table(TableName=TABLE)["Table"]["BillingModeSummary"]["BillingMode"]
        == "PAY_PER_REQUEST"
    )
    vn, cn = "v-app", "c-app"

    def both(v_call, c_call, pk_of, sk):
        v_call()
        c_call()
        v_item, c_item = raw_item(session, pk_of(vn), sk), raw_item(session, pk_of(cn), sk)
        assert v_item is not None and c_item is not None
        _assert_same_shape(v_item, c_item, vn, cn)
        return v_item, c_item

    def art(n):
        return n

    def ali(n):
        return f"__{n}-alias"

    both(
        lambda: v.put_artifact(vn, b"payload 1", metadata={"team": "ml"}, bsm=bsm),
        lambda: core.put_artifact(cn, b"payload 1", metadata={"team": "ml"}),
        art,
        "LATEST",
    )
    both(lambda: v.publish_artifact_version(vn, bsm=bsm), lambda: core.publish_artifact_version(cn), art, "000001")
    for n, content in ((2, b"payload 2"), (3, b"payload 3")):
        both(
            lambda c=content: v.put_artifact(vn, c, bsm=bsm), lambda c=content: core.put_artifact(cn, c), art, "LATEST"
        )
        both(
            lambda: v.publish_artifact_version(vn, bsm=bsm), lambda: core.publish_artifact_version(cn), art, f"{n:06d}"
        )
    both(
        lambda: v.put_alias(vn, "prod", version=1, bsm=bsm), lambda: core.put_alias(cn, "prod", version=1), ali, "prod"
    )
    v_item, _ = both(
        lambda: v.put_alias(vn, "canary", version=1, secondary_version=2, secondary_version_weight=15, bsm=bsm),
        lambda: core.put_alias(cn, "canary", version=1, secondary_version=2, secondary_version_weight=15),
        ali,
        "canary",
    )
    assert v_item["version"] == {"S": "000001"} and v_item["secondary_version_weight"] == {"N": "15"}
    both(lambda: v.put_alias(vn, "dev", bsm=bsm), lambda: core.put_alias(cn, "dev"), ali, "dev")
    v_item, _ = both(
        lambda: v.delete_artifact_version(vn, 3, bsm=bsm), lambda: core.delete_artifact_version(cn, 3), art, "000003"
    )
    assert v_item["is_deleted"] == {"BOOL": True}

    # S3: same keys, same object metadata
    keys = s3_keys(session)
    v_keys = [k for k in keys if f"/{vn}/" in k]
    assert [k.replace(vn, cn) for k in v_keys] == [k for k in keys if f"/{cn}/" in k]
    assert f"{PREFIX}/{vn}/LATEST{SUFFIX}" in v_keys and f"{PREFIX}/{vn}/000001{SUFFIX}" in v_keys
    s3 = session.client("s3")
    for key in v_keys:
        v_meta = s3.head_object(Bucket=BUCKET, Key=key)["Metadata"]
        c_meta = s3.head_object(Bucket=BUCKET, Key=key.replace(vn, cn))["Metadata"]
        assert c_meta == {**v_meta, "artifact_name": cn}, key


# --- versioned's known bugs that core must not have ---------------------------------------------


def test_deleting_a_missing_version_writes_nothing(world):
    bsm, v, core = world
    v.bootstrap(bsm)
    session = bsm.boto_ses
    # versioned upserts a phantom item, which then shifts its next version number
    v.put_artifact("v-app", b"1", bsm=bsm)
    v.publish_artifact_version("v-app", bsm=bsm)
    v.delete_artifact_version("v-app", 9, bsm=bsm)
    assert raw_item(session, "v-app", "000009") == {
        "pk": {"S": "v-app"},
        "sk": {"S": "000009"},
        "is_deleted": {"BOOL": True},
    }
    v.put_artifact("v-app", b"2", bsm=bsm)
    assert v.publish_artifact_version("v-app", bsm=bsm).version == "10"

    core.put_artifact("c-app", b"1")
    core.publish_artifact_version("c-app")
    before = scan(session)
    core.delete_artifact_version("c-app", 9)
    core.delete_artifact_version("c-app", "000009")
    core.delete_artifact_version("never-existed", 1)
    core.delete_artifact_version("never-existed")  # LATEST
    assert scan(session) == before
    assert raw_item(session, "c-app", "000009") is None
    core.put_artifact("c-app", b"2")
    assert core.publish_artifact_version("c-app").version == "2"


@pytest.mark.parametrize("bad", ["__x-alias", "__x-history", "__ml-model-alias"])
def test_names_that_collide_with_alias_keys_are_rejected(world, bad):
    bsm, _, core = world
    core.bootstrap()
    session = bsm.boto_ses
    calls = [
        lambda: core.put_artifact(bad, b"boom"),
        lambda: core.get_artifact_version(bad),
        lambda: core.list_artifact_versions(bad),
        lambda: core.publish_artifact_version(bad),
        lambda: core.delete_artifact_version(bad, 1),
        lambda: core.put_alias(bad, "prod", 1),
        lambda: core.list_aliases(bad),
        lambda: core.purge_artifact(bad),
    ]
    for call in calls:
        with pytest.raises(InvalidNameError) as caught:
            call()
        assert repr(bad) in str(caught.value)
    assert scan(session) == [] and s3_keys(session) == []


# --- core on repositories versioned left in shapes core would never write -----------------------


def test_core_survives_versioned_alias_collision(world):
    """An artifact '__x-alias' (versioned allows it) puts artifact items into x's alias partition."""
    bsm, v, core = world
    v.bootstrap(bsm)
    v.put_artifact("x", b"x1", bsm=bsm)
    v.publish_artifact_version("x", bsm=bsm)
    v.put_alias("x", "prod", version=1, bsm=bsm)
    v.put_artifact("__x-alias", b"collides", bsm=bsm)  # versioned accepts this name
    with pytest.raises(AttributeError):
        v.list_aliases("x", bsm=bsm)  # versioned itself crashes here

    assert [a.alias for a in core.list_aliases("x")] == ["prod"]
    with pytest.raises(AliasNotFoundError):
        core.get_alias("x", "LATEST")  # the foreign artifact item's sk, not an alias
    views = {view.artifact.version: view.aliases for view in core.list_versions_with_aliases("x")}
    assert views == {"LATEST": (), "1": ("prod",)}
    with pytest.raises(ProtectedVersionError):
        core.delete_artifact_version("x", 1)
    assert core.put_alias("x", "staging", 1).revision == 1
    assert sorted(a.alias for a in core.list_aliases("x")) == ["prod", "staging"]
    assert core.list_artifact_names() == ["x"]  # the colliding name is hidden ...
    problems = core.check()
    assert [(p.kind, p.name) for p in problems] == [("name_collision", "__x-alias")]  # ... and reported
    with pytest.raises(InvalidNameError, match=re.escape(repr("__x-alias"))):
        core.get_artifact_version("__x-alias")


@pytest.mark.parametrize("name", ["_build", "app+1", "my app", "-x", "__x-aliased"])
def test_names_versioned_created_stay_writable(world, name):
    """Issue 9.8: core writes to any name versioned created unless it breaks the key layout."""
    bsm, v, core = world
    v.bootstrap(bsm)
    v.put_artifact(name, b"from versioned", bsm=bsm)
    v.publish_artifact_version(name, bsm=bsm)
    written = core.put_artifact(name, b"from core", metadata={"by": "core"})
    assert written.sha256 == hashlib.sha256(b"from core").hexdigest()
    assert core.publish_artifact_version(name).version == "2"
    assert v.get_artifact_version(name, 2, bsm=bsm).get_content(bsm=bsm) == b"from core"
    core.put_alias(name, "prod", 2)
    assert core.check() == []


def test_names_core_would_not_create_are_still_refused_when_new(world):
    """A name versioned could create but did not is refused: core creates only its documented names."""
    _, _, core = world
    core.bootstrap()
    with pytest.raises(InvalidNameError, match=re.escape(repr("_fresh"))):
        core.put_artifact("_fresh", b"x")
    assert scan(core.boto_session) == [] and s3_keys(core.boto_session) == []


@pytest.mark.parametrize("name", ["_build", "app+1"])
def test_core_reads_every_artifact_it_lists(world, name):
    """Names versioned allowed but core would not create stay readable and writable."""
    bsm, v, core = world
    v.bootstrap(bsm)
    v.put_artifact(name, b"payload", bsm=bsm)
    v.publish_artifact_version(name, bsm=bsm)
    assert name in core.list_artifact_names()
    assert [a.version for a in core.list_artifact_versions(name)] == ["LATEST", "1"]
    assert core.get_artifact_version(name, 1).get_content() == b"payload"
    assert core.put_alias(name, "prod", 1).version_s3uri == core.get_artifact_version(name, 1).s3uri
    assert v.get_alias(name, "prod", bsm=bsm).version == "1"


def test_head_version_completes_what_versioned_left_out_of_the_item(world):
    """versioned keeps size, content type and metadata only on the S3 object; one HEAD reads them."""
    bsm, v, core = world
    v.bootstrap(bsm)
    v.put_artifact("x", b"12345", content_type="text/plain", metadata={"team": "ml"}, bsm=bsm)
    v.publish_artifact_version("x", bsm=bsm)
    listed = core.list_artifact_versions("x")[1]
    assert listed.size is None  # what the console showed as "?"
    completed = core.head_version(listed)
    assert (completed.size, completed.content_type, completed.metadata) == (5, "text/plain", {"team": "ml"})
    assert (completed.version, completed.sha256) == (listed.version, listed.sha256)
    assert completed.get_content() == b"12345"  # still bound to the repository


def test_verify_objects_heads_the_versions_versioned_wrote(world):
    """versioned records no ETag: its versions get verify_object's HEAD, core's share one listing."""
    bsm, v, core = world
    v.bootstrap(bsm)
    for content in (b"one", b"two"):
        v.put_artifact("app", content, bsm=bsm)
        v.publish_artifact_version("app", bsm=bsm)
    for content in (b"three", b"four"):
        core.put_artifact("app", content)
        core.publish_artifact_version("app")
    v1, v2, v3, v4 = (core.get_artifact_version("app", n) for n in (1, 2, 3, 4))
    assert (v1.etag, v2.etag) == (None, None) and v3.etag and v4.etag
    s3 = bsm.boto_ses.client("s3")
    s3.put_object(Bucket=BUCKET, Key=v2.s3path.key, Body=b"evil")  # replaced outside either library
    calls: list[str] = []
    core._c(None).s3.meta.events.register("before-call.*.*", lambda model, **_: calls.append(model.name))
    results = core.verify_objects([v1, v2, v3, v4])
    assert calls == ["ListObjectsV2", "HeadObject", "HeadObject"]
    assert [results[0], results[2], results[3]] == [v1, v3, v4]
    assert isinstance(results[1], IntegrityError) and "S3 object says sha256 None" in str(results[1])
