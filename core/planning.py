"""The rollback rule, as one pure function shared by core and the console: no I/O.

"Before the last change" is the newest event's `before`, unless the stored alias no longer matches
the newest event's `after` (someone changed it outside vrc): then it is that event's `after`, the
state the alias had before the outside move. `to_revision=n` restores event n's `after`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from . import models
from .errors import ConflictError, InvalidArgumentError

if TYPE_CHECKING:
    from .models import Alias, AliasConfig, AliasEvent


class NoRecordedHistoryError(ConflictError):
    """The alias has no recorded history: there is no earlier state to restore (move it instead)."""


class UnknownRevisionError(InvalidArgumentError):
    """The chosen revision is not in the alias's history."""


@dataclass(frozen=True)
class OutsideChange:
    """The alias as stored differs from what its newest event left: another tool changed it."""

    observed: AliasConfig | None
    revision: int | None
    update_at: datetime | None
    recorded: AliasConfig | None
    """What the newest event left (its `after`)."""
    recorded_revision: int


@dataclass(frozen=True)
class RollbackPlan:
    """What a rollback would write, from which event, and what it observed before it."""

    name: str
    alias: str
    target: AliasConfig | None
    """The configuration to restore; None deletes the alias."""
    source: AliasEvent
    to_revision: int | None
    """The revision whose `after` is restored; None restores the newest event's `before`."""
    before: AliasConfig | None
    expected_revision: int | None
    """The observed alias's revision (None: the alias does not exist)."""
    label: str
    outside_change: OutsideChange | None = None

    @property
    def deletes(self) -> bool:
        return self.target is None

    @property
    def changes(self) -> bool:
        """False when the target is what the alias already is."""
        return self.target != self.before


def config_label(config: AliasConfig | None) -> str:
    return "(no alias)" if config is None else config.describe()


def find_outside_change(current: Alias | None, newest: AliasEvent | None) -> OutsideChange | None:
    """The outside change, if the stored alias does not match the newest event's `after`.

    Revision differs (versioned writes reset it to 0 or drop it), configuration differs, the alias was
    updated after the event, or the alias exists or is gone contrary to the event. No history and an
    existing alias is not an outside change here: it simply has no history (callers say so).
    """
    if newest is None:
        return None
    if current is None:
        if newest.after is None:
            return None
        return OutsideChange(None, None, None, newest.after, newest.revision)
    if (
        newest.after is not None
        and current.revision == newest.revision
        and current.config == newest.after
        and current.update_at <= newest.time  # vrc writes both with one timestamp
    ):
        return None
    return OutsideChange(current.config, current.revision, current.update_at, newest.after, newest.revision)


def plan_rollback(
    current: Alias | None,
    history: Sequence[AliasEvent],
    to_revision: int | None = None,
    *,
    name: str | None = None,
    alias: str | None = None,
) -> RollbackPlan:
    """Plan the rollback of an alias observed as `current` with `history` (newest first).

    Raises NoRecordedHistoryError when there is no history, UnknownRevisionError when
    `to_revision` is not in it.
    """
    name = name or (current.name if current else history[0].name if history else "")
    alias = alias or (current.alias if current else history[0].alias if history else "")
    if not history:
        if current is None:
            raise NoRecordedHistoryError(f"alias {alias!r} of {name!r} does not exist and has no recorded history")
        raise NoRecordedHistoryError(
            f"alias {alias!r} of {name!r} has no recorded history to roll back "
            f"(it was written by another tool); move it to a chosen version instead"
        )
    newest = history[0]
    outside = find_outside_change(current, newest)
    before = current.config if current else None
    expected = current.revision if current else None
    if to_revision is not None:
        source = next((event for event in history if event.revision == to_revision), None)
        if source is None:
            raise UnknownRevisionError(f"alias {alias!r} of {name!r} has no revision {to_revision} in its history")
        target, label = source.after, f"revision {to_revision}"
    elif outside is not None:
        source, to_revision = newest, newest.revision
        target = newest.after
        label = f"revision {newest.revision}, before the change made outside vrc"
    else:
        # A freeze or unfreeze left the configuration as it was: "the last change" is the one before it.
        last = next((event for event in history if event.action not in models.NOT_CONFIG_CHANGES), None)
        if last is None:
            raise NoRecordedHistoryError(
                f"alias {alias!r} of {name!r} has no recorded change of its configuration to roll back"
            )
        source, target = last, last.before
        label = (
            f"before its creation at revision {last.revision} (deletes the alias)"
            if target is None
            else f"before revision {last.revision}"
        )
    if target is not None:
        label += f" ({models.version_label(target.version)}" + (
            f" | {models.version_label(target.secondary_version)})" if target.secondary_version else ")"
        )
    return RollbackPlan(
        name=name,
        alias=alias,
        target=target,
        source=source,
        to_revision=to_revision,
        before=before,
        expected_revision=expected,
        label=label,
        outside_change=outside,
    )
