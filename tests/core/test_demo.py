"""The demo's fast seed (straight into moto's backends) stores exactly what the public API stores."""

from __future__ import annotations

from typing import Any

import boto3
from moto import mock_aws

from core import Repository
from core.demo import DEMO_BUCKET, DEMO_REGION, DEMO_TABLE, SEEDS, seed, start_demo, stop_demo

# S3 answers these from the time of the request, not from the stored state.
_VOLATILE_HEAD = {"LastModified", "ResponseMetadata", "Date"}


def _stored(repository: Repository, session: boto3.Session) -> dict[str, Any]:
    """Every DynamoDB item and every S3 object (bytes, HEAD) of the demo bucket and table."""
    dynamodb = session.client("dynamodb", region_name=DEMO_REGION)
    s3 = session.client("s3", region_name=DEMO_REGION)
    items = []
    for page in dynamodb.get_paginator("scan").paginate(TableName=DEMO_TABLE, ConsistentRead=True):
        items.extend(page["Items"])
    objects = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=DEMO_BUCKET):
        for summary in page.get("Contents", []):
            key = summary["Key"]
            head = {k: v for k, v in s3.head_object(Bucket=DEMO_BUCKET, Key=key).items() if k not in _VOLATILE_HEAD}
            body = s3.get_object(Bucket=DEMO_BUCKET, Key=key)["Body"].read()
            objects[key] = (head, body, summary["Size"], summary["ETag"])
    for item in items:
        if "claim_id" in item:  # a random id per publish: compare that it is there, not its value
            item["claim_id"] = {"S": "<claim id>"}
    items.sort(key=lambda item: (item["pk"]["S"], item["sk"]["S"]))
    table = dynamodb.describe_table(TableName=DEMO_TABLE)["Table"]
    shape = {k: table.get(k) for k in ("KeySchema", "AttributeDefinitions", "TableStatus")}
    shape["BillingMode"] = table.get("BillingModeSummary", {}).get("BillingMode")
    shape["BucketRegion"] = s3.head_bucket(Bucket=DEMO_BUCKET)["ResponseMetadata"]["HTTPHeaders"].get(
        "x-amz-bucket-region"
    )
    return {"items": items, "objects": objects, "shape": shape}


def _public(repository: Repository) -> dict[str, Any]:
    """What the console reads: names, versions (with sha256 and metadata), aliases, history."""
    state: dict[str, Any] = {"names": repository.list_artifact_names()}
    for name in state["names"]:
        versions = repository.list_artifact_versions(name)
        aliases = repository.list_aliases(name)
        state[name] = {
            "versions": [(v.version, v.sha256, v.size, v.content_type, v.metadata, v.update_at) for v in versions],
            "aliases": [a.model_dump() for a in aliases],
            "history": {a.alias: repository.list_alias_history(name, a.alias) for a in aliases},
        }
    return state


def test_fast_seed_stores_what_the_public_api_stores(boto_session: boto3.Session) -> None:
    # One session throughout: a fresh one per client would parse botocore's service models again.
    with mock_aws():
        through_api = Repository(
            aws_region=DEMO_REGION,
            s3_bucket=DEMO_BUCKET,
            dynamodb_table_name=DEMO_TABLE,
            operator="you (demo)",
            use_sts=False,
            boto_session=boto_session,
        )
        through_api.bootstrap()
        seed(through_api)
        expected_stored, expected_public = _stored(through_api, boto_session), _public(through_api)
    fast = start_demo(boto_session=boto_session)  # bucket, table and seed written straight into moto
    try:
        stored, public = _stored(fast, boto_session), _public(fast)
    finally:
        stop_demo()
    assert public == expected_public
    assert stored["items"] == expected_stored["items"]
    assert stored["objects"] == expected_stored["objects"]
    assert stored["shape"] == expected_stored["shape"]
    # Sanity: the comparison covered the whole demo (5 artifacts, a deleted version, a canary).
    assert public["names"] == sorted(spec.name for spec in SEEDS)
    assert [v[0] for v in public["fraud-rules"]["versions"]] == ["LATEST", "3", "1"]
    production = {a["alias"]: a for a in public["edge-config"]["aliases"]}["production"]
    assert (production["version"], production["secondary_version"], production["secondary_version_weight"]) == (
        "3",
        "5",
        25,
    )


def test_start_demo_is_seeded_and_read_only_refuses_writes() -> None:
    repository = start_demo(read_only=True)
    try:
        assert repository.list_artifact_names() == sorted(spec.name for spec in SEEDS)
        assert [a.alias for a in repository.list_aliases("customer-analytics-db")] == [
            "development",
            "production",
            "staging",
        ]
        assert repository.read_only
    finally:
        stop_demo()


def test_the_demo_servers_objects_first_seed_stores_the_same_objects() -> None:
    # The demo server seeds S3 before loading pydantic: alias changes touch items only.
    from core.demo import DEMO_PREFIX, _stored_seed
    from core.repository import DEFAULT_S3_PREFIX

    assert DEMO_PREFIX == DEFAULT_S3_PREFIX
    items, objects = _stored_seed(DEMO_PREFIX, "")
    without_aliases, objects_first = _stored_seed(DEMO_PREFIX, "", with_aliases=False)
    assert objects_first == objects
    assert len(without_aliases) < len(items)
