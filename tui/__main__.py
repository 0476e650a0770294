"""`vrc` / `python -m tui`: a subcommand runs the CLI (no textual import); no subcommand opens the console."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .config import ConfigError, resolve


def one_line(message: str) -> str:
    """Messages go to a terminal: no secrets, no line breaks, no control characters."""
    from core.redact import redact_secrets

    from .formatting import printable

    return printable(redact_secrets(message))


def main(argv: Sequence[str] | None = None) -> int:
    from .cli.parser import build_cli_parser, parse

    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_cli_parser()
    try:
        args = parse(arguments, parser)
    except SystemExit as exit:
        return int(exit.code or 0)
    if args.command is not None:
        from .cli import run

        return run(args, arguments, parser=parser)
    try:
        launch = resolve(arguments, parser=parser)
    except ConfigError as exc:
        print(f"vrc: {one_line(str(exc))}", file=sys.stderr)
        return 2
    from . import collector
    from .frames import cap_frames

    frames = cap_frames()
    notices = [*launch.warnings, *([frames] if frames else [])]
    for warning in notices:
        print(f"vrc: warning: {one_line(warning)}", file=sys.stderr)

    # Textual's modules and the console's live as long as the process: collecting while they load
    # only rescans them (a sixth of the import). VrcApp.run pauses again until the first frame.
    with collector.paused():
        from .app import VrcApp

        app = VrcApp(launch.connections, release=launch.release, notices=notices, config_path=launch.config_path)
    app.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
