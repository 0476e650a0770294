"""The main screen's footer: Textual's, rebuilt only when the keys it shows change."""

from __future__ import annotations

from collections.abc import Hashable

from textual.screen import Screen
from textual.widgets import Footer


class CoalescingFooter(Footer):
    """Textual's Footer recomposes (rebuilding and restyling every key widget, a few milliseconds
    each) on every `refresh_bindings()`: each focus move, each pane load, each dialog closing.
    Most of those leave the shown keys as they were. Here a refresh that finds a rebuild already
    queued joins it, and a rebuild that would show the same keys as the last one is skipped."""

    rebuild_queued = False
    """A recompose is queued and has not started yet."""

    shown: tuple[Hashable, ...] | None = None
    """What the last rebuild showed (see `shown_keys`); None before the first."""

    def bindings_changed(self, screen: Screen) -> None:
        if self.rebuild_queued and screen is self.screen:
            return
        super().bindings_changed(screen)
        # What Footer.bindings_changed checks before it queues a recompose.
        self.rebuild_queued = bool(screen.app.app_focus and self.is_attached and screen is self.screen)

    def shown_keys(self) -> tuple[Hashable, ...]:
        """Everything Footer.compose reads from the bindings, in its order."""
        return tuple(
            (
                binding.key,
                self.app.get_key_display(binding),
                binding.action,
                binding.description,
                binding.group,
                enabled,
                tooltip,
            )
            for _node, binding, enabled, tooltip in self.screen.active_bindings.values()
            if binding.show
        )

    async def recompose(self) -> None:
        self.rebuild_queued = False
        shown = self.shown_keys()
        if shown == self.shown:
            return
        self.shown = shown
        await super().recompose()
