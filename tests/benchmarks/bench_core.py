"""core vs versioned 1.0.1, side by side against one moto server on 127.0.0.1 (not a test).

For each operation: AWS requests made (client-side count, cross-checked against the server's own
request log) and wall time (median, p95), core vs versioned, with the ratio versioned / core.
Then peak RSS of a big put + download round trip, each library in its own subprocess.

    .venv/bin/python tests/benchmarks/bench_core.py [--rss-mb 512] [--quick]
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(ROOT)]

from _server import REGION, MotoServer, moto_server

PREFIX = "versioned-artifacts"  # both libraries' default S3 prefix
NAMES = 1_000
LIST_VERSIONS = 100
PURGE_SEED, PURGE_KEEP = 50, 3


# --- measuring ---------------------------------------------------------------------------------


@dataclass
class Sample:
    """Per-repetition request counts and wall times of one operation on one library."""

    requests: list[int] = field(default_factory=list)
    server: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    ops: Counter[str] = field(default_factory=Counter)

    @property
    def median_requests(self) -> float:
        return statistics.median(self.requests)

    def requests_text(self) -> str:
        lo, hi = min(self.requests), max(self.requests)
        return str(lo) if lo == hi else f"{_num(self.median_requests)} ({lo}-{hi})"

    def ms(self) -> tuple[float, float]:
        ordered = sorted(self.seconds)
        p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
        return statistics.median(ordered) * 1000, p95 * 1000

    def ops_text(self) -> str:
        n = len(self.requests)
        parts = [f"{op.split('.', 1)[-1]} {_num(count / n)}" for op, count in sorted(self.ops.items())]
        return ", ".join(parts)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.1f}"


MISMATCHES: list[str] = []


def measure(
    srv: MotoServer,
    label: str,
    op: Callable[[Any], Any],
    reps: int,
    setup: Callable[[int], Any] | None = None,
    check: Callable[[Any, Any], None] | None = None,
) -> Sample:
    """Run `op(setup(i))` reps times; only `op` is timed and counted."""
    sample = Sample()
    for i in range(reps):
        arg = setup(i) if setup else i
        c0, ops0 = srv.counter.snapshot()
        s0 = srv.server_requests
        t0 = time.perf_counter()
        result = op(arg)
        elapsed = time.perf_counter() - t0
        c1, ops1 = srv.counter.snapshot()
        s1 = srv.server_requests
        sample.seconds.append(elapsed)
        sample.requests.append(c1 - c0)
        sample.server.append(s1 - s0)
        sample.ops.update(ops1 - ops0)
        if c1 - c0 != s1 - s0:
            MISMATCHES.append(f"{label} rep {i}: client counted {c1 - c0}, server logged {s1 - s0}")
        if check:
            check(arg, result)
    return sample


def progress(text: str) -> None:
    print(f"  .. {text}", file=sys.stderr, flush=True)


# --- seeding in the shared (versioned 1.0.1) layout, cheaply --------------------------------------


def _time_text(value: datetime) -> str:
    """A timestamp the way versioned (pynamodb's UTCDateTimeAttribute) stores it."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")


class Seeder:
    """Writes versions and names straight into S3 + DynamoDB, as versioned 1.0.1 would have."""

    def __init__(self, srv: MotoServer) -> None:
        self.s3 = srv.session.client("s3", endpoint_url=srv.endpoint_url)
        self.ddb = srv.session.client("dynamodb", endpoint_url=srv.endpoint_url)
        self.pool = ThreadPoolExecutor(max_workers=8)

    def _objects(self, bucket: str, keys_and_bodies: list[tuple[str, bytes, str]]) -> None:
        def put(entry: tuple[str, bytes, str]) -> None:
            key, body, sha = entry
            name = key.split("/")[-2]
            self.s3.put_object(
                Bucket=bucket, Key=key, Body=body, Metadata={"artifact_name": name, "artifact_sha256": sha}
            )

        list(self.pool.map(put, keys_and_bodies))

    def _items(self, table: str, items: list[dict[str, Any]]) -> None:
        for start in range(0, len(items), 25):
            pending: dict[str, Any] = {table: [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]}
            while pending:
                pending = self.ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}

    def clear(self, table: str) -> None:
        """Delete every item of a table (a scan and batched deletes)."""
        keys = [
            {"pk": i["pk"], "sk": i["sk"]}
            for page in self.ddb.get_paginator("scan").paginate(TableName=table, ProjectionExpression="pk, sk")
            for i in page["Items"]
        ]
        for start in range(0, len(keys), 25):
            pending: dict[str, Any] = {table: [{"DeleteRequest": {"Key": k}} for k in keys[start : start + 25]]}
            while pending:
                pending = self.ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}

    @staticmethod
    def _item(name: str, sk: str, sha: str, when: datetime) -> dict[str, Any]:
        return {
            "pk": {"S": name},
            "sk": {"S": sk},
            "sha256": {"S": sha},
            "update_at": {"S": _time_text(when)},
            "is_deleted": {"BOOL": False},
        }

    def versions(self, bucket: str, table: str, name: str, count: int, age: timedelta) -> None:
        """LATEST plus versions 1..count, version i holding b"<name> v<i>", all `age` old."""
        start = datetime.now(UTC) - age
        entries, items = [], []
        for i in range(count + 1):
            sk = "LATEST" if i == 0 else f"{i:06d}"
            body = f"{name} v{i or count}".encode()
            sha = hashlib.sha256(body).hexdigest()
            entries.append((f"{PREFIX}/{name}/{sk}", body, sha))
            items.append(self._item(name, sk, sha, start + timedelta(seconds=i or count)))
        self._objects(bucket, entries)
        self._items(table, items)

    def names(self, bucket: str, table: str, names: list[str]) -> None:
        """One LATEST (object and item) per name."""
        now = datetime.now(UTC)
        entries, items = [], []
        for name in names:
            body = name.encode()
            sha = hashlib.sha256(body).hexdigest()
            entries.append((f"{PREFIX}/{name}/LATEST", body, sha))
            items.append(self._item(name, "LATEST", sha, now))
        self._objects(bucket, entries)
        self._items(table, items)


