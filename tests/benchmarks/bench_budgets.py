"""The console's AWS request budgets (issue 8.5), counted on a walk through every release dialog path.

Opening a release dialog, or an edit in it, may cost at most 2 requests; a confirmed change its
writes plus at most 2 reads. The walk (tests/tui/release_walk.py, the same one the test suite runs)
drives the console headless over the seeded demo on moto in-process and counts what each step sends
through its botocore clients. Exits 1 if a step is over its budget.

    .venv/bin/python tests/benchmarks/bench_budgets.py
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "tui")]

from release_walk import Step, walk_request_budgets

from core.demo import start_demo, stop_demo


def described(requests: tuple[str, ...]) -> str:
    """'Query, 2 × HeadObject' in the order first sent."""
    counts = Counter(requests)
    return ", ".join(name if n == 1 else f"{n} × {name}" for name, n in counts.items()) or "none"


def main() -> int:
    repository = start_demo()
    try:
        steps: list[Step] = walk_request_budgets(repository)
    finally:
        stop_demo()
    print("console request budgets (issue 8.5): every release dialog path on the seeded demo (moto in-process)")
    print(f"  {'step':<44} {'requests':>8} {'reads':>5}  {'budget':<24} verdict  sent")
    for step in steps:
        verdict = "PASS" if step.ok else "MISS"
        print(
            f"  {step.what:<44} {len(step.requests):>8} {step.reads:>5}  {step.budget:<24} {verdict:<7}  "
            f"{described(step.requests)}"
        )
    opens = [s for s in steps if not s.confirms]
    confirms = [s for s in steps if s.confirms]
    missed = [s for s in steps if not s.ok]
    print(
        f"  most requests to open or edit a dialog: {max(len(s.requests) for s in opens)}; most reads in a "
        f"confirmed change: {max(s.reads for s in confirms)}"
    )
    print(f"targets: {len(steps) - len(missed)} PASS, {len(missed)} MISS" + "".join(f"\n  MISS {s}" for s in missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
