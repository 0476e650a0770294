"""Exit codes and the one place that maps errors to them."""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    """The CLI's exit codes (documented in the README, tested in tests/tui/test_cli.py)."""

    OK = 0
    ERROR = 1
    USAGE = 2
    CONFLICT = 3
    NOT_FOUND = 4
    REFUSED = 5


class CliError(Exception):
    """A failure the CLI reports itself: one line, with its exit code."""

    code: Exit = Exit.ERROR
    kind = "error"

    def __init__(self, message: str, code: Exit | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class UsageError(CliError):
    code = Exit.USAGE
    kind = "usage"


class NotFound(CliError):
    code = Exit.NOT_FOUND
    kind = "not_found"


class Refused(CliError):
    code = Exit.REFUSED
    kind = "refused"


class Conflict(CliError):
    code = Exit.CONFLICT
    kind = "conflict"


class Frozen(CliError):
    code = Exit.REFUSED
    kind = "frozen"


def classify(error: BaseException) -> tuple[Exit, str]:
    """(exit code, kind) for any error a command can raise; kind is the JSON `error.kind`."""
    from core.errors import (
        AliasNotFoundError,
        ArtifactNotFoundError,
        BackendError,
        ConflictError,
        FrozenError,
        IntegrityError,
        ProtectedVersionError,
        ReadOnlyError,
        ValidationError,
        VrcError,
    )

    from ..config import ConfigError

    if isinstance(error, CliError):
        return error.code, error.kind
    if isinstance(error, ConfigError):
        return Exit.USAGE, "config"
    if isinstance(error, ConflictError):
        return Exit.CONFLICT, "conflict"
    if isinstance(error, ArtifactNotFoundError | AliasNotFoundError):
        return Exit.NOT_FOUND, "not_found"
    if isinstance(error, FrozenError):
        return Exit.REFUSED, "frozen"
    if isinstance(error, ReadOnlyError):
        return Exit.REFUSED, "read_only"
    if isinstance(error, ProtectedVersionError):
        return Exit.REFUSED, "protected_version"
    if isinstance(error, IntegrityError):
        return Exit.REFUSED, "integrity"
    if isinstance(error, ValidationError):
        return Exit.USAGE, "invalid_argument"
    if isinstance(error, BackendError):
        return Exit.ERROR, "backend"
    if isinstance(error, VrcError):
        return Exit.ERROR, "error"
    if isinstance(error, OSError):
        return Exit.ERROR, "os_error"
    return Exit.ERROR, "internal"


def message_of(error: BaseException) -> str:
    """core's own message for its errors; the type too for anything unexpected."""
    from core.errors import VrcError

    from ..config import ConfigError

    if isinstance(error, CliError | VrcError | ConfigError):
        return str(error)
    if isinstance(error, OSError) and error.strerror:
        where = f" {error.filename!r}" if error.filename else ""
        return f"{error.strerror}{where}"
    return f"internal error: {type(error).__name__}: {error}"
