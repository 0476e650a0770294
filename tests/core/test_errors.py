"""AWS failures reach the caller as typed errors with actionable messages, never raw botocore."""

import pytest
from botocore.exceptions import ClientError, NoCredentialsError
from faults import new_session

from core import AccessDeniedError, BackendError, EndpointUnreachableError, Repository
from core._aws import Target, translate

TARGET = Target(region="eu-west-1", bucket="b", table="t", endpoint_url=None)


def client_error(code: str, message: str = "nope") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "GetItem")


def test_unreachable_endpoint_is_typed():
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    repo = Repository(
        aws_region="us-east-1",
        s3_bucket="b",
        dynamodb_table_name="t",
        boto_session=new_session(),
        endpoint_url="http://127.0.0.1:9",
    )
    with pytest.raises(EndpointUnreachableError, match="cannot reach http://127.0.0.1:9"):
        repo.get_artifact_version("app")
    with pytest.raises(EndpointUnreachableError):
        repo.list_artifact_names()


@pytest.mark.parametrize(
    "code",
    ["AccessDenied", "AccessDeniedException", "UnrecognizedClientException", "ExpiredToken", "InvalidAccessKeyId"],
)
def test_access_denied_is_typed(code):
    err = translate(client_error(code, "not allowed"), TARGET, "get_alias 'x'")
    assert isinstance(err, AccessDeniedError)
    assert "get_alias 'x'" in str(err) and code in str(err)


def test_missing_credentials_say_what_to_do():
    err = translate(NoCredentialsError(), TARGET, "list_artifact_names")
    assert isinstance(err, AccessDeniedError) and "AWS_PROFILE" in str(err)


def test_other_client_errors_keep_code_and_message():
    err = translate(client_error("ThrottlingException", "slow down"), TARGET, "put_alias")
    assert type(err) is BackendError and "ThrottlingException" in str(err) and "slow down" in str(err)
