"""The filter boxes' base: an Input shown over its list's header while it has focus, which lays
nothing out as it opens or closes, nor as it takes a keystroke that fits."""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class FilterBox(Input):
    """Textual's Input, its scrollable width at least as wide as the box.

    Input makes its scrollable (virtual) width the text's width plus the cursor; a change of virtual
    size asks for a layout of the whole screen, so every keystroke did one (a few milliseconds on
    the main screen). While the text fits, the width now stays the box's; longer text scrolls as
    Input's does.

    The box lies over its list's header line (styles: an absolute position on a layer of its own).
    It is shown to be edited and hidden when it loses focus: the pane's title names the filter in
    force. Showing it moves no other widget, so the list is neither laid out nor redrawn line by
    line (shown with `display`, it took a row from the list and every widget was redrawn).
    """

    def on_blur(self, event: events.Blur) -> None:
        # The terminal losing focus blurs the box too; Textual focuses it again when the terminal
        # regains focus, which it could not do for a hidden box.
        if self.app.app_focus:
            self.visible = False

    @property
    def content_width(self) -> int:
        return max(super().content_width, self.scrollable_content_region.width)
