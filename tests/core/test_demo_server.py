"""`vrc --demo`'s server process (core.demo_server): starts at once, serves the seeded demo on
loopback, stays off the terminal, dies with its parent, and says in one line why it cannot start."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fresh_python import ENV, ROOT
from fresh_python import run_python as run

from core.demo import SEEDS
from core.demo_server import DemoServer, DemoServerError, spawn


def test_the_console_side_lists_the_seeded_names_without_pydantic_then_reads_and_writes(tmp_path: Path) -> None:
    # As the console does it: a fresh process, the server spawned first; its output is the terminal.
    # The child imports core from where the parent did (not from a `core` in the current directory,
    # nor through PYTHONPATH), and a proxy setting does not catch the loopback endpoint.
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "__init__.py").write_text("raise SystemExit('the wrong core')\n")
    result = run(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from core.demo_server import spawn

        server = spawn()
        assert server.endpoint_url.startswith("http://127.0.0.1:"), server.endpoint_url
        repository = server.repository()
        names = repository.list_artifact_names()
        pydantic_for_names = "pydantic" in sys.modules
        versions, aliases = repository.list_versions_and_aliases("churn-model")
        repository.put_alias("churn-model", "staging", "2", reason="demo write")  # what promote does
        assert repository.get_alias("churn-model", "staging").version == "2"
        uploaded = repository.put_artifact("new-model", b"bytes")
        assert repository.get_artifact_version("new-model", "LATEST").sha256 == uploaded.sha256
        server.close()
        shown = ",".join(view.artifact.version for view in versions)
        print(",".join(names), pydantic_for_names, shown, server.process.returncode)
        """,
        cwd=tmp_path,
        PYTHONPATH="",
        HTTP_PROXY="http://127.0.0.1:9",
        http_proxy="http://127.0.0.1:9",
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", "nothing but the console may write to its terminal"
    names, pydantic_for_names, versions, code = result.stdout.split()
    assert names.split(",") == sorted(seed.name for seed in SEEDS)
    assert pydantic_for_names == "False", "listing names must not wait for pydantic (a sixth of a second)"
    assert versions == "LATEST,4,3,2,1"
    assert code == "0"


