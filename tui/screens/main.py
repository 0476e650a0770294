"""The main screen: artifact, version, alias and detail panes over one repository.

Core runs only in thread workers; they post messages and the handlers below change widgets.
Worker failures of every kind arrive in `on_worker_state_changed`, the one place errors are shown.
"""

from __future__ import annotations

import mimetypes
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from textual import log, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.events import DescendantFocus
from textual.message import Message
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Label
from textual.worker import Worker, WorkerState, get_current_worker

from .. import collector
from ..config import config_path
from ..connection import Connection
from ..formatting import error_text, local_time
from ..messages import (
    ArtifactDownloaded,
    ArtifactNamesLoaded,
    ArtifactUploaded,
    Connected,
    IdentityResolved,
    VersionCompleted,
    VersionCountsLoaded,
    VersionDeleted,
    VersionsLoaded,
)
from ..release import ReleaseSettings, next_alias
from ..savefile import write_new_file
from ..widgets.aliases import AliasPane
from ..widgets.artifacts import ArtifactPane
from ..widgets.detail import DetailPane
from ..widgets.filterbox import hide_unfocused
from ..widgets.footer import KeyFooter
from ..widgets.rows import VirtualRows
from ..widgets.status import StatusBar
from ..widgets.versions import VersionPane

if TYPE_CHECKING:
    from core.models import Alias, Artifact, VersionView
    from core.planning import OutsideChange

    from ..modals.download import DownloadRequest
    from ..modals.release import ReleaseContext, ReleaseModal, ReleaseOutcome
    from ..modals.upload import UploadRequest
    from ..ports import RepositoryPort


@dataclass
class OutsideChecked(Message):
    """Whether the alias (as of `key`) was changed outside vrc since its newest event."""

    key: tuple[str, str, int, datetime]
    change: OutsideChange | None


# Alias changes: disabled (and explained) on a read-only connection, like upload and delete.
RELEASE_WRITE_BINDINGS = [
    Binding(
        "p", "promote", "Promote", show=False, tooltip="Publish LATEST or point an alias at a version", id="promote"
    ),
    Binding(
        "b", "rollback", "Rollback", show=False, tooltip="Roll back the selected alias to a revision", id="rollback"
    ),
    Binding("C", "canary", "Canary", show=False, tooltip="Canary: split, raise, promote or abort", id="canary"),
    Binding("U", "undo_last_change", "Undo", show=False, tooltip="Undo the last alias change made here", id="undo"),
    Binding("F", "freeze", "Freeze", show=False, tooltip="Freeze or unfreeze the selected alias", id="freeze"),
]
RELEASE_BINDINGS = [
    Binding(
        "h",
        "alias_history",
        "History",
        show=False,
        tooltip="History of the selected alias, newest first",
        id="alias-history",
    ),
]
SELECT_ALIAS = "Select an alias in the Aliases pane first (tab to it)."

# Actions that change the repository: disabled (and explained) on a read-only connection.
WRITE_BINDINGS = [
    Binding("u", "upload", "Upload", show=False, tooltip="Upload a local file as LATEST", id="upload"),
    Binding("x", "delete", "Delete", show=False, tooltip="Soft-delete the selected version (asks first)", id="delete"),
    *RELEASE_WRITE_BINDINGS,
]
WRITE_ACTIONS = frozenset(binding.action for binding in WRITE_BINDINGS)

_FAILED = {
    "connect": "Could not open the repository",
    "names": "Could not list artifacts",
    "counts": "Could not count versions",
    "artifact": "Could not list versions and aliases",
    "upload": "Upload failed",
    "download": "Download failed",
    "delete": "Delete failed",
    "complete": "Could not read a version's S3 object",
}
# Loads for the artifact under the cursor start once it has rested this long: holding ↓ through
# the list starts none of them (a newer load supersedes an older one, which then does nothing).
REST_SECONDS = 0.1
REST_MARGIN = 0.01  # a load this close to waking is let run: replacing it could ask twice
# Relative times ("12h ago") are redrawn this often, between reloads too.
TIME_REFRESH_SECONDS = 30.0


