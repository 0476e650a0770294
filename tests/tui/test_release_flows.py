"""Promote, rollback and canary against the demo backend: keys, pre-flight, conflicts, pictures.

Every flow asserts what the backend holds afterwards. The canary histogram is paused and seeded
(a running replay would keep `settle` waiting); snapshots draw a fixed number of requests into it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from release_walk import SETTINGS, checklist, dialog, release_app, select, type_into, walk_request_budgets
from textual.command import CommandList
from textual.pilot import Pilot
from textual.widgets import Button, Checkbox, DataTable, Input, Label
from tui_helpers import drive, fresh_repository, notifications, settle

from core import Repository
from core.demo import DEMO_NOW
from core.models import AliasConfig
from tui.app import VrcApp
from tui.commands import key_actions
from tui.config import ConfigError, resolve
from tui.connection import Connection
from tui.modals.canary import CanaryModal, WeightInput, next_preset, step_weight
from tui.modals.conflict import ConflictModal
from tui.modals.promote import PromoteModal
from tui.modals.rollback import RollbackModal
from tui.release import ReleaseSettings, next_alias, parse_protected, traffic_effect
from tui.screens.history import AliasHistoryScreen
from tui.screens.main import MainScreen
from tui.widgets.histogram import TrafficHistogram

SnapCompare = Callable[..., bool]


def other_writer(repository: Repository, actor: str = "dana.oncall") -> Repository:
    """A second client of the same backend, as a colleague's console would be.

    Its own Repository and botocore clients, made from the demo's boto3 session: a fresh session
    would parse botocore's service models again (~0.5 s per test).
    """
    return Repository(
        aws_region=repository.aws_region,
        s3_bucket=repository.s3_bucket,
        dynamodb_table_name=repository.dynamodb_table_name,
        operator=actor,
        use_sts=False,
        clock=lambda: DEMO_NOW,
        boto_session=repository.boto_session,
    )


def status(pilot: Pilot[None]) -> str:
    return str(dialog(pilot).query_one("#release-status", Label).render())


# --- pure parts ---------------------------------------------------------------------------------


def test_traffic_effect_names_each_version_that_gains_or_loses() -> None:
    canary = AliasConfig(version="4", secondary_version="6", secondary_version_weight=10)
    assert traffic_effect(AliasConfig(version="3"), AliasConfig(version="4")) == "v3 100%→0% · v4 0%→100%"
    assert traffic_effect(canary, AliasConfig(version="4")) == "v4 90%→100% · v6 10%→0%"
    assert traffic_effect(None, AliasConfig(version="LATEST")) == "LATEST 0%→100%"
    assert traffic_effect(canary, canary) == "no traffic change"


def test_weight_steps_presets_and_protected_patterns() -> None:
    assert [step_weight(98, 5), step_weight(3, -5), step_weight(10, 1)] == [99, 0, 11]
    assert [next_preset(0, 1), next_preset(5, 1), next_preset(12, 1), next_preset(50, 1)] == [1, 10, 25, 50]
    assert [next_preset(12, -1), next_preset(1, -1)] == [10, 1]
    assert next_alias("staging", ["development", "production", "staging"]) == "production"
    assert next_alias("production", ["production", "staging"]) == "production"
    assert parse_protected(" prod*, live ,") == ("prod*", "live")
    settings = ReleaseSettings(protected=("prod*", "live"))
    assert settings.is_protected("production") and settings.is_protected("live")
    assert not settings.is_protected("staging") and not settings.is_protected("Production")


def test_protected_patterns_come_from_the_command_line_or_the_config(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    assert resolve([], env).release.protected == ("prod*",)
    assert resolve(["--protect", "prod*, live"], env).release.protected == ("prod*", "live")
    assert resolve(["--protect", ""], env).release.protected == ()
    config = tmp_path / "vrc" / "config.toml"
    config.parent.mkdir()
    config.write_text('protected_aliases = ["release_*"]\n')
    assert resolve([], env).release.protected == ("release_*",)
    assert resolve(["--protect", "prod*"], env).release.protected == ("prod*",)
    config.write_text("protected_aliases = 3\n")
    with pytest.raises(ConfigError, match="protected_aliases must be a list of alias patterns"):
        resolve([], env)


# --- promote ------------------------------------------------------------------------------------


def test_promote_validates_then_moves_an_alias(demo_repository: Repository) -> None:
    async def script(pilot: Pilot[None]) -> None:
        await select(pilot, "churn-model", version="2")
        await pilot.press("p")
        await settle(pilot)
        modal = dialog(pilot)
        await type_into(pilot, "promote-alias", "staging")
        await type_into(pilot, "promote-version", "9")
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is modal
        assert "version '9' of churn-model does not exist or is deleted" in status(pilot)
        assert modal.query_one("#confirm", Button).disabled
        await type_into(pilot, "promote-version", "abc")
        assert "'abc'" in status(pilot)
        await type_into(pilot, "promote-alias", "pre-prod")
        assert "'pre-prod'" in status(pilot) and "hyphen" in status(pilot)
        await pilot.press("escape")
        await settle(pilot)

        # "Promote what staging has to production", from the alias pane.
        await select(pilot, "churn-model", alias="staging")
        await pilot.press("p")
        await settle(pilot)
        modal = dialog(pilot)
        assert isinstance(modal, PromoteModal)
        assert modal.field("promote-alias").value == "production"
        assert modal.field("promote-version").value == "4"
        change = str(modal.query_one("#release-change", Label).render())
        assert "production: v3 100% → v4 100%" in change and "v3 100%→0% · v4 0%→100%" in change
        assert modal.checks is not None and modal.checks.passed
        assert "✓ v4" in checklist(pilot) and "unchanged since displayed (revision 3)" in checklist(pilot)

        await type_into(pilot, "release-reason", "retrained model beat prod")
        await pilot.press("enter")  # protected: the name must be typed first
        await settle(pilot)
        assert pilot.app.screen is modal
        assert "type 'production' to confirm" in status(pilot)
        await type_into(pilot, "release-confirm-name", "production")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MainScreen)
        assert any("production → v4 100% (revision 4)" in text for text in notifications(pilot.app))

    staging_before = demo_repository.list_alias_history("churn-model", "staging")
    drive(release_app(demo_repository), script)
    assert demo_repository.list_alias_history("churn-model", "staging") == staging_before
    alias = demo_repository.get_alias("churn-model", "production")
    assert (alias.version, alias.secondary_version, alias.revision) == ("4", None, 4)
    event = demo_repository.list_alias_history("churn-model", "production", limit=1)[0]
    assert (event.action, event.reason, event.actor) == ("move", "retrained model beat prod", "you (demo)")


def test_promote_publishes_latest_with_the_sha256_it_showed(demo_repository: Repository) -> None:
    latest = demo_repository.get_artifact_version("customer-analytics-db")

    async def script(pilot: Pilot[None]) -> None:
        await select(pilot, "churn-model", version="LATEST")  # LATEST equals version 4 there
        await pilot.press("p")
        await settle(pilot)
        assert "publishing changes nothing" in str(dialog(pilot).query_one("#promote-publish", Checkbox).label)
        await pilot.press("escape")

        await select(pilot, "customer-analytics-db", version="LATEST")
        await pilot.press("p")
        await settle(pilot)
        modal = dialog(pilot)
        publish = modal.query_one("#promote-publish", Checkbox)
        assert publish.value and latest.sha256[:12] in str(publish.label)
        await type_into(pilot, "promote-alias", "")
        assert "Publish: LATEST (sha256" in str(modal.query_one("#release-change", Label).render())
        assert "✓ LATEST" in checklist(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MainScreen)
        assert any("published version 7" in text for text in notifications(pilot.app))

    drive(release_app(demo_repository), script)
    assert demo_repository.get_artifact_version("customer-analytics-db", 7).sha256 == latest.sha256
    assert len(demo_repository.list_artifact_versions("churn-model")) == 5


# --- rollback -----------------------------------------------------------------------------------


def test_rollback_takes_b_and_enter_and_protected_aliases_need_their_name(
    demo_repository: Repository,
) -> None:
    async def script(pilot: Pilot[None]) -> None:
        await select(pilot, "edge-config", alias="staging")
        await pilot.press("b", "enter")  # enter before the history has loaded: it waits for it
        await settle(pilot)
        assert isinstance(pilot.app.screen, MainScreen)
        assert any("staging rolled back to v4 100%" in text for text in notifications(pilot.app))

        await select(pilot, "customer-analytics-db", alias="production")
        await pilot.press("b")
        await settle(pilot)
        modal = dialog(pilot)
        assert isinstance(modal, RollbackModal)
        table = modal.query_one("#rollback-history")
        assert table.row_count == 4 and table.cursor_row == 1
        change = str(modal.query_one("#release-change").render())
        assert "Restore before revision 4 (v4): v4 90% | v6 10% → v4 100%" in change
        await pilot.press("enter")
        assert "production is protected: type 'production' to confirm" in status(pilot)
        assert pilot.app.focused is modal.field("release-confirm-name")
        await pilot.press(*"prod", "enter")
        assert "(typed 'prod')" in status(pilot)
        await type_into(pilot, "release-confirm-name", "production")
        await type_into(pilot, "release-reason", "canary v6 raises p95 latency")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MainScreen)

    drive(release_app(demo_repository), script)
    staging = demo_repository.get_alias("edge-config", "staging")
    assert (staging.version, staging.revision) == ("4", 3)
    event = demo_repository.list_alias_history("edge-config", "staging", limit=1)[0]
    assert (event.action, event.before, event.after) == (
        "rollback",
        AliasConfig(version="5"),
        AliasConfig(version="4"),
    )
    production = demo_repository.get_alias("customer-analytics-db", "production")
    assert production.config == AliasConfig(version="4")
    event = demo_repository.list_alias_history("customer-analytics-db", "production", limit=1)[0]
    assert (event.action, event.reason) == ("rollback", "canary v6 raises p95 latency")


# --- canary -------------------------------------------------------------------------------------


def test_canary_start_with_stepped_weight_after_validation(demo_repository: Repository) -> None:
    async def script(pilot: Pilot[None]) -> None:
        await select(pilot, "churn-model", alias="staging")
        await pilot.press("C")
        await settle(pilot)
        modal = dialog(pilot)
        assert isinstance(modal, CanaryModal)
        weight = modal.query_one(WeightInput)
        assert pilot.app.focused is weight
        assert (modal.field("canary-stable").value, modal.field("canary-version").value) == ("4", "3")
        assert weight.value == "10"
        await pilot.press("plus", "plus", "greater_than_sign", "minus")
        assert weight.value == "16"
        await pilot.press("right_square_bracket", "right_square_bracket", "left_square_bracket")
        assert weight.value == "25"
        await pilot.press("less_than_sign")
        await settle(pilot)
        assert weight.value == "20"
        histogram = modal.query_one(TrafficHistogram)
        assert histogram.alias is not None and histogram.alias.secondary_version_weight == 20
        counts = histogram.draw(10_000)
        assert counts.total == 10_000 and 1_800 < counts.secondary < 2_200

        await type_into(pilot, "canary-weight", "100")
        await pilot.press("enter")
        assert "weight 100% is not in 0..99" in status(pilot)
        await type_into(pilot, "canary-version", "4")
        assert "canary version 4 must differ from the stable version 4" in status(pilot)
        await type_into(pilot, "canary-version", "3")
        await type_into(pilot, "canary-weight", "20")
        assert "Apply: v4 100% → v4 80% | v3 20%" in str(modal.query_one("#release-change").render())
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MainScreen)

    drive(release_app(demo_repository), script)
    staging = demo_repository.get_alias("churn-model", "staging")
    assert staging.config == AliasConfig(version="4", secondary_version="3", secondary_version_weight=20)
    event = demo_repository.list_alias_history("churn-model", "staging", limit=1)[0]
    assert (event.action, event.reason) == ("canary", "canary v3 at 20% (stable v4)")


def test_canary_raise_promote_and_abort(demo_repository: Repository) -> None:
    async def script(pilot: Pilot[None]) -> None:
        await select(pilot, "edge-config", alias="production")  # v3 75% | v5 25%
        await pilot.press("C")
        await settle(pilot)
        assert dialog(pilot).query_one(WeightInput).value == "25"
        await pilot.press("right_square_bracket")  # 50
        await type_into(pilot, "release-confirm-name", "production")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MainScreen)

        await pilot.press("C")  # later: promote the canary to 100%
        await settle(pilot)
        await type_into(pilot, "release-confirm-name", "production")
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MainScreen)

        await select(pilot, "customer-analytics-db", alias="production")  # v4 90% | v6 10%
        await pilot.press("C")
        await settle(pilot)
        await type_into(pilot, "release-confirm-name", "production")
        await type_into(pilot, "release-reason", "v6 fails schema check")
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MainScreen)

    drive(release_app(demo_repository), script)
    assert demo_repository.get_alias("edge-config", "production").config == AliasConfig(version="5")
    promoted, raised = demo_repository.list_alias_history("edge-config", "production", limit=2)
    assert (raised.action, raised.reason) == ("weight", "raise canary v5 from 25% to 50%")
    assert raised.after == AliasConfig(version="3", secondary_version="5", secondary_version_weight=50)
    assert (promoted.action, promoted.reason) == ("move", "promote canary v5 to 100%")
    production = demo_repository.get_alias("customer-analytics-db", "production")
    assert production.config == AliasConfig(version="4")
    aborted = demo_repository.list_alias_history("customer-analytics-db", "production", limit=1)[0]
    assert (aborted.action, aborted.reason) == ("canary", "v6 fails schema check")


# --- safety -------------------------------------------------------------------------------------


def test_a_second_writer_is_reported_with_who_and_when_and_nothing_is_overwritten(
    demo_repository: Repository,
) -> None:
    colleague = other_writer(demo_repository)

    async def script(pilot: Pilot[None]) -> None:
        # Between the pre-flight and the confirm: core's expected_revision refuses the write.
        await select(pilot, "edge-config", alias="staging")
        await pilot.press("C")
        await settle(pilot)
        modal = dialog(pilot)
        assert modal.checks is not None and modal.checks.passed
        colleague.put_alias("edge-config", "staging", "3", reason="hotfix rollback")
        await pilot.press("enter")  # a 10% canary of v4 on v5, displayed at revision 2
        await settle(pilot)
        conflict = pilot.app.screen
        assert isinstance(conflict, ConflictModal)
        assert conflict.conflict.actor == "dana.oncall"
        assert conflict.conflict.reason == "hotfix rollback"
        assert "revision 3 · move · v5 100% → v3 100%" in (conflict.conflict.change or "")
        assert demo_repository.get_alias("edge-config", "staging").version == "3"

        await pilot.press("r")  # reload: the dialog shows the colleague's change, confirm works again
        await settle(pilot)
        assert pilot.app.screen is modal
        assert "rev 3 · dana.oncall" in str(modal.query_one("#canary-now", Label).render())
        assert modal.checks is not None and modal.checks.passed
        await type_into(pilot, "canary-stable", "3")
        await type_into(pilot, "canary-version", "5")
        await type_into(pilot, "canary-weight", "5")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MainScreen)

        # Before the dialog opened: the pre-flight finds it, confirm shows who moved it.
        await select(pilot, "search-ranker", alias="staging")
        colleague.put_alias("search-ranker", "staging", "1", reason="bisecting")
        await pilot.press("b")
        await settle(pilot)
        assert "✕ alias staging" in checklist(pilot) and "moved to revision 2" in checklist(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConflictModal)
        assert pilot.app.screen.conflict.actor == "dana.oncall"
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, RollbackModal)

    drive(release_app(demo_repository), script)
    staging = demo_repository.get_alias("edge-config", "staging")
    assert staging.config == AliasConfig(version="3", secondary_version="5", secondary_version_weight=5)
    assert staging.revision == 4
    assert demo_repository.get_alias("search-ranker", "staging").revision == 2


def test_preflight_failures_block_confirm(demo_repository: Repository) -> None:
    version = demo_repository.get_artifact_version("churn-model", 1)
    demo_repository._c(None).s3.copy_object(  # tamper with the object's sha256 metadata
        Bucket=version.s3path.bucket,
        Key=version.s3path.key,
        CopySource={"Bucket": version.s3path.bucket, "Key": version.s3path.key},
        Metadata={"artifact_name": "churn-model", "artifact_sha256": "0" * 64},
        MetadataDirective="REPLACE",
    )

    async def script(pilot: Pilot[None]) -> None:
        await select(pilot, "churn-model", version="1")
        await pilot.press("p")
        await settle(pilot)
        await type_into(pilot, "promote-alias", "staging")
        modal = dialog(pilot)
        assert "✕ v1" in checklist(pilot) and "S3 object says sha256 000000" in checklist(pilot)
        assert modal.query_one("#confirm", Button).disabled
        await pilot.press("enter")
        assert pilot.app.screen is modal
        assert "pre-flight failed: v1" in status(pilot)

        # Deleted after the checks passed: core refuses the write and the dialog says so.
        await type_into(pilot, "promote-version", "2")
        assert modal.checks is not None and modal.checks.passed
        other_writer(demo_repository).delete_artifact_version("churn-model", 2)
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is modal
        assert "nothing changed: artifact 'churn-model' version 2 not found or deleted" in status(pilot)
        await pilot.press("escape")

        await select(pilot, "fraud-rules", alias="production")
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("down")  # revision 2: version 2, deleted since
        await settle(pilot)
        assert "✕ v2" in checklist(pilot) and "does not exist or is deleted" in checklist(pilot)
        assert dialog(pilot).query_one("#confirm", Button).disabled

    drive(release_app(demo_repository), script)
    assert demo_repository.get_alias("churn-model", "staging").version == "4"
    assert demo_repository.get_alias("fraud-rules", "production").revision == 4


def test_read_only_disables_release_actions_and_says_why(demo_repository: Repository) -> None:
    async def script(pilot: Pilot[None]) -> None:
        screen = await select(pilot, "customer-analytics-db", alias="production")
        bindings = screen.active_bindings
        assert not any(bindings[key].enabled for key in ("p", "b", "C"))
        assert bindings["h"].enabled
        await pilot.press("p", "b", "C")
        await pilot.pause()
        assert isinstance(pilot.app.screen, MainScreen)
        assert sum("open read-only" in text for text in notifications(pilot.app)) == 3
        rows = {action.action: action for action in key_actions(screen)}
        assert all(rows[name].unavailable for name in ("promote", "rollback", "canary"))
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(pilot.app.screen, AliasHistoryScreen)

    drive(release_app(demo_repository, read_only=True), script)


def test_history_screen_help_and_palette(demo_repository: Repository) -> None:
    async def script(pilot: Pilot[None]) -> None:
        screen = await select(pilot, "fraud-rules", alias="production")
        keys = {action.action: action.key_text for action in key_actions(screen)}
        assert {keys[a] for a in ("promote", "rollback", "canary", "alias_history")} == {"p", "b", "C", "h"}

        await pilot.press("h")
        await settle(pilot)
        history = pilot.app.screen
        assert isinstance(history, AliasHistoryScreen)
        table = history.query_one("#history-table")
        assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == ["4", "3", "2", "1"]
        assert str(table.get_row_at(1)[4]) == "rollback: regex timeouts in v2"
        await pilot.press("escape")
        assert pilot.app.screen is screen

        await pilot.press("ctrl+p", *"rollback")
        palette = pilot.app.screen
        for _ in range(100):  # the palette gathers its hits in a timer-driven task
            await pilot.pause(0.05)
            if palette.query_one(CommandList).option_count:
                break
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, RollbackModal)

    drive(release_app(demo_repository), script)


# --- pictures -----------------------------------------------------------------------------------

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])


def picture(open_dialog: Callable[[Pilot[None]], Awaitable[None]]) -> Callable[[Pilot[None]], Awaitable[None]]:
    """Settle, open the dialog, settle, and stop the cursors blinking."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await open_dialog(pilot)
        await settle(pilot)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    return run_before


