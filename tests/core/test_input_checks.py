"""Issue 9.6: arguments S3 or DynamoDB would reject, or store differently, fail before any AWS call.

Every test uses a repository whose every AWS request fails the test: the error must be a typed
ValidationError naming the bad value, raised before anything is sent.
"""

from __future__ import annotations

import io

import boto3
import pytest
from faults import new_session

from core import InvalidArgumentError, InvalidVersionError, Repository, ValidationError


class AwsCalled(AssertionError):
    pass


@pytest.fixture
def offline(monkeypatch) -> Repository:
    """A repository whose every AWS call raises AwsCalled (no server behind it)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    session = boto3.Session(region_name="us-east-1")

    def refuse(event_name: str, **_: object) -> None:
        raise AwsCalled(f"AWS call made: {event_name}")

    session.events.register("before-call", refuse)
    return Repository(
        aws_region="us-east-1",
        s3_bucket="offline",
        dynamodb_table_name="offline",
        boto_session=session,
        endpoint_url="http://127.0.0.1:9",
        operator="tester",
        use_sts=False,
    )


def test_the_offline_repository_fails_on_any_call(offline):
    with pytest.raises(AwsCalled):
        offline.get_artifact_version("app")


BAD_TAGS = [
    {"aws:created-by": "me"},  # S3 reserves the aws: prefix
    {"AWS:x": "y"},
    {"team": "a\nb"},
    {"team": "semi;colon"},
    {"te<m": "x"},
    {"team": "x" * 257},
    {"": "x"},
    {"k": 5},
]


@pytest.mark.parametrize("tags", BAD_TAGS, ids=[repr(t)[:30] for t in BAD_TAGS])
def test_bad_tags_are_rejected_before_any_aws_call(offline, tags):
    with pytest.raises(InvalidArgumentError) as caught:
        offline.put_artifact("app", b"x", tags=tags)
    key, value = next(iter(tags.items()))
    assert repr(key) in str(caught.value) or repr(value)[:20] in str(caught.value)


def test_tags_s3_accepts_pass_validation():
    from core.validation import validate_tags

    tag_set = validate_tags({"team": "Data Eng", "path": "a/b:c=d+e-f@g.h_i", "ünï": "çødé"})
    assert "team=Data+Eng" in tag_set


BAD_CONTENT_TYPES = ["text/plain\r\nX-Injected: 1", "text/plain\n", "a\x00b", "a\x1bb", "t" * 256, "tëxt/plain"]


@pytest.mark.parametrize("content_type", BAD_CONTENT_TYPES, ids=range(len(BAD_CONTENT_TYPES)))
def test_bad_content_types_are_rejected_before_any_aws_call(offline, content_type):
    with pytest.raises(InvalidArgumentError, match="content_type"):
        offline.put_artifact("app", b"x", content_type=content_type)


def test_a_5000_digit_version_is_an_invalid_version_error(offline):
    huge = "9" * 5000
    for call in (
        lambda: offline.get_artifact_version("app", huge),
        lambda: offline.put_alias("app", "prod", huge),
        lambda: offline.delete_artifact_version("app", huge),
        lambda: offline.download("app", "0" * 4000 + "1" * 1000, io.BytesIO()),
    ):
        with pytest.raises(InvalidVersionError, match="version"):
            call()


@pytest.mark.parametrize("value", [-1, True, 1.5, "60", None])
def test_bad_purge_ages_are_rejected_before_any_aws_call(offline, value):
    with pytest.raises(InvalidArgumentError, match="purge_older_than_secs"):
        offline.purge_artifact_versions("app", purge_older_than_secs=value)


def test_text_mode_streams_are_rejected_before_any_aws_call(offline, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(InvalidArgumentError, match="binary"):
        offline.put_artifact("app", io.StringIO("hello"))
    with path.open("r") as text, pytest.raises(InvalidArgumentError, match="binary"):
        offline.put_artifact("app", text)

    class Unseekable(io.RawIOBase):
        """Not a TextIOBase, yet read() answers str: found on the first read, before any request."""

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> str:  # type: ignore[override]
            return "hello"

    with pytest.raises(InvalidArgumentError, match="binary"):
        offline.put_artifact("app", Unseekable())


def test_download_into_a_text_sink_is_rejected_before_any_aws_call(offline, tmp_path):
    with pytest.raises(InvalidArgumentError, match="binary"):
        offline.download("app", 1, io.StringIO())
    with (tmp_path / "out.txt").open("w") as text, pytest.raises(InvalidArgumentError, match="binary"):
        offline.download("app", 1, text)
    with pytest.raises(InvalidArgumentError, match="write"):
        offline.download("app", 1, object())  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="directory"):
        offline.download("app", 1, tmp_path)
    with pytest.raises(InvalidArgumentError, match="does not exist"):
        offline.download("app", 1, tmp_path / "missing" / "out.bin")


BAD_METADATA = [
    {"env": " prod"},  # S3 trims header values: DynamoDB would keep the space, S3 would not
    {"env": "prod "},
    {"env": "prød"},  # S3 would MIME-encode it
    {"env": "a\tb"},
]


@pytest.mark.parametrize("metadata", BAD_METADATA, ids=range(len(BAD_METADATA)))
def test_metadata_s3_would_store_differently_is_rejected(offline, metadata):
    with pytest.raises(InvalidArgumentError, match="'env'"):
        offline.put_artifact("app", b"x", metadata=metadata)


def test_every_input_error_is_a_validation_error():
    assert issubclass(InvalidArgumentError, ValidationError)
    assert issubclass(InvalidVersionError, ValidationError)


def test_huge_purge_age_purges_nothing(inproc):
    repo = Repository(
        aws_region="us-east-1",
        s3_bucket="ages",
        dynamodb_table_name="ages",
        operator="tester",
        use_sts=False,
        boto_session=new_session(),
    )
    repo.bootstrap()
    for content in (b"one", b"two"):
        repo.put_artifact("app", content)
        repo.publish_artifact_version("app")
    result = repo.purge_artifact_versions("app", keep_last_n=0, purge_older_than_secs=10**30)
    assert result.deleted == [] and [a.version for a in repo.list_artifact_versions("app")] == ["LATEST", "2", "1"]
    gone = repo.purge_artifact_versions("app", keep_last_n=0, purge_older_than_secs=0)
    assert sorted(a.version for a in gone.deleted) == ["1", "2"]
