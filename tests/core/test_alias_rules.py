"""Alias rules (issues 10 and 12): outside changes become history, no-op changes write nothing, freeze windows.

versioned 1.0.1 is the outside writer (moto in-process), as in test_interop. Core gets its own boto3 session
so a botocore hook counts exactly the requests core sends.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from faults import new_session, share_versioned_sessions

from core import AliasNotFoundError, ArtifactNotFoundError, ConflictError, InvalidArgumentError, Repository
from core.errors import FrozenError
from core.layout import format_time
from core.models import AliasConfig
from core.planning import plan_rollback

REGION = "us-east-1"
BUCKET = "rules-bucket"
TABLE = "rules-table"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


class World:
    """A versioned 1.0.1 repository and a core one on the same bucket and table, with core's requests counted."""

    def __init__(self, bsm, versioned, core: Repository, calls: list[str], clock: Clock) -> None:
        self.bsm, self.versioned, self.core, self.calls, self.clock = bsm, versioned, core, calls, clock
        self.raw = new_session(REGION).client("dynamodb")  # uncounted

    def vput(self, version: int, alias: str = "prod") -> None:
        self.versioned.put_alias("app", alias, version=version, bsm=self.bsm)

    def item(self, alias: str = "prod") -> dict | None:
        key = {"pk": {"S": "__app-alias"}, "sk": {"S": alias}}
        return self.raw.get_item(TableName=TABLE, Key=key, ConsistentRead=True).get("Item")

    def update(self, attribute: str, value: dict, alias: str = "prod") -> None:
        """Set one attribute of the stored alias behind core's back (another tool's partial update)."""
        self.raw.update_item(
            TableName=TABLE,
            Key={"pk": {"S": "__app-alias"}, "sk": {"S": alias}},
            UpdateExpression="SET #a = :v",
            ExpressionAttributeNames={"#a": attribute},
            ExpressionAttributeValues={":v": value},
        )

    def history(self, alias: str = "prod"):
        return self.core.list_alias_history("app", alias, limit=1000)

    def take(self) -> list[str]:
        taken = list(self.calls)
        self.calls.clear()
        return taken


@pytest.fixture
def world(inproc, monkeypatch) -> World:
    import moto  # noqa: F401 - moto's interceptor must be registered before the sessions exist
    from boto_session_manager import BotoSesManager
    from versioned.s3_and_dynamodb_backend import Repository as VersionedRepository

    share_versioned_sessions(monkeypatch)
    bsm = BotoSesManager(region_name=REGION)
    names = {"aws_region": REGION, "s3_bucket": BUCKET, "dynamodb_table_name": TABLE}
    session = new_session(REGION)
    calls: list[str] = []
    session.events.register("before-call", lambda event_name, **_: calls.append(event_name.split(".")[-1]))
    clock = Clock(datetime.now(UTC).replace(microsecond=0))
    core = Repository(**names, boto_session=session, operator="tester", use_sts=False, clock=clock)
    core.bootstrap()
    for content in (b"1", b"2", b"3"):
        core.put_artifact("app", content)
        core.publish_artifact_version("app")
    calls.clear()
    return World(bsm, VersionedRepository(**names), core, calls, clock)


def cfg(version: str) -> AliasConfig:
    return AliasConfig(version=version)


def assert_unbroken(history) -> None:
    """Revisions count down by one and each event starts where the older one ended."""
    assert [e.revision for e in history] == list(range(len(history), 0, -1))
    for newer, older in zip(history, history[1:], strict=False):
        assert newer.before == older.after, (newer, older)


# --- 1. outside changes become history ---------------------------------------------------------


