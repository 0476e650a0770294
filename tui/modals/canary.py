"""Canary: split an alias between a stable and a canary version, raise the weight, promote, abort.

The embedded histogram replays the proposed split live, before anything is applied.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.events import DescendantFocus
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label

from ..release.proposals import CanaryMode, CanaryStep, plan_canary
from ..widgets.histogram import TrafficHistogram
from .release import ReleaseContext, ReleaseModal, StateLoaded

if TYPE_CHECKING:
    from core.models import Alias

PRESETS = (1, 5, 10, 25, 50)
# One line under the fields; it follows the focus so the histogram's keys are found once it has focus.
WEIGHT_HINT = "weight +/- </> [/] · ^g promote · ^n abort · tab histogram · ? keys · ^r reload"
HISTOGRAM_HINT = "histogram: p pause · r reset · f faster · s slower · shift+tab weight · ? keys"
DEFAULT_WEIGHT = 10
Mode = CanaryMode


def step_weight(value: int, delta: int) -> int:
    return max(0, min(99, value + delta))


def next_preset(value: int, direction: int) -> int:
    """The nearest preset above (direction 1) or below (-1) `value`; stays put at the ends."""
    if direction > 0:
        return next((preset for preset in PRESETS if preset > value), value)
    return next((preset for preset in reversed(PRESETS) if preset < value), value)


class WeightInput(Input):
    """The canary's percent: type 0–99, or step with + - (1), < > (5) and [ ] (presets)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("plus,equals_sign,up", "step(1)", "+1%", show=False, priority=True, id="weight-up"),
        Binding("minus,down", "step(-1)", "-1%", show=False, priority=True, id="weight-down"),
        Binding("greater_than_sign,pageup", "step(5)", "+5%", show=False, priority=True, id="weight-up-5"),
        Binding("less_than_sign,pagedown", "step(-5)", "-5%", show=False, priority=True, id="weight-down-5"),
        Binding("right_square_bracket", "preset(1)", "Next preset", show=False, priority=True, id="weight-next-preset"),
        Binding(
            "left_square_bracket",
            "preset(-1)",
            "Previous preset",
            show=False,
            priority=True,
            id="weight-previous-preset",
        ),
        # The field takes digits only, so `?` is free: it opens the key list (dialog and histogram keys).
        Binding(
            "question_mark", "app.help", "Keys", tooltip="Show every key", show=False, priority=True, id="weight-help"
        ),
    ]

    def __init__(self, value: str, *, id: str | None = None) -> None:
        super().__init__(value, restrict=r"[0-9]{0,3}", id=id, compact=True)

    @property
    def number(self) -> int:
        return int(self.value) if self.value.isdigit() else 0

    def set_number(self, number: int) -> None:
        self.value = str(number)
        self.cursor_position = len(self.value)

    def action_step(self, delta: int) -> None:
        self.set_number(step_weight(self.number, delta))

    def action_preset(self, direction: int) -> None:
        self.set_number(next_preset(self.number, direction))


class PresetButton(Button, can_focus=False):
    """A weight preset; the keyboard reaches presets with [ and ] in the weight field."""


