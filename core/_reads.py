"""Reads behind the listing calls: one version, versions with the aliases at each, a version's object, names."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import items as it
from . import models
from ._storage import Context, stored_names
from .errors import ArtifactNotFoundError
from .layout import encode_version, is_reserved_name
from .validation import RESERVED_METADATA

if TYPE_CHECKING:
    from .models import Alias, Artifact, VersionView


def version(ctx: Context, name: str, sk: str) -> Artifact:
    """The visible version item at sort key `sk`; ArtifactNotFoundError if missing, deleted or unpublished."""
    item = ctx.get_item(it.key(name, sk))
    if item is None or not it.is_visible(item):
        raise ArtifactNotFoundError(f"artifact {name!r} version {encode_version(sk)} not found")
    return ctx.artifact(item)


def version_views(versions: list[Artifact], aliases: list[Alias]) -> list[VersionView]:
    """Each version with the names of the aliases pointing at it (primary or secondary), sorted."""
    pointing: dict[str, list[str]] = {}
    for alias in aliases:
        pointing.setdefault(alias.version, []).append(alias.alias)
        if alias.secondary_version is not None:
            pointing.setdefault(alias.secondary_version, []).append(alias.alias)
    return [models.VersionView(artifact=a, aliases=tuple(sorted(pointing.get(a.version, ())))) for a in versions]


def head_version(ctx: Context, artifact: Artifact) -> Artifact:
    """`artifact` completed from one HEAD of its object; fields its item has are kept."""
    location = artifact.s3path
    with ctx.aws(f"head {artifact.s3uri}"):
        head = ctx.c.s3.head_object(Bucket=location.bucket, Key=location.key)
    stored = {k: v for k, v in head.get("Metadata", {}).items() if k not in RESERVED_METADATA}
    completed = artifact.model_copy(
        update={
            "size": artifact.size if artifact.size is not None else head.get("ContentLength"),
            "content_type": artifact.content_type or head.get("ContentType"),
            "metadata": artifact.metadata or stored,
        }
    )
    return completed._bind(ctx.reader)  # type: ignore[return-value]


def artifact_names(ctx: Context) -> list[str]:
    """Stored names but the reserved ones, which alias partitions shadow (check() reports them instead)."""
    return [n for n in stored_names(ctx) if not is_reserved_name(n)]
