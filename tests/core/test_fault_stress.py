"""Stress under injected faults: concurrent writers through the fault proxy, then every invariant.

Operations may fail with typed core errors (VrcError) while faults fly; only the invariants of
tests/invariants.py decide the outcome, checked on the raw stores after the run, then again after
the documented repair. Size: VRC_STRESS_OPS operations in total (default 100, inside `make test`'s
budget), VRC_STRESS_SEED picks the fault sequence, VRC_STRESS_RATE the fraction of faulty requests.
`make bench` runs a larger size (tests/benchmarks/bench_fault_stress.py).
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter

from faults import DELAY_AFTER, DROP_AFTER, DROP_BEFORE, ERROR_500, THROTTLE, THROUGHPUT, fast_sleep, settings_of
from invariants import find_violations

from core import AliasNotFoundError, VrcError

OPS = int(os.environ.get("VRC_STRESS_OPS", "100"))
SEED = int(os.environ.get("VRC_STRESS_SEED", "20261202"))
RATE = float(os.environ.get("VRC_STRESS_RATE", "0.25"))
THREADS = 4
NAMES = ("app", "db")
ALIASES = ("prod", "beta")
FAULTS = {ERROR_500: 2, THROTTLE: 2, THROUGHPUT: 1, DROP_BEFORE: 2, DROP_AFTER: 4, DELAY_AFTER: 1}
OPERATIONS = {
    "put": 5,
    "publish": 5,
    "publish_guarded": 1,
    "publish_force": 1,
    "move_alias": 4,
    "rollback_alias": 1,
    "read_alias": 2,
    "delete_version": 2,
    "purge_versions": 1,
    "purge_artifact": 0.3,
}


def run_operation(repo, rng: random.Random, op: str, tag: str) -> None:
    name = rng.choice(NAMES)
    alias = rng.choice(ALIASES)
    if op == "put":
        repo.put_artifact(name, f"{name} {tag}".encode())
    elif op == "publish":
        repo.publish_artifact_version(name)
    elif op == "publish_guarded":
        repo.publish_artifact_version(name, expected_sha256=repo.get_artifact_version(name).sha256)
    elif op == "publish_force":
        repo.publish_artifact_version(name, force=True)
    elif op == "move_alias":
        numbered = [a.version for a in repo.list_artifact_versions(name) if a.version != "LATEST"]
        if not numbered:
            return
        try:
            revision = repo.get_alias(name, alias).revision
        except AliasNotFoundError:
            revision = 0
        target = rng.choice(numbered)
        others = [v for v in numbered if v != target]
        if others and rng.random() < 0.3:
            repo.put_alias(name, alias, target, rng.choice(others), rng.randint(0, 99), expected_revision=revision)
        else:
            repo.put_alias(name, alias, target, expected_revision=revision, reason=tag)
    elif op == "rollback_alias":
        revision = repo.get_alias(name, alias).revision
        repo.rollback_alias(name, alias, expected_revision=revision, reason=tag)
    elif op == "read_alias":
        repo.get_alias(name, alias).get_version_content()
    elif op == "delete_version":
        numbered = [a.version for a in repo.list_artifact_versions(name) if a.version != "LATEST"]
        if numbered:
            repo.delete_artifact_version(name, rng.choice(numbered))
    elif op == "purge_versions":
        repo.purge_artifact_versions(name, keep_last_n=rng.randint(1, 3), purge_older_than_secs=0)
    elif op == "purge_artifact":
        repo.purge_artifact(name)


def stress(make_faulty_repo, fault_proxy, moto_server, *, ops: int, seed: int, rate: float):
    """Run `ops` random operations in THREADS threads under seeded faults; return what happened."""
    seed_repo = make_faulty_repo()
    settings = settings_of(seed_repo)
    for name in NAMES:
        seed_repo.put_artifact(name, f"{name} initial".encode())
        seed_repo.publish_artifact_version(name)
        seed_repo.put_alias(name, "prod", 1)
    # DELAY_AFTER holds an answer past the workers' read timeout; each one costs a worker that timeout.
    fault_proxy.chaos(seed=seed, rate=rate, actions=FAULTS, delay=0.8)
    outcomes: Counter[str] = Counter()
    unexpected: list[BaseException] = []
    lock = threading.Lock()

    def worker(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        repo = make_faulty_repo(settings, read_timeout=0.5, operator=f"worker{index}")
        for step in range(ops // THREADS):
            op = rng.choices(list(OPERATIONS), list(OPERATIONS.values()))[0]
            try:
                run_operation(repo, rng, op, f"w{index} s{step}")
                outcome = f"{op}: ok"
            except VrcError as exc:  # allowed under faults; the invariants decide
                outcome = f"{op}: {type(exc).__name__}"
            except BaseException as exc:  # an untyped error escaped core
                outcome = f"{op}: UNTYPED {type(exc).__name__}"
                unexpected.append(exc)
            with lock:
                outcomes[outcome] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    # Back-off sleeps (botocore's and core's) are most of the wall time under faults; capping them
    # keeps every retry and only makes it come sooner.
    with fast_sleep(0.02):
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    elapsed = time.monotonic() - started
    fault_proxy.reset()
    faults = Counter(action for _, action in fault_proxy.faults())
    violations = find_violations(seed_repo, endpoint_url=moto_server, repair=True)
    return outcomes, faults, violations, unexpected, elapsed


def test_concurrent_operations_under_faults_keep_every_invariant(make_faulty_repo, fault_proxy, moto_server):
    outcomes, faults, violations, unexpected, elapsed = stress(
        make_faulty_repo, fault_proxy, moto_server, ops=OPS, seed=SEED, rate=RATE
    )
    summary = Counter(v.kind for v in violations)
    print(f"\nstress: {OPS} ops, seed {SEED}, rate {RATE}, {elapsed:.1f} s")
    print(f"  faults injected: {dict(faults)}")
    print(f"  outcomes: {dict(sorted(outcomes.items()))}")
    print(f"  violations: {dict(summary)}")
    for violation in violations[:20]:
        print(f"    {violation.kind}: {violation.name}: {violation.detail}")
    assert sum(faults.values()) > 0, "no fault was injected: the proxy is not in the path"
    assert not unexpected, f"untyped errors escaped core: {unexpected[:5]!r}"
    assert not violations, f"invariants broken: {dict(summary)}"
