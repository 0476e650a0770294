"""A named way to open a repository; the app opens it in a worker thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core import Repository


@dataclass(frozen=True)
class Connection:
    """What the app shows and opens: `open` may be slow (boto3, moto) and runs off the UI thread."""

    name: str
    description: str
    open: Callable[[], Repository]
    demo: bool = False
    read_only: bool = False

    @classmethod
    def of(cls, repository: Repository, *, name: str = "repository", demo: bool = False) -> Connection:
        """Wrap a repository that is already open (tests, embedding)."""
        return cls(
            name=name,
            description=repository.location(),
            open=lambda: repository,
            demo=demo,
            read_only=repository.read_only,
        )
