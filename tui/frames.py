"""The console's frame cap: Textual's TEXTUAL_FPS, 120 unless the environment sets it."""

from __future__ import annotations

import os

FRAMES_PER_SECOND = 120


def cap_frames() -> None:
    """Ask Textual for up to FRAMES_PER_SECOND frames, unless TEXTUAL_FPS is already set.

    Call before Textual is imported: it reads the cap once. At Textual's default of 60, a key that
    follows a frame ending an idle spell waits 17-33 ms for its own frame (Textual 8.2.8's screen
    timer sleeps to the slot after next); at 120 it waits 8-17 ms. Frames are drawn only when
    something changed, so the cap costs nothing while the screen is still.
    """
    os.environ.setdefault("TEXTUAL_FPS", str(FRAMES_PER_SECOND))
