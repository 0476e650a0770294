"""The sessions core builds read botocore's data faster and the same (core/_loader.py)."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path
from typing import Any

import boto3
import botocore
import pytest
from botocore.exceptions import ProfileNotFound, UnknownServiceError
from botocore.loaders import Loader

from core._loader import FastLoader, new_session
from core.errors import AccessDeniedError
from core.session import connect

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
DATA = Path(botocore.__file__).parent / "data"
TYPES = ("service-2", "endpoint-rule-set-1", "paginators-1", "waiters-2")


@pytest.fixture
def no_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No AWS config or data path from the machine running the tests."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_DATA_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    return tmp_path


def s3_client_and_listdirs(monkeypatch: pytest.MonkeyPatch, session: boto3.Session) -> tuple[Any, int]:
    """An S3 client of `session`, and how many directories building it listed."""
    calls = [0]
    listdir = os.listdir

    def counting(path: Any = ".") -> list[str]:
        calls[0] += 1
        return listdir(path)

    monkeypatch.setattr(os, "listdir", counting)
    client = session.client("s3")
    monkeypatch.setattr(os, "listdir", listdir)
    return client, calls[0]


@pytest.mark.parametrize("service", ["s3", "dynamodb", "sts"])
def test_core_s_loader_reads_the_same_models_in_the_same_order_as_botocore_s(service: str) -> None:
    for type_name in TYPES:
        if type_name == "waiters-2" and service == "sts":
            continue  # STS has no waiters
        ours = FastLoader().load_service_model(service, type_name)
        theirs = Loader().load_service_model(service, type_name)
        assert type(ours) is dict
        assert json.dumps(ours) == json.dumps(theirs), (service, type_name)  # key order included
    assert json.dumps(FastLoader().load_data("endpoints")) == json.dumps(Loader().load_data("endpoints"))


def test_an_s3_client_of_a_core_session_lists_no_service_directory_and_resolves_the_same(
    no_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for region in ("us-east-1", "eu-west-1", "cn-north-1"):
        ours, core_listed = s3_client_and_listdirs(monkeypatch, new_session(region_name=region, **CREDENTIALS))
        theirs, boto_listed = s3_client_and_listdirs(monkeypatch, boto3.Session(region_name=region, **CREDENTIALS))
        # botocore lists each of its ~400 service directories to learn that "s3" is one of them.
        assert boto_listed > 300
        assert core_listed <= 4, core_listed
        assert ours.meta.endpoint_url == theirs.meta.endpoint_url
        assert ours.meta.service_model.operation_names == theirs.meta.service_model.operation_names
        ours.close()
        theirs.close()


def test_other_services_unknown_names_and_the_service_list_behave_as_in_botocore(no_config: Path) -> None:
    ours = new_session(region_name="us-east-1", **CREDENTIALS)
    theirs = boto3.Session(region_name="us-east-1", **CREDENTIALS)
    assert ours.get_available_services() == theirs.get_available_services()
    assert len(ours.get_available_services()) > 300
    # boto3's resource models live on a search path boto3 appends to the loader's.
    assert ours.get_available_resources() == theirs.get_available_resources()
    assert ours.resource("s3").Bucket("b").name == "b"
    ec2 = ours.client("ec2")
    assert ec2.meta.service_model.service_name == "ec2"
    ec2.close()
    with pytest.raises(UnknownServiceError) as raised:
        ours.client("no-such-service")
    assert "s3" in str(raised.value) and "ec2" in str(raised.value)  # botocore's message lists what it knows


def test_aws_data_path_models_override_botocore_s_as_they_do_in_botocore(
    no_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    newer = no_config / "models" / "s3" / "2099-01-01"
    newer.mkdir(parents=True)
    (latest,) = sorted(p for p in (DATA / "s3").iterdir() if p.is_dir())[-1:]
    model = json.loads(gzip.decompress((latest / "service-2.json.gz").read_bytes()))
    model["metadata"].update(apiVersion="2099-01-01", serviceFullName="Simple Storage, from AWS_DATA_PATH")
    (newer / "service-2.json").write_text(json.dumps(model))
    shutil.copy(latest / "endpoint-rule-set-1.json.gz", newer)
    monkeypatch.setenv("AWS_DATA_PATH", str(no_config / "models"))
    for session in (new_session(region_name="us-east-1", **CREDENTIALS), boto3.Session(region_name="us-east-1")):
        client = session.client("s3")
        assert client.meta.service_model.api_version == "2099-01-01"
        assert client.meta.service_model.metadata["serviceFullName"] == "Simple Storage, from AWS_DATA_PATH"
        client.close()


def test_a_missing_profile_fails_as_before(no_config: Path) -> None:
    with pytest.raises(ProfileNotFound):
        new_session(profile_name="nowhere")
    with pytest.raises(AccessDeniedError, match="'nowhere' not found"):
        connect(bucket="b", profile="nowhere")


def test_moto_in_the_demo_server_reads_the_same_models_and_its_extras_without_listing_every_service(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import moto.core.utils
    from moto.core.loaders import create_loader as motos_own

    from core.moto_store import load_models_fast

    monkeypatch.setattr(moto.core.utils, "create_loader", moto.core.utils.create_loader)  # put back after
    load_models_fast()
    for service in ("s3", "dynamodb", "s3control"):  # s3control: moto adds extras to its model
        listdir = os.listdir
        calls = [0]

        def counting(path: Any = ".", calls: list[int] = calls, listdir: Any = listdir) -> list[str]:
            calls[0] += 1
            return listdir(path)

        monkeypatch.setattr(os, "listdir", counting)
        ours = moto.core.utils.create_loader().load_service_model(service, "service-2")
        monkeypatch.setattr(os, "listdir", listdir)
        assert calls[0] <= 4, (service, calls[0])
        assert json.dumps(ours) == json.dumps(motos_own().load_service_model(service, "service-2")), service
