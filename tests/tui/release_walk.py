"""The release dialogs driven on the seeded demo, and the walk through every one of them that counts
the AWS requests each step sends (issue 8's budgets: opening or editing a dialog ≤ 2 requests; a
confirmed change its writes + ≤ 2 reads). Used by the console's tests and by `make bench`
(tests/benchmarks/bench_budgets.py), so both count the same walk.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC

from textual.pilot import Pilot
from tui_helpers import drive, settle

from core import Repository
from core.demo import DEMO_NOW
from core.models import AliasConfig
from tui.app import VrcApp
from tui.connection import Connection
from tui.modals.release import ReleaseModal
from tui.release import ReleaseSettings
from tui.release.proposals import Proposal
from tui.screens.main import MainScreen

SETTINGS = ReleaseSettings(replay_seed=7, replay_paused=True)
READS = frozenset({"Query", "GetItem", "BatchGetItem", "HeadObject", "ListObjectsV2", "GetObject"})
ALIAS_WRITE = "TransactWriteItems"
STEP_BUDGET = 2  # requests to open a dialog or to react to an edit in it
CONFIRM_READS = 2  # reads a confirmed change may add to its writes


def release_app(repository: Repository, *, read_only: bool = False, settings: ReleaseSettings = SETTINGS) -> VrcApp:
    """The console over the demo with a frozen clock and a paused, seeded histogram."""
    if read_only:
        repository = dataclasses.replace(repository, read_only=True)
    connection = Connection.of(repository, name="demo", demo=True)
    return VrcApp(connection, clock=lambda: DEMO_NOW, tz=UTC, release=settings)


async def select(pilot: Pilot[None], artifact: str, alias: str | None = None, version: str | None = None) -> MainScreen:
    """Put the main screen's cursors on an artifact and an alias or version, focusing that pane."""
    screen = pilot.app.screen
    assert isinstance(screen, MainScreen)
    screen.artifacts.table.move_to(artifact)
    await settle(pilot)
    assert screen.selected_name == artifact
    if version is not None:
        screen.versions.table.focus()
        screen.versions.table.move_to(version)
    if alias is not None:
        screen.aliases.table.focus()
        screen.aliases.table.move_to(alias)
    await pilot.pause()
    return screen


def dialog(pilot: Pilot[None]) -> ReleaseModal[Proposal]:
    screen = pilot.app.screen
    assert isinstance(screen, ReleaseModal), screen
    return screen


def checklist(pilot: Pilot[None]) -> str:
    return str(dialog(pilot).checklist.render())


async def type_into(pilot: Pilot[None], field: str, text: str) -> None:
    dialog(pilot).field(field).value = text
    await settle(pilot)


class RequestCounter:
    """Counts the AWS requests the console's repository sends (a botocore hook on its clients)."""

    def __init__(self, repository: Repository) -> None:
        self.names: list[str] = []
        clients = repository._c(None)
        for client in (clients.s3, clients.dynamodb, clients.sts):
            client.meta.events.register("before-call.*.*", self._count)

    def _count(self, model: object, **_: object) -> None:
        self.names.append(getattr(model, "name", "?"))

    def take(self) -> list[str]:
        taken, self.names = self.names, []
        return taken


@dataclasses.dataclass(frozen=True)
class Step:
    """One step of the walk and the requests it sent, in order."""

    what: str
    requests: tuple[str, ...]

    @property
    def confirms(self) -> bool:
        return self.what.endswith("confirm")

    @property
    def reads(self) -> int:
        return sum(1 for name in self.requests if name in READS)

    @property
    def budget(self) -> str:
        return f"writes + <= {CONFIRM_READS} reads" if self.confirms else f"<= {STEP_BUDGET} requests"

    @property
    def ok(self) -> bool:
        if self.confirms:
            # A publish is its own protocol of writes (claim, copy, reveal); an alias change is one
            # write. A confirm that wrote no alias did not do what the step says.
            return ALIAS_WRITE in self.requests and self.reads <= CONFIRM_READS
        return len(self.requests) <= STEP_BUDGET

    def __str__(self) -> str:
        return f"{self.what}: {', '.join(self.requests) or 'no request'}"


