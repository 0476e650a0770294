"""Promote: publish LATEST as a new immutable version, point an alias at a version, or both."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.suggester import SuggestFromList
from textual.widgets import Checkbox, Input, Label

from core.errors import ConflictError
from core.layout import encode_version, validate_alias
from core.models import AliasConfig

from ..formatting import human_size, timestamp
from ..preflight import Plan
from ..release import change_text, split_text
from .release import Incomplete, ReleaseContext, ReleaseModal, ReleaseOutcome, StateLoaded

if TYPE_CHECKING:
    from core import Repository


@dataclass(frozen=True)
class Promotion:
    """Publish LATEST (with the sha256 shown), then point `alias` at the new version or `version`."""

    publish: bool
    alias: str | None
    version: str | None
    before: AliasConfig | None
    expected_revision: int | None
    latest_sha256: str | None


class PromoteModal(ReleaseModal[Promotion]):
    """Pre-filled from the main screen's selection; every field can be changed."""

    KIND = "promote"
    CONFIRM_LABEL = "Promote"

    def __init__(self, context: ReleaseContext, *, alias: str = "", version: str = "", publish: bool = False) -> None:
        super().__init__(context)
        self._alias = alias
        self._version = version
        self._publish = publish and context.latest is not None

    def title_text(self) -> str:
        return f"Promote · {self.context.name}"

    def compose_body(self) -> ComposeResult:
        yield Checkbox(
            self._publish_label(),
            self._publish,
            id="promote-publish",
            compact=True,
            disabled=self.context.latest is None,
        )
        with Horizontal(classes="release-row"):
            yield Label("Alias", classes="release-label")
            yield Input(
                self._alias,
                placeholder="e.g. production",
                id="promote-alias",
                compact=True,
                suggester=SuggestFromList([a.alias for a in self.context.aliases]),
            )
            yield Label("Version", classes="release-label")
            yield Input(
                self._version,
                placeholder="e.g. 4 or LATEST",
                id="promote-version",
                compact=True,
                restrict=r"[0-9A-Za-z]*",
                max_length=8,
                suggester=SuggestFromList([a.version for a in self.context.versions]),
            )
        yield Label("", id="promote-now", classes="release-now", markup=False)

    def on_mount(self) -> None:
        self._sync_version_field()
        super().on_mount()
        focus = "#promote-version" if self._alias and not self._publish else "#promote-alias"
        self.query_one(focus, Input).focus()

    # --- what LATEST would publish ---------------------------------------------------------------

    def _unchanged_version(self) -> str | None:
        """The published version LATEST is identical to, if the newest one is."""
        latest, published = self.context.latest, self.context.published
        if latest is not None and published and published[0].sha256 == latest.sha256:
            return published[0].version
        return None

    def _publish_label(self) -> str:
        latest = self.context.latest
        if latest is None:
            return f"Publish LATEST — {self.context.name} has no LATEST"
        same = self._unchanged_version()
        if same is not None:
            return f"Publish LATEST — identical to version {same}: publishing changes nothing"
        return f"Publish LATEST as a new version — sha256 {latest.sha256[:12]} · {human_size(latest.size)}"

    def _sync_version_field(self) -> None:
        publishing = self.query_one("#promote-publish", Checkbox).value
        version = self.field("promote-version")
        version.disabled = publishing
        if publishing:
            version.placeholder = "the published one"

    @on(Checkbox.Changed, "#promote-publish")
    def _publish_toggled(self, event: Checkbox.Changed) -> None:
        event.stop()
        self._sync_version_field()
        self.fields_changed()

    # --- the proposal ----------------------------------------------------------------------------

    def target_alias(self) -> str | None:
        return self.field("promote-alias").value.strip() or None

    def proposal(self) -> Promotion:
        context = self.context
        publish = self.query_one("#promote-publish", Checkbox).value
        alias = self.target_alias()
        if alias is not None:
            validate_alias(alias)
        current = context.alias(alias) if alias else None
        self._show_now(alias)
        latest = context.latest
        if publish:
            if latest is None:
                raise ValueError(f"{context.name} has no LATEST to publish; upload one first")
            return Promotion(
                publish=True,
                alias=alias,
                version=None,
                before=current.config if current else None,
                expected_revision=current.revision if current else None,
                latest_sha256=latest.sha256,
            )
        if alias is None:
            raise Incomplete("enter the alias to point at a version, or tick 'Publish LATEST'")
        text = self.field("promote-version").value.strip()
        if not text:
            raise Incomplete(f"enter the version {alias} should point at")
        version = encode_version(text)
        if context.version(version) is None:
            listed = ", ".join(a.version for a in context.published[:8]) or "none"
            raise ValueError(f"version {text!r} of {context.name} does not exist or is deleted (published: {listed})")
        after = AliasConfig(version=version)
        if current is not None and current.config == after:
            raise Incomplete(f"{alias} already points at {split_text(after)}: nothing to change")
        return Promotion(
            publish=False,
            alias=alias,
            version=version,
            before=current.config if current else None,
            expected_revision=current.revision if current else None,
            latest_sha256=None,
        )

    def _show_now(self, alias: str | None) -> None:
        label = self.query_one("#promote-now", Label)
        current = self.context.alias(alias) if alias else None
        if alias is None:
            label.update("No alias: publish only.")
        elif current is None:
            label.update(f"{alias} does not exist yet: promoting creates it.")
        else:
            when = timestamp(current.update_at, self.context.clock(), self.context.tz)
            label.update(
                f"{alias} now: {split_text(current.config)} · rev {current.revision} · "
                f"{current.updated_by or 'unknown'} · {when}"
            )

    def plan_for(self, proposal: Promotion) -> Plan:
        return Plan(
            name=self.context.name,
            versions=() if proposal.publish else (proposal.version or "",),
            alias=proposal.alias,
            expected_revision=proposal.expected_revision,
            latest_sha256=proposal.latest_sha256,
        )

    def change_for(self, proposal: Promotion) -> str:
        lines = []
        if proposal.publish:
            same = self._unchanged_version()
            sha = (proposal.latest_sha256 or "")[:12]
            lines.append(
                f"Publish: LATEST is already version {same}; no new version"
                if same
                else f"Publish: LATEST (sha256 {sha}) becomes the next version"
            )
        if proposal.alias is not None:
            if proposal.publish:
                target = self._unchanged_version() or "new"
                after_text = f"v{target} 100%" if target != "new" else "the new version 100%"
                lines.append(f"{proposal.alias}: {split_text(proposal.before)} → {after_text}")
            else:
                after = AliasConfig(version=proposal.version or "")
                lines.append(f"{proposal.alias}: {change_text(proposal.before, after)}")
        return "\n".join(lines)

    def perform(self, repository: Repository, proposal: Promotion, reason: str | None) -> ReleaseOutcome:
        name = self.context.name
        parts = []
        version = proposal.version
        if proposal.publish:
            published = repository.publish_artifact_version(name, expected_sha256=proposal.latest_sha256)
            version = published.version
            parts.append(f"published version {version} (sha256 {published.sha256[:12]})")
        if proposal.alias is not None:
            try:
                alias = repository.put_alias(
                    name,
                    proposal.alias,
                    version,
                    expected_revision=proposal.expected_revision or 0,
                    reason=reason,
                )
            except ConflictError as error:
                if not parts:
                    raise
                raise ConflictError(
                    f"{parts[0]}, but {proposal.alias} was not moved: {error}",
                    actor=error.actor,
                    when=error.when,
                    current_revision=error.current_revision,
                ) from error
            parts.append(f"{alias.alias} → {split_text(alias.config)} (revision {alias.revision})")
        return ReleaseOutcome(name=name, title="Promoted", summary=f"{name}: " + "; ".join(parts))

    def show_state(self, state: StateLoaded) -> None:
        self.query_one("#promote-publish", Checkbox).label = self._publish_label()
