"""Write a downloaded file as any new file is written: mode from the umask, moved in only when complete."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, TypeVar

T = TypeVar("T")


def write_new_file(path: Path, fill: Callable[[IO[bytes]], T], *, overwrite: bool) -> T:
    """Fill a temporary file beside `path` (mode 0o666 less the umask), then move it to `path`.

    Without `overwrite` the move is a hard link, which fails with FileExistsError if `path` appeared
    meanwhile: never clobbers. A failed `fill` leaves nothing behind.
    """
    temp = path.parent / f".{path.name}.vrc-{os.getpid()}-{time.monotonic_ns()}"
    descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as raw:
            result = fill(raw)
        if overwrite:
            os.replace(temp, path)
        else:
            try:
                os.link(temp, path)
            except FileExistsError:
                raise
            except OSError:  # a file system without hard links: check, then move (a narrow race)
                if path.exists():
                    raise FileExistsError(str(path)) from None
                os.replace(temp, path)
        return result
    finally:
        if temp.exists():
            temp.unlink()
