"""A fault-injecting HTTP proxy for tests: put it between boto3 clients and moto's HTTP server.

Every request is forwarded to the upstream (moto) unless a fault is chosen for it, either by a
programmed rule (``proxy.plan(...)``, first matching rule wins) or by seeded random chaos
(``proxy.chaos(...)``). Faults reproduce what a real network does to an AWS client:

- ``ERROR_500``: answer 500 InternalError without forwarding (nothing happened on the server).
- ``THROTTLE``: answer a throttling error without forwarding (DynamoDB ``ThrottlingException``,
  S3 ``503 SlowDown``); ``THROUGHPUT``: DynamoDB ``ProvisionedThroughputExceededException``.
- ``DROP_BEFORE``: close the connection without forwarding (nothing happened).
- ``DROP_AFTER``: forward, then close the connection: **the server committed, the client never hears**.
  botocore retries the request; a conditional write's retry then fails its own condition.
- ``DELAY``: wait ``delay`` seconds, then forward (the client has usually timed out and retried
  already, so the original lands *after* its retry).
- ``DELAY_AFTER``: forward, then wait ``delay`` seconds before answering (the client times out).
- ``HOLD``: wait until ``rule.release()`` (or ``hold_limit``), then forward: deterministic reordering.
  With ``gather=K`` the first K matching requests are held until all K have arrived.
- ``PARTIAL``: a 200 that did nothing: S3 ``DeleteObjects`` with a per-key ``Errors`` entry for every
  key, DynamoDB ``BatchWriteItem`` with every request item returned as ``UnprocessedItems``.
- any callable ``(request, proxy) -> Reply | None`` (``None`` means "forward normally").

Build clients with small timeouts (``FaultSession``) so DELAY faults turn into read timeouts.
Fixtures (tests/conftest.py): ``fault_proxy`` and ``make_faulty_repo``; invariants: tests/invariants.py.

    def test_lost_reveal(make_faulty_repo, fault_proxy, moto_server):
        repo = make_faulty_repo(read_timeout=1.0)           # clients go through the proxy
        repo.put_artifact("app", b"one")
        rule = fault_proxy.plan(DROP_AFTER, match=is_reveal)  # server commits, client never hears
        with contextlib.suppress(VrcError):
            repo.publish_artifact_version("app")
        assert rule.hits == 1
        assert_repository_sound(repo, endpoint_url=moto_server)  # read directly, no proxy
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import http.client
import json
import random
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import boto3
import botocore.handlers
import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.hooks import HierarchicalEmitter

ERROR_500 = "error500"
THROTTLE = "throttle"
THROUGHPUT = "throughput"
DROP_BEFORE = "drop_before"
DROP_AFTER = "drop_after_forward"
DELAY = "delay"
DELAY_AFTER = "delay_after_forward"
HOLD = "hold"
PARTIAL = "partial"
FORWARD = "forward"

ACTIONS = (ERROR_500, THROTTLE, THROUGHPUT, DROP_BEFORE, DROP_AFTER, DELAY, DELAY_AFTER, HOLD, PARTIAL, FORWARD)

DYNAMODB_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"})


@dataclass(frozen=True)
class Request:
    """One request as the proxy saw it. ``op`` is the AWS operation name (``PutItem``, ``CopyObject``...)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    service: str  # "dynamodb", "s3", "sts" or "other"
    op: str

    @property
    def target(self) -> str:
        """The X-Amz-Target header (DynamoDB: ``DynamoDB_20120810.PutItem``), or ""."""
        return self.headers.get("x-amz-target", "")

    @property
    def json(self) -> dict[str, Any]:
        """The JSON body of a DynamoDB request ({} otherwise)."""
        try:
            return json.loads(self.body or b"{}")
        except ValueError:
            return {}

    def mentions(self, *fragments: str | bytes) -> bool:
        """True if the body contains every fragment."""
        return all((f.encode() if isinstance(f, str) else f) in self.body for f in fragments)


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


Matcher = Callable[[Request], bool]
Action = str | Callable[[Request, "FaultProxy"], Reply | None]