def test_snapshot_promote(snap_compare: SnapCompare, demo_repository: Repository) -> None:
    async def open_dialog(pilot: Pilot[None]) -> None:
        await select(pilot, "customer-analytics-db", alias="staging")
        await pilot.press("p")

    app = release_app(demo_repository)
    assert snap_compare(app, terminal_size=(80, 24), run_before=picture(open_dialog))


@SIZES
def test_snapshot_rollback(snap_compare: SnapCompare, demo_repository: Repository, size: tuple[int, int]) -> None:
    async def open_dialog(pilot: Pilot[None]) -> None:
        await select(pilot, "customer-analytics-db", alias="production")
        await pilot.press("b")

    app = release_app(demo_repository)
    assert snap_compare(app, terminal_size=size, run_before=picture(open_dialog))


@SIZES
def test_snapshot_canary_with_the_histogram_mid_replay(
    snap_compare: SnapCompare, demo_repository: Repository, size: tuple[int, int]
) -> None:
    async def open_dialog(pilot: Pilot[None]) -> None:
        await select(pilot, "edge-config", alias="production")
        await pilot.press("C")
        await settle(pilot)
        await pilot.press("right_square_bracket")  # 25% -> 50%, not applied yet
        await settle(pilot)
        pilot.app.screen.query_one(TrafficHistogram).draw(12_345)

    app = release_app(demo_repository)
    assert snap_compare(app, terminal_size=size, run_before=picture(open_dialog))


