"""Child process for the startup benchmark: one app run in a real terminal (a pty), then exit.

Run by bench_startup.py as `python _startup_child.py {minimal|vrc} OUT`, with BENCH_SPAWNED_AT
(the parent's time.time() just before spawning) in the environment. Writes one JSON line to OUT:
seconds from spawn to the first frame (Textual's Ready event: the DOM is ready and the first frame
was written to the terminal), the process's CPU seconds by then, and, for vrc, seconds to the
first frame showing the artifact list filled.

`vrc` runs the console's own entry path (tui.config.resolve(["--demo"]), its frame cap, then VrcApp imported and
built with the collector paused, then run, as tui.__main__.main does) with the real Linux driver;
only the timing hooks are added, by subclassing.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.app import VrcApp
    from tui.config import Launch

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
    from tui.config import resolve
    from tui.frames import cap_frames

    launch = resolve(["--demo"])
    cap_frames()
    with collector.paused():  # as tui.__main__.main imports and builds the app
        app = timed_vrc(out, launch)
    app.run()


def timed_vrc(out: str, launch: Launch) -> VrcApp:
    from tui.app import VrcApp
    from tui.messages import ArtifactNamesLoaded
    from tui.widgets.artifacts import ArtifactPane

    timings: dict[str, object] = {}

    class TimedVrc(VrcApp):
        def on_ready(self) -> None:
            timings["first_frame"] = since_spawn()
            timings["first_frame_cpu"] = time.process_time()
            timings["heavy_at_first_frame"] = heavy_loaded()

        def on_artifact_names_loaded(self, message: ArtifactNamesLoaded) -> None:
            # Bubbled up from the main screen, which has put the names in the list by now.
            if "filled" in timings:
                return
            panes = self.screen.query(ArtifactPane)
            if panes and panes.first().table.row_count > 0:
                timings["filled"] = since_spawn()
                # The next frame is the one that shows the rows.
                self.call_after_refresh(self._populated)

        def _populated(self) -> None:
            timings["populated"] = since_spawn()
            write(out, timings)
            self.exit()

    return TimedVrc(launch.connections, release=launch.release)


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
