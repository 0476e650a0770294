"""The demo repository served by moto in a child process, started before the console loads.

`spawn()` binds a free port on 127.0.0.1, starts `python -m core.demo_server` on it and returns at
once; the child imports moto and seeds the demo (core.demo's seed, written straight into moto's
backends) while the parent draws its first frame on the other core. `DemoServer.repository()`
builds a Repository on that endpoint with fake credentials, then waits for the child's one-line
report. The child reports as soon as S3 is seeded (the console's first request lists S3), then
seeds DynamoDB once that listing is answered; DynamoDB requests wait for the tables.

The child never touches the terminal (its stdio are pipes and /dev/null, in its own session, so
the terminal's signals do not reach it) and exits when its stdin reaches end of file: when the
parent closes it, exits or dies. Failures reach the parent as one line: "error <message>".

This module imports nothing heavy at the top: the parent spawns before Textual loads.
"""

from __future__ import annotations

import gc
import json
import os
import socket
import subprocess
import sys
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .errors import BackendError

if TYPE_CHECKING:
    from .repository import Repository

DEMO_REGION = "us-east-1"
DEMO_BUCKET = "vrc-demo-artifacts"
DEMO_TABLE = "vrc-demo"
DEMO_OPERATOR = "you (demo)"
HOST = "127.0.0.1"
READY = "ready"
ERROR = "error "
# Not a secret: moto accepts any key; these only let botocore sign its requests.
FAKE_CREDENTIALS = {"aws_access_key_id": "vrc-demo", "aws_secret_access_key": "vrc-demo"}
NICENESS = 5
START_TIMEOUT = 60.0  # seconds; the child needs about one on an idle machine
SEED_AFTER = 2.0  # seconds after the warm-up at most: the tables are seeded then even if nobody asked
WARM_HEADER = "HTTP_X_VRC_WARM"  # the warm-up request's marker, as WSGI names the x-vrc-warm header


class DemoServerError(BackendError):
    """The demo's server process could not start or stopped."""


class DemoServer:
    """A demo server process, starting or running, and the loopback endpoint it serves on.

    The parent binds the listening socket and hands it to the child, so the endpoint is known at
    once: the console builds its clients while the child seeds, and a request sent early waits in
    the socket's backlog.
    """

    def __init__(self, process: subprocess.Popen[str], endpoint_url: str) -> None:
        self.process = process
        self.endpoint_url = endpoint_url
        self._lock = threading.Lock()
        self._ready: bool | None = None
        self._error = ""
        # Closing stdin is what stops the child: on close(), at exit, or when this is collected.
        self._finalizer = weakref.finalize(self, _stop, process)

    @property
    def failed(self) -> bool:
        """It reported (or showed) that it cannot serve; a new one has to be spawned."""
        return self._ready is False or self.process.poll() is not None

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Return once the child serves the seeded demo; DemoServerError (one line) if it cannot."""
        with self._lock:
            if self._ready is None:
                self._error = _read_report(self.process, timeout)
                self._ready = not self._error
            if not self._ready:
                raise DemoServerError(f"the demo server did not start: {self._error}")

    def repository(self, read_only: bool = False, timeout: float = START_TIMEOUT) -> Repository:
        """The demo repository over loopback HTTP, once the child serves it (builds the S3 client meanwhile)."""
        from ._loader import new_session

        session = new_session(region_name=DEMO_REGION, **FAKE_CREDENTIALS)
        repository = demo_repository(session, endpoint_url=self.endpoint_url, read_only=read_only)
        repository.prepare_clients("s3")  # the console's first request lists the bucket
        self.wait_ready(timeout)
        return repository

    def close(self) -> None:
        """Stop the child (it exits at end of input) and reap it."""
        self._finalizer()


def demo_repository(boto_session: Any, endpoint_url: str | None = None, read_only: bool = False) -> Repository:
    """A Repository on the demo's bucket and table, as the demo operator (no STS: the demo has none)."""
    from .repository import Repository

    return Repository(
        aws_region=DEMO_REGION,
        s3_bucket=DEMO_BUCKET,
        dynamodb_table_name=DEMO_TABLE,
        operator=DEMO_OPERATOR,
        use_sts=False,
        boto_session=boto_session,
        endpoint_url=endpoint_url,
        read_only=read_only,
    )


