"""Child process for the startup benchmark: one app run in a real terminal (a pty), then exit.

Run by bench_startup.py as `python _startup_child.py {minimal|vrc} OUT`, with BENCH_SPAWNED_AT
(the parent's time.time() just before spawning) in the environment. Writes one JSON line to OUT:
seconds from spawn to the first frame (Textual's Ready event: the DOM is ready and the first frame
was written to the terminal), the process's CPU seconds by then, and, for vrc, seconds to the
first frame showing the artifact list filled.

`vrc` runs the console's own entry point, `tui.__main__.main(["--demo"])` (what the `vrc` script
calls: the command-line parser, the demo server's spawn, the frame cap, the app imported and built
with the collector paused, then run) with the real Linux driver. Only the timing hooks are added: on
VrcApp's class, once main has imported it (when its first collector pause ends), before it runs.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

SPAWNED_AT = float(os.environ["BENCH_SPAWNED_AT"])


def since_spawn() -> float:
    return time.time() - SPAWNED_AT


def run_minimal(out: str) -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Minimal(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("hello")

        def on_ready(self) -> None:
            write(
                out,
                {
                    "first_frame": since_spawn(),
                    "first_frame_cpu": time.process_time(),
                    "heavy_at_first_frame": heavy_loaded(),
                },
            )
            self.exit()

    Minimal().run()


def run_vrc(out: str) -> None:
    from tui import collector
    from tui.__main__ import main

    pause = collector.paused

    @contextmanager
    def paused_then_timed() -> Iterator[None]:
        # main() imports and builds VrcApp inside its first pause; the hooks go on before it runs.
        # Later pauses (the connecting worker's) are the collector's own again.
        collector.paused = pause
        with pause():
            yield
        add_timing(out)

    collector.paused = paused_then_timed
    main(["--demo"])


def add_timing(out: str) -> None:
    """Record the first frame (Ready) and the first frame showing the artifact list filled."""
    from tui.app import VrcApp
    from tui.messages import ArtifactNamesLoaded
    from tui.widgets.artifacts import ArtifactPane

    timings: dict[str, object] = {}
    on_ready = VrcApp.on_ready

    def timed_on_ready(self: VrcApp) -> None:
        timings["first_frame"] = since_spawn()
        timings["first_frame_cpu"] = time.process_time()
        timings["heavy_at_first_frame"] = heavy_loaded()
        on_ready(self)

    def on_artifact_names_loaded(self: VrcApp, message: ArtifactNamesLoaded) -> None:
        # Bubbled up from the main screen, which has put the names in the list by now.
        if "filled" in timings:
            return
        panes = self.screen.query(ArtifactPane)
        if panes and panes.first().table.row_count > 0:
            timings["filled"] = since_spawn()
            # The next frame is the one that shows the rows.
            self.call_after_refresh(populated, self)

    def populated(self: VrcApp) -> None:
        timings["populated"] = since_spawn()
        write(out, timings)
        self.exit()

    VrcApp.on_ready = timed_on_ready  # type: ignore[method-assign]
    VrcApp.on_artifact_names_loaded = on_artifact_names_loaded  # type: ignore[attr-defined]


HEAVY = ("pydantic", "boto3", "botocore", "moto")


def heavy_loaded() -> list[str]:
    """Which of the heavy libraries are imported (none should be at the first frame)."""
    return [m for m in HEAVY if m in sys.modules]


def write(out: str, data: dict[str, object]) -> None:
    with open(out, "w") as f:
        f.write(json.dumps(data) + "\n")


if __name__ == "__main__":
    mode, out = sys.argv[1], sys.argv[2]
    {"minimal": run_minimal, "vrc": run_vrc}[mode](out)
