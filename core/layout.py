"""Pure functions for the stored layout shared with `versioned` 1.0.1: keys and encodings."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import quote

from .errors import InvalidArgumentError, InvalidNameError, InvalidVersionError, InvalidWeightError, WeightTypeError

LATEST = "LATEST"
VERSION_ZFILL = 6
MAX_VERSION = 999_999
MAX_NAME_LENGTH = 128
MAX_ALIAS_LENGTH = 64

# S3-key- and pk-safe; a leading letter or digit keeps artifact names out of the "__" namespace
# that alias and history partitions use (versioned lets `__x-alias` collide with x's aliases).
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# No hyphen: versioned decodes the artifact name from "__{name}-alias" by splitting on "-".
_ALIAS_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.]*")
# C0 (tab and newline too), DEL and C1: a terminal obeys them (ESC sequences, 8-bit CSI).
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f]")
# pynamodb's UTCDateTimeAttribute format, which versioned writes for update_at.
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f+0000"


def validate_name(name: object) -> str:
    """Return `name` if it is a valid artifact name, else raise InvalidNameError."""
    if not isinstance(name, str):
        raise InvalidNameError(f"artifact name must be a string, got {name!r}")
    if not name:
        raise InvalidNameError("artifact name is empty")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidNameError(
            f"artifact name {name[:20]!r}... is {len(name)} characters; the limit is {MAX_NAME_LENGTH}"
        )
    if not _NAME_RE.fullmatch(name):
        raise InvalidNameError(
            f"artifact name {name!r} is invalid: use letters, digits, '.', '_' and '-', starting with a letter or digit"
        )
    if name in (".", ".."):
        raise InvalidNameError(f"artifact name {name!r} is invalid")
    return name


def is_reserved_name(name: str) -> bool:
    """Whether a name is the partition key of another artifact's aliases or history."""
    return name.startswith("__") and name.endswith(("-alias", "-history"))


def validate_existing_name(name: object) -> str:
    """Return `name` if an existing artifact of that name can be read and changed safely.

    Laxer than validate_name, which new artifacts must pass: versioned accepted any name, and
    its artifacts stay usable unless their name breaks the key layout.
    """
    if not isinstance(name, str):
        raise InvalidNameError(f"artifact name must be a string, got {name!r}")
    if not name:
        raise InvalidNameError("artifact name is empty")
    if len(name) > 1024 or "/" in name or not name.isprintable() or name in (".", ".."):
        raise InvalidNameError(f"artifact name {name!r} cannot be an S3 key segment")
    if is_reserved_name(name):
        raise InvalidNameError(
            f"artifact name {name!r} collides with the alias/history keys of artifact {name[2:].rsplit('-', 1)[0]!r}"
        )
    return name


def reject_control_characters(value: str, what: str) -> str:
    """`value` unchanged; InvalidArgumentError if it holds a control character (C0, DEL, C1).

    Free text core stores (reasons, content types, operator names) is later shown in terminals,
    where an ESC sequence would retitle, clear or write the clipboard.
    """
    found = _CONTROL_RE.search(value)
    if found is not None:
        raise InvalidArgumentError(
            f"{what} {value!r} contains the control character {found.group()!r} at position {found.start()}; "
            "use printable text"
        )
    return value


def validate_alias(alias: object) -> str:
    """Return `alias` if it is a valid alias name, else raise InvalidNameError."""
    if not isinstance(alias, str):
        raise InvalidNameError(f"alias name must be a string, got {alias!r}")
    if not alias:
        raise InvalidNameError("alias name is empty")
    if "-" in alias:
        raise InvalidNameError(f"alias name {alias!r} contains a hyphen; use '_' instead")
    if len(alias) > MAX_ALIAS_LENGTH:
        raise InvalidNameError(
            f"alias name {alias[:20]!r}... is {len(alias)} characters; the limit is {MAX_ALIAS_LENGTH}"
        )
    if not _ALIAS_RE.fullmatch(alias):
        raise InvalidNameError(f"alias name {alias!r} is invalid: use letters, digits, '_' and '.'")
    return alias


