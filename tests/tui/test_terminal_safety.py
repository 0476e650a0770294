"""Hostile data from the repository reaches the screen as literal, visible text: no markup action
runs, and no control byte (ESC, C1, DEL) reaches the terminal.

Another writer (versioned, a script, an attacker with write access) can store anything in a reason,
an actor, a content type, a metadata value or an S3 key; core refuses control characters on its own
writes, so those values are planted with boto3 directly, as such a writer would.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import boto3
from rich.segment import Segment
from textual.pilot import Pilot
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import DataTable
from tui_helpers import drive, settle

from core import Repository
from core.demo import DEMO_NOW
from tui.app import VrcApp
from tui.connection import Connection
from tui.modals.rollback import RollbackModal
from tui.screens.history import AliasHistoryScreen
from tui.screens.main import MainScreen

ARTIFACT = "customer-analytics-db"
CONTROL_BYTES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def app_over(repository: Repository) -> VrcApp:
    return VrcApp(Connection.of(repository, name="demo", demo=True), clock=lambda: DEMO_NOW, tz=UTC)


def strips(widget: Widget) -> Iterator[Strip]:
    """Every line the widget draws now (the Line API, as the compositor asks for them)."""
    for y in range(widget.size.height):
        yield widget.render_line(y)


def click_actions(widget: Widget) -> list[str]:
    return [
        str(segment.style.meta["@click"])
        for strip in strips(widget)
        for segment in strip
        if segment.style is not None and "@click" in segment.style.meta
    ]


def rendered_text(widget: Widget) -> str:
    return "\n".join(strip.text for strip in strips(widget))


def first_cell_x(strip: Strip, wanted: str) -> int | None:
    """The x of the first segment carrying a click action, else of the first containing `wanted`."""
    x = 0
    fallback = None
    for segment in strip:
        assert isinstance(segment, Segment)
        if segment.style is not None and "@click" in segment.style.meta:
            return x
        if fallback is None and wanted in segment.text:
            fallback = x + segment.text.index(wanted)
        x += segment.cell_length
    return fallback


async def click_text(pilot: Pilot[None], widget: Widget, wanted: str) -> None:
    """Click where the hostile reason is drawn: on its action if it became one."""
    for y, strip in enumerate(strips(widget)):
        x = first_cell_x(strip, wanted)
        if x is not None:
            await pilot.click(widget, offset=(x, y))
            await settle(pilot)
            return
    raise AssertionError(f"{wanted!r} is not drawn:\n{rendered_text(widget)}")


async def open_alias(pilot: Pilot[None], alias: str) -> MainScreen:
    screen = pilot.app.screen
    assert isinstance(screen, MainScreen)
    screen.artifacts.table.move_to(ARTIFACT)
    await settle(pilot)
    screen.aliases.table.focus()
    screen.aliases.table.move_to(alias)
    await pilot.pause()
    return screen


# --- markup injection ---------------------------------------------------------------------------


def test_a_stored_reason_is_shown_literally_in_history_and_clicking_it_runs_nothing(
    demo_repository: Repository, tmp_path: Path
) -> None:
    screenshot = f"[@click=app.screenshot('victim.txt','{tmp_path}')]x[/]"
    demo_repository.put_alias(ARTIFACT, "staging", 5, reason=screenshot)

    async def script(pilot: Pilot[None]) -> None:
        await open_alias(pilot, "staging")
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(pilot.app.screen, AliasHistoryScreen)
        table = pilot.app.screen.query_one(DataTable)
        assert click_actions(table) == []
        assert "[@click=app.screenshot(" in rendered_text(table)
        await click_text(pilot, table, "[@click")

    drive(app_over(demo_repository), script, size=(220, 40))
    assert not (tmp_path / "victim.txt").exists()


def test_a_stored_reason_in_the_rollback_dialog_cannot_confirm_it(demo_repository: Repository) -> None:
    demo_repository.put_alias(ARTIFACT, "staging", 5, reason="[@click=screen.confirm]y[/]")
    demo_repository.put_alias(ARTIFACT, "staging", 4, reason="[@click=screen.confirm]y[/]")
    revision = demo_repository.get_alias(ARTIFACT, "staging").revision

    async def script(pilot: Pilot[None]) -> None:
        await open_alias(pilot, "staging")
        await pilot.press("b")
        await settle(pilot)
        modal = pilot.app.screen
        assert isinstance(modal, RollbackModal)
        table = modal.query_one("#rollback-history", DataTable)
        assert click_actions(table) == []
        assert "[@click=screen.confirm]y[/]" in rendered_text(table)
        await click_text(pilot, table, "[@click")
        assert isinstance(pilot.app.screen, RollbackModal), "the click confirmed the rollback"

    drive(app_over(demo_repository), script, size=(220, 40))
    assert demo_repository.get_alias(ARTIFACT, "staging").revision == revision


# --- terminal escapes ---------------------------------------------------------------------------

HOSTILE = "hostile"
TITLE = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J\x1b[H"
CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4K\x07"
C1_CSI = "\x9b31m"
PLANTED = {
    "PLANTED-TYPE": f"text/plain{TITLE}",
    "PLANTED-META": f"v{CLEAR}{CLIPBOARD}",
    "PLANTED-REASON": f"fix {C1_CSI}\x7f{CLEAR}",
    "PLANTED-ACTOR": f"mallory{TITLE}\x85",
}
S3_NAME = f"evil{C1_CSI}\x7fname"


def test_printable_escapes_every_control_character_visibly() -> None:
    from tui.formatting import printable

    assert printable("a\x1b[2Jb") == "a␛[2Jb"
    assert printable("tab\there\nnl") == "tab␉here␊nl"
    assert printable("line\nnext\x1b", multiline=True) == "line\nnext␛"
    assert printable("c1 \x9b x \x85 del \x7f") == "c1 \\x9b x \\x85 del ␡"
    assert printable("plain · ünïcode ✓") == "plain · ünïcode ✓"
    assert not CONTROL_BYTES.search(printable("".join(map(chr, range(0x00, 0xA0)))))


def plant_hostile_data(repository: Repository) -> None:
    """Write through core with placeholders, then swap in control characters with boto3, as a
    writer that does not validate would store them; and an S3 key whose name holds C1 and DEL."""
    writer = Repository(
        aws_region=repository.aws_region,
        s3_bucket=repository.s3_bucket,
        dynamodb_table_name=repository.dynamodb_table_name,
        operator="PLANTED-ACTOR",
        use_sts=False,
        clock=lambda: DEMO_NOW,
    )
    writer.put_artifact(HOSTILE, b"one", content_type="PLANTED-TYPE", metadata={"note": "PLANTED-META"})
    writer.publish_artifact_version(HOSTILE)
    writer.put_artifact(HOSTILE, b"two", content_type="PLANTED-TYPE", metadata={"note": "PLANTED-META"})
    writer.publish_artifact_version(HOSTILE)
    writer.put_alias(HOSTILE, "staging", 1, reason="PLANTED-REASON")
    writer.put_alias(HOSTILE, "staging", 2, reason="PLANTED-REASON")

    dynamodb = boto3.client("dynamodb", region_name=repository.aws_region)
    table = repository.dynamodb_table_name

    def swap(value: object) -> object:
        if isinstance(value, dict):
            if set(value) == {"S"} and value["S"] in PLANTED:
                return {"S": PLANTED[value["S"]]}
            return {key: swap(inner) for key, inner in value.items()}
        return value

    for item in dynamodb.scan(TableName=table)["Items"]:
        swapped = swap(item)
        if swapped != item:
            dynamodb.put_item(TableName=table, Item=swapped)  # type: ignore[arg-type]
    boto3.client("s3", region_name=repository.aws_region).put_object(
        Bucket=repository.s3_bucket, Key=f"versioned-artifacts/{S3_NAME}/LATEST", Body=b"x"
    )


def assert_terminal_safe(app: VrcApp, where: str) -> str:
    picture = app.export_screenshot()
    found = CONTROL_BYTES.search(picture)
    assert found is None, f"{where}: control byte {found.group()!r} reaches the terminal"
    return picture


def test_hostile_names_metadata_and_reasons_reach_the_terminal_escaped(demo_repository: Repository) -> None:
    plant_hostile_data(demo_repository)
    assert PLANTED["PLANTED-REASON"] in {e.reason for e in demo_repository.list_alias_history(HOSTILE, "staging")}

    async def script(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen)
        assert S3_NAME in screen.artifacts.names
        screen.artifacts.table.move_to(S3_NAME)  # drawn in the list; its versions fail to load
        await settle(pilot)
        picture = assert_terminal_safe(pilot.app, "artifact list")
        assert "evil\\x9b31m␡name" in rendered_text(screen.artifacts.table)

        screen.artifacts.table.move_to(HOSTILE)
        await settle(pilot)
        screen.versions.table.focus()
        await pilot.pause()
        picture = assert_terminal_safe(pilot.app, "versions and detail")
        assert "text/plain␛]0;pwned␇" in rendered_text(screen.detail.query_one("#detail-text"))
        assert "v␛[2J␛[H␛]52;c;" in rendered_text(screen.detail.query_one("#detail-text"))

        screen.aliases.table.focus()
        screen.aliases.table.move_to("staging")
        await pilot.pause()
        picture = assert_terminal_safe(pilot.app, "aliases and detail")
        assert "mallory␛]0;pwned␇\\x85" in picture

        await pilot.press("h")
        await settle(pilot)
        assert isinstance(pilot.app.screen, AliasHistoryScreen)
        picture = assert_terminal_safe(pilot.app, "history")
        assert "fix\u00a0\\x9b31m␡␛[2J␛[H" in picture or "fix \\x9b31m␡␛[2J␛[H" in rendered_text(
            pilot.app.screen.query_one(DataTable)
        )
        await pilot.press("escape")
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(pilot.app.screen, RollbackModal)
        assert_terminal_safe(pilot.app, "rollback dialog")
        assert "fix \\x9b31m␡" in rendered_text(pilot.app.screen.query_one(DataTable))

    drive(app_over(demo_repository), script, size=(200, 50))