def test_b2_outside_move_is_reported_then_recorded_with_the_rollback_that_restores_v1(world: World) -> None:
    world.vput(2)
    for version in (3, 2):
        world.core.put_alias("app", "prod", version)
    world.core.put_alias("app", "prod", 1, reason="hotfix: v2 corrupt, pin v1")
    assert world.core.alias_outside_change("app", "prod") is None
    world.vput(3)
    observed_at = world.core.get_alias("app", "prod").update_at

    outside = world.core.alias_outside_change("app", "prod")
    assert outside is not None
    assert (outside.observed, outside.revision, outside.update_at) == (cfg("3"), 0, observed_at)
    assert (outside.recorded, outside.recorded_revision) == (cfg("1"), 3)

    world.take()
    back = world.core.rollback_alias("app", "prod", reason="undo outside move")
    assert back is not None and (back.version, back.revision) == ("1", 5)
    calls = world.take()
    assert calls.count("TransactWriteItems") == 1 and len(calls) <= 3, calls
    history = world.history()
    assert_unbroken(history)
    external, rollback = history[1], history[0]
    assert (external.action, external.revision, external.actor) == ("external", 4, "outside vrc")
    assert (external.before, external.after, external.time) == (cfg("1"), cfg("3"), observed_at)
    assert (rollback.action, rollback.before, rollback.after) == ("rollback", cfg("3"), cfg("1"))
    assert world.versioned.get_alias("app", "prod", bsm=world.bsm).version == "1"
    assert world.core.alias_outside_change("app", "prod") is None


def test_reproduction_1_alias_created_by_versioned_rolls_back_to_its_first_version(world: World) -> None:
    world.vput(2)
    world.core.put_alias("app", "prod", 3)
    assert world.core.alias_outside_change("app", "prod") is None  # no history: nothing to contradict
    back = world.core.rollback_alias("app", "prod")
    assert back is not None and back.version == "2"
    assert [(e.action, e.before, e.after) for e in world.history()] == [
        ("rollback", cfg("3"), cfg("2")),
        ("move", cfg("2"), cfg("3")),
    ]


def _revision_reset(world: World) -> None:
    world.vput(3)  # same configuration; versioned drops the revision


def _other_config_same_revision(world: World) -> None:
    world.update("version", {"S": "000001"})


def _newer_update_time(world: World) -> None:
    later = world.core.get_alias("app", "prod").update_at + timedelta(minutes=5)
    world.update("update_at", {"S": format_time(later)})


def _older_revision_than_history(world: World) -> None:
    world.update("revision", {"N": "1"})


def _deleted_outside(world: World) -> None:
    world.versioned.delete_alias("app", "prod", bsm=world.bsm)


@pytest.mark.parametrize(
    "outside_write",
    [_revision_reset, _other_config_same_revision, _newer_update_time, _older_revision_than_history, _deleted_outside],
)
def test_every_kind_of_outside_change_is_recorded_in_the_same_transaction_as_the_next_write(
    world: World, outside_write
) -> None:
    world.core.put_alias("app", "prod", 1)
    world.core.put_alias("app", "prod", 3)
    outside_write(world)
    observed = world.item()
    outside = world.core.alias_outside_change("app", "prod")
    assert outside is not None and outside.recorded == cfg("3")

    world.take()
    written = world.core.put_alias("app", "prod", 2, reason="mine")
    assert written.revision == 4
    calls = world.take()
    assert calls.count("TransactWriteItems") == 1 and "PutItem" not in calls and "UpdateItem" not in calls, calls
    history = world.history()
    assert_unbroken(history)
    assert [e.action for e in history] == ["move" if observed else "create", "external", "move", "create"]
    external = history[1]
    assert external.before == cfg("3") and external.actor == "outside vrc"
    assert external.after == (None if observed is None else outside.observed)
    assert history[0].after == cfg("2") and history[0].reason == "mine"
    assert world.core.alias_outside_change("app", "prod") is None
    assert world.versioned.get_alias("app", "prod", bsm=world.bsm).version == "2"


def test_an_alias_recreated_outside_after_a_vrc_delete_is_recorded(world: World) -> None:
    world.core.put_alias("app", "prod", 1)
    world.core.delete_alias("app", "prod")
    world.vput(2)
    assert world.core.alias_outside_change("app", "prod") is not None
    world.core.delete_alias("app", "prod", reason="not yours")
    history = world.history()
    assert_unbroken(history)
    assert [(e.action, e.before, e.after) for e in history[:2]] == [
        ("delete", cfg("2"), None),
        ("external", None, cfg("2")),
    ]