def encode_version(version: int | str | None) -> str:
    """Normalise a version to "LATEST" or a decimal string without leading zeros."""
    if version is None:
        return LATEST
    if isinstance(version, bool):
        raise InvalidVersionError(f"version must be LATEST or 1..{MAX_VERSION}, got {version!r}")
    if isinstance(version, int):
        number = version
    elif isinstance(version, str):
        text = version.strip()
        if text.isascii() and text.upper() == LATEST:
            return LATEST
        if not text.isascii() or not text.isdigit():
            raise InvalidVersionError(f"version must be LATEST or a number in 1..{MAX_VERSION}, got {version!r}")
        if len(text) > 40 and len(text.lstrip("0")) > len(str(MAX_VERSION)):
            # Checked before int(), which refuses strings of over 4,300 digits with a plain ValueError.
            raise InvalidVersionError(f"version must be in 1..{MAX_VERSION}, got {text[:20]!r}... ({len(text)} digits)")
        digits = text.lstrip("0") or "0"
        number = int(digits) if len(digits) <= len(str(MAX_VERSION)) else MAX_VERSION + 1
    else:
        raise InvalidVersionError(f"version must be an int or a string, got {type(version).__name__} {version!r}")
    if not 1 <= number <= MAX_VERSION:
        raise InvalidVersionError(f"version must be in 1..{MAX_VERSION}, got {version!r}")
    return str(number)


def encode_version_sk(version: int | str | None) -> str:
    """The DynamoDB sort key of a version: "LATEST" or six zero-padded digits."""
    return encode_version(version).zfill(VERSION_ZFILL)


def decode_version_sk(sk: str) -> str:
    """Inverse of encode_version_sk: "000005" -> "5", "LATEST" -> "LATEST"."""
    return sk.lstrip("0") or "0"


def validate_weight(weight: object) -> int:
    """Return a canary weight if it is an int in 0..99 (bool rejected)."""
    if isinstance(weight, bool) or not isinstance(weight, int):
        raise WeightTypeError(
            f"secondary_version_weight must be an int in 0..99, got {type(weight).__name__} {weight!r}"
        )
    if not 0 <= weight <= 99:
        raise InvalidWeightError(f"secondary_version_weight must be in 0..99, got {weight!r}")
    return weight


# The table's key (versioned's): a string partition key `pk` and sort key `sk`.
TABLE_KEY_SCHEMA = [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
TABLE_ATTRIBUTES = [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}]


# Partition of the purge fences (one item per purged name, sk = name; see core._fence). No
# artifact name contains '/', so no artifact's partition can be this one.
FENCE_PK = "__vrc/purges"


def alias_pk(name: str) -> str:
    """Partition key holding an artifact's aliases (versioned's layout)."""
    return f"__{name}-alias"


def history_pk(name: str) -> str:
    """Partition key holding an artifact's alias-change events (ours; ends in -history, never -alias)."""
    return f"__{name}-history"


def history_sk(alias: str, revision: int) -> str:
    """Sort key of one alias event; zero-padded so a query sorts by revision."""
    return f"{alias}#{revision:010d}"


def artifact_key(prefix: str, name: str, version: int | str | None, suffix: str = "") -> str:
    """S3 key of a version's bytes: {prefix}/{name}/LATEST{suffix} or .../000005{suffix}."""
    return f"{names_prefix(prefix)}{name}/{encode_version_sk(version)}{suffix}"


def names_prefix(prefix: str) -> str:
    """S3 prefix under which each artifact is one 'directory'."""
    prefix = prefix.strip("/")
    return f"{prefix}/" if prefix else ""


def s3_uri(bucket: str, key: str) -> str:
    return f"s3://{bucket}/{key}"


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """Split s3://bucket/key into (bucket, key)."""
    if not uri.startswith("s3://"):
        raise ValueError(f"not an S3 URI: {uri!r}")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def console_url(bucket: str, key: str) -> str:
    """AWS console page of an S3 object."""
    return f"https://console.aws.amazon.com/s3/object/{bucket}?prefix={quote(key, safe='')}"


def format_time(value: datetime) -> str:
    """A timestamp the way versioned (pynamodb) stores it."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime(_TIME_FORMAT).zfill(31)


def parse_time(text: str) -> datetime:
    """Parse a stored timestamp into an aware UTC datetime."""
    return datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC)
