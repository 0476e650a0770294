"""Write plans: what a CLI write will do, computed from what the backend has now, and its pre-flight.

`plan_change` is the one entry point: it reads the backend and returns the plan and the checks the
dialogs run (tui.preflight). It is the piece to swap for the shared release planner.
"""

from __future__ import annotations

import argparse
import hashlib
import mimetypes
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from core.errors import AliasNotFoundError, ArtifactNotFoundError
from core.layout import encode_version, validate_alias, validate_name
from core.models import AliasConfig, version_label

from ..preflight import Conflict, Plan, run_checks
from ..release import ReleaseSettings, change_text, split_text
from .exits import CliError, Exit, NotFound, UsageError
from .shell import command_for

if TYPE_CHECKING:
    from core import Repository
    from core.models import Alias, Artifact

WriteAction = Literal["upload", "publish", "promote", "rollback", "canary", "delete", "purge"]
CanaryMode = Literal["apply", "promote", "abort"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CheckResult(_Model):
    """One pre-flight check; `exit_code` is what the command exits with when it fails (0 when ok)."""

    subject: str
    ok: bool
    detail: str
    exit_code: int = 0


class WritePlan(_Model):
    """What a write is about to do (JSON field names are part of the documented interface)."""

    action: WriteAction
    name: str
    change: str
    command: str
    alias: str | None = None
    version: str | None = None
    before: AliasConfig | None = None
    after: AliasConfig | None = None
    expected_revision: int | None = None
    expected_sha256: str | None = None
    to_revision: int | None = None
    canary_mode: CanaryMode | None = None
    protected: bool = False
    reason: str | None = None
    noop: bool = False
    sha256: str | None = None
    size: int | None = None
    content_type: str | None = None
    metadata: dict[str, str] = {}
    keep: int | None = None
    older_than_seconds: int | None = None
    deletes: list[str] = []
    kept_for_aliases: dict[str, list[str]] = {}


@dataclass(frozen=True)
class Planned:
    """A plan, its pre-flight results, and the state a write needs (the file to upload, LATEST's sha256)."""

    plan: WritePlan
    checks: tuple[CheckResult, ...]
    source: Path | IO[bytes] | None = None
    latest_sha256: str | None = None

    @property
    def failure(self) -> CheckResult | None:
        return next((check for check in self.checks if not check.ok), None)


def plan_change(
    repository: Repository, args: argparse.Namespace, settings: ReleaseSettings, repo_args: tuple[str, ...] = ()
) -> Planned:
    """Read the backend and plan `args.command`; raises CliError / core errors for impossible requests."""
    planner = {
        "upload": _plan_upload,
        "publish": _plan_publish,
        "promote": _plan_promote,
        "rollback": _plan_rollback,
        "canary": _plan_canary,
        "delete": _plan_delete,
        "purge": _plan_purge,
    }[args.command]
    planned = planner(repository, args, settings, repo_args)
    writable = CheckResult(
        subject="repository",
        ok=not repository.read_only,
        detail="opened read-only: writes are refused" if repository.read_only else "writable",
        exit_code=int(Exit.REFUSED) if repository.read_only else 0,
    )
    return Planned(planned.plan, (writable, *planned.checks), planned.source, planned.latest_sha256)


# --- pre-flight --------------------------------------------------------------------------------


def preflight(repository: Repository, plan: Plan) -> tuple[CheckResult, ...]:
    """The dialogs' pre-flight checks, each with the exit code its failure means."""
    checks = run_checks(repository, plan)
    return tuple(
        CheckResult(
            subject=check.subject,
            ok=check.ok,
            detail=check.detail if check.conflict is None else _conflict_text(check.conflict),
            exit_code=0 if check.ok else int(_failure_code(check.detail, check.conflict is not None)),
        )
        for check in checks.items
    )


def _conflict_text(conflict: Conflict) -> str:
    """Who changed it, when and why, in words for a shell (the dialog's text says 'ctrl+r reloads')."""
    parts = [conflict.message]
    if conflict.actor or conflict.when:
        by = f" by {conflict.actor}" if conflict.actor else ""
        at = f" at {conflict.when.astimezone(UTC).strftime('%Y-%m-%d %H:%M:%SZ')}" if conflict.when else ""
        parts.append(f"last change{by}{at}")
    if conflict.change:
        parts.append(conflict.change)
    if conflict.reason:
        parts.append(f"reason: {conflict.reason}")
    return "; ".join(parts)


def _failure_code(detail: str, conflict: bool) -> Exit:
    if conflict:
        return Exit.CONFLICT
    if "does not exist" in detail or "has no LATEST" in detail:
        return Exit.NOT_FOUND
    return Exit.REFUSED  # the S3 object is missing or does not match its sha256: integrity


def _check(subject: str, ok: bool, detail: str, code: Exit) -> CheckResult:
    return CheckResult(subject=subject, ok=ok, detail=detail, exit_code=0 if ok else int(code))


# --- reads -------------------------------------------------------------------------------------


def current_alias(repository: Repository, name: str, alias: str) -> Alias | None:
    try:
        return repository.get_alias(name, alias)
    except AliasNotFoundError:
        return None


def _latest(repository: Repository, name: str) -> Artifact | None:
    try:
        return repository.get_artifact_version(name, "LATEST")
    except ArtifactNotFoundError:
        return None


def _base_revision(args: argparse.Namespace, current: Alias | None) -> tuple[int, int | None]:
    """(revision the write is conditioned on, the revision the pre-flight expects; None = must not exist)."""
    if args.expected_revision is not None:
        if args.expected_revision < 0:
            raise UsageError(f"--expected-revision must be >= 0, got {args.expected_revision}")
        base = args.expected_revision
    else:
        base = current.revision if current is not None else 0
    return base, (None if current is None and base == 0 else base)


def _alias_versions(config: AliasConfig | None) -> tuple[str, ...]:
    if config is None:
        return ()
    return (config.version,) + ((config.secondary_version,) if config.secondary_version else ())


# --- alias changes -----------------------------------------------------------------------------


def _plan_promote(
    repository: Repository, args: argparse.Namespace, settings: ReleaseSettings, repo_args: tuple[str, ...]
) -> Planned:
    name, alias = args.name, args.alias
    validate_alias(alias)
    if args.publish and args.version:
        raise UsageError("promote: pass VERSION or --publish, not both")
    if not args.publish and not args.version:
        raise UsageError("promote: pass the VERSION the alias should point at, or --publish")
    if args.expected_sha256 and not args.publish:
        raise UsageError("promote: --expected-sha256 only applies with --publish")
    current = current_alias(repository, name, alias)
    base, expected = _base_revision(args, current)
    before = current.config if current else None
    common: dict[str, Any] = dict(
        action="promote",
        name=name,
        alias=alias,
        before=before,
        expected_revision=base,
        protected=settings.is_protected(alias),
        reason=args.reason,
    )
    if args.publish:
        latest = _latest(repository, name)
        if latest is None:
            raise NotFound(f"{name!r} has no LATEST to publish; upload one first")
        sha = args.expected_sha256 or latest.sha256
        same = _unchanged_version(repository, name, latest)
        after = AliasConfig(version=same) if same else None
        target = version_label(same) if same else "the version LATEST publishes as"
        publish_line = (
            f"publish: LATEST is already {version_label(same)}; no new version"
            if same
            else f"publish: LATEST (sha256 {sha[:12]}) becomes the next version"
        )
        plan = WritePlan(
            **common,
            after=after,
            noop=after is not None and after == before and sha == latest.sha256,
            expected_sha256=sha,
            change=f"{publish_line}; {alias}: {split_text(before)} → {target} 100%",
            command=command_for(
                "promote",
                name,
                alias=alias,
                publish=True,
                expected_sha256=sha,
                expected_revision=base,
                reason=args.reason,
                repo=repo_args,
            ),
        )
        checks = preflight(repository, Plan(name=name, alias=alias, expected_revision=expected, latest_sha256=sha))
        return Planned(plan, checks)
    version = encode_version(args.version)
    after = AliasConfig(version=version)
    noop = before == after
    plan = WritePlan(
        **common,
        version=version,
        after=after,
        noop=noop,
        change=f"{alias} already points at {split_text(after)}: nothing to change"
        if noop
        else f"{alias}: {change_text(before, after)}",
        command=command_for(
            "promote",
            name,
            alias=alias,
            version=version,
            expected_revision=base,
            reason=args.reason,
            repo=repo_args,
        ),
    )
    checks = preflight(repository, Plan(name=name, versions=(version,), alias=alias, expected_revision=expected))
    return Planned(plan, checks)


def _unchanged_version(repository: Repository, name: str, latest: Artifact) -> str | None:
    """The newest published version if LATEST has its content (publishing then makes no new one)."""
    published = [a for a in repository.list_artifact_versions(name) if not a.is_latest]
    if published and published[0].sha256 == latest.sha256:
        return published[0].version
    return None


def _plan_rollback(
    repository: Repository, args: argparse.Namespace, settings: ReleaseSettings, repo_args: tuple[str, ...]
) -> Planned:
    name, alias = args.name, args.alias
    validate_alias(alias)
    current = current_alias(repository, name, alias)
    history = repository.list_alias_history(name, alias, limit=1000)
    if not history:
        if current is None:
            raise NotFound(f"alias {alias!r} of artifact {name!r} not found")
        raise CliError(f"alias {alias!r} of {name!r} has no recorded history to roll back")
    if args.to_revision is None:
        target, source = history[0].before, f"before revision {history[0].revision}"
    else:
        match = [event for event in history if event.revision == args.to_revision]
        if not match:
            raise NotFound(f"alias {alias!r} of {name!r} has no revision {args.to_revision} in its history")
        target, source = match[0].after, f"revision {args.to_revision}"
    base, expected = _base_revision(args, current)
    before = current.config if current else None
    noop = before == target
    plan = WritePlan(
        action="rollback",
        name=name,
        alias=alias,
        before=before,
        after=target,
        expected_revision=base,
        to_revision=args.to_revision,
        protected=settings.is_protected(alias),
        reason=args.reason,
        noop=noop,
        change=f"{alias} is already as of {source} ({split_text(target)}): nothing to roll back"
        if noop
        else f"restore {source}: {change_text(before, target)}",
        command=command_for(
            "rollback",
            name,
            alias=alias,
            to_revision=args.to_revision,
            expected_revision=base,
            reason=args.reason,
            repo=repo_args,
        ),
    )
    checks = preflight(
        repository, Plan(name=name, versions=_alias_versions(target), alias=alias, expected_revision=expected)
    )
    return Planned(plan, checks)


def _plan_canary(
    repository: Repository, args: argparse.Namespace, settings: ReleaseSettings, repo_args: tuple[str, ...]
) -> Planned:
    name, alias = args.name, args.alias
    validate_alias(alias)
    mode: CanaryMode = "promote" if args.promote else "abort" if args.abort else "apply"
    if args.weight is not None and mode != "apply":
        raise UsageError(f"canary --{mode} takes no --weight")
    if mode == "promote" and args.stable is not None:
        raise UsageError("canary --promote takes no --stable (the canary becomes the only version)")
    if mode == "abort" and args.to is not None:
        raise UsageError("canary --abort takes no --to (the canary is dropped)")
    if mode == "apply" and (args.to is None or args.weight is None):
        raise UsageError("canary: pass --to VERSION --weight W, or --promote, or --abort")
    current = current_alias(repository, name, alias)
    if current is None:
        raise NotFound(f"alias {alias!r} of artifact {name!r} not found; create it with vrc promote")
    before = current.config
    base, expected = _base_revision(args, current)
    stable = encode_version(args.stable) if args.stable is not None else before.version
    canary = encode_version(args.to) if args.to is not None else before.secondary_version
    if mode == "apply":
        if canary == stable:
            raise UsageError(f"canary version {canary} must differ from the stable version {stable}")
        if not 0 <= args.weight <= 99:
            raise UsageError(f"weight {args.weight} is not in 0..99; to send all traffic to it use --promote")
        after = AliasConfig(version=stable, secondary_version=canary, secondary_version_weight=args.weight)
        versions: tuple[str, ...] = (stable, canary or "")
    else:
        # As the dialog: abort needs a running canary; promote needs one unless --to names it.
        if before.secondary_version is None and (mode == "abort" or args.to is None):
            raise CliError(f"{alias} of {name} runs no canary ({split_text(before)}): nothing to {mode}")
        after = AliasConfig(version=(canary or "") if mode == "promote" else stable)
        versions = (after.version,)
    noop = after == before
    reason = args.reason or (None if noop else canary_reason(mode, before, stable, canary or "", args.weight))
    title = {"apply": "apply", "promote": "promote canary", "abort": "abort canary"}[mode]
    plan = WritePlan(
        action="canary",
        name=name,
        alias=alias,
        version=canary,
        before=before,
        after=after,
        expected_revision=base,
        canary_mode=mode,
        protected=settings.is_protected(alias),
        reason=reason,
        noop=noop,
        change=f"{alias} already runs {split_text(before)}: nothing to change"
        if noop
        else f"{title}: {alias}: {change_text(before, after)}",
        command=command_for(
            "canary",
            name,
            alias=alias,
            mode=mode,
            version=args.to,
            weight=args.weight,
            stable=args.stable,
            expected_revision=base,
            reason=args.reason,
            repo=repo_args,
        ),
    )
    checks = preflight(repository, Plan(name=name, versions=versions, alias=alias, expected_revision=expected))
    return Planned(plan, checks)


def canary_reason(mode: CanaryMode, before: AliasConfig, stable: str, canary: str, weight: int | None) -> str:
    """The reason recorded for a canary step given none (as the canary dialog words it)."""
    if mode == "promote":
        return f"promote canary {version_label(canary)} to 100%"
    if mode == "abort":
        return f"abort canary {version_label(canary)}: back to {version_label(stable)}"
    if before.secondary_version == canary and before.version == stable:
        old = before.secondary_version_weight or 0
        verb = "raise" if (weight or 0) > old else "lower"
        return f"{verb} canary {version_label(canary)} from {old}% to {weight}%"
    return f"canary {version_label(canary)} at {weight}% (stable {version_label(stable)})"


# --- content -----------------------------------------------------------------------------------

_CONTENT_TYPE = re.compile(r"[\w.+-]+/[\w.+-]+(\s*;.*)?")


def parse_meta(pairs: list[str]) -> dict[str, str]:
    """['k=v', ...] -> {'k': 'v'}; UsageError names a pair without '=' or a repeated key."""
    metadata: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--meta {pair!r} is not KEY=VALUE")
        if key.strip() in metadata:
            raise UsageError(f"--meta key {key.strip()!r} is given twice")
        metadata[key.strip()] = value
    return metadata


def _plan_upload(
    repository: Repository, args: argparse.Namespace, settings: ReleaseSettings, repo_args: tuple[str, ...]
) -> Planned:
    name = args.name
    validate_name(name)
    metadata = parse_meta(args.meta)
    source: Path | IO[bytes]
    if args.file == "-":
        source = sys.stdin.buffer
        content_type = args.content_type
    else:
        source = Path(args.file).expanduser()
        if not source.is_file():
            raise UsageError(f"file {str(source)!r} does not exist or is not a regular file")
        content_type = args.content_type or mimetypes.guess_type(source.name)[0]
    if content_type is not None and not _CONTENT_TYPE.fullmatch(content_type):
        raise UsageError(f"content type {content_type!r} is not type/subtype, e.g. application/json")
    latest = _latest(repository, name)
    sha256 = size = None
    noop = False
    if args.dry_run:  # a real upload hashes once, in core; a dry run must hash here to say what changes
        sha256, size, source = _hash(source)
        noop = latest is not None and latest.sha256 == sha256
    if noop:
        change = f"LATEST of {name} already has this content (sha256 {str(sha256)[:12]}): nothing to upload"
    elif sha256 is not None:
        change = f"upload {size:,} bytes (sha256 {sha256[:12]}) as LATEST of {name}"
    else:
        change = f"upload {'stdin' if args.file == '-' else args.file} as LATEST of {name}"
    if latest is not None and not noop:
        change += f", replacing sha256 {latest.sha256[:12]}"
    plan = WritePlan(
        action="upload",
        name=name,
        version="LATEST",
        change=change,
        noop=noop,
        sha256=sha256,
        size=size,
        content_type=content_type,
        metadata=metadata,
        command=command_for(
            "upload", name, file=args.file, content_type=args.content_type, metadata=metadata, repo=repo_args
        ),
    )
    return Planned(plan, (), source, latest.sha256 if latest else None)


def _hash(source: Path | IO[bytes]) -> tuple[str, int, Path | IO[bytes]]:
    """sha256 and size of a file or stream; a stream is spooled so it can still be read after."""
    import tempfile

    digest, size = hashlib.sha256(), 0
    if isinstance(source, Path):
        with source.open("rb") as stream:
            while chunk := stream.read(1024 * 1024):
                digest.update(chunk)
                size += len(chunk)
        return digest.hexdigest(), size, source
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - returned to the caller
    while chunk := source.read(1024 * 1024):
        digest.update(chunk)
        size += len(chunk)
        spool.write(chunk)
    spool.seek(0)
    return digest.hexdigest(), size, spool


def _plan_publish(
    repository: Repository, args: argparse.Namespace, settings: ReleaseSettings, repo_args: tuple[str, ...]
) -> Planned:
    name = args.name
    validate_name(name)
    latest = _latest(repository, name)
    if latest is None:
        raise NotFound(f"{name!r} has no LATEST to publish; upload one first")
    sha = args.expected_sha256 or latest.sha256
    same = _unchanged_version(repository, name, latest)
    plan = WritePlan(
        action="publish",
        name=name,
        version=same,
        expected_sha256=sha,
        noop=same is not None and sha == latest.sha256,
        sha256=latest.sha256,
        size=latest.size,
        change=f"LATEST is already {version_label(same)}: no new version"
        if same
        else f"publish LATEST (sha256 {sha[:12]}) as the next version",
        command=command_for("publish", name, expected_sha256=sha, repo=repo_args),
    )
    return Planned(plan, preflight(repository, Plan(name=name, latest_sha256=sha)))


def _plan_delete(
    repository: Repository, args: argparse.Namespace, settings: ReleaseSettings, repo_args: tuple[str, ...]
) -> Planned:
    name = args.name
    version = encode_version(args.version)
    try:
        repository.get_artifact_version(name, version)
        exists = _check(version_label(version), True, "exists", Exit.NOT_FOUND)
    except ArtifactNotFoundError:
        exists = _check(
            version_label(version), False, f"version {version} of {name} does not exist or is deleted", Exit.NOT_FOUND
        )
    users = sorted(a.alias for a in repository.list_aliases(name) if version in (a.version, a.secondary_version))
    unused = _check(
        "aliases",
        not users,
        f"used by alias {', '.join(users)}: move or delete it first" if users else "no alias points at it",
        Exit.REFUSED,
    )
    plan = WritePlan(
        action="delete",
        name=name,
        version=version,
        change=f"soft-delete {version_label(version)} of {name}",
        command=command_for("delete", name, version=version, repo=repo_args),
    )
    return Planned(plan, (exists, unused))


def parse_age(text: str) -> int:
    """'0', '90d', '12h', '30m', '45s' -> seconds."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", text)
    if not match:
        raise UsageError(f"--older-than {text!r} is not an age like 0, 45s, 30m, 12h or 90d")
    unit = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
    return int(match.group(1)) * unit


def _plan_purge(
    repository: Repository, args: argparse.Namespace, settings: ReleaseSettings, repo_args: tuple[str, ...]
) -> Planned:
    name = args.name
    validate_name(name)
    if args.keep < 0:
        raise UsageError(f"--keep must be >= 0, got {args.keep}")
    seconds = parse_age(args.older_than)
    views = repository.list_versions_with_aliases(name)
    if not views:
        raise NotFound(f"artifact {name!r} has no versions")
    # The same selection core's purge makes (it re-plans if an alias moves meanwhile).
    cutoff = datetime.now(UTC) - timedelta(seconds=seconds)
    deletes: list[str] = []
    kept: dict[str, list[str]] = {}
    for view in [v for v in views if not v.artifact.is_latest][args.keep :]:
        if view.artifact.update_at >= cutoff:
            continue
        if view.aliases:
            kept[view.artifact.version] = list(view.aliases)
        else:
            deletes.append(view.artifact.version)
    listed = ", ".join(version_label(v) for v in deletes) or "nothing"
    if kept:
        used = "; ".join(f"{version_label(v)} ({', '.join(aliases)})" for v, aliases in kept.items())
        listed += f"; keep for their aliases: {used}"
    plan = WritePlan(
        action="purge",
        name=name,
        keep=args.keep,
        older_than_seconds=seconds,
        deletes=deletes,
        kept_for_aliases=kept,
        noop=not deletes,
        change=f"keep the newest {args.keep}; soft-delete {listed}",
        command=command_for("purge", name, keep=args.keep, older_than=args.older_than, repo=repo_args),
    )
    return Planned(plan, ())
