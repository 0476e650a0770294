"""Rollback: restore an alias to an earlier configuration from its history; enter confirms.

The preview is core.planning.plan_rollback's result for the row under the cursor (the default row
is "before the last change"), and `apply` passes the same revision to core, which plans the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Label

from core.planning import NoRecordedHistoryError

from ..formatting import timestamp
from ..release import EVENT_COLUMNS, event_values, previous_published, split_text, version_label
from ..release.proposals import Rollback, plan_rollback_proposal
from ..widgets.pane import cell
from .release import ReleaseContext, ReleaseModal, StateLoaded

if TYPE_CHECKING:
    from core.models import Alias, AliasEvent


class RollbackTable(DataTable[Text]):
    """The alias history; the row under the cursor is the configuration to restore."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "screen.confirm", "Roll back", show=False, id="rollback-enter")
    ]


class RollbackModal(ReleaseModal[Rollback]):
    """Opens on the default target ("before the last change"), or on `to_revision` when given."""

    KIND = "rollback"
    CONFIRM_LABEL = "Roll back"
    # The history keeps ↑↓ while a field has focus (the name field of a protected alias starts focused).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "history_cursor(-1)", show=False, id="rollback-up"),
        Binding("down", "history_cursor(1)", show=False, id="rollback-down"),
        Binding("m", "move_instead", "Move instead", show=False, id="rollback-move"),
    ]

    def __init__(
        self,
        context: ReleaseContext,
        alias: Alias,
        *,
        to_revision: int | None = None,
        move: Callable[[str, str], None] | None = None,
    ) -> None:
        super().__init__(context)
        self._move = move
        """Opens the promote dialog on (alias, version): the way out for an alias with no history."""
        self.alias = alias
        self.history: tuple[AliasEvent, ...] | None = None
        self.to_revision = to_revision
        self._default_row: int | None = None

    def title_text(self) -> str:
        return f"Roll back {self.alias.alias} · {self.context.name}"

    def compose_body(self) -> ComposeResult:
        yield Label(self._now_text(), id="rollback-now", classes="release-now", markup=False)
        yield Label("", id="rollback-outside", classes="release-now -warning", markup=False)
        yield Label("History, newest first: ↑↓ choose the revision to restore", classes="field-label")
        table = RollbackTable(id="rollback-history", cursor_type="row", zebra_stripes=False)
        table.add_columns(*EVENT_COLUMNS)
        yield table

    def on_mount(self) -> None:
        self.query_one("#rollback-outside", Label).display = False
        super().on_mount()
        # Not `loading`: a loading widget drops keys, and enter must queue a confirm meanwhile.
        # A protected alias needs only its name typed: start there, so `b`, the name, enter rolls back.
        protected = self.context.settings.is_protected(self.alias.alias)
        (self.field("release-confirm-name") if protected else self.query_one(RollbackTable)).focus()
        self.load_state(history_only=True)

    def action_history_cursor(self, step: int) -> None:
        table = self.query_one(RollbackTable)
        if step < 0:
            table.action_cursor_up()
        else:
            table.action_cursor_down()

    def _now_text(self) -> str:
        return self.alias_now_text(self.alias)

    def alias_for_state(self) -> str | None:
        return self.alias.alias

    def wants_history(self) -> bool:
        return True

    def show_state(self, state: StateLoaded) -> None:
        current = next((a for a in state.aliases if a.alias == self.alias.alias), None)
        if current is not None:
            self.alias = current
        self.query_one("#rollback-now", Label).update(self._now_text())
        self.history = state.history or ()
        if not self.history and self._move is not None:
            self.query_one(RollbackTable).focus()  # the way out is the `m` key, which a text field would take
        table = self.query_one(RollbackTable)
        table.clear()
        now = self.context.clock()
        for event in self.history:
            table.add_row(*map(cell, event_values(event, now, self.context.tz)), key=str(event.revision))
        self._place_cursor()

    def reset_fields(self) -> None:
        self.to_revision = None
        self._place_cursor()

    def _place_cursor(self) -> None:
        """On the row of the chosen revision, else on the row the default plan restores."""
        history = self.history or ()
        self._default_row = None
        row = 0
        if self.to_revision is not None:
            row = next((i for i, e in enumerate(history) if e.revision == self.to_revision), 0)
        elif history:
            try:
                plan = plan_rollback_proposal(self.context.state(history), self.alias.alias).plan
            except (ValueError, NoRecordedHistoryError):
                plan = None
            if plan is not None and plan.to_revision is not None:
                row = next(i for i, e in enumerate(history) if e.revision == plan.to_revision)
            elif len(history) > 1 and history[1].after == (plan.target if plan else None):
                row = 1
            self._default_row = row
        self.query_one(RollbackTable).move_cursor(row=row, animate=False)

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
        state = self.context.state(history)
        row = self.query_one(RollbackTable).cursor_row
        to_revision = None
        if history and row != self._default_row:
            to_revision = history[min(max(row, 0), len(history) - 1)].revision
        try:
            proposal = plan_rollback_proposal(state, self.alias.alias, to_revision)
        except NoRecordedHistoryError as error:
            proposed = self._move_target()
            if self._move is None or proposed is None:
                raise ValueError(str(error)) from None
            raise ValueError(
                f"{error} (it was written by another tool): press m to move {self.alias.alias} to a chosen "
                f"version instead ({version_label(proposed)} proposed)"
            ) from None
        self._show_outside(proposal)
        return proposal

    def _move_target(self) -> str | None:
        published = [artifact.version for artifact in self.context.published]
        return previous_published(published, self.alias.version)

    def action_move_instead(self) -> None:
        """With no recorded history: promote the alias to the previous published version (editable)."""
        proposed = self._move_target()
        if self._move is None or proposed is None or self.history:
            return
        move, alias = self._move, self.alias.alias
        self.dismiss(None)
        move(alias, proposed)

    def _show_outside(self, proposal: Rollback) -> None:
        label = self.query_one("#rollback-outside", Label)
        outside = proposal.plan.outside_change
        label.display = outside is not None
        if outside is None:
            return
        when = (
            timestamp(outside.update_at, self.context.clock(), self.context.tz) if outside.update_at else "unknown time"
        )
        now = split_text(proposal.plan.before)
        label.update(
            f"⚠ changed outside vrc at {when} (now {now}; its history ends at revision "
            f"{outside.recorded_revision}); history before it may be incomplete"
        )
