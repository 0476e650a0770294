"""The fault proxy does what it claims: each fault has the effect a real network fault has."""

from __future__ import annotations

import threading
import time
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError
from faults import (
    DELAY,
    DELAY_AFTER,
    DROP_AFTER,
    DROP_BEFORE,
    ERROR_500,
    HOLD,
    PARTIAL,
    THROTTLE,
    THROUGHPUT,
    FaultProxy,
    FaultSession,
    classify,
)

TABLE_SCHEMA = dict(
    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
    AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
    BillingMode="PAY_PER_REQUEST",
)


@pytest.fixture(scope="module")
def shared_proxy(moto_server):
    proxy = FaultProxy(moto_server).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def fault_proxy(shared_proxy):
    """One proxy for the module (clients are costly to build); rules and log reset per test."""
    shared_proxy.reset()
    shared_proxy.log.clear()
    yield shared_proxy
    shared_proxy.reset()


@pytest.fixture(scope="module")
def stores(moto_server, shared_proxy):
    """A table and a bucket; clients through the proxy (`via`, 1 attempt unless said) and direct."""
    name = f"proxy-{uuid.uuid4().hex[:10]}"
    direct = boto3.Session(region_name="us-east-1")
    ddb = direct.client("dynamodb", endpoint_url=moto_server)
    s3 = direct.client("s3", endpoint_url=moto_server)
    ddb.create_table(TableName=name, **TABLE_SCHEMA)
    s3.create_bucket(Bucket=name)
    cache: dict[tuple[str, int, float], object] = {}

    def via(service: str, *, max_attempts: int = 1, read_timeout: float = 1.0):
        key = (service, max_attempts, read_timeout)
        if key not in cache:
            session = FaultSession(read_timeout=read_timeout, max_attempts=max_attempts)
            cache[key] = session.client(service, endpoint_url=shared_proxy.url)
        return cache[key]

    return name, ddb, s3, via


@pytest.fixture
def pk() -> str:
    return uuid.uuid4().hex


def is_put(req) -> bool:
    return req.op == "PutItem"


def conditional_put(client, table: str, pk: str) -> None:
    client.put_item(TableName=table, Item={"pk": {"S": pk}}, ConditionExpression="attribute_not_exists(pk)")


def test_requests_are_classified_by_service_and_operation(stores, fault_proxy, pk):
    table, _, _, via = stores
    ddb, s3 = via("dynamodb"), via("s3")
    ddb.put_item(TableName=table, Item={"pk": {"S": pk}})
    s3.put_object(Bucket=table, Key=f"{pk}/x", Body=b"1")
    s3.copy_object(Bucket=table, Key=f"{pk}/y", CopySource={"Bucket": table, "Key": f"{pk}/x"})
    s3.head_object(Bucket=table, Key=f"{pk}/y")
    s3.get_object(Bucket=table, Key=f"{pk}/y")["Body"].read()
    s3.list_objects_v2(Bucket=table, Prefix=pk)
    s3.delete_objects(Bucket=table, Delete={"Objects": [{"Key": f"{pk}/x"}]})
    assert [op for op, _ in fault_proxy.log] == [
        "dynamodb:PutItem",
        "s3:PutObject",
        "s3:CopyObject",
        "s3:HeadObject",
        "s3:GetObject",
        "s3:ListObjectsV2",
        "s3:DeleteObjects",
    ]
    assert classify("GET", "/", {}, b"Action=GetCallerIdentity&Version=2011-06-15") == ("sts", "GetCallerIdentity")


@pytest.mark.parametrize(
    ("action", "code"),
    [
        (ERROR_500, "InternalServerError"),
        (THROTTLE, "ThrottlingException"),
        (THROUGHPUT, "ProvisionedThroughputExceededException"),
    ],
)
def test_dynamodb_errors_are_answered_without_forwarding(stores, fault_proxy, pk, action, code):
    table, direct, _, via = stores
    rule = fault_proxy.plan(action, match=is_put)
    with pytest.raises(ClientError) as caught:
        via("dynamodb").put_item(TableName=table, Item={"pk": {"S": pk}})
    assert caught.value.response["Error"]["Code"] == code
    assert rule.hits == 1
    assert "Item" not in direct.get_item(TableName=table, Key={"pk": {"S": pk}})


@pytest.mark.parametrize(("action", "code"), [(ERROR_500, "InternalError"), (THROTTLE, "SlowDown")])
def test_s3_errors_are_answered_without_forwarding(stores, fault_proxy, pk, action, code):
    table, _, s3, via = stores
    fault_proxy.plan(action, match=lambda r: r.op == "PutObject")
    with pytest.raises(ClientError) as caught:
        via("s3").put_object(Bucket=table, Key=pk, Body=b"1")
    assert caught.value.response["Error"]["Code"] == code
    assert s3.list_objects_v2(Bucket=table, Prefix=pk).get("KeyCount") == 0


