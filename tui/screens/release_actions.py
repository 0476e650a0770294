"""Promote, rollback, canary and alias history on the main screen (mixed into MainScreen).

The dialogs do their own reads and writes in workers; this only opens them, pre-filled from the
selection, and reloads the panes after they change something.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding

from ..modals.canary import CanaryModal
from ..modals.promote import PromoteModal
from ..modals.release import ReleaseContext, ReleaseModal, ReleaseOutcome
from ..modals.rollback import RollbackModal
from ..release import ReleaseSettings, next_alias
from .history import AliasHistoryScreen

if TYPE_CHECKING:
    from core.models import Alias

    from .main import MainScreen

# Alias changes: disabled (and explained) on a read-only connection, like upload and delete.
RELEASE_WRITE_BINDINGS = [
    Binding(
        "p", "promote", "Promote", show=False, tooltip="Publish LATEST or point an alias at a version", id="promote"
    ),
    Binding(
        "b", "rollback", "Rollback", show=False, tooltip="Roll back the selected alias to a revision", id="rollback"
    ),
    Binding("C", "canary", "Canary", show=False, tooltip="Canary: split, raise, promote or abort", id="canary"),
]
RELEASE_BINDINGS = [
    Binding(
        "h",
        "alias_history",
        "History",
        show=False,
        tooltip="History of the selected alias, newest first",
        id="alias-history",
    ),
]
SELECT_ALIAS = "Select an alias in the Aliases pane first (tab to it)."


class ReleaseActions:
    """Actions for MainScreen; they read its panes and open the release dialogs."""

    def _release_settings(self: MainScreen) -> ReleaseSettings:
        return getattr(self.app, "release_settings", None) or ReleaseSettings()

    def _release_context(self: MainScreen) -> ReleaseContext | None:
        name = self.selected_name
        if self.repository is None or name is None:
            self.notify("Select an artifact first.", severity="warning")
            return None
        if self.versions.artifact_name != name or self.versions.table.loading or self.aliases.table.loading:
            self.notify(f"{name} is still loading; try again in a moment.", severity="warning")
            return None
        return ReleaseContext(
            repository=self.repository,
            name=name,
            versions=tuple(view.artifact for view in self.versions.views),
            aliases=tuple(self.aliases.aliases),
            settings=self._release_settings(),
            clock=self.clock,
            tz=self.tz,
        )

    def _selected_alias(self: MainScreen) -> Alias | None:
        alias = self.aliases.current
        if alias is None:
            self.notify(SELECT_ALIAS, severity="warning")
        return alias

    def _open_release(self: MainScreen, modal: ReleaseModal[object]) -> None:
        name = modal.context.name

        def done(outcome: ReleaseOutcome | None) -> None:
            if outcome is not None:
                self.notify(outcome.summary, title=outcome.title)
            if outcome is not None or modal.reloaded:
                self.reload(select=name)

        self.app.push_screen(modal, done)

    def action_promote(self: MainScreen) -> None:
        context = self._release_context()
        if context is None:
            return
        alias, version, publish = "", "", False
        current_alias = self.aliases.current
        view = self.versions.current
        if self.app.focused is self.aliases.table and current_alias is not None:
            # "Promote what staging has to production": its version, to the next alias up.
            # An alias tracking LATEST promotes by publishing it first.
            version = current_alias.version
            publish = version == "LATEST"
            version = "" if publish else version
            target = next_alias(current_alias.alias, [a.alias for a in context.aliases])
            alias = "" if target == current_alias.alias else target
        elif view is not None:
            alias = current_alias.alias if current_alias is not None else ""
            if view.artifact.is_latest:
                publish = True
            else:
                version = view.artifact.version
        self._open_release(PromoteModal(context, alias=alias, version=version, publish=publish))

    def action_rollback(self: MainScreen) -> None:
        context = self._release_context()
        alias = self._selected_alias() if context else None
        if context is not None and alias is not None:
            self._open_release(RollbackModal(context, alias))

    def action_canary(self: MainScreen) -> None:
        context = self._release_context()
        alias = self._selected_alias() if context else None
        if context is not None and alias is not None:
            self._open_release(CanaryModal(context, alias))

    def action_alias_history(self: MainScreen) -> None:
        alias = self._selected_alias()
        if alias is None or self.repository is None:
            return
        self.app.push_screen(AliasHistoryScreen(self.repository, alias.name, alias.alias, clock=self.clock, tz=self.tz))