# --- the two libraries behind one small interface ------------------------------------------------


class CoreLib:
    label = "core"

    def __init__(self, srv: MotoServer, tag: str) -> None:
        from core import Repository

        self._srv, self._Repository = srv, Repository
        self.bucket = self.table = f"bench-core-{tag}"
        self.repo = self.fresh()
        self.repo.bootstrap()

    def fresh(self) -> Any:
        """Another Repository on the same bucket, table and session: no client-side memory."""
        return self._Repository(
            aws_region=REGION,
            s3_bucket=self.bucket,
            dynamodb_table_name=self.table,
            boto_session=self._srv.session,
            endpoint_url=self._srv.endpoint_url,
        )

    def put(self, name: str, data: bytes, repo: Any = None) -> Any:
        return (repo or self.repo).put_artifact(name, data)

    def publish(self, name: str, repo: Any = None) -> Any:
        return (repo or self.repo).publish_artifact_version(name)

    def get_version(self, name: str, version: int) -> Any:
        return self.repo.get_artifact_version(name, version)

    def list_versions(self, name: str) -> list[Any]:
        return self.repo.list_artifact_versions(name)

    def list_names(self) -> list[str]:
        return self.repo.list_artifact_names()

    def put_alias(
        self,
        name: str,
        alias: str,
        version: int,
        secondary: int | None = None,
        weight: int | None = None,
        repo: Any = None,
    ) -> Any:
        return (repo or self.repo).put_alias(name, alias, version, secondary, weight)

    def get_alias(self, name: str, alias: str) -> Any:
        return self.repo.get_alias(name, alias)

    def alias_content(self, name: str, alias: str) -> bytes:
        return self.repo.get_alias(name, alias).get_version_content()

    def purge(self, name: str, keep: int) -> list[Any]:
        _, deleted = self.repo.purge_artifact_versions(name, keep_last_n=keep)
        return deleted

    def history_len(self, name: str, alias: str) -> int:
        return len(self.repo.list_alias_history(name, alias, limit=1000))


