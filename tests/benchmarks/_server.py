"""Benchmark plumbing: a moto server on 127.0.0.1 and two independent AWS request counters.

Not a test module (no `test_` names; pytest's testpaths do not include this folder).

Client side: a botocore `before-send` handler counts every HTTP request a botocore client sends.
It is registered on a boto3 Session's botocore session, which every client built from that
session shares (core's clients; versioned's S3 clients, which BotoSesManager builds from its own
boto3 session, so bench_core attaches the counter to `bsm.boto_ses._session` too). pynamodb
escapes every boto3 session: each
`pynamodb.connection.base.Connection` calls `botocore.session.get_session()` to make a brand-new
botocore session (and versioned's `use_boto_session` drops the model's connection on every call,
so every DynamoDB call gets a new session and a new client). `RequestCounter.patch_pynamodb()`
therefore wraps `pynamodb.connection.base.get_session` so each of those sessions gets the handler
too.

Server side: moto runs in its own process (`python _server.py --serve`), so the millions of
objects it holds are not in the benchmarked heap, where the client's garbage collections would
scan them. werkzeug logs one line per request it answers. In the server process we replace the
`werkzeug` logger's handlers with one that bumps a shared counter, which silences the output and
gives an independent count to check the client side against. werkzeug logs in `send_response`,
before the response reaches the client, so a synchronous caller always sees its own requests
already counted.
"""

from __future__ import annotations

import logging
import mmap
import os
import struct
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3

REGION = "us-east-1"
HOST = "127.0.0.1"

_DUMMY_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


@dataclass
class RequestCounter:
    """Counts HTTP requests sent by botocore clients, by `service.Operation`."""

    total: int = 0
    ops: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _on_send(self, event_name: str = "", **_: Any) -> None:
        # event_name is "before-send.<service>.<Operation>"; returning None lets the request go.
        op = event_name.split(".", 1)[1] if "." in event_name else event_name
        with self._lock:
            self.total += 1
            self.ops[op] += 1

    def attach(self, botocore_session: Any) -> None:
        """Count every request of every client built from `botocore_session` (now or later)."""
        botocore_session.register("before-send", self._on_send, unique_id=f"vrc-bench-{id(self)}")

    def patch_pynamodb(self) -> None:
        """Attach to every botocore session pynamodb creates from now on (see module docstring)."""
        from pynamodb.connection import base

        original = getattr(base.get_session, "__wrapped__", base.get_session)

        def get_session() -> Any:
            session = original()
            self.attach(session)
            return session

        get_session.__wrapped__ = original  # type: ignore[attr-defined]
        base.get_session = get_session

    def snapshot(self) -> tuple[int, Counter[str]]:
        with self._lock:
            return self.total, Counter(self.ops)


class _SharedCounters:
    """Two int64 counters (requests, errors) in a file mapped by the server and this process."""

    def __init__(self, path: str, create: bool) -> None:
        if create:
            with open(path, "wb") as f:
                f.write(bytes(16))
        self._file = open(path, "r+b")  # noqa: SIM115 - lives as long as the mapping
        self._map = mmap.mmap(self._file.fileno(), 16)
        self._lock = threading.Lock()

    def bump(self, index: int) -> None:
        with self._lock:  # only the server process writes
            value = struct.unpack_from("q", self._map, 8 * index)[0]
            struct.pack_into("q", self._map, 8 * index, value + 1)

    def read(self, index: int) -> int:
        return int(struct.unpack_from("q", self._map, 8 * index)[0])

    def close(self) -> None:
        self._map.close()
        self._file.close()


def _serve(counter_path: str) -> None:
    """Server process: moto on 127.0.0.1, werkzeug's request lines counted instead of printed.

    Prints "host port" once listening; stops when its stdin closes (the parent exited or is done).
    """
    from moto.server import ThreadedMotoServer

    counters = _SharedCounters(counter_path, create=False)

    class CountingHandler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            counters.bump(1 if record.levelno >= logging.ERROR else 0)

    werkzeug_logger = logging.getLogger("werkzeug")
    werkzeug_logger.handlers = [CountingHandler()]
    werkzeug_logger.propagate = False
    werkzeug_logger.setLevel(logging.INFO)
    server = ThreadedMotoServer(ip_address=HOST, port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    print(host, port, flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    server.stop()


@dataclass
class MotoServer:
    """A running ThreadedMotoServer plus the session and counters pointed at it."""

    endpoint_url: str
    session: boto3.Session
    counter: RequestCounter
    _counters: _SharedCounters

    @property
    def server_requests(self) -> int:
        """Requests the server has answered so far (from its request log)."""
        return self._counters.read(0)

    @property
    def server_errors(self) -> int:
        """Error lines the server logged (tracebacks of requests moto failed on)."""
        return self._counters.read(1)


@contextmanager
def _environment(values: dict[str, str], remove: tuple[str, ...]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in (*values, *remove)}
    try:
        for k in remove:
            os.environ.pop(k, None)
        os.environ.update(values)
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextmanager
def moto_server() -> Iterator[MotoServer]:
    """Start moto on 127.0.0.1 (a free port) in its own process, point this process at it, stop it after.

    This process's environment gets dummy credentials, no profile or config files, and
    AWS_ENDPOINT_URL set to the server, so any client it builds (pynamodb's included) talks to
    moto only.
    """
    with tempfile.TemporaryDirectory(prefix="vrc-bench-") as scratch:
        counter_path = os.path.join(scratch, "server-counters")
        counters = _SharedCounters(counter_path, create=True)
        process = subprocess.Popen(
            [sys.executable, __file__, "--serve", counter_path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            line = process.stdout.readline() if process.stdout else ""
            if not line:
                raise RuntimeError(f"moto server process exited early (code {process.wait()})")
            host, port = line.split()
            if host != HOST:  # never anything but loopback
                raise RuntimeError(f"moto server bound to {host!r}, expected {HOST}")
            endpoint_url = f"http://{HOST}:{port}"
            env = {
                **_DUMMY_ENV,
                "AWS_ENDPOINT_URL": endpoint_url,
                "AWS_CONFIG_FILE": os.path.join(scratch, "config"),
                "AWS_SHARED_CREDENTIALS_FILE": os.path.join(scratch, "credentials"),
                "AWS_EC2_METADATA_DISABLED": "true",
            }
            with _environment(env, remove=("AWS_PROFILE", "AWS_DEFAULT_PROFILE")):
                counter = RequestCounter()
                session = boto3.Session(region_name=REGION)
                counter.attach(session._session)
                yield MotoServer(endpoint_url, session, counter, counters)
        finally:
            if process.stdin:
                process.stdin.close()  # the server's signal to stop
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            counters.close()


if __name__ == "__main__":
    if sys.argv[1:2] != ["--serve"] or len(sys.argv) != 3:
        raise SystemExit("usage: _server.py --serve COUNTER_FILE  (started by moto_server())")
    _serve(sys.argv[2])
