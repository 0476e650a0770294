"""Concurrent publishers of one artifact against moto's HTTP server (DynamoDB requests serialised).

Publishing an unchanged LATEST makes no new version, also when several callers publish at once:
the claim itself records which content it publishes, so the second publisher of that content
follows the first one's claim instead of claiming a number of its own.
"""

import hashlib
import os
import threading
import uuid
from collections import Counter

import pytest
from faults import new_session

from core import Repository

# Larger sizes: VRC_RACE_SCALE=4 (or the slow-marked variants below).
SCALE = int(os.environ.get("VRC_RACE_SCALE", "1"))


def open_repo(settings):
    return Repository(**settings, boto_session=new_session(), operator="tester", use_sts=False)


def run_threads(target, count):
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def guarded(i):
        try:
            barrier.wait()
            target(i)
        except BaseException as exc:  # surfaced below; a thread must not fail silently
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def published(repo, name):
    versions = [a for a in repo.list_artifact_versions(name) if a.version != "LATEST"]
    for art in versions:
        assert hashlib.sha256(art.get_content()).hexdigest() == art.sha256
    assert repo.check(name) == []
    return versions


def one_latest_many_publishers(shared, threads, rounds):
    seed = open_repo(shared)
    repos = [open_repo(shared) for _ in range(threads)]
    for r in range(rounds):
        seed.put_artifact("model", f"round {r}".encode())
        got: list[str] = [""] * threads

        def publisher(i, got=got):
            got[i] = repos[i].publish_artifact_version("model").version

        run_threads(publisher, threads)
        assert set(got) == {str(r + 1)}, got  # one new version, and every caller was told its number
    versions = published(seed, "model")
    assert sorted(int(a.version) for a in versions) == list(range(1, rounds + 1))


def test_concurrent_publishes_of_one_latest_make_one_version(shared):
    one_latest_many_publishers(shared, threads=6, rounds=2 * SCALE)


@pytest.mark.slow
def test_concurrent_publishes_of_one_latest_make_one_version_full(shared):
    one_latest_many_publishers(shared, threads=8, rounds=10)


def put_and_publish(shared, threads, rounds):
    def worker(i):
        repo = open_repo(shared)
        for r in range(rounds):
            repo.put_artifact("db", f"thread {i} round {r} {uuid.uuid4().hex}".encode())
            art = repo.publish_artifact_version("db")
            assert hashlib.sha256(art.get_content()).hexdigest() == art.sha256

    run_threads(worker, threads)
    versions = published(open_repo(shared), "db")
    shared_content = {s: n for s, n in Counter(a.sha256 for a in versions).items() if n > 1}
    assert shared_content == {}, f"{len(shared_content)} contents published more than once"
    assert versions


def test_put_and_publish_race_never_publishes_one_content_twice(shared):
    put_and_publish(shared, threads=6, rounds=4 * SCALE)


@pytest.mark.slow
def test_put_and_publish_race_never_publishes_one_content_twice_full(shared):
    put_and_publish(shared, threads=8, rounds=10)
