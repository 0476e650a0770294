"""Pure text formatting for the panes: times, sizes, hashes, errors."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo

_UNITS = (("y", 365 * 86400), ("mo", 30 * 86400), ("d", 86400), ("h", 3600), ("m", 60))


def relative_time(then: datetime, now: datetime) -> str:
    """'just now', '5m ago', '3d ago', '2mo ago'; 'in 5m' for times after `now`."""
    seconds = int((now - then).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 60:
        return "just now"
    for unit, size in _UNITS:
        if seconds >= size:
            amount = f"{seconds // size}{unit}"
            return f"in {amount}" if future else f"{amount} ago"
    return "just now"  # unreachable: seconds >= 60 matches "m"


def local_time(value: datetime, tz: tzinfo | None = None) -> str:
    """A timestamp in the given zone (None: the machine's local zone), minute precision."""
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def timestamp(value: datetime, now: datetime, tz: tzinfo | None = None) -> str:
    """Local time and how long ago: '2024-05-01 12:00 · 3d ago'."""
    return f"{local_time(value, tz)} · {relative_time(value, now)}"


def human_size(size: int | None) -> str:
    """Bytes as '512 B', '1.5 KiB', '12.0 MiB'; '?' when unknown."""
    if size is None:
        return "?"
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


def short_sha(sha256: str, length: int = 8) -> str:
    return sha256[:length]


def error_text(error: BaseException | None) -> str:
    """core's message for its own errors; the type and text for anything unexpected."""
    from core.errors import VrcError

    if isinstance(error, VrcError):
        return printable(str(error), multiline=True)
    return printable(f"{type(error).__name__}: {error}", multiline=True) if error else "unknown error"


def metadata_summary(metadata: Mapping[str, str], limit: int = 40) -> str:
    """'k=v, k2=v2' cut to `limit` characters with an ellipsis."""
    text = ", ".join(f"{key}={value}" for key, value in sorted(metadata.items()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_metadata(text: str) -> dict[str, str]:
    """Parse 'k=v, k2=v2' (commas or newlines between pairs); ValueError names the bad pair."""
    pairs: dict[str, str] = {}
    for raw in text.replace("\n", ",").split(","):
        item = raw.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValueError(f"metadata {item!r} is not key=value")
        if key in pairs:
            raise ValueError(f"metadata key {key!r} is given twice")
        pairs[key] = value.strip()
    return pairs


def _escape_table(keep: str) -> dict[int, str]:
    """str.translate table: C0 and DEL as their Unicode control pictures (ESC → ␛), C1 as \\x9b."""
    table = {code: chr(0x2400 + code) for code in range(0x20)}
    table[0x7F] = "\u2421"  # ␡
    table.update({code: f"\\x{code:02x}" for code in range(0x80, 0xA0)})
    for char in keep:
        del table[ord(char)]
    return table


_ONE_LINE = _escape_table("")
_MULTI_LINE = _escape_table("\n")


def printable(value: object, *, multiline: bool = False) -> str:
    """`value` as text that is safe to draw: every control character (C0, DEL, C1) made visible.

    Data from a repository may hold ESC sequences (title changes, screen clears, OSC 52 clipboard
    writes) that a terminal would obey; drawn escaped they are inert and still show. Single-line
    text (cells, titles) escapes tab and newline too; `multiline` keeps newlines (messages).
    """
    return str(value).translate(_MULTI_LINE if multiline else _ONE_LINE)
