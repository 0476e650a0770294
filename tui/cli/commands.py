"""One function per subcommand: read from core, print a table or one JSON document."""

from __future__ import annotations

import argparse
import mimetypes
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pydantic import BaseModel

from core.errors import AliasNotFoundError
from core.layout import encode_version

from ..formatting import human_size
from ..release import ReleaseSettings, split_text
from ..release.proposals import Outcome, PartialWrite
from ..savefile import write_new_file
from .exits import CliError, Conflict, Exit, Frozen, NotFound, Refused, UsageError
from .output import clean, fields, print_json, table, when
from .plan import CheckResult, Planned, WritePlan, plan_change

if TYPE_CHECKING:
    from core.models import Alias, Artifact

    from ..ports import RepositoryPort


@dataclass(frozen=True)
class Context:
    """What every command gets: the open repository, the release settings and the streams."""

    repository: RepositoryPort
    settings: ReleaseSettings
    args: argparse.Namespace
    repo_args: tuple[str, ...] = ()
    stdin: IO[str] | None = None
    stdout: IO[str] | None = None
    stderr: IO[str] | None = None

    @property
    def out(self) -> IO[str]:
        return self.stdout or sys.stdout

    @property
    def err(self) -> IO[str]:
        return self.stderr or sys.stderr

    @property
    def json(self) -> bool:
        return bool(self.args.json)

    def emit(self, document: dict[str, Any], text: str) -> None:
        if self.json:
            print_json(document, self.out)
        elif text:
            print(text, file=self.out)


def dump(model: BaseModel | None) -> Any:
    return None if model is None else model.model_dump(mode="json")


# --- reads -------------------------------------------------------------------------------------


def cmd_ls(ctx: Context) -> Exit:
    names = ctx.repository.list_artifact_names()
    ctx.emit({"artifacts": [{"name": name} for name in names]}, "\n".join(clean(name) for name in names))
    return Exit.OK


def cmd_versions(ctx: Context) -> Exit:
    name = ctx.args.name
    views = ctx.repository.list_versions_with_aliases(name)
    if not views:
        raise NotFound(f"artifact {name!r} has no versions (is the name right? vrc ls lists them)")
    rows = [
        (
            v.artifact.version,
            " ".join(v.aliases),
            when(v.artifact.update_at),
            human_size(v.artifact.size),
            v.artifact.sha256[:12],
            v.artifact.content_type or "",
        )
        for v in views
    ]
    ctx.emit(
        {"name": name, "versions": [dump(v) for v in views]},
        table(("VERSION", "ALIASES", "UPDATED", "SIZE", "SHA256", "CONTENT-TYPE"), rows),
    )
    return Exit.OK


def cmd_aliases(ctx: Context) -> Exit:
    name = ctx.args.name
    aliases = ctx.repository.list_aliases(name)
    rows = [(a.alias, split_text(a.config), a.revision, a.updated_by or "", when(a.update_at)) for a in aliases]
    ctx.emit(
        {"name": name, "aliases": [dump(a) for a in aliases]},
        table(("ALIAS", "SPLIT", "REV", "UPDATED-BY", "UPDATED"), rows),
    )
    return Exit.OK


def cmd_history(ctx: Context) -> Exit:
    name, alias = ctx.args.name, ctx.args.alias
    events = ctx.repository.list_alias_history(name, alias, limit=ctx.args.limit)
    if not events:
        ctx.repository.get_alias(name, alias)  # AliasNotFoundError (exit 4) if there is no such alias
    rows = [
        (e.revision, when(e.time), e.actor, e.action, f"{split_text(e.before)} → {split_text(e.after)}", e.reason or "")
        for e in events
    ]
    ctx.emit(
        {"name": name, "alias": alias, "events": [dump(e) for e in events]},
        table(("REV", "WHEN", "WHO", "ACTION", "CHANGE", "REASON"), rows),
    )
    return Exit.OK


