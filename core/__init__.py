"""vrc core: versioned binary artifacts in S3 with metadata in DynamoDB (versioned 1.0.1 compatible)."""

from .errors import (
    AccessDeniedError,
    AliasNotFoundError,
    ArtifactNotFoundError,
    BackendError,
    ConflictError,
    EndpointUnreachableError,
    IntegrityError,
    InvalidArgumentError,
    InvalidNameError,
    InvalidVersionError,
    InvalidWeightError,
    NotBootstrappedError,
    ProtectedVersionError,
    ReadOnlyError,
    ValidationError,
    VrcError,
    WeightTypeError,
)
from .models import Alias, AliasConfig, AliasEvent, Artifact, Problem, S3Location, VersionView
from .repository import PurgeResult, Repository
from .session import connect

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
    "EndpointUnreachableError",
    "IntegrityError",
    "InvalidArgumentError",
    "InvalidNameError",
    "InvalidVersionError",
    "InvalidWeightError",
    "NotBootstrappedError",
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
]