@dataclass
class Rule:
    """A programmed fault. Applies to matching requests after ``skip`` of them, at most ``times`` times."""

    match: Matcher | None
    action: Action
    times: int | None = 1
    skip: int = 0
    delay: float = 0.0
    gather: int = 1
    hold_limit: float = 10.0
    seen: int = 0  # matching requests so far
    hits: int = 0  # times the fault was applied
    requests: list[Request] = field(default_factory=list)
    _released: threading.Event = field(default_factory=threading.Event)
    _arrived: int = 0

    def release(self) -> None:
        """Let held requests go (HOLD)."""
        self._released.set()

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times


@dataclass
class Chaos:
    rng: random.Random
    rate: float
    actions: list[str]
    weights: list[float]
    match: Matcher | None
    delay: float


def classify(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[str, str]:
    """(service, operation) of a request, from its signature scope, target header, method and path."""
    target = headers.get("x-amz-target", "")
    if target.startswith("DynamoDB_"):
        return "dynamodb", target.split(".", 1)[1]
    scope = headers.get("authorization", "")
    service = ""
    if "Credential=" in scope:
        parts = scope.split("Credential=", 1)[1].split(",", 1)[0].split("/")
        service = parts[3] if len(parts) > 3 else ""
    if service == "sts" or b"Action=GetCallerIdentity" in body:
        return "sts", "GetCallerIdentity"
    if service not in ("s3", ""):
        return service, target or method
    url = urlsplit(path)
    query = parse_qs(url.query, keep_blank_values=True)
    segments = [s for s in url.path.split("/") if s]
    on_object = len(segments) > 1
    if method == "POST" and "delete" in query:
        return "s3", "DeleteObjects"
    if method == "POST" and "uploads" in query:
        return "s3", "CreateMultipartUpload"
    if method == "POST" and "uploadId" in query:
        return "s3", "CompleteMultipartUpload"
    if method == "PUT" and on_object:
        if "x-amz-copy-source" in headers:
            return "s3", "UploadPartCopy" if "partNumber" in query else "CopyObject"
        if "partNumber" in query:
            return "s3", "UploadPart"
        if "tagging" in query:
            return "s3", "PutObjectTagging"
        return "s3", "PutObject"
    if method == "PUT":
        return "s3", "CreateBucket"
    if method == "DELETE":
        if "uploadId" in query:
            return "s3", "AbortMultipartUpload"
        return "s3", "DeleteObject" if on_object else "DeleteBucket"
    if method == "HEAD":
        return "s3", "HeadObject" if on_object else "HeadBucket"
    if method == "GET":
        if on_object:
            return "s3", "GetObject"
        return "s3", "ListObjectsV2" if query.get("list-type") == ["2"] else "ListObjects"
    return "s3", method


def _dynamodb_error(code: str, status: int = 400) -> Reply:
    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": f"injected {code}"})
    return Reply(status, body.encode(), {"Content-Type": "application/x-amz-json-1.0"})


def _s3_error(code: str, status: int) -> Reply:
    body = f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>injected {code}</Message></Error>'
    return Reply(status, body.encode(), {"Content-Type": "application/xml"})


def error_reply(request: Request, action: str) -> Reply:
    """The error answer for ERROR_500 / THROTTLE / THROUGHPUT in the request's service's format."""
    if request.service == "dynamodb":
        if action == ERROR_500:
            return _dynamodb_error("InternalServerError", 500)
        if action == THROUGHPUT:
            return _dynamodb_error("ProvisionedThroughputExceededException")
        return _dynamodb_error("ThrottlingException")
    if action == ERROR_500:
        return _s3_error("InternalError", 500)
    return _s3_error("SlowDown", 503)


def partial_reply(request: Request) -> Reply:
    """A 200 that did nothing: every key of a DeleteObjects fails, every BatchWriteItem item is unprocessed."""
    if request.op == "BatchWriteItem":
        body = json.dumps({"UnprocessedItems": request.json.get("RequestItems", {})})
        return Reply(200, body.encode(), {"Content-Type": "application/x-amz-json-1.0"})
    if request.op == "DeleteObjects":
        root = ElementTree.fromstring(request.body)
        keys = [el.text or "" for el in root.iter() if el.tag.endswith("Key")]
        errors = "".join(
            f"<Error><Key>{_xml_escape(k)}</Key><Code>InternalError</Code>"
            f"<Message>injected per-key failure</Message></Error>"
            for k in keys
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{errors}</DeleteResult>'
        )
        return Reply(200, body.encode(), {"Content-Type": "application/xml"})
    raise ValueError(f"PARTIAL has no meaning for {request.service} {request.op}")


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class FaultProxy:
    """A ThreadingHTTPServer on 127.0.0.1 forwarding to ``upstream`` with programmable faults."""

    def __init__(self, upstream: str) -> None:
        split = urlsplit(upstream)
        self.upstream = upstream
        self._upstream_host = split.hostname or "127.0.0.1"
        self._upstream_port = split.port or 80
        self._lock = threading.Lock()
        self._rules: list[Rule] = []
        self._chaos: Chaos | None = None
        self.log: list[tuple[str, str]] = []  # (service:op, action) for every request
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FaultProxy:
        proxy = self

        class Handler(_Handler):
            owner = proxy

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        # stop() waits for serve_forever to notice the shutdown, which it checks once per poll
        # interval: the default 0.5 s cost every test using the proxy ~0.4 s of idle wall time.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, name="fault-proxy", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.reset()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None, "proxy not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- programming ---------------------------------------------------------------------------

    def plan(
        self,
        action: Action,
        match: Matcher | None = None,
        *,
        times: int | None = 1,
        skip: int = 0,
        delay: float = 0.0,
        gather: int = 1,
        hold_limit: float = 10.0,
    ) -> Rule:
        """Apply `action` to the next `times` requests matching `match` (None = every request)
        after skipping `skip` of them; times=None means forever. Returns the rule (see `.hits`)."""
        if isinstance(action, str) and action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}; use one of {ACTIONS}")
        rule = Rule(
            match=match, action=action, times=times, skip=skip, delay=delay, gather=gather, hold_limit=hold_limit
        )
        with self._lock:
            self._rules.append(rule)
        return rule

    def chaos(
        self,
        seed: int,
        rate: float,
        actions: dict[str, float] | None = None,
        match: Matcher | None = None,
        delay: float = 0.0,
    ) -> None:
        """Inject a random fault into a `rate` fraction of matching requests (rules take precedence).

        The RNG is seeded; with several client threads the order of draws follows arrival order.
        """
        actions = actions or {ERROR_500: 1, THROTTLE: 1, DROP_BEFORE: 1, DROP_AFTER: 2}
        with self._lock:
            self._chaos = Chaos(random.Random(seed), rate, list(actions), list(actions.values()), match, delay)

    def calm(self) -> None:
        """Stop random chaos (rules stay)."""
        with self._lock:
            self._chaos = None

    def reset(self) -> None:
        """Drop every rule and chaos, and release held requests."""
        with self._lock:
            rules, self._rules, self._chaos = self._rules, [], None
        for rule in rules:
            rule.release()

    def counts(self) -> Counter[str]:
        """How often each action was applied (FORWARD = passed through untouched)."""
        with self._lock:
            return Counter(action for _, action in self.log)

    def faults(self) -> list[tuple[str, str]]:
        with self._lock:
            return [entry for entry in self.log if entry[1] != FORWARD]

    # --- decision ------------------------------------------------------------------------------

    def _decide(self, request: Request) -> tuple[Action, Rule | None, float]:
        with self._lock:
            for rule in self._rules:
                if rule.exhausted or (rule.match is not None and not rule.match(request)):
                    continue
                rule.seen += 1
                if rule.seen <= rule.skip:
                    continue
                rule.hits += 1
                rule.requests.append(request)
                return rule.action, rule, rule.delay
            chaos = self._chaos
            if chaos is not None and (chaos.match is None or chaos.match(request)):
                if chaos.rng.random() < chaos.rate:
                    return chaos.rng.choices(chaos.actions, chaos.weights)[0], None, chaos.delay
        return FORWARD, None, 0.0

    def _record(self, request: Request, action: Action) -> None:
        name = action if isinstance(action, str) else getattr(action, "__name__", "custom")
        with self._lock:
            self.log.append((f"{request.service}:{request.op}", name))

    def forward(self, request: Request) -> Reply:
        """Send the request to the upstream and return its answer (for custom actions)."""
        connection = http.client.HTTPConnection(self._upstream_host, self._upstream_port, timeout=120)
        try:
            headers = {k: v for k, v in request.headers.items() if k not in _HOP_BY_HOP}
            headers["content-length"] = str(len(request.body))
            connection.request(request.method, request.path, body=request.body or None, headers=headers)
            response = connection.getresponse()
            body = response.read()
            out = {k: v for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP}
            return Reply(response.status, body, out)
        finally:
            connection.close()


