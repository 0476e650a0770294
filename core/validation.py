"""Argument validation for Repository's public methods: metadata, tags, alias configs, counters.

Every check raises before any AWS call; messages name the argument and what it must be.
"""

from __future__ import annotations

from typing import Any

from .errors import InvalidArgumentError, InvalidWeightError, ValidationError, WeightTypeError
from .layout import encode_version, reject_control_characters, validate_weight
from .models import AliasConfig

# S3 metadata keys core writes itself; users may not set them.
RESERVED_METADATA = ("artifact_name", "artifact_sha256")


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
        clean[k] = v
    if sum(len(k) + len(v) for k, v in clean.items()) > 1800:
        raise InvalidArgumentError(f"{what} is too large: S3 allows about 2 KB of user metadata")
    return clean


def validate_tags(tags: dict[str, str] | None) -> str:
    """The tags as an S3 Tagging header ("" for none)."""
    if not tags:
        return ""
    from urllib.parse import urlencode

    if not isinstance(tags, dict) or len(tags) > 10:
        raise InvalidArgumentError("tags must be a dict of at most 10 str to str pairs")
    for k, v in tags.items():
        if not isinstance(k, str) or not isinstance(v, str) or not k or len(k) > 128 or len(v) > 256:
            raise InvalidArgumentError(f"tag {k!r}={v!r} is invalid (key 1..128, value 0..256 chars)")
    return urlencode(tags)


def validate_content_type(content_type: str | None) -> None:
    if content_type is not None and (not isinstance(content_type, str) or not content_type.strip()):
        raise InvalidArgumentError(f"content_type must be a non-empty string, got {content_type!r}")
    if content_type is not None:
        reject_control_characters(content_type, "content_type")


def is_sha256(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(ch in "0123456789abcdef" for ch in value)


def validate_expected_sha256(value: str | None) -> None:
    if value is not None and not is_sha256(value):
        raise InvalidArgumentError(f"expected_sha256 must be 64 hex characters, got {value!r}")


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


def alias_config(version: int | str | None, secondary_version: int | str | None, weight: int | None) -> AliasConfig:
    """The configuration put_alias asks for, or the error saying which argument is wrong."""
    primary = encode_version(version)
    if secondary_version is None:
        if weight is not None:
            validate_weight(weight)  # a wrong type is reported as such first
            raise InvalidWeightError(f"secondary_version_weight {weight!r} given without a secondary_version")
        return AliasConfig(version=primary)
    secondary = encode_version(secondary_version)
    if weight is None:
        raise WeightTypeError(f"secondary_version {secondary} needs a secondary_version_weight (an int in 0..99)")
    validate_weight(weight)
    if primary == secondary:
        raise ValidationError(f"version {primary!r} and secondary_version {secondary!r} must differ")
    return AliasConfig(version=primary, secondary_version=secondary, secondary_version_weight=weight)
