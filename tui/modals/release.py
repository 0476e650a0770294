"""What the promote, rollback and canary dialogs share: a view over one proposal (tui.release).

A dialog turns its fields into a proposal, shows the proposal's change text, runs the checks the
proposal needs in a worker whenever it changes, asks protected aliases for their name, and calls
the proposal's `apply` in a worker. A ConflictError opens the conflict dialog, which offers a
reload: the fields reset to what the dialog would propose now and the other change is shown.
The dialog dismisses only once the write succeeded; a partial write says what was written.
"""

from __future__ import annotations

import time
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
from textual.timer import Timer
from textual.widgets import Button, Input, Label
from textual.worker import Worker, WorkerState, get_current_worker

from core.errors import BackendError, ConflictError, VrcError

from ..cli.shell import command_for_proposal
from ..formatting import error_text, printable, timestamp
from ..release import ReleaseSettings, split_text
from ..release.preflight import Check, Checks, Conflict, Plan, conflict_from_error, run_checks
from ..release.proposals import (
    Incomplete,
    NothingToChange,
    NotReady,
    Outcome,
    PartialWrite,
    Proposal,
    ReleaseState,
    Rollback,
)
from ..widgets.checklist import Checklist
from .conflict import ConflictModal

if TYPE_CHECKING:
    from core.models import Alias, AliasEvent, Artifact

    from ..ports import RepositoryPort

P = TypeVar("P", bound=Proposal)


@dataclass(frozen=True)
class ReleaseContext:
    """The artifact as the main screen displayed it, and what the dialog needs to act on it."""

    repository: RepositoryPort
    name: str
    versions: tuple[Artifact, ...]
    aliases: tuple[Alias, ...]
    settings: ReleaseSettings
    clock: Callable[[], datetime]
    tz: tzinfo | None
    cli_args: tuple[str, ...] = ()
    """The repository options of the `vrc` command a dialog shows (Connection.cli_args)."""

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

    def state(self, history: tuple[AliasEvent, ...] | None = None) -> ReleaseState:
        return ReleaseState(self.name, self.versions, self.aliases, history)


ReleaseOutcome = Outcome
__all__ = ["Incomplete", "NotReady", "NothingToChange", "ReleaseContext", "ReleaseModal", "ReleaseOutcome"]


@dataclass
class ChecksDone(Message):
    checks: Checks


@dataclass
class Written(Message):
    outcome: ReleaseOutcome


@dataclass
class PartlyWritten(Message):
    outcome: ReleaseOutcome
    conflict: Conflict | None


@dataclass
class Verified(Message):
    text: str


@dataclass
class ConflictFound(Message):
    conflict: Conflict


@dataclass
class StateLoaded(Message):
    """The artifact's versions and aliases and the dialog alias's history, as the backend has them."""

    versions: tuple[Artifact, ...]
    aliases: tuple[Alias, ...]
    history: tuple[AliasEvent, ...] | None


_WORKER_GROUPS = {"preflight", "release-write", "release-load", "release-verify"}


