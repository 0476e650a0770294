"""What a Repository keeps between calls and how it reaches AWS for each.

`Plumbing` (a base of Repository) turns a call's `bsm` into a session, clients and a `Context`;
`Identities` resolves caller identities; `Seen` is what the repository last saw. A repository and
its views (`Repository.view`) share one `Seen` and one client cache; each resolves its own caller
identity, since that depends on its operator and use_sts.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import getpass
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from . import _content
from . import items as it
from ._aliases import AliasSeen, NewestSeen
from ._aws import ClientCache, Clients, Target, translated
from ._publish import PublishState
from ._storage import Context
from .errors import InvalidArgumentError, ReadOnlyError

if TYPE_CHECKING:
    import boto3

F = TypeVar("F", bound=Callable[..., Any])


class Unchanged(enum.Enum):
    UNCHANGED = enum.auto()


# Repository.view's default for a setting the view keeps.
UNCHANGED = Unchanged.UNCHANGED


def writes(method: F) -> F:
    """Refuse the call with ReadOnlyError, before any AWS call, on a read-only repository."""

    @functools.wraps(method)
    def guarded(self: Any, *args: Any, **kwargs: Any) -> Any:
        if self.read_only:
            raise ReadOnlyError(f"{method.__name__} refused: repository {self.location()} is open read-only")
        return method(self, *args, **kwargs)

    return guarded  # type: ignore[return-value]


def session_of(bsm: Any) -> boto3.Session:
    """The boto3 session a method's `bsm` argument gives: itself, or its `boto_ses` attribute."""
    session = getattr(bsm, "boto_ses", bsm)
    if not hasattr(session, "client"):
        raise InvalidArgumentError(
            f"bsm must be a boto3.Session or have a boto_ses attribute, got {type(bsm).__name__}"
        )
    return session


class Plumbing:
    """How a Repository reaches AWS for one call: the session and clients of its `bsm`, and its `Context`.

    Repository declares the settings below as its fields and sets the private attributes.
    """

    aws_region: str
    s3_bucket: str
    s3_prefix: str
    dynamodb_table_name: str
    suffix: str
    boto_session: Any
    clock: Callable[[], datetime] | None
    _clients: ClientCache
    _target: Target
    _lock: threading.Lock

    def _now(self) -> datetime:
        return self.clock() if self.clock else datetime.now(UTC)

    def _session(self, bsm: Any) -> boto3.Session:
        if bsm is not None:
            return session_of(bsm)
        if self.boto_session is None:
            with self._lock:
                if self.boto_session is None:
                    from ._loader import new_session

                    self.boto_session = new_session(region_name=self.aws_region)
        return self.boto_session

    def _c(self, bsm: Any) -> Clients:
        return self._clients.get(self._session(bsm))

    def _ctx(self, bsm: Any) -> Context:
        """What the protocol modules need for one call on `bsm`'s clients."""
        return Context(
            c=self._c(bsm),
            table=self.dynamodb_table_name,
            bucket=self.s3_bucket,
            prefix=self.s3_prefix,
            suffix=self.suffix,
            now=self._now,
            reader=self._read_uri,
            target=self._target,
        )

    @contextmanager
    def _call(self, bsm: Any, action: str) -> Iterator[Context]:
        """`bsm`'s context, with botocore failures in the block translated into core errors naming `action`."""
        ctx = self._ctx(bsm)
        with translated(self._target, action):
            yield ctx

    def _read_uri(self, uri: str, sha256: str | None, bsm: Any) -> bytes:
        return _content.read_uri(self._ctx(bsm), uri, sha256)


class Identities:
    """The caller identity of each session, resolved once: the STS caller ARN, else the operator name."""

    def __init__(self) -> None:
        # Keyed by id(); a session lives as long as the repository that resolved it.
        self._by_session: dict[int, str] = {}

    def of(self, session: boto3.Session, clients: ClientCache, use_sts: bool, operator: str | None) -> str:
        known = self._by_session.get(id(session))
        if known is not None:
            return known
        identity = None
        if use_sts:
            try:
                identity = clients.get(session).sts.get_caller_identity()["Arn"]
            except Exception:  # noqa: BLE001 - any failure means "use the operator name"
                identity = None
        if identity is None:
            identity = operator or login_name()
        self._by_session[id(session)] = identity
        return identity


def login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "unknown"


@dataclasses.dataclass
class Seen:
    """What the repository last saw, so a call may skip a read; each protocol re-checks what it relies on."""

    aliases: AliasSeen = dataclasses.field(default_factory=dict)
    """Each (name, alias)'s item as last read or written (None: no alias)."""
    alias_newest: NewestSeen = dataclasses.field(default_factory=dict)
    """Each (name, alias)'s newest history event, with the alias item it was seen beside."""
    publishes: dict[str, PublishState] = dataclasses.field(default_factory=dict)
    """Each name's LATEST and newest version item, as the last publish left them."""

    def uploaded(self, name: str, latest: it.Item) -> None:
        """LATEST of `name` is now `latest`: the next publish may claim without reading (its claim
        re-checks LATEST's sha256)."""
        seen = self.publishes.get(name)
        if seen is not None:
            self.publishes[name] = PublishState(latest=latest, newest=seen.newest)

    def forget_latest(self, name: str) -> None:
        self.publishes.pop(name, None)

    def forget(self, name: str) -> None:
        """Everything seen of the artifact `name` (it was purged)."""
        self.forget_latest(name)
        for cache in (self.aliases, self.alias_newest):
            for key in [k for k in cache if k[0] == name]:
                cache.pop(key, None)

    def clear(self) -> None:
        self.publishes.clear()
        self.aliases.clear()
        self.alias_newest.clear()