def test_botocore_retries_an_error_and_succeeds(stores, fault_proxy, pk):
    table, direct, _, via = stores
    rule = fault_proxy.plan(ERROR_500, match=is_put, times=2)
    via("dynamodb", max_attempts=3).put_item(TableName=table, Item={"pk": {"S": pk}})
    assert rule.hits == 2
    assert "Item" in direct.get_item(TableName=table, Key={"pk": {"S": pk}})


def test_drop_before_forwarding_writes_nothing(stores, fault_proxy, pk):
    table, direct, _, via = stores
    fault_proxy.plan(DROP_BEFORE, match=is_put)
    with pytest.raises(ConnectionClosedError):
        via("dynamodb").put_item(TableName=table, Item={"pk": {"S": pk}})
    assert "Item" not in direct.get_item(TableName=table, Key={"pk": {"S": pk}})


def test_drop_after_forwarding_commits_and_the_retry_fails_its_own_condition(stores, fault_proxy, pk):
    """The lost-response fault of BACKENDS.md: the write happened, the retry says it could not."""
    table, direct, _, via = stores
    rule = fault_proxy.plan(DROP_AFTER, match=is_put)
    with pytest.raises(ClientError) as caught:
        conditional_put(via("dynamodb", max_attempts=3), table, pk)
    assert caught.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert rule.hits == 1
    assert "Item" in direct.get_item(TableName=table, Key={"pk": {"S": pk}})


def test_delay_past_the_read_timeout_lands_after_the_retry(stores, fault_proxy, pk):
    table, direct, _, via = stores
    fault_proxy.plan(DELAY, match=is_put, delay=0.75)
    with pytest.raises(ReadTimeoutError):
        via("dynamodb", read_timeout=0.25).put_item(TableName=table, Item={"pk": {"S": pk}})
    assert "Item" not in direct.get_item(TableName=table, Key={"pk": {"S": pk}})
    deadline = time.monotonic() + 5
    while "Item" not in direct.get_item(TableName=table, Key={"pk": {"S": pk}}):
        assert time.monotonic() < deadline, "the delayed request never reached the server"
        time.sleep(0.05)


def test_delay_after_forwarding_commits_but_the_client_times_out(stores, fault_proxy, pk):
    table, direct, _, via = stores
    fault_proxy.plan(DELAY_AFTER, match=is_put, delay=0.75)
    with pytest.raises(ReadTimeoutError):
        via("dynamodb", read_timeout=0.25).put_item(TableName=table, Item={"pk": {"S": pk}})
    assert "Item" in direct.get_item(TableName=table, Key={"pk": {"S": pk}})


def test_partial_failures_answer_200_and_do_nothing(stores, fault_proxy, pk):
    table, direct, s3, via = stores
    s3.put_object(Bucket=table, Key=pk, Body=b"1")
    direct.put_item(TableName=table, Item={"pk": {"S": pk}})
    fault_proxy.plan(PARTIAL, match=lambda r: r.op in ("DeleteObjects", "BatchWriteItem"), times=None)
    reply = via("s3").delete_objects(Bucket=table, Delete={"Objects": [{"Key": pk}], "Quiet": True})
    assert [e["Key"] for e in reply["Errors"]] == [pk]
    assert s3.list_objects_v2(Bucket=table, Prefix=pk)["KeyCount"] == 1
    request = {table: [{"DeleteRequest": {"Key": {"pk": {"S": pk}}}}]}
    reply = via("dynamodb").batch_write_item(RequestItems=request)
    assert reply["UnprocessedItems"] == request
    assert "Item" in direct.get_item(TableName=table, Key={"pk": {"S": pk}})


def test_hold_gathers_requests_then_lets_them_race(stores, fault_proxy, pk):
    table, direct, _, via = stores
    rule = fault_proxy.plan(HOLD, match=is_put, times=3, gather=3, hold_limit=5)
    outcomes: list[str] = []

    def writer() -> None:
        try:
            conditional_put(via("dynamodb", read_timeout=10), table, pk)
            outcomes.append("won")
        except ClientError as exc:
            outcomes.append(exc.response["Error"]["Code"])

    threads = [threading.Thread(target=writer) for _ in range(3)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert time.monotonic() - started < 4, "gather released only at the hold limit"
    assert rule.hits == 3
    assert sorted(outcomes) == ["ConditionalCheckFailedException"] * 2 + ["won"]


def test_seeded_chaos_repeats_its_choices(stores, fault_proxy, pk):
    table, _, _, via = stores
    runs = []
    for _ in range(2):
        fault_proxy.log.clear()
        fault_proxy.chaos(seed=7, rate=0.5, actions={ERROR_500: 1, THROTTLE: 1})
        client = via("dynamodb")
        for i in range(20):
            try:
                client.put_item(TableName=table, Item={"pk": {"S": f"{pk}{i}"}})
            except ClientError:
                pass
        runs.append(list(fault_proxy.log))
        fault_proxy.calm()
    assert runs[0] == runs[1]
    assert 3 < len([a for _, a in runs[0] if a != "forward"]) < 17
