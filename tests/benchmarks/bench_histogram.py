"""Benchmark the traffic-split replay: draws/second in the worker, frames/second while replaying.

Run: python tests/benchmarks/bench_histogram.py
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from textual.app import App, ComposeResult

from tui.widgets.histogram import SplitSampler, TrafficHistogram, proposed_alias

DRAWS_TARGET = 100_000
FPS_TARGET = 20
WORKER_DRAWS = 2_000_000
REPLAY_RATE = 200_000
REPLAY_SECONDS = 2.0
LAG_TARGET_MS = 50
RUNS = 5
REPLAY_RUNS = 3

CANARY = proposed_alias("churn-model", "production", 2, 3, 10)


class CountingHistogram(TrafficHistogram):
    """Counts the frames it renders."""

    frames = 0

    def render(self):  # type: ignore[no-untyped-def]
        self.frames += 1
        return super().render()


class BenchApp(App[None]):
    def __init__(self, histogram: TrafficHistogram) -> None:
        super().__init__()
        self.histogram = histogram

    def compose(self) -> ComposeResult:
        yield self.histogram


async def worker_draws_per_second() -> float:
    """Unthrottled replay of WORKER_DRAWS in the worker thread, the UI painting meanwhile."""
    histogram = TrafficHistogram(CANARY, seed=1, rate=None, max_draws=WORKER_DRAWS, paused=True)
    app = BenchApp(histogram)
    async with app.run_test(size=(80, 24)) as pilot:
        started = time.perf_counter()
        histogram.resume()
        await app.workers.wait_for_complete()
        elapsed = time.perf_counter() - started
        await pilot.pause()
        assert histogram.counts.total == WORKER_DRAWS, histogram.counts
    return WORKER_DRAWS / elapsed


async def replay_frames_per_second() -> tuple[float, float, float]:
    """Replaying at REPLAY_RATE: frames rendered/s, draws/s, and p95 UI event-loop lag in ms."""
    histogram = CountingHistogram(CANARY, rate=REPLAY_RATE)
    async with BenchApp(histogram).run_test(size=(80, 24)):
        await asyncio.sleep(0.2)  # let the first frames and the worker start
        frames, draws, started = histogram.frames, histogram.counts.total, time.perf_counter()
        lags = await event_loop_lags(REPLAY_SECONDS)
        elapsed = time.perf_counter() - started
        frames, draws = histogram.frames - frames, histogram.counts.total - draws
        histogram.pause()
    return frames / elapsed, draws / elapsed, statistics.quantiles(lags, n=20)[-1] * 1000


async def event_loop_lags(seconds: float, interval: float = 0.005) -> list[float]:
    """How late 5 ms sleeps on the UI loop wake up: what a key press would wait, at worst."""
    lags: list[float] = []
    end = time.perf_counter() + seconds
    while (now := time.perf_counter()) < end:
        await asyncio.sleep(interval)
        lags.append(time.perf_counter() - now - interval)
    return lags


def sampler_draws_per_second(method: str, draws: int) -> float:
    sampler = SplitSampler(CANARY, random.Random(1))
    draw = getattr(sampler, method)
    started = time.perf_counter()
    draw(draws)
    return draws / (time.perf_counter() - started)


def report(label: str, value: float, unit: str, target: float) -> None:
    verdict = "ok" if value >= target else "BELOW TARGET"
    print(f"  {label:<58} {value:>12,.0f} {unit:<8} target >= {target:,} {verdict}")


def main() -> None:
    print(f"histogram replay (median of {RUNS} runs)")
    worker = [asyncio.run(worker_draws_per_second()) for _ in range(RUNS)]
    report(f"worker draws/s, unthrottled, {WORKER_DRAWS:,} draws", statistics.median(worker), "draws/s", DRAWS_TARGET)
    fast = [sampler_draws_per_second("_draw_fast", 1_000_000) for _ in range(RUNS)]
    report("sampler draws/s, fast path (no UI)", statistics.median(fast), "draws/s", DRAWS_TARGET)
    exact = [sampler_draws_per_second("_draw_through_alias", 300_000) for _ in range(RUNS)]
    report("sampler draws/s, via Alias.random_artifact (no UI)", statistics.median(exact), "draws/s", DRAWS_TARGET)
    replays = [asyncio.run(replay_frames_per_second()) for _ in range(REPLAY_RUNS)]
    print(f"replaying at {REPLAY_RATE:,}/s in a headless app, {REPLAY_SECONDS:g} s (median of {REPLAY_RUNS} runs)")
    report("frames rendered/s", statistics.median(fps for fps, _, _ in replays), "fps", FPS_TARGET)
    report("draws/s achieved", statistics.median(rate for _, rate, _ in replays), "draws/s", DRAWS_TARGET)
    lag = statistics.median(lag for _, _, lag in replays)
    verdict = "ok" if lag < LAG_TARGET_MS else "ABOVE TARGET"
    print(f"  {'UI event-loop lag p95':<58} {lag:>12.1f} {'ms':<8} target < {LAG_TARGET_MS} {verdict}")


if __name__ == "__main__":
    main()
