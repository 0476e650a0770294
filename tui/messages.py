"""Messages that workers post back to the UI thread; only their handlers touch widgets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message

from .connection import Connection

if TYPE_CHECKING:
    from core.models import Alias, Artifact, VersionView

    from .ports import RepositoryPort


@dataclass
class Connected(Message):
    """A connection opened; the repository is ready for calls."""

    connection: Connection
    repository: RepositoryPort


@dataclass
class IdentityResolved(Message):
    """Who the repository acts as (STS ARN or operator name)."""

    repository: RepositoryPort
    identity: str


@dataclass
class ArtifactNamesLoaded(Message):
    repository: RepositoryPort
    names: Sequence[str]


@dataclass
class VersionCountsLoaded(Message):
    """Published-version counts for some artifact names; arrives in batches."""

    repository: RepositoryPort
    counts: Mapping[str, int]


@dataclass
class VersionsLoaded(Message):
    """The versions and aliases of one artifact, from one listing of each."""

    repository: RepositoryPort
    name: str
    versions: Sequence[VersionView]
    aliases: Sequence[Alias]


@dataclass
class VersionCompleted(Message):
    """A version's size, content type and metadata, read from its S3 object."""

    repository: RepositoryPort
    artifact: Artifact


@dataclass
class ArtifactUploaded(Message):
    artifact: Artifact


@dataclass
class ArtifactDownloaded(Message):
    artifact: Artifact
    path: Path


@dataclass
class VersionDeleted(Message):
    name: str
    version: str
