"""Release settings and the text the release dialogs show: splits, traffic effects, history rows."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from ..formatting import local_time, printable

if TYPE_CHECKING:
    from core.models import AliasConfig, AliasEvent

DEFAULT_PROTECTED = ("prod*",)
PROMOTION_ORDER = ("development", "dev", "test", "qa", "staging", "stage", "production", "prod")
"""Conventional alias ladder: promoting from one of these suggests the next one present."""


@dataclass(frozen=True)
class ReleaseSettings:
    """How the release dialogs behave: which aliases are protected and how the replay runs.

    A protected alias (fnmatch patterns, case-sensitive) needs its name typed to confirm a change.
    The replay settings exist so that tests and demos can make the histogram deterministic.
    """

    protected: tuple[str, ...] = DEFAULT_PROTECTED
    replay_rate: int | None = 20_000
    replay_seed: int | None = None
    replay_paused: bool = False

    def is_protected(self, alias: str) -> bool:
        return any(fnmatch.fnmatchcase(alias, pattern) for pattern in self.protected)


def parse_protected(text: str) -> tuple[str, ...]:
    """'prod*, live' -> ('prod*', 'live'); an empty string protects nothing."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def next_alias(current: str, existing: Sequence[str]) -> str:
    """The alias one step up PROMOTION_ORDER from `current` that exists, else `current`."""
    if current not in PROMOTION_ORDER:
        return current
    later = PROMOTION_ORDER[PROMOTION_ORDER.index(current) + 1 :]
    return next((alias for alias in later if alias in existing), current)


def previous_published(published: Sequence[str], current: str) -> str | None:
    """The published version to propose instead of a rollback with no history: the newest one
    older than `current` (which may be LATEST or unknown), else the newest one that is not it."""
    numbers = sorted((int(v) for v in published if v.isdigit()), reverse=True)
    if current.isdigit():
        older = [n for n in numbers if n < int(current)]
        if older:
            return str(older[0])
    return next((str(n) for n in numbers if str(n) != current), None)


def version_label(version: str) -> str:
    """core's label ("v4", "LATEST"); imported on first use so pydantic stays off the startup path."""
    from core.models import version_label as label

    return label(version)


def split_text(config: AliasConfig | None) -> str:
    """'v4 100%', 'v4 90% | v6 10%', or '(no alias)'."""
    if config is None:
        return "(no alias)"
    primary = version_label(config.version)
    if config.secondary_version is None:
        return f"{primary} 100%"
    weight = config.secondary_version_weight or 0
    return f"{primary} {100 - weight}% | {version_label(config.secondary_version)} {weight}%"


def shares(config: AliasConfig | None) -> dict[str, int]:
    """Percent of traffic per version."""
    if config is None:
        return {}
    if config.secondary_version is None:
        return {config.version: 100}
    weight = config.secondary_version_weight or 0
    found = {config.version: 100 - weight}
    found[config.secondary_version] = found.get(config.secondary_version, 0) + weight
    return found


def traffic_effect(before: AliasConfig | None, after: AliasConfig | None) -> str:
    """Which versions gain or lose traffic: 'v3 100%→0% · v4 0%→100%'."""
    old, new = shares(before), shares(after)
    if old == new:
        return "no traffic change"
    moves = [
        f"{version_label(version)} {old.get(version, 0)}%→{new.get(version, 0)}%"
        for version in sorted({*old, *new}, key=_version_order)
        if old.get(version, 0) != new.get(version, 0)
    ]
    return " · ".join(moves)


def change_text(before: AliasConfig | None, after: AliasConfig | None) -> str:
    """'v3 100% → v4 100%  (traffic: v3 100%→0% · v4 0%→100%)'."""
    return f"{split_text(before)} → {split_text(after)}  (traffic: {traffic_effect(before, after)})"


def event_values(event: AliasEvent, now: datetime, tz: tzinfo | None) -> tuple[str, ...]:
    """Revision, when, who, change, reason and action of one history event (EVENT_COLUMNS).

    Control characters are escaped (actor and reason are whatever a writer stored); views draw
    the values as literal text cells (tui.widgets.pane.cell), never as markup.
    """
    values = (
        str(event.revision),
        local_time(event.time, tz),
        event.actor,
        f"{split_text(event.before)} → {split_text(event.after)}",
        event.reason or "",
        event.action,
    )
    return tuple(printable(value) for value in values)


EVENT_COLUMNS = ("Rev", "When", "Who", "Change", "Reason", "Action")


def _version_order(version: str) -> tuple[int, int]:
    return (1, 0) if not version.isdigit() else (0, int(version))
