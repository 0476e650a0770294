"""Pure formatting used by the panes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from core.models import Alias
from tui.formatting import human_size, metadata_summary, parse_metadata, relative_time, timestamp
from tui.release import split_text

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=5), "just now"),
        (timedelta(minutes=5), "5m ago"),
        (timedelta(hours=3), "3h ago"),
        (timedelta(days=2, hours=23), "2d ago"),
        (timedelta(days=45), "1mo ago"),
        (timedelta(days=800), "2y ago"),
        (-timedelta(minutes=10), "in 10m"),
    ],
)
def test_relative_time(delta: timedelta, text: str) -> None:
    assert relative_time(NOW - delta, NOW) == text


def test_timestamp_uses_the_given_zone() -> None:
    cet = timezone(timedelta(hours=1))
    assert timestamp(NOW - timedelta(days=1), NOW, cet) == "2026-11-19 10:30 · 1d ago"


@pytest.mark.parametrize(
    ("size", "text"),
    [(None, "?"), (0, "0 B"), (1023, "1023 B"), (1536, "1.5 KiB"), (5 * 1024**3, "5.0 GiB")],
)
def test_human_size(size: int | None, text: str) -> None:
    assert human_size(size) == text


def _alias(version: str, secondary: str | None = None, weight: int | None = None) -> Alias:
    uri = "s3://b/p/x/"
    return Alias(
        name="x",
        alias="production",
        update_at=NOW,
        version=version,
        secondary_version=secondary,
        secondary_version_weight=weight,
        version_s3uri=uri + version,
        secondary_version_s3uri=uri + secondary if secondary else None,
    )


def test_traffic_split_has_one_wording_for_panes_and_dialogs() -> None:
    assert split_text(_alias("2", "3", 10).config) == "v2 90% | v3 10%"
    assert split_text(_alias("2").config) == "v2 100%"


def test_metadata_is_parsed_strictly_and_summarised_briefly() -> None:
    assert parse_metadata(" team = ml ,ticket=OPS-1\nempty=") == {"team": "ml", "ticket": "OPS-1", "empty": ""}
    assert parse_metadata("") == {}
    with pytest.raises(ValueError, match="'oops' is not key=value"):
        parse_metadata("a=1, oops")
    with pytest.raises(ValueError, match="given twice"):
        parse_metadata("a=1, a=2")
    assert metadata_summary({"b": "2", "a": "1"}) == "a=1, b=2"
    assert metadata_summary({"k": "v" * 60}, limit=10) == "k=vvvvvvv…"
