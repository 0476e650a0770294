"""Write plans: what a CLI write will do, computed from what the backend has now, and its pre-flight.

`plan_change` is the one entry point. Publish and alias changes are planned by the dialogs' own
planner (tui.release.proposals: the same change text, default reason, checks and write); upload,
delete and purge, which have no dialog planner, are planned here.
"""

from __future__ import annotations

import argparse
import hashlib
import mimetypes
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from core.errors import ArtifactNotFoundError
from core.layout import encode_version, validate_alias, validate_existing_name
from core.models import AliasConfig, version_label
from core.planning import NoRecordedHistoryError, UnknownRevisionError

from ..release import ReleaseSettings, split_text
from ..release.preflight import Conflict, Plan, run_checks
from ..release.proposals import (
    CanaryStep,
    Move,
    NothingToChange,
    Proposal,
    Publish,
    ReleaseState,
    Rollback,
    plan_canary,
    plan_promote,
    plan_rollback_proposal,
)
from .exits import CliError, Exit, NotFound, UsageError
from .shell import command_for

if TYPE_CHECKING:
    from core.models import Alias, Artifact

    from ..ports import RepositoryPort

WriteAction = Literal["upload", "publish", "promote", "rollback", "canary", "delete", "purge", "freeze", "unfreeze"]
CanaryMode = Literal["apply", "promote", "abort"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CheckResult(_Model):
    """One pre-flight check; `exit_code` is what the command exits with when it fails (0 when ok)."""

    subject: str
    ok: bool
    detail: str
    exit_code: int = 0
    kind: str | None = None
    """Set when the failure has its own JSON error kind ("frozen")."""


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
    override_freeze_reason: str | None = None
    frozen_until: datetime | None = None
    """A freeze: the end of the window it sets."""


@dataclass(frozen=True)
class Planned:
    """A plan, its pre-flight results, and the state a write needs (the file to upload, LATEST's sha256)."""

    plan: WritePlan
    checks: tuple[CheckResult, ...]
    source: Path | IO[bytes] | None = None
    latest_sha256: str | None = None
    proposal: Proposal | None = None
    """The dialogs' proposal for publish and alias changes: what `apply` writes."""

    @property
    def failure(self) -> CheckResult | None:
        return next((check for check in self.checks if not check.ok), None)


def plan_change(
    repository: RepositoryPort, args: argparse.Namespace, settings: ReleaseSettings, repo_args: tuple[str, ...] = ()
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
        "freeze": _plan_freeze,
        "unfreeze": _plan_unfreeze,
    }[args.command]
    planned = planner(repository, args, settings, repo_args)
    writable = CheckResult(
        subject="repository",
        ok=not repository.read_only,
        detail="opened read-only: writes are refused" if repository.read_only else "writable",
        exit_code=int(Exit.REFUSED) if repository.read_only else 0,
    )
    return replace(planned, checks=(writable, *planned.checks))


# --- pre-flight --------------------------------------------------------------------------------


def preflight(repository: RepositoryPort, plan: Plan) -> tuple[CheckResult, ...]:
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


def freeze_text(alias: Alias) -> str:
    """'frozen by ann until 2026-12-02 06:00:00 UTC: incident 42' (the fields as core stores them)."""
    until = f"{alias.frozen_until.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" if alias.frozen_until else "?"
    return f"frozen by {alias.frozen_by or 'unknown'} until {until}: {alias.frozen_reason or ''}"


def freeze_check(alias: Alias, override: str | None, *, rollback: bool) -> CheckResult:
    """A frozen alias: a rollback may go through; any other change needs an override reason."""
    text = freeze_text(alias)
    if rollback:
        return _check("freeze", True, f"{text}; a rollback is allowed", Exit.REFUSED)
    if override:
        return _check("freeze", True, f"{text}; overridden: {override}", Exit.REFUSED)
    detail = f"{alias.alias} is {text}; only a rollback, or --override-freeze REASON, may change it"
    return CheckResult(subject="freeze", ok=False, detail=detail, exit_code=int(Exit.REFUSED), kind="frozen")


# --- reads -------------------------------------------------------------------------------------


def _latest(repository: RepositoryPort, name: str) -> Artifact | None:
    try:
        return repository.get_artifact_version(name, "LATEST")
    except ArtifactNotFoundError:
        return None


# --- publish and alias changes: the dialogs' planner (tui.release.proposals) -------------------


def _release_state(repository: RepositoryPort, name: str, history_of: str | None = None) -> ReleaseState:
    """What the dialogs plan from, read now; reading the aliases here makes the alias write one request."""
    history = tuple(repository.list_alias_history(name, history_of, limit=1000)) if history_of else None
    return ReleaseState(
        name, tuple(repository.list_artifact_versions(name)), tuple(repository.list_aliases(name)), history
    )


def _propose(make: Callable[[], Proposal]) -> tuple[Proposal | None, str]:
    """(the planner's proposal, '') or (None, why nothing would change); its errors become exit codes."""
    try:
        return make(), ""
    except NothingToChange as nothing:
        return None, str(nothing)
    except UnknownRevisionError as error:
        raise NotFound(str(error)) from None
    except NoRecordedHistoryError as error:
        raise CliError(str(error)) from None
    except ValueError as error:
        text = str(error)
        if "does not exist" in text or "has no LATEST" in text:
            raise NotFound(text) from None
        raise UsageError(text) from None


def _expected_revision(
    args: argparse.Namespace, current: Alias | None, alias: str
) -> tuple[int | None, tuple[CheckResult, ...]]:
    """--expected-revision as the proposals take it (None: must not exist), and a failed check if the
    alias as read is not at it (default: the revision read, which passes)."""
    read = current.revision if current is not None else None
    if args.expected_revision is None:
        return read, ()
    if args.expected_revision < 0:
        raise UsageError(f"--expected-revision must be >= 0, got {args.expected_revision}")
    wanted = None if current is None and args.expected_revision == 0 else args.expected_revision
    if wanted == read:
        return wanted, ()
    now = f"at revision {read} ({split_text(current.config)})" if current is not None else "deleted"
    detail = f"{alias} is {now}, not at revision {args.expected_revision} as expected"
    return wanted, (_check(f"alias {alias}", False, detail, Exit.CONFLICT),)


def _latest_check(state: ReleaseState, expected: str | None) -> tuple[CheckResult, ...]:
    """--expected-sha256: LATEST as read must have it (the publish itself is conditioned on it too)."""
    latest = state.latest
    if expected is None or latest is None or latest.sha256 == expected:
        return ()
    detail = f"LATEST of {state.name} is sha256 {latest.sha256[:12]}, not {expected[:12]} as expected"
    return (_check("LATEST", False, detail, Exit.CONFLICT),)


def _from_proposal(
    repository: RepositoryPort,
    action: WriteAction,
    state: ReleaseState,
    proposed: tuple[Proposal | None, str],
    args: argparse.Namespace,
    settings: ReleaseSettings,
    command: str,
    alias: str | None = None,
) -> Planned:
    """A WritePlan that describes the proposal (or why nothing would change), with its pre-flight."""
    proposal, nothing = proposed
    current = state.alias(alias)
    before = current.config if current else None
    extra: tuple[CheckResult, ...] = _latest_check(state, getattr(args, "expected_sha256", None))
    common: dict[str, Any] = dict(
        action=action,
        name=state.name,
        alias=alias,
        command=command,
        protected=alias is not None and settings.is_protected(alias),
        expected_sha256=getattr(args, "expected_sha256", None),
    )
    revision, mismatch = _expected_revision(args, current, alias) if alias is not None else (None, ())
    override = getattr(args, "override_freeze", None)
    if override is not None:
        common["override_freeze_reason"] = override
    if current is not None and current.frozen and proposal is not None:
        extra += (freeze_check(current, override, rollback=isinstance(proposal, Rollback)),)
    if proposal is None:
        same = state.unchanged_version()
        plan = WritePlan(**common, before=before, after=before, noop=True, change=nothing, version=same)
        return Planned(plan, extra + mismatch)
    if isinstance(proposal, Rollback):
        # Its alias check is answered from the history just read, so the mismatch is checked here.
        proposal = replace(proposal, plan=replace(proposal.plan, expected_revision=revision))
        extra += mismatch
    elif isinstance(proposal, CanaryStep):
        proposal = replace(proposal, expected_revision=revision or 0)  # a canary's alias exists
    elif alias is not None:
        proposal = replace(proposal, expected_revision=revision)  # its alias check asks the backend
    fields: dict[str, Any] = dict(before=before)
    if isinstance(proposal, Publish):
        latest = proposal.latest
        fields.update(sha256=latest.sha256, size=latest.size, expected_revision=proposal.expected_revision)
        common["expected_sha256"] = common["expected_sha256"] or latest.sha256
    elif isinstance(proposal, Move):
        fields.update(after=proposal.after, version=proposal.version, expected_revision=proposal.expected_revision)
    elif isinstance(proposal, Rollback):
        rollback = proposal.plan
        fields.update(
            before=rollback.before,
            after=rollback.target,
            to_revision=rollback.to_revision,
            expected_revision=rollback.expected_revision,
        )
    else:
        fields.update(
            after=proposal.after,
            version=proposal.canary,
            canary_mode=proposal.mode,
            expected_revision=proposal.expected_revision,
        )
    if alias is not None:
        fields["expected_revision"] = fields.get("expected_revision") or 0
        fields["reason"] = args.reason or proposal.default_reason()
    else:
        fields.pop("expected_revision", None)
    plan = WritePlan(**common, **fields, change=proposal.change_text().replace("\n", "; "))
    checks = preflight(repository, proposal.checks_plan())
    if mismatch and isinstance(proposal, Rollback):  # its alias check read the history, not the revision asked
        checks = tuple(check for check in checks if check.subject != mismatch[0].subject)
    return Planned(plan, extra + checks, proposal=proposal)


def _plan_publish(
    repository: RepositoryPort, args: argparse.Namespace, settings: ReleaseSettings, repo_args: tuple[str, ...]
) -> Planned:
    name = args.name
    validate_existing_name(name)  # names versioned created stay usable; core rules new names
    state = _release_state(repository, name)
    proposed = _propose(lambda: plan_promote(state, publish=True, alias=None, version=""))
    sha = args.expected_sha256 or (state.latest.sha256 if state.latest else None)
    command = command_for("publish", name, expected_sha256=sha, repo=repo_args)
    return _from_proposal(repository, "publish", state, proposed, args, settings, command)


def _plan_promote(
    repository: RepositoryPort, args: argparse.Namespace, settings: ReleaseSettings, repo_args: tuple[str, ...]
) -> Planned:
    name, alias = args.name, args.alias
    validate_alias(alias)
    if args.publish and args.version:
        raise UsageError("promote: pass VERSION or --publish, not both")
    if not args.publish and not args.version:
        raise UsageError("promote: pass the VERSION the alias should point at, or --publish")
    if args.expected_sha256 and not args.publish:
        raise UsageError("promote: --expected-sha256 only applies with --publish")
    state = _release_state(repository, name)
    proposed = _propose(lambda: plan_promote(state, publish=args.publish, alias=alias, version=args.version or ""))
    current = state.alias(alias)
    revision = args.expected_revision if args.expected_revision is not None else (current.revision if current else 0)
    latest_sha = args.expected_sha256 or (state.latest.sha256 if state.latest and args.publish else None)
    command = command_for(
        "promote",
        name,
        alias=alias,
        publish=args.publish,
        version=None if args.publish else encode_version(args.version),
        expected_sha256=latest_sha,
        expected_revision=revision,
        reason=args.reason,
        override_freeze=args.override_freeze,
        repo=repo_args,
    )
    return _from_proposal(repository, "promote", state, proposed, args, settings, command, alias)


def _plan_rollback(
    repository: RepositoryPort, args: argparse.Namespace, settings: ReleaseSettings, repo_args: tuple[str, ...]
) -> Planned:
    name, alias = args.name, args.alias
    validate_alias(alias)
    state = _release_state(repository, name, history_of=alias)
    current = state.alias(alias)
    if current is None and not state.history:
        raise NotFound(f"alias {alias!r} of artifact {name!r} not found")
    proposed = _propose(lambda: plan_rollback_proposal(state, alias, args.to_revision))
    revision = args.expected_revision if args.expected_revision is not None else (current.revision if current else 0)
    command = command_for(
        "rollback",
        name,
        alias=alias,
        to_revision=args.to_revision,
        expected_revision=revision,
        reason=args.reason,
        override_freeze=args.override_freeze,
        repo=repo_args,
    )
    return _from_proposal(repository, "rollback", state, proposed, args, settings, command, alias)


def _plan_canary(
    repository: RepositoryPort, args: argparse.Namespace, settings: ReleaseSettings, repo_args: tuple[str, ...]
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
    if args.weight is not None and not 0 <= args.weight <= 99:
        raise UsageError(f"weight {args.weight} is not in 0..99; to send all traffic to the canary use --promote")
    state = _release_state(repository, name)
    current = state.alias(alias)
    if current is None:
        raise NotFound(f"alias {alias!r} of artifact {name!r} not found; create it with vrc promote")
    before = current.config
    # As the dialog: abort needs a running canary; promote needs one unless --to names it.
    if mode != "apply" and before.secondary_version is None and (mode == "abort" or args.to is None):
        raise CliError(f"{alias} of {name} runs no canary ({split_text(before)}): nothing to {mode}")
    stable = args.stable if args.stable is not None else before.version
    canary = args.to if args.to is not None else before.secondary_version or ""
    weight = "" if args.weight is None else str(args.weight)
    proposed = _propose(lambda: plan_canary(state, alias, mode, stable=stable, canary=canary, weight=weight))
    revision = args.expected_revision if args.expected_revision is not None else current.revision
    command = command_for(
        "canary",
        name,
        alias=alias,
        mode=mode,
        version=args.to,
        weight=args.weight,
        stable=args.stable,
        expected_revision=revision,
        reason=args.reason,
        override_freeze=args.override_freeze,
        repo=repo_args,
    )
    return _from_proposal(repository, "canary", state, proposed, args, settings, command, alias)


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
    repository: RepositoryPort, args: argparse.Namespace, settings: ReleaseSettings, repo_args: tuple[str, ...]
) -> Planned:
    name = args.name
    validate_existing_name(name)  # names versioned created stay usable; core rules new names
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


def _plan_delete(
    repository: RepositoryPort, args: argparse.Namespace, settings: ReleaseSettings, repo_args: tuple[str, ...]
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
    repository: RepositoryPort, args: argparse.Namespace, settings: ReleaseSettings, repo_args: tuple[str, ...]
) -> Planned:
    name = args.name
    validate_existing_name(name)  # names versioned created stay usable; core rules new names
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


# --- freeze ------------------------------------------------------------------------------------


def parse_duration(text: str) -> timedelta:
    """'30m', '2h', '1d', '45s' -> a positive timedelta; ValueError names the text."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhd])\s*", text)
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"{text!r} is not a duration like 30m, 2h or 1d")
    return timedelta(seconds=int(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)])


def parse_until(args: argparse.Namespace, now: datetime) -> datetime:
    """--for DURATION or --until TIME as an aware UTC datetime in the future."""
    if args.duration is not None:
        try:
            until = now + parse_duration(args.duration)
        except ValueError as error:
            raise UsageError(f"--for {error}") from None
    else:
        try:
            until = datetime.fromisoformat(args.until.strip())
        except ValueError:
            raise UsageError(f"--until {args.until!r} is not an ISO 8601 time like 2026-12-02T06:00Z") from None
        if until.tzinfo is None:
            until = until.replace(tzinfo=UTC)
    until = until.astimezone(UTC)
    if until <= now:
        raise UsageError(f"--until {until:%Y-%m-%d %H:%M:%S} UTC is in the past")
    return until


def _freeze_state(repository: RepositoryPort, args: argparse.Namespace) -> tuple[Alias, int, tuple[CheckResult, ...]]:
    validate_alias(args.alias)
    current = next((a for a in repository.list_aliases(args.name) if a.alias == args.alias), None)
    if current is None:
        raise NotFound(f"alias {args.alias!r} of artifact {args.name!r} not found")
    revision, mismatch = _expected_revision(args, current, args.alias)
    return current, revision or 0, mismatch


def _plan_freeze(
    repository: RepositoryPort, args: argparse.Namespace, settings: ReleaseSettings, repo_args: tuple[str, ...]
) -> Planned:
    until = parse_until(args, datetime.now(UTC))
    reason = args.reason.strip()
    if not reason:
        raise UsageError("freeze: --reason must say why (it is shown to whoever is refused)")
    current, revision, mismatch = _freeze_state(repository, args)
    stamp = until.strftime("%Y-%m-%dT%H:%M:%SZ")
    change = f"freeze {args.alias} ({split_text(current.config)}) until {until:%Y-%m-%d %H:%M:%S} UTC: {reason}"
    if current.frozen:
        change += f" (replaces: {freeze_text(current)})"
    plan = WritePlan(
        action="freeze",
        name=args.name,
        alias=args.alias,
        change=change,
        before=current.config,
        after=current.config,
        expected_revision=revision,
        reason=reason,
        frozen_until=until,
        command=command_for(
            "freeze",
            args.name,
            alias=args.alias,
            until=stamp,
            reason=reason,
            expected_revision=revision,
            repo=repo_args,
        ),
    )
    return Planned(plan, mismatch)


def _plan_unfreeze(
    repository: RepositoryPort, args: argparse.Namespace, settings: ReleaseSettings, repo_args: tuple[str, ...]
) -> Planned:
    current, revision, mismatch = _freeze_state(repository, args)
    if current.frozen:
        change = f"unfreeze {args.alias} ({freeze_text(current)})"
    else:
        change = f"{args.alias} is not frozen: nothing to change"
    plan = WritePlan(
        action="unfreeze",
        name=args.name,
        alias=args.alias,
        change=change,
        noop=not current.frozen,
        before=current.config,
        after=current.config,
        expected_revision=revision,
        reason=args.reason,
        command=command_for(
            "unfreeze", args.name, alias=args.alias, reason=args.reason, expected_revision=revision, repo=repo_args
        ),
    )
    return Planned(plan, mismatch)
