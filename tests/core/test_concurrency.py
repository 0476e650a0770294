"""Concurrent writers against moto's HTTP server: nothing lost, nothing mixed, history never lies."""

import hashlib
import random
import threading
import time

import pytest
from faults import new_session

from core import ConflictError, ProtectedVersionError, Repository

THREADS = 8
ROUNDS = 25
# The default suite's race: small enough to be quick, large enough to fail when claims collide.
FORCED_THREADS = 4
FORCED_ROUNDS = 4
ALIAS_THREADS = 4
ALIAS_ROUNDS = 4
GUARDED_THREADS = 3
GUARDED_ROUNDS = 3


def run_threads(target, count=THREADS):
    errors = []

    def guarded(i):
        try:
            target(i)
        except BaseException as exc:  # surfaced below; a thread must not fail silently
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def open_repo(settings, operator="tester"):
    return Repository(**settings, boto_session=new_session(), operator=operator, use_sts=False)


def assert_versions_verified(repo, name, expected_count, allowed_contents, contiguous=True):
    versions = [a for a in repo.list_artifact_versions(name) if a.version != "LATEST"]
    numbers = sorted(int(a.version) for a in versions)
    assert len(numbers) == len(set(numbers)) == expected_count
    if contiguous:
        assert numbers == list(range(1, expected_count + 1))
    contents = {}
    for art in versions:
        data = art.get_content()  # verifies bytes against the recorded sha256
        assert hashlib.sha256(data).hexdigest() == art.sha256
        assert data in allowed_contents, "a version holds bytes nobody uploaded"
        contents[art.version] = data
    assert repo.check(name) == []
    return contents


def forced_race(shared, threads, rounds):
    uploaded = {f"thread {i} round {r}".encode() for i in range(threads) for r in range(rounds)}

    def publisher(i):
        repo = open_repo(shared)
        for r in range(rounds):
            repo.put_artifact("model", f"thread {i} round {r}".encode())
            repo.publish_artifact_version("model", force=True)

    run_threads(publisher, count=threads)
    assert_versions_verified(open_repo(shared), "model", threads * rounds, uploaded)


def test_forced_publishers_get_distinct_versions(shared):
    """Sized to what still catches a claim that does not exclude (checked by dropping its condition)."""
    forced_race(shared, FORCED_THREADS, FORCED_ROUNDS)


@pytest.mark.slow
def test_forced_publishers_get_distinct_versions_full_race(shared):
    """The full-size race (`make test-full`, run by CI)."""
    forced_race(shared, THREADS, ROUNDS)


def guarded_race(shared, threads, rounds):
    """Each thread uploads, then publishes with expected_sha256, retrying until its own upload is published."""

    def publisher(i):
        repo = open_repo(shared)
        for r in range(rounds):
            data = f"thread {i} round {r}".encode()
            while True:
                art = repo.put_artifact("db", data)
                try:
                    repo.publish_artifact_version("db", expected_sha256=art.sha256)
                    break
                except ConflictError:
                    # Back off as a real client would: retrying at once lets the threads keep
                    # invalidating each other's uploads (seen: 2 s to 14 s for the same race).
                    time.sleep(random.uniform(0, 0.02))

    run_threads(publisher, count=threads)
    uploaded = {f"thread {i} round {r}".encode() for i in range(threads) for r in range(rounds)}
    contents = assert_versions_verified(open_repo(shared), "db", threads * rounds, uploaded, contiguous=False)
    assert set(contents.values()) == uploaded


def test_guarded_publishers_publish_exactly_what_they_saw(shared):
    """With expected_sha256 each thread retries until its own upload is published: each lands once.

    Contention here is brutal (every upload invalidates every other thread's publish), so fewer
    threads and rounds than above keep the suite fast. A publish that loses the race after its claim
    burns that number (never reused), so numbers may have gaps. Sized to what still catches a publish
    that ignores expected_sha256 (checked by dropping that check).
    """
    guarded_race(shared, GUARDED_THREADS, GUARDED_ROUNDS)


@pytest.mark.slow
def test_guarded_publishers_publish_exactly_what_they_saw_full(shared):
    """The full-size race (`make test-slow`, run by CI)."""
    guarded_race(shared, 3, 6)


