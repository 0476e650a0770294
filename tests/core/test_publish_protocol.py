"""Publish under lost responses and failed writes, and copies above the single-CopyObject limit.

A lost response is injected deterministically with a botocore `needs-retry` hook on the
repository's own DynamoDB client: the request reaches the server and is applied, then botocore
is told to retry it as if the response had been lost on the way back, exactly what a connection
reset or read timeout after the server committed does.
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ConnectionClosedError
from faults import new_session

from core import EndpointUnreachableError, Repository
from core import _publish as publish_protocol
from core.layout import artifact_key


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def body_of(request_dict: dict[str, Any]) -> str:
    body = request_dict.get("body") or b""
    return body.decode() if isinstance(body, bytes) else str(body)


class LoseResponses:
    """Make botocore retry matching DynamoDB requests after the server applied them (lost response)."""

    def __init__(self, repo: Repository, operation: str, match: Callable[[str], bool], times: int = 1) -> None:
        self.match, self.left, self.lost = match, times, 0
        repo._c(None).dynamodb.meta.events.register(f"needs-retry.dynamodb.{operation}", self.handler)

    def handler(self, response: Any = None, request_dict: Any = None, caught_exception: Any = None, **_: Any) -> Any:
        if self.left <= 0 or caught_exception is not None or response is None:
            return None
        if response[0].status_code != 200 or not self.match(body_of(request_dict)):
            return None
        self.left -= 1
        self.lost += 1
        return 0  # "retry now": the applied request is sent again


class FailRequests:
    """Make matching DynamoDB requests fail before they reach the server (nothing is applied)."""

    def __init__(self, repo: Repository, operation: str, match: Callable[[str], bool], times: int = 1000) -> None:
        self.match, self.left, self.failed = match, times, 0
        repo._c(None).dynamodb.meta.events.register(f"before-send.dynamodb.{operation}", self.handler)

    def handler(self, request: Any = None, **_: Any) -> None:
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body or "")
        if self.left > 0 and self.match(body):
            self.left -= 1
            self.failed += 1
            raise ConnectionClosedError(endpoint_url=request.url)


def is_reveal(body: str) -> bool:
    return "publish_state = :pending" in body and "ConditionExpression" in body and '"Item"' in body


def is_abandon(body: str) -> bool:
    return ":abandoned" in body


def raw_items(repo: Repository, name: str) -> dict[str, dict[str, Any]]:
    ddb = repo._c(None).dynamodb
    found = ddb.query(
        TableName=repo.dynamodb_table_name,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": name}},
        ConsistentRead=True,
    )["Items"]
    return {i["sk"]["S"]: i for i in found}


def object_exists(repo: Repository, name: str, version: str) -> bool:
    art_key = artifact_key(repo.s3_prefix, name, version, repo.suffix)
    listed = repo._c(None).s3.list_objects_v2(Bucket=repo.s3_bucket, Prefix=art_key)
    return any(o["Key"] == art_key for o in listed.get("Contents", []))


def assert_every_visible_version_has_its_bytes(repo: Repository, name: str) -> None:
    for art in repo.list_artifact_versions(name):
        assert sha(art.get_content()) == art.sha256  # get_content verifies too
    assert repo.check(name) == []


# --- lost responses ------------------------------------------------------------------------------


def test_lost_reveal_response_keeps_the_version_and_its_bytes(repo):
    """The reveal commits, its response is lost, the retry fails its own condition: still a success."""
    repo.put_artifact("app", b"model")
    lost = LoseResponses(repo, "PutItem", is_reveal)
    art = repo.publish_artifact_version("app")
    assert lost.lost == 1
    assert art.version == "1"
    assert art.get_content() == b"model"
    assert repo.publish_artifact_version("app").version == "1"
    assert [a.version for a in repo.list_artifact_versions("app")] == ["LATEST", "1"]
    assert_every_visible_version_has_its_bytes(repo, "app")


def test_lost_claim_response_is_recognised_as_our_own_claim(repo):
    """moto re-applies a replayed TransactWriteItems, which then fails its own conditions."""
    repo.put_artifact("app", b"model")
    lost = LoseResponses(repo, "TransactWriteItems", lambda body: True)
    art = repo.publish_artifact_version("app")
    assert lost.lost == 1
    assert art.version == "1"  # not 2: our own claim of 1 is not "taken by someone else"
    stored = raw_items(repo, "app")
    assert len(stored) == 2  # LATEST and version 1, no second claim
    assert [i for i in stored.values() if "publish_state" in i] == []  # no claim left pending
    assert_every_visible_version_has_its_bytes(repo, "app")


def test_lost_reveal_and_unreadable_outcome_never_deletes_bytes(repo):
    """Reveal committed, every attempt's response lost, and the re-read fails too: a typed error, bytes kept."""
    repo.put_artifact("app", b"model")
    LoseResponses(repo, "PutItem", is_reveal, times=100)
    FailRequests(repo, "GetItem", lambda body: True)
    with pytest.raises(EndpointUnreachableError):
        repo.publish_artifact_version("app")
    fresh = Repository(
        aws_region=repo.aws_region,
        s3_bucket=repo.s3_bucket,
        dynamodb_table_name=repo.dynamodb_table_name,
        endpoint_url=repo.endpoint_url,
        boto_session=new_session(),
    )
    visible = [a.version for a in fresh.list_artifact_versions("app")]
    assert visible == ["LATEST", "1"]  # the reveal did commit
    assert_every_visible_version_has_its_bytes(fresh, "app")
    assert fresh.publish_artifact_version("app").version == "1"


