"""core refuses control characters in the text fields it writes (issue 9 item 10), before any AWS call."""

from __future__ import annotations

import pytest

from core import InvalidArgumentError, Repository

HOSTILE = ["\x1b]0;pwned\x07", "a\x1b[2Jb", "c1 \x9b31m", "del \x7f", "line\nbreak", "cr\rlf", "nul\x00"]


@pytest.fixture
def repo(inproc: None) -> Repository:
    repository = Repository(aws_region="us-east-1", s3_bucket="safety", operator="tester", use_sts=False)
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
