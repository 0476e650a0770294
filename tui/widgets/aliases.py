"""Alias pane: where each alias of the artifact points and how traffic is split."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from textual.binding import Binding

from ..formatting import relative_time, timestamp
from ..release import split_text
from .records import Cell, Column, RecordPane, RecordTable

if TYPE_CHECKING:
    from core.models import Alias

FROZEN_MARK = "❄"
"""Marks a frozen alias (its row, and the pane's banner)."""

OUTSIDE_MARK = "⚠"
"""Marks an alias changed outside vrc since its newest recorded event."""

ALIAS_COLUMNS = (
    Column("alias", "Alias", 0, min_width=8),
    Column("split", "Split", 1, min_width=8),
    Column("updated", "Updated", 2),
    Column("revision", "Rev", 4),
    Column("by", "By", 3, max_width=24, min_width=6),
)


class AliasTable(RecordTable):
    COMPONENT_CLASSES = RecordTable.COMPONENT_CLASSES | {"alias-table--canary"}
    # Context keys for the footer; the screen binds them too, so they work from every pane.
    BINDINGS = [
        Binding("p", "screen.promote", "promote", id="alias-promote"),
        Binding("b", "screen.rollback", "rollback", id="alias-rollback"),
        Binding("C", "screen.canary", "canary", id="alias-canary"),
        Binding("h", "screen.alias_history", "history", id="alias-history-key"),
        Binding("a", "screen.find_alias", "find", id="alias-find"),
        Binding("F", "screen.freeze", "freeze", id="alias-freeze"),
    ]


class AliasPane(RecordPane["Alias"]):
    """The aliases of one artifact; `a` filters them by name."""

    COLUMNS = ALIAS_COLUMNS
    NOUN = "aliases"
    TABLE_TYPE = AliasTable

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Aliases", table_id="alias-table", id=id)
        self.outside: set[str] = set()
        """Aliases the console found changed outside vrc (checked when one is shown in the detail pane)."""

    @property
    def aliases(self) -> tuple[Alias, ...]:
        return tuple(self.records)

    def key_of(self, record: Alias) -> str:
        return record.alias

    def mark_outside(self, alias: str, changed: bool) -> None:
        """Mark (or unmark) an alias found changed outside vrc; its row shows ⚠."""
        before = alias in self.outside
        if changed:
            self.outside.add(alias)
        else:
            self.outside.discard(alias)
        record = self.record(alias)
        if record is not None and before != changed:
            self.replace(record)

    def show(self, name: str, records: Sequence[Alias], now: datetime, tz: tzinfo | None) -> None:
        if name != self.artifact_name:
            self.outside.clear()  # marks are per artifact
        super().show(name, records, now, tz)
        frozen = [record.alias for record in records if record.frozen]
        if frozen:  # the banner: a release on this artifact may be refused
            self.note = f"{FROZEN_MARK} frozen: {', '.join(frozen)}"

    def cells_of(self, record: Alias, now: datetime, tz: tzinfo | None) -> tuple[Cell, ...]:
        return (
            Cell(
                record.alias
                + (f" {FROZEN_MARK}" if record.frozen else "")
                + (f" {OUTSIDE_MARK}" if record.alias in self.outside else "")
            ),
            Cell(split_text(record.config), style="alias-table--canary" if record.secondary_version else ""),
            Cell(timestamp(record.update_at, now, tz), short=relative_time(record.update_at, now)),
            Cell(str(record.revision)),
            Cell(record.updated_by or "—"),
        )