def test_snapshot_conflict(snap_compare: SnapCompare, demo_repository: Repository) -> None:
    async def open_dialog(pilot: Pilot[None]) -> None:
        await select(pilot, "edge-config", alias="staging")
        await pilot.press("b")
        await settle(pilot)
        other_writer(demo_repository).put_alias("edge-config", "staging", "3", reason="hotfix rollback")
        await pilot.press("enter")

    app = release_app(demo_repository)
    assert snap_compare(app, terminal_size=(80, 24), run_before=picture(open_dialog))


def test_snapshot_history(snap_compare: SnapCompare, demo_repository: Repository) -> None:
    async def open_dialog(pilot: Pilot[None]) -> None:
        await select(pilot, "customer-analytics-db", alias="production")
        await pilot.press("h")

    app = release_app(demo_repository)
    assert snap_compare(app, terminal_size=(80, 24), run_before=picture(open_dialog))


# --- issue 10: the preview is the action; outside changes; reload; no-ops; partial writes ---------


def versioned_put_alias(repository: Repository, name: str, alias: str, version: int) -> None:
    """`versioned` 1.0.1 moving an alias on the same bucket and table (no event, no revision)."""
    from boto_session_manager import BotoSesManager
    from versioned.s3_and_dynamodb_backend import Repository as VersionedRepository

    bsm = BotoSesManager(region_name=repository.aws_region)
    VersionedRepository(
        aws_region=repository.aws_region,
        s3_bucket=repository.s3_bucket,
        s3_prefix=repository.s3_prefix,
        dynamodb_table_name=repository.dynamodb_table_name,
        suffix=repository.suffix,
    ).put_alias(name, alias, version=version, bsm=bsm)


