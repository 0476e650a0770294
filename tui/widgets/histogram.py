"""Live replay of an alias's traffic split: draws requests and shows where they went."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime
from time import monotonic, sleep
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.worker import Worker, WorkerState, get_current_worker

from core.errors import InvalidWeightError
from core.layout import encode_version, validate_weight

from ..release import version_label

if TYPE_CHECKING:
    from core.models import Alias, AliasConfig

RATES = (1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000)
"""Draws per second that the faster/slower actions step through."""

TICK_SECONDS = 1 / 30
"""How often the worker draws a batch and reports counts: 30 frames/s, smooth at half the CPU of 60."""

UNTHROTTLED_BATCH = 20_000
"""Draws per batch when the rate is None (as fast as possible)."""

_EIGHTHS = " ▏▎▍▌▋▊▉"


def proposed_alias(
    name: str,
    alias: str,
    version: int | str,
    secondary_version: int | str | None = None,
    weight: int | None = None,
) -> Alias:
    """An in-memory Alias for a configuration not applied yet, with fake S3 URIs keyed by version.

    `weight` is the secondary version's percent (0..99), as in Repository.put_alias.
    """
    from core.models import Alias  # pydantic: not before the first frame

    primary = encode_version(version)
    secondary = secondary_uri = None
    if secondary_version is not None:
        secondary = encode_version(secondary_version)
        secondary_uri = _proposed_uri(name, secondary)
        weight = validate_weight(weight)
    elif weight:
        raise InvalidWeightError(f"secondary_version_weight {weight!r} given without a secondary version")
    return Alias(
        name=name,
        alias=alias,
        update_at=datetime.now(UTC),
        version=primary,
        secondary_version=secondary,
        secondary_version_weight=weight if secondary else None,
        version_s3uri=_proposed_uri(name, primary),
        secondary_version_s3uri=secondary_uri,
    )


def _proposed_uri(name: str, version: str) -> str:
    return f"s3://proposed/{name}/{version}"


class SplitCounts(NamedTuple):
    """How many draws reached the primary and the secondary version."""

    primary: int = 0
    secondary: int = 0

    @property
    def total(self) -> int:
        return self.primary + self.secondary


class SplitSampler:
    """Draws requests through `alias.random_artifact(rng)` and counts the versions they reach.

    Not thread-safe: callers serialise `draw`. With a seeded `rng`, the counts after n draws are
    exactly those of calling `alias.random_artifact(rng)` n times.
    """

    def __init__(self, alias: Alias, rng: random.Random, max_draws: int | None = None) -> None:
        from core.models import Alias

        self.alias = alias
        self.rng = rng
        self.max_draws = max_draws
        self.primary = 0
        self.secondary = 0
        exact = type(rng) is random.Random and type(alias).random_artifact is Alias.random_artifact
        self._draw_secondary = self._draw_fast if exact else self._draw_through_alias

    @property
    def counts(self) -> SplitCounts:
        return SplitCounts(self.primary, self.secondary)

    @property
    def exhausted(self) -> bool:
        return self.max_draws is not None and self.primary + self.secondary >= self.max_draws

    def draw(self, n: int) -> int:
        """Draw up to `n` requests (fewer once max_draws is reached); return how many were drawn."""
        if self.max_draws is not None:
            n = min(n, self.max_draws - self.primary - self.secondary)
        if n <= 0:
            return 0
        secondary = self._draw_secondary(n)
        self.secondary += secondary
        self.primary += n - secondary
        return n

    def _draw_through_alias(self, n: int) -> int:
        pick, rng, primary_uri = self.alias.random_artifact, self.rng, self.alias.version_s3uri
        return sum(1 for _ in range(n) if pick(rng) != primary_uri)

    def _draw_fast(self, n: int) -> int:
        # Alias.random_artifact routes draw = rng.randint(1, 100) by core's Alias.routes_to_primary.
        # CPython's randint(1, 100) is 1 + getrandbits(7), redrawn while >= 100: the same bits
        # decide here through core's rule tabulated once, so the counts (and the rng's state)
        # match draw for draw, ~10x faster.
        alias = self.alias
        single = alias.secondary_version_s3uri in (None, alias.version_s3uri)
        to_secondary = [not single and not alias.routes_to_primary(bits + 1) for bits in range(100)]
        getrandbits = self.rng.getrandbits
        secondary = 0
        for _ in range(n):
            bits = getrandbits(7)
            while bits >= 100:
                bits = getrandbits(7)
            if to_secondary[bits]:
                secondary += 1
        return secondary


class _ReplayTick(Message, bubble=False):
    """Counts so far, posted by the replay worker; queued ticks of one replay merge."""

    def __init__(self, generation: int, counts: SplitCounts) -> None:
        super().__init__()
        self.generation = generation
        self.counts = counts

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, _ReplayTick) and message.generation == self.generation


class TrafficHistogram(Widget, can_focus=True):
    """Replays an alias's traffic split live: a bar, count and observed vs configured % per version."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "traffic-histogram--primary",
        "traffic-histogram--secondary",
        "traffic-histogram--track",
        "traffic-histogram--label",
        "traffic-histogram--status",
    }
    """
    | Class | Description |
    | :- | :- |
    | `traffic-histogram--primary` | Colour of the primary version's bar. |
    | `traffic-histogram--secondary` | Colour of the secondary (canary) version's bar. |
    | `traffic-histogram--track` | The unfilled bar and its configured-% marker. |
    | `traffic-histogram--label` | Version labels. |
    | `traffic-histogram--status` | The draws / rate / state line. |
    """

    DEFAULT_CSS = """
    TrafficHistogram {
        height: auto;
        padding: 0 1;
        &:focus { background-tint: $foreground 5%; }
        & > .traffic-histogram--primary { color: $primary; }
        & > .traffic-histogram--secondary { color: $accent; }
        & > .traffic-histogram--track { color: $text-muted; background: $boost; }
        & > .traffic-histogram--label { text-style: bold; }
        & > .traffic-histogram--status { color: $text-muted; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "toggle_pause", "Pause/resume", id="histogram.toggle_pause"),
        Binding("r", "reset", "Reset counts", id="histogram.reset"),
        Binding("f", "faster", "Faster", id="histogram.faster"),
        Binding("s", "slower", "Slower", id="histogram.slower"),
    ]

    class Completed(Message):
        """Posted when the replay has drawn max_draws requests."""

        def __init__(self, histogram: TrafficHistogram, counts: SplitCounts) -> None:
            super().__init__()
            self.histogram = histogram
            self.counts = counts

        @property
        def control(self) -> TrafficHistogram:
            return self.histogram

    counts: reactive[SplitCounts] = reactive(SplitCounts)
    """Draws shown so far; set by the widget only."""
    paused: reactive[bool] = reactive(False)
    """Whether the replay is paused; setting it pauses or resumes."""
    rate: reactive[int | None] = reactive[int | None](20_000)
    """Draws per second; None draws as fast as the worker can."""

    def __init__(
        self,
        alias: Alias | None = None,
        *,
        rate: int | None = 20_000,
        seed: int | None = None,
        max_draws: int | None = None,
        paused: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """A histogram replaying `alias` (None shows nothing until set_config).

        `seed` makes the draws reproducible; `max_draws` stops the replay after that many.
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        if max_draws is not None and max_draws < 0:
            raise ValueError(f"max_draws must be >= 0 or None, got {max_draws!r}")
        self.seed = seed
        self.max_draws = max_draws
        self._alias = alias
        self._lock = threading.Lock()
        self._draw_allowed = threading.Event()
        self._draw_rate = self.validate_rate(rate)
        self._generation = 0
        self._sampler = self._new_sampler(alias)
        self._worker: Worker[None] | None = None
        self._error: str | None = None
        self.set_reactive(TrafficHistogram.rate, self._draw_rate)
        self.set_reactive(TrafficHistogram.paused, paused)

    @property
    def alias(self) -> Alias | None:
        return self._alias

    @property
    def finished(self) -> bool:
        """Whether max_draws requests have been drawn."""
        return self.max_draws is not None and self.counts.total >= self.max_draws

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False

    def reset(self) -> None:
        """Zero the counts and replay again from the start (same seed, same draws)."""
        self._restart(self._alias)

    def set_config(self, config: Alias | AliasConfig | None) -> None:
        """Replay another configuration from zero; an unchanged one keeps its counts.

        An AliasConfig is replayed through proposed_alias under the current alias's names.
        """
        from core.models import AliasConfig

        if isinstance(config, AliasConfig):
            name, alias = (self._alias.name, self._alias.alias) if self._alias else ("-", "-")
            config = proposed_alias(
                name,
                alias,
                config.version,
                config.secondary_version,
                config.secondary_version_weight,
            )
        if _same_split(config, self._alias):
            return
        self._restart(config)

    def draw(self, n: int) -> SplitCounts:
        """Draw `n` requests now on the UI thread (capped by max_draws) and show them."""
        if self._sampler is not None:
            with self._lock:
                self._sampler.draw(n)
                self.counts = self._sampler.counts
        return self.counts

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused

    def action_reset(self) -> None:
        self.reset()

    def action_faster(self) -> None:
        if self.rate is not None:
            self.rate = next((rate for rate in RATES if rate > self.rate), self.rate)

    def action_slower(self) -> None:
        if self.rate is None:
            self.rate = RATES[-1]
        else:
            self.rate = next((rate for rate in reversed(RATES) if rate < self.rate), self.rate)

    def validate_rate(self, rate: int | None) -> int | None:
        if rate is not None and rate < 1:
            raise ValueError(f"rate must be >= 1 draw per second or None, got {rate!r}")
        return rate

    def watch_rate(self, rate: int | None) -> None:
        self._draw_rate = rate

    def watch_paused(self, paused: bool) -> None:
        if paused:
            with self._lock:
                self._draw_allowed.clear()
                if self._sampler is not None:
                    self.counts = self._sampler.counts
        elif self.is_mounted:  # else on_mount starts it
            self._start_replay()

    def watch_counts(self, counts: SplitCounts) -> None:
        if self.max_draws is not None and counts.total == self.max_draws:
            self.post_message(self.Completed(self, counts))

    def on_mount(self) -> None:
        if not self.paused:
            self._start_replay()

    def _new_sampler(self, alias: Alias | None) -> SplitSampler | None:
        if alias is None:
            return None
        return SplitSampler(alias, random.Random(self.seed), self.max_draws)

    def _restart(self, alias: Alias | None) -> None:
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None
        with self._lock:
            self._generation += 1
            self._alias = alias
            self._sampler = self._new_sampler(alias)
        self._error = None
        self.counts = SplitCounts()
        self.refresh(layout=True)
        if not self.paused and self.is_mounted:
            self._start_replay()

    def _start_replay(self) -> None:
        self._draw_allowed.set()
        if self._sampler is None or self._sampler.exhausted:
            return
        if self._worker is None or self._worker.is_finished:
            self._worker = self._replay(self._sampler, self._generation)

    @work(thread=True, exclusive=True, exit_on_error=False, group="histogram")
    def _replay(self, sampler: SplitSampler, generation: int) -> None:
        """Draw at the chosen rate in batches, posting the counts after each (merged if queued)."""
        worker = get_current_worker()
        rate = self._draw_rate
        started, drawn = monotonic(), 0
        while not worker.is_cancelled:
            if not self._draw_allowed.wait(TICK_SECONDS) or rate != self._draw_rate:
                rate = self._draw_rate
                started, drawn = monotonic(), 0
                continue
            if rate is None:
                batch = UNTHROTTLED_BATCH
            else:
                batch = int((monotonic() - started) * rate) - drawn
                if batch > rate:  # more than a second behind: drop the backlog
                    started, drawn, batch = monotonic(), 0, 0
            if batch > 0:
                with self._lock:
                    if not self._draw_allowed.is_set() or worker.is_cancelled:
                        continue
                    drawn += sampler.draw(batch)
                    counts = sampler.counts
                self.post_message(_ReplayTick(generation, counts))
                if sampler.exhausted:
                    return
            if rate is not None:
                sleep(TICK_SECONDS - (monotonic() - started) % TICK_SECONDS)

    @on(_ReplayTick)
    def _show_tick(self, tick: _ReplayTick) -> None:
        if tick.generation == self._generation and tick.counts.total > self.counts.total:
            self.counts = tick.counts

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is self._worker and event.state == WorkerState.ERROR:
            self._error = str(event.worker.error)
            self.refresh()

    def render(self) -> Text:
        alias = self._alias
        if alias is None:
            return Text("no configuration to replay", self._style("status"))
        counts = self.counts
        rows = [("primary", alias.version, counts.primary, alias.primary_weight)]
        if alias.secondary_version is not None:
            rows.append(("secondary", alias.secondary_version, counts.secondary, alias.secondary_version_weight or 0))
        labels = [version_label(version) for _, version, _, _ in rows]
        label_width = max(len(label) for label in labels)
        count_width = max(5, len(f"{counts.total:,}"))
        # label, bar, " 100.00%", " cfg 100%", " count"
        bar_width = max(1, self.content_size.width - label_width - 1 - 8 - 9 - 1 - count_width)
        lines = [
            self._bar_line(role, label.rjust(label_width), count, counts.total, weight, bar_width, count_width)
            for (role, _, count, weight), label in zip(rows, labels, strict=True)
        ]
        lines.append(self._status_line())
        return Text("\n").join(lines)

    def _bar_line(
        self,
        role: str,
        label: str,
        count: int,
        total: int,
        weight: int,
        width: int,
        count_width: int,
    ) -> Text:
        share = count / total if total else 0.0
        eighths = round(share * width * 8)
        full, partial = divmod(eighths, 8)
        bar = "█" * full + (_EIGHTHS[partial] if partial else "")
        track = self._style("track")
        marker = min(width - 1, weight * width // 100)
        rest = [" "] * (width - len(bar))
        if marker >= len(bar):
            rest[marker - len(bar)] = "│"
        return Text.assemble(
            (label, self._style("label")),
            " ",
            (bar, track + Style(color=self._style(role).color)),
            ("".join(rest), track),
            f" {share * 100:6.2f}%",
            (f" cfg {weight}%".ljust(9), self._style("status")),
            f" {count:>{count_width},}",
        )

    def _status_line(self) -> Text:
        counts = self.counts
        parts = [f"{counts.total:,} draws"]
        if self.max_draws is not None:
            parts[0] = f"{counts.total:,} of {self.max_draws:,} draws"
        parts.append("unthrottled" if self.rate is None else f"{self.rate:,}/s")
        if self._error is not None:
            parts.append(f"error: {self._error}")
        elif self.finished:
            parts.append("done")
        else:
            parts.append("paused" if self.paused else "running")
        if self.seed is not None:
            parts.append(f"seed {self.seed}")
        return Text(" · ".join(parts), self._style("status"))

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"traffic-histogram--{name}")


def _same_split(a: Alias | None, b: Alias | None) -> bool:
    if a is None or b is None:
        return a is b
    return (a.config, a.version_s3uri, a.secondary_version_s3uri) == (
        b.config,
        b.version_s3uri,
        b.secondary_version_s3uri,
    )
