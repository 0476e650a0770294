"""Artifact pane: every artifact name with its count of published versions; `/` filters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input

from .pane import Pane, PaneTable, cell


class ArtifactFilter(Input):
    """The filter box; escape clears it and hands focus back to the list."""

    HELP_GROUP = "Filter"
    BINDINGS = [
        Binding("escape", "clear", "Clear filter", id="filter-clear"),
        Binding("down", "to_list", "To list", show=False, id="filter-to-list"),
    ]

    def action_clear(self) -> None:
        self.value = ""
        self.post_message(ArtifactPane.FilterClosed())

    def action_to_list(self) -> None:
        self.post_message(ArtifactPane.FilterClosed())


class ArtifactPane(Pane):
    """Artifact names, a live filter, and version counts as they arrive."""

    @dataclass
    class Highlighted(Message):
        """The cursor rests on an artifact (None: the list is empty)."""

        name: str | None

    @dataclass
    class Chosen(Message):
        """Enter on an artifact: the user wants its versions."""

        name: str

    class FilterClosed(Message):
        pass

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Artifacts", id=id)
        self._names: list[str] = []
        self._counts: dict[str, int] = {}
        self._shown: list[str] = []

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        yield ArtifactFilter(placeholder="filter…", id="artifact-filter", compact=True)
        table = PaneTable(id="artifact-table")
        table.add_column("Artifact", key="name")
        table.add_column("Ver", key="count")
        yield table

    @property
    def table(self) -> PaneTable:
        return self.query_one("#artifact-table", PaneTable)

    @property
    def filter_input(self) -> ArtifactFilter:
        return self.query_one(ArtifactFilter)

    @property
    def names(self) -> Sequence[str]:
        """Every name, unfiltered."""
        return tuple(self._names)

    @property
    def shown(self) -> Sequence[str]:
        """The names the filter lets through, in order."""
        return tuple(self._shown)

    @property
    def current(self) -> str | None:
        return self.table.current_key

    def show(self, names: Sequence[str], select: str | None = None) -> None:
        """Replace the names; keep the cursor on `select` (or the current name) if still there."""
        keep = select or self.current
        self._names = sorted(names)
        self._counts = {name: count for name, count in self._counts.items() if name in names}
        self._rebuild(keep)

    def set_counts(self, counts: Mapping[str, int]) -> None:
        self._counts.update(counts)
        table = self.table
        for name, count in counts.items():
            if name in self._shown:
                table.update_cell(name, "count", cell(str(count)))

    def open_filter(self) -> None:
        self.filter_input.display = True
        # Focus now, not via call_later: keys typed right after `/` may already be queued.
        self.screen.set_focus(self.filter_input)

    def close_filter(self) -> None:
        if not self.filter_input.value:
            self.filter_input.display = False
        self.table.focus()

    @on(FilterClosed)
    def _filter_closed(self, event: ArtifactPane.FilterClosed) -> None:
        event.stop()
        self.close_filter()

    @on(Input.Changed, "#artifact-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._rebuild(self.current)

    @on(Input.Submitted, "#artifact-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.close_filter()

    def _rebuild(self, keep: str | None) -> None:
        needle = self.filter_input.value.strip().lower()
        self._shown = [name for name in self._names if needle in name.lower()]
        table = self.table
        table.clear()
        for name in self._shown:
            table.add_row(cell(name), cell(self._count_text(name)), key=name)
        table.move_to(keep)
        self._update_counts_title(needle)
        if not self._shown:
            self.post_message(self.Highlighted(None))

    def _count_text(self, name: str) -> str:
        count = self._counts.get(name)
        return "…" if count is None else str(count)

    def _update_counts_title(self, needle: str) -> None:
        total = len(self._names)
        if needle:
            self.title = f"Artifacts {len(self._shown)}/{total} · /{needle}"
        else:
            self.title = f"Artifacts {total}" if total else "Artifacts"

    @on(PaneTable.RowHighlighted, "#artifact-table")
    def _highlighted(self, event: PaneTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.Highlighted(event.row_key.value))

    @on(PaneTable.RowSelected, "#artifact-table")
    def _selected(self, event: PaneTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.Chosen(event.row_key.value))
