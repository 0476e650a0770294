"""The config file's schema: strict pydantic models, and one line for the first thing wrong."""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Annotated, Any

import pydantic

from core.redact import redact_secrets

from .config import DEFAULT_PREFIX, DEFAULT_TABLE


def parse_config(data: Mapping[str, Any], *, spec_keys: Set[str], top_keys: Set[str]) -> ConfigFile:
    """The validated file; ValueError (one line naming the key and value) if anything is wrong."""
    try:
        return ConfigFile.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ValueError(_first_problem(exc, spec_keys, top_keys)) from None


NonEmpty = Annotated[str, pydantic.StringConstraints(min_length=1)]


def _endpoint(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return value


class RepositoryEntry(pydantic.BaseModel):
    """One [repositories.NAME] table."""

    model_config = pydantic.ConfigDict(extra="forbid", strict=True, frozen=True)

    bucket: NonEmpty
    prefix: NonEmpty = DEFAULT_PREFIX
    table: NonEmpty = DEFAULT_TABLE
    region: NonEmpty | None = None
    profile: NonEmpty | None = None
    endpoint_url: Annotated[NonEmpty, pydantic.AfterValidator(_endpoint)] | None = None
    read_only: bool = False


class ConfigFile(pydantic.BaseModel):
    """The whole config file; strict, so a list or table where a string belongs is an error."""

    model_config = pydantic.ConfigDict(extra="forbid", strict=True, frozen=True)

    default: NonEmpty | None = None
    protected_aliases: str | list[str] | None = None
    repositories: dict[str, RepositoryEntry] = {}
    connect_timeout: Annotated[float, pydantic.Field(gt=0, allow_inf_nan=False)] | None = None
    read_timeout: Annotated[float, pydantic.Field(gt=0, allow_inf_nan=False)] | None = None
    max_attempts: Annotated[int, pydantic.Field(ge=1, le=10)] | None = None


def _first_problem(exc: pydantic.ValidationError, spec_keys: Set[str], top_keys: Set[str]) -> str:
    """One line naming the key and the value: pydantic lists every branch of a union; we need one."""
    error = exc.errors(include_url=False)[0]
    loc = [str(part) for part in error["loc"] if not _is_union_branch(part)]
    if loc[:1] == ["repositories"] and len(loc) >= 2:
        where, key = f"[repositories.{loc[1]}]", ".".join(loc[2:])
    else:
        where, key = "", ".".join(loc)
    prefix = f"{where}: " if where else ""
    if error["type"] == "extra_forbidden":
        allowed = spec_keys if where else top_keys
        kind = "key(s)" if where else "top-level key(s)"
        return f"{prefix}unknown {kind} {key}; allowed: {', '.join(sorted(allowed))}"
    if error["type"] == "missing":
        return f"{prefix}{key!r} is required"
    if key == "read_only":
        return f"{prefix}read_only must be true or false, got {_shown(error['input'])}"
    if key == "repositories":
        return f"'repositories' must be a table of [repositories.NAME], got {_shown(error['input'])}"
    if key == "protected_aliases":
        return f'protected_aliases must be a list of alias patterns like ["prod*"], got {_shown(error["input"])}'
    return f"{prefix}{key}: {error['msg'].lower()}, got {_shown(error['input'])}"


def _is_union_branch(part: object) -> bool:
    # pydantic names union members in the location: ('default', 'str'), ('x', 'function-after[...]').
    return isinstance(part, str) and (part in {"str", "list[str]", "float", "int", "bool"} or "[" in part)


def _shown(value: object, limit: int = 60) -> str:
    text = redact_secrets(repr(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"