_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "expect", "content-length", "proxy-connection"}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes on a kept-alive connection: with Nagle's algorithm the
    # body waits for the client's delayed ACK (~40 ms per request on loopback, most of a fault test).
    disable_nagle_algorithm = True
    owner: FaultProxy

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_GET(self) -> None:
        self._handle()

    do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = do_GET

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        proxy = self.owner
        body = self._read_body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        service, op = classify(self.command, self.path, headers, body)
        request = Request(self.command, self.path, headers, body, service, op)
        action, rule, delay = proxy._decide(request)
        proxy._record(request, action)
        if callable(action):
            reply = action(request, proxy)
            self._send(reply if reply is not None else proxy.forward(request))
            return
        if action in (ERROR_500, THROTTLE, THROUGHPUT):
            self._send(error_reply(request, action))
        elif action == PARTIAL:
            self._send(partial_reply(request))
        elif action == DROP_BEFORE:
            self._drop()
        elif action == DROP_AFTER:
            proxy.forward(request)
            self._drop()
        elif action == DELAY:
            threading.Event().wait(delay)
            self._send(proxy.forward(request))
        elif action == DELAY_AFTER:
            reply = proxy.forward(request)
            threading.Event().wait(delay)
            self._send(reply)
        elif action == HOLD:
            assert rule is not None, "HOLD needs a rule (plan), not chaos"
            with proxy._lock:
                rule._arrived += 1
                if rule._arrived >= rule.gather and rule.gather > 1:
                    rule.release()
            rule._released.wait(rule.hold_limit)
            self._send(proxy.forward(request))
        else:
            self._send(proxy.forward(request))

    def _send(self, reply: Reply) -> None:
        try:
            self.send_response(reply.status)
            for k, v in reply.headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)
            self.wfile.flush()
        except OSError:  # the client gave up (timed out) meanwhile
            self.close_connection = True

    def _drop(self) -> None:
        """Reset the connection: the client sees it closed with no response."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.shutdown(socket.SHUT_RDWR)


@functools.cache
def _shared_loader() -> Any:
    return botocore.loaders.create_loader()


@functools.cache
def _builtin_handlers(count: int) -> HierarchicalEmitter:
    """botocore's built-in event handlers, registered once (keyed by their number: importing moto adds one)."""
    events = HierarchicalEmitter()
    botocore.session.Session(event_hooks=events)
    return events


