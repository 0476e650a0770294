"""One proposal type per release action: what the dialog shows is what `apply` writes.

`plan_*` turn the state the console read plus the dialog's fields into a proposal (or raise
Incomplete / NothingToChange / ValueError naming the problem); a proposal knows its change text,
its default reason, the pre-flight plan it needs and how to write itself. No Textual here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from core.errors import VrcError
from core.layout import encode_version, validate_alias
from core.models import AliasConfig
from core.planning import RollbackPlan, plan_rollback

from . import change_text, shares, split_text, version_label
from .preflight import Check, Conflict, Plan, event_change

if TYPE_CHECKING:
    from core.models import Alias, AliasEvent, Artifact

    from ..ports import RepositoryPort


class NotReady(Exception):
    """What the proposal depends on is still loading; a confirm waits for it."""


class Incomplete(ValueError):
    """A field is still empty: a note, not an error, until confirmed."""


class NothingToChange(Incomplete):
    """The fields describe the state the backend already has: nothing would be written."""


@dataclass(frozen=True)
class ReleaseState:
    """An artifact's versions and aliases as read from the backend, and one alias's history."""

    name: str
    versions: tuple[Artifact, ...]
    aliases: tuple[Alias, ...]
    history: tuple[AliasEvent, ...] | None = None

    def alias(self, alias: str | None) -> Alias | None:
        return next((a for a in self.aliases if a.alias == alias), None) if alias else None

    @property
    def latest(self) -> Artifact | None:
        return next((a for a in self.versions if a.is_latest), None)

    @property
    def published(self) -> tuple[Artifact, ...]:
        """Published versions, newest first."""
        return tuple(a for a in self.versions if not a.is_latest)

    def version(self, version: str) -> Artifact | None:
        return next((a for a in self.versions if a.version == version), None)

    def unchanged_version(self) -> str | None:
        """The newest published version when LATEST is identical to it (publishing adds nothing)."""
        latest, published = self.latest, self.published
        if latest is not None and published and published[0].sha256 == latest.sha256:
            return published[0].version
        return None


@dataclass(frozen=True)
class Outcome:
    """What a proposal wrote: a title and summary for the operator, and what changed for the panes."""

    name: str
    title: str
    summary: str
    alias: str | None = None
    result: Alias | None = None
    """The alias as written (None with `alias` set: deleted)."""
    revision: int | None = None
    when: datetime | None = None
    published: Artifact | None = None
    exact: bool = True
    """False when the outcome was verified by a re-read: the panes reload the artifact instead."""


class PartialWrite(Exception):
    """Part of a proposal was written before another part failed; `outcome` says what was written."""

    def __init__(self, outcome: Outcome, error: BaseException) -> None:
        super().__init__(outcome.summary)
        self.outcome = outcome
        self.error = error


def newly_serving(before: AliasConfig | None, after: AliasConfig | None) -> tuple[str, ...]:
    """Versions that would start receiving traffic: the ones whose bytes the pre-flight verifies."""
    old = shares(before)
    return tuple(version for version, share in shares(after).items() if share > 0 and old.get(version, 0) == 0)


def _alias_outcome(name: str, title: str, alias: str, result: Alias | None, what: str) -> Outcome:
    if result is None:
        return Outcome(name, title, f"{name}: {alias} {what} (deleted)", alias=alias)
    return Outcome(
        name,
        title,
        f"{name}: {alias} {what} {split_text(result.config)} (revision {result.revision})",
        alias=alias,
        result=result,
        revision=result.revision,
        when=result.update_at,
    )


def verify_alias(
    repository: RepositoryPort, name: str, alias: str, expected_revision: int | None, after: AliasConfig | None
) -> str:
    """After an abandoned wait: whether the alias write landed, as one definite sentence (one GetItem)."""
    from core.errors import AliasNotFoundError

    try:
        current: Alias | None = repository.get_alias(name, alias)
    except AliasNotFoundError:
        current = None
    if current is None:
        if expected_revision is None:
            return f"not written: {alias} still does not exist"
        return f"written: {alias} deleted" if after is None else f"not written: {alias} was deleted meanwhile"
    if expected_revision is not None and current.revision == expected_revision:
        return f"not written: {alias} is still at revision {current.revision} ({split_text(current.config)})"
    if current.config == after:
        return f"written at revision {current.revision}: {alias} → {split_text(current.config)}"
    return (
        f"not written by this dialog: {alias} is at revision {current.revision} ({split_text(current.config)}), "
        f"changed by {current.updated_by or 'unknown'}"
    )


# --- publish + promote, and move ----------------------------------------------------------------


@dataclass(frozen=True)
class Publish:
    """Publish LATEST (with the sha256 shown) as the next version, then point `alias` at it."""

    name: str
    latest: Artifact
    alias: str | None
    before: AliasConfig | None
    expected_revision: int | None
    known: tuple[Artifact, ...] = field(default=(), repr=False, compare=False)
    title = "Promoted"

    def verify(self, repository: RepositoryPort) -> str:
        versions = repository.list_artifact_versions(self.name)
        published = next((a for a in versions if not a.is_latest and a.sha256 == self.latest.sha256), None)
        if published is None or any(a.version == published.version for a in self.known):
            return "not written: no new version with LATEST's sha256"
        text = f"published version {published.version}"
        if self.alias is None:
            return text
        after = AliasConfig(version=published.version)
        return f"{text}; {verify_alias(repository, self.name, self.alias, self.expected_revision, after)}"

    def change_text(self) -> str:
        lines = [f"Publish: LATEST (sha256 {self.latest.sha256[:12]}) becomes the next version"]
        if self.alias is not None:
            lines.append(f"{self.alias}: {split_text(self.before)} → the new version 100%")
        return "\n".join(lines)

    def default_reason(self) -> str | None:
        return None

    def checks_plan(self) -> Plan:
        return Plan(
            name=self.name,
            alias=self.alias,
            expected_revision=self.expected_revision,
            latest_sha256=self.latest.sha256,
            known=self.known,
        )

    def apply(self, repository: RepositoryPort, reason: str | None, override: str | None = None) -> Outcome:
        published = repository.publish_artifact_version(self.name, expected_sha256=self.latest.sha256)
        wrote = f"published version {published.version} (sha256 {published.sha256[:12]})"
        done = Outcome(self.name, self.title, f"{self.name}: {wrote}", published=published)
        if self.alias is None:
            return done
        try:
            alias = repository.put_alias(
                self.name,
                self.alias,
                published.version,
                expected_revision=self.expected_revision or 0,
                reason=reason,
                override_freeze_reason=override,
            )
        except (VrcError, OSError) as error:
            raise PartialWrite(
                Outcome(
                    self.name,
                    "Published; alias not moved",
                    f"{self.name}: {wrote}; {self.alias} not moved: {error}",
                    published=published,
                ),
                error,
            ) from error
        moved = _alias_outcome(self.name, self.title, self.alias, alias, "→")
        return Outcome(
            self.name,
            self.title,
            f"{self.name}: {wrote}; {moved.summary.removeprefix(f'{self.name}: ')}",
            alias=self.alias,
            result=alias,
            revision=alias.revision,
            when=alias.update_at,
            published=published,
        )


@dataclass(frozen=True)
class Move:
    """Point `alias` at one published version (or LATEST), replacing any split."""

    name: str
    alias: str
    version: str
    before: AliasConfig | None
    expected_revision: int | None
    note: str | None = None
    known: tuple[Artifact, ...] = field(default=(), repr=False, compare=False)
    title = "Promoted"

    @property
    def after(self) -> AliasConfig:
        return AliasConfig(version=self.version)

    def verify(self, repository: RepositoryPort) -> str:
        return verify_alias(repository, self.name, self.alias, self.expected_revision, self.after)

    def change_text(self) -> str:
        line = f"{self.alias}: {change_text(self.before, self.after)}"
        return f"{self.note}\n{line}" if self.note else line

    def default_reason(self) -> str | None:
        return None

    def checks_plan(self) -> Plan:
        return Plan(
            name=self.name,
            versions=newly_serving(self.before, self.after),
            alias=self.alias,
            expected_revision=self.expected_revision,
            known=self.known,
        )

    def apply(self, repository: RepositoryPort, reason: str | None, override: str | None = None) -> Outcome:
        alias = repository.put_alias(
            self.name,
            self.alias,
            self.version,
            expected_revision=self.expected_revision or 0,
            reason=reason,
            override_freeze_reason=override,
        )
        return _alias_outcome(self.name, self.title, self.alias, alias, "→")


def plan_promote(state: ReleaseState, *, publish: bool, alias: str | None, version: str) -> Publish | Move:
    """The promote dialog's fields as a proposal: publish LATEST and/or point an alias at a version."""
    if alias is not None:
        validate_alias(alias)
    current = state.alias(alias)
    before = current.config if current else None
    expected = current.revision if current else None
    if publish:
        latest = state.latest
        if latest is None:
            raise ValueError(f"{state.name} has no LATEST to publish; upload one first")
        same = state.unchanged_version()
        if same is None:
            return Publish(state.name, latest, alias, before, expected, known=state.versions)
        # Publishing would add no version: at most the alias moves to the identical one.
        note = f"Publish: LATEST is already version {same}; no new version"
        if alias is None:
            raise NothingToChange(f"LATEST is already version {same}: nothing to change")
        if before == AliasConfig(version=same):
            raise NothingToChange(
                f"LATEST is already version {same} and {alias} already points at {version_label(same)}: "
                "nothing to change"
            )
        return Move(state.name, alias, same, before, expected, note=note, known=state.versions)
    if alias is None:
        raise Incomplete("enter the alias to point at a version, or tick 'Publish LATEST'")
    text = version.strip()
    if not text:
        raise Incomplete(f"enter the version {alias} should point at")
    encoded = encode_version(text)
    if state.version(encoded) is None:
        listed = ", ".join(a.version for a in state.published[:8]) or "none"
        raise ValueError(f"version {text!r} of {state.name} does not exist or is deleted (published: {listed})")
    move = Move(state.name, alias, encoded, before, expected, known=state.versions)
    if before == move.after:
        raise NothingToChange(f"{alias} already points at {split_text(move.after)}: nothing to change")
    return move


