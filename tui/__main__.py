"""`vrc` / `python -m tui`: parse the command line and config, then run the console."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .config import ConfigError, resolve


def main(argv: Sequence[str] | None = None) -> int:
    try:
        launch = resolve(argv)
    except ConfigError as exc:
        print(f"vrc: {exc}", file=sys.stderr)
        return 2
    from .app import VrcApp

    VrcApp(launch.connections, release=launch.release).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