def test_rollback_of_an_alias_created_by_versioned_previews_and_restores_its_first_version(
    demo_repository: Repository,
) -> None:
    # Reproduction 1: created by versioned at v2, moved by vrc to v3 (one event v2 → v3).
    versioned_put_alias(demo_repository, "churn-model", "qa", 2)
    other_writer(demo_repository).put_alias("churn-model", "qa", "3")

    async def script(pilot: Pilot[None]) -> None:
        await select(pilot, "churn-model", alias="qa")
        await pilot.press("b")
        await settle(pilot)
        change = str(dialog(pilot).query_one("#release-change", Label).render())
        assert "Restore before revision 1 (v2): v3 100% → v2 100%" in change
        assert "deletes" not in change
        assert "✓ v2" in checklist(pilot)  # the pre-flight checks the version it restores
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MainScreen)

    drive(release_app(demo_repository), script)
    assert demo_repository.get_alias("churn-model", "qa").version == "2"


def test_b2_an_outside_move_is_shown_and_rollback_restores_the_state_before_it(demo_repository: Repository) -> None:
    # Reproduction 2: rev 1..4 by vrc, the last "hotfix: v2 corrupt, pin v1"; then versioned puts v3.
    colleague = other_writer(demo_repository)
    for version in ("2", "3", "2"):
        colleague.put_alias("churn-model", "qa", version)
    colleague.put_alias("churn-model", "qa", "1", reason="hotfix: v2 corrupt, pin v1")

    async def script(pilot: Pilot[None]) -> None:
        versioned_put_alias(demo_repository, "churn-model", "qa", 3)  # while the console runs
        await pilot.press("R")
        await settle(pilot)
        await select(pilot, "churn-model", alias="qa")
        await pilot.press("b")
        await settle(pilot)
        modal = dialog(pilot)
        warning = str(modal.query_one("#rollback-outside", Label).render())
        assert "changed outside vrc at" in warning and "history before it may be incomplete" in warning
        change = str(modal.query_one("#release-change", Label).render())
        assert "before the change made outside vrc (v1): v3 100% → v1 100%" in change
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MainScreen)

    drive(release_app(demo_repository), script)
    assert demo_repository.get_alias("churn-model", "qa").version == "1"


