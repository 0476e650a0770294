"""Version pane: LATEST then newest first, with the aliases that point at each version."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from textual.app import ComposeResult

from ..formatting import human_size, metadata_summary, short_sha, timestamp
from .pane import Pane, PaneTable, cell

if TYPE_CHECKING:
    from core.models import VersionView


class VersionTable(PaneTable):
    COMPONENT_CLASSES = {"version-table--alias", "version-table--latest"}


class VersionPane(Pane):
    """The versions of one artifact."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Versions", id=id)
        self.artifact_name: str | None = None
        self._views: dict[str, VersionView] = {}

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        table = VersionTable(id="version-table")
        for label, key in (
            ("Version", "version"),
            ("Aliases", "aliases"),
            ("Updated", "updated"),
            ("Size", "size"),
            ("SHA256", "sha256"),
            ("Type", "type"),
            ("Metadata", "metadata"),
        ):
            table.add_column(label, key=key)
        yield table

    @property
    def table(self) -> VersionTable:
        return self.query_one(VersionTable)

    @property
    def current(self) -> VersionView | None:
        key = self.table.current_key
        return None if key is None else self._views.get(key)

    @property
    def views(self) -> Sequence[VersionView]:
        return tuple(self._views.values())

    def loading_for(self, name: str | None) -> None:
        """Clear the pane for `name` and show it loading (None: nothing selected)."""
        if name != self.artifact_name:
            self._views = {}
            self.table.clear()
        self.artifact_name = name
        self.title = f"Versions · {name}" if name else "Versions"
        self.note = ""
        self.table.loading = name is not None

    def show(self, name: str, views: Sequence[VersionView], now: datetime, tz: tzinfo | None) -> None:
        keep = self.table.current_key if name == self.artifact_name else None
        self.artifact_name = name
        self._views = {view.artifact.version: view for view in views}
        table = self.table
        alias_style = table.get_component_rich_style("version-table--alias", partial=True)
        latest_style = table.get_component_rich_style("version-table--latest", partial=True)
        table.clear()
        for view in views:
            artifact = view.artifact
            table.add_row(
                cell(artifact.version, latest_style if artifact.is_latest else ""),
                cell(" ".join(view.aliases), alias_style),
                cell(timestamp(artifact.update_at, now, tz)),
                cell(human_size(artifact.size)),
                cell(short_sha(artifact.sha256)),
                cell(artifact.content_type or ""),
                cell(metadata_summary(artifact.metadata)),
                key=artifact.version,
            )
        table.move_to(keep)
        table.loading = False
        published = sum(1 for view in views if not view.artifact.is_latest)
        self.title = f"Versions · {name} · {published} published"
        self.note = "" if views else "no versions"

    def failed(self, message: str) -> None:
        self.table.loading = False
        super().failed(message)
