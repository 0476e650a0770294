"""`vrc COMMAND …`: the console's actions without a screen, for shells, CI jobs and runbooks.

Nothing here imports textual: the console is only loaded when no command is given.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence

from .exits import Exit, UsageError, classify, message_of
from .output import clean, print_json
from .parser import COMMANDS, build_cli_parser, parse
from .shell import command_for, command_for_event

__all__ = ["COMMANDS", "Exit", "build_cli_parser", "command_for", "command_for_event", "parse", "run"]

NO_REPOSITORY = (
    'no repository: pass --bucket BUCKET or --repo NAME before the command, set default = "NAME" '
    "in the config file, or pass --demo for the embedded demo"
)


def repository_args(args: argparse.Namespace) -> tuple[str, ...]:
    """The repository options this run was given, to repeat in the commands it prints."""
    words: list[str] = []
    if args.config is not None:
        words += ["--config", str(args.config)]
    if args.demo:
        return (*words, "--demo")
    if args.repo:
        words += ["--repo", args.repo]
    elif args.bucket:
        words += ["--bucket", args.bucket]
    for option in ("prefix", "table", "region", "profile", "endpoint_url"):
        value = getattr(args, option)
        if value is not None:
            words += [f"--{option.replace('_', '-')}", value]
    return tuple(words)


def run(
    args: argparse.Namespace,
    argv: Sequence[str],
    env: Mapping[str, str] | None = None,
    parser: argparse.ArgumentParser | None = None,
) -> int:
    """Run the parsed command; every error becomes one line on stderr and its exit code."""
    from ..config import resolve

    try:
        # A command opens its repository at once: nothing to start ahead (and `vrc ls` without one fails).
        launch = resolve(argv, env, parser=parser or build_cli_parser(), start_demo=False)
        connection = launch.initial
        if connection.demo and not args.demo:
            raise UsageError(NO_REPOSITORY)
        repository = connection.open()
        from .commands import COMMANDS as HANDLERS
        from .commands import Context

        context = Context(repository, launch.release, args, repository_args(args))
        return int(HANDLERS[args.command](context))
    except KeyboardInterrupt:
        print("vrc: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`vrc ls | head`): stop quietly, and keep the exit flush from failing.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return int(Exit.ERROR)
    except Exception as error:  # noqa: BLE001 - the one place errors become exit codes
        code, kind = classify(error)
        message = message_of(error)
        notes = getattr(error, "__notes__", None)
        if notes:
            message = f"{message} ({'; '.join(notes)})"
        print(f"vrc: {clean(message)}", file=sys.stderr)
        if args.json:
            print_json({"error": {"exit_code": int(code), "kind": kind, "message": message}})
        return int(code)
