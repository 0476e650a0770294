"""A named way to open a repository; the app opens it in a worker thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.redact import redact_secrets

from .ports import Located

if TYPE_CHECKING:
    from .ports import RepositoryPort


@dataclass(frozen=True)
class Connection:
    """What the app shows and opens: `open` may be slow (boto3, moto) and runs off the UI thread."""

    name: str
    description: str
    open: Callable[[], RepositoryPort]
    demo: bool = False
    read_only: bool = False
    cli_args: tuple[str, ...] = ()
    """The repository options `vrc COMMAND` needs to reach the same repository (the dialogs' commands)."""

    @classmethod
    def of(cls, repository: RepositoryPort, *, name: str = "repository", demo: bool = False) -> Connection:
        """Wrap a repository that is already open (tests, embedding)."""
        return cls(
            name=name,
            description=repository.location(),
            open=lambda: repository,
            demo=demo,
            read_only=repository.read_only,
            cli_args=("--demo",) if demo else repository_options(repository),
        )


def repository_options(repository: RepositoryPort) -> tuple[str, ...]:
    """`--bucket B --prefix P --table T --region R [--endpoint-url U]` for an open repository.

    Empty for a stand-in without a location (test doubles, embedding): the commands then name no repository.
    """
    if not isinstance(repository, Located) or not isinstance(repository.s3_bucket, str):
        return ()
    words = [
        "--bucket",
        repository.s3_bucket,
        "--prefix",
        repository.s3_prefix.strip("/"),
        "--table",
        repository.dynamodb_table_name,
    ]
    if repository.aws_region:
        words += ["--region", repository.aws_region]
    if repository.endpoint_url:
        words += ["--endpoint-url", redact_secrets(repository.endpoint_url)]  # never put credentials on the screen
    return tuple(words)
