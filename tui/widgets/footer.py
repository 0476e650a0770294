"""The main screen's footer: Textual's, rebuilt once for any number of binding refreshes in a frame."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class CoalescingFooter(Footer):
    """Textual's Footer recomposes (rebuilding every key widget) once per `refresh_bindings()`;
    mounting a screen and focusing its first pane make three in one frame, each a few tens of
    milliseconds while the repository is being opened. Here a refresh that finds a rebuild already
    queued joins it: the queued rebuild reads the bindings when it runs, so it shows the latest."""

    rebuild_queued = False
    """A recompose is queued and has not started yet."""

    def bindings_changed(self, screen: Screen) -> None:
        if self.rebuild_queued and screen is self.screen:
            return
        super().bindings_changed(screen)
        # What Footer.bindings_changed checks before it queues a recompose.
        self.rebuild_queued = bool(screen.app.app_focus and self.is_attached and screen is self.screen)

    async def recompose(self) -> None:
        self.rebuild_queued = False
        await super().recompose()
