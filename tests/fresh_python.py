"""Code run in a fresh interpreter, as a shell starts vrc: nothing imported by the test run leaks in."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Only the checkout on the path, no user config: what a clean machine has.
ENV = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}


def run_python(code: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess[str]:
    """`code` (dedented) in a fresh interpreter; its stdout and stderr captured."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**ENV, **env},
        timeout=120,
    )
