"""What the CLI prints: JSON documents, compact tables, and text made safe for a terminal."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import IO, Any

# C0 (tab and newline included: one value stays one line or cell), DEL, C1, and the Unicode
# line separators and bidi controls that can make a line read differently from what it holds.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(value: object) -> str:
    """`value` as text with control characters visibly escaped (ESC becomes the four characters \\x1b)."""
    return _UNSAFE.sub(_escape_char, "" if value is None else str(value))


def when(value: datetime | None) -> str:
    """A timestamp in UTC, minute precision: '2026-11-19 21:30Z'."""
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%MZ")


def to_json(document: Mapping[str, Any]) -> str:
    """One JSON document; ASCII-only, so no control or non-ASCII character reaches the terminal raw."""
    return json.dumps(document, ensure_ascii=True, indent=2, sort_keys=False)


def print_json(document: Mapping[str, Any], stream: IO[str] | None = None) -> None:
    print(to_json(document), file=stream or sys.stdout)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Left-aligned columns two spaces apart, every cell escaped; the last column is not padded."""
    cells = [[clean(cell) for cell in row] for row in rows]
    widths = [len(header) for header in headers]
    for row in cells:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], len(cell))
    lines = []
    for row in [list(headers), *cells]:
        padded = [cell.ljust(widths[index]) for index, cell in enumerate(row)]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)


def fields(pairs: Sequence[tuple[str, object]]) -> str:
    """'key  value' lines, keys aligned, values escaped."""
    width = max((len(key) for key, _ in pairs), default=0)
    return "\n".join(f"{key.ljust(width)}  {clean(value)}".rstrip() for key, value in pairs)