def walk_request_budgets(repository: Repository) -> list[Step]:
    """Every way into a release dialog and each step in it, on the seeded demo `repository` (written to).

    qa's rollback target is a split of two versions no alias serves (each would need a HEAD, plus the
    history query), and a canary of two new versions checks both: one listing proves both objects.
    Asserts that each step did what it says, and what the backend holds at the end.
    """
    repository.put_alias("churn-model", "qa", "1", "2", 10)
    repository.put_alias("churn-model", "qa", "4")
    counter = RequestCounter(repository)
    steps: list[Step] = []

    async def step(pilot: Pilot[None], what: str, key: str | None = None, **fields: str) -> None:
        counter.take()
        if key is not None:
            await pilot.press(key)
        for field, text in fields.items():
            await type_into(pilot, field, text)
        await settle(pilot)
        steps.append(Step(what, tuple(counter.take())))

    async def script(pilot: Pilot[None]) -> None:
        await select(pilot, "churn-model", alias="qa")
        await step(pilot, "rollback to a split not serving: open", "b")
        assert "✓ v1" in checklist(pilot) and "✓ v2" in checklist(pilot)
        await step(pilot, "rollback to a split not serving: confirm", "enter")
        assert isinstance(pilot.app.screen, MainScreen)

        await select(pilot, "churn-model", alias="staging")
        await step(pilot, "promote staging's version: open", "p")
        await pilot.press("escape")
        await step(pilot, "rollback to one version: open", "b")
        assert "✓ v3" in checklist(pilot)
        await step(pilot, "rollback to one version: confirm", "enter")
        assert isinstance(pilot.app.screen, MainScreen)

        await step(pilot, "canary start: open", "C")
        await step(pilot, "canary start: confirm", "enter")
        assert isinstance(pilot.app.screen, MainScreen)
        await step(pilot, "rollback of a running canary: open", "b")
        await step(pilot, "rollback of a running canary: confirm", "enter")
        assert isinstance(pilot.app.screen, MainScreen)
        await pilot.press("C")
        await settle(pilot)
        await pilot.press("enter")  # the canary again
        await settle(pilot)
        await step(pilot, "canary running: open", "C")
        await step(pilot, "canary weight", "right_square_bracket")
        await step(pilot, "canary weight: confirm", "enter")
        assert isinstance(pilot.app.screen, MainScreen)
        await step(pilot, "canary running again: open", "C")
        await step(pilot, "canary abort: confirm", "ctrl+n")  # ctrl+n and ctrl+g apply at once
        assert isinstance(pilot.app.screen, MainScreen)
        await pilot.press("C")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await step(pilot, "canary before promote: open", "C")
        await step(pilot, "canary promote: confirm", "ctrl+g")
        assert isinstance(pilot.app.screen, MainScreen)

        await select(pilot, "churn-model", alias="development")
        await pilot.press("C")
        await settle(pilot)
        await step(pilot, "canary: stable typed", **{"canary-stable": "1"})
        await step(pilot, "canary of two new versions", **{"canary-version": "2"})
        assert "✓ v1" in checklist(pilot) and "✓ v2" in checklist(pilot)
        await pilot.press("escape")

        await select(pilot, "churn-model", version="2")
        await step(pilot, "move a version: open", "p")
        await step(pilot, "move a version: alias typed", **{"promote-alias": "qa2"})
        await step(pilot, "move a version: confirm", "enter")
        assert isinstance(pilot.app.screen, MainScreen)

        await select(pilot, "customer-analytics-db", alias="development")  # tracks an unpublished LATEST
        await step(pilot, "publish and promote: open", "p")
        assert "✓ LATEST" in checklist(pilot)
        await step(pilot, "publish and promote: confirm", "enter")
        assert isinstance(pilot.app.screen, MainScreen)

    drive(release_app(repository), script)
    assert repository.get_alias("churn-model", "qa").config == AliasConfig(
        version="1", secondary_version="2", secondary_version_weight=10
    )
    assert repository.get_alias("churn-model", "qa2").version == "2"
    assert repository.get_alias("churn-model", "staging").version == "4"
    assert repository.get_alias("customer-analytics-db", "staging").version == "7"
    return steps
