"""Pre-flight checks before an alias change or a publish; blocking calls, run them in a worker.

Every version that would start receiving traffic is known (read with the state the dialog shows)
and its S3 object holds the bytes DynamoDB records; LATEST's object still has the content shown.
Those objects are verified together (`verify_objects`: one listing for an artifact's objects, a
HEAD for one alone; no download). The alias is still at the revision the dialog displayed (one
GetItem). The write itself re-checks existence and revision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from core.errors import (
    AliasNotFoundError,
    ConflictError,
    IntegrityError,
    VrcError,
)

from . import split_text, version_label

if TYPE_CHECKING:
    from core.models import Alias, AliasEvent, Artifact

    from ..ports import RepositoryPort


@dataclass(frozen=True)
class Conflict:
    """Someone else changed what a dialog displayed: who, when, what, and core's own words."""

    subject: str
    message: str
    actor: str | None = None
    when: datetime | None = None
    change: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Check:
    """One line of the checklist; `conflict` says who moved the alias when that is why it failed."""

    subject: str
    ok: bool
    detail: str
    conflict: Conflict | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Plan:
    """What a dialog is about to do, as far as the checks care; equal plans share results.

    `versions` are checked against `known` (the versions as read with the dialog's state);
    `expected_revision` None means the alias did not exist when displayed.
    """

    name: str
    versions: tuple[str, ...] = ()
    alias: str | None = None
    expected_revision: int | None = None
    latest_sha256: str | None = None
    known: tuple[Artifact, ...] = field(default=(), compare=False, repr=False)
    alias_check: Check | None = field(default=None, compare=False, repr=False)
    """The alias's check when the dialog's own fresh read already answers it (no request)."""


@dataclass(frozen=True)
class Checks:
    """The results for one plan."""

    plan: Plan
    items: tuple[Check, ...]

    @property
    def passed(self) -> bool:
        return all(check.ok for check in self.items)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(check for check in self.items if not check.ok)

    @property
    def conflict(self) -> Conflict | None:
        return next((check.conflict for check in self.items if check.conflict), None)


def run_checks(repository: RepositoryPort, plan: Plan, cancelled: Callable[[], bool] = lambda: False) -> Checks:
    """Run every check of `plan`; stops early (returning what it has) once `cancelled()` is true.

    Backend failures other than the ones checked for (unreachable, access denied) propagate.
    """
    items: list[Check] = []
    known = {artifact.version: artifact for artifact in plan.known}
    latest = known.get("LATEST") if plan.latest_sha256 is not None else None
    objects = ([latest] if latest is not None else []) + [known[v] for v in plan.versions if v in known]
    if cancelled():
        return Checks(plan, ())
    # One call for every object: the artifact's objects share one request (see Repository.verify_objects).
    found = repository.verify_objects(objects) if objects else []
    results = {artifact.version: result for artifact, result in zip(objects, found, strict=True)}
    if plan.latest_sha256 is not None:
        items.append(check_latest(plan.name, plan.latest_sha256, latest, results.get("LATEST")))
    for version in plan.versions:
        items.append(check_version(plan.name, version, known.get(version), results.get(version)))
    if plan.alias_check is not None:
        items.append(plan.alias_check)
    elif plan.alias is not None and not cancelled():
        items.append(check_alias(repository, plan.name, plan.alias, plan.expected_revision))
    return Checks(plan, tuple(items))


def check_version(
    name: str, version: str, artifact: Artifact | None, verified: Artifact | IntegrityError | None
) -> Check:
    """The check of one version from `verify_objects`'s result for it."""
    subject = version_label(version)
    if artifact is None:
        return Check(subject, False, f"version {version} of {name} does not exist or is deleted")
    if isinstance(verified, IntegrityError):
        return Check(subject, False, str(verified))
    return Check(subject, True, f"exists; its S3 object matches sha256 {artifact.sha256[:8]}")


def check_latest(
    name: str, expected_sha256: str, latest: Artifact | None, verified: Artifact | IntegrityError | None
) -> Check:
    """The check of LATEST from `verify_objects`'s result for it."""
    if latest is None:
        return Check("LATEST", False, f"{name} has no LATEST any more")
    if isinstance(verified, IntegrityError):
        error = verified
        if "is missing" in str(error):
            return Check("LATEST", False, str(error))
        # versioned and vrc rewrite LATEST's object with its new sha256: someone uploaded since.
        detail = f"changed since displayed: its S3 object no longer has sha256 {expected_sha256[:12]}"
        conflict = Conflict(
            subject=f"LATEST of {name}",
            message=f"LATEST of {name} was replaced since it was displayed (sha256 {expected_sha256[:12]})",
            change="new upload",
        )
        return Check("LATEST", False, detail, conflict)
    return Check("LATEST", True, f"unchanged since displayed; its S3 object matches sha256 {latest.sha256[:8]}")


def check_alias(repository: RepositoryPort, name: str, alias: str, expected_revision: int | None) -> Check:
    subject = f"alias {alias}"
    try:
        current: Alias | None = repository.get_alias(name, alias)
    except AliasNotFoundError:
        current = None
    if current is None and expected_revision is None:
        return Check(subject, True, "does not exist yet: it will be created")
    if current is not None and current.revision == expected_revision:
        return Check(subject, True, f"unchanged since displayed (revision {expected_revision})")
    conflict = alias_conflict(repository, name, alias, expected_revision, current)
    return Check(subject, False, f"{conflict.message} — ctrl+r reloads", conflict)


def alias_conflict(
    repository: RepositoryPort,
    name: str,
    alias: str,
    expected_revision: int | None,
    current: Alias | None,
) -> Conflict:
    """Describe how `alias` differs from what was displayed, with its newest history event."""
    event = _newest_event(repository, name, alias)
    subject = f"alias {alias} of {name}"
    if current is None:
        message = f"{alias} was deleted since it was displayed (at revision {expected_revision})"
    elif expected_revision is None:
        message = f"{alias} was created since the dialog opened; it points at {split_text(current.config)}"
    else:
        message = (
            f"{alias} moved to revision {current.revision} since it was displayed at revision "
            f"{expected_revision}; it points at {split_text(current.config)}"
        )
    return Conflict(
        subject=subject,
        message=message,
        actor=event.actor if event else (current.updated_by if current else None),
        when=event.time if event else (current.update_at if current else None),
        change=event_change(event),
        reason=event.reason if event else None,
    )


def conflict_from_error(repository: RepositoryPort, name: str, alias: str | None, error: ConflictError) -> Conflict:
    """A Conflict for the ConflictError a write raised, with the alias's newest event if any."""
    event = _newest_event(repository, name, alias) if alias else None
    return Conflict(
        subject=f"alias {alias} of {name}" if alias else f"LATEST of {name}",
        message=str(error),
        actor=error.actor or (event.actor if event else None),
        when=error.when or (event.time if event else None),
        change=event_change(event),
        reason=event.reason if event else None,
    )


def _newest_event(repository: RepositoryPort, name: str, alias: str) -> AliasEvent | None:
    try:
        history = repository.list_alias_history(name, alias, limit=1)
    except VrcError:
        return None
    return history[0] if history else None


def event_change(event: AliasEvent | None) -> str | None:
    if event is None:
        return None
    return f"revision {event.revision} · {event.action} · {split_text(event.before)} → {split_text(event.after)}"