def alias_writers(shared, threads, rounds):
    seed = open_repo(shared)
    for n in range(1, 4):
        seed.put_artifact("app", str(n).encode())
        seed.publish_artifact_version("app")
    seed.put_alias("app", "prod", 1)
    wins = []

    def operator(i):
        repo = open_repo(shared, operator=f"op{i}")
        for r in range(rounds):
            current = repo.get_alias("app", "prod")
            target = 1 + (i + r) % 3
            weight = (i * 7 + r) % 50
            secondary = 1 + (target % 3)
            try:
                written = repo.put_alias(
                    "app", "prod", target, secondary, weight, expected_revision=current.revision, reason=f"op{i} r{r}"
                )
            except ConflictError:
                continue
            if written.revision != current.revision:  # a change to the current configuration writes nothing
                wins.append((i, r))

    run_threads(operator, count=threads)
    final = seed.get_alias("app", "prod")
    history = seed.list_alias_history("app", "prod", limit=1000)
    assert final.revision == len(wins) + 1 == len(history)
    assert [e.revision for e in history] == list(range(len(history), 0, -1))
    # Each event's `before` is exactly the previous event's `after`: no write was lost or mis-recorded.
    for newer, older in zip(history, history[1:], strict=False):
        assert newer.before == older.after
    assert history[0].after == final.config


def test_alias_writers_with_expected_revision_never_clobber(shared):
    """Sized to what still catches an alias write that does not pin the state it read (checked by dropping
    the alias and event conditions)."""
    alias_writers(shared, ALIAS_THREADS, ALIAS_ROUNDS)


@pytest.mark.slow
def test_alias_writers_with_expected_revision_never_clobber_full(shared):
    """The full-size race (`make test-slow`, run by CI)."""
    alias_writers(shared, THREADS, 10)


def test_delete_never_leaves_an_alias_on_a_deleted_version(shared):
    seed = open_repo(shared)
    for n in range(1, 3):
        seed.put_artifact("cfg", str(n).encode())
        seed.publish_artifact_version("cfg")
    seed.put_alias("cfg", "prod", 1)
    outcomes = []

    def worker(i):
        repo = open_repo(shared)
        for r in range(15):
            if i % 2:
                try:
                    repo.put_alias("cfg", "prod", 1 + (r % 2))
                except Exception as exc:  # version 2 may be deleted by now
                    outcomes.append(type(exc).__name__)
            else:
                try:
                    repo.delete_artifact_version("cfg", 2)
                    outcomes.append("deleted")
                except ProtectedVersionError:
                    outcomes.append("protected")

    run_threads(worker, count=4)
    assert [p for p in seed.check("cfg") if p.kind == "dangling_alias"] == []


# --- alias history across a purge (found by the fault stress run) ----------------------------


def history_revisions(repo: Repository, name: str, alias: str) -> list[int]:
    return sorted(e.revision for e in repo.list_alias_history(name, alias))


def test_an_alias_recreated_after_a_purge_starts_its_history_again(make_repo):
    """A repository that deleted an alias remembers its newest event; another one purges the
    artifact; recreating the alias must start at revision 1, not continue a history that is gone."""
    first = make_repo()
    settings = {k: getattr(first, k) for k in ("s3_bucket", "dynamodb_table_name")}
    other = make_repo(**settings, operator="other")
    first.put_artifact("app", b"one")
    first.publish_artifact_version("app")
    first.put_alias("app", "beta", 1)
    first.delete_alias("app", "beta")
    other.purge_artifact("app")
    other.put_artifact("app", b"two")
    other.publish_artifact_version("app")
    first.put_alias("app", "beta", 1)
    assert history_revisions(first, "app", "beta") == [1]
    assert first.get_alias("app", "beta").revision == 1


def test_a_purge_never_leaves_history_of_an_alias_it_removed(make_repo, monkeypatch):
    """An alias change lands after the purge read the history but before it read the aliases:
    the purge must not delete the alias and leave that change's event behind."""
    from core import _purge

    first = make_repo()
    settings = {k: getattr(first, k) for k in ("s3_bucket", "dynamodb_table_name")}
    other = make_repo(**settings, operator="other")
    for content in (b"one", b"two"):
        first.put_artifact("app", content)
        first.publish_artifact_version("app")
    first.put_alias("app", "prod", 1)
    original = _purge.Context.query
    fired: list[str] = []

    def query(self, pk, **kwargs):
        found = original(self, pk, **kwargs)
        if pk == "__app-history" and not fired:
            fired.append(pk)
            # Lands between the purge's two reads, onto a version the purge has not read (so
            # hiding the versions it read does not fail and make it go round again).
            fresh = other.publish_artifact_version("app", force=True)
            other.put_alias("app", "prod", fresh.version)
        return found

    monkeypatch.setattr(_purge.Context, "query", query)
    first.purge_artifact("app")
    monkeypatch.undo()
    assert fired
    assert first.list_aliases("app") == []
    assert first.list_alias_history("app", "prod") == []