# The child's command: import this package from where the parent found it (a checkout or
# site-packages), not from the current directory (-P) nor from a changed PYTHONPATH.
_CHILD = (
    "import sys; root = sys.argv[1]; sys.path[:0] = [] if root in sys.path else [root]; "
    "from core.demo_server import main; main(sys.argv[2:])"
)


def spawn() -> DemoServer:
    """Start the demo server process on a new loopback socket; returns at once (no heavy import)."""
    root = str(Path(__file__).resolve().parent.parent)
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
            listener.bind((HOST, 0))
            listener.listen(64)
            port = listener.getsockname()[1]
            process = subprocess.Popen(
                [sys.executable, "-P", "-c", _CHILD, root, str(listener.fileno())],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                pass_fds=(listener.fileno(),),
                start_new_session=True,  # no SIGINT/SIGHUP from the terminal: the parent decides
            )
    except OSError as exc:
        raise DemoServerError(f"cannot start the demo server: {exc.strerror or exc}") from None
    # Only the child holds the socket now: if it dies, connecting is refused at once.
    return DemoServer(process, f"http://{HOST}:{port}")


def _read_report(process: subprocess.Popen[str], timeout: float) -> str:
    """ "" when the child reports it serves, else why not (one line)."""
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(_readline(process.stdout)), daemon=True)
    reader.start()
    reader.join(timeout)
    if reader.is_alive():
        process.kill()  # stuck: no point waiting for it to notice the end of its input
        _stop(process)
        return f"no answer within {timeout:g} s"
    report = line[0].strip() if line else ""
    if report == READY:
        return ""
    if report.startswith(ERROR):
        return report.removeprefix(ERROR) or "unknown error"
    try:  # its stdout closed: it is exiting
        code: int | None = process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        code = None
    return "it exited before it was ready" + (f" (exit code {code})" if code is not None else "")


def _readline(stream: IO[str] | None) -> str:
    try:
        return stream.readline() if stream is not None else ""
    except (OSError, ValueError):
        return ""


def _stop(process: subprocess.Popen[str]) -> None:
    # End of input stops the child; stdout is closed only once it has exited (a reader may be blocked on it).
    try:
        if process.stdin is not None:
            process.stdin.close()
    except OSError:
        pass
    try:
        process.wait(timeout=2)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


# --- the child ---------------------------------------------------------------------------------


_exit_code = [0]  # 1 once a failure has been reported: the exit code whichever thread exits


def _exit_at_end_of_input() -> None:
    """The parent closed our stdin (or exited, or died): stop at once, whatever is running."""
    try:
        while sys.stdin.read(65536):
            pass
    finally:
        os._exit(_exit_code[0])


def serve(fd: int) -> Callable[[], None]:
    """Seed the demo's S3 objects into this process's moto backends and serve on the listening socket `fd`.

    Returns what is left to do once the parent has been told: warm S3 up, then seed the tables
    once the console's first S3 answer has gone out (DynamoDB requests wait for them, and start the
    seeding if it has not started), and collect garbage from then on. The console's first request
    lists S3; it need not wait for pydantic, the DynamoDB backend and the table's items, nor share
    this process with them.
    """
    listener = socket.socket(fileno=fd)  # fails at once (OSError) if `fd` is not a socket
    listener.getsockname()
    # Until the tables are seeded, this process only builds what it keeps (moto, botocore's models,
    # the demo's state): the cyclic collector would rescan it over and over, a sixth of the time to
    # the first answer. `rest()` freezes it all and collects from then on.
    gc.disable()
    import logging

    logging.getLogger("werkzeug").disabled = True  # no per-request log lines (nor their cost)
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    from .demo import seed_demo_objects, seed_demo_tables
    from .moto_store import load_models_fast

    load_models_fast()
    seed_demo_objects()
    tables = _Gate()
    server = make_server(
        HOST,
        0,
        tables.guard(DomainDispatcherApplication(create_backend_app)),
        threaded=True,
        request_handler=MotoRequestHandler,
        fd=fd,
    )
    threading.Thread(target=server.serve_forever, name="demo-server", daemon=True).start()
    host, port = server.server_address[:2]

    def rest() -> None:
        try:
            _warm(str(host), int(port))
        except Exception:  # only a head start for the console's first request, which says what is wrong
            pass
        # Seeding holds this process's GIL for a few tenths of a second: not while the console's
        # first listing (what it shows first) is being answered.
        tables.wanted.wait(SEED_AFTER)
        tables.run(seed_demo_tables)
        gc.freeze()
        gc.enable()

    return rest