def test_conflict_reload_resets_the_fields_and_enter_does_not_reverse_the_other_change(
    demo_repository: Repository,
) -> None:
    # Reproduction 3: canary fields typed on v2; a colleague moves the alias to v3 meanwhile.
    demo_repository.put_alias("churn-model", "qa", "2")
    colleague = other_writer(demo_repository)

    async def script(pilot: Pilot[None]) -> None:
        await select(pilot, "churn-model", alias="qa")
        await pilot.press("C")
        await settle(pilot)
        modal = dialog(pilot)
        await type_into(pilot, "canary-version", "3")
        await type_into(pilot, "canary-weight", "25")
        colleague.put_alias("churn-model", "qa", "3", reason="v2 leaks memory")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConflictModal)
        await pilot.press("r")
        await settle(pilot)
        assert pilot.app.screen is modal
        assert modal.field("canary-stable").value == "3"  # what the dialog proposes when opened now
        change = str(modal.query_one("#release-change", Label).render())
        assert change.startswith("Apply: v3 100% → v3 90%") and "v2" not in change.split("→")[1]
        assert "dana.oncall" in status(pilot) and "v2 100% → v3 100%" in status(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MainScreen)

    drive(release_app(demo_repository), script)
    assert demo_repository.get_alias("churn-model", "qa").version == "3"