class VersionedLib:
    label = "versioned"

    def __init__(self, srv: MotoServer, tag: str) -> None:
        from boto_session_manager import BotoSesManager
        from versioned.api import s3_and_dynamodb_backend

        # BotoSesManager 1.8.1 has no boto_ses= argument, and handing it our session's botocore
        # session breaks boto3's S3 injection; so it builds its own session and we count that.
        self.bsm = BotoSesManager(region_name=REGION, default_client_kwargs={"endpoint_url": srv.endpoint_url})
        srv.counter.attach(self.bsm.boto_ses._session)
        srv.counter.patch_pynamodb()
        self.bucket = self.table = f"bench-versioned-{tag}"
        self.repo = s3_and_dynamodb_backend.Repository(
            aws_region=REGION, s3_bucket=self.bucket, dynamodb_table_name=self.table
        )
        self.repo.bootstrap(self.bsm)

    def put(self, name: str, data: bytes) -> Any:
        return self.repo.put_artifact(name, data, bsm=self.bsm)

    def publish(self, name: str) -> Any:
        return self.repo.publish_artifact_version(name, bsm=self.bsm)

    def get_version(self, name: str, version: int) -> Any:
        return self.repo.get_artifact_version(name, version, bsm=self.bsm)

    def list_versions(self, name: str) -> list[Any]:
        return self.repo.list_artifact_versions(name, bsm=self.bsm)

    def list_names(self) -> list[str]:
        return self.repo.list_artifact_names(bsm=self.bsm)

    def put_alias(
        self, name: str, alias: str, version: int, secondary: int | None = None, weight: int | None = None
    ) -> Any:
        return self.repo.put_alias(name, alias, version, secondary, weight, bsm=self.bsm)

    def get_alias(self, name: str, alias: str) -> Any:
        return self.repo.get_alias(name, alias, bsm=self.bsm)

    def alias_content(self, name: str, alias: str) -> bytes:
        return self.repo.get_alias(name, alias, bsm=self.bsm).get_version_content(self.bsm)

    def purge(self, name: str, keep: int) -> list[Any]:
        _, deleted = self.repo.purge_artifact_versions(name, keep_last_n=keep, bsm=self.bsm)
        return deleted


# --- the benchmark --------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    target: str
    core: Sample | None
    versioned: Sample | None
    verdict: str  # PASS / MISS / "" (no target)
    why: str = ""


def _blob(tag: str, i: int) -> bytes:
    return f"{tag} content #{i} ".encode() * 64  # ~1-2 KiB, new each time


