"""Argument validation for Repository's public methods: metadata, tags, alias configs, counters.

Every check raises before any AWS call; messages name the argument and what it must be.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from . import models
from .errors import InvalidArgumentError, InvalidNameError, InvalidWeightError, ValidationError, WeightTypeError
from .layout import encode_version, reject_control_characters, validate_existing_name, validate_name, validate_weight

if TYPE_CHECKING:
    from .models import AliasConfig

# S3 metadata keys core writes itself; users may not set them.
RESERVED_METADATA = ("artifact_name", "artifact_sha256")


def is_new_name(name: str) -> bool:
    """Whether core may create `name` (validate_name). False for a name only versioned would have
    created (e.g. `_build`): writable where it already has items. InvalidNameError if it breaks the key layout."""
    try:
        validate_name(name)
        return True
    except InvalidNameError:
        validate_existing_name(name)  # names that break the key layout are refused outright
        return False


def validate_metadata(metadata: dict[str, str] | None, what: str = "metadata") -> dict[str, str]:
    """The metadata as S3 will store it (lower-case ASCII keys, printable ASCII values, ~2 KB)."""
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
        if v != v.strip():
            # S3 trims header values; DynamoDB would keep the spaces and the stores would disagree.
            raise InvalidArgumentError(f"{what} value for {k!r} has leading or trailing spaces, which S3 drops: {v!r}")
        clean[k] = v
    if sum(len(k) + len(v) for k, v in clean.items()) > 1800:
        raise InvalidArgumentError(f"{what} is too large: S3 allows about 2 KB of user metadata")
    return clean


# What S3 allows in tag keys and values: Unicode letters, digits, spaces and + - = . _ : / @ (no controls).
_TAG_TEXT = re.compile(r"[\w\s+\-=.:/@]*")
# S3 (and HTTP) would reject or rewrite a Content-Type outside printable ASCII.
MAX_CONTENT_TYPE = 255


def validate_tags(tags: dict[str, str] | None) -> str:
    """The tags as an S3 Tagging header ("" for none): at most 10, keys 1..128 and values
    0..256 characters S3 accepts, no key in the reserved aws: namespace."""
    if not tags:
        return ""
    from urllib.parse import urlencode

    if not isinstance(tags, dict) or len(tags) > 10:
        raise InvalidArgumentError("tags must be a dict of at most 10 str to str pairs")
    for k, v in tags.items():
        if not isinstance(k, str) or not isinstance(v, str) or not k or len(k) > 128 or len(v) > 256:
            raise InvalidArgumentError(f"tag {k!r}={v!r} is invalid (key 1..128, value 0..256 chars)")
        if k.lower().startswith("aws:"):
            raise InvalidArgumentError(f"tag key {k!r} is in the aws: namespace, which AWS reserves")
        for what, text in (("key", k), ("value", v)):
            if not _TAG_TEXT.fullmatch(text) or not text.isprintable():
                raise InvalidArgumentError(
                    f"tag {what} {text!r} has characters S3 rejects: use letters, digits, spaces and + - = . _ : / @"
                )
    return urlencode(tags)


def validate_content_type(content_type: str | None) -> None:
    """A content type S3 stores as given: 1..255 printable ASCII characters (no CR/LF, no controls)."""
    if content_type is None:
        return
    if not isinstance(content_type, str) or not content_type.strip():
        raise InvalidArgumentError(f"content_type must be a non-empty string, got {content_type!r}")
    if len(content_type) > MAX_CONTENT_TYPE:
        raise InvalidArgumentError(
            f"content_type {content_type[:20]!r}... is {len(content_type)} characters; the limit is {MAX_CONTENT_TYPE}"
        )
    if not content_type.isascii() or not content_type.isprintable():
        raise InvalidArgumentError(
            f"content_type {content_type!r} must be printable ASCII (no control characters, CR or LF)"
        )


def is_sha256(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(ch in "0123456789abcdef" for ch in value)


def validate_expected_sha256(value: str | None) -> None:
    if value is not None and not is_sha256(value):
        raise InvalidArgumentError(f"expected_sha256 must be 64 hex characters, got {value!r}")


# purge_older_than_secs beyond this (about 1,000 years) means the same: nothing is that old.
MAX_AGE_SECS = 1000 * 365 * 24 * 60 * 60


def validate_age(label: str, value: Any) -> int:
    """A non-negative int of seconds, capped at MAX_AGE_SECS so date arithmetic cannot overflow."""
    validate_count(label, value)
    return min(value, MAX_AGE_SECS)


def validate_count(label: str, value: Any, minimum: int = 0) -> None:
    """An int (not a bool) >= minimum."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidArgumentError(f"{label} must be an int >= {minimum}, got {value!r}")


def validate_limit(limit: Any) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
        raise InvalidArgumentError(f"limit must be an int in 1..1000, got {limit!r}")


def validate_reason(reason: str | None) -> str | None:
    """The reason stripped, or None when absent or blank."""
    if reason is not None and (not isinstance(reason, str) or len(reason) > 1000):
        raise InvalidArgumentError("reason must be a string of at most 1,000 characters")
    if reason is not None:
        reject_control_characters(reason, "reason")
    return reason.strip() or None if reason else None


def validate_freeze(reason: str, until: datetime, now: datetime) -> tuple[str, datetime]:
    """A freeze's reason (required) and its end in UTC (timezone-aware, after `now`)."""
    text = validate_reason(reason)
    if text is None:
        raise InvalidArgumentError("a freeze needs a reason (who is on it and why)")
    if not isinstance(until, datetime) or until.tzinfo is None:
        raise InvalidArgumentError(f"until must be a timezone-aware datetime, got {until!r}")
    if until <= now:
        raise InvalidArgumentError(f"until must be in the future, got {until:%Y-%m-%d %H:%M:%S %Z}")
    return text, until.astimezone(UTC)


def alias_config(version: int | str | None, secondary_version: int | str | None, weight: int | None) -> AliasConfig:
    """The configuration put_alias asks for, or the error saying which argument is wrong."""
    primary = encode_version(version)
    if secondary_version is None:
        if weight is not None:
            validate_weight(weight)  # a wrong type is reported as such first
            raise InvalidWeightError(f"secondary_version_weight {weight!r} given without a secondary_version")
        return models.AliasConfig(version=primary)
    secondary = encode_version(secondary_version)
    if weight is None:
        raise WeightTypeError(f"secondary_version {secondary} needs a secondary_version_weight (an int in 0..99)")
    validate_weight(weight)
    if primary == secondary:
        raise ValidationError(f"version {primary!r} and secondary_version {secondary!r} must differ")
    return models.AliasConfig(version=primary, secondary_version=secondary, secondary_version_weight=weight)
