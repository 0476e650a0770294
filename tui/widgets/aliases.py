"""Alias pane: where each alias of the artifact points and how traffic is split."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from textual.app import ComposeResult

from ..formatting import timestamp, traffic_split
from .pane import Pane, PaneTable, cell

if TYPE_CHECKING:
    from core.models import Alias


class AliasTable(PaneTable):
    COMPONENT_CLASSES = {"alias-table--canary"}


class AliasPane(Pane):
    """The aliases of one artifact."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Aliases", id=id)
        self.artifact_name: str | None = None
        self._aliases: dict[str, Alias] = {}

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        table = AliasTable(id="alias-table")
        for label, key in (
            ("Alias", "alias"),
            ("Split", "split"),
            ("Version", "version"),
            ("Secondary", "secondary"),
            ("Updated", "updated"),
            ("Rev", "revision"),
            ("By", "by"),
        ):
            table.add_column(label, key=key)
        yield table

    @property
    def table(self) -> AliasTable:
        return self.query_one(AliasTable)

    @property
    def current(self) -> Alias | None:
        key = self.table.current_key
        return None if key is None else self._aliases.get(key)

    @property
    def aliases(self) -> Sequence[Alias]:
        return tuple(self._aliases.values())

    def loading_for(self, name: str | None) -> None:
        if name != self.artifact_name:
            self._aliases = {}
            self.table.clear()
        self.artifact_name = name
        self.note = ""
        self.table.loading = name is not None

    def show(self, name: str, aliases: Sequence[Alias], now: datetime, tz: tzinfo | None) -> None:
        keep = self.table.current_key if name == self.artifact_name else None
        self.artifact_name = name
        self._aliases = {alias.alias: alias for alias in aliases}
        table = self.table
        canary_style = table.get_component_rich_style("alias-table--canary", partial=True)
        table.clear()
        for alias in aliases:
            table.add_row(
                cell(alias.alias),
                cell(traffic_split(alias), canary_style if alias.secondary_version else ""),
                cell(alias.version),
                cell(alias.secondary_version or ""),
                cell(timestamp(alias.update_at, now, tz)),
                cell(str(alias.revision)),
                cell(alias.updated_by or ""),
                key=alias.alias,
            )
        table.move_to(keep)
        table.loading = False
        self.title = f"Aliases · {len(aliases)}"
        self.note = "" if aliases else "no aliases"

    def failed(self, message: str) -> None:
        self.table.loading = False
        super().failed(message)