def run_operations(srv: MotoServer, reps: int, slow_reps: int, purge_reps: tuple[int, int]) -> list[Row]:
    """Every operation, core then versioned; each group on its own bucket and table (see below)."""
    # moto's TransactWriteItems deep-copies the whole table once per item in the transaction, so
    # its cost grows with the table; core uses transactions, versioned does not. Giving each group
    # of operations its own small table keeps that moto artifact out of the numbers.
    seeder = Seeder(srv)
    rows: list[Row] = []

    def pair(tag: str) -> tuple[CoreLib, VersionedLib]:
        return CoreLib(srv, tag), VersionedLib(srv, tag)

    def each(label: str, libs: tuple[Any, Any], run: Callable[[Any, int], Sample]) -> tuple[Sample, Sample]:
        progress(label)
        core, ver = libs
        return run(core, reps), run(ver, slow_reps)

    # put_artifact: new content over an existing LATEST.
    libs = pair("put")
    for lib in libs:
        lib.put("put-target", _blob("warm", 0))
    c, v = each(
        "put_artifact",
        libs,
        lambda lib, n: measure(
            srv, f"{lib.label} put_artifact", lambda i: lib.put("put-target", _blob(lib.label, i)), n
        ),
    )
    rows.append(Row("put_artifact (1 KiB, new content)", "", c, v, ""))

    # publish after a put of new content (the put is setup, not measured).
    libs = pair("pub")
    for lib in libs:
        lib.put("pub", _blob("pub", -1))
        lib.publish("pub")
    c, v = each(
        "publish",
        libs,
        lambda lib, n: measure(
            srv,
            f"{lib.label} publish",
            lambda _: lib.publish("pub"),
            n,
            setup=lambda i: lib.put("pub", _blob(f"pub-{lib.label}", i)),
        ),
    )
    rows.append(_target_row("publish (after put, same Repository)", "<= 3 req", c, v, lambda k: k <= 3))

    # The same, but the publishing Repository did not do the put (another process, a restart).
    progress("publish, fresh Repository")
    core = libs[0]

    def cold_publish_setup(i: int) -> Any:
        core.put("pub", _blob("pub-cold", i))
        repo = core.fresh()
        repo.get_artifact_version("pub")  # builds its clients outside the measurement
        return repo

    c = measure(
        srv,
        "core publish (fresh Repository)",
        lambda repo: core.publish("pub", repo=repo),
        reps,
        setup=cold_publish_setup,
    )
    rows.append(
        _target_row(
            "publish (fresh Repository: no put seen)",
            "<= 3 req",
            c,
            None,
            lambda k: k <= 3,
            versioned_na="same code path as above",
        )
    )

    # no-op publish: LATEST unchanged since the last publish (core only).
    progress("no-op publish")
    core.put("pub", _blob("pub-noop", 0))
    published = core.publish("pub").version
    minted: list[str] = []
    c = measure(
        srv,
        "core no-op publish",
        lambda _: core.publish("pub"),
        reps,
        check=lambda _, a: minted.append(a.version) if a.version != published else None,
    )
    row = _target_row(
        "no-op publish (LATEST unchanged)",
        "1 req",
        c,
        None,
        lambda k: k <= 1,
        versioned_na="always mints a new version",
    )
    if minted:
        row.verdict, row.why = "MISS", f"minted new versions {minted[:3]}"
    rows.append(row)

    # get_artifact_version (on the publish table: a few dozen versions).
    c, v = each(
        "get_artifact_version",
        libs,
        lambda lib, n: measure(srv, f"{lib.label} get_artifact_version", lambda _: lib.get_version("pub", 1), 2 * n),
    )
    rows.append(Row("get_artifact_version", "", c, v, ""))

    # list_artifact_versions over 100 versions (seeded straight into the shared layout).
    libs = pair("hundred")
    for lib in libs:
        seeder.versions(lib.bucket, lib.table, "hundred", LIST_VERSIONS, timedelta(days=1))
    counts: dict[str, set[int]] = {}
    c, v = each(
        "list_artifact_versions",
        libs,
        lambda lib, n: measure(
            srv,
            f"{lib.label} list_artifact_versions",
            lambda _: lib.list_versions("hundred"),
            n,
            check=lambda _, r: counts.setdefault(lib.label, set()).add(len(r)),
        ),
    )
    rows.append(
        Row(f"list_artifact_versions ({LIST_VERSIONS} versions)", "", c, v, "", _sizes_note(counts, LIST_VERSIONS + 1))
    )

    # list_artifact_names over 1,000 names.
    libs = pair("names")
    progress("seeding 1,000 names per library")
    names = [f"name-{i:04d}" for i in range(NAMES)]
    for lib in libs:
        seeder.names(lib.bucket, lib.table, names)
    found: dict[str, set[int]] = {}
    c, v = each(
        "list_artifact_names",
        libs,
        lambda lib, n: measure(
            srv,
            f"{lib.label} list_artifact_names",
            lambda _: lib.list_names(),
            n,
            check=lambda _, r: found.setdefault(lib.label, set()).add(len(r)),
        ),
    )
    per = math.ceil(NAMES / 1000)
    row = _target_row(f"list_artifact_names ({NAMES:,} names)", f"<= {per} req", c, v, lambda k: k <= per)
    note = _sizes_note(found, NAMES)
    if note:
        row.why = note
        if found.get("core") != {NAMES}:
            row.verdict = "MISS"
    rows.append(row)

    # Aliases: two published versions to point at.
    libs = pair("alias")
    core = libs[0]
    for lib in libs:
        lib.put("app", _blob("app", 1))
        lib.publish("app")
        lib.put("app", _blob("app", 2))
        lib.publish("app")
        lib.put_alias("app", "prod", 1)  # create; core also learns its caller identity here
        lib.put_alias("app", "canary", 1, 2, 10)
    core.get_alias("app", "prod")  # the console reads an alias before moving it

    before = core.history_len("app", "prod")
    c, v = each(
        "put_alias",
        libs,
        lambda lib, n: measure(srv, f"{lib.label} put_alias", lambda i: lib.put_alias("app", "prod", 2 - i % 2), n),
    )
    recorded = core.history_len("app", "prod") - before
    rows.append(_alias_row("put_alias (move; alias read earlier)", c, v, recorded))

    progress("put_alias, fresh Repository")

    def cold_alias_setup(i: int) -> tuple[Any, int]:
        repo = core.fresh()
        repo.caller_identity()  # clients and STS identity, outside the measurement
        return repo, 1 + i % 2

    before = core.history_len("app", "prod")
    c = measure(
        srv,
        "core put_alias (fresh Repository)",
        lambda arg: core.put_alias("app", "prod", arg[1], repo=arg[0]),
        reps,
        setup=cold_alias_setup,
    )
    recorded = core.history_len("app", "prod") - before
    rows.append(
        _alias_row(
            "put_alias (alias not read by this Repository)", c, None, recorded, versioned_na="same code path as above"
        )
    )

    progress("put_alias after someone else moved it")
    other = core.fresh()

    def stale_alias_setup(i: int) -> int:
        other.put_alias("app", "prod", 1 + i % 2)  # our Repository's view of the alias is now stale
        return 2 - i % 2

    core.get_alias("app", "prod")
    before = core.history_len("app", "prod")
    c = measure(
        srv,
        "core put_alias (stale)",
        lambda version: core.put_alias("app", "prod", version),
        reps,
        setup=stale_alias_setup,
    )
    recorded = core.history_len("app", "prod") - before - reps  # minus the setup's own moves
    rows.append(
        _alias_row(
            "put_alias (alias moved by someone else since)", c, None, recorded, versioned_na="same code path as above"
        )
    )

    before = core.history_len("app", "canary")
    c, v = each(
        "put_alias canary",
        libs,
        lambda lib, n: measure(
            srv, f"{lib.label} put_alias canary", lambda i: lib.put_alias("app", "canary", 1, 2, 10 + 10 * (i % 2)), n
        ),
    )
    recorded = core.history_len("app", "canary") - before
    rows.append(_alias_row("put_alias canary (weight change)", c, v, recorded))

    c, v = each(
        "get_alias",
        libs,
        lambda lib, n: measure(srv, f"{lib.label} get_alias", lambda _: lib.get_alias("app", "prod"), 2 * n),
    )
    rows.append(Row("get_alias", "", c, v, ""))

    c, v = each(
        "alias content fetch",
        libs,
        lambda lib, n: measure(srv, f"{lib.label} alias content", lambda _: lib.alias_content("app", "prod"), n),
    )
    rows.append(Row("alias content fetch (get_alias + content)", "", c, v, ""))

    # purge keeping 3 of 50 versions that are 100 days old; re-seeded (and the previous
    # repetition's items cleared) before each repetition, outside the measurement.
    libs = pair("purge")
    deleted: dict[str, set[int]] = {}

    def purge_sample(lib: Any, n: int) -> Sample:
        def setup(i: int) -> str:
            seeder.clear(lib.table)
            seeder.versions(lib.bucket, lib.table, "purge", PURGE_SEED, timedelta(days=100))
            return "purge"

        return measure(
            srv,
            f"{lib.label} purge",
            lambda name: lib.purge(name, PURGE_KEEP),
            n,
            setup=setup,
            check=lambda _, r: deleted.setdefault(lib.label, set()).add(len(r)),
        )

    progress("purge_artifact_versions")
    c, v = purge_sample(libs[0], purge_reps[0]), purge_sample(libs[1], purge_reps[1])
    expected = PURGE_SEED - PURGE_KEEP
    row = _target_row(
        f"purge_artifact_versions (keep {PURGE_KEEP} of {PURGE_SEED})", "<= 5 req", c, v, lambda k: k <= 5
    )
    note = _sizes_note(deleted, expected, what="deleted")
    if note:
        row.why = note
        if deleted.get("core") != {expected}:
            row.verdict = "MISS"
    rows.append(row)
    seeder.pool.shutdown()
    return rows


