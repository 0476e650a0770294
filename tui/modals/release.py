"""What the promote, rollback and canary dialogs share.

A dialog shows a proposed change and what it would do, runs the pre-flight checks in a worker
whenever the proposal changes, asks protected aliases for their name, and writes in a worker with
the revision (or sha256) it displayed. A ConflictError opens the conflict dialog, which offers a
reload; nothing is overwritten. The dialog dismisses only once the write succeeded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label
from textual.worker import Worker, WorkerState, get_current_worker

from core.errors import ConflictError, VrcError

from ..formatting import timestamp
from ..preflight import Check, Checks, Conflict, Plan, conflict_from_error, run_checks
from ..release import ReleaseSettings, split_text
from ..widgets.checklist import Checklist
from .conflict import ConflictModal

if TYPE_CHECKING:
    from core import Repository
    from core.models import Alias, AliasEvent, Artifact

P = TypeVar("P")


@dataclass(frozen=True)
class ReleaseContext:
    """The artifact as the main screen displayed it, and what the dialog needs to act on it."""

    repository: Repository
    name: str
    versions: tuple[Artifact, ...]
    aliases: tuple[Alias, ...]
    settings: ReleaseSettings
    clock: Callable[[], datetime]
    tz: tzinfo | None

    def alias(self, alias: str) -> Alias | None:
        return next((a for a in self.aliases if a.alias == alias), None)

    @property
    def latest(self) -> Artifact | None:
        return next((a for a in self.versions if a.is_latest), None)

    @property
    def published(self) -> tuple[Artifact, ...]:
        """Published versions, newest first."""
        return tuple(a for a in self.versions if not a.is_latest)

    def version(self, version: str) -> Artifact | None:
        return next((a for a in self.versions if a.version == version), None)


@dataclass(frozen=True)
class ReleaseOutcome:
    """What a dialog wrote, for the main screen to report before it reloads."""

    name: str
    title: str
    summary: str


class NotReady(Exception):
    """The dialog is still loading what the proposal depends on; a confirm waits for it."""


class Incomplete(ValueError):
    """A field is still empty, or the fields change nothing: a note, not an error, until confirmed."""


@dataclass
class ChecksDone(Message):
    checks: Checks


@dataclass
class Written(Message):
    outcome: ReleaseOutcome


@dataclass
class ConflictFound(Message):
    conflict: Conflict


@dataclass
class StateLoaded(Message):
    """The artifact's versions and aliases and the dialog alias's history, as the backend has them."""

    versions: tuple[Artifact, ...]
    aliases: tuple[Alias, ...]
    history: tuple[AliasEvent, ...]


_WORKER_GROUPS = {"preflight", "release-write", "release-load"}


class ReleaseModal(ModalScreen[ReleaseOutcome | None], Generic[P]):
    """Base of the release dialogs; subclasses say what they propose and how to write it."""

    KIND = "release"
    CONFIRM_LABEL = "Confirm"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="release-cancel"),
        Binding("ctrl+r", "reload", "Reload", tooltip="Re-read the alias and versions", id="release-reload"),
    ]

    def __init__(self, context: ReleaseContext) -> None:
        super().__init__(classes="release-modal")
        self.context = context
        self.checks: Checks | None = None
        self.reloaded = False
        """Whether the dialog re-read the backend (the main screen should reload too)."""
        self._plan: Plan | None = None
        self._checking = False
        self._confirm_pending = False
        self._writing = False

    def alias_now_text(self, alias: Alias) -> str:
        """'Now: v4 90% | v6 10% · rev 3 · who · when': the alias as the dialog shows it."""
        when = timestamp(alias.update_at, self.context.clock(), self.context.tz)
        return f"Now: {split_text(alias.config)} · rev {alias.revision} · {alias.updated_by or 'unknown'} · {when}"

    # --- what subclasses provide --------------------------------------------------------------

    def title_text(self) -> str:
        raise NotImplementedError

    def compose_body(self) -> ComposeResult:
        raise NotImplementedError
        yield

    def compose_buttons(self) -> ComposeResult:
        yield Button(f"{self.CONFIRM_LABEL} (enter)", variant="primary", id="confirm", compact=True)

    def proposal(self) -> P:
        """The change the fields describe; ValueError names the bad value, NotReady waits."""
        raise NotImplementedError

    def plan_for(self, proposal: P) -> Plan:
        raise NotImplementedError

    def change_for(self, proposal: P) -> str:
        """Before → after and the traffic effect, one or two lines."""
        raise NotImplementedError

    def target_alias(self) -> str | None:
        """The alias the change touches (asks for its name when protected)."""
        raise NotImplementedError

    def perform(self, repository: Repository, proposal: P, reason: str | None) -> ReleaseOutcome:
        """Write the change; runs in a worker thread, so it must not touch widgets."""
        raise NotImplementedError

    def show_state(self, state: StateLoaded) -> None:
        """Show what the backend has now (after a reload)."""

    def show_proposal(self, proposal: P) -> None:
        """Reflect a valid proposal outside the change line (the canary's histogram)."""

    def default_reason(self, proposal: P) -> str | None:
        return None

    def alias_for_state(self) -> str | None:
        """The alias whose history a reload fetches."""
        return self.target_alias()

    # --- layout ----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog release-dialog", id=f"{self.KIND}-dialog"):
            yield Label(self.title_text(), classes="dialog-title", id="release-title", markup=False)
            yield from self.compose_body()
            yield Label("", id="release-change", markup=False)
            yield Checklist(id="preflight")
            with Horizontal(classes="release-row"):
                yield Label("Reason", classes="release-label")
                yield Input(placeholder="why (recorded in the alias history)", id="release-reason", compact=True)
            with Horizontal(classes="release-row", id="protected-row"):
                yield Label("", id="protected-label", classes="release-label", markup=False)
                yield Input(id="release-confirm-name", compact=True)
            yield Label("", id="release-status", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield from self.compose_buttons()
                yield Button("Cancel (esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.proposal_changed()

    @property
    def checklist(self) -> Checklist:
        return self.query_one(Checklist)

    def field(self, id: str) -> Input:
        return self.query_one(f"#{id}", Input)

    # --- status line -----------------------------------------------------------------------------

    def show_error(self, message: str) -> None:
        self._status(message, "-error")

    def show_note(self, message: str) -> None:
        self._status(message, "-note")

    def clear_status(self) -> None:
        self._status("", "")

    def _status(self, message: str, kind: str) -> None:
        label = self.query_one("#release-status", Label)
        label.update(message)
        label.set_class(kind == "-error", "-error")
        label.set_class(kind == "-note", "-note")
        label.display = bool(message)

    # --- the proposal and its checks -------------------------------------------------------------

    def proposal_changed(self) -> None:
        """Re-read the fields: update the change line, and re-run the checks if the plan changed."""
        self._update_protected()
        change = self.query_one("#release-change", Label)
        try:
            proposal = self.proposal()
        except NotReady as waiting:
            change.display = False
            self._plan = None
            self.checklist.show_waiting(str(waiting))
            self._update_buttons(valid=True)
            return
        except ValueError as error:
            change.display = False
            self._plan = None
            self.checks = None
            if isinstance(error, Incomplete):
                self.checklist.show_waiting("nothing to check yet")
                self.show_note(str(error))
            else:
                self.checklist.show_waiting("fix the fields to run the pre-flight checks")
                self.show_error(str(error))
            self._update_buttons(valid=False)
            return
        if not self._writing:
            self.clear_status()
        change.update(self.change_for(proposal))
        change.display = True
        self.show_proposal(proposal)
        plan = self.plan_for(proposal)
        if plan != self._plan or (self.checks is None and not self._checking):
            self._start_checks(plan)
        self._update_buttons(valid=True)

    def _start_checks(self, plan: Plan) -> None:
        self._plan = plan
        self.checks = None
        self._checking = True
        self.checklist.show_running()
        self._run_checks(self.context.repository, plan)

    @work(thread=True, exclusive=True, exit_on_error=False, group="preflight")
    def _run_checks(self, repository: Repository, plan: Plan) -> None:
        worker = get_current_worker()
        checks = run_checks(repository, plan, lambda: worker.is_cancelled)
        if not worker.is_cancelled:
            self.post_message(ChecksDone(checks))

    @on(ChecksDone)
    def _checks_done(self, message: ChecksDone) -> None:
        if message.checks.plan != self._plan:
            return  # the proposal changed while these ran
        self._checking = False
        self.checks = message.checks
        self.checklist.show_checks(message.checks)
        self._update_buttons(valid=True)
        if self._confirm_pending:
            self._confirm_pending = False
            self.action_confirm()

    def _update_buttons(self, valid: bool) -> None:
        blocked = not valid or self._writing or (self.checks is not None and not self.checks.passed)
        self.query_one("#confirm", Button).disabled = blocked
        for button in self.query(".release-action"):
            button.disabled = self._writing

    def _update_protected(self) -> None:
        alias = self.target_alias()
        protected = bool(alias) and self.context.settings.is_protected(alias or "")
        row = self.query_one("#protected-row")
        row.display = protected
        if protected:
            self.query_one("#protected-label", Label).update(f"Type {alias}")
            self.field("release-confirm-name").placeholder = f"{alias} is protected: type its name to confirm"

    # --- confirming and writing ------------------------------------------------------------------

    def action_confirm(self) -> None:
        if self._writing:
            return
        try:
            proposal = self.proposal()
        except NotReady as waiting:
            self._confirm_pending = True
            self.show_note(f"{waiting} — confirms when ready")
            return
        except ValueError as error:
            self.show_error(str(error))
            return
        alias = self.target_alias()
        if alias and self.context.settings.is_protected(alias):
            typed = self.field("release-confirm-name").value.strip()
            if typed != alias:
                got = f" (typed {typed!r})" if typed else ""
                self.show_error(f"{alias} is protected: type {alias!r} to confirm{got}")
                self.field("release-confirm-name").focus()
                return
        if self.plan_for(proposal) != self._plan or (self.checks is None and not self._checking):
            self.proposal_changed()
        if self.checks is None:
            self._confirm_pending = True
            self.show_note("waiting for the pre-flight checks — confirms when they pass")
            return
        if not self.checks.passed:
            conflict = self.checks.conflict
            if conflict is not None:
                self.show_conflict(conflict)
            else:
                failure = self.checks.failures[0]
                self.show_error(f"pre-flight failed: {failure.subject}: {failure.detail}")
            return
        reason = self.field("release-reason").value.strip() or self.default_reason(proposal)
        self._writing = True
        self._update_buttons(valid=True)
        self.show_note("writing…")
        self._write(self.context.repository, proposal, reason, alias)

    @work(thread=True, exclusive=True, exit_on_error=False, group="release-write")
    def _write(self, repository: Repository, proposal: P, reason: str | None, alias: str | None) -> None:
        try:
            outcome = self.perform(repository, proposal, reason)
        except ConflictError as error:
            self.post_message(ConflictFound(conflict_from_error(repository, self.context.name, alias, error)))
            return
        self.post_message(Written(outcome))

    @on(Written)
    def _written(self, message: Written) -> None:
        self._writing = False
        self.dismiss(message.outcome)

    @on(ConflictFound)
    def _conflict_found(self, message: ConflictFound) -> None:
        self._writing = False
        conflict = message.conflict
        if self._plan is not None:
            failed = Check(conflict.subject.split(" of ")[0], False, conflict.message, conflict)
            kept = tuple(
                check
                for check in (self.checks.items if self.checks else ())
                if not check.subject.startswith(("alias ", "LATEST"))
            )
            self.checks = Checks(self._plan, (*kept, failed))
            self.checklist.show_checks(self.checks)
        self._update_buttons(valid=True)
        self.show_error("nothing was written: someone else changed it first")
        self.show_conflict(conflict)

    def show_conflict(self, conflict: Conflict) -> None:
        def answered(reload: bool | None) -> None:
            if reload:
                self.action_reload()

        self.app.push_screen(ConflictModal(conflict, clock=self.context.clock, tz=self.context.tz), answered)

    # --- reload ----------------------------------------------------------------------------------

    def action_reload(self) -> None:
        if self._writing:
            return
        self.reloaded = True
        self.show_note("reloading…")
        self.load_state()

    def load_state(self) -> None:
        self._load_state(self.context.repository, self.context.name, self.alias_for_state())

    @work(thread=True, exclusive=True, exit_on_error=False, group="release-load")
    def _load_state(self, repository: Repository, name: str, alias: str | None) -> None:
        versions = tuple(repository.list_artifact_versions(name))
        aliases = tuple(repository.list_aliases(name))
        history: tuple[AliasEvent, ...] = ()
        if alias and any(a.alias == alias for a in aliases):
            history = tuple(repository.list_alias_history(name, alias))
        self.post_message(StateLoaded(versions, aliases, history))

    @on(StateLoaded)
    def _state_loaded(self, message: StateLoaded) -> None:
        self.context = replace(self.context, versions=message.versions, aliases=message.aliases)
        self.show_state(message)
        self._plan = None  # re-check against the state just read
        self.checks = None
        self._checking = False
        self.clear_status()
        self.proposal_changed()

    # --- events ------------------------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group not in _WORKER_GROUPS or event.state is not WorkerState.ERROR:
            return
        event.stop()
        message = error_text(worker.error)
        if worker.group == "preflight":
            self._checking = False
            self._confirm_pending = False
            self.checks = None
            self.checklist.show_error(message)
        elif worker.group == "release-write":
            self._writing = False
            self._update_buttons(valid=True)
            self.show_error(f"nothing changed: {message}")
        else:
            self._confirm_pending = False
            self.show_error(f"could not load: {message}")

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "release-reason":
            return
        if event.input.id == "release-confirm-name":
            if self.query_one("#release-status", Label).has_class("-error"):
                self.clear_status()
            return
        self.fields_changed()

    def fields_changed(self) -> None:
        self.proposal_changed()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_confirm()

    @on(Button.Pressed, "#confirm")
    def _confirm_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.confirm_button()

    def confirm_button(self) -> None:
        self.action_confirm()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def action_cancel(self) -> None:
        if self._writing:
            self.show_note("writing… wait for it to finish")
            return
        self.dismiss(None)


def error_text(error: BaseException | None) -> str:
    """core's message for its own errors; the type and text for anything unexpected."""
    if isinstance(error, VrcError):
        return str(error)
    return f"{type(error).__name__}: {error}" if error else "unknown error"