# --- rollback -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rollback:
    """Restore what `plan` (core.planning.plan_rollback) computed: the preview is the action."""

    plan: RollbackPlan
    known: tuple[Artifact, ...] = field(default=(), repr=False, compare=False)
    moved: AliasEvent | None = None
    """The newest event, when it is newer than the alias the console displayed (a stale view)."""
    title = "Rolled back"

    @property
    def name(self) -> str:
        return self.plan.name

    @property
    def alias(self) -> str:
        return self.plan.alias

    def verify(self, repository: RepositoryPort) -> str:
        return verify_alias(repository, self.name, self.alias, self.plan.expected_revision, self.plan.target)

    def change_text(self) -> str:
        return f"Restore {self.plan.label}: {change_text(self.plan.before, self.plan.target)}"

    def default_reason(self) -> str | None:
        return None

    def checks_plan(self) -> Plan:
        return Plan(
            name=self.name,
            versions=newly_serving(self.plan.before, self.plan.target),
            alias=self.alias,
            expected_revision=self.plan.expected_revision,
            known=self.known,
            alias_check=self._alias_check(),
        )

    def _alias_check(self) -> Check:
        """Answered by the history just read: no request of its own (the write is guarded anyway)."""
        subject = f"alias {self.alias}"
        moved = self.moved
        if moved is None:
            revision = self.plan.expected_revision
            detail = (
                "does not exist (restoring it)" if revision is None else f"matches its history (revision {revision})"
            )
            return Check(subject, True, detail)
        message = (
            f"{self.alias} moved to revision {moved.revision} since it was displayed at revision "
            f"{self.plan.expected_revision}; it points at {split_text(moved.after)}"
        )
        conflict = Conflict(
            subject=f"alias {self.alias} of {self.name}",
            message=message,
            actor=moved.actor,
            when=moved.time,
            change=event_change(moved),
            reason=moved.reason,
        )
        return Check(subject, False, f"{message} — ctrl+r reloads", conflict)

    def apply(self, repository: RepositoryPort, reason: str | None, override: str | None = None) -> Outcome:
        result = repository.rollback_alias(
            self.name,
            self.alias,
            to_revision=self.plan.to_revision,
            expected_revision=self.plan.expected_revision,
            reason=reason,
            override_freeze_reason=override,
        )
        if result is None:
            return Outcome(
                self.name,
                self.title,
                f"{self.name}: {self.alias} rolled back to before its creation (deleted)",
                alias=self.alias,
            )
        return _alias_outcome(self.name, self.title, self.alias, result, "rolled back to")


