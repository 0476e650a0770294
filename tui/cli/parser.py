"""The `vrc` command line: the console's options plus one subcommand per scriptable action."""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from collections.abc import Sequence

from ..config import build_parser
from .exits import Exit

EXIT_CODES = (
    "exit codes: 0 done, 1 error, 2 usage or config, 3 conflict (someone else changed it; nothing written), "
    "4 not found, 5 refused (read-only, protected alias without --yes, frozen alias, integrity)"
)
COMMANDS = (
    "ls",
    "versions",
    "aliases",
    "history",
    "show",
    "check",
    "upload",
    "download",
    "publish",
    "promote",
    "rollback",
    "canary",
    "delete",
    "purge",
    "freeze",
    "unfreeze",
)


def build_cli_parser() -> argparse.ArgumentParser:
    """The console's parser (repository options go before the command) with the subcommands added."""
    parser = build_parser()
    parser.epilog = f"{parser.epilog} Without a command vrc opens the console. {EXIT_CODES}."
    parser.set_defaults(json=False, dry_run=False)
    output = argparse.ArgumentParser(add_help=False)
    output.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    write = argparse.ArgumentParser(add_help=False)
    write.add_argument("--dry-run", action="store_true", help="print the plan and pre-flight checks; write nothing")
    alias_write = argparse.ArgumentParser(add_help=False)
    alias_write.add_argument(
        "--expected-revision",
        type=int,
        metavar="N",
        help="refuse (exit 3) unless the alias is at revision N (0: it must not exist); default: as read",
    )
    alias_write.add_argument("--reason", metavar="TEXT", help="why; recorded in the alias history")
    alias_write.add_argument("--yes", action="store_true", help="confirm a change of a protected alias")
    alias_write.add_argument(
        "--override-freeze",
        metavar="REASON",
        help="change a frozen alias anyway; REASON is recorded in its history (a rollback needs none)",
    )
    revision = argparse.ArgumentParser(add_help=False)
    revision.add_argument(
        "--expected-revision", type=int, metavar="N", help="refuse (exit 3) unless the alias is at revision N"
    )

    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    def add(name: str, help: str, *parents: argparse.ArgumentParser) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help, description=help, parents=[output, *parents], epilog=EXIT_CODES)

    add("ls", "list artifact names")
    add("versions", "list the versions of an artifact, LATEST first, with the aliases on each").add_argument("name")
    add("aliases", "list the aliases of an artifact").add_argument("name")
    history = add("history", "the recorded changes of an alias, newest first")
    history.add_argument("name")
    history.add_argument("alias")
    history.add_argument("--limit", type=int, default=50, metavar="N", help="at most N events (default 50)")
    show = add("show", "one version (default LATEST), or the alias given with --alias")
    show.add_argument("name")
    show.add_argument("version", nargs="?")
    show.add_argument("--alias", help="show this alias instead of a version")
    add("check", "report inconsistencies between S3 and DynamoDB (exit 1 if any); changes nothing").add_argument(
        "name", nargs="?"
    )

    upload = add("upload", "upload a file (or - for stdin) as LATEST", write)
    upload.add_argument("name")
    upload.add_argument("file", help="a path, or - to read stdin")
    upload.add_argument("--content-type", metavar="TYPE", help="default: guessed from the file name")
    upload.add_argument("--meta", action="append", default=[], metavar="KEY=VALUE", help="metadata; repeatable")
    download = add("download", "download a version (default LATEST), sha256 verified")
    download.add_argument("name")
    download.add_argument("version", nargs="?")
    download.add_argument("--alias", help="download the version this alias points at (its primary version)")
    download.add_argument("-o", "--output", metavar="PATH", help="file or folder, or - for stdout (default ./NAME-V)")
    download.add_argument("--force", action="store_true", help="replace an existing file")
    publish = add("publish", "publish LATEST as the next version (no new version if unchanged)", write)
    publish.add_argument("name")
    publish.add_argument("--expected-sha256", metavar="SHA256", help="refuse (exit 3) unless LATEST has this sha256")

    promote = add(
        "promote", "point an alias at a version (or at LATEST published now, with --publish)", write, alias_write
    )
    promote.add_argument("name")
    promote.add_argument("alias")
    promote.add_argument("version", nargs="?")
    promote.add_argument("--publish", action="store_true", help="publish LATEST first and point the alias at it")
    promote.add_argument("--expected-sha256", metavar="SHA256", help="with --publish: LATEST must have this sha256")
    rollback = add("rollback", "restore an alias to before its last change, or as of a revision", write, alias_write)
    rollback.add_argument("name")
    rollback.add_argument("alias")
    rollback.add_argument("--to-revision", type=int, metavar="N", help="restore what revision N set")
    canary = add("canary", "split an alias with a canary version, or promote or abort its canary", write, alias_write)
    canary.add_argument("name")
    canary.add_argument("alias")
    canary.add_argument("--to", metavar="VERSION", help="the canary version")
    canary.add_argument("--weight", type=int, metavar="W", help="percent of traffic for the canary, 0..99")
    canary.add_argument("--stable", metavar="VERSION", help="the stable version (default: the alias's primary)")
    mode = canary.add_mutually_exclusive_group()
    mode.add_argument("--promote", action="store_true", help="send all traffic to the running canary")
    mode.add_argument("--abort", action="store_true", help="drop the canary: all traffic back to stable")
    delete = add("delete", "soft-delete a version (refused while an alias points at it)", write)
    delete.add_argument("name")
    delete.add_argument("version")
    purge = add("purge", "soft-delete old versions beyond the newest N (aliased ones are kept)", write)
    purge.add_argument("name")
    purge.add_argument("--keep", type=int, required=True, metavar="N", help="keep the newest N published versions")
    purge.add_argument(
        "--older-than",
        default="90d",
        metavar="AGE",
        help="only versions older than AGE, e.g. 0, 12h, 30d (default 90d, as core)",
    )
    freeze = add(
        "freeze", "freeze an alias: until it ends only rollbacks (or --override-freeze) change it", write, revision
    )
    freeze.add_argument("name")
    freeze.add_argument("alias")
    until = freeze.add_mutually_exclusive_group(required=True)
    until.add_argument("--for", dest="duration", metavar="DURATION", help="how long, e.g. 30m, 2h, 1d")
    until.add_argument("--until", metavar="TIME", help="ISO 8601 end, e.g. 2026-12-02T06:00Z (no zone: UTC)")
    freeze.add_argument("--reason", required=True, metavar="TEXT", help="why (shown to whoever is refused)")
    unfreeze = add("unfreeze", "end an alias's freeze now", write, revision)
    unfreeze.add_argument("name")
    unfreeze.add_argument("alias")
    unfreeze.add_argument("--reason", metavar="TEXT", help="why; recorded in the alias history")
    return parser


def parse(argv: Sequence[str], parser: argparse.ArgumentParser | None = None) -> argparse.Namespace:
    """Parse argv; a usage error becomes one line on stderr and SystemExit(2)."""
    parser = parser or build_cli_parser()
    captured = io.StringIO()
    try:
        with contextlib.redirect_stderr(captured):
            return parser.parse_args(list(argv))
    except SystemExit as exit:
        if exit.code not in (0, None):
            lines = [line for line in captured.getvalue().splitlines() if line.strip()]
            print(lines[-1] if lines else "vrc: invalid arguments", file=sys.stderr)
            raise SystemExit(Exit.USAGE) from None
        raise
