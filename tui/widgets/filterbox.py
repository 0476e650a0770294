"""The filter boxes' base: an Input shown over its list's header while it has focus, which lays
nothing out as it opens or closes, nor as it takes a keystroke that fits."""

from __future__ import annotations

from textual import events
from textual.dom import DOMNode
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Input


class FilterBox(Input):
    """Textual's Input, its scrollable width at least as wide as the box.

    Input makes its scrollable (virtual) width the text's width plus the cursor; a change of virtual
    size asks for a layout of the whole screen, so every keystroke did one (a few milliseconds on
    the main screen). While the text fits, the width now stays the box's; longer text scrolls as
    Input's does.

    The box lies over its list's header line (styles: an absolute position on a layer of its own).
    It is shown to be edited, and hidden once another widget of its screen takes focus
    (`hide_unfocused`): the pane's title names the filter in force. Showing it moves no other
    widget, so the list is neither laid out nor redrawn line by line (shown with `display`, it
    took a row from the list and every widget was redrawn).
    """

    def open(self) -> None:
        """Show the box and focus it now (not via call_later: keys typed right after the key that
        opened it may already be queued). Shown first: Textual focuses no invisible widget."""
        self.visible = True
        self.screen.set_focus(self)

    def on_resize(self, event: events.Resize) -> None:
        # Input sizes its scrollable width only when its value changes. Shown, the box gets its
        # width here; sized now, the first keystroke after `/` changes nothing and lays nothing out.
        self.set_reactive(Widget.virtual_size, Size(self.content_width, 1))

    @property
    def content_width(self) -> int:
        return max(super().content_width, self.scrollable_content_region.width)


def hide_unfocused(screen: DOMNode, focused: DOMNode) -> None:
    """Hide the filter boxes of `screen` other than `focused`, which has just taken focus.

    Not on the box's own blur: the terminal losing focus blurs it too, and a blur handled late
    could hide a box that has taken focus again (Textual then moves focus on, and typed letters
    run the list's keys); a hidden box could not be given focus back.
    """
    for box in screen.query(FilterBox):
        if box is not focused and box.visible:
            box.visible = False