def test_a_failed_write_records_no_external_event_either(world: World) -> None:
    world.core.put_alias("app", "prod", 1)
    world.vput(3)
    world.core.delete_artifact_version("app", 2)
    with pytest.raises(ArtifactNotFoundError):
        world.core.put_alias("app", "prod", 2)
    assert [e.action for e in world.history()] == ["create"]  # all or nothing
    assert world.core.alias_outside_change("app", "prod") is not None


def test_the_versioned_move_of_a_core_alias_is_recorded_before_an_expected_revision_write(world: World) -> None:
    world.core.put_alias("app", "prod", 1)
    world.vput(3)
    with pytest.raises(ConflictError):
        world.core.put_alias("app", "prod", 2, expected_revision=1)
    assert world.core.put_alias("app", "prod", 2, expected_revision=0).revision == 3
    assert [e.action for e in world.history()] == ["move", "external", "create"]


def test_the_planner_and_the_repository_agree_on_the_outside_change(world: World) -> None:
    world.core.put_alias("app", "prod", 1)
    world.core.put_alias("app", "prod", 2)
    world.vput(3)
    plan = plan_rollback(world.core.get_alias("app", "prod"), world.history())
    assert plan.outside_change == world.core.alias_outside_change("app", "prod")
    assert plan.target == cfg("2")


# --- 3. no-op changes write nothing --------------------------------------------------------------


def test_a_put_alias_that_changes_nothing_writes_nothing(world: World) -> None:
    world.core.put_alias("app", "prod", 1, 2, 10)
    history = world.history()
    world.take()
    same = world.core.put_alias("app", "prod", 1, 2, 10, reason="again")
    assert (same.version, same.secondary_version_weight, same.revision) == ("1", 10, 1)
    calls = world.take()
    assert "TransactWriteItems" not in calls and len(calls) <= 1, calls  # at most one read to confirm
    assert world.history() == history
    world.take()
    assert world.core.put_alias("app", "prod", 1, 2, 10, expected_revision=1).revision == 1
    assert "TransactWriteItems" not in world.take()
    with pytest.raises(ConflictError):
        world.core.put_alias("app", "prod", 1, 2, 10, expected_revision=7)
    assert world.history() == history


def test_a_no_op_judged_on_a_stale_view_is_checked_against_the_stored_alias(world: World) -> None:
    world.core.put_alias("app", "prod", 1)
    world.vput(3)  # core still remembers v1
    moved = world.core.put_alias("app", "prod", 1)
    assert moved.version == "1" and moved.revision == 3
    assert [e.action for e in world.history()] == ["move", "external", "create"]


def test_a_rollback_to_the_current_state_writes_nothing(world: World) -> None:
    world.core.put_alias("app", "prod", 1)
    world.core.put_alias("app", "prod", 2)
    world.take()
    same = world.core.rollback_alias("app", "prod", to_revision=2)
    assert same is not None and same.revision == 2
    assert "TransactWriteItems" not in world.take()
    assert len(world.history()) == 2


# --- 4. freeze windows ---------------------------------------------------------------------------


