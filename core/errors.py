"""One exception hierarchy for core; every message names the offending value."""

from __future__ import annotations

from datetime import datetime


class VrcError(Exception):
    """Base class of every error core raises on purpose."""


class ValidationError(VrcError, ValueError):
    """An argument is malformed; nothing was sent to AWS."""


class InvalidNameError(ValidationError):
    """An artifact or alias name cannot be stored safely."""


class InvalidVersionError(ValidationError):
    """A version is not LATEST or an integer in 1..999999."""


class InvalidWeightError(ValidationError):
    """A canary weight is outside 0..99."""


class WeightTypeError(ValidationError, TypeError):
    """A canary weight is not an int (bool is rejected), or is missing."""


class InvalidArgumentError(ValidationError):
    """Any other malformed argument (metadata, paths, limits)."""


class ArtifactNotFoundError(VrcError, LookupError):
    """The artifact, or the given version of it, does not exist or is deleted."""


class AliasNotFoundError(VrcError, LookupError):
    """The alias does not exist."""


class ConflictError(VrcError):
    """Someone else changed the thing the caller based its decision on."""

    def __init__(
        self,
        message: str,
        *,
        actor: str | None = None,
        when: datetime | None = None,
        current_revision: int | None = None,
    ) -> None:
        super().__init__(message)
        self.actor = actor
        self.when = when
        self.current_revision = current_revision


class ProtectedVersionError(VrcError):
    """The version is referenced by an alias and may not be deleted."""

    def __init__(self, message: str, *, aliases: list[str]) -> None:
        super().__init__(message)
        self.aliases = aliases


class IntegrityError(VrcError):
    """Stored bytes do not hash to the sha256 recorded for them."""


class ReadOnlyError(VrcError):
    """A write was attempted on a repository opened read-only."""


class BackendError(VrcError):
    """S3 or DynamoDB failed in a way the caller can act on."""


class PartialPurgeError(BackendError):
    """A purge stopped part-way; `left` names what remains. Running the purge again finishes it."""

    def __init__(self, message: str, *, left: list[str]) -> None:
        super().__init__(message)
        self.left = left


class NotBootstrappedError(BackendError):
    """The bucket or table does not exist."""


class AccessDeniedError(BackendError):
    """The credentials in use are not allowed to do this."""


class EndpointUnreachableError(BackendError):
    """No answer from the configured endpoint."""


class FrozenError(VrcError):
    """The alias is frozen: only a rollback, or a change with an explicit override reason, may change it."""

    def __init__(self, message: str, *, name: str, alias: str, frozen_by: str, reason: str, until: datetime) -> None:
        super().__init__(message)
        self.name = name
        self.alias = alias
        self.frozen_by = frozen_by
        self.reason = reason
        self.until = until


class EndpointTimeoutError(EndpointUnreachableError, TimeoutError):
    """The endpoint took longer than the configured connect or read timeout, on every attempt."""
