"""Immutable pydantic models returned by Repository.

They are defined in core._models and load on first use (PEP 562): importing core.repository and
listing artifact names does not load pydantic (a sixth of a second), so a console shows the names
before it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._models import (
        NOT_CONFIG_CHANGES,
        Alias,
        AliasAction,
        AliasConfig,
        AliasEvent,
        Artifact,
        ContentReader,
        FreezeWindow,
        Problem,
        ProblemKind,
        S3Location,
        VersionView,
        version_label,
    )

__all__ = [
    "NOT_CONFIG_CHANGES",
    "Alias",
    "AliasAction",
    "AliasConfig",
    "AliasEvent",
    "Artifact",
    "ContentReader",
    "FreezeWindow",
    "Problem",
    "ProblemKind",
    "S3Location",
    "VersionView",
    "version_label",
]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module("._models", __package__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
