"""The console's frame cap: Textual's TEXTUAL_FPS, 120 unless the environment sets a valid one."""

from __future__ import annotations

import os

FRAMES_PER_SECOND = 120
VARIABLE = "TEXTUAL_FPS"


def cap_frames() -> str | None:
    """Ask Textual for up to FRAMES_PER_SECOND frames, unless TEXTUAL_FPS holds a whole number >= 1.

    Returns a warning naming an unusable TEXTUAL_FPS (Textual would quietly use 60 for text, and
    one frame a second for 0 or less), which is replaced. Call before Textual is imported: it reads
    the cap once. At Textual's default of 60, a key that follows a frame ending an idle spell waits
    17-33 ms for its own frame (Textual 8.2.8's screen timer sleeps to the slot after next); at 120
    it waits 8-17 ms. Frames are drawn only when something changed: a still screen costs nothing.
    """
    value = os.environ.get(VARIABLE)
    if value is not None and value.strip().isdecimal() and int(value) >= 1:
        return None
    os.environ[VARIABLE] = str(FRAMES_PER_SECOND)
    if value is None:
        return None
    return f"{VARIABLE}={value!r} is not a whole number of frames a second (1 or more); using {FRAMES_PER_SECOND}"
