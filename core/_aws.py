"""Sessions, clients and botocore error translation. Nothing here knows the stored layout."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .deadline import Deadline
from .errors import (
    AccessDeniedError,
    BackendError,
    EndpointTimeoutError,
    EndpointUnreachableError,
    NotBootstrappedError,
)
from .redact import redact_secrets

if TYPE_CHECKING:
    import boto3

_ACCESS_CODES = {
    "AccessDenied",
    "AccessDeniedException",
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
}


class Clients:
    """The clients of one boto3 session, each built on first use and then reused (botocore
    clients are thread-safe). Lazy because building one costs tens of milliseconds: a console
    listing names needs only S3, and STS only when the caller's identity is asked for."""

    def __init__(self, session: Any, make: Callable[[Any, str], Any]) -> None:
        self.session = session
        self._make = make
        self._lock = threading.Lock()
        self._built: dict[str, Any] = {}

    def _client(self, service: str) -> Any:
        client = self._built.get(service)
        if client is None:
            with self._lock:
                client = self._built.get(service)
                if client is None:
                    client = self._built[service] = self._make(self.session, service)
        return client

    @property
    def s3(self) -> Any:
        return self._client("s3")

    @property
    def dynamodb(self) -> Any:
        return self._client("dynamodb")

    @property
    def sts(self) -> Any:
        return self._client("sts")


class ClientCache:
    """One Clients per boto3 session, built lazily on first use."""

    def __init__(self, region: str, endpoint_url: str | None, deadline: Deadline | None = None) -> None:
        self._region = region
        self._endpoint_url = endpoint_url
        self._deadline = deadline or Deadline()
        self._lock = threading.Lock()
        # Keyed by id(); the Clients value keeps the session alive so the id is never reused.
        self._by_session: dict[int, Clients] = {}

    def get(self, session: boto3.Session) -> Clients:
        clients = self._by_session.get(id(session))
        if clients is not None:
            return clients
        with self._lock:
            clients = self._by_session.get(id(session))
            if clients is None:
                clients = self._build(session)
                self._by_session[id(session)] = clients
            return clients

    def _build(self, session: boto3.Session) -> Clients:
        return Clients(session, self._client)

    def _client(self, session: boto3.Session, service: str) -> Any:
        from botocore.config import Config

        deadline = self._deadline
        config = Config(
            region_name=self._region,
            # botocore's defaults (60 s connect + 60 s read, legacy retries) let a silent endpoint
            # hold a call for minutes; every wait in the console is bounded by these instead.
            retries={"mode": "standard", "total_max_attempts": deadline.attempts},
            connect_timeout=deadline.connect_timeout,
            read_timeout=deadline.read_timeout,
            max_pool_connections=32,
            # We verify every read against sha256 ourselves; botocore's default CRC validation
            # rejects multipart objects copied by S3-compatible servers (moto: FlexibleChecksumError).
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        if self._endpoint_url and is_loopback(self._endpoint_url):
            # A local endpoint (moto, the demo's server) is never behind $HTTP_PROXY: without this,
            # a proxy setting without a matching $NO_PROXY would send its requests to the proxy.
            config = config.merge(Config(proxies={}))
        kwargs: dict[str, Any] = {"config": config}
        if self._endpoint_url:
            kwargs["endpoint_url"] = self._endpoint_url
        return session.client(service, **kwargs)


def is_loopback(url: str) -> bool:
    """Does `url` name this machine (localhost, 127.0.0.0/8, ::1)?"""
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").lower()
    return host == "localhost" or host == "::1" or host.startswith("127.")


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


@dataclass(frozen=True)
class Target:
    """What the translated messages name: where the repository lives."""

    region: str
    bucket: str
    table: str
    endpoint_url: str | None
    deadline: Deadline | None = None


def translate(exc: Exception, target: Target, action: str) -> Exception:
    """Turn a botocore exception into a typed core error with an actionable message (secrets redacted)."""
    translated = _translate(exc, target, action)
    if translated is exc:
        return exc
    return type(translated)(redact_secrets(str(translated)))


def _translate(exc: Exception, target: Target, action: str) -> Exception:
    from botocore import exceptions as bx

    where = target.endpoint_url or f"AWS {target.region}"
    if isinstance(exc, bx.NoCredentialsError):
        return AccessDeniedError(f"{action}: no AWS credentials found; set AWS_PROFILE or pass --profile")
    if isinstance(exc, (bx.ConnectTimeoutError, bx.ReadTimeoutError)):
        deadline = target.deadline or Deadline()
        return EndpointTimeoutError(
            f"{action}: no answer from {where} within the deadline ({deadline.describe()}): {exc}"
        )
    if isinstance(
        exc,
        (bx.EndpointConnectionError, bx.ConnectionClosedError),
    ):
        return EndpointUnreachableError(f"{action}: cannot reach {where}: {exc}")
    if isinstance(exc, bx.ClientError):
        code = error_code(exc)
        message = exc.response.get("Error", {}).get("Message", "") or str(exc)
        if code == "ResourceNotFoundException":
            return NotBootstrappedError(
                f"{action}: table {target.table!r} not found in {target.region} — run bootstrap"
            )
        if code == "NoSuchBucket":
            return NotBootstrappedError(
                f"{action}: bucket {target.bucket!r} not found in {target.region} — run bootstrap"
            )
        if code in _ACCESS_CODES:
            return AccessDeniedError(f"{action}: access denied ({code}): {message}")
        return BackendError(f"{action}: {code or 'error'}: {message}")
    if isinstance(exc, bx.BotoCoreError):
        return BackendError(f"{action}: {exc}")
    return exc


@contextmanager
def translated(target: Target, action: str) -> Iterator[None]:
    """Re-raise botocore failures inside the block as typed core errors."""
    from botocore import exceptions as bx

    try:
        yield
    except (bx.BotoCoreError, bx.ClientError) as exc:
        raise translate(exc, target, action) from exc


def paginate(
    call: Callable[..., dict[str, Any]], token_in: str, token_out: str, **kwargs: Any
) -> Iterator[dict[str, Any]]:
    """Yield pages of a paginated AWS call."""
    while True:
        page = call(**kwargs)
        yield page
        token = page.get(token_out)
        if not token:
            return
        kwargs[token_in] = token
