"""Test-wide safety: fake credentials, no AWS profile, nothing but 127.0.0.1."""

import gc
import os
import sys
from collections.abc import Iterator

import pytest

# Set at import so every fixture and library sees them before creating a boto3 session.
for _name in (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_SESSION_TOKEN",
):
    os.environ.pop(_name, None)
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_REGION="us-east-1",
    AWS_CONFIG_FILE=os.devnull,
    AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    AWS_EC2_METADATA_DISABLED="true",
)


def pytest_configure(config: pytest.Config) -> None:
    """Import hypothesis without pytest's assertion rewriting.

    pytest rewrites every module of a distribution that ships a pytest plugin, hypothesis's ~100
    included: ~2 s in each worker and again in the controller's summary, every run, because this
    machine sets PYTHONDONTWRITEBYTECODE and the rewritten modules are never cached. Its internal
    asserts need no rewritten messages; our test modules are still rewritten.
    """
    hook = getattr(config.pluginmanager, "rewrite_hook", None)
    if hook is None or hook not in sys.meta_path or "hypothesis" in sys.modules:
        return
    position = sys.meta_path.index(hook)
    sys.meta_path.remove(hook)
    try:
        import hypothesis  # noqa: F401 - imported now so that later imports find it loaded
        import hypothesis.internal.observability  # noqa: F401 - the plugin's summary imports it
        import hypothesis.strategies  # noqa: F401
    finally:
        sys.meta_path.insert(position, hook)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Collect less often in a test process: ~5 % of the suite's CPU (measured on 126 tests).

    What is loaded by now (textual, boto3, moto, the test modules) lives for the whole run; frozen,
    full collections no longer rescan it. Tests allocate heavily (moto's responses, Textual's
    renders), so a larger first generation spends less time scanning short-lived objects.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 50, 50)


def make_dynamodb_requests_atomic() -> None:
    """Make moto's DynamoDB handle one request at a time, as DynamoDB's per-request atomicity implies.

    moto 5.2.5 runs a TransactWriteItems by snapshotting whole tables and, when a condition fails,
    restoring the snapshot: under concurrent requests that silently erases writes other requests
    made in between (measured here: concurrent publishers lost their claims). Real DynamoDB isolates
    transactions. Serialising requests keeps every interleaving *between* requests, which is what
    core's safety argument is about, and removes the moto artefact.
    """
    import threading

    from moto.dynamodb.responses import DynamoHandler

    if getattr(DynamoHandler.call_action, "_vrc_atomic", False):
        return
    lock = threading.Lock()
    original = DynamoHandler.call_action

    def call_action(self):
        with lock:
            return original(self)

    call_action._vrc_atomic = True
    DynamoHandler.call_action = call_action


def make_s3_object_requests_atomic() -> None:
    """Make moto's S3 handle one object PUT (put or copy) at a time, as S3's atomic PUT implies.

    moto 5.2.5 inserts a PUT's object into the bucket before it sets the object's metadata, so a
    concurrent CopyObject of that key can copy bytes without their metadata (seen here: a publish
    racing an upload found LATEST without artifact_sha256). On S3 an object appears with its
    metadata or not at all; serialising object PUTs restores that and keeps every
    interleaving between requests.
    """
    import threading

    from moto.s3.responses import S3Response

    if getattr(S3Response.key_response, "_vrc_atomic", False):
        return
    lock = threading.Lock()
    original = S3Response.key_response

    def key_response(self, request, *args, **kwargs):
        if request.method != "PUT":  # PutObject and CopyObject are PUTs; reads need no lock
            return original(self, request, *args, **kwargs)
        with lock:
            return original(self, request, *args, **kwargs)

    key_response._vrc_atomic = True
    S3Response.key_response = key_response


def cache_moto_server_routing() -> None:
    """Remember which moto backend serves each host instead of searching for it on every request.

    moto 5.2.5's server finds the backend of a request by listing moto's package directory (an
    isdir() per entry) and then matching the host against every service's URL patterns: ~1.5 ms
    of CPU per request, under a lock that every request takes. The answer depends only on the host.
    """
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    if getattr(DomainDispatcherApplication.get_backend_for_host, "_vrc_cached", False):
        return
    original = DomainDispatcherApplication.get_backend_for_host
    backends: dict[str | None, object] = {}

    def get_backend_for_host(self, host):
        if host not in backends:  # called under the application's lock
            backends[host] = original(self, host)
        return backends[host]

    get_backend_for_host._vrc_cached = True
    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host


@pytest.fixture(scope="session")
def boto_session():
    """One boto3 session for the run: botocore parses its service models once, not per test."""
    import moto  # noqa: F401 - moto's request hook reaches only the sessions made after it is imported

    from core._loader import new_session

    session = new_session(region_name="us-east-1")  # as core builds its own: the same botocore data loader
    # Build the session's shared parts (credentials, endpoint resolver, service models) now: botocore
    # builds them lazily and not thread-safely, and console workers create clients from threads.
    for service in ("s3", "dynamodb", "sts"):
        session.client(service)
    return session


@pytest.fixture(scope="session")
def moto_server():
    """moto's HTTP server on 127.0.0.1 (a random free port); yields its endpoint URL."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    make_dynamodb_requests_atomic()
    make_s3_object_requests_atomic()
    cache_moto_server_routing()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def fault_proxy(moto_server):
    """A FaultProxy (tests/faults.py) on 127.0.0.1 in front of the moto server; rules reset after the test."""
    from faults import FaultProxy

    proxy = FaultProxy(moto_server).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def make_faulty_repo(fault_proxy, moto_server):
    """Factory: a Repository reached through the fault proxy, with fast client timeouts.

    The bucket and table are created directly on moto (no faults); pass `settings=` to open
    another client of an existing repository, `read_timeout=`/`max_attempts=` to tune its clients.
    Each call builds its own session (and botocore clients), as separate processes would.
    """
    import uuid

    from faults import FaultSession

    from core import Repository

    def make(settings: dict | None = None, *, read_timeout: float = 2.0, max_attempts: int | None = None, **kw):
        if settings is None:
            settings = dict(
                aws_region="us-east-1",
                s3_bucket=f"faults-{uuid.uuid4().hex[:12]}",
                dynamodb_table_name=f"faults-{uuid.uuid4().hex[:12]}",
            )
            Repository(**settings, endpoint_url=moto_server, boto_session=FaultSession(read_timeout=60)).bootstrap()
        kw.setdefault("operator", "tester")
        kw.setdefault("use_sts", False)
        return Repository(
            **settings,
            endpoint_url=fault_proxy.url,
            boto_session=FaultSession(read_timeout=read_timeout, max_attempts=max_attempts),
            **kw,
        )

    return make


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """http://127.0.0.1:PORT of a server that accepts every connection and never answers (a hung endpoint)."""
    import socket
    import threading

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.1)
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(connection)  # kept open, never answered

    thread = threading.Thread(target=serve, name="silent-endpoint", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=2)
        listener.close()
        for connection in held:
            connection.close()
