"""What a Repository keeps between calls: sessions, caller identities, and what it last saw.

A repository and its views (`Repository.view`) share one `Seen`; each resolves its own caller
identity, since that depends on its operator and use_sts.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import getpass
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from . import items as it
from ._aliases import AliasSeen, NewestSeen
from ._aws import ClientCache
from ._publish import PublishState
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
