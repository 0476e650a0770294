"""Rollback: restore an alias to an earlier configuration from its history; enter confirms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Label

from ..preflight import Plan
from ..release import EVENT_COLUMNS, change_text, event_cells, split_text
from .release import NotReady, ReleaseContext, ReleaseModal, ReleaseOutcome, StateLoaded

if TYPE_CHECKING:
    from core import Repository
    from core.models import Alias, AliasConfig, AliasEvent


@dataclass(frozen=True)
class Rollback:
    """Restore the configuration as of `to_revision` (None: before the only change, i.e. none)."""

    to_revision: int | None
    target: AliasConfig | None
    before: AliasConfig
    expected_revision: int


class RollbackTable(DataTable[str]):
    """The alias history; the row under the cursor is the configuration to restore."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "screen.confirm", "Roll back", show=False, id="rollback-enter")
    ]


class RollbackModal(ReleaseModal[Rollback]):
    """The default target is the configuration before the last change (the second row)."""

    KIND = "rollback"
    CONFIRM_LABEL = "Roll back"

    def __init__(self, context: ReleaseContext, alias: Alias) -> None:
        super().__init__(context)
        self.alias = alias
        self.history: tuple[AliasEvent, ...] | None = None

    def title_text(self) -> str:
        return f"Roll back {self.alias.alias} · {self.context.name}"

    def compose_body(self) -> ComposeResult:
        yield Label(self._now_text(), id="rollback-now", classes="release-now", markup=False)
        yield Label("History, newest first: ↑↓ choose the revision to restore", classes="field-label")
        table = RollbackTable(id="rollback-history", cursor_type="row", zebra_stripes=False)
        table.add_columns(*EVENT_COLUMNS)
        yield table

    def on_mount(self) -> None:
        super().on_mount()
        # Not `loading`: a loading widget drops keys, and enter must queue a confirm meanwhile.
        self.query_one(RollbackTable).focus()
        self.load_state()

    def _now_text(self) -> str:
        return self.alias_now_text(self.alias)

    def alias_for_state(self) -> str | None:
        return self.alias.alias

    def show_state(self, state: StateLoaded) -> None:
        if self.history is not None:  # a reload: show the alias as it is now
            current = next((a for a in state.aliases if a.alias == self.alias.alias), None)
            if current is not None:
                self.alias = current
            self.query_one("#rollback-now", Label).update(self._now_text())
        self.history = state.history
        table = self.query_one(RollbackTable)
        table.clear()
        now = self.context.clock()
        for event in state.history:
            table.add_row(*event_cells(event, now, self.context.tz), key=str(event.revision))
        if len(state.history) > 1:
            table.move_cursor(row=1, animate=False)

    @on(DataTable.RowHighlighted, "#rollback-history")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if self.history is not None:
            self.fields_changed()

    # --- the proposal ----------------------------------------------------------------------------

    def target_alias(self) -> str | None:
        return self.alias.alias

    def proposal(self) -> Rollback:
        history = self.history
        alias = self.alias
        if history is None:
            raise NotReady("loading the history")
        if not history:
            raise ValueError(f"{alias.alias} has no recorded history to roll back")
        row = self.query_one(RollbackTable).cursor_row
        if len(history) == 1:
            to_revision, target = None, None
        elif row <= 0:
            raise ValueError(f"revision {history[0].revision} is the current state; choose an older revision")
        else:
            chosen = history[min(row, len(history) - 1)]
            to_revision, target = chosen.revision, chosen.after
        # A newer history than the alias displayed means someone moved it: the pre-flight says so.
        if target == alias.config and history[0].revision == alias.revision:
            raise ValueError(f"revision {to_revision} is the same as now ({split_text(target)}): nothing to roll back")
        return Rollback(to_revision=to_revision, target=target, before=alias.config, expected_revision=alias.revision)

    def plan_for(self, proposal: Rollback) -> Plan:
        target = proposal.target
        versions: tuple[str, ...] = ()
        if target is not None:
            versions = (target.version,) + ((target.secondary_version,) if target.secondary_version else ())
        return Plan(
            name=self.context.name,
            versions=versions,
            alias=self.alias.alias,
            expected_revision=proposal.expected_revision,
        )

    def change_for(self, proposal: Rollback) -> str:
        source = (
            f"revision {proposal.to_revision}"
            if proposal.to_revision is not None
            else "before its creation (deletes the alias)"
        )
        return f"Restore {source}: {change_text(proposal.before, proposal.target)}"

    def perform(self, repository: Repository, proposal: Rollback, reason: str | None) -> ReleaseOutcome:
        name, alias = self.context.name, self.alias.alias
        result = repository.rollback_alias(
            name,
            alias,
            to_revision=proposal.to_revision,
            expected_revision=proposal.expected_revision,
            reason=reason,
        )
        if result is None:
            summary = f"{name}: {alias} rolled back to before its creation (deleted)"
        else:
            summary = f"{name}: {alias} rolled back to {split_text(result.config)} (revision {result.revision})"
        return ReleaseOutcome(name=name, title="Rolled back", summary=summary)