def test_promote_that_changes_nothing_writes_nothing(demo_repository: Repository) -> None:
    # Reproduction 4: LATEST identical to v4 and development already on v4.
    demo_repository.put_alias("churn-model", "development", "4")
    history = demo_repository.list_alias_history("churn-model", "development")
    versions = demo_repository.list_artifact_versions("churn-model")

    async def script(pilot: Pilot[None]) -> None:
        await select(pilot, "churn-model", alias="development")
        await select(pilot, "churn-model", version="LATEST")
        await pilot.press("p")
        await settle(pilot)
        modal = dialog(pilot)
        assert modal.query_one("#promote-publish", Checkbox).value
        assert modal.field("promote-alias").value == ""  # from the versions pane the alias is chosen, not guessed
        await type_into(pilot, "promote-alias", "development")
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is modal
        assert "nothing to change" in status(pilot)
        assert modal.query_one("#confirm", Button).disabled

    drive(release_app(demo_repository), script)
    assert demo_repository.list_alias_history("churn-model", "development") == history
    assert demo_repository.list_artifact_versions("churn-model") == versions


def test_a_publish_whose_alias_move_fails_says_exactly_what_was_written(demo_repository: Repository) -> None:
    colleague = other_writer(demo_repository)

    async def script(pilot: Pilot[None]) -> None:
        await select(pilot, "customer-analytics-db", alias="staging")
        await select(pilot, "customer-analytics-db", version="LATEST")
        await pilot.press("p")
        await settle(pilot)
        modal = dialog(pilot)
        await type_into(pilot, "promote-alias", "staging")
        colleague.put_alias("customer-analytics-db", "staging", "5", reason="hold")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConflictModal)
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is modal
        text = status(pilot)
        assert "published version 7" in text and "staging not moved:" in text
        assert "nothing changed" not in text
        await pilot.press("escape")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen)
        assert "7" in [view.artifact.version for view in screen.versions.views]

    drive(release_app(demo_repository), script)
    assert demo_repository.get_artifact_version("customer-analytics-db", 7).version == "7"
    assert demo_repository.get_alias("customer-analytics-db", "staging").version == "5"


def test_request_budgets_of_every_release_dialog_path(demo_repository: Repository) -> None:
    """Each way into a release dialog and each step in it: ≤ 2 requests; each confirm: its writes + ≤ 2 reads
    (the walk is release_walk.walk_request_budgets; `make bench` prints the same walk's counts)."""
    steps = walk_request_budgets(demo_repository)
    assert len(steps) == 23, [step.what for step in steps]
    over = [str(step) for step in steps if not step.ok]
    assert not over, over


def test_history_row_rolls_back_and_the_last_change_line_offers_undo(demo_repository: Repository) -> None:
    for version in ("2", "3", "4"):
        demo_repository.put_alias("churn-model", "qa", version)

    async def script(pilot: Pilot[None]) -> None:
        screen = await select(pilot, "churn-model", alias="qa")
        await pilot.press("h")
        await settle(pilot)
        history = pilot.app.screen
        assert isinstance(history, AliasHistoryScreen)
        assert [e.revision for e in history.events] == [3, 2, 1]
        history.query_one("#history-table", DataTable).move_cursor(row=1)
        await pilot.press("b")
        await settle(pilot)
        modal = dialog(pilot)
        assert isinstance(modal, RollbackModal)
        change = str(modal.query_one("#release-change", Label).render())
        assert change.startswith("Restore revision 2 (v3): v4 100% → v3 100%")
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is history  # back on the history, reloaded with the rollback on top
        assert history.events[0].action == "rollback"
        await pilot.press("escape")
        await settle(pilot)
        line = str(screen.query_one("#last-change", Label).render())
        assert "Last change: churn-model: qa rolled back to v3 100% (revision 4)" in line and "U undoes" in line
        await pilot.press("U")
        await settle(pilot)
        undo = dialog(pilot)
        assert isinstance(undo, RollbackModal)
        assert "Restore before revision 4 (v4): v3 100% → v4 100%" in str(undo.query_one("#release-change").render())
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MainScreen)

    drive(release_app(demo_repository), script)
    qa = demo_repository.get_alias("churn-model", "qa")
    assert (qa.version, qa.revision) == ("4", 5)