def _sizes_note(seen: dict[str, set[int]], expected: int, what: str = "returned") -> str:
    odd = [f"{lib} {what} {sorted(sizes)}" for lib, sizes in seen.items() if sizes != {expected}]
    return f"expected {expected}: " + "; ".join(odd) if odd else ""


def _target_row(
    label: str, target: str, c: Sample | None, v: Sample | None, ok: Callable[[int], bool], versioned_na: str = ""
) -> Row:
    verdict = "PASS" if c is not None and all(ok(n) for n in c.requests) else "MISS"
    row = Row(label, target, c, v, verdict)
    if versioned_na and v is None:
        row.why = f"versioned: {versioned_na}"
    return row


def _alias_row(label: str, c: Sample, v: Sample | None, recorded: int, versioned_na: str = "") -> Row:
    row = _target_row(label, "1 req + event", c, v, lambda s: s <= 1, versioned_na)
    reps = len(c.requests)
    if recorded != reps:
        row.verdict = "MISS"
        row.why = f"{recorded} history events for {reps} changes" + (f"; {row.why}" if row.why else "")
    return row


# --- peak RSS of a big round trip ---------------------------------------------------------------


@dataclass
class RssResult:
    lib: str
    peak_mb: float
    baseline_mb: float
    after_put_mb: float
    seconds: float
    bytes_match: bool
    error: str = ""


