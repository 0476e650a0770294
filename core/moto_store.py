"""Bulk writes straight into moto's in-process backends, for the demo seed and the benchmarks.

Going through boto3 costs a few milliseconds per request (signing, serialising, moto's HTTP
emulation); seeding hundreds of items and objects that way dominates the demo's start. Here
items and objects go into moto's backend objects directly, as its request handlers would put
them. Only for a running `mock_aws()`: the bucket and table must already exist.

moto is imported here only, inside the functions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class StoredObject:
    """One S3 object as put_object would store it: bytes, content type and user metadata."""

    key: str
    body: bytes
    content_type: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def etag(self) -> str:
        """The ETag S3 (and moto) gives a single-part upload: the quoted MD5 of the bytes."""
        return f'"{hashlib.md5(self.body).hexdigest()}"'


def _account() -> str:
    from moto.core import DEFAULT_ACCOUNT_ID

    return str(DEFAULT_ACCOUNT_ID)


def region_session() -> Any:
    """The boto3 session moto lists regions with (it parses botocore's endpoints and service models).

    A repository built on this session reuses those parses for its own clients instead of
    repeating them (~50 ms of CPU before the demo can answer its first request).
    """
    from moto.core.base_backend import AccountSpecificBackend

    return AccountSpecificBackend.get_session()


def load_models_fast() -> None:
    """Make moto read botocore's models through core's FastLoader (core._loader).

    moto builds a new botocore Loader for each model it loads, on a service's first request: each
    one lists every service directory (~400) to find "s3", a third of the demo server's first
    answer. moto's own extras (its search path, its "moto" extras files) are kept.
    """
    import moto.core.utils
    from moto.core.loaders import Loader as MotoLoader
    from moto.core.loaders import moto_root

    from ._loader import FastLoader

    class MotoFastLoader(FastLoader, MotoLoader):
        """moto's model extras, found the FastLoader way."""

    moto.core.utils.create_loader = lambda: MotoFastLoader(extra_search_paths=[moto_root])


def create_bucket(region: str, bucket: str) -> None:
    """Create an S3 bucket in moto (what Repository.bootstrap's create_bucket request does)."""
    from moto.s3.models import s3_backends

    s3_backends[_account()]["aws"].create_bucket(bucket, region)


def create_table(region: str, table: str, key_schema: list[dict[str, str]], attributes: list[dict[str, str]]) -> None:
    """Create an on-demand DynamoDB table in moto, active at once, as a create_table request would."""
    from moto.dynamodb.models import dynamodb_backends

    dynamodb_backends[_account()][region].create_table(
        table,
        schema=key_schema,
        throughput=None,
        attr=attributes,
        global_indexes=[],
        indexes=[],
        streams=None,
        billing_mode="PAY_PER_REQUEST",
        sse_specification=None,
        tags=[],
        deletion_protection_enabled=False,
        warm_throughput=None,
    )


def put_items(region: str, table: str, items: Iterable[dict[str, Any]]) -> int:
    """Put DynamoDB items (wire format, e.g. {"pk": {"S": ...}}) into moto's table; returns the count."""
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends[_account()][region]
    count = 0
    for item in items:
        backend.put_item(table, item)
        count += 1
    return count


def put_objects(bucket: str, objects: Iterable[StoredObject]) -> int:
    """Put S3 objects into moto's bucket with their content type and metadata; returns the count."""
    from moto.s3.models import s3_backends

    backend = s3_backends[_account()]["aws"]
    count = 0
    for obj in objects:
        # The headers moto's put_object handler would keep: Content-Type and x-amz-meta-*.
        headers = {f"x-amz-meta-{k.lower()}": v for k, v in obj.metadata.items()}
        if obj.content_type:
            headers["Content-Type"] = obj.content_type
        backend.put_object(bucket, obj.key, obj.body).set_metadata(headers)
        count += 1
    return count
