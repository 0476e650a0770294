"""tui.release proposals without an app: what each action proposes, refuses, checks and writes."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.errors import ConflictError
from core.models import Alias, AliasConfig, AliasEvent, Artifact
from tui.release.preflight import run_checks
from tui.release.proposals import (
    CanaryStep,
    Incomplete,
    Move,
    NothingToChange,
    NotReady,
    PartialWrite,
    Publish,
    ReleaseState,
    Rollback,
    newly_serving,
    plan_canary,
    plan_promote,
    plan_rollback_proposal,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[3]


def artifact(version: str, sha: str) -> Artifact:
    return Artifact(name="app", version=version, update_at=T0, s3uri=f"s3://b/app/{version}", sha256=sha * 64)


def alias(name: str, config: AliasConfig, revision: int) -> Alias:
    return Alias(
        name="app",
        alias=name,
        update_at=T0 + timedelta(minutes=revision),
        version=config.version,
        secondary_version=config.secondary_version,
        secondary_version_weight=config.secondary_version_weight,
        version_s3uri=f"s3://b/app/{config.version}",
        revision=revision,
    )


def event(revision: int, before: AliasConfig | None, after: AliasConfig | None, name: str = "prod") -> AliasEvent:
    return AliasEvent(
        name="app",
        alias=name,
        revision=revision,
        time=T0 + timedelta(minutes=revision),
        actor="dana",
        action="move",
        before=before,
        after=after,
    )


def v(version: str, canary: str | None = None, weight: int | None = None) -> AliasConfig:
    return AliasConfig(version=version, secondary_version=canary, secondary_version_weight=weight)


VERSIONS = (artifact("LATEST", "d"), artifact("4", "d"), artifact("3", "c"), artifact("2", "b"))


def state(*aliases: Alias, history: tuple[AliasEvent, ...] | None = None, versions=VERSIONS) -> ReleaseState:
    return ReleaseState("app", versions, aliases, history)


class Recorder:
    """Records every call a proposal makes; answers like core would, or raises `fail[method]`."""

    def __init__(self, **fail: BaseException) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.fail = fail

    def __getattr__(self, method: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((method, args, kwargs))
            if method in self.fail:
                raise self.fail[method]
            if method == "publish_artifact_version":
                return artifact("5", "e")
            if method in ("put_alias", "rollback_alias"):
                version = args[2] if method == "put_alias" else "2"
                return alias(args[1], v(version), 9)
            if method == "verify_objects":
                return list(args[0])
            if method == "get_alias":
                return alias(args[1], v("4"), 1)
            raise AssertionError(f"unexpected call {method}")

        return call

    @property
    def methods(self) -> list[str]:
        return [method for method, _, _ in self.calls]


# --- no-op changes are refused, and nothing is written -------------------------------------------


def test_publish_of_a_latest_identical_to_the_alias_version_is_nothing_to_change() -> None:
    # Issue 10 reproduction 4: LATEST identical to v4, development already on v4.
    current = state(alias("development", v("4"), 2))
    with pytest.raises(NothingToChange, match="nothing to change"):
        plan_promote(current, publish=True, alias="development", version="")
    with pytest.raises(NothingToChange):
        plan_promote(current, publish=True, alias=None, version="")
    # Another alias: no new version, only the move to the identical version 4.
    move = plan_promote(state(alias("production", v("3"), 1)), publish=True, alias="production", version="")
    assert isinstance(move, Move) and move.version == "4" and "no new version" in move.change_text()


def test_every_action_refuses_what_is_already_there() -> None:
    with pytest.raises(NothingToChange):
        plan_promote(state(alias("prod", v("3"), 1)), publish=False, alias="prod", version="3")
    split = alias("prod", v("3", "4", 10), 2)
    with pytest.raises(NothingToChange):
        plan_canary(state(split), "prod", "apply", stable="3", canary="4", weight="10")
    with pytest.raises(NothingToChange):
        plan_rollback_proposal(state(alias("prod", v("3"), 2), history=(event(2, v("2"), v("3")),)), "prod", 2)


def test_empty_fields_and_loading_are_notes_not_errors() -> None:
    with pytest.raises(Incomplete, match="enter the version"):
        plan_promote(state(), publish=False, alias="prod", version=" ")
    with pytest.raises(NotReady):
        plan_rollback_proposal(state(alias("prod", v("3"), 1)), "prod")
    with pytest.raises(ValueError, match="does not exist or is deleted"):
        plan_promote(state(), publish=False, alias="prod", version="9")


# --- what each proposal shows, checks and writes ---------------------------------------------------


def test_move_shows_the_traffic_checks_the_new_version_and_writes_with_the_revision_it_showed() -> None:
    move = plan_promote(state(alias("prod", v("3"), 4)), publish=False, alias="prod", version="4")
    assert isinstance(move, Move)
    assert move.change_text() == "prod: v3 100% → v4 100%  (traffic: v3 100%→0% · v4 0%→100%)"
    plan = move.checks_plan()
    assert (plan.versions, plan.alias, plan.expected_revision) == (("4",), "prod", 4)
    repository = Recorder()
    outcome = move.apply(repository, "ship it")  # type: ignore[arg-type]
    assert repository.calls == [
        (
            "put_alias",
            ("app", "prod", "4"),
            {"expected_revision": 4, "reason": "ship it", "override_freeze_reason": None},
        )
    ]
    assert (outcome.alias, outcome.revision) == ("prod", 9) and "prod → v4 100% (revision 9)" in outcome.summary


def test_publish_then_move_and_a_failed_move_is_a_partial_write_saying_what_was_written() -> None:
    versions = (artifact("LATEST", "f"), *VERSIONS[1:])
    publish = plan_promote(state(alias("prod", v("4"), 3), versions=versions), publish=True, alias="prod", version="")
    assert isinstance(publish, Publish)
    assert publish.checks_plan().latest_sha256 == "f" * 64
    repository = Recorder(put_alias=ConflictError("alias 'prod' of 'app' moved to revision 4"))
    with pytest.raises(PartialWrite) as caught:
        publish.apply(repository, None)  # type: ignore[arg-type]
    assert repository.methods == ["publish_artifact_version", "put_alias"]
    written = caught.value.outcome
    assert written.summary == (
        "app: published version 5 (sha256 eeeeeeeeeeee); prod not moved: alias 'prod' of 'app' moved to revision 4"
    )
    assert written.published is not None and written.alias is None


def test_rollback_is_the_planners_result_and_passes_its_revision_to_core() -> None:
    # The B2 hole: rev1 v2->v3, rev2 v3->v2, rev3 v2->v1, then versioned put v3 at revision 0.
    history = (event(3, v("2"), v("1")), event(2, v("3"), v("2")), event(1, v("2"), v("3")))
    rollback = plan_rollback_proposal(state(alias("prod", v("3"), 0), history=history), "prod")
    assert isinstance(rollback, Rollback)
    assert rollback.plan.target == v("1") and rollback.plan.outside_change is not None
    assert rollback.change_text().startswith("Restore revision 3, before the change made outside vrc (v1): v3 100%")
    assert rollback.checks_plan().versions == ("1",)  # the version that would start serving
    repository = Recorder()
    rollback.apply(repository, None)  # type: ignore[arg-type]
    assert repository.calls[0][2] == {
        "to_revision": 3,
        "expected_revision": 0,
        "reason": None,
        "override_freeze_reason": None,
    }


def test_a_rollback_of_a_stale_view_fails_its_alias_check_without_a_request() -> None:
    history = (event(2, v("3"), v("2")), event(1, None, v("3")))
    rollback = plan_rollback_proposal(state(alias("prod", v("3"), 1), history=history), "prod")
    repository = Recorder()
    checks = run_checks(repository, rollback.checks_plan())  # type: ignore[arg-type]
    assert not checks.passed and checks.conflict is not None and checks.conflict.actor == "dana"
    assert "moved to revision 2" in checks.failures[0].detail
    assert "get_alias" not in repository.methods


def test_canary_kinds_reasons_and_which_versions_get_verified() -> None:
    stable = alias("prod", v("3"), 1)
    start = plan_canary(state(stable), "prod", "apply", stable="3", canary="4", weight="10")
    assert isinstance(start, CanaryStep) and start.kind == "start"
    assert start.default_reason() == "canary v4 at 10% (stable v3)"
    assert start.checks_plan().versions == ("4",)  # v3 already serves: no HEAD for it
    running = alias("prod", v("3", "4", 10), 2)
    raised = plan_canary(state(running), "prod", "apply", stable="3", canary="4", weight="50")
    assert raised.kind == "weight" and raised.default_reason() == "raise canary v4 from 10% to 50%"
    assert raised.checks_plan().versions == ()
    promote = plan_canary(state(running), "prod", "promote", stable="3", canary="4", weight="")
    assert promote.after == v("4") and promote.default_reason() == "promote canary v4 to 100%"
    abort = plan_canary(state(running), "prod", "abort", stable="3", canary="", weight="")
    assert abort.after == v("3") and abort.default_reason() == "abort canary v4: back to v3"
    with pytest.raises(ValueError, match="runs no canary"):
        plan_canary(state(stable), "prod", "abort", stable="3", canary="", weight="")
    assert newly_serving(v("3", "4", 10), v("4")) == ()


def test_checks_cost_one_request_each_and_use_the_versions_already_read() -> None:
    move = plan_promote(state(alias("prod", v("3"), 1)), publish=False, alias="prod", version="4")
    repository = Recorder()
    checks = run_checks(repository, move.checks_plan())  # type: ignore[arg-type]
    assert repository.methods == ["verify_objects", "get_alias"]
    assert checks.passed


def test_tui_release_never_imports_textual() -> None:
    code = (
        "import sys; import tui.release, tui.release.proposals, tui.release.preflight; "
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    loaded = set(out.stdout.split())
    assert "textual" not in loaded and "rich" not in loaded


def test_an_override_reason_reaches_core() -> None:
    """A frozen alias: the dialogs and the CLI pass the override reason to core's alias write."""
    repository = Recorder()
    move = plan_promote(state(alias("prod", v("3"), 4)), publish=False, alias="prod", version="4")
    move.apply(repository, "ship it", "hotfix")  # type: ignore[arg-type,union-attr]
    assert repository.calls[0][2]["override_freeze_reason"] == "hotfix"
