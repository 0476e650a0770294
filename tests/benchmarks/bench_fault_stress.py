"""The fault stress test at bench size: several seeds, more operations, a higher fault rate.

.venv/bin/python tests/benchmarks/bench_fault_stress.py   # VRC_STRESS_OPS / VRC_STRESS_RATE override
Prints each run's summary (faults injected, outcomes, broken invariants); exits non-zero if any
invariant broke.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEEDS = (1, 2, 3)


def main() -> int:
    failed = 0
    for seed in SEEDS:
        env = {
            **os.environ,
            "VRC_STRESS_OPS": os.environ.get("VRC_STRESS_OPS", "600"),
            "VRC_STRESS_RATE": os.environ.get("VRC_STRESS_RATE", "0.25"),
            "VRC_STRESS_SEED": str(seed),
            "PYTHONPATH": str(ROOT),
        }
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "-s",
            "--runxfail",
            "tests/core/test_fault_stress.py",
        ]
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        lines = result.stdout.splitlines()
        start = next((i for i, line in enumerate(lines) if line.startswith("stress:")), None)
        print("\n".join(lines[start : start + 24] if start is not None else lines[-30:]), flush=True)
        failed += result.returncode != 0
    print(f"\n{failed} of {len(SEEDS)} stress runs broke an invariant")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
