"""Command line and config file: which repositories the console opens, and clear exits on mistakes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tui.__main__ import main
from tui.config import ConfigError, RepositorySpec, config_path, load_config, resolve

GOOD_CONFIG = """
default = "staging"

[repositories.staging]
bucket = "acme-artifacts"
region = "eu-west-1"
profile = "staging"

[repositories.prod]
bucket = "acme-artifacts-prod"
prefix = "releases"
table = "releases"
read_only = true
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "vrc" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def names(argv: list[str], env: dict[str, str]) -> list[str]:
    return [connection.name for connection in resolve(argv, env).connections]


def test_config_path_follows_xdg_then_home() -> None:
    assert config_path({"XDG_CONFIG_HOME": "/x"}) == Path("/x/vrc/config.toml")
    assert config_path({"HOME": "/home/u"}) == Path("/home/u/.config/vrc/config.toml")


def test_no_repository_configured_opens_the_demo(tmp_path: Path) -> None:
    launch = resolve([], {"XDG_CONFIG_HOME": str(tmp_path)})
    assert launch.initial.demo
    assert [c.name for c in launch.connections] == ["demo"]


def test_config_default_opens_first_and_every_repository_is_offered(tmp_path: Path) -> None:
    write(tmp_path, GOOD_CONFIG)
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    assert names([], env) == ["staging", "prod", "demo"]
    assert names(["--repo", "prod"], env) == ["prod", "staging", "demo"]
    assert names(["--demo"], env) == ["demo", "staging", "prod"]
    launch = resolve(["--repo", "prod"], env)
    assert launch.initial.read_only
    assert "s3://acme-artifacts-prod/releases · releases" in launch.initial.description


def test_flags_override_the_config_entry_and_environment_fills_gaps(tmp_path: Path) -> None:
    from tui.config import with_environment

    spec = RepositorySpec(name="x", bucket="b")
    env = {"AWS_REGION": "ap-south-1", "AWS_PROFILE": "ops", "AWS_ENDPOINT_URL": "http://127.0.0.1:5000"}
    filled = with_environment(spec, env)
    assert (filled.region, filled.profile, filled.endpoint_url) == ("ap-south-1", "ops", "http://127.0.0.1:5000")
    assert with_environment(spec, {"AWS_DEFAULT_REGION": "eu-north-1"}).region == "eu-north-1"
    explicit = RepositorySpec(name="x", bucket="b", region="us-west-2")
    assert with_environment(explicit, env).region == "us-west-2"

    write(tmp_path, GOOD_CONFIG)
    launch = resolve(["--repo", "staging", "--region", "us-east-2", "--read-only"], {"XDG_CONFIG_HOME": str(tmp_path)})
    assert "us-east-2" in launch.initial.description
    assert launch.initial.read_only


def test_bucket_flags_build_an_ad_hoc_repository(tmp_path: Path) -> None:
    launch = resolve(
        ["--bucket", "b1", "--table", "t1", "--prefix", "p1", "--endpoint-url", "http://127.0.0.1:1"],
        {"XDG_CONFIG_HOME": str(tmp_path), "AWS_REGION": "eu-west-3"},
    )
    assert launch.initial.name == "b1"
    assert launch.initial.description == "s3://b1/p1 · t1 · eu-west-3 · http://127.0.0.1:1"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("default = [", "is not valid TOML"),
        ("[repositories.a]\nregion = 'x'", "'bucket' is required"),
        ("[repositories.a]\nbucket = 'b'\nbukket = 'c'", "unknown key(s) bukket"),
        ("[repositories.a]\nbucket = 'b'\nread_only = 'yes'", "read_only must be true or false"),
        ("default = 'nope'\n[repositories.a]\nbucket = 'b'", "default = 'nope' is not one of: a"),
        ("[repositories.demo]\nbucket = 'b'", "reserved"),
        ("repos = 1", "unknown top-level key(s) repos"),
    ],
)
def test_bad_config_names_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--repo", "missing"], "no repository named 'missing'"),
        (["--repo", "x", "--config", "/nonexistent/vrc.toml"], "does not exist"),
        (["--demo", "--bucket", "b"], "--demo cannot be combined"),
        (["--repo", "staging", "--bucket", "b"], "either --repo NAME or --bucket"),
    ],
)
def test_main_exits_2_with_a_message_and_no_traceback(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    write(tmp_path, GOOD_CONFIG)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setattr("tui.app.VrcApp.run", _must_not_run)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("vrc: ") and message in err
    assert "Traceback" not in err


def _must_not_run(*args: object, **kwargs: object) -> None:
    raise AssertionError("the app was started although the command line was invalid")


def test_repository_options_without_a_repository_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--table needs a repository"):
        resolve(["--table", "t"], {"XDG_CONFIG_HOME": str(tmp_path)})


def test_python_dash_m_tui_reports_a_broken_config_with_exit_code_2(tmp_path: Path) -> None:
    write(tmp_path, "default = [")
    result = subprocess.run(
        [sys.executable, "-m", "tui", "--repo", "x"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"XDG_CONFIG_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 2
    assert "is not valid TOML" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_documents_every_option() -> None:
    from tui.config import build_parser

    text = build_parser().format_help()
    for option in (
        "--repo",
        "--bucket",
        "--prefix",
        "--table",
        "--region",
        "--profile",
        "--endpoint-url",
        "--read-only",
        "--demo",
        "--config",
    ):
        assert option in text
