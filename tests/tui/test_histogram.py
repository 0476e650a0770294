"""TrafficHistogram: seeded replay counts, pause/reset/set_config, and pictures mid-replay."""

from __future__ import annotations

import asyncio
import functools
import random
from collections.abc import Awaitable, Callable

import pytest
from textual import on
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Footer

from core.errors import InvalidWeightError, WeightTypeError
from core.models import Alias, AliasConfig
from tui.widgets.histogram import (
    SplitCounts,
    SplitSampler,
    TrafficHistogram,
    _ReplayTick,
    proposed_alias,
)

CANARY = proposed_alias("churn-model", "production", 2, 3, 10)


class HistogramApp(App[None]):
    def __init__(self, *histograms: TrafficHistogram) -> None:
        super().__init__()
        self.histograms = histograms
        self.completed: list[SplitCounts] = []

    def compose(self) -> ComposeResult:
        yield from self.histograms
        yield Footer()

    @on(TrafficHistogram.Completed)
    def record(self, message: TrafficHistogram.Completed) -> None:
        self.completed.append(message.counts)


def in_event_loop(test: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Run an async pilot test with asyncio.run (the project has no pytest async plugin)."""

    @functools.wraps(test)
    def run(*args: object, **kwargs: object) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


def alias_counts(alias: Alias, seed: int, n: int) -> SplitCounts:
    """Counts from calling Alias.random_artifact directly, independently of the widget."""
    rng = random.Random(seed)
    primary = sum(alias.random_artifact(rng) == alias.version_s3uri for _ in range(n))
    return SplitCounts(primary, n - primary)


async def wait_until(pilot: Pilot[None], condition: Callable[[], bool], timeout: float = 5) -> None:
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not reached before the timeout")


async def app_done(pilot: Pilot[None]) -> None:
    """Wait for the replay workers to start, to finish, and for their last ticks to be shown."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("weight", [0, 1, 5, 10, 25, 50, 99])
def test_fast_draws_match_random_artifact_draw_for_draw(weight: int) -> None:
    alias = proposed_alias("m", "prod", 1, 2, weight)
    fast, exact = SplitSampler(alias, random.Random(5)), SplitSampler(alias, random.Random(5))
    for n in (1, 7, 1_000, 20_000):
        assert fast._draw_fast(n) == exact._draw_through_alias(n)
    assert fast.rng.getstate() == exact.rng.getstate()


def test_fast_draws_match_random_artifact_without_secondary() -> None:
    alias = proposed_alias("m", "prod", 1)
    fast, exact = SplitSampler(alias, random.Random(5)), SplitSampler(alias, random.Random(5))
    assert fast._draw_fast(5_000) == exact._draw_through_alias(5_000) == 0
    assert fast.rng.getstate() == exact.rng.getstate()


def test_sampler_counts_match_alias_and_stop_at_max_draws() -> None:
    sampler = SplitSampler(CANARY, random.Random(3), max_draws=10_000)
    assert sampler.draw(6_000) + sampler.draw(6_000) == 10_000
    assert sampler.exhausted and sampler.draw(1) == 0
    assert sampler.counts == alias_counts(CANARY, 3, 10_000)


def test_proposed_alias_validates_the_weight() -> None:
    assert proposed_alias("m", "prod", "4", 5, 30).primary_weight == 70
    assert proposed_alias("m", "prod", 4).secondary_version_s3uri is None
    with pytest.raises(InvalidWeightError, match="100"):
        proposed_alias("m", "prod", 4, 5, 100)
    with pytest.raises(InvalidWeightError, match="without a secondary"):
        proposed_alias("m", "prod", 4, None, 10)
    with pytest.raises(WeightTypeError):
        proposed_alias("m", "prod", 4, 5, None)


def test_ticks_of_one_replay_merge() -> None:
    tick = _ReplayTick(1, SplitCounts(1, 0))
    assert tick.can_replace(_ReplayTick(1, SplitCounts(2, 0)))
    assert not tick.can_replace(_ReplayTick(2, SplitCounts(2, 0)))


@in_event_loop
async def test_seeded_counts_are_exact_and_reproducible() -> None:
    by_hand = TrafficHistogram(CANARY, seed=42, paused=True)
    by_worker = TrafficHistogram(CANARY, seed=42, rate=None, max_draws=30_000)
    app = HistogramApp(by_hand, by_worker)
    async with app.run_test() as pilot:
        await app_done(pilot)
        expected = alias_counts(CANARY, 42, 30_000)
        assert by_worker.counts == expected
        assert by_worker.finished
        assert by_hand.draw(30_000) == expected
        by_hand.reset()
        by_hand.draw(10_000)
        assert by_hand.draw(20_000) == expected


@in_event_loop
async def test_completed_is_posted_once_at_max_draws() -> None:
    app = HistogramApp(TrafficHistogram(CANARY, seed=1, rate=None, max_draws=5_000))
    async with app.run_test() as pilot:
        await app_done(pilot)
        assert app.completed == [alias_counts(CANARY, 1, 5_000)]


@in_event_loop
async def test_observed_shares_converge_to_the_configured_weights() -> None:
    histogram = TrafficHistogram(proposed_alias("m", "prod", 7, 8, 25), seed=2024, paused=True)
    async with HistogramApp(histogram).run_test():
        counts = histogram.draw(400_000)
        assert counts.total == 400_000
        assert counts.secondary / counts.total * 100 == pytest.approx(25, abs=0.3)


@in_event_loop
async def test_pause_stops_the_counts_and_resume_continues() -> None:
    histogram = TrafficHistogram(CANARY, rate=50_000)
    async with HistogramApp(histogram).run_test() as pilot:
        await wait_until(pilot, lambda: histogram.counts.total > 0)
        histogram.pause()
        paused_at = histogram.counts
        await pilot.pause(0.2)
        assert histogram.counts == paused_at == histogram._sampler.counts
        assert "paused" in histogram.render().plain
        histogram.resume()
        await wait_until(pilot, lambda: histogram.counts.total > paused_at.total)
        assert "running" in histogram.render().plain


@in_event_loop
async def test_reset_zeros_and_replays_the_same_draws() -> None:
    histogram = TrafficHistogram(CANARY, seed=9, paused=True)
    async with HistogramApp(histogram).run_test():
        first = histogram.draw(2_000)
        histogram.reset()
        assert histogram.counts == SplitCounts(0, 0)
        assert histogram.render().plain.startswith("v2")
        assert "0 draws" in histogram.render().plain
        assert histogram.draw(2_000) == first


@in_event_loop
async def test_reset_while_running_restarts_from_zero() -> None:
    histogram = TrafficHistogram(CANARY, seed=9, rate=None, max_draws=100_000)
    async with HistogramApp(histogram).run_test() as pilot:
        await wait_until(pilot, lambda: histogram.counts.total > 0)
        histogram.reset()
        assert histogram.counts.total == 0
        await wait_until(pilot, lambda: histogram.finished)
        assert histogram.counts == alias_counts(CANARY, 9, 100_000)


@in_event_loop
async def test_set_config_changes_the_bars_and_zeros_the_counts() -> None:
    histogram = TrafficHistogram(CANARY, seed=4, paused=True)
    async with HistogramApp(histogram).run_test():
        histogram.draw(1_000)
        proposed = proposed_alias("churn-model", "production", 4, 5, 50)
        histogram.set_config(proposed)
        assert histogram.counts == SplitCounts(0, 0)
        text = histogram.render().plain
        assert "v4" in text and "v5" in text and "v2" not in text and "cfg 50%" in text
        assert histogram.draw(4_000) == alias_counts(proposed, 4, 4_000)

        histogram.set_config(AliasConfig(version="4", secondary_version="5", secondary_version_weight=50))
        assert histogram.counts.total == 4_000, "an unchanged split keeps its counts"

        histogram.set_config(AliasConfig(version="6"))
        text = histogram.render().plain
        assert "v6" in text and "v5" not in text and "cfg 100%" in text

        histogram.set_config(None)
        assert histogram.draw(10) == SplitCounts(0, 0)
        assert "no configuration" in histogram.render().plain


@pytest.mark.parametrize(
    "alias",
    [
        proposed_alias("m", "prod", 3),
        proposed_alias("m", "prod", 3, 4, 0),
    ],
    ids=["single-version", "weight-0"],
)
@in_event_loop
async def test_a_full_primary_alias_draws_only_primary(alias: Alias) -> None:
    histogram = TrafficHistogram(alias, seed=11, rate=None, max_draws=20_000)
    async with HistogramApp(histogram).run_test() as pilot:
        await app_done(pilot)
        assert histogram.counts == SplitCounts(20_000, 0)
        assert "100.00%" in histogram.render().plain


@in_event_loop
async def test_keys_pause_reset_and_change_the_rate() -> None:
    histogram = TrafficHistogram(CANARY, seed=1, rate=20_000, paused=True)
    async with HistogramApp(histogram).run_test() as pilot:
        histogram.focus()
        histogram.draw(500)
        await pilot.press("r")
        assert histogram.counts.total == 0
        await pilot.press("f")
        assert histogram.rate == 50_000
        await pilot.press("s", "s")
        assert histogram.rate == 10_000
        await pilot.press("p")
        assert not histogram.paused
        await wait_until(pilot, lambda: histogram.counts.total > 0)
        await pilot.press("p")
        assert histogram.paused


@in_event_loop
async def test_a_failing_alias_shows_the_error_and_keeps_the_app() -> None:
    class BrokenAlias(Alias):
        def random_artifact(self, rng: random.Random | None = None) -> str:
            raise RuntimeError("no route to version 2")

    broken = BrokenAlias(**CANARY.model_dump())
    histogram = TrafficHistogram(broken, rate=None)
    app = HistogramApp(histogram)
    async with app.run_test() as pilot:
        await app_done(pilot)
        assert "error: no route to version 2" in histogram.render().plain
        assert app.is_running


def replay_app() -> HistogramApp:
    return HistogramApp(TrafficHistogram(CANARY, seed=7, max_draws=50_000, paused=True))


async def draw_mid_replay(pilot: Pilot[None]) -> None:
    pilot.app.query_one(TrafficHistogram).draw(12_345)
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_snapshot_mid_replay(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(replay_app(), terminal_size=size, run_before=draw_mid_replay)
