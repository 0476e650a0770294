"""`vrc COMMAND`: the real entry point against moto's HTTP server on 127.0.0.1.

One server and one bucket/table for the module; every test uses its own artifact names.
"""

from __future__ import annotations

import io
import json
import os
import shlex
import stat
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from core import Repository
from tui.__main__ import main
from tui.cli import command_for, command_for_event, parse
from tui.cli.commands import Progress, show_progress

ROOT = Path(__file__).resolve().parents[2]
BUCKET = f"vrc-cli-{uuid.uuid4().hex[:8]}"
TABLE = f"vrc-cli-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def endpoint(moto_server: str) -> str:
    Repository(
        aws_region="us-east-1", s3_bucket=BUCKET, dynamodb_table_name=TABLE, endpoint_url=moto_server
    ).bootstrap()
    return moto_server


@pytest.fixture(scope="module")
def backend(endpoint: str) -> Repository:
    """core on the same bucket/table, to set up state and to check what the CLI wrote."""
    return Repository(
        aws_region="us-east-1",
        s3_bucket=BUCKET,
        dynamodb_table_name=TABLE,
        endpoint_url=endpoint,
        operator="tester",
        use_sts=False,
    )


@pytest.fixture(scope="module")
def shared_loader() -> Any:
    from core._loader import FastLoader

    return FastLoader()


