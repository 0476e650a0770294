"""Version pane: LATEST then newest first, with the aliases that point at each version."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.message import Message

from ..formatting import human_size, metadata_summary, relative_time, short_sha, timestamp
from .records import Cell, Column, RecordPane, RecordTable

if TYPE_CHECKING:
    from core.models import Artifact, VersionView

# Version, SHA256, size, age and aliases fit 80 columns; type and metadata follow when there is room.
VERSION_COLUMNS = (
    Column("version", "Version", 0),
    Column("aliases", "Aliases", 4, min_width=7),
    Column("updated", "Updated", 3),
    Column("size", "Size", 2),
    Column("sha256", "SHA256", 1),
    Column("type", "Type", 5, max_width=16, min_width=8),
    Column("metadata", "Metadata", 6, max_width=40, min_width=8),
)


class VersionTable(RecordTable):
    COMPONENT_CLASSES = RecordTable.COMPONENT_CLASSES | {"version-table--alias", "version-table--latest"}
    # Context keys for the footer; the screen binds them too, so they work from every pane.
    BINDINGS = [
        Binding("p", "screen.promote", "promote", id="version-promote"),
        Binding("x", "screen.delete", "delete", id="version-delete"),
        Binding("d", "screen.download", "download", id="version-download"),
        Binding("a", "screen.find_alias", "alias", id="version-find-alias"),
    ]


class VersionPane(RecordPane["VersionView"]):
    """The versions of one artifact."""

    COLUMNS = VERSION_COLUMNS
    NOUN = "versions"
    TABLE_TYPE = VersionTable

    @dataclass
    class DetailsWanted(Message):
        """Versions in view lack vrc's fields (size, type, metadata): read them from S3."""

        name: str
        artifacts: tuple[Artifact, ...]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Versions", table_id="version-table", id=id)
        self.completed: set[str] = set()  # versions whose fields were read from S3
        self._asked: set[str] = set()

    def fields_note(self, view: VersionView) -> str | None:
        """What the detail pane says about a version written without vrc's fields."""
        if view.artifact.version in self.completed:
            return "written without vrc's fields (e.g. by versioned 1.0.1); size, type and metadata read from S3"
        if view.artifact.size is None:
            return "written without vrc's fields (e.g. by versioned 1.0.1); reading size, type and metadata from S3…"
        return None

    def complete(self, name: str, artifact: Artifact) -> None:
        """`artifact` completed from S3: show its fields."""
        view = next((v for v in self.views if v.artifact.version == artifact.version), None)
        if name == self.artifact_name and view is not None and view.artifact.sha256 == artifact.sha256:
            self.completed.add(artifact.version)
            self.replace(view.model_copy(update={"artifact": artifact}))

    def rows_in_view(self, keys: Sequence[str]) -> None:
        records = {key: view for key in keys if (view := self.record(key)) is not None}
        missing = tuple(
            view.artifact
            for key, view in records.items()
            if view.artifact.size is None and key not in self._asked and key not in self.completed
        )
        if missing and self.artifact_name is not None:
            self._asked.update(a.version for a in missing)
            self.post_message(self.DetailsWanted(self.artifact_name, missing))

    def show(self, name: str, records: Sequence[VersionView], now: datetime, tz: tzinfo | None) -> None:
        self.completed.clear()
        self._asked.clear()
        super().show(name, records, now, tz)

    @property
    def views(self) -> Sequence[VersionView]:
        return self.records

    def key_of(self, record: VersionView) -> str:
        return record.artifact.version

    def cells_of(self, record: VersionView, now: datetime, tz: tzinfo | None) -> tuple[Cell, ...]:
        artifact = record.artifact
        return (
            Cell(artifact.version, style="version-table--latest" if artifact.is_latest else ""),
            Cell(" ".join(record.aliases), style="version-table--alias"),
            Cell(timestamp(artifact.update_at, now, tz), short=relative_time(artifact.update_at, now)),
            Cell(human_size(artifact.size)),
            Cell(short_sha(artifact.sha256)),
            Cell(artifact.content_type or "—"),
            Cell(metadata_summary(artifact.metadata, limit=200)),
        )

    def loading_for(self, name: str | None) -> None:
        super().loading_for(name)
        if name is not None:
            self.title = f"Versions · {name}"

    def shown_title(self, name: str, records: Sequence[VersionView]) -> str:
        published = sum(1 for view in records if not view.artifact.is_latest)
        return f"Versions · {name} · {published} published"