def test_freeze_refuses_changes_until_it_expires_and_versioned_still_reads_the_alias(world: World) -> None:
    world.core.put_alias("app", "prod", 1)
    world.core.put_alias("app", "prod", 2)
    until = world.clock.now + timedelta(hours=2)
    frozen = world.core.freeze("app", "prod", reason="incident 42", until=until, expected_revision=2)
    assert (frozen.frozen_until, frozen.frozen_by, frozen.frozen_reason, frozen.revision) == (
        until,
        "tester",
        "incident 42",
        3,
    )
    assert frozen.config == cfg("2")
    assert world.core.get_alias("app", "prod").frozen_reason == "incident 42"
    assert world.versioned.get_alias("app", "prod", bsm=world.bsm).version == "2"
    assert [a.alias for a in world.versioned.list_aliases("app", bsm=world.bsm)] == ["prod"]
    event = world.history()[0]
    assert (event.action, event.before, event.after, event.freeze.until, event.reason) == (
        "freeze",
        cfg("2"),
        cfg("2"),
        until,
        "incident 42",
    )

    for attempt in (
        lambda: world.core.put_alias("app", "prod", 3),
        lambda: world.core.put_alias("app", "prod", 2, 3, 10),
        lambda: world.core.delete_alias("app", "prod"),
    ):
        with pytest.raises(FrozenError, match="incident 42") as info:
            attempt()
        assert info.value.frozen_by == "tester" and info.value.until == until
        assert "tester" in str(info.value) and until.strftime("%Y-%m-%d %H:%M") in str(info.value)
    assert len(world.history()) == 3

    # A rollback to an earlier revision is allowed, and the alias stays frozen.
    back = world.core.rollback_alias("app", "prod")
    assert back is not None and back.version == "1" and back.frozen_until == until

    # An explicit override is allowed and recorded.
    moved = world.core.put_alias("app", "prod", 3, override_freeze_reason="fix ships now", reason="v3 has the fix")
    assert moved.version == "3" and moved.frozen_until == until
    assert world.history()[0].override_freeze_reason == "fix ships now"

    # Expiry is automatic, by the repository clock.
    world.clock.advance(hours=2, seconds=1)
    assert world.core.get_alias("app", "prod").frozen_until is None
    assert world.core.put_alias("app", "prod", 2).version == "2"
    assert_unbroken(world.history())


def test_unfreeze_is_recorded_and_freeze_takes_expected_revision(world: World) -> None:
    world.core.put_alias("app", "prod", 1)
    until = world.clock.now + timedelta(minutes=30)
    world.take()
    for bad in (
        {"reason": " ", "until": until},
        {"reason": "x", "until": world.clock.now},
        {"reason": "x", "until": until.replace(tzinfo=None)},
    ):
        with pytest.raises(InvalidArgumentError):
            world.core.freeze("app", "prod", **bad)
    assert world.take() == []  # refused before any request
    with pytest.raises(AliasNotFoundError):
        world.core.freeze("app", "staging", reason="x", until=until)
    with pytest.raises(ConflictError):
        world.core.freeze("app", "prod", reason="x", until=until, expected_revision=5)
    world.core.freeze("app", "prod", reason="release train", until=until)
    world.take()
    again = world.core.freeze("app", "prod", reason="release train", until=until)  # nothing to change
    assert again.revision == 2 and "TransactWriteItems" not in world.take()
    thawed = world.core.unfreeze("app", "prod", reason="train left")
    assert thawed.frozen_until is None and thawed.revision == 3
    assert world.core.put_alias("app", "prod", 2).version == "2"
    history = world.history()
    assert [e.action for e in history] == ["move", "unfreeze", "freeze", "create"]
    assert history[1].reason == "train left"
    assert_unbroken(history)


def test_freeze_is_checked_against_the_stored_alias_not_a_stale_view(world: World) -> None:
    world.core.put_alias("app", "prod", 1)
    colleague = world.core.view(operator="dana")  # shares what core last saw; freeze it through another repository
    other = Repository(
        aws_region=REGION,
        s3_bucket=BUCKET,
        dynamodb_table_name=TABLE,
        boto_session=new_session(REGION),
        operator="dana",
        use_sts=False,
        clock=world.clock,
    )
    other.freeze("app", "prod", reason="incident", until=world.clock.now + timedelta(hours=1))
    with pytest.raises(FrozenError, match="dana"):
        colleague.put_alias("app", "prod", 2)  # core's cached view says "not frozen"
    other.unfreeze("app", "prod")
    assert world.core.put_alias("app", "prod", 2).version == "2"  # core's cached view says "frozen"


def test_a_rollback_after_a_freeze_restores_the_state_before_the_last_move(world: World) -> None:
    world.core.put_alias("app", "prod", 1)
    world.core.put_alias("app", "prod", 2)
    world.core.freeze("app", "prod", reason="bad release", until=world.clock.now + timedelta(hours=1))
    back = world.core.rollback_alias("app", "prod")
    assert back is not None and back.version == "1"


