"""The pre-flight checklist of a release dialog: one line per check, ✓ passed, ✕ failed and why."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from ..release.preflight import Checks


class Checklist(Static):
    """Shows pending, invalid, failed-to-run or finished pre-flight checks."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "checklist--ok",
        "checklist--failed",
        "checklist--pending",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.checks: Checks | None = None
        self.state = "idle"

    def show_running(self) -> None:
        self.checks = None
        self.state = "running"
        self.update(Text("◌ checking the backend…", self._style("pending")))

    def show_waiting(self, why: str) -> None:
        """Nothing to check until the dialog's fields are valid."""
        self.checks = None
        self.state = "waiting"
        self.update(Text(f"· {why}", self._style("pending")))

    def show_error(self, message: str) -> None:
        self.checks = None
        self.state = "error"
        self.update(Text(f"✕ could not run the checks: {message}", self._style("failed")))

    def show_checks(self, checks: Checks) -> None:
        self.checks = checks
        self.state = "passed" if checks.passed else "failed"
        lines = []
        for check in checks.items:
            mark, style = ("✓", "ok") if check.ok else ("✕", "failed")
            lines.append(Text.assemble((f"{mark} {check.subject}", self._style(style)), f"  {check.detail}"))
        self.update(Text("\n").join(lines) if lines else Text("✓ nothing to check", self._style("ok")))

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"checklist--{name}")