def plan_rollback_proposal(state: ReleaseState, alias: str, to_revision: int | None = None) -> Rollback:
    """The rollback of `alias` as `state` has it (history must be loaded); to_revision restores that event."""
    if state.history is None:
        raise NotReady("loading the history")
    current, history = state.alias(alias), state.history
    plan = plan_rollback(current, history, to_revision, name=state.name, alias=alias)
    moved = moved_since(current, history)
    if not plan.changes and moved is None:
        raise NothingToChange(f"{alias} is already {split_text(plan.target)}: nothing to roll back")
    return Rollback(plan, known=state.versions, moved=moved)


def moved_since(displayed: Alias | None, history: Sequence[AliasEvent]) -> AliasEvent | None:
    """The newest event if vrc changed the alias after `displayed` was read (not an outside change)."""
    if displayed is None or not history or history[0].revision <= displayed.revision:
        return None
    seen = any(e.revision == displayed.revision and e.after == displayed.config for e in history)
    return history[0] if seen else None


# --- canary -------------------------------------------------------------------------------------

CanaryMode = Literal["apply", "promote", "abort"]


@dataclass(frozen=True)
class CanaryStep:
    """One canary change: start or re-weigh a split, promote the canary to 100%, or abort to stable."""

    name: str
    alias: str
    mode: CanaryMode
    stable: str
    canary: str | None
    weight: int | None
    before: AliasConfig
    expected_revision: int
    known: tuple[Artifact, ...] = field(default=(), repr=False, compare=False)

    @property
    def kind(self) -> Literal["start", "weight", "promote", "abort"]:
        if self.mode != "apply":
            return self.mode
        same = self.before.version == self.stable and self.before.secondary_version == self.canary
        return "weight" if same else "start"

    @property
    def title(self) -> str:
        return {"apply": "Canary applied", "promote": "Canary promoted", "abort": "Canary aborted"}[self.mode]

    @property
    def after(self) -> AliasConfig:
        if self.mode == "promote":
            return AliasConfig(version=self.canary or "")
        if self.mode == "abort":
            return AliasConfig(version=self.stable)
        return AliasConfig(version=self.stable, secondary_version=self.canary, secondary_version_weight=self.weight)

    def verify(self, repository: RepositoryPort) -> str:
        return verify_alias(repository, self.name, self.alias, self.expected_revision, self.after)

    def change_text(self) -> str:
        title = {"apply": "Apply", "promote": "Promote canary", "abort": "Abort canary"}[self.mode]
        # The histogram shows the traffic; the line only says before → after.
        return f"{title}: {split_text(self.before)} → {split_text(self.after)}"

    def default_reason(self) -> str:
        before = self.before
        if self.mode == "promote":
            return f"promote canary {version_label(self.canary or '')} to 100%"
        if self.mode == "abort":
            return f"abort canary {version_label(before.secondary_version or '')}: back to {version_label(self.stable)}"
        if self.kind == "weight":
            old = before.secondary_version_weight or 0
            verb = "raise" if (self.weight or 0) > old else "lower"
            return f"{verb} canary {version_label(self.canary or '')} from {old}% to {self.weight}%"
        return f"canary {version_label(self.canary or '')} at {self.weight}% (stable {version_label(self.stable)})"

    def checks_plan(self) -> Plan:
        return Plan(
            name=self.name,
            versions=newly_serving(self.before, self.after),
            alias=self.alias,
            expected_revision=self.expected_revision,
            known=self.known,
        )

    def apply(self, repository: RepositoryPort, reason: str | None, override: str | None = None) -> Outcome:
        after = self.after
        result = repository.put_alias(
            self.name,
            self.alias,
            after.version,
            after.secondary_version,
            after.secondary_version_weight,
            expected_revision=self.expected_revision,
            reason=reason,
            override_freeze_reason=override,
        )
        return _alias_outcome(self.name, self.title, self.alias, result, "→")