def _artifact_fields(artifact: Artifact) -> list[tuple[str, object]]:
    pairs: list[tuple[str, object]] = [
        ("name", artifact.name),
        ("version", artifact.version),
        ("updated", when(artifact.update_at)),
        ("size", f"{human_size(artifact.size)} ({artifact.size} bytes)" if artifact.size is not None else "?"),
        ("sha256", artifact.sha256),
        ("content-type", artifact.content_type or ""),
        ("s3", artifact.s3uri),
    ]
    pairs += [(f"meta {key}", value) for key, value in sorted(artifact.metadata.items())]
    return pairs


def _alias_fields(alias: Alias) -> list[tuple[str, object]]:
    return [
        ("name", alias.name),
        ("alias", alias.alias),
        ("split", split_text(alias.config)),
        ("revision", alias.revision),
        ("updated", when(alias.update_at)),
        ("updated-by", alias.updated_by or ""),
        ("primary", alias.version_s3uri),
        ("secondary", alias.secondary_version_s3uri or ""),
    ]


def cmd_show(ctx: Context) -> Exit:
    args = ctx.args
    if args.alias is not None:
        if args.version is not None:
            raise UsageError("show: pass VERSION or --alias, not both")
        alias = ctx.repository.get_alias(args.name, args.alias)
        ctx.emit({"alias": dump(alias)}, fields(_alias_fields(alias)))
        return Exit.OK
    artifact = ctx.repository.get_artifact_version(args.name, args.version)
    ctx.emit({"artifact": dump(artifact)}, fields(_artifact_fields(artifact)))
    return Exit.OK


def cmd_check(ctx: Context) -> Exit:
    problems = ctx.repository.check(ctx.args.name)
    rows = [(p.kind, p.name, p.version or "", p.alias or "", p.detail) for p in problems]
    text = table(("KIND", "NAME", "VERSION", "ALIAS", "DETAIL"), rows) if problems else "no problems found"
    ctx.emit({"ok": not problems, "problems": [dump(p) for p in problems]}, text)
    return Exit.OK if not problems else Exit.ERROR


# --- download ----------------------------------------------------------------------------------