@pytest.fixture(autouse=True)
def fast_sessions(shared_loader: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every session the CLI makes (core's new_session) shares one botocore data loader.

    Each `vrc` run builds a fresh session, as a real process does; re-reading botocore's service
    JSON for each in-process run would cost ~0.5 s and say nothing about the CLI.
    """
    import botocore.session

    from core import _loader

    def session(**kwargs: Any) -> boto3.Session:
        core_session = botocore.session.get_session()
        core_session.register_component("data_loader", shared_loader)
        return boto3.Session(botocore_session=core_session, **kwargs)

    monkeypatch.setattr(_loader, "new_session", session)


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def vrc(endpoint: str, capsys: pytest.CaptureFixture[str]):
    """vrc(*argv) runs tui.__main__.main in-process with the repository options in front."""

    def run(*argv: str, options: tuple[str, ...] = ()) -> Result:
        capsys.readouterr()
        code = main(["--bucket", BUCKET, "--table", TABLE, "--endpoint-url", endpoint, *options, *argv])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def unique(prefix: str = "art") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def released(backend: Repository, *contents: bytes, alias: str | None = None) -> str:
    """An artifact with one published version per content; `alias` points at the last."""
    name = unique()
    for content in contents:
        backend.put_artifact(name, content)
        backend.publish_artifact_version(name)
    if alias:
        backend.put_alias(name, alias, len(contents), reason="setup")
    return name


def assert_one_line_error(result: Result, code: int, *fragments: str) -> None:
    assert result.code == code, (result.code, result.out, result.err)
    assert result.err.count("\n") == 1 and result.err.startswith("vrc"), result.err
    assert "Traceback" not in result.err
    for fragment in fragments:
        assert fragment in result.err


# --- reads ---------------------------------------------------------------------------------------


def test_ls_versions_aliases_history_show(vrc, backend: Repository) -> None:
    name = released(backend, b"one", b"two", alias="staging")
    listed = vrc("ls", "--json")
    assert listed.code == 0 and {"name": name} in listed.json["artifacts"]
    assert name in vrc("ls").out.splitlines()

    versions = vrc("versions", name, "--json").json
    assert versions["name"] == name
    assert [v["artifact"]["version"] for v in versions["versions"]] == ["LATEST", "2", "1"]
    assert versions["versions"][1]["aliases"] == ["staging"]
    assert set(versions["versions"][0]["artifact"]) >= {"name", "version", "sha256", "size", "update_at", "s3uri"}
    table = vrc("versions", name).out.splitlines()
    assert table[0].split() == ["VERSION", "ALIASES", "UPDATED", "SIZE", "SHA256", "CONTENT-TYPE"]
    assert table[2].split()[:2] == ["2", "staging"]

    aliases = vrc("aliases", name, "--json").json["aliases"]
    assert [(a["alias"], a["version"], a["revision"]) for a in aliases] == [("staging", "2", 1)]
    assert "v2 100%" in vrc("aliases", name).out

    history = vrc("history", name, "staging", "--json").json
    assert history["events"][0]["action"] == "create" and history["events"][0]["reason"] == "setup"
    assert "setup" in vrc("history", name, "staging").out

    assert vrc("show", name, "1", "--json").json["artifact"]["version"] == "1"
    assert vrc("show", name, "--alias", "staging", "--json").json["alias"]["revision"] == 1
    shown = vrc("show", name).out
    assert "version       LATEST" in shown and "sha256" in shown


def test_not_found_exits_4_with_one_line(vrc, backend: Repository) -> None:
    name = released(backend, b"x")
    assert_one_line_error(vrc("versions", unique("missing")), 4, "has no versions")
    assert_one_line_error(vrc("show", name, "7"), 4)
    assert_one_line_error(vrc("show", name, "--alias", "nope"), 4, "'nope'")
    assert_one_line_error(vrc("history", name, "nope"), 4)
    assert_one_line_error(vrc("delete", name, "9"), 4, "does not exist")
    missing = vrc("rollback", name, "nope", "--json")
    assert missing.code == 4
    assert missing.json == {"error": {"exit_code": 4, "kind": "not_found", "message": missing.json["error"]["message"]}}


def test_check_reports_problems_with_exit_1(vrc, backend: Repository, endpoint: str) -> None:
    name = released(backend, b"fine")
    assert vrc("check", name, "--json").json == {"ok": True, "problems": []}
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint)
    s3.delete_object(Bucket=BUCKET, Key=f"versioned-artifacts/{name}/000001")
    result = vrc("check", name, "--json")
    assert result.code == 1
    assert [p["kind"] for p in result.json["problems"]] == ["missing_object"]
    assert "missing_object" in vrc("check", name).out


# --- content -------------------------------------------------------------------------------------


def test_upload_a_file_with_metadata_then_from_stdin(
    vrc, backend: Repository, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = unique()
    file = tmp_path / "model.json"
    file.write_bytes(b'{"w": 1}')
    result = vrc("upload", name, str(file), "--meta", "team=ml", "--meta", "run=7", "--json")
    assert result.code == 0, result.err
    assert result.json["result"]["changed"] is True
    stored = backend.get_artifact_version(name)
    assert stored.metadata == {"team": "ml", "run": "7"} and stored.content_type == "application/json"
    again = vrc("upload", name, str(file), "--meta", "team=ml", "--meta", "run=7", "--json")
    assert again.json["result"]["changed"] is False

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"from a pipe")))
    piped = vrc("upload", name, "-", "--content-type", "text/plain")
    assert piped.code == 0 and "uploaded LATEST" in piped.out
    assert backend.get_artifact_version(name).get_content() == b"from a pipe"
    assert_one_line_error(vrc("upload", name, str(file), "--meta", "novalue"), 2, "KEY=VALUE")
    assert_one_line_error(vrc("upload", name, str(tmp_path / "absent")), 2, "does not exist")


def test_names_versioned_created_stay_usable_and_new_names_follow_the_rules(
    vrc, endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """versioned 1.0.1 accepted `_build`; core can upload to and publish it, and so must `vrc`."""
    from boto_session_manager import BotoSesManager
    from versioned.s3_and_dynamodb_backend import Repository as VersionedRepository

    name = f"_build{uuid.uuid4().hex[:6]}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    versioned = VersionedRepository(aws_region="us-east-1", s3_bucket=BUCKET, dynamodb_table_name=TABLE)
    versioned.put_artifact(name=name, content=b"made by versioned", bsm=BotoSesManager(region_name="us-east-1"))
    file = tmp_path / "next.bin"
    file.write_bytes(b"made by vrc")
    uploaded = vrc("upload", name, str(file))
    assert uploaded.code == 0, uploaded.err
    published = vrc("publish", name, "--json")
    assert published.code == 0, published.err
    assert vrc("purge", name, "--keep", "1", "--older-than", "0").code == 0
    assert_one_line_error(vrc("upload", f"_fresh{uuid.uuid4().hex[:6]}", str(file)), 2, "_fresh")


def test_download_verifies_follows_umask_and_never_clobbers(vrc, backend: Repository, tmp_path: Path) -> None:
    name = released(backend, b"payload-1", b"payload-2", alias="live")
    old = os.umask(0o027)
    try:
        result = vrc("download", name, "1", "-o", str(tmp_path), "--json")
    finally:
        os.umask(old)
    assert result.code == 0, result.err
    path = Path(result.json["path"])
    assert path == tmp_path / f"{name}-1" and path.read_bytes() == b"payload-1"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert result.json["bytes"] == 9 and result.json["artifact"]["version"] == "1"
    assert result.err == ""  # no progress bar when stderr is not a terminal

    assert_one_line_error(vrc("download", name, "2", "-o", str(path)), 5, "--force")
    assert path.read_bytes() == b"payload-1"
    assert vrc("download", name, "--alias", "live", "-o", str(path), "--force").code == 0
    assert path.read_bytes() == b"payload-2"
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary file left


def test_download_of_corrupted_bytes_is_refused_and_writes_no_file(
    vrc, backend: Repository, endpoint: str, tmp_path: Path
) -> None:
    name = released(backend, b"genuine")
    artifact = backend.get_artifact_version(name, 1)
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint)
    s3.put_object(
        Bucket=BUCKET,
        Key=artifact.s3path.key,
        Body=b"tampered",
        Metadata={"artifact_name": name, "artifact_sha256": artifact.sha256},
    )
    target = tmp_path / "out.bin"
    assert_one_line_error(vrc("download", name, "1", "-o", str(target)), 5, "sha256")
    assert list(tmp_path.iterdir()) == []


def test_download_to_stdout(endpoint: str, backend: Repository, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    name = released(backend, b"\x00\x01binary\xff")
    code = main(["--bucket", BUCKET, "--table", TABLE, "--endpoint-url", endpoint, "download", name, "-o", "-"])
    assert code == 0
    assert capsysbinary.readouterr().out == b"\x00\x01binary\xff"


def test_progress_only_on_a_terminal_for_big_files() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert not show_progress(io.StringIO(), 50 * 1024 * 1024)
    assert not show_progress(Terminal(), 10)
    assert show_progress(Terminal(), 50 * 1024 * 1024)
    stream = Terminal()
    progress = Progress(stream, "model 3", 4 * 1024 * 1024)
    progress.advance(2 * 1024 * 1024)
    progress.finish()
    assert "50%" in stream.getvalue() and "2.0 MiB / 4.0 MiB" in stream.getvalue()


# --- release -------------------------------------------------------------------------------------


def test_publish_then_promote_and_a_stale_revision_conflicts(vrc, backend: Repository) -> None:
    name = unique()
    backend.put_artifact(name, b"first")
    published = vrc("publish", name, "--json")
    assert published.code == 0 and published.json["result"]["created"] is True
    assert published.json["result"]["artifact"]["version"] == "1"
    again = vrc("publish", name, "--json")
    assert again.json["plan"]["noop"] is True and again.json["written"] is False

    promoted = vrc("promote", name, "staging", "1", "--reason", "ship it", "--json")
    assert promoted.code == 0, promoted.err
    assert promoted.json["result"]["alias"]["revision"] == 1
    assert backend.list_alias_history(name, "staging")[0].reason == "ship it"

    backend.put_artifact(name, b"second")
    backend.publish_artifact_version(name)
    stale = vrc("promote", name, "staging", "2", "--expected-revision", "0", "--json")
    assert stale.code == 3
    assert stale.json["error"]["kind"] == "conflict"
    assert "nothing written" in stale.err
    assert backend.get_alias(name, "staging").version == "1"  # untouched

    human = vrc("promote", name, "staging", "2", "--expected-revision", "1")
    assert human.code == 0, human.err
    assert "staging: v1 100% → v2 100%" in human.out and "done: staging → v2 100% (revision 2)" in human.out


def test_conflict_between_the_checks_and_the_write_exits_3(vrc, backend: Repository, monkeypatch) -> None:
    """Someone moves the alias after the pre-flight passed: core's ConflictError, nothing overwritten."""
    from tui.cli import commands

    name = released(backend, b"a", b"b", alias="staging")

    def meanwhile(ctx: Any, plan: Any) -> None:
        backend.put_alias(name, "staging", 1, reason="someone else")

    monkeypatch.setattr(commands, "confirm_protected", meanwhile)
    result = vrc("promote", name, "staging", "LATEST")
    assert_one_line_error(result, 3, "staging")
    assert backend.get_alias(name, "staging").version == "1"


def test_promote_with_publish(vrc, backend: Repository) -> None:
    name = released(backend, b"v1", alias="qa")
    backend.put_artifact(name, b"v2 bytes")
    sha = backend.get_artifact_version(name).sha256
    result = vrc("promote", name, "qa", "--publish", "--expected-sha256", sha, "--json")
    assert result.code == 0, result.err
    assert result.json["result"]["published"]["version"] == "2"
    assert backend.get_alias(name, "qa").version == "2"
    moved = vrc("promote", name, "qa", "--publish", "--expected-sha256", "0" * 64)
    assert_one_line_error(moved, 3, "LATEST")


def test_protected_alias_needs_yes(vrc, backend: Repository) -> None:
    name = released(backend, b"a", b"b", alias="production")
    refused = vrc("promote", name, "production", "1", "--json")
    assert refused.code == 5 and refused.json["error"]["kind"] == "refused"
    assert "--yes" in refused.err
    assert backend.get_alias(name, "production").version == "2"
    assert vrc("promote", name, "production", "1", "--yes").code == 0
    assert backend.get_alias(name, "production").version == "1"
    unprotected = vrc("promote", name, "production", "2", options=("--protect", ""))
    assert unprotected.code == 0, unprotected.err


def test_protected_alias_accepts_its_typed_name_on_a_terminal(backend: Repository) -> None:
    from tui.cli.commands import Context, confirm_protected
    from tui.cli.exits import Refused
    from tui.cli.plan import WritePlan
    from tui.release import ReleaseSettings

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    plan = WritePlan(action="promote", name="x", alias="prod", change="", command="", protected=True)
    args = parse(["promote", "x", "prod", "1"])
    prompt = Terminal()
    confirm_protected(Context(backend, ReleaseSettings(), args, stdin=Terminal("prod\n"), stderr=prompt), plan)
    assert "type its name" in prompt.getvalue()
    with pytest.raises(Refused, match="typed 'pro'"):
        confirm_protected(Context(backend, ReleaseSettings(), args, stdin=Terminal("pro\n"), stderr=Terminal()), plan)


def test_read_only_refuses_every_write_with_5(vrc, backend: Repository, tmp_path: Path) -> None:
    name = released(backend, b"a", b"b", alias="staging")
    file = tmp_path / "f"
    file.write_bytes(b"new")
    for argv in (
        ("promote", name, "staging", "1"),
        ("rollback", name, "staging"),
        ("canary", name, "staging", "--to", "1", "--weight", "5"),
        ("delete", name, "1"),
        ("purge", name, "--keep", "0", "--older-than", "0"),
        ("publish", name),
        ("upload", name, str(file)),
    ):
        result = vrc(*argv, options=("--read-only",))
        assert_one_line_error(result, 5, "read-only")
    dry = vrc("promote", name, "staging", "1", "--dry-run", "--json", options=("--read-only",))
    assert dry.code == 5 and dry.json["checks"][0] == {
        "subject": "repository",
        "ok": False,
        "detail": "opened read-only: writes are refused",
        "exit_code": 5,
    }
    assert backend.get_alias(name, "staging").revision == 1
    assert vrc("versions", name, options=("--read-only",)).code == 0


def test_dry_run_prints_the_plan_and_writes_nothing(vrc, backend: Repository) -> None:
    name = released(backend, b"a", b"b", alias="staging")
    result = vrc("promote", name, "staging", "1", "--reason", "why not", "--dry-run", "--json")
    assert result.code == 0, result.err
    document = result.json
    assert document["dry_run"] is True and document["written"] is False and document["result"] is None
    plan = document["plan"]
    assert plan["before"] == {"version": "2", "secondary_version": None, "secondary_version_weight": None}
    assert plan["after"]["version"] == "1" and plan["expected_revision"] == 1 and plan["protected"] is False
    assert [c["subject"] for c in document["checks"]] == ["repository", "v1", "alias staging"]
    assert all(c["ok"] for c in document["checks"])
    assert backend.get_alias(name, "staging").version == "2"
    text = vrc("promote", name, "staging", "9", "--dry-run")
    assert text.code == 4 and "does not exist" in text.out + text.err
    stale = vrc("promote", name, "staging", "1", "--dry-run", "--expected-revision", "7")
    assert stale.code == 3 and "revision 1" in stale.out


def test_canary_apply_raise_promote_and_abort(vrc, backend: Repository) -> None:
    name = released(backend, b"a", b"b", b"c", alias="web")
    backend.put_alias(name, "web", 2)
    applied = vrc("canary", name, "web", "--to", "3", "--weight", "10", "--json")
    assert applied.code == 0, applied.err
    alias = applied.json["result"]["alias"]
    assert (alias["version"], alias["secondary_version"], alias["secondary_version_weight"]) == ("2", "3", 10)
    raised = vrc("canary", name, "web", "--to", "3", "--weight", "50")
    assert "done: web → v2 50% | v3 50%" in raised.out
    assert backend.list_alias_history(name, "web")[0].reason == "raise canary v3 from 10% to 50%"
    assert vrc("canary", name, "web", "--abort").code == 0
    assert backend.get_alias(name, "web").config.describe() == "v2"
    assert_one_line_error(vrc("canary", name, "web", "--promote"), 1, "runs no canary")
    vrc("canary", name, "web", "--to", "3", "--weight", "5")
    assert vrc("canary", name, "web", "--promote", "--reason", "looks good").code == 0
    assert backend.get_alias(name, "web").config.describe() == "v3"
    assert vrc("canary", name, "web", "--promote", "--to", "1").code == 0  # as the dialog: any version
    assert backend.get_alias(name, "web").config.describe() == "v1"
    assert_one_line_error(vrc("canary", name, "web", "--to", "2", "--weight", "100"), 2, "0..99")
    assert_one_line_error(vrc("canary", name, "web", "--abort", "--to", "2"), 2, "takes no --to")
    assert_one_line_error(vrc("canary", name, "web", "--to", "1"), 2, "--weight")


def test_rollback_default_and_to_revision(vrc, backend: Repository) -> None:
    name = released(backend, b"a", b"b", b"c", alias="api")
    backend.put_alias(name, "api", 2)
    backend.put_alias(name, "api", 1)
    stale = vrc("rollback", name, "api", "--expected-revision", "1", "--dry-run", "--json")
    assert stale.code == 3
    assert [c["ok"] for c in stale.json["checks"] if c["subject"] == "alias api"] == [False]
    result = vrc("rollback", name, "api", "--reason", "bad deploy", "--json")
    assert result.code == 0, result.err
    assert result.json["result"]["alias"]["version"] == "2"
    assert backend.list_alias_history(name, "api")[0].action == "rollback"
    assert vrc("rollback", name, "api", "--to-revision", "1").code == 0
    assert backend.get_alias(name, "api").version == "3"
    assert_one_line_error(vrc("rollback", name, "api", "--to-revision", "99"), 4, "no revision 99")


def test_delete_and_purge(vrc, backend: Repository) -> None:
    name = released(backend, b"1", b"2", b"3", b"4", alias="keep")
    backend.put_alias(name, "keep", 1)
    assert_one_line_error(vrc("delete", name, "1"), 5, "keep")
    deleted = vrc("delete", name, "4", "--json")
    assert deleted.code == 0 and deleted.json["result"] == {"deleted": ["4"]}
    plan = vrc("purge", name, "--keep", "1", "--older-than", "0", "--dry-run", "--json").json["plan"]
    assert plan["deletes"] == ["2"] and plan["kept_for_aliases"] == {"1": ["keep"]}
    purged = vrc("purge", name, "--keep", "1", "--older-than", "0", "--json")
    assert purged.code == 0, purged.err
    assert purged.json["result"] == {"deleted": ["2"], "kept_for_aliases": {"1": ["keep"]}}
    assert [a.version for a in backend.list_artifact_versions(name)] == ["LATEST", "3", "1"]


# --- safety and plumbing -------------------------------------------------------------------------


def test_control_characters_from_the_repository_never_reach_the_terminal(
    vrc, backend: Repository, endpoint: str
) -> None:
    """Stored by another client (core refuses such reasons): an OSC 52 clipboard write, a clear, a CSI."""
    from core.layout import alias_pk, history_pk, history_sk

    name = released(backend, b"x", alias="staging")
    evil = "\x1b]52;c;cHduZWQ=\x07\x1b[2J\x9b31m done"
    dynamodb = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=endpoint)
    for key, attribute in (
        ({"pk": {"S": history_pk(name)}, "sk": {"S": history_sk("staging", 1)}}, "reason"),
        ({"pk": {"S": alias_pk(name)}, "sk": {"S": "staging"}}, "updated_by"),
    ):
        dynamodb.update_item(
            TableName=TABLE,
            Key=key,
            UpdateExpression="SET #a = :v",
            ExpressionAttributeNames={"#a": attribute},
            ExpressionAttributeValues={":v": {"S": evil}},
        )
    for argv in (("history", name, "staging"), ("aliases", name), ("history", name, "staging", "--json")):
        result = vrc(*argv)
        assert result.code == 0
        assert not any(ch in result.out for ch in "\x1b\x07\x9b"), argv
    assert "\\x1b]52;c;cHduZWQ=\\x07" in vrc("history", name, "staging").out
    assert json.loads(vrc("history", name, "staging", "--json").out)["events"][0]["reason"] == evil
    assert "\\x1b[2J" in vrc("aliases", name).out
    conflict = vrc("promote", name, "staging", "LATEST", "--expected-revision", "7")  # names the last reason
    assert_one_line_error(conflict, 3, "reason: \\x1b]52")
    assert not any(ch in conflict.err + conflict.out for ch in "\x1b\x07\x9b")


def test_usage_and_config_errors_exit_2_in_one_line(vrc, tmp_path: Path) -> None:
    assert_one_line_error(vrc("promote", "x"), 2, "required")
    assert_one_line_error(vrc("canary", "x", "y", "--weight", "ten"), 2, "invalid int")
    assert_one_line_error(vrc("history", "x", "bad-alias"), 2, "bad-alias")
    capsys_free = main(["ls"])  # no repository configured
    assert capsys_free == 2
    config = tmp_path / "broken.toml"
    config.write_text("default = [")
    assert main(["--config", str(config), "ls"]) == 2


def test_an_unexpected_error_is_one_line_with_exit_1(vrc, backend: Repository, monkeypatch) -> None:
    from tui.cli import commands

    def boom(ctx: Any) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(commands.COMMANDS, "ls", boom)
    assert_one_line_error(vrc("ls"), 1, "internal error: RuntimeError: disk on fire")


def run_python(code: str, endpoint: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env, cwd=str(ROOT)
    )


def test_the_cli_never_imports_textual(endpoint: str, backend: Repository) -> None:
    name = released(backend, b"x", alias="staging")
    argv = ["--bucket", BUCKET, "--table", TABLE, "--endpoint-url", endpoint, "promote", name, "staging", "1"]
    code = (
        "import sys\nfrom tui.__main__ import main\n"
        f"code = main({argv!r} + ['--dry-run', '--json'])\n"
        "print('TEXTUAL' if any(m.split('.')[0] in ('textual', 'rich') for m in sys.modules) else 'CLEAN', code)"
    )
    result = run_python(code, endpoint)
    assert result.stdout.split()[-2:] == ["CLEAN", "0"], result.stderr


def test_python_dash_m_tui_runs_a_command(endpoint: str, backend: Repository) -> None:
    name = released(backend, b"x", b"y", alias="staging")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(PYTHONPATH=str(ROOT), AWS_ENDPOINT_URL=endpoint, XDG_CONFIG_HOME=str(ROOT / "no-such-config"))
    base = [sys.executable, "-m", "tui", "--bucket", BUCKET, "--table", TABLE]
    ok = subprocess.run([*base, "aliases", name, "--json"], capture_output=True, text=True, env=env, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["aliases"][0]["alias"] == "staging"
    conflict = subprocess.run(
        [*base, "promote", name, "staging", "1", "--expected-revision", "5"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert conflict.returncode == 3
    assert conflict.stderr.count("\n") == 1 and "Traceback" not in conflict.stderr


# --- the command behind every dialog --------------------------------------------------------------


def test_command_for_quotes_and_fills_the_revision() -> None:
    assert (
        command_for("promote", "model", alias="production", version="4", expected_revision=3, reason="it's fine")
        == "vrc promote model production 4 --expected-revision 3 --reason 'it'\"'\"'s fine'"
    )
    assert command_for("promote", "m", alias="qa", publish=True, expected_sha256="ab" * 32, expected_revision=0) == (
        f"vrc promote m qa --publish --expected-sha256 {'ab' * 32} --expected-revision 0"
    )
    assert command_for(
        "canary", "m", alias="web", version="5", weight=10, expected_revision=2, repo=("--repo", "s")
    ) == ("vrc --repo s canary m web --to 5 --weight 10 --expected-revision 2")
    assert command_for("canary", "m", alias="web", mode="abort", expected_revision=2) == (
        "vrc canary m web --abort --expected-revision 2"
    )
    assert command_for("canary", "m", alias="web", mode="promote", version="6", stable="4", expected_revision=2) == (
        "vrc canary m web --promote --to 6 --expected-revision 2"
    )
    assert command_for("rollback", "m", alias="web", to_revision=4, expected_revision=6) == (
        "vrc rollback m web --to-revision 4 --expected-revision 6"
    )
    assert (
        command_for("upload", "m", file="my file.bin", metadata={"k": "a b"})
        == "vrc upload m 'my file.bin' --meta 'k=a b'"
    )
    assert (
        command_for("download", "m", version="3", output="/tmp/x", force=True) == "vrc download m 3 -o /tmp/x --force"
    )
    assert command_for("delete", "m", version="2") == "vrc delete m 2"
    assert command_for("purge", "m", keep=3, older_than="0") == "vrc purge m --keep 3 --older-than 0"
    assert command_for("publish", "m", expected_sha256="cd" * 32) == f"vrc publish m --expected-sha256 {'cd' * 32}"
    assert (
        command_for_event("m", "web", 2, expected_revision=5)
        == "vrc rollback m web --to-revision 2 --expected-revision 5"
    )
    with pytest.raises(ValueError, match="needs alias"):
        command_for("rollback", "m")


def test_every_command_for_parses_as_the_cli_reads_it() -> None:
    evil = "x; rm -rf / $(whoami) `id`"
    command = command_for(
        "canary", "m", alias="web", version="5", weight=10, stable="4", expected_revision=2, reason=evil
    )
    args = parse(shlex.split(command)[1:])
    assert (args.command, args.name, args.alias, args.to, args.weight, args.stable) == (
        "canary",
        "m",
        "web",
        "5",
        10,
        "4",
    )
    assert args.expected_revision == 2 and args.reason == evil


def test_running_the_planned_command_reproduces_the_change(vrc, backend: Repository, endpoint: str) -> None:
    """The command a dry run prints (what a dialog would show) does exactly the planned change."""
    name = released(backend, b"a", b"b", alias="staging")
    plan = vrc("canary", name, "staging", "--to", "1", "--weight", "25", "--dry-run", "--json").json["plan"]
    words = shlex.split(plan["command"])
    assert words[0] == "vrc" and "--expected-revision" in words
    result = vrc(*words[words.index("canary") :])
    assert result.code == 0, result.err
    assert backend.get_alias(name, "staging").config.model_dump() == plan["after"]
    assert vrc(*words[words.index("canary") :]).code == 3  # the revision it was planned from has moved on


@pytest.fixture(autouse=True, scope="module")
def _quiet_moto() -> Iterator[None]:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    yield


def test_without_a_command_vrc_still_opens_the_console(monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.app import VrcApp

    opened: list[VrcApp] = []
    monkeypatch.setattr(VrcApp, "run", lambda self: opened.append(self))
    assert main(["--demo", "--protect", "live"]) == 0
    assert len(opened) == 1 and opened[0].release_settings.protected == ("live",)
    assert opened[0].connections[0].demo


def test_help_lists_every_command_and_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    from tui.cli import COMMANDS

    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    assert all(command in text for command in COMMANDS)
    assert "4 not found" in text and "5 refused" in text


# --- freeze --------------------------------------------------------------------------------------


def test_freeze_refuses_promote_until_overridden_or_unfrozen(vrc, backend: Repository) -> None:
    name = released(backend, b"a", b"b", b"c", alias="live")
    frozen = vrc("freeze", name, "live", "--for", "2h", "--reason", "incident 42", "--json")
    assert frozen.code == 0, frozen.err
    document = frozen.json
    assert document["action"] == "freeze" and document["written"] is True
    assert document["plan"]["alias"] == "live" and document["plan"]["reason"] == "incident 42"
    alias = document["result"]["alias"]
    assert alias["frozen_reason"] == "incident 42" and alias["frozen_by"] and alias["frozen_until"]
    assert backend.get_alias(name, "live").frozen
    assert backend.list_alias_history(name, "live")[0].action == "freeze"

    refused = vrc("promote", name, "live", "1")
    assert_one_line_error(refused, 5, "frozen", "incident 42", alias["frozen_by"], "until")
    assert backend.get_alias(name, "live").version == "3"
    as_json = vrc("promote", name, "live", "1", "--json")
    assert as_json.code == 5 and as_json.json["error"]["kind"] == "frozen"
    dry = vrc("promote", name, "live", "1", "--dry-run", "--json")
    assert dry.code == 5
    assert [c for c in dry.json["checks"] if c["subject"] == "freeze"][0]["ok"] is False
    canary = vrc("canary", name, "live", "--to", "1", "--weight", "5")
    assert_one_line_error(canary, 5, "frozen")

    overridden = vrc("promote", name, "live", "2", "--override-freeze", "hotfix for incident 42", "--json")
    assert overridden.code == 0, overridden.err
    assert overridden.json["plan"]["override_freeze_reason"] == "hotfix for incident 42"
    event = backend.list_alias_history(name, "live")[0]
    assert (event.after.version, event.override_freeze_reason) == ("2", "hotfix for incident 42")

    rolled = vrc("rollback", name, "live")  # a rollback is allowed while frozen
    assert rolled.code == 0, rolled.err
    assert backend.get_alias(name, "live").version == "3"

    unfrozen = vrc("unfreeze", name, "live", "--reason", "resolved", "--json")
    assert unfrozen.code == 0, unfrozen.err
    assert unfrozen.json["result"]["alias"]["frozen_until"] is None
    assert backend.list_alias_history(name, "live")[0].action == "unfreeze"
    again = vrc("unfreeze", name, "live", "--json")
    assert again.code == 0 and again.json["written"] is False and again.json["plan"]["noop"] is True
    assert vrc("promote", name, "live", "1").code == 0
    assert backend.get_alias(name, "live").version == "1"


def test_freeze_arguments_and_failures(vrc, backend: Repository) -> None:
    name = released(backend, b"a", alias="live")
    assert_one_line_error(vrc("freeze", name, "live", "--for", "2h"), 2, "--reason")
    assert_one_line_error(vrc("freeze", name, "live", "--reason", "x"), 2, "--for")
    assert_one_line_error(vrc("freeze", name, "live", "--for", "soon", "--reason", "x"), 2, "soon")
    assert_one_line_error(vrc("freeze", name, "live", "--until", "2001-01-01T00:00:00Z", "--reason", "x"), 2, "past")
    assert_one_line_error(vrc("freeze", name, "nope", "--for", "1h", "--reason", "x"), 4, "nope")
    stale = vrc("freeze", name, "live", "--for", "1h", "--reason", "x", "--expected-revision", "7")
    assert_one_line_error(stale, 3, "revision")
    dry = vrc("freeze", name, "live", "--until", "2999-01-01T00:00:00+00:00", "--reason", "x", "--dry-run", "--json")
    assert dry.code == 0 and dry.json["plan"]["frozen_until"].startswith("2999-01-01T00:00:00")
    assert "--expected-revision" in dry.json["plan"]["command"] and not backend.get_alias(name, "live").frozen
    ro = vrc("freeze", name, "live", "--for", "1h", "--reason", "x", options=("--read-only",))
    assert_one_line_error(ro, 5, "read-only")


def test_frozen_error_is_exit_5_frozen() -> None:
    from datetime import UTC, datetime

    from core.errors import FrozenError
    from tui.cli.exits import classify

    error = FrozenError("frozen", name="n", alias="a", frozen_by="ann", reason="r", until=datetime.now(UTC))
    assert classify(error) == (5, "frozen")
