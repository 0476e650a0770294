"""Run every bench_*.py in this folder in turn (`make bench`); exit non-zero if any of them fails.

.venv/bin/python tests/benchmarks/run_all.py [SUBSTRING ...]   # only scripts whose name matches
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FIRST = "bench_startup.py"


def main(argv: list[str]) -> int:
    # Start-up first, on a machine at rest: right after bench_fault_stress has kept both cores busy
    # for a minute and a half, vrc's start measured 1.55-1.64x / 2.60-2.70x a minimal app's (3
    # runs), against 1.31-1.46x / 2.29-2.44x run alone or right after bench_core or
    # bench_histogram (6 runs; sixth session), while the minimal app's own time did not move.
    scripts = sorted(HERE.glob("bench_*.py"), key=lambda script: (script.name != FIRST, script.name))
    if argv:
        scripts = [s for s in scripts if any(word in s.name for word in argv)]
    if not scripts:
        print(f"no bench_*.py in {HERE} matches {argv}", file=sys.stderr)
        return 2
    results: list[tuple[str, int, float]] = []
    for script in scripts:
        print(f"\n===== {script.name} =====", flush=True)
        started = time.perf_counter()
        code = subprocess.run([sys.executable, str(script)], check=False, cwd=ROOT).returncode
        results.append((script.name, code, time.perf_counter() - started))
    print("\n===== summary =====")
    for name, code, seconds in results:
        status = "ok" if code == 0 else f"FAILED (exit {code})"
        print(f"  {name:<28} {status:<18} {seconds:6.0f} s")
    return 1 if any(code for _, code, _ in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