class Progress:
    """A one-line progress bar on a terminal (stderr), redrawn at most ten times a second."""

    def __init__(self, stream: IO[str], label: str, total: int | None) -> None:
        self.stream, self.label, self.total = stream, label, total
        self.done = 0
        self._drawn = 0.0

    def advance(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if now - self._drawn >= 0.1:
            self._drawn = now
            self.draw()

    def draw(self) -> None:
        if self.total:
            share = min(1.0, self.done / self.total)
            bar = "#" * int(share * 30)
            text = f"{self.label} [{bar:<30}] {share:4.0%} {human_size(self.done)} / {human_size(self.total)}"
        else:
            text = f"{self.label} {human_size(self.done)}"
        self.stream.write(f"\r{clean(text)}\x1b[K")
        self.stream.flush()

    def finish(self) -> None:
        self.draw()
        self.stream.write("\n")
        self.stream.flush()


class _Counting:
    """A binary sink that reports how much was written to a Progress."""

    def __init__(self, sink: IO[bytes], progress: Progress | None) -> None:
        self.sink, self.progress = sink, progress
        self.count = 0

    def write(self, data: bytes) -> int:
        written = self.sink.write(data)
        self.count += len(data)
        if self.progress is not None:
            self.progress.advance(len(data))
        return written if written is not None else len(data)

    def flush(self) -> None:
        self.sink.flush()


PROGRESS_MIN_BYTES = 1024 * 1024
"""Smaller downloads finish before a bar would be worth drawing."""


def show_progress(stream: IO[str], size: int | None) -> bool:
    """A bar only on a terminal, and only for big files."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and (size is None or size >= PROGRESS_MIN_BYTES)


def cmd_download(ctx: Context) -> Exit:
    args, repository = ctx.args, ctx.repository
    if args.alias is not None and args.version is not None:
        raise UsageError("download: pass VERSION or --alias, not both")
    if args.output == "-" and ctx.json:
        raise UsageError("download: --json and -o - would both write to stdout; pick one")
    if args.alias is not None:
        version = repository.get_alias(args.name, args.alias).version
    else:
        version = encode_version(args.version)
    artifact = repository.get_artifact_version(args.name, version)
    label = f"{artifact.name} {artifact.version}"
    progress = Progress(ctx.err, clean(label), artifact.size) if show_progress(ctx.err, artifact.size) else None
    if args.output == "-":
        sink = _Counting(sys.stdout.buffer if ctx.stdout is None else ctx.stdout.buffer, progress)  # type: ignore[attr-defined]
        repository.download(artifact.name, artifact.version, sink)  # type: ignore[arg-type]
        sink.flush()
        if progress:
            progress.finish()
        return Exit.OK
    suffix = mimetypes.guess_extension(artifact.content_type or "") or ""
    filename = f"{artifact.name}-{artifact.version}{suffix}"
    path = Path(args.output).expanduser() if args.output else Path(filename)
    if path.is_dir():
        path = path / filename
    if path.exists() and not args.force:
        raise Refused(f"{str(path)!r} exists; pass --force to replace it")
    if not path.parent.is_dir():
        raise UsageError(f"folder {str(path.parent)!r} does not exist")
    written = _download_to(repository, artifact, path, args.force, progress)
    if progress:
        progress.finish()
    document = {"artifact": dump(artifact), "path": str(path), "bytes": written}
    text = f"downloaded {clean(label)} ({human_size(written)}, sha256 {artifact.sha256[:12]} verified) → {clean(path)}"
    ctx.emit(document, text)
    return Exit.OK


def _download_to(
    repository: RepositoryPort, artifact: Artifact, path: Path, force: bool, progress: Progress | None
) -> int:
    """Write through a temporary file beside `path` (mode from the umask, as any new file), then move it in.

    Without `force` the move is a hard link, which fails if `path` appeared meanwhile: never clobbers.
    """

    def fill(raw: IO[bytes]) -> int:
        sink = _Counting(raw, progress)
        repository.download(artifact.name, artifact.version, sink)  # type: ignore[arg-type]
        return sink.count

    try:
        return write_new_file(path, fill, overwrite=force)
    except FileExistsError:
        raise Refused(f"{str(path)!r} exists; pass --force to replace it") from None


# --- writes ------------------------------------------------------------------------------------


def cmd_write(ctx: Context) -> Exit:
    """Plan, check, confirm, write, report: every write goes through here."""
    if ctx.repository.read_only and not ctx.args.dry_run:
        # As core: refused before any AWS call (a dry run still shows the plan and this failed check).
        raise Refused(f"{ctx.args.command} refused: repository {ctx.repository.location()} is open read-only")
    planned = plan_change(ctx.repository, ctx.args, ctx.settings, ctx.repo_args)
    plan = planned.plan
    failure = planned.failure
    if ctx.args.dry_run:
        code = Exit(failure.exit_code) if failure else Exit.OK
        _report(ctx, planned, None, dry_run=True)
        return code
    if not ctx.json:
        print(_plan_text(planned), file=ctx.out)
    if failure is not None:
        raise _failed(failure)
    if plan.noop:
        result = _noop_result(ctx.repository, plan)
        _report(ctx, planned, result, dry_run=False, written=False)
        return Exit.OK
    confirm_protected(ctx, plan)
    result = perform(ctx.repository, planned)
    _report(ctx, planned, result, dry_run=False, written=True)
    return Exit.OK


def _failed(check: CheckResult) -> CliError:
    message = f"pre-flight failed: {check.subject}: {check.detail}; nothing written"
    if check.kind == "frozen":
        return Frozen(message)
    return {
        Exit.CONFLICT: Conflict,
        Exit.NOT_FOUND: NotFound,
        Exit.REFUSED: Refused,
    }.get(Exit(check.exit_code), CliError)(message)


def confirm_protected(ctx: Context, plan: WritePlan) -> None:
    """A protected alias needs --yes, or its name typed when both stdin and stderr are a terminal."""
    alias = plan.alias
    if not plan.protected or ctx.args.yes or alias is None:
        return
    patterns = ", ".join(ctx.settings.protected)
    stdin = ctx.stdin or sys.stdin
    if stdin.isatty() and ctx.err.isatty():
        ctx.err.write(f"{clean(alias)} is protected ({clean(patterns)}): type its name to confirm: ")
        ctx.err.flush()
        typed = stdin.readline().strip()
        if typed == alias:
            return
        raise Refused(f"typed {typed!r}, not {alias!r}: nothing written")
    raise Refused(f"alias {alias!r} is protected ({patterns}): pass --yes to confirm; nothing written")


def perform(repository: RepositoryPort, planned: Planned) -> dict[str, Any]:
    """Apply exactly the plan, conditioned on the revision / sha256 it was made from; returns `result`."""
    return PERFORMERS[planned.plan.action](repository, planned)


def _upload(repository: RepositoryPort, planned: Planned) -> dict[str, Any]:
    plan = planned.plan
    artifact = repository.put_artifact(
        plan.name,
        planned.source if planned.source is not None else b"",
        content_type=plan.content_type,
        metadata=plan.metadata or None,
    )
    return {"artifact": dump(artifact), "changed": planned.latest_sha256 != artifact.sha256}


def _apply(repository: RepositoryPort, planned: Planned) -> Outcome:
    """Write the dialogs' proposal; a partial write (published, alias not moved) names what was written."""
    if planned.proposal is None:
        raise AssertionError(f"{planned.plan.action} is planned by a proposal")
    try:
        return planned.proposal.apply(repository, planned.plan.reason, planned.plan.override_freeze_reason)
    except PartialWrite as partial:
        partial.error.add_note(partial.outcome.summary)
        raise partial.error from None


def _publish(repository: RepositoryPort, planned: Planned) -> dict[str, Any]:
    outcome = _apply(repository, planned)
    return {"artifact": dump(outcome.published), "created": outcome.published is not None}


def _promote(repository: RepositoryPort, planned: Planned) -> dict[str, Any]:
    outcome = _apply(repository, planned)
    return {"published": dump(outcome.published), "alias": dump(outcome.result)}


def _alias_change(repository: RepositoryPort, planned: Planned) -> dict[str, Any]:
    return {"alias": dump(_apply(repository, planned).result)}


def _delete(repository: RepositoryPort, planned: Planned) -> dict[str, Any]:
    plan = planned.plan
    repository.delete_artifact_version(plan.name, plan.version)
    return {"deleted": [plan.version]}


def _purge(repository: RepositoryPort, planned: Planned) -> dict[str, Any]:
    plan = planned.plan
    purged = repository.purge_artifact_versions(
        plan.name, keep_last_n=plan.keep or 0, purge_older_than_secs=plan.older_than_seconds or 0
    )
    return {
        "deleted": [a.version for a in purged.deleted],
        "kept_for_aliases": {a.version: aliases for a, aliases in purged.skipped},
    }


def _freeze(repository: RepositoryPort, planned: Planned) -> dict[str, Any]:
    plan = planned.plan
    if plan.frozen_until is None or plan.alias is None or plan.reason is None:
        raise AssertionError("a freeze plan has its alias, reason and end")
    alias = repository.freeze(plan.name, plan.alias, plan.reason, plan.frozen_until, plan.expected_revision)
    return {"alias": dump(alias)}


def _unfreeze(repository: RepositoryPort, planned: Planned) -> dict[str, Any]:
    plan = planned.plan
    alias = repository.unfreeze(plan.name, plan.alias or "", plan.reason, plan.expected_revision)
    return {"alias": dump(alias)}


PERFORMERS: dict[str, Callable[[RepositoryPort, Planned], dict[str, Any]]] = {
    "upload": _upload,
    "publish": _publish,
    "promote": _promote,
    "rollback": _alias_change,
    "canary": _alias_change,
    "delete": _delete,
    "purge": _purge,
    "freeze": _freeze,
    "unfreeze": _unfreeze,
}
"""One function per write; a new write (freeze, unfreeze) adds a planner in plan.py and a line here."""


def _noop_result(repository: RepositoryPort, plan: WritePlan) -> dict[str, Any]:
    """What a write that changes nothing reports: the state as it is."""
    if plan.action in ("promote", "rollback", "canary", "freeze", "unfreeze"):
        try:
            return {"alias": dump(repository.get_alias(plan.name, plan.alias or ""))}
        except AliasNotFoundError:
            return {"alias": None}
    if plan.action == "publish":
        return {"artifact": dump(repository.get_artifact_version(plan.name, plan.version)), "created": False}
    if plan.action == "upload":
        return {"artifact": dump(repository.get_artifact_version(plan.name, "LATEST")), "changed": False}
    return {"deleted": []}


def _plan_text(planned: Planned) -> str:
    plan = planned.plan
    lines = [f"{plan.action} {clean(plan.name)}: {clean(plan.change)}"]
    if plan.protected:
        lines.append(f"  protected alias {clean(plan.alias)}: needs --yes (or its name typed on a terminal)")
    for check in planned.checks:
        lines.append(f"  {'ok  ' if check.ok else 'FAIL'} {clean(check.subject)}: {clean(check.detail)}")
    return "\n".join(lines)


def _result_text(plan: WritePlan, result: dict[str, Any] | None, written: bool) -> str:
    if result is None:
        return ""
    if not written:
        return "nothing changed"
    if plan.action in ("freeze", "unfreeze"):
        alias = result["alias"]
        if plan.action == "unfreeze":
            return f"done: {clean(alias['alias'])} unfrozen (revision {alias['revision']})"
        return (
            f"done: {clean(alias['alias'])} frozen until {clean(alias['frozen_until'])} by "
            f"{clean(alias['frozen_by'] or '')} (revision {alias['revision']})"
        )
    if plan.action in ("promote", "rollback", "canary"):
        alias = result.get("alias")
        parts = []
        if result.get("published"):
            parts.append(f"published v{result['published']['version']}")
        if alias is None:
            parts.append(f"{plan.alias} deleted (rolled back to before its creation)")
        else:
            split = split_text(_config(alias))
            parts.append(f"{alias['alias']} → {split} (revision {alias['revision']})")
        return "done: " + "; ".join(clean(part) for part in parts)
    if plan.action in ("upload", "publish"):
        artifact = result["artifact"]
        verb = "uploaded LATEST" if plan.action == "upload" else f"published version {artifact['version']}"
        if plan.action == "upload" and not result["changed"]:
            verb = "LATEST unchanged"
        if plan.action == "publish" and not result["created"]:
            verb = f"LATEST is already version {artifact['version']}: nothing published"
        return f"done: {clean(verb)} (sha256 {artifact['sha256'][:12]})"
    deleted = ", ".join(result.get("deleted", [])) or "nothing"
    return f"done: deleted {clean(deleted)}"


def _config(alias: dict[str, Any]) -> Any:
    from core.models import AliasConfig

    return AliasConfig(
        version=alias["version"],
        secondary_version=alias["secondary_version"],
        secondary_version_weight=alias["secondary_version_weight"],
    )


def _report(
    ctx: Context, planned: Planned, result: dict[str, Any] | None, *, dry_run: bool, written: bool = False
) -> None:
    plan = planned.plan
    document = {
        "action": plan.action,
        "dry_run": dry_run,
        "written": written,
        "plan": dump(plan),
        "checks": [check.model_dump(mode="json", exclude_none=True) for check in planned.checks],
        "result": result,
    }
    if dry_run:
        text = _plan_text(planned) + f"\n  command: {clean(plan.command)}\ndry run: nothing written"
    else:
        text = _result_text(plan, result, written)
    ctx.emit(document, text)


COMMANDS: dict[str, Callable[[Context], Exit]] = {
    "ls": cmd_ls,
    "versions": cmd_versions,
    "aliases": cmd_aliases,
    "history": cmd_history,
    "show": cmd_show,
    "check": cmd_check,
    "download": cmd_download,
    **dict.fromkeys(PERFORMERS, cmd_write),
}