def _botocore_session() -> botocore.session.Session:
    """A new botocore session sharing the parsed service models.

    Its event handlers are a copy of the built-in ones (as botocore copies a session's handlers for
    each client) instead of ~150 registrations: ~10 ms of CPU per session, and tests open many.
    """
    events = copy.copy(_builtin_handlers(len(botocore.handlers.BUILTIN_HANDLERS)))
    session = botocore.session.Session(event_hooks=events, include_builtin_handlers=False)
    session.register_component("data_loader", _shared_loader())
    return session


def new_session(region_name: str = "us-east-1") -> boto3.Session:
    """A separate boto3 session (own credentials, clients, connection pools), as another process has.

    It shares only the parsed service models, which are read-only: parsing them again costs ~0.2 s
    of CPU per session and tests open many.
    """
    return boto3.Session(botocore_session=_botocore_session(), region_name=region_name)


@functools.cache
def direct_clients(endpoint_url: str | None, region_name: str = "us-east-1") -> tuple[Any, Any]:
    """(s3, dynamodb) clients of `endpoint_url` for reading and repairing the stores directly.

    Shared by every caller in the process: they register no hooks, and botocore clients are
    thread-safe; building a pair costs ~30 ms of CPU and the invariant checks need one each time.
    """
    session = new_session(region_name)
    kwargs = {"endpoint_url": endpoint_url} if endpoint_url else {}
    return session.client("s3", **kwargs), session.client("dynamodb", **kwargs)


