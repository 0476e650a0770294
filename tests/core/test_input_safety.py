"""core refuses control characters in the text fields it writes (issue 9 item 10), before any AWS call."""

from __future__ import annotations

import time

import pytest

from core import (
    DEFAULT_DEADLINE,
    Deadline,
    EndpointTimeoutError,
    EndpointUnreachableError,
    InvalidArgumentError,
    Repository,
    connect,
    redact_secrets,
)

HOSTILE = ["\x1b]0;pwned\x07", "a\x1b[2Jb", "c1 \x9b31m", "del \x7f", "line\nbreak", "cr\rlf", "nul\x00"]


@pytest.fixture
def repo(inproc: None, boto_session: object) -> Repository:
    # The run's session: a fresh one per test would parse botocore's service models again (~0.5 s).
    repository = Repository(
        aws_region="us-east-1", s3_bucket="safety", operator="tester", use_sts=False, boto_session=boto_session
    )
    repository.bootstrap()
    repository.put_artifact("model", b"one")
    repository.publish_artifact_version("model")
    return repository


@pytest.mark.parametrize("value", HOSTILE)
def test_reason_with_control_characters_is_refused_and_nothing_is_written(repo: Repository, value: str) -> None:
    with pytest.raises(InvalidArgumentError, match="reason"):
        repo.put_alias("model", "prod", 1, reason=value)
    assert repo.list_aliases("model") == []


@pytest.mark.parametrize("value", HOSTILE)
def test_content_type_with_control_characters_is_refused(repo: Repository, value: str) -> None:
    with pytest.raises(InvalidArgumentError, match="content_type"):
        repo.put_artifact("model", b"two", content_type=f"text/plain{value}")
    assert repo.get_artifact_version("model").get_content() == b"one"


@pytest.mark.parametrize("value", HOSTILE)
def test_metadata_values_with_control_characters_are_refused(repo: Repository, value: str) -> None:
    with pytest.raises(InvalidArgumentError, match="metadata"):
        repo.put_artifact("model", b"two", metadata={"note": value})


@pytest.mark.parametrize("value", HOSTILE)
def test_operator_with_control_characters_is_refused(value: str) -> None:
    with pytest.raises(InvalidArgumentError, match="operator"):
        Repository(aws_region="us-east-1", s3_bucket="safety", operator=f"mallory{value}")


def test_plain_text_is_still_accepted(repo: Repository) -> None:
    alias = repo.put_alias("model", "prod", 1, reason="OPS-1 · rollout ✓ (ünïcode)")
    assert repo.list_alias_history("model", "prod")[0].reason == "OPS-1 · rollout ✓ (ünïcode)"
    assert alias.version == "1"


SECRET_ENDPOINT = "http://alice:s3cr3t-pw@127.0.0.1:1"


def test_core_redacts_userinfo_in_location_and_errors() -> None:
    assert (
        redact_secrets(f"see {SECRET_ENDPOINT}/x and https://u@h") == "see http://***@127.0.0.1:1/x and https://***@h"
    )
    assert redact_secrets("http://127.0.0.1:1/no-userinfo") == "http://127.0.0.1:1/no-userinfo"
    repository = Repository(
        aws_region="us-east-1", s3_bucket="b", endpoint_url=SECRET_ENDPOINT, use_sts=False, operator="t"
    )
    assert "s3cr3t" not in repository.location() and "http://***@127.0.0.1:1" in repository.location()
    with pytest.raises(EndpointUnreachableError) as raised:
        repository.list_artifact_names()
    assert "s3cr3t" not in str(raised.value) and "alice" not in str(raised.value)


# --- issue 10: every AWS call has a deadline ----------------------------------------------------


def test_default_deadline_bounds_every_call_to_45_seconds() -> None:
    assert (DEFAULT_DEADLINE.connect_timeout, DEFAULT_DEADLINE.read_timeout, DEFAULT_DEADLINE.attempts) == (3, 10, 3)
    assert DEFAULT_DEADLINE.worst_case <= 45
    for bad in ({"read_timeout": 0}, {"connect_timeout": float("inf")}, {"attempts": 0}, {"attempts": True}):
        with pytest.raises(InvalidArgumentError):
            Deadline(**bad)


@pytest.mark.parametrize("attempts", [1, 2])
def test_a_silent_endpoint_fails_with_a_typed_error_within_the_deadline(silent_endpoint: str, attempts: int) -> None:
    # Short timeouts: the endpoint never answers, so every attempt waits out its whole read timeout.
    deadline = Deadline(connect_timeout=0.25, read_timeout=0.25, attempts=attempts)
    repository = connect(bucket="b", region="us-east-1", endpoint_url=silent_endpoint, deadline=deadline)
    started = time.monotonic()
    with pytest.raises(EndpointTimeoutError) as raised:
        repository.list_artifact_names()
    elapsed = time.monotonic() - started
    assert attempts * deadline.read_timeout <= elapsed <= deadline.worst_case + 3.0, elapsed
    assert isinstance(raised.value, EndpointUnreachableError) and isinstance(raised.value, TimeoutError)
    assert "within the deadline" in str(raised.value) and silent_endpoint in str(raised.value)
