"""Deterministic reproductions of the data-safety findings (issues 9 and 13) through the fault proxy.

Each test injects one planned fault and then asserts what must hold. Tests marked
xfail(strict=True) fail on today's code for the reason given; they flip (and must lose the mark)
when the item is fixed. Every planned fault asserts it fired, so a protocol change that stops
matching the request fails loudly instead of passing vacuously.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid

import pytest
from faults import (
    DELAY_AFTER,
    DROP_AFTER,
    DYNAMODB_WRITES,
    ERROR_500,
    HOLD,
    PARTIAL,
    direct_clients,
    fast_sleep,
    is_claim,
    is_reveal,
    new_session,
    settings_of,
)
from invariants import RawState, assert_repository_sound, find_violations

from core import ArtifactNotFoundError, IntegrityError, PartialPurgeError, Repository, VrcError


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def object_keys(repo: Repository, moto_server: str, name: str) -> list[str]:
    s3, _ = direct_clients(moto_server)
    prefix = f"{repo.s3_prefix.strip('/')}/{name}/"
    return [o["Key"] for o in s3.list_objects_v2(Bucket=repo.s3_bucket, Prefix=prefix).get("Contents", [])]


def item_keys(repo: Repository, moto_server: str, name: str) -> list[tuple[str, str]]:
    _, ddb = direct_clients(moto_server)
    found = []
    for pk in (name, f"__{name}-alias", f"__{name}-history"):
        page = ddb.query(
            TableName=repo.dynamodb_table_name,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": pk}},
            ConsistentRead=True,
        )
        found.extend((i["pk"]["S"], i["sk"]["S"]) for i in page.get("Items", []))
    return found


def is_latest_item_write(req) -> bool:
    """A DynamoDB write naming LATEST (put_artifact's item write; publish is not run in these tests)."""
    return req.service == "dynamodb" and req.op in DYNAMODB_WRITES and req.mentions('"LATEST"')


# --- 9.1: a lost response must never make core delete the bytes of a visible version ----------


@pytest.mark.parametrize("fault", [DROP_AFTER, DELAY_AFTER])
def test_lost_reveal_response_keeps_the_version_and_its_bytes(make_faulty_repo, fault_proxy, moto_server, fault):
    repo = make_faulty_repo(read_timeout=0.5)
    repo.put_artifact("app", b"release one")
    rule = fault_proxy.plan(fault, match=is_reveal, delay=0.8)
    try:
        with fast_sleep():  # botocore's back-off before the retry: the retry only comes sooner
            published = repo.publish_artifact_version("app")
    except VrcError:
        published = None  # a typed error is allowed; losing bytes is not
    assert rule.hits == 1, "the reveal request was not seen: update faults.is_reveal to the new protocol"
    assert_repository_sound(repo, endpoint_url=moto_server)
    again = repo.publish_artifact_version("app")
    assert again.get_content() == b"release one"
    if published is not None:
        assert again.version == published.version
    repo.put_alias("app", "prod", again.version)
    assert repo.get_alias("app", "prod").get_version_content() == b"release one"


def test_lost_claim_response_leaves_no_visible_damage(make_faulty_repo, fault_proxy, moto_server):
    """The claim transaction committed but its answer was lost: moto re-applies the retry, which fails."""
    repo = make_faulty_repo()
    repo.put_artifact("app", b"release one")
    rule = fault_proxy.plan(DROP_AFTER, match=is_claim)
    try:
        with fast_sleep():
            repo.publish_artifact_version("app")
    except VrcError:
        pass
    assert rule.hits == 1
    assert_repository_sound(repo, endpoint_url=moto_server)
    assert repo.publish_artifact_version("app").get_content() == b"release one"


# Issue 9.1's "same review for every conditional write": the alias transaction committed, its response
# was lost, and botocore's retry failed its own condition; put_alias must recognise its own write.
def test_lost_alias_response_is_recognised_as_our_own_write(make_faulty_repo, fault_proxy, moto_server):
    repo = make_faulty_repo()
    published_with_alias(repo, count=2)
    revision = repo.get_alias("app", "prod").revision
    rule = fault_proxy.plan(
        DROP_AFTER, match=lambda r: r.op == "TransactWriteItems" and r.mentions("__app-alias", "prod")
    )
    with fast_sleep():
        moved = repo.put_alias("app", "prod", 1, expected_revision=revision, reason="roll back")
    assert rule.hits == 1
    assert (moved.version, moved.revision) == ("1", revision + 1)
    assert_repository_sound(repo, endpoint_url=moto_server)


# --- 9.2: purge_artifact reports partial work and never leaves visible versions without bytes ---


def published_with_alias(repo: Repository, name: str = "app", count: int = 3) -> None:
    for n in range(1, count + 1):
        repo.put_artifact(name, f"{name} release {n}".encode())
        repo.publish_artifact_version(name)
    repo.put_alias(name, "prod", count)


def test_purge_raises_when_s3_keeps_objects(make_faulty_repo, fault_proxy, moto_server):
    repo = make_faulty_repo()
    published_with_alias(repo)
    rule = fault_proxy.plan(PARTIAL, match=lambda r: r.op == "DeleteObjects", times=None)
    with fast_sleep(), pytest.raises(PartialPurgeError) as caught:
        repo.purge_artifact("app")
    assert rule.hits >= 1
    assert "app" in str(caught.value)
    assert_repository_sound(repo, endpoint_url=moto_server)
    fault_proxy.reset()
    repo.purge_artifact("app")
    assert object_keys(repo, moto_server, "app") == []
    assert item_keys(repo, moto_server, "app") == []


def test_purge_raises_when_dynamodb_keeps_items(make_faulty_repo, fault_proxy, moto_server):
    repo = make_faulty_repo()
    published_with_alias(repo)
    rule = fault_proxy.plan(PARTIAL, match=lambda r: r.op == "BatchWriteItem", times=None)
    with fast_sleep(), pytest.raises(PartialPurgeError) as caught:
        repo.purge_artifact("app")
    assert rule.hits >= 1
    assert "app" in str(caught.value)
    assert_repository_sound(repo, endpoint_url=moto_server)
    fault_proxy.reset()
    repo.purge_artifact("app")
    assert object_keys(repo, moto_server, "app") == []
    assert item_keys(repo, moto_server, "app") == []


def test_purge_interrupted_after_the_s3_delete_leaves_nothing_visible_without_bytes(
    make_faulty_repo, fault_proxy, moto_server
):
    repo = make_faulty_repo()
    published_with_alias(repo)
    crashed = threading.Event()

    def delete_then_crash(request, proxy):
        reply = proxy.forward(request)
        crashed.set()  # the process "dies" right after S3 deleted the objects
        return reply

    fault_proxy.plan(ERROR_500, match=lambda r: crashed.is_set(), times=None)
    deletes = fault_proxy.plan(delete_then_crash, match=lambda r: r.op == "DeleteObjects", times=1)
    with fast_sleep():
        try:
            repo.purge_artifact("app")
        except VrcError:
            pass
    assert deletes.hits == 1
    assert_repository_sound(repo, endpoint_url=moto_server)
    fault_proxy.reset()
    repo.purge_artifact("app")
    assert object_keys(repo, moto_server, "app") == []
    assert item_keys(repo, moto_server, "app") == []


def test_purge_artifact_racing_an_alias_write_leaves_no_alias_behind(make_faulty_repo, fault_proxy, moto_server):
    repo = make_faulty_repo()
    published_with_alias(repo, count=2)
    other = make_faulty_repo(settings_of(repo), operator="other")
    held = fault_proxy.plan(HOLD, match=lambda r: r.op == "BatchWriteItem", times=1, hold_limit=30)
    purge = threading.Thread(target=repo.purge_artifact, args=("app",))
    purge.start()
    deadline = time.monotonic() + 20
    while held.hits == 0:  # purge has listed the items it will delete
        assert time.monotonic() < deadline, "purge_artifact never sent its BatchWriteItem"
        time.sleep(0.02)
    with pytest.raises(ArtifactNotFoundError):
        other.put_alias("app", "beta", 1)  # the purge hid every version before deleting items
    held.release()
    purge.join()
    assert_repository_sound(repo, endpoint_url=moto_server)
    assert item_keys(repo, moto_server, "app") == [] and object_keys(repo, moto_server, "app") == []


@pytest.mark.parametrize("op", ["DeleteObjects", "BatchWriteItem"])
def test_purge_all_reports_partial_work_and_a_rerun_finishes(make_faulty_repo, fault_proxy, moto_server, op):
    repo = make_faulty_repo()
    published_with_alias(repo, "app")
    published_with_alias(repo, "db", count=1)
    rule = fault_proxy.plan(PARTIAL, match=lambda r: r.op == op, times=None)
    with fast_sleep(), pytest.raises(PartialPurgeError, match="purge_all"):
        repo.purge_all()
    assert rule.hits >= 1
    assert_repository_sound(repo, endpoint_url=moto_server)
    fault_proxy.reset()
    repo.purge_all()
    raw = RawState(repo, moto_server)
    assert raw.versions == {} and raw.aliases == {} and raw.history == {} and raw.objects == {}


def is_hide(req) -> bool:
    """purge_artifact's transaction hiding versions (step 3)."""
    return req.op == "TransactWriteItems" and req.mentions("SET is_deleted")


def test_purge_artifact_with_an_alias_written_before_the_hide_goes_round_again(
    make_faulty_repo, fault_proxy, moto_server
):
    """An alias written after purge read the versions bumps the epoch: the hide fails and purge retries."""
    repo = make_faulty_repo()
    published_with_alias(repo, count=2)
    other = make_faulty_repo(settings_of(repo), operator="other")
    held = fault_proxy.plan(HOLD, match=is_hide, times=1, hold_limit=30)
    errors: list[BaseException] = []

    def purge() -> None:
        try:
            repo.purge_artifact("app")
        except BaseException as exc:  # reported below
            errors.append(exc)

    thread = threading.Thread(target=purge)
    thread.start()
    deadline = time.monotonic() + 20
    while held.hits == 0:
        assert time.monotonic() < deadline, "purge_artifact never sent its hide transaction"
        time.sleep(0.02)
    other.put_alias("app", "beta", 1)  # version 1 is still visible: accepted, epoch bumped
    held.release()
    thread.join()
    assert not errors, errors
    assert_repository_sound(repo, endpoint_url=moto_server)
    assert item_keys(repo, moto_server, "app") == [] and object_keys(repo, moto_server, "app") == []


def run_in_thread(target, *args) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            target(*args)
        except BaseException as exc:  # reported to the test
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def wait_for_hold(rule, what: str) -> None:
    deadline = time.monotonic() + 20
    while rule.hits == 0:
        assert time.monotonic() < deadline, f"{what} was never sent"
        time.sleep(0.02)


def assert_latest_has_its_bytes_or_is_gone(repo: Repository) -> None:
    try:
        latest = repo.get_artifact_version("app")
    except ArtifactNotFoundError:
        return
    assert latest.get_content() == b"late upload"


def test_upload_during_a_purge_cannot_leave_latest_without_bytes(make_faulty_repo, fault_proxy, moto_server):
    """An upload that starts while purge_artifact is deleting objects must not write a LATEST they delete."""
    repo = make_faulty_repo(read_timeout=30)  # the held request must not be retried meanwhile
    published_with_alias(repo, count=2)
    other = make_faulty_repo(settings_of(repo), operator="other")
    held = fault_proxy.plan(HOLD, match=lambda r: r.op == "DeleteObjects", times=1, hold_limit=30)
    thread, errors = run_in_thread(repo.purge_artifact, "app")
    wait_for_hold(held, "purge_artifact's DeleteObjects")
    try:
        other.put_artifact("app", b"late upload")
    except VrcError:
        pass  # refused while the purge runs: allowed
    held.release()
    thread.join()
    assert all(isinstance(e, VrcError) for e in errors), errors
    assert_repository_sound(repo, endpoint_url=moto_server)
    assert_latest_has_its_bytes_or_is_gone(repo)


def test_upload_stalled_across_a_whole_purge_cannot_leave_latest_without_bytes(
    make_faulty_repo, fault_proxy, moto_server
):
    """The upload's object is written, its item write stalls while a whole purge runs, then lands."""
    repo = make_faulty_repo()
    published_with_alias(repo, count=2)
    other = make_faulty_repo(settings_of(repo), operator="other", read_timeout=30)
    held = fault_proxy.plan(HOLD, match=is_latest_item_write, times=1, hold_limit=30)
    thread, errors = run_in_thread(other.put_artifact, "app", b"late upload")
    wait_for_hold(held, "the upload's LATEST item write")
    repo.purge_artifact("app")
    held.release()
    thread.join()
    assert all(isinstance(e, VrcError) for e in errors), errors
    assert_repository_sound(repo, endpoint_url=moto_server)
    assert_latest_has_its_bytes_or_is_gone(repo)
    other.put_artifact("app", b"late upload")  # once the purge is over, uploads work again
    assert repo.get_artifact_version("app").get_content() == b"late upload"


def test_a_purge_that_died_blocks_uploads_until_it_is_run_again(make_faulty_repo, fault_proxy, moto_server):
    """A purge whose process died left its mark: uploads are refused (naming the purge), a re-run clears it."""
    from core import ConflictError, _fence

    repo = make_faulty_repo()
    published_with_alias(repo, count=1)
    _fence.begin_purge(repo._ctx(None), "app")  # the purge's first write, then the process died
    with pytest.raises(ConflictError, match="'app' is being purged"):
        repo.put_artifact("app", b"late upload")
    assert repo.get_artifact_version("app").get_content() == b"app release 1"  # nothing was written
    repo.purge_artifact("app")
    repo.put_artifact("app", b"late upload")
    assert repo.get_artifact_version("app").get_content() == b"late upload"
    assert_repository_sound(repo, endpoint_url=moto_server)


# --- 9.3: check() sees artifacts that have DynamoDB items but no S3 objects ------------------


def test_check_reports_an_artifact_whose_objects_are_all_gone(make_faulty_repo, moto_server):
    repo = make_faulty_repo()
    published_with_alias(repo, count=2)
    s3, _ = direct_clients(moto_server)
    for key in object_keys(repo, moto_server, "app"):
        s3.delete_object(Bucket=repo.s3_bucket, Key=key)
    clean = Repository(**settings_of(repo), endpoint_url=moto_server, boto_session=new_session())
    missing = {(p.name, p.version) for p in clean.check() if p.kind == "missing_object"}
    assert missing == {("app", "LATEST"), ("app", "1"), ("app", "2")}


def test_check_with_a_name_reports_missing_objects(make_faulty_repo, moto_server):
    repo = make_faulty_repo()
    published_with_alias(repo, count=1)
    s3, _ = direct_clients(moto_server)
    for key in object_keys(repo, moto_server, "app"):
        s3.delete_object(Bucket=repo.s3_bucket, Key=key)
    assert {p.version for p in repo.check("app") if p.kind == "missing_object"} == {"LATEST", "1"}
    violations = find_violations(repo, endpoint_url=moto_server)
    assert {v.kind for v in violations} >= {"visible_without_bytes"}, "the invariant checker must see it too"


# --- 9.4: a half-failed upload is repaired by uploading the same bytes again -----------------


def half_failed_upload(repo: Repository, fault_proxy) -> None:
    """LATEST's item says A, S3 holds B: the item write of put_artifact(B) failed on every attempt."""
    repo.put_artifact("app", b"content A")
    rule = fault_proxy.plan(ERROR_500, match=is_latest_item_write, times=None)
    with fast_sleep(), pytest.raises(VrcError):
        repo.put_artifact("app", b"content B")
    assert rule.hits >= 1
    fault_proxy.reset()
    assert [p.kind for p in repo.check("app")] == ["latest_mismatch"]


def test_reupload_of_the_recorded_content_repairs_a_half_failed_upload(make_faulty_repo, fault_proxy):
    repo = make_faulty_repo()
    half_failed_upload(repo, fault_proxy)
    repo.put_artifact("app", b"content A")
    assert repo.check("app") == []
    assert repo.get_artifact_version("app").get_content() == b"content A"


def test_reupload_of_the_failed_content_repairs_a_half_failed_upload(make_faulty_repo, fault_proxy):
    repo = make_faulty_repo()
    half_failed_upload(repo, fault_proxy)
    repo.put_artifact("app", b"content B")
    assert repo.check("app") == []
    assert repo.get_artifact_version("app").get_content() == b"content B"


def test_reupload_repairs_a_late_object_write(make_faulty_repo, fault_proxy, moto_server):
    """put(B)'s PutObject is held past the read timeout (botocore retries it), put(A) completes,
    then the held PutObject B lands: S3 holds B, the item says A."""
    repo = make_faulty_repo(read_timeout=0.5)
    held = fault_proxy.plan(HOLD, match=lambda r: r.op == "PutObject", times=1, hold_limit=30)
    with fast_sleep():
        repo.put_artifact("app", b"content B")
    repo.put_artifact("app", b"content A")
    held.release()
    s3, _ = direct_clients(moto_server)
    key = f"{repo.s3_prefix}/app/LATEST"
    deadline = time.monotonic() + 10
    while s3.head_object(Bucket=repo.s3_bucket, Key=key)["Metadata"]["artifact_sha256"] != sha(b"content B"):
        assert time.monotonic() < deadline, "the held PutObject never landed"
        time.sleep(0.05)
    assert [p.kind for p in repo.check("app")] == ["latest_mismatch"]
    repo.put_artifact("app", b"content A")
    assert repo.check("app") == []
    assert repo.get_artifact_version("app").get_content() == b"content A"


# --- 9.5: alias reads are verified against the version item ---------------------------------


def replace_object(repo: Repository, moto_server: str, name: str, version: str, data: bytes) -> None:
    """Another writer replaces a version's object with self-consistent bytes and metadata."""
    s3, _ = direct_clients(moto_server)
    key = f"{repo.s3_prefix}/{name}/{version.zfill(6)}"
    s3.put_object(
        Bucket=repo.s3_bucket, Key=key, Body=data, Metadata={"artifact_name": name, "artifact_sha256": sha(data)}
    )


@pytest.mark.parametrize("which", ["primary", "secondary"])
def test_alias_read_of_replaced_bytes_raises_integrity_error(make_faulty_repo, moto_server, which):
    repo = make_faulty_repo()
    published_with_alias(repo, count=2)
    repo.put_alias("app", "prod", 2, 1, 30)
    replace_object(repo, moto_server, "app", "1" if which == "secondary" else "2", b"tampered")
    alias = repo.get_alias("app", "prod")
    read = alias.get_version_content if which == "primary" else alias.get_secondary_version_content
    with pytest.raises(IntegrityError):
        read()


def test_artifact_read_of_replaced_bytes_raises_integrity_error(make_faulty_repo, moto_server):
    repo = make_faulty_repo()
    published_with_alias(repo, count=1)
    replace_object(repo, moto_server, "app", "1", b"tampered")
    with pytest.raises(IntegrityError):
        repo.get_artifact_version("app", 1).get_content()


# --- issue 13: concurrent publishes of one LATEST make one version ---------------------------


def test_concurrent_publishers_of_one_latest_get_one_version(make_faulty_repo, fault_proxy):
    k = 6
    seed = make_faulty_repo()
    seed.put_artifact("app", b"release one")
    # Hold every claim until all K publishers have read the state and claimed: the widest race.
    fault_proxy.plan(HOLD, match=is_claim, times=k, gather=k, hold_limit=5)
    results: list[str] = []
    errors: list[BaseException] = []

    def publisher() -> None:
        try:
            repo = make_faulty_repo(settings_of(seed), read_timeout=30)
            results.append(repo.publish_artifact_version("app").version)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=publisher) for _ in range(k)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    versions = [a.version for a in seed.list_artifact_versions("app") if a.version != "LATEST"]
    assert versions == ["1"]
    assert results == ["1"] * k


