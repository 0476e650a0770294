"""Build a Repository from plain settings, the way the console's CLI and config file give them."""

from __future__ import annotations

from .deadline import Deadline
from .errors import AccessDeniedError, InvalidArgumentError
from .layout import names_prefix
from .redact import redact_secrets
from .repository import DEFAULT_S3_PREFIX, DEFAULT_TABLE_NAME, Repository


def connect(
    *,
    bucket: str,
    region: str | None = None,
    prefix: str = DEFAULT_S3_PREFIX,
    table: str = DEFAULT_TABLE_NAME,
    profile: str | None = None,
    endpoint_url: str | None = None,
    read_only: bool = False,
    operator: str | None = None,
    deadline: Deadline | None = None,
) -> Repository:
    """A Repository on a boto3 session for `profile` (AWS_PROFILE / AWS_REGION apply as in boto3).

    Makes no AWS call; the first repository method does.
    """
    from botocore.exceptions import ProfileNotFound

    from ._loader import new_session

    if not isinstance(bucket, str) or not bucket.strip():
        raise InvalidArgumentError(f"bucket must be a non-empty string, got {bucket!r}")
    if not isinstance(table, str) or not table.strip():
        raise InvalidArgumentError(f"table must be a non-empty string, got {table!r}")
    if endpoint_url is not None and not endpoint_url.startswith(("http://", "https://")):
        shown = redact_secrets(endpoint_url) if "://" in endpoint_url else endpoint_url.rpartition("@")[2]
        raise InvalidArgumentError(f"endpoint URL {shown!r} must start with http:// or https://")
    names_prefix(prefix)
    try:
        session = new_session(profile_name=profile or None, region_name=region or None)
    except ProfileNotFound as exc:
        raise AccessDeniedError(f"AWS profile {profile!r} not found in your AWS config") from exc
    resolved_region = region or session.region_name or "us-east-1"
    return Repository(
        aws_region=resolved_region,
        s3_bucket=bucket,
        s3_prefix=prefix,
        dynamodb_table_name=table,
        boto_session=session,
        endpoint_url=endpoint_url,
        read_only=read_only,
        operator=operator,
        deadline=deadline,
    )