class _Gate:
    """Holds DynamoDB requests until the tables are seeded; then passes them, or answers the failure.

    `wanted` is set when the tables are wanted: once the first S3 request (other than the warm-up)
    has been answered, or when a DynamoDB request arrives.
    """

    def __init__(self) -> None:
        self._done = threading.Event()
        self._failure: str | None = None
        self.wanted = threading.Event()

    def run(self, seed: Callable[[], None]) -> None:
        try:
            seed()
        except Exception as exc:
            self._failure = " ".join(f"{type(exc).__name__}: {exc}".split())
        finally:
            self._done.set()

    def guard(self, app: Callable[[dict[str, Any], Any], Any]) -> Callable[[dict[str, Any], Any], Any]:
        def guarded(environ: dict[str, Any], start_response: Any) -> Any:
            if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
                self.wanted.set()
                self._done.wait()
                if self._failure is not None:
                    body = json.dumps(
                        {"__type": "InternalServerError", "message": f"the demo could not be seeded: {self._failure}"}
                    ).encode()
                    start_response("500 Internal Server Error", [("Content-Type", "application/x-amz-json-1.0")])
                    return [body]
            answer = app(environ, start_response)
            if WARM_HEADER not in environ:
                self.wanted.set()
            return answer

        return guarded


def _warm(host: str, port: int) -> None:
    """List the demo bucket once: moto builds its S3 router and response code on a service's first
    request (a tenth of a second), which would otherwise delay the console's first listing."""
    import http.client

    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        connection.request(
            "GET",
            f"/{DEMO_BUCKET}?list-type=2&max-keys=1",
            headers={
                # moto routes by the service named in the signature's scope; it does not check it.
                "Authorization": "AWS4-HMAC-SHA256 Credential=vrc-demo/20260101/us-east-1/s3/aws4_request, "
                "SignedHeaders=host, Signature=0",
                "x-amz-date": "20260101T000000Z",
                "x-vrc-warm": "1",
            },
        )
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"listing the seeded bucket answered HTTP {response.status}")
    finally:
        connection.close()


def _yield_to_the_console() -> None:
    """A little below the console: on a busy machine the first frame comes first. (On an idle one
    this process has a core of its own; a lower priority would starve the demo behind other work.)"""
    try:
        os.nice(NICENESS)
    except (AttributeError, OSError):
        pass


def main(argv: list[str]) -> None:
    _yield_to_the_console()
    threading.Thread(target=_exit_at_end_of_input, name="parent-watch", daemon=True).start()
    try:
        rest = serve(int(argv[0]))
    except BaseException as exc:  # reported to the parent as one line, never a traceback
        message = " ".join(f"{type(exc).__name__}: {exc}".split())
        _exit_code[0] = 1
        sys.stdout.write(f"{ERROR}{message}\n")
        sys.stdout.flush()
        os._exit(1)
    sys.stdout.write(f"{READY}\n")
    sys.stdout.flush()
    rest()
    threading.Event().wait()  # serve until the parent goes away (see _exit_at_end_of_input)


if __name__ == "__main__":
    main(sys.argv[1:])
