"""Promote: publish LATEST as a new immutable version, point an alias at a version, or both."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.suggester import SuggestFromList
from textual.widgets import Checkbox, Input, Label

from core.layout import validate_alias

from ..formatting import human_size, timestamp
from ..release import split_text
from ..release.proposals import Move, Publish, plan_promote
from .release import ReleaseContext, ReleaseModal, StateLoaded


class PromoteModal(ReleaseModal[Publish | Move]):
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
                placeholder=self._alias_hint(),
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

    def _alias_hint(self) -> str:
        """The alias field's placeholder: the aliases that exist (tab completes), or an example."""
        names = [alias.alias for alias in self.context.aliases]
        return f"choose: {', '.join(names)}" if names else "e.g. production"

    def on_mount(self) -> None:
        self._sync_version_field()
        super().on_mount()
        focus = "#promote-version" if self._alias and not self._publish else "#promote-alias"
        self.query_one(focus, Input).focus()

    # --- what LATEST would publish ---------------------------------------------------------------

    def _unchanged_version(self) -> str | None:
        return self.context.state().unchanged_version()

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

    def proposal(self) -> Publish | Move:
        alias = self.target_alias()
        if alias is not None:
            validate_alias(alias)
        self._show_now(alias)
        return plan_promote(
            self.context.state(),
            publish=self.query_one("#promote-publish", Checkbox).value,
            alias=alias,
            version=self.field("promote-version").value,
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

    def show_state(self, state: StateLoaded) -> None:
        self.query_one("#promote-publish", Checkbox).label = self._publish_label()

    def reset_fields(self) -> None:
        publish = self.query_one("#promote-publish", Checkbox)
        publish.disabled = self.context.latest is None
        with self.prevent(Checkbox.Changed, Input.Changed):
            publish.value = self._publish
            self.field("promote-alias").value = self._alias
            self.field("promote-version").value = self._version
        self._sync_version_field()
