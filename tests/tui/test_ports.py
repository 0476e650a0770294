"""The console's port to core: core.Repository satisfies it, and so do the console tests' doubles.

mypy checks this module and the doubles' modules (pyproject's [tool.mypy] files); the test below checks
the same at run time, member by member, against Repository's signatures.
"""

from __future__ import annotations

import inspect
from typing import Any

from test_artifact_list import CountingRepository
from tui_helpers import BlockingRepository, StandIn

from core.repository import Repository
from tui.connection import Connection, repository_options
from tui.ports import Located, RepositoryPort


def port_members() -> dict[str, Any]:
    """Every member the port declares, by name (methods and the read_only property)."""
    return {
        name: value
        for name, value in vars(RepositoryPort).items()
        if not name.startswith("_") and (inspect.isfunction(value) or isinstance(value, property))
    }


def test_repository_has_every_member_of_the_port_with_a_compatible_signature() -> None:
    port: RepositoryPort = Repository(aws_region="us-east-1", s3_bucket="bucket")  # mypy checks the same statically
    members = port_members()
    assert {"read_only", "location", "list_versions_and_aliases", "put_alias", "freeze"} <= set(members)
    for name, declared in members.items():
        assert hasattr(port, name), f"Repository has no {name}"
        if isinstance(declared, property):
            assert isinstance(getattr(port, name), bool)
            continue
        wanted = inspect.signature(declared).parameters
        have = inspect.signature(getattr(Repository, name)).parameters
        for parameter in wanted.values():
            assert parameter.name in have, f"Repository.{name} has no parameter {parameter.name}"
            actual = have[parameter.name]
            assert actual.kind == parameter.kind, f"Repository.{name}({parameter.name}) is {actual.kind}"
            if parameter.default is not inspect.Parameter.empty and parameter.default is not ...:
                assert actual.default == parameter.default, f"Repository.{name}({parameter.name}) default differs"
            elif parameter.default is ...:
                assert actual.default is not inspect.Parameter.empty, f"Repository.{name}({parameter.name}) is required"
        # Parameters the console never passes (bsm, where, force) must be optional.
        extra = [p for p in have.values() if p.name not in wanted and p.kind is not p.VAR_KEYWORD]
        assert all(p.default is not inspect.Parameter.empty for p in extra), f"Repository.{name} needs {extra}"
        positional = [p.name for p in have.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
        wanted_positional = [p.name for p in wanted.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
        assert positional[: len(wanted_positional)] == wanted_positional, f"Repository.{name} orders them otherwise"


def test_the_doubles_answer_the_whole_port_and_refuse_what_they_do_not_stand_in_for() -> None:
    doubles: list[RepositoryPort] = [StandIn(), BlockingRepository(), CountingRepository(["a"])]
    for double in doubles:
        for name in port_members():
            assert hasattr(double, name), f"{type(double).__name__} has no {name}"
    stand_in: RepositoryPort = StandIn()
    try:
        stand_in.put_alias("app", "prod", "3")
    except AssertionError as error:
        assert "does not answer put_alias" in str(error)
    else:
        raise AssertionError("a stand-in answered a call it does not stand in for")


def test_only_a_located_repository_names_its_options_in_commands() -> None:
    repository = Repository(aws_region="eu-west-1", s3_bucket="bucket", s3_prefix="art/", dynamodb_table_name="t")
    assert isinstance(repository, Located)
    assert repository_options(repository) == (
        "--bucket",
        "bucket",
        "--prefix",
        "art",
        "--table",
        "t",
        "--region",
        "eu-west-1",
    )
    double = BlockingRepository()
    assert not isinstance(double, Located)
    assert repository_options(double) == ()
    assert Connection.of(double, name="slow").cli_args == ()
