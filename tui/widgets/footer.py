"""The main screen's footer: the active keys drawn as one line of one widget."""

from __future__ import annotations

from typing import NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget


class ShownKey(NamedTuple):
    """One key the footer shows: what it is, how it reads, whether it can run now."""

    key: str
    display: str
    description: str
    enabled: bool
    tooltip: str

    @property
    def text(self) -> str:
        return f"{self.display} {self.description}" if self.description else self.display


def shown_keys(screen: Screen) -> tuple[ShownKey, ...]:
    """The keys Textual's Footer would show for `screen`: the first shown binding of each action."""
    keys: dict[str, ShownKey] = {}
    for _node, binding, enabled, tooltip in screen.active_bindings.values():
        if binding.show and binding.action not in keys:
            keys[binding.action] = ShownKey(
                binding.key, screen.app.get_key_display(binding), binding.description, enabled, tooltip
            )
    return tuple(keys.values())


class KeyFooter(Widget):
    """Textual's Footer is a widget per key, all unmounted, mounted, restyled and laid out again
    (10-20 ms) whenever the shown keys change, as they do on each move into or out of a filter box.
    Here the keys are spans of a single line: a change repaints that line and lays out nothing.
    Looks and clicks like Textual's compact footer."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-footer--key", "key-footer--description", "key-footer--hover"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._keys: tuple[ShownKey, ...] = ()
        self._spans: tuple[tuple[int, int], ...] = ()  # each key's columns, [start, end)
        self._hover: int | None = None

    @property
    def keys(self) -> tuple[ShownKey, ...]:
        """The keys shown, left to right."""
        return self._keys

    def key_columns(self) -> dict[str, tuple[int, int]]:
        """Each shown key's text -> its (left, right) screen columns."""
        left = self.content_region.x
        return {key.text: (left + start, left + end) for key, (start, end) in zip(self._keys, self._spans, strict=True)}

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self.bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen) -> None:
        if screen is not self.screen:
            return
        keys = shown_keys(screen)
        if keys != self._keys:
            self._keys = keys
            self._spans = self._layout(keys)
            self._hover = None
            self.tooltip = None
            self.refresh()

    @staticmethod
    def _layout(keys: tuple[ShownKey, ...]) -> tuple[tuple[int, int], ...]:
        spans, x = [], 0
        for key in keys:
            width = cell_len(key.text)
            spans.append((x, x + width))
            x += width + 1  # a column between keys, as Textual's compact footer
        return tuple(spans)

    # --- mouse ---------------------------------------------------------------------------------

    def _key_at(self, event: events.MouseEvent) -> int | None:
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        for index, (start, end) in enumerate(self._spans):
            if start <= offset.x < end:
                return index
        return None

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._set_hover(self._key_at(event))

    def on_leave(self, event: events.Leave) -> None:
        self._set_hover(None)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        index = self._key_at(event)
        if index is None:
            return
        key = self._keys[index]
        if key.enabled:
            self.app.simulate_key(key.key)
        else:
            self.app.bell()

    def _set_hover(self, index: int | None) -> None:
        if index != self._hover:
            self._hover = index
            self.tooltip = (self._keys[index].tooltip or None) if index is not None else None
            self.refresh()

    # --- drawing -------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.content_region.width
        base = self.rich_style
        if y != 0:
            return Strip.blank(width, base)
        key_style = base + self.get_component_rich_style("key-footer--key")
        description_style = base + self.get_component_rich_style("key-footer--description")
        hover = self.get_component_rich_style("key-footer--hover")
        dim = Style(dim=True)
        segments: list[Segment] = []
        for index, key in enumerate(self._keys):
            if index:
                segments.append(Segment(" ", base))
            styles = (key_style, description_style)
            if index == self._hover:
                styles = (key_style + hover, description_style + hover)
            if not key.enabled:
                styles = (styles[0] + dim, styles[1] + dim)
            segments.append(Segment(key.display, styles[0]))
            if key.description:
                segments.append(Segment(f" {key.description}", styles[1]))
        return Strip(segments).adjust_cell_length(width, base).crop(0, width)