def test_racing_upload_and_publish_never_duplicates_content(moto_server):
    threads_n, rounds = 6, 3
    settings = dict(
        aws_region="us-east-1",
        s3_bucket=f"race-{uuid.uuid4().hex[:12]}",
        dynamodb_table_name=f"race-{uuid.uuid4().hex[:12]}",
        endpoint_url=moto_server,
    )
    Repository(**settings, boto_session=new_session()).bootstrap()
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads_n)

    def worker(i: int) -> None:
        repo = Repository(**settings, boto_session=new_session(), operator=f"t{i}", use_sts=False)
        try:
            for r in range(rounds):
                barrier.wait(timeout=60)
                repo.put_artifact("db", f"thread {i} round {r}".encode())
                repo.publish_artifact_version("db")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    repo = Repository(**settings, boto_session=new_session())
    assert_repository_sound(repo, endpoint_url=moto_server)
    shas = [a.sha256 for a in repo.list_artifact_versions("db") if a.version != "LATEST"]
    duplicated = len(shas) - len(set(shas))
    assert duplicated == 0, f"{duplicated} of {len(shas)} versions repeat another version's content"


def test_raw_state_sees_every_store(make_faulty_repo, moto_server):
    """The invariant checker reads what core wrote (guards the checker against layout drift)."""
    repo = make_faulty_repo()
    published_with_alias(repo, count=2)
    raw = RawState(repo, moto_server)
    assert set(raw.versions["app"]) == {"LATEST", "000001", "000002"}
    assert set(raw.aliases["app"]) == {"prod"}
    assert len(raw.history["app"]["prod"]) == 1
    assert len(raw.objects["app"]) == 3
    assert assert_repository_sound(repo, endpoint_url=moto_server, repair=True) == []


def test_lost_alias_delete_response_is_recognised_as_our_own_write(make_faulty_repo, fault_proxy, moto_server):
    repo = make_faulty_repo()
    published_with_alias(repo, count=2)
    revision = repo.get_alias("app", "prod").revision
    rule = fault_proxy.plan(
        DROP_AFTER, match=lambda r: r.op == "TransactWriteItems" and r.mentions("__app-alias", "prod")
    )
    with fast_sleep():
        repo.delete_alias("app", "prod", expected_revision=revision, reason="retire")
    assert rule.hits == 1
    assert [a.alias for a in repo.list_aliases("app")] == []
    assert repo.list_alias_history("app", "prod")[0].action == "delete"
    assert_repository_sound(repo, endpoint_url=moto_server)
