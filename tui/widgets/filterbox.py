"""The filter boxes' base: an Input that does not lay the screen out again on every keystroke."""

from __future__ import annotations

from textual.widgets import Input


class FilterBox(Input):
    """Textual's Input, its scrollable width at least as wide as the box.

    Input makes its scrollable (virtual) width the text's width plus the cursor; a change of virtual
    size asks for a layout of the whole screen, so every keystroke did one (a few milliseconds on
    the main screen). While the text fits, the width now stays the box's; longer text scrolls as
    Input's does.
    """

    @property
    def content_width(self) -> int:
        return max(super().content_width, self.scrollable_content_region.width)
