"""The rollback planner (pure) and core's rollback using it, with versioned 1.0.1 as the outside writer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.models import Alias, AliasConfig, AliasEvent
from core.planning import NoRecordedHistoryError, UnknownRevisionError, plan_rollback

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def cfg(version: str, canary: str | None = None, weight: int | None = None) -> AliasConfig:
    return AliasConfig(version=version, secondary_version=canary, secondary_version_weight=weight)


def alias(config: AliasConfig, revision: int, minutes: int = 0) -> Alias:
    return Alias(
        name="app",
        alias="prod",
        update_at=T0 + timedelta(minutes=minutes),
        version=config.version,
        secondary_version=config.secondary_version,
        secondary_version_weight=config.secondary_version_weight,
        version_s3uri=f"s3://b/app/{config.version}",
        secondary_version_s3uri=f"s3://b/app/{config.secondary_version}" if config.secondary_version else None,
        revision=revision,
    )


def event(revision: int, before: AliasConfig | None, after: AliasConfig | None) -> AliasEvent:
    return AliasEvent(
        name="app",
        alias="prod",
        revision=revision,
        time=T0 + timedelta(minutes=revision),
        actor="tester",
        action="move",
        before=before,
        after=after,
    )


def test_first_event_of_an_alias_created_outside_vrc_restores_its_first_state_not_delete() -> None:
    # Reproduction 1: versioned created prod at v2 (no event); vrc moved it to v3 (one event v2 -> v3).
    plan = plan_rollback(alias(cfg("3"), 1), [event(1, cfg("2"), cfg("3"))])
    assert plan.target == cfg("2") and not plan.deletes
    assert plan.before == cfg("3") and plan.expected_revision == 1
    assert plan.source.revision == 1 and plan.to_revision is None and plan.outside_change is None
    assert "before revision 1" in plan.label and "v2" in plan.label


def test_an_alias_created_by_vrc_rolls_back_to_no_alias() -> None:
    plan = plan_rollback(alias(cfg("2"), 1), [event(1, None, cfg("2"))])
    assert plan.target is None and plan.deletes and plan.changes
    assert "deletes the alias" in plan.label


def test_a_deleted_alias_is_restored_to_its_state_before_the_delete() -> None:
    history = [event(2, cfg("3"), None), event(1, None, cfg("3"))]
    plan = plan_rollback(None, history, name="app", alias="prod")
    assert plan.target == cfg("3") and plan.before is None and plan.expected_revision is None
    assert plan.outside_change is None


def test_a_canary_in_flight_rolls_back_to_the_stable_split() -> None:
    history = [event(2, cfg("4"), cfg("4", "6", 10)), event(1, None, cfg("4"))]
    plan = plan_rollback(alias(cfg("4", "6", 10), 2), history)
    assert plan.target == cfg("4") and plan.outside_change is None


def test_a_chosen_revision_restores_that_events_after() -> None:
    history = [event(3, cfg("2"), cfg("3")), event(2, cfg("1"), cfg("2")), event(1, None, cfg("1"))]
    plan = plan_rollback(alias(cfg("3"), 3), history, to_revision=1)
    assert plan.target == cfg("1") and plan.to_revision == 1 and plan.source.revision == 1
    assert plan.label.startswith("revision 1")
    same = plan_rollback(alias(cfg("3"), 3), history, to_revision=3)
    assert not same.changes  # the console refuses this: nothing to change
    with pytest.raises(UnknownRevisionError, match="no revision 42"):
        plan_rollback(alias(cfg("3"), 3), history, to_revision=42)


def test_the_b2_hole_rolls_back_to_the_state_before_the_outside_move() -> None:
    # Reproduction 2: rev1 v2->v3, rev2 v3->v2, rev3 v2->v1; then versioned puts v3 with revision 0.
    history = [event(3, cfg("2"), cfg("1")), event(2, cfg("3"), cfg("2")), event(1, cfg("2"), cfg("3"))]
    plan = plan_rollback(alias(cfg("3"), 0, minutes=30), history)
    assert plan.target == cfg("1")
    assert plan.outside_change is not None
    assert plan.outside_change.observed == cfg("3") and plan.outside_change.revision == 0
    assert plan.outside_change.update_at == T0 + timedelta(minutes=30)
    assert plan.expected_revision == 0 and plan.before == cfg("3")


@pytest.mark.parametrize(
    ("current", "why"),
    [
        (alias(cfg("1"), 0), "revision reset by versioned, same config"),
        (alias(cfg("2"), 3), "same revision, other config"),
        (None, "deleted outside vrc"),
    ],
)
def test_every_mismatch_with_the_newest_event_is_an_outside_change(current: Alias | None, why: str) -> None:
    history = [event(3, cfg("2"), cfg("1")), event(2, None, cfg("2"))]
    plan = plan_rollback(current, history, name="app", alias="prod")
    assert plan.outside_change is not None, why
    assert plan.target == cfg("1")


def test_an_alias_recreated_outside_vrc_after_its_delete_is_an_outside_change() -> None:
    plan = plan_rollback(alias(cfg("5"), 0), [event(2, cfg("3"), None), event(1, None, cfg("3"))])
    assert plan.outside_change is not None and plan.target is None


def test_no_history_is_a_typed_error() -> None:
    with pytest.raises(NoRecordedHistoryError, match="no recorded history"):
        plan_rollback(alias(cfg("2"), 0), [])
    with pytest.raises(NoRecordedHistoryError, match="does not exist"):
        plan_rollback(None, [], name="app", alias="prod")


# --- core's rollback computes its target with the same planner ------------------------------------


@pytest.fixture
def shared(inproc):
    """A versioned 1.0.1 repository and a core one on the same bucket and table."""
    import moto  # noqa: F401 - moto's interceptor must be registered before the session exists
    from boto_session_manager import BotoSesManager
    from versioned.s3_and_dynamodb_backend import Repository as VersionedRepository

    from core import Repository

    bsm = BotoSesManager(region_name="us-east-1")
    names = {"aws_region": "us-east-1", "s3_bucket": "plan-bucket", "dynamodb_table_name": "plan-table"}
    versioned = VersionedRepository(**names)
    core = Repository(**names, boto_session=bsm.boto_ses, operator="tester")
    core.bootstrap()
    for content in (b"1", b"2", b"3"):
        core.put_artifact("app", content)
        core.publish_artifact_version("app")
    return bsm, versioned, core


def test_core_rollback_of_an_alias_created_by_versioned_restores_its_first_version(shared) -> None:
    bsm, versioned, core = shared
    versioned.put_alias("app", "prod", version=2, bsm=bsm)
    core.put_alias("app", "prod", 3)
    back = core.rollback_alias("app", "prod")
    assert back is not None and back.version == "2"


def test_core_rollback_after_versioned_moved_the_alias_restores_the_state_before_that_move(shared) -> None:
    bsm, versioned, core = shared
    for version in (2, 3, 2, 1):
        core.put_alias("app", "prod", version)
    versioned.put_alias("app", "prod", version=3, bsm=bsm)
    current = core.get_alias("app", "prod")
    plan = plan_rollback(current, core.list_alias_history("app", "prod"))
    assert plan.target == cfg("1") and plan.outside_change is not None
    back = core.rollback_alias("app", "prod")
    assert back is not None and back.version == "1"