def run_rss(srv: MotoServer, megabytes: int) -> list[RssResult]:
    import json

    core, ver = CoreLib(srv, "rss"), VersionedLib(srv, "rss")
    results: list[RssResult] = []
    with tempfile.TemporaryDirectory(prefix="vrc-bench-rss-") as folder:
        src = Path(folder) / "blob.bin"
        progress(f"writing a {megabytes} MB file")
        block = os.urandom(1 << 20)
        with src.open("wb") as f:
            for i in range(megabytes):
                f.write(i.to_bytes(8, "big") + block[8:])  # distinct 1 MiB blocks, cheaply
        pythonpath = os.environ.get("PYTHONPATH")
        for lib in (core, ver):
            progress(f"{megabytes} MB round trip, {lib.label} subprocess")
            dst = Path(folder) / f"back-{lib.label}.bin"
            proc = subprocess.run(
                [
                    sys.executable,
                    str(HERE / "_rss_child.py"),
                    lib.label,
                    str(src),
                    str(dst),
                    lib.bucket,
                    lib.table,
                    srv.endpoint_url,
                ],
                check=False,
                capture_output=True,
                text=True,
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), pythonpath]))},
            )
            if proc.returncode != 0:
                tail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
                results.append(RssResult(lib.label, 0, 0, 0, 0, False, tail[0]))
            else:
                data = json.loads(proc.stdout.strip().splitlines()[-1])
                results.append(
                    RssResult(
                        lib.label,
                        data["peak_mb"],
                        data["baseline_mb"],
                        data["after_put_mb"],
                        data["seconds"],
                        data["bytes_match"],
                    )
                )
            dst.unlink(missing_ok=True)
            # Free the server's copy before the next child.
            seeder_s3 = srv.session.client("s3", endpoint_url=srv.endpoint_url)
            for page in seeder_s3.get_paginator("list_objects_v2").paginate(Bucket=lib.bucket):
                for obj in page.get("Contents", []):
                    seeder_s3.delete_object(Bucket=lib.bucket, Key=obj["Key"])
    return results


# --- printing ------------------------------------------------------------------------------------


def _ratio(v: float | None, c: float | None) -> str:
    if v is None or c is None:
        return "n/a"
    if c == 0:
        return "inf" if v else "="
    return f"{v / c:.1f}x"


def _ms(sample: Sample | None) -> str:
    if sample is None:
        return "n/a"
    med, p95 = sample.ms()
    return " / ".join(f"{x:.0f}" if x >= 100 else f"{x:.1f}" for x in (med, p95))