def test_failed_reveal_abandons_the_claim_then_deletes_its_bytes(repo):
    """The reveal never reached the server: the claim is marked abandoned (lost response and all), then cleaned."""
    repo.put_artifact("app", b"model")
    FailRequests(repo, "PutItem", is_reveal)
    lost = LoseResponses(repo, "UpdateItem", is_abandon)
    with pytest.raises(EndpointUnreachableError):
        repo.publish_artifact_version("app")
    assert lost.lost == 1
    assert object_exists(repo, "app", "LATEST")
    stored = raw_items(repo, "app")
    claim = next(i for sk, i in stored.items() if sk != "LATEST")
    assert claim["publish_state"] == {"S": "abandoned"}
    assert not object_exists(repo, "app", "1")
    assert "claim_id" not in stored["LATEST"]  # abandoning cleared LATEST's claim mark
    # The hooks stay registered on `repo`'s client; a fresh repository publishes cleanly.
    fresh = Repository(
        aws_region=repo.aws_region,
        s3_bucket=repo.s3_bucket,
        dynamodb_table_name=repo.dynamodb_table_name,
        endpoint_url=repo.endpoint_url,
        boto_session=new_session(),
    )
    assert fresh.publish_artifact_version("app").version == "2"  # the number stays burned
    assert_every_visible_version_has_its_bytes(fresh, "app")


def test_reveal_items_carry_the_claim_id_of_their_claim(repo):
    """What lets a publisher recognise its own writes after a lost response."""
    repo.put_artifact("app", b"model")
    repo.publish_artifact_version("app")
    stored = raw_items(repo, "app")
    version = next(i for sk, i in stored.items() if sk != "LATEST")
    assert version["claim_id"] == stored["LATEST"]["claim_id"]
    assert stored["LATEST"]["claim_sha"] == stored["LATEST"]["sha256"]
    assert json.dumps(version)  # plain attributes only


# --- copies above the single CopyObject limit ----------------------------------------------------


