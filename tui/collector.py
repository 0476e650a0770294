"""The cyclic garbage collector, paused while the console builds what lives as long as it does.

Building the first screen and opening a repository (boto3, and moto with the seeded demo for
`--demo`) create hundreds of thousands of long-lived objects; collecting meanwhile only rescans
them (about a tenth of the first frame, a fifth of the demo's start). Pauses nest and may overlap
across threads; when the last ends, what was built is frozen out of later collections
(`gc.freeze`) and collection resumes.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_was_enabled = False


def pause() -> None:
    """Stop collecting until every pause has ended with `resume()`."""
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1


def resume() -> None:
    """End one pause; the last one freezes what exists now and turns collection back on."""
    global _pauses
    with _lock:
        if _pauses == 0:
            raise RuntimeError("resume() without pause()")
        _pauses -= 1
        if _pauses == 0:
            gc.freeze()
            if _was_enabled:
                gc.enable()


@contextmanager
def paused() -> Iterator[None]:
    """No collection inside the block; what it built is frozen when the last pause ends."""
    pause()
    try:
        yield
    finally:
        resume()


OLDEST_EVERY = 100
"""Collections of the middle generation between two of the oldest (CPython's default is 10)."""


def freeze_long_lived() -> None:
    """What exists now lives as long as the app (boto3, the repository, the names): keep it out of
    later collections, and collect the oldest generation a tenth as often as CPython does.

    A full collection rescans everything not frozen (the panes' rows, the drawing caches): on the
    10,000-name list with a 1,000-version artifact, 15-60 ms on the UI thread, and by default one
    every ~17 moves through the list. Reference counting still frees the panes' data at once; only
    cyclic garbage waits longer.
    """
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, OLDEST_EVERY)