class MainScreen(Screen[None]):
    """Browse one repository at a time; switch between the configured ones with `c`."""

    HELP_GROUP = "Console"
    AUTO_FOCUS = "#artifact-table"
    # Screen.focused repaints the whole screen on every focus change (tab, `/`, escape): here only
    # what focus restyles is redrawn (the widgets gaining and losing it, their panes' titles).
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    BINDINGS = [
        Binding("tab", "app.focus_next", "Next pane", show=False, id="next-pane"),
        Binding("shift+tab", "app.focus_previous", "Previous pane", show=False, id="previous-pane"),
        # Priority: handled as the key arrives, so what is typed right after `/` lands in the filter
        # (names cannot contain "/", so the filter never needs the character itself).
        Binding(
            "slash",
            "filter",
            "filter",
            tooltip="Filter artifacts by name as you type",
            priority=True,
            id="filter",
        ),
        Binding(
            "a",
            "find_alias",
            "Find alias",
            show=False,
            tooltip="Aliases pane: type an alias name to jump to it",
            id="find-alias",
        ),
        Binding("R", "refresh", "Refresh", show=False, tooltip="Reload artifacts, versions and aliases", id="refresh"),
        *WRITE_BINDINGS,
        *RELEASE_BINDINGS,
        Binding(
            "d", "download", "Download", show=False, tooltip="Download the selected version to a path", id="download"
        ),
        Binding(
            "c",
            "switch_repository",
            "Repos",
            show=False,
            tooltip="Open another configured repository",
            id="switch-repository",
        ),
        Binding(
            "y",
            "copy_uri",
            "Copy URI",
            show=False,
            tooltip="Copy the S3 URI of the selected version or alias",
            id="copy-uri",
        ),
        # Reached only when a write binding above is disabled: says why instead of doing nothing.
        Binding(",".join(b.key for b in WRITE_BINDINGS), "explain_read_only", show=False, id="read-only-explain"),
    ]

    def __init__(
        self,
        connections: Sequence[Connection],
        *,
        clock: Callable[[], datetime],
        tz: tzinfo | None = None,
    ) -> None:
        super().__init__()
        self.connections = tuple(connections)
        self.connection = self.connections[0]
        self._outside: dict[tuple[str, str, int, datetime], OutsideChange | None] = {}
        """Outside-change checks by alias state (a moved alias is a new key, so the answer is never stale)."""
        self.repository: RepositoryPort | None = None
        self.clock = clock
        self.tz = tz
        self.selected_name: str | None = None
        self._switched_to: str | None = None
        """The artifact the version and alias panes were last switched to (see select_artifact)."""
        self._rest_ends = 0.0  # time.monotonic() at which the pending artifact load stops resting
        self.detail_source: Literal["version", "alias"] = "version"
        self._pending_select: str | None = None
        self.last_change: ReleaseOutcome | None = None
        """The newest alias change written from this console (the undo key rolls it back)."""
        # Versions completed from S3 (written without vrc's fields), by (name, version, sha256).
        self._completed: dict[tuple[str, str, str], Artifact] = {}
        self._missing_table_said = False
        self._pending_connection: Connection | None = None

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield Label("", id="last-change", markup=False)
        with Horizontal(id="panes"):
            yield ArtifactPane(id="artifacts")
            with Vertical(id="right"):
                yield VersionPane(id="versions")
                yield AliasPane(id="aliases")
                yield DetailPane(id="detail")
        # No palette hint: the context keys need the 80 columns (ctrl+p is listed by `?`).
        yield KeyFooter(id="footer")

    def on_mount(self) -> None:
        self.query_one("#last-change").display = False
        self.open_connection(self.connection)
        self.set_interval(TIME_REFRESH_SECONDS, self.refresh_times)

    def refresh_times(self) -> None:
        """Redraw relative times ("12h ago") with the clock's now; no reload."""
        now = self.clock()
        self.versions.refresh_times(now)
        self.aliases.refresh_times(now)
        self._update_detail()

    # --- widgets -------------------------------------------------------------------------------

    @property
    def status(self) -> StatusBar:
        return self.query_one(StatusBar)

    @property
    def artifacts(self) -> ArtifactPane:
        return self.query_one(ArtifactPane)

    @property
    def versions(self) -> VersionPane:
        return self.query_one(VersionPane)

    @property
    def aliases(self) -> AliasPane:
        return self.query_one(AliasPane)

    @property
    def detail(self) -> DetailPane:
        return self.query_one(DetailPane)

    @property
    def read_only(self) -> bool:
        return self.connection.read_only or bool(self.repository and self.repository.read_only)

    # --- connection and loading ----------------------------------------------------------------

    def open_connection(self, connection: Connection) -> None:
        """Forget the current repository and open `connection` in a worker."""
        self.connection = connection
        self.repository = None
        self._completed.clear()
        self._missing_table_said = False
        self.selected_name = self._switched_to = None
        self.status.show_connection(connection)
        self.artifacts.show([])
        self.artifacts.set_busy(True)
        self.artifacts.note = "connecting…"
        self.versions.loading_for(None)
        self.aliases.loading_for(None)
        self.detail.clear()
        self.refresh_bindings()
        # Once this is on the terminal: opening imports boto3 on a worker thread, which would
        # otherwise compete for the GIL with drawing the first frame. The app starts it as soon as
        # its first frame is drawn (start_pending_connection); a later connection, after a refresh.
        self._pending_connection = connection
        self.call_after_refresh(self.start_pending_connection)

    def start_pending_connection(self) -> None:
        """Start opening the connection open_connection asked for, unless that has started."""
        connection, self._pending_connection = self._pending_connection, None
        if connection is not None:
            self._connect(connection)

    @work(thread=True, exclusive=True, exit_on_error=False, group="connect")
    def _connect(self, connection: Connection) -> None:
        # Opening imports boto3 (and moto, and seeds the demo): long-lived objects the collector
        # would rescan over and over meanwhile (a fifth of the demo's start).
        with collector.paused():
            repository = connection.open()
        if not get_current_worker().is_cancelled:
            self.post_message(Connected(connection, repository))

    @on(Connected)
    def _connected(self, message: Connected) -> None:
        if message.connection is not self.connection:
            return
        # Everything loaded so far (boto3, the repository, an embedded demo's moto state) lives as
        # long as the app: keep it out of the GC's full collections, which otherwise stall keys.
        collector.freeze_long_lived()
        self.repository = message.repository
        self.status.show_location(message.repository.location())
        self.status.set_state("loading")
        self.refresh_bindings()
        self._load_names(message.repository)
        self._load_identity(message.repository)

    @work(thread=True, exclusive=True, exit_on_error=False, group="identity")
    def _load_identity(self, repository: RepositoryPort) -> None:
        self.post_message(IdentityResolved(repository, repository.caller_identity()))

    @on(IdentityResolved)
    def _identity_resolved(self, message: IdentityResolved) -> None:
        if message.repository is self.repository:
            self.status.show_location(message.repository.location(), message.identity)

    def reload(self, select: str | None = None) -> None:
        """Reload names (keeping or moving the cursor to `select`) and the selected artifact."""
        if self.repository is None:
            self.open_connection(self.connection)
            return
        self.artifacts.set_busy(True)
        self._pending_select = select
        self._load_names(self.repository)

    @work(thread=True, exclusive=True, exit_on_error=False, group="names")
    def _load_names(self, repository: RepositoryPort) -> None:
        names = repository.list_artifact_names()
        if not get_current_worker().is_cancelled:
            self.post_message(ArtifactNamesLoaded(repository, names))

    @on(ArtifactNamesLoaded)
    def _names_loaded(self, message: ArtifactNamesLoaded) -> None:
        if message.repository is not self.repository:
            return
        select, self._pending_select = self._pending_select, None
        pane = self.artifacts
        pane.set_busy(False)
        self.status.clear_error()
        pane.note = "" if message.names else "empty — upload with u"
        pane.show(message.names, select=select)
        collector.freeze_long_lived()  # the names live until the next reload; see _connected
        self.status.set_state("connected")
        # The names first: the selected artifact's load starts after the frame that shows them
        # (its worker would compete with drawing that frame for the GIL).
        self.call_after_refresh(self._select_after_names, message.repository)

    def _select_after_names(self, repository: RepositoryPort) -> None:
        if repository is self.repository:
            self.select_artifact(self.artifacts.current, force=True)

    @on(ArtifactPane.CountsWanted)
    def _counts_wanted(self, event: ArtifactPane.CountsWanted) -> None:
        if self.repository is not None:
            self._load_counts(self.repository, event.names)

    @work(thread=True, exclusive=True, exit_on_error=False, group="counts")
    def _load_counts(self, repository: RepositoryPort, names: Sequence[str]) -> None:
        """Count the versions of the names in view, each posted as it comes; a newer view's
        request cancels this one (it asks again for whatever is still in view and uncounted)."""
        worker = get_current_worker()
        time.sleep(REST_SECONDS)  # scrolling on: this request is about to be replaced
        for name in names:
            if worker.is_cancelled:
                return
            versions = repository.list_artifact_versions(name)
            count = sum(1 for artifact in versions if not artifact.is_latest)
            if not worker.is_cancelled:  # else possibly older than a reload that superseded it
                self.post_message(VersionCountsLoaded(repository, {name: count}))

    @on(VersionCountsLoaded)
    def _counts_loaded(self, message: VersionCountsLoaded) -> None:
        if message.repository is self.repository:
            self.artifacts.set_counts(message.counts)

    @on(ArtifactPane.Highlighted)
    def _artifact_highlighted(self, event: ArtifactPane.Highlighted) -> None:
        self.select_artifact(event.name)

    @on(ArtifactPane.Chosen)
    def _artifact_chosen(self, event: ArtifactPane.Chosen) -> None:
        self.versions.table.focus()

    def select_artifact(self, name: str | None, force: bool = False) -> None:
        """Show `name` in the version and alias panes, loading them in workers.

        `force`: reload even if `name` is already shown, at once (not after REST_SECONDS). Otherwise
        (the cursor moved) the panes switch just after the next frame: the frame answering the key
        draws the list's cursor only, not three panes emptied as well. Until they switch, the panes
        count as showing nothing (`shown_version`, `shown_alias`).
        """
        if name == self.selected_name and not force:
            return
        self.selected_name = name
        if force:
            self._switch_panes(force=True)
        else:
            self.call_after_refresh(self._switch_panes)

    def _switch_panes(self, force: bool = False) -> None:
        """Empty the version and alias panes for the selected artifact and load it."""
        name = self.selected_name
        if name == self._switched_to and not force:
            return  # queued by a cursor move that a later one, or a reload, already served
        self._switched_to = name
        self.versions.loading_for(name)
        self.aliases.loading_for(name)
        self.detail.clear()
        if name is None or self.repository is None:
            self.versions.set_busy(False)
            self.aliases.set_busy(False)
            return
        rest = 0.0 if force else REST_SECONDS
        self._rest_ends = time.monotonic() + rest
        self._load_artifact(self.repository, name, rest)

    @on(ArtifactPane.Typed)
    def _filter_typed(self, event: ArtifactPane.Typed) -> None:
        """A keystroke in the filter that left the cursor where it was: the user has not rested,
        so a load still resting starts its rest again (it would land between keystrokes)."""
        name = self.selected_name
        if name is None or name != self._switched_to or self.repository is None:
            return
        if self._rest_ends - time.monotonic() > REST_MARGIN:  # still asleep: nothing asked yet
            self._rest_ends = time.monotonic() + REST_SECONDS
            self._load_artifact(self.repository, name, REST_SECONDS)  # exclusive: replaces it

    @property
    def shown_version(self) -> VersionView | None:
        """The version under the cursor, if the version pane shows the selected artifact."""
        return self.versions.current if self.versions.artifact_name == self.selected_name else None

    @property
    def shown_alias(self) -> Alias | None:
        """The alias under the cursor, if the alias pane shows the selected artifact."""
        return self.aliases.current if self.aliases.artifact_name == self.selected_name else None

    @work(thread=True, exclusive=True, exit_on_error=False, group="artifact")
    def _load_artifact(self, repository: RepositoryPort, name: str, rest: float = 0.0) -> None:
        """Versions and aliases of `name` in one core call (one listing of each)."""
        worker = get_current_worker()
        time.sleep(rest)
        if worker.is_cancelled:
            return
        views, aliases = repository.list_versions_and_aliases(name)
        if not worker.is_cancelled:
            self.post_message(VersionsLoaded(repository, name, views, aliases))

    @on(VersionsLoaded)
    def _versions_loaded(self, message: VersionsLoaded) -> None:
        if message.repository is self.repository and message.name == self.selected_name:
            now = self.clock()
            self.versions.show(message.name, message.versions, now, self.tz)
            self.aliases.show(message.name, message.aliases, now, self.tz)
            self.status.set_state("connected")
            self._update_detail()

    @on(VersionPane.DetailsWanted)
    def _details_wanted(self, event: VersionPane.DetailsWanted) -> None:
        wanted = []
        for artifact in event.artifacts:
            known = self._completed.get((artifact.name, artifact.version, artifact.sha256))
            if known is not None:
                self.versions.complete(event.name, known)
            else:
                wanted.append(artifact)
        if wanted and self.repository is not None:
            self._complete_versions(self.repository, wanted)

    @work(thread=True, exclusive=False, exit_on_error=False, group="complete")
    def _complete_versions(self, repository: RepositoryPort, artifacts: Sequence[Artifact]) -> None:
        """One HEAD per version in view that lacks vrc's fields, each posted as it comes."""
        for artifact in artifacts:
            if get_current_worker().is_cancelled:
                return
            self.post_message(VersionCompleted(repository, repository.head_version(artifact)))

    @on(VersionCompleted)
    def _version_completed(self, message: VersionCompleted) -> None:
        if message.repository is not self.repository:
            return
        artifact = message.artifact
        self._completed[(artifact.name, artifact.version, artifact.sha256)] = artifact
        self.versions.complete(artifact.name, artifact)
        self._update_detail()

    # --- detail --------------------------------------------------------------------------------

    @on(DescendantFocus)
    def _focus_moved(self, event: DescendantFocus) -> None:
        hide_unfocused(self, event.widget)
        if event.widget is self.versions.table:
            self.detail_source = "version"
            self._update_detail()
        elif event.widget is self.aliases.table:
            self.detail_source = "alias"
            self._update_detail()

    @on(VirtualRows.Highlighted, "#version-table, #alias-table")
    def _row_highlighted(self, event: VirtualRows.Highlighted) -> None:
        self._update_detail()

    def _update_detail(self) -> None:
        now = self.clock()
        alias = self.shown_alias
        view = self.shown_version
        if alias is not None and (self.detail_source == "alias" or view is None):
            self._show_alias_detail(alias)
        elif view is not None:
            self.detail.show_artifact(view.artifact, view.aliases, now, self.tz, self.versions.fields_note(view))
        else:
            self.detail.clear()

    # --- outside changes (issue 10): checked for the alias the detail pane shows -----------------

    @staticmethod
    def _outside_key(alias: Alias) -> tuple[str, str, int, datetime]:
        """A stored alias state: a new revision or update time asks again."""
        return (alias.name, alias.alias, alias.revision, alias.update_at)

    def _show_alias_detail(self, alias: Alias) -> None:
        key = self._outside_key(alias)
        self.detail.show_alias(alias, self.clock(), self.tz, self._outside.get(key))
        if key not in self._outside and self.repository is not None:
            self._check_outside(self.repository, alias)

    @work(thread=True, exclusive=True, exit_on_error=False, group="outside")
    def _check_outside(self, repository: RepositoryPort, alias: Alias) -> None:
        try:
            found = repository.alias_outside_change(alias.name, alias.alias)
        except Exception as error:  # noqa: BLE001 - only a hint: the panes still show the alias as read
            log.warning("could not check for an outside change", error=error)
            return
        if not get_current_worker().is_cancelled:
            self.post_message(OutsideChecked(self._outside_key(alias), found))

    @on(OutsideChecked)
    def _outside_checked(self, message: OutsideChecked) -> None:
        self._outside[message.key] = message.change
        name, alias_name = message.key[0], message.key[1]
        alias = self.shown_alias
        if alias is not None and self._outside_key(alias) == message.key:
            if self.detail.subject == f"{name}#{alias_name}":
                self.detail.show_alias(alias, self.clock(), self.tz, message.change)
        self.aliases.mark_outside(alias_name, message.change is not None)

    # --- errors: the one place worker failures are shown ---------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state is not WorkerState.ERROR or worker.is_cancelled:
            return
        message = error_text(worker.error)
        if self._is_missing_table(worker.error):
            self._missing_table(worker.group or "")
            return
        log.error(f"worker {worker.group} failed", error=worker.error)
        group = worker.group
        if group == "identity":
            return  # the location line simply shows no identity
        title = _FAILED.get(group, "Failed")
        self.notify(message, title=title, severity="error", timeout=10, markup=False)
        self.status.show_error(title, message)
        if group in ("connect", "names", "counts", "artifact"):
            self.status.set_state("error")
        if group == "connect":
            self.artifacts.failed("not connected · R retries")
        elif group == "names":
            self.artifacts.failed("failed · R retries")
        elif group == "artifact":
            self.versions.failed("failed · R retries")
            self.aliases.failed("failed · R retries")

    def _is_missing_table(self, error: BaseException | None) -> bool:
        from core.errors import NotBootstrappedError

        table = getattr(self.repository, "dynamodb_table_name", None)
        return isinstance(error, NotBootstrappedError) and table is not None and f"table {table!r}" in str(error)

    def _missing_table(self, group: str) -> None:
        """Say once per connection what a missing table means (every read of it fails alike)."""
        table = getattr(self.repository, "dynamodb_table_name", "?")
        message = (
            f"DynamoDB table {table!r} was not found. If the repository's table has another name, "
            "start vrc with --table NAME to select it (bootstrap would create a new, empty table)."
        )
        self.status.set_state("error")
        if group == "artifact":
            self.versions.failed(f"table {table!r} not found")
            self.aliases.failed(f"table {table!r} not found")
        if not self._missing_table_said:
            self._missing_table_said = True
            self.notify(message, title="Table not found", severity="error", timeout=20, markup=False)
            self.status.show_error("Table not found", message)

    # --- actions -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in WRITE_ACTIONS and self.read_only:
            return None  # shown greyed out; explain_read_only takes the key
        if action == "explain_read_only":
            return self.read_only
        return True

    def unavailable_reason(self, action: str) -> str | None:
        if action in WRITE_ACTIONS and self.read_only:
            return "read-only repository (opened with --read-only)"
        return None

    def action_explain_read_only(self) -> None:
        self.notify(
            f"{self.connection.name} is open read-only: upload, delete, promote, rollback and canary are disabled.",
            title="Read-only",
            severity="warning",
            markup=False,
        )

    def action_filter(self) -> None:
        self.artifacts.open_filter()

    def action_find_alias(self) -> None:
        self.aliases.open_filter()

    def action_refresh(self) -> None:
        self.reload()

    def action_switch_repository(self) -> None:
        def chosen(name: str | None) -> None:
            for connection in self.connections:
                if connection.name == name:
                    self.open_connection(connection)

        from ..modals.switch_repository import SwitchRepositoryModal

        path = getattr(self.app, "config_path", None) or config_path(os.environ)
        self.app.push_screen(SwitchRepositoryModal(self.connections, self.connection.name, config_path=path), chosen)

    def action_copy_uri(self) -> None:
        uri = self._selected_uri()
        if uri is None:
            self.notify("Select a version or an alias first.", severity="warning", markup=False)
            return
        self.app.copy_to_clipboard(uri)
        self.notify(uri, title="Copied", markup=False)

    def _selected_uri(self) -> str | None:
        alias = self.shown_alias
        if self.detail_source == "alias" and alias is not None:
            return alias.version_s3uri
        view = self.shown_version
        return view.artifact.s3uri if view else None

    def action_upload(self) -> None:
        if self.repository is None:
            self.notify("Not connected yet.", severity="warning", markup=False)
            return
        from ..modals.upload import UploadModal

        self.app.push_screen(
            UploadModal(name=self.selected_name or "", cli_args=self.connection.cli_args, known=self.artifacts.names),
            self._upload_chosen,
        )

    def _upload_chosen(self, request: UploadRequest | None) -> None:
        if request is not None and self.repository is not None:
            self.notify(f"Uploading {request.path.name} as {request.name} LATEST…", markup=False)
            self._upload(self.repository, request)

    @work(thread=True, exclusive=True, exit_on_error=False, group="upload")
    def _upload(self, repository: RepositoryPort, request: UploadRequest) -> None:
        artifact = repository.put_artifact(
            request.name,
            request.path,
            content_type=request.content_type,
            metadata=request.metadata or None,
        )
        self.post_message(ArtifactUploaded(artifact))

    @on(ArtifactUploaded)
    def _uploaded(self, message: ArtifactUploaded) -> None:
        artifact = message.artifact
        self.notify(
            f"{artifact.name} LATEST · {artifact.size} bytes · sha256 {artifact.sha256[:12]}",
            title="Uploaded",
            markup=False,
        )
        self.reload(select=artifact.name)

    def action_download(self) -> None:
        view = self.shown_version
        if view is None or self.repository is None:
            self.notify("Select a version in the Versions pane first.", severity="warning", markup=False)
            return
        artifact = view.artifact
        suffix = mimetypes.guess_extension(artifact.content_type or "") or ""
        filename = f"{artifact.name}-{artifact.version}{suffix}"

        def chosen(request: DownloadRequest | None) -> None:
            if request is not None and self.repository is not None:
                self._download(self.repository, artifact.name, artifact.version, request.path, request.overwrite)

        def command(path: Path, force: bool) -> str:
            return command_for(
                "download", artifact.name, version=artifact.version, output=str(path), force=force, repo=cli_args
            )

        from ..cli.shell import command_for
        from ..modals.download import DownloadModal

        cli_args = self.connection.cli_args
        modal = DownloadModal(f"{artifact.name} {artifact.version}", Path.cwd() / filename, command=command)
        self.app.push_screen(modal, chosen)

    @work(thread=True, exclusive=True, exit_on_error=False, group="download")
    def _download(self, repository: RepositoryPort, name: str, version: str, path: Path, overwrite: bool) -> None:
        # As the CLI: mode from the umask, moved in only once verified, never replacing a file not agreed to.
        artifact = write_new_file(path, lambda sink: repository.download(name, version, sink), overwrite=overwrite)
        self.post_message(ArtifactDownloaded(artifact, path))

    @on(ArtifactDownloaded)
    def _downloaded(self, message: ArtifactDownloaded) -> None:
        artifact = message.artifact
        self.notify(f"{artifact.name} {artifact.version} → {message.path}", title="Downloaded", markup=False)

    def action_delete(self) -> None:
        view = self.shown_version
        if view is None or self.repository is None:
            self.notify("Select a version in the Versions pane first.", severity="warning", markup=False)
            return
        name, version = view.artifact.name, view.artifact.version
        if view.aliases:
            # core would refuse it anyway; say why and what to do before asking anything.
            self.notify(
                f"{name} {version} is what {', '.join(view.aliases)} point at: move or delete those aliases first.",
                title="Not deletable",
                severity="warning",
                markup=False,
            )
            return

        def confirmed(yes: bool | None) -> None:
            if yes and self.repository is not None:
                self._delete(self.repository, name, version)

        from ..cli.shell import command_for
        from ..modals.confirm import ConfirmModal

        self.app.push_screen(
            ConfirmModal(
                "Soft-delete version",
                f"Soft-delete {name} version {version}? It disappears from listings; the bytes stay in S3.",
                confirm_label="Delete",
                command=command_for("delete", name, version=version, repo=self.connection.cli_args),
            ),
            confirmed,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="delete")
    def _delete(self, repository: RepositoryPort, name: str, version: str) -> None:
        repository.delete_artifact_version(name, version)
        self.post_message(VersionDeleted(name, version))

    @on(VersionDeleted)
    def _deleted(self, message: VersionDeleted) -> None:
        self.notify(f"{message.name} {message.version}", title="Soft-deleted", markup=False)
        self.reload(select=message.name)

    # --- release: promote, rollback, canary, history ---------------------------------------------

    def _release_settings(self) -> ReleaseSettings:
        return getattr(self.app, "release_settings", None) or ReleaseSettings()

    def _release_context(self) -> ReleaseContext | None:
        name = self.selected_name
        if self.repository is None or name is None:
            self.notify("Select an artifact first.", severity="warning")
            return None
        if self.versions.artifact_name != name or self.versions.busy or self.aliases.busy:
            self.notify(f"{name} is still loading; try again in a moment.", severity="warning")
            return None
        from ..modals.release import ReleaseContext

        return ReleaseContext(
            repository=self.repository,
            name=name,
            versions=tuple(view.artifact for view in self.versions.views),
            aliases=tuple(self.aliases.aliases),
            settings=self._release_settings(),
            clock=self.clock,
            tz=self.tz,
            cli_args=self.connection.cli_args,
        )

    def _selected_alias(self) -> Alias | None:
        alias = self.shown_alias
        if alias is None:
            self.notify(SELECT_ALIAS, severity="warning")
        return alias

    def _open_release(self, modal: ReleaseModal[Any], after: Callable[[], None] | None = None) -> None:
        def done(outcome: ReleaseOutcome | None) -> None:
            written = outcome or modal.written
            if outcome is not None:
                self.notify(outcome.summary, title=outcome.title, markup=False)
            if written is not None and not written.exact:
                self.select_artifact(written.name, force=True)
            elif written is not None or modal.reloaded:
                self._apply_release(modal.context, written)
            if after is not None:
                after()

        self.app.push_screen(modal, done)

    def _apply_release(self, context: ReleaseContext, outcome: ReleaseOutcome | None) -> None:
        """Show what the dialog read and wrote in the panes, without asking the backend again."""
        from core.models import VersionView

        versions = list(context.versions)
        aliases = {alias.alias: alias for alias in context.aliases}
        if outcome is not None:
            if outcome.published is not None and all(a.version != outcome.published.version for a in versions):
                at = 1 if versions and versions[0].is_latest else 0
                versions.insert(at, outcome.published)
            if outcome.alias is not None:
                if outcome.result is None:
                    aliases.pop(outcome.alias, None)
                else:
                    aliases[outcome.alias] = outcome.result
                    # Written through core: any outside change became an event first, so none is left to find.
                    self._outside[self._outside_key(outcome.result)] = None
            if outcome.revision is not None:
                self._show_last_change(outcome)
        if context.name != self.selected_name:
            return
        ordered = sorted(aliases.values(), key=lambda a: a.alias)
        pointing: dict[str, list[str]] = {}
        for alias in ordered:
            for version in (alias.version, alias.secondary_version):
                if version is not None:
                    pointing.setdefault(version, []).append(alias.alias)
        views: list[VersionView] = [
            VersionView(artifact=a, aliases=tuple(sorted(set(pointing.get(a.version, ()))))) for a in versions
        ]
        now = self.clock()
        self.versions.show(context.name, views, now, self.tz)
        self.aliases.show(context.name, ordered, now, self.tz)
        self.artifacts.set_counts({context.name: sum(1 for a in versions if not a.is_latest)})
        self._update_detail()

    def _show_last_change(self, outcome: ReleaseOutcome) -> None:
        self.last_change = outcome
        label = self.query_one("#last-change", Label)
        when = local_time(outcome.when, self.tz) if outcome.when else ""
        label.update(f" Last change: {outcome.summary} · {when} · U undoes it (rolls back revision {outcome.revision})")
        label.display = True

    def action_undo_last_change(self) -> None:
        """Roll back exactly the last change made here, guarded by its revision."""
        last = self.last_change
        if last is None or last.alias is None or last.revision is None:
            self.notify("No alias change made from this console yet.", severity="warning", markup=False)
            return
        if self.repository is None:
            return
        context = self._release_context()
        if context is None or context.name != last.name:
            self.notify(f"Select {last.name} first: the last change was to its alias {last.alias}.", markup=False)
            return
        alias = context.alias(last.alias)
        if alias is None or alias.revision != last.revision:
            self.notify(
                f"{last.alias} of {last.name} changed since revision {last.revision}; open its rollback (b) instead.",
                severity="warning",
                markup=False,
            )
            return
        from ..modals.rollback import RollbackModal

        self._open_release(RollbackModal(context, alias))

    def action_promote(self) -> None:
        context = self._release_context()
        if context is None:
            return
        alias, version, publish = "", "", False
        current_alias = self.shown_alias
        view = self.shown_version
        if self.app.focused is self.aliases.table and current_alias is not None:
            # "Promote what staging has to production": its version, to the next alias up.
            # An alias tracking LATEST promotes by publishing it first.
            version = current_alias.version
            publish = version == "LATEST"
            version = "" if publish else version
            target = next_alias(current_alias.alias, [a.alias for a in context.aliases])
            alias = "" if target == current_alias.alias else target
        elif view is not None:
            # From the versions pane the target is left empty: the aliases pane's cursor is not a choice.
            if view.artifact.is_latest:
                publish = True
            else:
                version = view.artifact.version
        from ..modals.promote import PromoteModal

        self._open_release(PromoteModal(context, alias=alias, version=version, publish=publish))

    def action_rollback(self) -> None:
        context = self._release_context()
        alias = self._selected_alias() if context else None
        if context is not None and alias is not None:
            from ..modals.promote import PromoteModal
            from ..modals.rollback import RollbackModal

            def move(alias_name: str, version: str) -> None:
                self._open_release(PromoteModal(context, alias=alias_name, version=version))

            self._open_release(RollbackModal(context, alias, move=move))

    def action_canary(self) -> None:
        context = self._release_context()
        alias = self._selected_alias() if context else None
        if context is not None and alias is not None:
            from ..modals.canary import CanaryModal

            self._open_release(CanaryModal(context, alias))

    def action_freeze(self) -> None:
        alias = self._selected_alias()
        if alias is None or self.repository is None:
            return

        def done(written: Alias | None) -> None:
            if written is not None:
                self.select_artifact(written.name, force=True)

        from ..modals.freeze import FreezeModal

        modal = FreezeModal(self.repository, alias, clock=self.clock, tz=self.tz, cli_args=self.connection.cli_args)
        self.app.push_screen(modal, done)

    def action_alias_history(self) -> None:
        alias = self._selected_alias()
        if alias is None or self.repository is None:
            return
        rollback = None if self.read_only else self._rollback_from_history
        from .history import AliasHistoryScreen

        self.app.push_screen(
            AliasHistoryScreen(
                self.repository,
                alias.name,
                alias.alias,
                clock=self.clock,
                tz=self.tz,
                rollback=rollback,
                cli_args=self.connection.cli_args,
            )
        )

    def _rollback_from_history(self, alias_name: str, to_revision: int, after: Callable[[], None]) -> None:
        """The history screen's `b`: the rollback dialog on the state after that row's change."""
        context = self._release_context()
        alias = context.alias(alias_name) if context else None
        if context is None or alias is None:
            self.notify(f"{alias_name} is not displayed any more; refresh (R) first.", markup=False)
            return
        from ..modals.rollback import RollbackModal

        self._open_release(RollbackModal(context, alias, to_revision=to_revision), after)
