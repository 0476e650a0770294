"""Every kind of problem check() reports has a documented repair; Repository.repair applies the safe ones."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from faults import new_session

from core import InvalidArgumentError, Repository
from core._check import REPAIRS
from core.models import ProblemKind


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def repo(inproc) -> Repository:
    repo = Repository(
        aws_region="us-east-1",
        s3_bucket="fix",
        dynamodb_table_name="fix",
        operator="tester",
        use_sts=False,
        boto_session=new_session(),  # not a default session: that parses botocore's models again
    )
    repo.bootstrap()
    return repo


def raw():
    session = new_session("us-east-1")
    return session.client("s3"), session.client("dynamodb")


def put_object(repo: Repository, name: str, sk: str, data: bytes) -> None:
    s3, _ = raw()
    s3.put_object(
        Bucket=repo.s3_bucket,
        Key=f"{repo.s3_prefix}/{name}/{sk}",
        Body=data,
        Metadata={"artifact_name": name, "artifact_sha256": sha(data)},
    )


def only(problems, kind):
    assert [p.kind for p in problems] == [kind], problems
    return problems[0]


def test_every_problem_kind_has_a_documented_repair():
    assert set(REPAIRS) == set(ProblemKind.__args__)  # type: ignore[attr-defined]
    assert all(text.strip() for text in REPAIRS.values())


def test_latest_mismatch_is_repaired_from_the_object_s3_holds(repo):
    repo.put_artifact("app", b"content A", metadata={"env": "a"})
    put_object(repo, "app", "LATEST", b"content B")  # the half-failed upload of B
    problem = only(repo.check(), "latest_mismatch")
    assert "LATEST" in repo.repair(problem)
    assert repo.check() == []
    latest = repo.get_artifact_version("app")
    assert latest.sha256 == sha(b"content B") and latest.get_content() == b"content B"
    assert "nothing" in repo.repair(problem)  # stale: already consistent, writes nothing


def test_missing_latest_object_hides_latest_until_the_next_upload(repo):
    repo.put_artifact("app", b"one")
    s3, _ = raw()
    s3.delete_object(Bucket=repo.s3_bucket, Key=f"{repo.s3_prefix}/app/LATEST")
    problem = only(repo.check(), "missing_object")
    repo.repair(problem)
    assert repo.check() == []
    repo.put_artifact("app", b"one")
    assert repo.get_artifact_version("app").get_content() == b"one"


def test_orphan_objects_of_a_purged_name_are_deleted(repo):
    put_object(repo, "gone", "LATEST", b"left behind")
    put_object(repo, "gone", "000001", b"left behind")
    problems = repo.check()
    assert {p.kind for p in problems} == {"orphan_object"} and len(problems) == 2
    repo.repair(problems[0])
    assert repo.check() == []


def test_abandoned_publish_is_retired(repo):
    repo.put_artifact("app", b"one")
    _, ddb = raw()
    old = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")
    ddb.put_item(
        TableName=repo.dynamodb_table_name,
        Item={
            "pk": {"S": "app"},
            "sk": {"S": "000001"},
            "update_at": {"S": old},
            "is_deleted": {"BOOL": True},
            "sha256": {"S": sha(b"one")},
            "publish_state": {"S": "pending"},
        },
    )
    problem = only(repo.check(), "abandoned_publish")
    repo.repair(problem)
    assert repo.check() == []
    assert repo.publish_artifact_version("app").version == "2"  # the claimed number stays burned


def test_problems_without_a_safe_repair_name_the_manual_step_and_change_nothing(repo):
    for content in (b"one", b"two"):
        repo.put_artifact("app", content)
        repo.publish_artifact_version("app")
    repo.put_alias("app", "prod", 1)
    put_object(repo, "app", "000002", b"tampered")  # sha256_mismatch
    put_object(repo, "app", "000009", b"stray")  # orphan beside live versions: maybe a versioned publish
    s3, ddb = raw()
    s3.delete_object(Bucket=repo.s3_bucket, Key=f"{repo.s3_prefix}/app/000001")  # missing, alias uses it
    problems = repo.check()
    assert {p.kind for p in problems} == {"sha256_mismatch", "orphan_object", "missing_object"}
    before = sorted(map(str, ddb.scan(TableName=repo.dynamodb_table_name)["Items"]))
    for problem in problems:
        with pytest.raises(InvalidArgumentError, match="no automatic repair") as caught:
            repo.repair(problem)
        assert REPAIRS[problem.kind].split(":")[0].lower() in str(caught.value).lower() or problem.kind in str(
            caught.value
        )
    assert sorted(map(str, ddb.scan(TableName=repo.dynamodb_table_name)["Items"])) == before
    assert {p.kind for p in repo.check()} == {"sha256_mismatch", "orphan_object", "missing_object"}
