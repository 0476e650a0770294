"""The `vrc …` command that performs a change: what the console shows and copies for each dialog."""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from ..release.proposals import Proposal

Action = Literal[
    "upload", "download", "publish", "promote", "rollback", "canary", "delete", "purge", "freeze", "unfreeze"
]
CanaryMode = Literal["apply", "promote", "abort"]
ALIAS_ACTIONS = ("promote", "rollback", "canary", "freeze", "unfreeze")
"""The actions that change an alias: they take --expected-revision and record --reason in its history."""
OVERRIDABLE = ("promote", "rollback", "canary")
"""The alias changes that take --override-freeze."""


def command_for(
    action: Action,
    name: str,
    *,
    alias: str | None = None,
    version: str | int | None = None,
    expected_revision: int | None = None,
    reason: str | None = None,
    publish: bool = False,
    expected_sha256: str | None = None,
    to_revision: int | None = None,
    mode: CanaryMode = "apply",
    stable: str | int | None = None,
    weight: int | None = None,
    file: str | None = None,
    content_type: str | None = None,
    metadata: Mapping[str, str] | None = None,
    output: str | None = None,
    force: bool = False,
    keep: int | None = None,
    older_than: str | None = None,
    yes: bool = False,
    until: str | None = None,
    override_freeze: str | None = None,
    repo: Sequence[str] = (),
) -> str:
    """The shell-quoted `vrc` command for one change; ValueError names a missing argument.

    `expected_revision` and `reason` apply to alias changes only (ALIAS_ACTIONS); `expected_revision`
    is the alias revision the change is based on (0: the alias must not exist yet); `repo` holds the repository
    options (`("--repo", "staging")`) placed before the action. A freeze needs `until` (ISO 8601) and
    `reason`; `override_freeze` is the reason to change a frozen alias anyway. For a canary, `version` is the
    canary version (`--to`: needed to apply, optional to promote) and `stable` the stable one (optional).
    """
    words = ["vrc", *repo, action, name]

    def need(value: object, what: str) -> None:
        if value is None or value == "":
            raise ValueError(f"command_for({action!r}) needs {what}")

    if action == "upload":
        need(file, "file")
        words.append(str(file))
        if content_type:
            words += ["--content-type", content_type]
        for key, value in (metadata or {}).items():
            words += ["--meta", f"{key}={value}"]
    elif action == "download":
        if alias:
            words += ["--alias", alias]
        elif version is not None:
            words.append(str(version))
        if output:
            words += ["-o", output]
        if force:
            words.append("--force")
    elif action == "publish":
        if expected_sha256:
            words += ["--expected-sha256", expected_sha256]
    elif action == "promote":
        need(alias, "alias")
        words.append(str(alias))
        if publish:
            words.append("--publish")
            if expected_sha256:
                words += ["--expected-sha256", expected_sha256]
        else:
            need(version, "version")
            words.append(str(version))
    elif action == "rollback":
        need(alias, "alias")
        words.append(str(alias))
        if to_revision is not None:
            words += ["--to-revision", str(to_revision)]
    elif action == "canary":
        need(alias, "alias")
        words.append(str(alias))
        if mode == "promote":
            words.append("--promote")
            if version is not None:
                words += ["--to", str(version)]
        elif mode == "abort":
            words.append("--abort")
            if stable is not None:
                words += ["--stable", str(stable)]
        else:
            need(version, "version (the canary)")
            need(weight, "weight")
            words += ["--to", str(version), "--weight", str(weight)]
            if stable is not None:
                words += ["--stable", str(stable)]
    elif action == "delete":
        need(version, "version")
        words.append(str(version))
    elif action == "purge":
        need(keep, "keep")
        words += ["--keep", str(keep)]
        if older_than:
            words += ["--older-than", older_than]
    elif action == "freeze":
        need(alias, "alias")
        need(until, "until")
        need(reason, "reason")
        words += [str(alias), "--until", str(until)]
    elif action == "unfreeze":
        need(alias, "alias")
        words.append(str(alias))
    else:
        raise ValueError(f"command_for: unknown action {action!r}")
    if action in ALIAS_ACTIONS:
        if expected_revision is not None:
            words += ["--expected-revision", str(expected_revision)]
        if reason:
            words += ["--reason", reason]
    if override_freeze and action in OVERRIDABLE:
        words += ["--override-freeze", override_freeze]
    if yes:
        words.append("--yes")
    return shlex.join(words)


def command_for_event(name: str, alias: str, revision: int, *, expected_revision: int, repo: Sequence[str] = ()) -> str:
    """The command that puts `alias` back to what history row `revision` set (the history screen's copy)."""
    return command_for(
        "rollback", name, alias=alias, to_revision=revision, expected_revision=expected_revision, repo=repo
    )


def command_for_proposal(
    proposal: Proposal, *, reason: str | None = None, override_freeze: str | None = None, repo: Sequence[str] = ()
) -> str:
    """The `vrc` command that makes the change a release dialog proposes, from the revision it read."""
    from ..release.proposals import CanaryStep, Move, Publish, Rollback

    if isinstance(proposal, Publish):
        if proposal.alias is None:
            return command_for("publish", proposal.name, expected_sha256=proposal.latest.sha256, repo=repo)
        return command_for(
            "promote",
            proposal.name,
            alias=proposal.alias,
            publish=True,
            expected_sha256=proposal.latest.sha256,
            expected_revision=proposal.expected_revision or 0,
            reason=reason,
            override_freeze=override_freeze,
            repo=repo,
        )
    if isinstance(proposal, Move):
        return command_for(
            "promote",
            proposal.name,
            alias=proposal.alias,
            version=proposal.version,
            expected_revision=proposal.expected_revision or 0,
            reason=reason,
            override_freeze=override_freeze,
            repo=repo,
        )
    if isinstance(proposal, Rollback):
        plan = proposal.plan
        return command_for(
            "rollback",
            proposal.name,
            alias=proposal.alias,
            to_revision=plan.to_revision,
            expected_revision=plan.expected_revision or 0,
            reason=reason,
            override_freeze=override_freeze,
            repo=repo,
        )
    if isinstance(proposal, CanaryStep):
        return command_for(
            "canary",
            proposal.name,
            alias=proposal.alias,
            mode=proposal.mode,
            version=proposal.canary if proposal.mode != "abort" else None,
            weight=proposal.weight if proposal.mode == "apply" else None,
            stable=proposal.stable if proposal.mode == "apply" else None,
            expected_revision=proposal.expected_revision,
            reason=reason,
            override_freeze=override_freeze,
            repo=repo,
        )
    raise TypeError(f"no command for {type(proposal).__name__}")
