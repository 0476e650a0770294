"""vrc core: versioned binary artifacts in S3 with metadata in DynamoDB (versioned 1.0.1 compatible).

Public names load on first use (PEP 562), so importing a leaf module such as `core.layout` or
`core.errors` does not load pydantic or boto3.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .deadline import DEFAULT_DEADLINE, Deadline
    from .errors import (
        AccessDeniedError,
        AliasNotFoundError,
        ArtifactNotFoundError,
        BackendError,
        ConflictError,
        EndpointTimeoutError,
        EndpointUnreachableError,
        FrozenError,
        IntegrityError,
        InvalidArgumentError,
        InvalidNameError,
        InvalidVersionError,
        InvalidWeightError,
        NotBootstrappedError,
        PartialPurgeError,
        ProtectedVersionError,
        ReadOnlyError,
        ValidationError,
        VrcError,
        WeightTypeError,
    )
    from .models import Alias, AliasConfig, AliasEvent, Artifact, FreezeWindow, Problem, S3Location, VersionView
    from .redact import redact_secrets
    from .repository import PurgeResult, Repository
    from .session import connect

# Public name -> the submodule that defines it.
_ORIGIN = {
    **dict.fromkeys(
        (
            "AccessDeniedError",
            "AliasNotFoundError",
            "ArtifactNotFoundError",
            "BackendError",
            "ConflictError",
            "EndpointTimeoutError",
            "EndpointUnreachableError",
            "FrozenError",
            "IntegrityError",
            "InvalidArgumentError",
            "InvalidNameError",
            "InvalidVersionError",
            "InvalidWeightError",
            "NotBootstrappedError",
            "PartialPurgeError",
            "ProtectedVersionError",
            "ReadOnlyError",
            "ValidationError",
            "VrcError",
            "WeightTypeError",
        ),
        "errors",
    ),
    **dict.fromkeys(
        ("Alias", "AliasConfig", "AliasEvent", "Artifact", "FreezeWindow", "Problem", "S3Location", "VersionView"),
        "models",
    ),
    **dict.fromkeys(("PurgeResult", "Repository"), "repository"),
    "connect": "session",
    "DEFAULT_DEADLINE": "deadline",
    "Deadline": "deadline",
    "redact_secrets": "redact",
}

__all__ = [
    "AccessDeniedError",
    "Alias",
    "AliasConfig",
    "AliasEvent",
    "AliasNotFoundError",
    "Artifact",
    "ArtifactNotFoundError",
    "BackendError",
    "ConflictError",
    "EndpointTimeoutError",
    "EndpointUnreachableError",
    "FreezeWindow",
    "FrozenError",
    "IntegrityError",
    "InvalidArgumentError",
    "InvalidNameError",
    "InvalidVersionError",
    "InvalidWeightError",
    "NotBootstrappedError",
    "PartialPurgeError",
    "Problem",
    "ProtectedVersionError",
    "PurgeResult",
    "ReadOnlyError",
    "Repository",
    "S3Location",
    "ValidationError",
    "VersionView",
    "VrcError",
    "WeightTypeError",
    "connect",
    "DEFAULT_DEADLINE",
    "Deadline",
    "redact_secrets",
]


def __getattr__(name: str) -> Any:
    origin = _ORIGIN.get(name)
    if origin is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{origin}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