def share_versioned_sessions(monkeypatch: Any) -> None:
    """Give versioned one botocore session per thread for the rest of the test.

    versioned (through pynamodb) builds a brand-new botocore session for every DynamoDB call:
    registering its ~120 built-in handlers and re-reading the service JSON, ~30 ms of CPU per call.
    One session per thread, sharing the parsed service models, still gives each call its own client.
    """
    import pynamodb.connection.base as pynamodb_base

    per_thread = threading.local()

    def get_session() -> botocore.session.Session:
        session: botocore.session.Session | None = getattr(per_thread, "session", None)
        if session is None:
            session = per_thread.session = _botocore_session()
        return session

    monkeypatch.setattr(pynamodb_base, "get_session", get_session)


class FaultSession(boto3.Session):
    """A boto3 session whose clients time out fast, so a delayed answer becomes a read timeout.

    Repository builds its clients from the session it is given; the timeouts set here override
    core's (retries stay core's unless `max_attempts`, the total number of attempts, is given).
    """

    def __init__(
        self,
        *,
        read_timeout: float = 2.0,
        connect_timeout: float = 2.0,
        max_attempts: int | None = None,
        region_name: str = "us-east-1",
    ) -> None:
        # Loading service models is most of a client's build time; tests build many sessions.
        super().__init__(botocore_session=_botocore_session(), region_name=region_name)
        overrides: dict[str, Any] = {"read_timeout": read_timeout, "connect_timeout": connect_timeout}
        if max_attempts is not None:
            overrides["retries"] = {"mode": "standard", "total_max_attempts": max_attempts}
        self._overrides = Config(**overrides)

    def client(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        config = kwargs.get("config")
        kwargs["config"] = config.merge(self._overrides) if config is not None else self._overrides
        return super().client(*args, **kwargs)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@contextlib.contextmanager
def fast_sleep(limit: float = 0.001) -> Iterator[None]:
    """Cap time.sleep (core's and botocore's back-off) so give-up paths finish in a test's budget.

    The proxy's own delays use Event.wait and are not affected.
    """
    original = time.sleep

    def capped(seconds: float) -> None:
        original(min(seconds, limit))

    time.sleep = capped
    try:
        yield
    finally:
        time.sleep = original


def settings_of(repo: Any) -> dict[str, Any]:
    """The storage settings of a Repository, to open another client of the same repository."""
    return dict(
        aws_region=repo.aws_region,
        s3_bucket=repo.s3_bucket,
        s3_prefix=repo.s3_prefix,
        dynamodb_table_name=repo.dynamodb_table_name,
        suffix=repo.suffix,
    )


def is_reveal(request: Request) -> bool:
    """The DynamoDB write that turns a pending publish claim into a visible version.

    Today a PutItem conditioned on ``publish_state = :pending``; any write naming publish_state
    that is neither the claim (``attribute_not_exists(pk)``) nor an abandon (``:abandoned``).
    """
    return (
        request.service == "dynamodb"
        and request.op in DYNAMODB_WRITES
        and request.mentions("publish_state")
        and not request.mentions("attribute_not_exists(pk)")
        and not request.mentions(":abandoned")
    )


def is_claim(request: Request) -> bool:
    """The DynamoDB write that claims a version number (a conditional put of a pending item)."""
    return (
        request.service == "dynamodb"
        and request.op in DYNAMODB_WRITES
        and request.mentions("publish_state", "attribute_not_exists(pk)")
    )