def test_esc_on_a_pending_write_verifies_and_reports_the_definite_outcome(demo_repository: Repository) -> None:
    # The write lands but its response never comes back (a paused backend after commit).
    answer = threading.Event()
    real_put_alias = demo_repository.put_alias

    def put_alias_then_hang(*args: Any, **kwargs: Any) -> Any:
        result = real_put_alias(*args, **kwargs)
        answer.wait(timeout=30)
        return result

    async def script(pilot: Pilot[None]) -> None:
        await select(pilot, "churn-model", alias="staging")
        await pilot.press("C")
        await settle(pilot)
        modal = dialog(pilot)
        object.__setattr__(demo_repository, "put_alias", put_alias_then_hang)
        await pilot.press("enter")
        for _ in range(40):
            await pilot.pause(0.05)
            if "writing…" in status(pilot):
                break
        assert re.search(r"writing… \d+s · esc stops waiting", status(pilot))
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is modal
        for _ in range(100):
            await pilot.pause(0.05)
            if "outcome:" in status(pilot):
                break
        assert "outcome: written at revision 3: staging → v4 90% | v3 10%" in status(pilot)
        answer.set()
        await pilot.press("escape")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen)
        staging = next(a for a in screen.aliases.aliases if a.alias == "staging")
        assert staging.revision == 3

    try:
        drive(release_app(demo_repository), script)
    finally:
        answer.set()


def test_b2_end_to_end_against_a_moto_server_with_versioned_writing_in_between(moto_server, monkeypatch) -> None:
    """Issue 10's B2 story through the console, on moto's HTTP server, versioned 1.0.1 moving the alias."""
    repository = fresh_repository(moto_server, "b2", operator="ops.oncall")
    for n in (1, 2, 3):
        repository.put_artifact("model", f"model weights {n}".encode())
        repository.publish_artifact_version("model")
    for version in ("2", "3", "2"):
        repository.put_alias("model", "prod", version)
    repository.put_alias("model", "prod", "1", reason="hotfix: v2 corrupt, pin v1")

    async def script(pilot: Pilot[None]) -> None:
        with monkeypatch.context() as env:  # versioned reaches the same server through boto3's endpoint variable
            env.setenv("AWS_ENDPOINT_URL", moto_server)
            versioned_put_alias(repository, "model", "prod", 3)
        await pilot.press("R")
        await settle(pilot)
        await select(pilot, "model", alias="prod")
        await pilot.press("b")
        await settle(pilot)
        modal = dialog(pilot)
        warning = str(modal.query_one("#rollback-outside", Label).render())
        assert "changed outside vrc at" in warning and "history before it may be incomplete" in warning
        assert "v3 100% → v1 100%" in str(modal.query_one("#release-change", Label).render())
        await type_into(pilot, "release-confirm-name", "prod")  # prod* is protected
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MainScreen)

    connection = Connection.of(repository, name="b2")
    drive(VrcApp(connection, clock=lambda: DEMO_NOW, tz=UTC, release=SETTINGS), script)
    assert repository.get_alias("model", "prod").version == "1"
    history = repository.list_alias_history("model", "prod")
    assert [(e.action, e.after.version if e.after else None) for e in history[:2]] == [
        ("rollback", "1"),
        ("external", "3"),
    ]
    assert history[1].before is not None and history[1].before.version == "1"


def test_protected_rollback_starts_in_the_name_field_and_enter_there_confirms(demo_repository: Repository) -> None:
    async def script(pilot: Pilot[None]) -> None:
        await select(pilot, "customer-analytics-db", alias="production")
        await pilot.press("b")
        await settle(pilot)
        modal = dialog(pilot)
        assert isinstance(modal, RollbackModal)
        name = modal.field("release-confirm-name")
        assert pilot.app.focused is name
        label = str(modal.query_one("#protected-label", Label).render())
        assert "production" not in label or "production" not in (name.placeholder or "")
        assert "type production to confirm" in f"{label} {name.placeholder}".lower()
        table = modal.query_one("#rollback-history", DataTable)
        await pilot.press("down")  # ↑↓ still choose the revision while the name field has focus
        assert table.cursor_row == 2 and pilot.app.focused is name
        await pilot.press("up")
        assert table.cursor_row == 1
        await pilot.press(*"production", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MainScreen)
        assert any("production rolled back" in text for text in notifications(pilot.app))

    drive(release_app(demo_repository), script)