def test_two_repositories_that_saw_the_same_outside_change_record_it_once(world: World) -> None:
    world.core.put_alias("app", "prod", 1)
    other = Repository(
        aws_region=REGION,
        s3_bucket=BUCKET,
        dynamodb_table_name=TABLE,
        boto_session=new_session(REGION),
        operator="dana",
        use_sts=False,
    )
    world.vput(3)
    assert world.core.alias_outside_change("app", "prod") is not None
    assert other.alias_outside_change("app", "prod") is not None
    world.core.put_alias("app", "prod", 2)
    other.put_alias("app", "prod", 1)  # its view is stale: learns the new state and the newest event again
    history = world.history()
    assert_unbroken(history)
    assert [e.action for e in history] == ["move", "move", "external", "create"]
    assert [e.actor for e in history[:2]] == ["dana", "tester"]


def test_a_write_after_the_repository_own_write_is_one_request(world: World) -> None:
    world.core.put_alias("app", "prod", 1)
    world.take()
    world.core.put_alias("app", "prod", 2)
    assert world.take() == ["TransactWriteItems"]
    world.core.get_alias("app", "prod")  # what the console does before a change
    world.take()
    world.core.put_alias("app", "prod", 1, 2, 10)
    assert world.take() == ["TransactWriteItems"]


def test_versions_and_aliases_of_an_artifact_in_two_queries(world: World) -> None:
    world.core.put_alias("app", "prod", 1, 2, 10)
    world.core.freeze("app", "prod", reason="incident", until=world.clock.now + timedelta(hours=1))
    world.vput(3, alias="dev")
    world.take()
    views, aliases = world.core.list_versions_and_aliases("app")
    assert world.take() == ["Query", "Query"]
    assert [(v.artifact.version, v.aliases) for v in views] == [
        ("LATEST", ()),
        ("3", ("dev",)),
        ("2", ("prod",)),
        ("1", ("prod",)),
    ]
    assert [(a.alias, a.frozen_reason) for a in aliases] == [("dev", None), ("prod", "incident")]
    assert views == world.core.list_versions_with_aliases("app")


def test_a_freeze_erased_by_versioned_still_holds_for_vrc_and_the_next_write_restores_it(world: World) -> None:
    world.core.put_alias("app", "prod", 1)
    until = world.clock.now + timedelta(hours=1)
    world.core.freeze("app", "prod", reason="incident 7", until=until)
    world.vput(2)  # versioned 1.0.1 rewrites the whole item: the freeze attributes are gone
    assert world.core.get_alias("app", "prod").frozen_until is None
    with pytest.raises(FrozenError, match="incident 7"):
        world.core.put_alias("app", "prod", 3)
    moved = world.core.put_alias("app", "prod", 3, override_freeze_reason="ship the fix")
    assert (moved.frozen_until, moved.frozen_reason) == (until, "incident 7")
    history = world.history()
    assert_unbroken(history)
    assert [(e.action, e.freeze is not None) for e in history] == [
        ("move", True),
        ("external", False),
        ("freeze", True),
        ("create", False),
    ]
    assert history[0].override_freeze_reason == "ship the fix"
    world.clock.advance(hours=1, seconds=1)
    assert world.core.put_alias("app", "prod", 1).frozen_until is None
    assert world.history()[0].freeze is None


def test_a_change_by_another_vrc_repository_is_not_mistaken_for_an_outside_change(world: World) -> None:
    world.core.put_alias("app", "prod", 1)
    other = Repository(
        aws_region=REGION,
        s3_bucket=BUCKET,
        dynamodb_table_name=TABLE,
        boto_session=new_session(REGION),
        operator="dana",
        use_sts=False,
    )
    other.put_alias("app", "prod", 2)
    assert world.core.put_alias("app", "prod", 1).revision == 3  # core's view said "already on v1"
    assert [e.action for e in world.history()] == ["move", "move", "create"]
    assert_unbroken(world.history())
