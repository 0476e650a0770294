"""DynamoDB item encoding for artifacts, aliases and alias events (versioned 1.0.1 layout + ours).

versioned writes: artifact {pk, sk, update_at, is_deleted, sha256}; alias {pk, sk, update_at,
version, secondary_version?, secondary_version_weight?}. Every other attribute here is ours and
additive: pynamodb ignores attributes it does not declare.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import models
from .layout import (
    LATEST,
    alias_pk,
    decode_version_sk,
    encode_version_sk,
    format_time,
    history_pk,
    history_sk,
    parse_time,
)

if TYPE_CHECKING:
    from .models import AliasConfig, AliasEvent, FreezeWindow

Item = dict[str, dict[str, Any]]

PENDING = "pending"
ABANDONED = "abandoned"  # a claim its publisher gave up; the number is never reused


def s(value: str) -> dict[str, str]:
    return {"S": value}


def n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def b(value: bool) -> dict[str, bool]:
    return {"BOOL": value}


def get_s(item: Item, name: str) -> str | None:
    value = item.get(name)
    return None if value is None or "S" not in value else value["S"]


def get_n(item: Item, name: str) -> int | None:
    value = item.get(name)
    return None if value is None or "N" not in value else int(value["N"])


def get_bool(item: Item, name: str) -> bool:
    value = item.get(name)
    return bool(value and value.get("BOOL"))


def get_map_s(item: Item, name: str) -> dict[str, str]:
    value = item.get(name)
    if not value or "M" not in value:
        return {}
    return {k: v["S"] for k, v in value["M"].items() if "S" in v}


def key(pk: str, sk: str) -> Item:
    return {"pk": s(pk), "sk": s(sk)}


# --- artifact versions -----------------------------------------------------------------------


def artifact_item(
    name: str,
    version: str,
    *,
    update_at: datetime,
    sha256: str,
    size: int | None,
    content_type: str | None,
    metadata: dict[str, str],
    etag: str | None,
    is_deleted: bool = False,
    pending: bool = False,
) -> Item:
    item: Item = {
        **key(name, encode_version_sk(version)),
        "update_at": s(format_time(update_at)),
        "is_deleted": b(is_deleted),
        "sha256": s(sha256),
        "metadata": {"M": {k: s(v) for k, v in metadata.items()}},
    }
    if size is not None:
        item["size"] = n(size)
    if content_type:
        item["content_type"] = s(content_type)
    if etag:
        item["etag"] = s(etag)
    if pending:
        item["publish_state"] = s(PENDING)
    return item


def is_visible(item: Item) -> bool:
    """A version readers may see: not soft-deleted, not a publish in progress."""
    return not get_bool(item, "is_deleted") and get_s(item, "publish_state") is None


def item_version(item: Item) -> str:
    return decode_version_sk(item["sk"]["S"])


def item_version_number(item: Item) -> int:
    """Numeric version of an item, 0 for LATEST."""
    sk = item["sk"]["S"]
    return 0 if sk == LATEST else int(sk)


# --- aliases ----------------------------------------------------------------------------------


def alias_item(
    name: str,
    alias: str,
    config: AliasConfig,
    *,
    update_at: datetime,
    revision: int,
    actor: str,
    reason: str | None,
    freeze: FreezeWindow | None = None,
) -> Item:
    item: Item = {
        **key(alias_pk(name), alias),
        "update_at": s(format_time(update_at)),
        "version": s(encode_version_sk(config.version)),
        "revision": n(revision),
        "updated_by": s(actor),
    }
    if config.secondary_version is not None:
        item["secondary_version"] = s(encode_version_sk(config.secondary_version))
        item["secondary_version_weight"] = n(config.secondary_version_weight or 0)
    if reason:
        item["reason"] = s(reason)
    item.update(freeze_attributes(freeze))
    return item


def freeze_attributes(freeze: FreezeWindow | None) -> Item:
    if freeze is None:
        return {}
    return {"frozen_until": s(format_time(freeze.until)), "frozen_by": s(freeze.by), "frozen_reason": s(freeze.reason)}


def alias_freeze(item: Item | None) -> FreezeWindow | None:
    """The freeze stored on an alias or event item, expired or not; None if it has none."""
    if item is None:
        return None
    until = get_s(item, "frozen_until")
    if until is None:
        return None
    return models.FreezeWindow(
        until=parse_time(until), by=get_s(item, "frozen_by") or "", reason=get_s(item, "frozen_reason") or ""
    )


def active_freeze(item: Item | None, now: datetime) -> FreezeWindow | None:
    freeze = alias_freeze(item)
    return freeze if freeze is not None and freeze.active(now) else None


def alias_config(item: Item) -> AliasConfig:
    secondary = get_s(item, "secondary_version")
    return models.AliasConfig(
        version=decode_version_sk(item["version"]["S"]),
        secondary_version=None if secondary is None else decode_version_sk(secondary),
        secondary_version_weight=None if secondary is None else get_n(item, "secondary_version_weight"),
    )


def alias_name_of(item: Item) -> str:
    return item["sk"]["S"]


def alias_revision(item: Item | None) -> int:
    """Revision of a stored alias; 0 for an alias versioned wrote (it keeps none) or none at all."""
    if item is None:
        return 0
    return get_n(item, "revision") or 0


def item_update_at(item: Item) -> datetime:
    return parse_time(item["update_at"]["S"])


# --- alias events -----------------------------------------------------------------------------


def _config_map(config: AliasConfig | None) -> dict[str, Any]:
    if config is None:
        return {"NULL": True}
    fields: Item = {"version": s(config.version)}
    if config.secondary_version is not None:
        fields["secondary_version"] = s(config.secondary_version)
        fields["secondary_version_weight"] = n(config.secondary_version_weight or 0)
    return {"M": fields}


def _config_from(value: dict[str, Any] | None) -> AliasConfig | None:
    if not value or "M" not in value:
        return None
    m = value["M"]
    return models.AliasConfig(
        version=m["version"]["S"],
        secondary_version=get_s(m, "secondary_version"),
        secondary_version_weight=get_n(m, "secondary_version_weight"),
    )


def event_item(event: AliasEvent) -> Item:
    item: Item = {
        **key(history_pk(event.name), history_sk(event.alias, event.revision)),
        "alias": s(event.alias),
        "revision": n(event.revision),
        "time": s(format_time(event.time)),
        "actor": s(event.actor),
        "action": s(event.action),
        "before": _config_map(event.before),
        "after": _config_map(event.after),
    }
    if event.reason:
        item["reason"] = s(event.reason)
    item.update(freeze_attributes(event.freeze))
    if event.override_freeze_reason:
        item["override_freeze_reason"] = s(event.override_freeze_reason)
    return item


def event_from(name: str, item: Item) -> AliasEvent:
    return models.AliasEvent(
        name=name,
        alias=item["alias"]["S"],
        revision=int(item["revision"]["N"]),
        time=parse_time(item["time"]["S"]),
        actor=item["actor"]["S"],
        action=item["action"]["S"],
        before=_config_from(item.get("before")),
        after=_config_from(item.get("after")),
        reason=get_s(item, "reason"),
        freeze=alias_freeze(item),
        override_freeze_reason=get_s(item, "override_freeze_reason"),
    )