def _existing_version(state: ReleaseState, text: str, role: str) -> str:
    text = text.strip()
    if not text:
        raise Incomplete(f"enter the {role} version")
    version = encode_version(text)
    if state.version(version) is None:
        raise ValueError(f"{role} version {text!r} of {state.name} does not exist or is deleted")
    return version


def plan_canary(
    state: ReleaseState, alias: str, mode: CanaryMode, *, stable: str, canary: str, weight: str
) -> CanaryStep:
    """The canary dialog's fields as a proposal for `alias` as `state` has it."""
    current = state.alias(alias)
    if current is None:
        raise ValueError(f"{alias} does not exist any more; close the dialog")
    before, revision = current.config, current.revision
    stable_version = _existing_version(state, stable, "stable")
    if mode == "abort":
        if before.secondary_version is None:
            raise ValueError(f"{alias} runs no canary: nothing to abort")
        step = CanaryStep(state.name, alias, "abort", stable_version, None, None, before, revision, state.versions)
        if step.after == before:
            raise NothingToChange(f"{alias} already is {split_text(before)}: nothing to change")
        return step
    canary_version = _existing_version(state, canary, "canary")
    if canary_version == stable_version:
        raise ValueError(f"canary version {canary_version} must differ from the stable version {stable_version}")
    if mode == "promote":
        step = CanaryStep(
            state.name, alias, "promote", stable_version, canary_version, None, before, revision, state.versions
        )
        if step.after == before:
            raise NothingToChange(f"{alias} already is {split_text(before)}: nothing to change")
        return step
    text = weight.strip()
    if not text:
        raise Incomplete("enter the canary weight: 0..99 percent")
    number = int(text)
    if not 0 <= number <= 99:
        raise ValueError(
            f"weight {text}% is not in 0..99; to send all traffic to {version_label(canary_version)} "
            "use Promote canary (^g)"
        )
    step = CanaryStep(
        state.name, alias, "apply", stable_version, canary_version, number, before, revision, state.versions
    )
    if step.after == before:
        raise NothingToChange(f"{alias} already runs {split_text(before)}: nothing to change")
    return step


Proposal = Publish | Move | Rollback | CanaryStep