def test_the_server_exits_when_its_parent_dies() -> None:
    # The parent is killed outright (no cleanup runs): the child sees end of file on its stdin.
    result = run(
        """
        import os, signal
        from core.demo_server import spawn

        server = spawn()
        print(server.process.pid, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    assert result.returncode == -9
    pid = int(result.stdout.split()[0])
    deadline = time.monotonic() + 10
    while running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not running(pid)


def running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's parent may not reap it at once)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


def reporting(code: str) -> DemoServer:
    """A DemoServer whose process is `code` (standing in for the child's report)."""
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=ENV
    )
    return DemoServer(process, "http://127.0.0.1:9")


@pytest.mark.parametrize(
    ("code", "timeout", "message"),
    [
        ("print('error OSError: [Errno 98] Address already in use')", 30, "OSError: [Errno 98] Address already in use"),
        ("import sys; sys.exit(3)", 30, "it exited before it was ready (exit code 3)"),
        ("import time; time.sleep(30)", 0.3, "no answer within 0.3 s"),
    ],
)
def test_a_server_that_cannot_start_says_why_in_one_line(code: str, timeout: float, message: str) -> None:
    server = reporting(code)
    try:
        with pytest.raises(DemoServerError) as raised:
            server.wait_ready(timeout)
        assert str(raised.value) == f"the demo server did not start: {message}"
        with pytest.raises(DemoServerError):  # and again, without waiting again
            server.wait_ready(timeout)
    finally:
        server.close()
    assert server.process.returncode is not None


def test_the_child_reports_its_own_failure_as_one_line() -> None:
    # A listening socket it was not given: the child's own error path (checked before any heavy import).
    child = subprocess.Popen(
        [sys.executable, "-m", "core.demo_server", "987654"],
        stdin=subprocess.PIPE,  # open until it has answered: at end of input it would just exit
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=ENV,
    )
    server = DemoServer(child, "http://127.0.0.1:9")
    with pytest.raises(
        DemoServerError, match=r"^the demo server did not start: OSError: \[Errno 9\] Bad file descriptor$"
    ):
        server.wait_ready(60)
    server.close()
    assert child.returncode == 1
    assert child.stderr is not None and child.stderr.read() == ""
    child.stderr.close()


def test_spawning_without_python_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", os.devnull)
    with pytest.raises(DemoServerError, match="^cannot start the demo server: "):
        spawn()


def test_dynamodb_requests_wait_for_the_tables_and_hear_why_they_failed() -> None:
    # The server answers S3 (the console's first request) before its tables are seeded.
    import json
    import threading

    from core.demo_server import _Gate

    def call(app: Any, target: str | None) -> tuple[str, bytes]:
        status: list[str] = []
        environ = {"HTTP_X_AMZ_TARGET": target} if target else {}
        body = b"".join(app(environ, lambda line, headers: status.append(line)))
        return (status[0] if status else "200 OK"), body

    def backend(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        return [b"served"]

    gate = _Gate()
    app = gate.guard(backend)
    assert call(app, None) == ("200 OK", b"served")
    answered: list[tuple[str, bytes]] = []
    waiting = threading.Thread(target=lambda: answered.append(call(app, "DynamoDB_20120810.Query")))
    waiting.start()
    waiting.join(0.2)
    assert waiting.is_alive() and not answered, "a DynamoDB request must wait for the tables"
    gate.run(lambda: None)
    waiting.join(5)
    assert answered == [("200 OK", b"served")]

    def broken() -> None:
        raise RuntimeError("no table")

    failed = _Gate()
    failed.run(broken)
    status, body = call(failed.guard(backend), "DynamoDB_20120810.Query")
    assert status.startswith("500")
    assert json.loads(body)["message"] == "the demo could not be seeded: RuntimeError: no table"


def test_the_server_collects_no_garbage_until_it_has_seeded_then_freezes_what_it_built() -> None:
    # Starting imports moto and botocore and seeds the demo: state kept for the process's life, which
    # the cyclic collector would only rescan meanwhile (a sixth of the time to the first answer).
    result = run(
        """
        import gc, http.client, socket
        from core.demo_server import DEMO_BUCKET, HOST, serve

        listener = socket.socket()
        listener.bind((HOST, 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        rest = serve(listener.detach())
        while_starting = gc.isenabled()
        connection = http.client.HTTPConnection(HOST, port, timeout=30)  # the console's first listing
        connection.request("GET", f"/{DEMO_BUCKET}?list-type=2", headers={
            "Authorization": "AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/s3/aws4_request, "
            "SignedHeaders=host, Signature=0",
            "x-amz-date": "20260101T000000Z",
        })
        status = connection.getresponse().status
        rest()  # the tables are seeded now: that listing has been answered
        print(while_starting, status, gc.isenabled(), gc.get_freeze_count() > 0)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "200", "True", "True"]


def test_the_tables_are_wanted_after_the_first_listing_is_answered_or_when_dynamodb_asks() -> None:
    # Seeding the tables holds the server's GIL: it waits until the console's first S3 answer went out.
    from core.demo_server import WARM_HEADER, _Gate

    def backend(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        return [b"served"]

    gate = _Gate()
    app = gate.guard(backend)
    app({WARM_HEADER: "1"}, lambda *_: None)
    assert not gate.wanted.is_set(), "the server's own warm-up is not the console's listing"
    assert app({}, lambda *_: None) == [b"served"]
    assert gate.wanted.is_set()

    asked = _Gate()
    waiting = threading.Thread(
        target=asked.guard(backend), args=({"HTTP_X_AMZ_TARGET": "DynamoDB_20120810.Query"}, lambda *_: None)
    )
    waiting.start()
    assert asked.wanted.wait(5), "a DynamoDB request arriving first starts the seeding"
    asked.run(lambda: None)
    waiting.join(5)
    assert not waiting.is_alive()
