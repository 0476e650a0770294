"""Fixtures for the core suite: one contract, two backends (moto in-process and moto's HTTP server)."""

import uuid

import pytest
from faults import new_session

from core import Repository


@pytest.fixture
def inproc():
    """moto's in-process mock; state is reset when it starts."""
    from moto import mock_aws

    with mock_aws():
        yield


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=["inproc", "server"])
def backend(request, boto_session):
    """Connection settings for a fresh bucket and table: {'endpoint_url': ..., 'session': ...}."""
    if request.param == "inproc":
        request.getfixturevalue("inproc")
        endpoint = None
    else:
        endpoint = request.getfixturevalue("moto_server")
    return {"endpoint_url": endpoint, "session": boto_session}


@pytest.fixture
def make_repo(backend):
    """Factory for bootstrapped repositories on the current backend (fresh bucket/table each)."""

    def make(**overrides) -> Repository:
        kwargs = dict(
            aws_region="us-east-1",
            s3_bucket=_unique("vrc-test"),
            dynamodb_table_name=_unique("vrc-test"),
            boto_session=backend["session"],
            endpoint_url=backend["endpoint_url"],
            operator="tester",
        )
        kwargs.update(overrides)
        repo = Repository(**kwargs)
        if not repo.read_only:
            repo.bootstrap()
        return repo

    return make


@pytest.fixture
def repo(make_repo) -> Repository:
    return make_repo()


@pytest.fixture
def shared(moto_server):
    """Settings for one fresh repository that each thread opens with its own boto3 session."""
    settings = dict(
        aws_region="us-east-1",
        s3_bucket=f"race-{uuid.uuid4().hex[:12]}",
        dynamodb_table_name=f"race-{uuid.uuid4().hex[:12]}",
        endpoint_url=moto_server,
    )
    Repository(**settings, boto_session=new_session()).bootstrap()
    return settings