def test_promote_from_the_versions_pane_leaves_the_alias_to_choose(demo_repository: Repository) -> None:
    before = demo_repository.get_alias("churn-model", "staging")

    async def script(pilot: Pilot[None]) -> None:
        screen = await select(pilot, "churn-model", alias="staging")
        screen.versions.table.focus()  # the aliases pane's cursor stays on staging
        screen.versions.table.move_to("2")
        await pilot.pause()
        await pilot.press("p")
        await settle(pilot)
        modal = dialog(pilot)
        assert isinstance(modal, PromoteModal)
        field = modal.field("promote-alias")
        assert field.value == "" and pilot.app.focused is field
        assert modal.field("promote-version").value == "2"
        assert "production" in (field.placeholder or "") and "staging" in (field.placeholder or "")
        assert "enter the alias" in status(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is modal
        await pilot.press(*"staging")
        await settle(pilot)
        assert "staging: v" in str(modal.query_one("#release-change", Label).render())
        await pilot.press("escape")

    drive(release_app(demo_repository), script)
    assert demo_repository.get_alias("churn-model", "staging") == before


def test_canary_confirm_button_names_what_enter_will_do(demo_repository: Repository) -> None:
    async def script(pilot: Pilot[None]) -> None:
        await select(pilot, "customer-analytics-db", alias="production")  # v4 90% | v6 10%
        await pilot.press("C")
        await settle(pilot)
        modal = dialog(pilot)
        button = modal.query_one("#confirm", Button)
        assert str(button.label) == "Apply (enter)"
        await pilot.press("ctrl+n")  # protected: waits for the name, and says what enter will then do
        await settle(pilot)
        assert str(button.label) == "Abort canary (enter)"
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert str(button.label) == "Promote v6 to 100% (enter)"
        await type_into(pilot, "canary-weight", "20")  # editing the split goes back to applying it
        assert str(button.label) == "Apply (enter)"
        await pilot.press("ctrl+g")
        await settle(pilot)
        await type_into(pilot, "release-confirm-name", "production")
        modal.field("release-confirm-name").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MainScreen)

    drive(release_app(demo_repository), script)
    assert demo_repository.get_alias("customer-analytics-db", "production").config == AliasConfig(version="6")


def test_canary_question_mark_shows_the_dialog_keys_and_the_hint_follows_focus(demo_repository: Repository) -> None:
    import io

    from rich.console import Console
    from textual.widgets import Static

    from tui.screens.help import HelpScreen

    async def script(pilot: Pilot[None]) -> None:
        await select(pilot, "customer-analytics-db", alias="production")
        await pilot.press("C")
        await settle(pilot)
        modal = dialog(pilot)
        weight = modal.query_one(WeightInput)
        assert pilot.app.focused is weight
        hint = modal.query_one(".release-hint", Label)
        assert "tab" in str(hint.render()) and "histogram" in str(hint.render())
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        console = Console(width=200, record=True, file=io.StringIO())
        console.print(pilot.app.screen.query_one("#help-table", Static).content)
        keys = console.export_text()
        assert "Pause/resume" in keys and "Send all traffic to the canary" in keys
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is modal and weight.value == "10"
        await pilot.press("tab")
        assert isinstance(pilot.app.focused, TrafficHistogram)
        text = str(hint.render())
        assert all(key in text for key in ("p pause", "r reset", "f faster", "s slower", "? keys"))


def test_an_alias_moved_by_versioned_is_marked_changed_outside_vrc(demo_repository: Repository) -> None:
    """Issue 10: the aliases and detail panes say when the stored alias disagrees with its newest event."""
    name = "customer-analytics-db"
    versioned_put_alias(demo_repository, name, "production", 2)

    def detail(screen: MainScreen) -> str:
        widget = screen.detail.text
        return "\n".join(widget.render_line(y).text for y in range(widget.size.height))

    async def script(pilot: Pilot[None]) -> None:
        screen = await select(pilot, name, alias="development")
        await settle(pilot)
        assert "changed outside vrc" not in detail(screen)
        screen.aliases.table.move_to("production")
        await settle(pilot)
        assert "⚠ changed outside vrc at" in detail(screen)
        assert "history before it may be" in detail(screen)  # wraps at the pane width
        production = screen.aliases.record("production")
        assert production is not None
        assert screen.aliases.cells_of(production, DEMO_NOW, UTC)[0].text.endswith("⚠")
        development = screen.aliases.record("development")
        assert development is not None and "⚠" not in screen.aliases.cells_of(development, DEMO_NOW, UTC)[0].text

    drive(release_app(demo_repository), script)


def test_rollback_of_an_alias_without_history_offers_a_move_to_the_previous_version(
    demo_repository: Repository,
) -> None:
    # Issue 11: an alias versioned wrote has no history; `b` must not be a dead end.
    versioned_put_alias(demo_repository, "churn-model", "legacy", 3)

    async def script(pilot: Pilot[None]) -> None:
        await pilot.press("R")
        await settle(pilot)
        await select(pilot, "churn-model", alias="legacy")
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(dialog(pilot), RollbackModal)
        assert "press m to move legacy to a chosen version instead (v2 proposed)" in status(pilot)
        await pilot.press("m")
        await settle(pilot)
        modal = dialog(pilot)
        assert isinstance(modal, PromoteModal)
        assert (modal.field("promote-alias").value, modal.field("promote-version").value) == ("legacy", "2")
        assert "legacy: v3 100% → v2 100%" in str(modal.query_one("#release-change", Label).render())
        await pilot.press("escape")

    drive(release_app(demo_repository), script)
    assert demo_repository.get_alias("churn-model", "legacy").version == "3"


def test_previous_published_proposes_the_newest_older_version() -> None:
    from tui.release import previous_published

    assert previous_published(["5", "4", "2", "1"], "4") == "2"
    assert previous_published(["5", "4"], "LATEST") == "5"
    assert previous_published(["3"], "3") is None
    assert previous_published(["3", "2"], "1") == "3"