class ReleaseModal(ModalScreen[ReleaseOutcome | None], Generic[P]):
    """Base of the release dialogs; subclasses say what they propose and how to write it."""

    KIND = "release"
    CONFIRM_LABEL = "Confirm"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="release-cancel"),
        Binding("ctrl+r", "reload", "Reload", tooltip="Re-read the alias and versions", id="release-reload"),
        Binding("ctrl+y", "copy_command", "Copy command", tooltip="Copy the equivalent vrc command", id="release-copy"),
    ]

    def __init__(self, context: ReleaseContext) -> None:
        super().__init__(classes="release-modal")
        self.context = context
        self.checks: Checks | None = None
        self.reloaded = False
        """Whether the dialog re-read the backend (the main screen should reload too)."""
        self.written: ReleaseOutcome | None = None
        """What a partial write wrote (the main screen refreshes after the dialog closes)."""
        self._plan: Plan | None = None
        self._checking = False
        self._confirm_pending = False
        self._writing = False
        self._conflict: Conflict | None = None
        self._partial: str | None = None
        self._in_flight: P | None = None
        self._write_started = 0.0
        self._ticker: Timer | None = None
        self._verifying = False
        self._verified: str | None = None
        self._shown: P | None = None
        self.command: str | None = None
        """The `vrc` command that makes the proposed change (shown, and copied by ctrl+y); None if invalid."""

    def alias_now_text(self, alias: Alias) -> str:
        """'Now: v4 90% | v6 10% · rev 3 · who · when': the alias as the dialog shows it."""
        when = timestamp(alias.update_at, self.context.clock(), self.context.tz)
        who = printable(alias.updated_by or "unknown")
        return f"Now: {split_text(alias.config)} · rev {alias.revision} · {who} · {when}"

    # --- what subclasses provide --------------------------------------------------------------

    def title_text(self) -> str:
        raise NotImplementedError

    def compose_body(self) -> ComposeResult:
        raise NotImplementedError
        yield

    def compose_buttons(self) -> ComposeResult:
        yield Button(f"{self.CONFIRM_LABEL} (enter)", variant="primary", id="confirm", compact=True)

    def proposal(self) -> P:
        """The proposal the fields describe; ValueError names the bad value, NotReady waits."""
        raise NotImplementedError

    def target_alias(self) -> str | None:
        """The alias the change touches (asks for its name when protected)."""
        raise NotImplementedError

    def show_state(self, state: StateLoaded) -> None:
        """Show what the backend has now (after a reload)."""

    def reset_fields(self) -> None:
        """After a reload: set the fields to what the dialog would propose if opened now."""

    def show_proposal(self, proposal: P) -> None:
        """Reflect a valid proposal outside the change line (the canary's histogram)."""

    def alias_for_state(self) -> str | None:
        """The alias whose history a reload fetches."""
        return self.target_alias()

    # --- layout ----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog release-dialog", id=f"{self.KIND}-dialog"):
            yield Label(self.title_text(), classes="dialog-title", id="release-title", markup=False)
            yield from self.compose_body()
            yield Label("", id="release-change", markup=False)
            yield Label("", id="release-command", markup=False)
            yield Checklist(id="preflight")
            with Horizontal(classes="release-row"):
                yield Label("Reason", classes="release-label")
                yield Input(placeholder="why (recorded in the alias history)", id="release-reason", compact=True)
            with Horizontal(classes="release-row", id="override-row"):
                yield Label("Override", classes="release-label")
                yield Input(placeholder="frozen: why change it anyway (recorded)", id="release-override", compact=True)
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
            self._show_command(None)
            self.checklist.show_waiting(str(waiting))
            self._update_buttons(valid=True)
            return
        except ValueError as error:
            change.display = False
            self._plan = None
            self.checks = None
            self._show_command(None)
            if isinstance(error, NothingToChange):
                self.checklist.show_waiting("nothing to change")
                self.show_note(str(error))
            elif isinstance(error, Incomplete):
                self.checklist.show_waiting("nothing to check yet")
                self.show_note(str(error))
            else:
                self.checklist.show_waiting("fix the fields to run the pre-flight checks")
                self.show_error(str(error))
            self._update_buttons(valid=False)
            return
        if not self._writing and self._partial is None:
            self.clear_status()
        change.update(proposal.change_text())
        change.display = True
        self._show_command(proposal)
        self._update_override()
        self.show_proposal(proposal)
        plan: Plan = proposal.checks_plan()
        if plan != self._plan or (self.checks is None and not self._checking):
            self._start_checks(plan)
        self._update_buttons(valid=True)

    def command_text(self, proposal: P) -> str:
        """The `vrc` command for `proposal` with the reason (and freeze override) typed so far."""
        reason = self.field("release-reason").value.strip() or None
        override = self.override_reason() if self._frozen_alias() is not None else None
        return command_for_proposal(proposal, reason=reason, override_freeze=override, repo=self.context.cli_args)

    # --- freeze ----------------------------------------------------------------------------------

    def override_reason(self) -> str | None:
        return self.field("release-override").value.strip() or None

    def _frozen_alias(self) -> Alias | None:
        """The target alias as last read, if it is frozen and this change is not a rollback (which may go)."""
        name = self.target_alias()
        alias = self.context.alias(name) if name else None
        if alias is None or not alias.frozen or isinstance(self._shown, Rollback):
            return None
        return alias

    def freeze_check(self) -> Check | None:
        """The checklist's freeze line: a frozen alias blocks confirm unless an override reason is entered."""
        name = self.target_alias()
        alias = self.context.alias(name) if name else None
        if alias is None or alias.frozen_until is None:
            return None
        until = timestamp(alias.frozen_until, self.context.clock(), self.context.tz)
        text = printable(f"frozen until {until} by {alias.frozen_by or 'unknown'}: {alias.frozen_reason or ''}")
        if isinstance(self._shown, Rollback):
            return Check("freeze", True, f"{text} — a rollback is allowed")
        override = self.override_reason()
        if override:
            return Check("freeze", True, f"{text} — overridden: {printable(override)}")
        return Check("freeze", False, f"{text} — enter an override reason to change it anyway")

    def _with_freeze(self, checks: Checks) -> Checks:
        freeze = self.freeze_check()
        items = tuple(item for item in checks.items if item.subject != "freeze")
        return replace(checks, items=items if freeze is None else (freeze, *items))

    def _update_override(self) -> None:
        self.query_one("#override-row").display = self._frozen_alias() is not None

    def _show_command(self, proposal: P | None) -> None:
        self._shown = proposal
        self.command = None if proposal is None else self.command_text(proposal)
        label = self.query_one("#release-command", Label)
        label.update(f"$ {printable(self.command)} · ctrl+y copies" if self.command else "")
        label.display = self.command is not None

    def action_copy_command(self) -> None:
        if self.command is None:
            self.show_note("nothing to copy: the fields do not describe a change yet")
            return
        self.app.copy_to_clipboard(self.command)
        self.notify("vrc command copied to the clipboard", timeout=3)

    def _start_checks(self, plan: Plan) -> None:
        self._plan = plan
        self.checks = None
        self._checking = True
        self.checklist.show_running()
        self._run_checks(self.context.repository, plan)

    @work(thread=True, exclusive=True, exit_on_error=False, group="preflight")
    def _run_checks(self, repository: RepositoryPort, plan: Plan) -> None:
        worker = get_current_worker()
        checks = run_checks(repository, plan, lambda: worker.is_cancelled)
        if not worker.is_cancelled:
            self.post_message(ChecksDone(checks))

    @on(ChecksDone)
    def _checks_done(self, message: ChecksDone) -> None:
        if message.checks.plan != self._plan:
            return  # the proposal changed while these ran
        self._checking = False
        self.checks = self._with_freeze(message.checks)
        self.checklist.show_checks(self.checks)
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
            self.query_one("#protected-label", Label).update("Protected")
            self.field("release-confirm-name").placeholder = f"type {alias} to confirm"

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
        if proposal.checks_plan() != self._plan or (self.checks is None and not self._checking):
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
        reason = self.field("release-reason").value.strip() or proposal.default_reason()
        self._writing = True
        self._update_buttons(valid=True)
        self._in_flight = proposal
        self._write_started = time.monotonic()
        self._verified = None
        self._tick()
        self._ticker = self.set_interval(1.0, self._tick)
        override = self.override_reason() if self._frozen_alias() is not None else None
        self._write(self.context.repository, proposal, reason, alias, override)

    def _tick(self) -> None:
        """The pending write, with its elapsed seconds; esc stops waiting for it."""
        if not self._writing or self._verifying:
            return
        elapsed = int(time.monotonic() - self._write_started)
        self.show_note(f"writing… {elapsed}s · esc stops waiting")

    def _stop_ticker(self) -> None:
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None

    @work(thread=True, exclusive=True, exit_on_error=False, group="release-write")
    def _write(
        self,
        repository: RepositoryPort,
        proposal: P,
        reason: str | None,
        alias: str | None,
        override: str | None = None,
    ) -> None:
        try:
            outcome: ReleaseOutcome = proposal.apply(repository, reason, override)
        except ConflictError as error:
            self.post_message(ConflictFound(conflict_from_error(repository, self.context.name, alias, error)))
            return
        except PartialWrite as partial:
            conflict = None
            if isinstance(partial.error, ConflictError):
                conflict = conflict_from_error(repository, self.context.name, alias, partial.error)
            self.post_message(PartlyWritten(partial.outcome, conflict))
            return
        self.post_message(Written(outcome))

    @on(Written)
    def _written(self, message: Written) -> None:
        self._stop_ticker()
        if self._verifying or self._verified is not None:
            # The operator stopped waiting; the late answer confirms it, esc still closes.
            self.written = message.outcome
            return
        self._writing = False
        self.dismiss(message.outcome)

    @work(thread=True, exclusive=True, exit_on_error=False, group="release-verify")
    def _verify(self, repository: RepositoryPort, proposal: P) -> None:
        self.post_message(Verified(proposal.verify(repository)))

    @on(Verified)
    def _verified_outcome(self, message: Verified) -> None:
        """The definite outcome of a write the operator stopped waiting for."""
        self._writing = False
        self._verifying = False
        self._stop_ticker()
        self._verified = message.text
        written = message.text.startswith(("written", "published"))
        if written and self.written is None:
            self.written = Outcome(self.context.name, "Verified", f"{self.context.name}: {message.text}", exact=False)
            self.reloaded = True
        self._update_buttons(valid=True)
        text = f"outcome: {message.text} · esc closes"
        if written:
            self.show_note(text)
        else:
            self.show_error(text)

    @on(PartlyWritten)
    def _partly_written(self, message: PartlyWritten) -> None:
        """Part of the change is written: say exactly what, and re-read so a confirm cannot repeat it."""
        self._writing = False
        self._stop_ticker()
        self.written = message.outcome
        self._partial = message.outcome.summary
        self.show_error(self._partial)
        self._conflict = message.conflict
        self.reloaded = True
        self.load_state()
        if message.conflict is not None:
            self.show_conflict(message.conflict)

    @on(ConflictFound)
    def _conflict_found(self, message: ConflictFound) -> None:
        self._writing = False
        self._stop_ticker()
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
        self._conflict = conflict
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

    def load_state(self, *, history_only: bool = False) -> None:
        """Re-read versions, aliases and the alias's history; `history_only` keeps the displayed rest."""
        self._load_state(self.context.repository, self.context.name, self.alias_for_state(), history_only)

    @work(thread=True, exclusive=True, exit_on_error=False, group="release-load")
    def _load_state(self, repository: RepositoryPort, name: str, alias: str | None, history_only: bool) -> None:
        if history_only:
            history = tuple(repository.list_alias_history(name, alias)) if alias else ()
            self.post_message(StateLoaded(self.context.versions, self.context.aliases, history))
            return
        versions = tuple(repository.list_artifact_versions(name))
        aliases = tuple(repository.list_aliases(name))
        found: tuple[AliasEvent, ...] | None = None
        if alias and self.wants_history():
            found = tuple(repository.list_alias_history(name, alias))
        self.post_message(StateLoaded(versions, aliases, found))

    def wants_history(self) -> bool:
        """Whether the proposal needs the alias's history (the rollback's does)."""
        return False

    @on(StateLoaded)
    def _state_loaded(self, message: StateLoaded) -> None:
        first = not self.reloaded
        self.context = replace(self.context, versions=message.versions, aliases=message.aliases)
        self.show_state(message)
        if not first:
            self.reset_fields()
        self._plan = None  # re-check against the state just read
        self.checks = None
        self._checking = False
        self.clear_status()
        self.proposal_changed()
        if self._partial is not None:
            self.show_error(self._partial)
        elif self._conflict is not None and not first:
            other = self._conflict
            who = other.actor or "someone"
            what = other.change or other.message
            when = f" {timestamp(other.when, self.context.clock(), self.context.tz)}" if other.when else ""
            self.show_note(f"reloaded: {who}{when} changed it: {what}; the fields now start from the current state")
        self._conflict = None

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
            self._stop_ticker()
            if self._verifying or self._verified is not None:
                return  # the operator stopped waiting; the verification reports the outcome
            self._writing = False
            self._update_buttons(valid=True)
            if isinstance(worker.error, VrcError) and not isinstance(worker.error, BackendError):
                self.show_error(f"nothing changed: {message}")  # refused by the backend: nothing landed
            else:
                self._start_verify(f"outcome unknown ({message}) — verifying…")
        elif worker.group == "release-verify":
            self._verifying = False
            self._writing = False
            self._update_buttons(valid=True)
            self.show_error(f"outcome unknown: could not verify ({message}); check the alias history")
        else:
            self._confirm_pending = False
            self.show_error(f"could not load: {message}")

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "release-reason":
            if self._shown is not None:
                self._show_command(self._shown)
            return
        if event.input.id == "release-override":
            if self._shown is not None:
                self._show_command(self._shown)
            if self.checks is not None:
                self.checks = self._with_freeze(self.checks)
                self.checklist.show_checks(self.checks)
                self._update_buttons(valid=True)
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
            if not self._verifying:
                self._start_verify("outcome unknown — verifying…")
            return
        self.dismiss(None)

    def _start_verify(self, note: str) -> None:
        """Stop waiting for the write: re-read what it would change and report the definite outcome."""
        self._verifying = True
        self._writing = True
        self.show_note(note)
        self._verify(self.context.repository, self._in_flight)