class CanaryModal(ReleaseModal[CanaryStep]):
    """Pre-filled with the alias's split (or its stable version and the newest other version)."""

    KIND = "canary"
    CONFIRM_LABEL = "Apply"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+g", "promote_canary", "Promote canary", tooltip="Send all traffic to the canary", id="canary-promote"
        ),
        Binding("ctrl+n", "abort_canary", "Abort canary", tooltip="Drop the canary: back to stable", id="canary-abort"),
    ]

    def __init__(self, context: ReleaseContext, alias: Alias) -> None:
        super().__init__(context)
        self.alias = alias
        self.mode: Mode = "apply"

    def title_text(self) -> str:
        return f"Canary {self.alias.alias} · {self.context.name}"

    def _defaults(self) -> tuple[str, str, str]:
        alias = self.alias
        if alias.secondary_version is not None:
            weight = alias.secondary_version_weight or DEFAULT_WEIGHT
            return alias.version, alias.secondary_version, str(weight)
        candidate = next((a.version for a in self.context.published if a.version != alias.version), "")
        return alias.version, candidate, str(DEFAULT_WEIGHT)

    def compose_body(self) -> ComposeResult:
        stable, canary, weight = self._defaults()
        versions = SuggestFromList([a.version for a in self.context.versions])
        yield Label(self._now_text(), id="canary-now", classes="release-now", markup=False)
        with Horizontal(classes="release-row"):
            yield Label("Stable", classes="release-label")
            yield Input(
                stable, id="canary-stable", compact=True, restrict=r"[0-9A-Za-z]*", max_length=8, suggester=versions
            )
            yield Label("Canary", classes="release-label")
            yield Input(
                canary, id="canary-version", compact=True, restrict=r"[0-9A-Za-z]*", max_length=8, suggester=versions
            )
            yield Label("Weight", classes="release-label")
            yield WeightInput(weight, id="canary-weight")
            yield Label("%", id="canary-percent")
            for preset in PRESETS:
                yield PresetButton(f"{preset}%", id=f"preset-{preset}", classes="preset", compact=True)
        yield Label(WEIGHT_HINT, id="canary-hint", classes="dialog-hint release-hint", markup=False)
        settings = self.context.settings
        yield TrafficHistogram(
            self.alias,
            rate=settings.replay_rate,
            seed=settings.replay_seed,
            paused=settings.replay_paused,
            id="canary-histogram",
        )

    def compose_buttons(self) -> ComposeResult:
        yield from super().compose_buttons()
        yield Button("Promote (^g)", id="promote-canary", classes="release-action", compact=True)
        yield Button("Abort (^n)", id="abort-canary", classes="release-action", compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(WeightInput).focus()

    @on(DescendantFocus)
    def _focus_moved(self, event: DescendantFocus) -> None:
        hint = HISTOGRAM_HINT if isinstance(event.widget, TrafficHistogram) else WEIGHT_HINT
        self.query_one("#canary-hint", Label).update(hint)

    @property
    def histogram(self) -> TrafficHistogram:
        return self.query_one(TrafficHistogram)

    def _now_text(self) -> str:
        return self.alias_now_text(self.alias)

    # --- modes -----------------------------------------------------------------------------------

    def fields_changed(self) -> None:
        self._set_mode("apply")
        super().fields_changed()

    def _set_mode(self, mode: Mode) -> None:
        """What enter confirms; the confirm button names it (after ^g enter promotes, after ^n it aborts)."""
        self.mode = mode
        if mode == "promote":
            canary = self.field("canary-version").value.strip() or self.alias.secondary_version or "the canary"
            label = f"Promote v{canary} to 100%" if canary.isdigit() else f"Promote {canary} to 100%"
        elif mode == "abort":
            label = "Abort canary"
        else:
            label = self.CONFIRM_LABEL
        self.query_one("#confirm", Button).label = f"{label} (enter)"

    def _confirm_mode(self, mode: Mode) -> None:
        self._set_mode(mode)
        self.proposal_changed()
        self.action_confirm()

    def action_promote_canary(self) -> None:
        self._confirm_mode("promote")

    def action_abort_canary(self) -> None:
        self._confirm_mode("abort")

    def confirm_button(self) -> None:
        self._confirm_mode(self.mode)  # the button names the current mode

    @on(Button.Pressed, "#promote-canary")
    def _promote_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_promote_canary()

    @on(Button.Pressed, "#abort-canary")
    def _abort_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_abort_canary()

    @on(Button.Pressed, ".preset")
    def _preset_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        weight = self.query_one(WeightInput)
        weight.set_number(int(str(event.button.label).rstrip("%")))
        weight.focus()

    # --- the proposal ----------------------------------------------------------------------------

    def target_alias(self) -> str | None:
        return self.alias.alias

    def proposal(self) -> CanaryStep:
        return plan_canary(
            self.context.state(),
            self.alias.alias,
            self.mode,
            stable=self.field("canary-stable").value,
            canary=self.field("canary-version").value,
            weight=self.field("canary-weight").value,
        )

    def show_proposal(self, proposal: CanaryStep) -> None:
        self.histogram.set_config(proposal.after)

    def show_state(self, state: StateLoaded) -> None:
        current = next((a for a in state.aliases if a.alias == self.alias.alias), None)
        if current is not None:
            self.alias = current
        self.query_one("#canary-now", Label).update(self._now_text())

    def reset_fields(self) -> None:
        stable, canary, weight = self._defaults()
        with self.prevent(Input.Changed):
            self.field("canary-stable").value = stable
            self.field("canary-version").value = canary
            self.field("canary-weight").value = weight
        self._set_mode("apply")