def test_publish_copies_big_objects_in_parts(repo, monkeypatch):
    """Above COPY_THRESHOLD publish copies with UploadPartCopy; bytes, metadata and content type survive."""
    part = 5 * 1024 * 1024
    monkeypatch.setattr(publish_protocol, "COPY_THRESHOLD", part)
    monkeypatch.setattr(publish_protocol, "COPY_PART_SIZE", part)
    data = bytes(range(256)) * (12 * 1024 * 1024 // 256) + b"tail"  # parts of 5, 5 and 2 MiB + 4 bytes
    repo.put_artifact("big", data, content_type="application/x-model", metadata={"build": "7"}, tags={"team": "ml"})
    calls: list[str] = []
    repo._c(None).s3.meta.events.register("before-call.s3", lambda model, **_: calls.append(model.name))
    art = repo.publish_artifact_version("big")
    assert calls.count("UploadPartCopy") == 3
    assert "CopyObject" not in calls
    assert (art.version, art.sha256, art.size) == ("1", sha(data), len(data))
    assert (art.content_type, art.metadata) == ("application/x-model", {"build": "7"})
    assert art.get_content() == data
    s3 = repo._c(None).s3
    key = art.s3path.key
    head = s3.head_object(Bucket=repo.s3_bucket, Key=key)
    assert head["ContentType"] == "application/x-model"
    assert head["Metadata"]["artifact_sha256"] == sha(data)
    assert head["Metadata"]["build"] == "7"
    assert s3.get_object_tagging(Bucket=repo.s3_bucket, Key=key)["TagSet"] == [{"Key": "team", "Value": "ml"}]
    assert s3.list_multipart_uploads(Bucket=repo.s3_bucket).get("Uploads", []) == []
    assert_every_visible_version_has_its_bytes(repo, "big")


def test_failed_part_copy_aborts_the_upload_and_abandons_the_claim(repo, monkeypatch):
    part = 5 * 1024 * 1024
    monkeypatch.setattr(publish_protocol, "COPY_THRESHOLD", part)
    monkeypatch.setattr(publish_protocol, "COPY_PART_SIZE", part)
    repo.put_artifact("big", b"x" * (11 * 1024 * 1024))
    s3 = repo._c(None).s3
    copies = []

    def fail_second_part(request: Any = None, **_: Any) -> None:
        if "partNumber=2" in request.url and "uploadId" in request.url:
            copies.append(request.url)
            raise ConnectionClosedError(endpoint_url=request.url)

    s3.meta.events.register("before-send.s3.UploadPartCopy", fail_second_part)
    with pytest.raises(EndpointUnreachableError):
        repo.publish_artifact_version("big")
    assert copies
    assert s3.list_multipart_uploads(Bucket=repo.s3_bucket).get("Uploads", []) == []
    assert repo.list_artifact_versions("big")[-1].version == "LATEST"
    s3.meta.events.unregister("before-send.s3.UploadPartCopy", fail_second_part)
    assert repo.publish_artifact_version("big").version == "2"
    assert_every_visible_version_has_its_bytes(repo, "big")


# --- cost ------------------------------------------------------------------------------------------


def count_requests(repo: Repository) -> list[str]:
    calls: list[str] = []
    clients = repo._c(None)
    for client in (clients.s3, clients.dynamodb):
        client.meta.events.register("before-send", lambda request=None, **kw: calls.append(kw["event_name"]))
    return calls


def test_publish_request_counts(repo, make_repo):
    """The claim mark rides in the claim transaction: the happy path costs what it did before it."""
    other = make_repo(s3_bucket=repo.s3_bucket, dynamodb_table_name=repo.dynamodb_table_name)
    repo.put_artifact("app", b"0")
    repo.publish_artifact_version("app")
    repo.put_artifact("app", b"1")
    calls = count_requests(repo)
    assert repo.publish_artifact_version("app").version == "2"  # after its own put: no read
    assert [c.rsplit(".", 1)[-1] for c in calls] == ["TransactWriteItems", "CopyObject", "PutItem"]
    calls.clear()
    repo.publish_artifact_version("app")
    assert [c.rsplit(".", 1)[-1] for c in calls] == ["Query"]  # unchanged LATEST: one read
    repo.put_artifact("app", b"2")
    other_calls = count_requests(other)
    assert other.publish_artifact_version("app").version == "3"  # a publisher that did not see the put
    assert [c.rsplit(".", 1)[-1] for c in other_calls] == ["Query", "TransactWriteItems", "CopyObject", "PutItem"]
    calls.clear()
    assert repo.publish_artifact_version("app").version == "3"  # follows the other's claim of 3
    assert [c.rsplit(".", 1)[-1] for c in calls] == ["TransactWriteItems", "Query"]


def test_rewriting_latest_with_the_same_content_keeps_the_claim_mark(repo):
    """A reconcile after concurrent uploads rewrites LATEST's item with the same sha256: the claim
    mark must survive it, or a second publisher of that content claims a duplicate version."""
    from core import _content, _fence
    from core import items as it

    repo.put_artifact("app", b"model")
    repo.publish_artifact_version("app")
    ctx = repo._ctx(None)
    before = raw_items(repo, "app")["LATEST"]
    same = {k: v for k, v in before.items() if not k.startswith("claim_")}
    same["update_at"] = {"S": "2030-01-01T00:00:00.000000+0000"}
    same.pop("etag", None)
    _content.write_latest(ctx, same, _fence.read_with_latest(ctx, "app")[1])
    after = raw_items(repo, "app")["LATEST"]
    assert {k: after[k] for k in after if k.startswith("claim_")} == {
        k: before[k] for k in before if k.startswith("claim_")
    }
    assert after["update_at"] == same["update_at"] and "etag" not in after
    other = it.artifact_item(
        "app",
        "LATEST",
        update_at=it.item_update_at(after),
        sha256=sha(b"new"),
        size=3,
        content_type=None,
        metadata={},
        etag=None,
    )
    _content.write_latest(ctx, other, _fence.read_with_latest(ctx, "app")[1])
    assert not [k for k in raw_items(repo, "app")["LATEST"] if k.startswith("claim_")]