def print_report(
    rows: list[Row], rss: list[RssResult], megabytes: int, args: argparse.Namespace, load: tuple[str, str]
) -> None:
    print()
    print("vrc core vs versioned 1.0.1 against one moto server on 127.0.0.1")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average at start {load[0]}, at end {load[1]}")
    print(
        f"repetitions: core {args.reps}, versioned {args.slow_reps} (get_* twice that), purge "
        f"{args.purge_reps[0]} / {args.purge_reps[1]}"
    )
    print(
        "requests = AWS requests per call; ms = wall time median / p95 (nearest rank);"
        " ratio = versioned / core (higher: core better); targets and verdicts are core's"
    )
    header = (
        f"{'operation':<46} {'req core':>9} | {'versioned':<8} {'ratio':>6}  "
        f"{'core ms':>15} {'versioned ms':>15} {'ratio':>6}  {'target':<14} verdict"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        creq = r.core.requests_text() if r.core else "n/a"
        vreq = r.versioned.requests_text() if r.versioned else "n/a"
        req_ratio = _ratio(
            r.versioned.median_requests if r.versioned else None, r.core.median_requests if r.core else None
        )
        ms_ratio = _ratio(r.versioned.ms()[0] if r.versioned else None, r.core.ms()[0] if r.core else None)
        print(
            f"{r.label:<46} {creq:>9} | {vreq:<9} {req_ratio:>6}  {_ms(r.core):>15} "
            f"{_ms(r.versioned):>15} {ms_ratio:>6}  {r.target or '-':<14} {r.verdict or '-'}"
        )
    print()
    print("requests by AWS operation (per call):")
    for r in rows:
        print(f"  {r.label}")
        for lib, s in (("core", r.core), ("versioned", r.versioned)):
            if s is not None:
                print(f"    {lib:<10} {s.ops_text()}")
        if r.why:
            print(f"    note: {r.why}")
    print()
    if rss:
        print(
            f"peak RSS, {megabytes} MB put + download round trip, each library in its own subprocess"
            " (ru_maxrss; 'imports' = before the round trip, 'through put' = after the upload)"
        )
        for res in rss:
            if res.error:
                print(f"  {res.lib:<10} FAILED: {res.error}")
                continue
            verdict = ""
            if res.lib == "core":
                verdict = "PASS" if res.peak_mb < 150 and res.bytes_match else "MISS"
            print(
                f"  {res.lib:<10} peak {res.peak_mb:6.1f} MB (imports {res.baseline_mb:4.1f}, "
                f"through put {res.after_put_mb:5.1f}), {res.seconds:5.1f} s, "
                f"bytes match: {'yes' if res.bytes_match else 'NO'}"
                f"{'   target < 150 MB  ' + verdict if verdict else ''}"
            )
        if megabytes != 512:
            print(f"  (run with {megabytes} MB, not the issue's 512 MB)")
        print()
    if MISMATCHES:
        print("REQUEST COUNT MISMATCHES (client-side count vs the server's log):")
        for m in MISMATCHES[:20]:
            print(f"  {m}")
    else:
        print("request counts: client-side botocore count == moto server's request log, in every measured call")
    misses = [r.label for r in rows if r.verdict == "MISS"]
    passes = sum(r.verdict == "PASS" for r in rows)
    for res in rss:
        if res.lib == "core":
            if res.error or res.peak_mb >= 150 or not res.bytes_match:
                misses.append(f"{megabytes} MB round trip peak RSS")
            else:
                passes += 1
    print(f"targets: {passes} PASS, {len(misses)} MISS" + (f" ({'; '.join(misses)})" if misses else ""))


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--rss-mb", type=int, default=512, help="size of the round-trip blob for the peak-RSS measure (0 skips it)"
    )
    parser.add_argument("--reps", type=int, default=20, help="repetitions per core operation")
    parser.add_argument(
        "--slow-reps", type=int, default=10, help="repetitions per versioned operation (each costs ~50-300 ms)"
    )
    parser.add_argument("--purge-reps", type=int, nargs=2, default=(5, 2), metavar=("CORE", "VERSIONED"))
    parser.add_argument("--quick", action="store_true", help="3 repetitions, 64 MB blob (smoke run)")
    args = parser.parse_args(argv)
    if args.quick:
        args.reps = args.slow_reps = 3
        args.purge_reps = (1, 1)
        args.rss_mb = min(args.rss_mb, 64)
    t0 = time.perf_counter()
    load_start = _load()
    with moto_server() as srv:
        progress(f"moto server at {srv.endpoint_url}")
        rows = run_operations(srv, args.reps, args.slow_reps, tuple(args.purge_reps))
        rss = run_rss(srv, args.rss_mb) if args.rss_mb > 0 else []
    print_report(rows, rss, args.rss_mb, args, (load_start, _load()))
    print(f"(bench_core took {time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
