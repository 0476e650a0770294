"""The console ships its stylesheets in the wheel and keeps boto3 out of the UI's imports."""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

from tui.app import STYLESHEETS, VrcApp, styles_dir

ROOT = Path(__file__).resolve().parents[2]


def test_stylesheets_resolve_in_the_checkout() -> None:
    assert styles_dir() == ROOT / "styles"
    assert all(Path(path).is_file() for path in VrcApp.CSS_PATH)


def test_tui_sources_never_import_boto3_or_moto() -> None:
    for path in (ROOT / "tui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                assert module.split(".")[0] not in {"boto3", "botocore", "moto"}, f"{path}: {module}"


def test_importing_the_app_loads_no_aws_library() -> None:
    """Everything the first frame needs imports without them; they load in the connecting worker."""
    code = (
        "import sys, tui.app, tui.__main__, tui.config\n"
        "loaded = sorted(m for m in ('boto3', 'botocore', 'moto') if m in sys.modules)\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60, check=True
    )
    assert result.stdout.strip() == ""


def test_wheel_carries_the_stylesheets_and_the_installed_app_finds_them(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "--wheel-dir",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        members = set(archive.namelist())
    assert {f"tui/styles/{name}" for name in STYLESHEETS} <= members
    assert "tui/app.py" in members and "core/repository.py" in members

    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)  # what a non-editable install puts in site-packages
    code = (
        "import tui.app as app; from pathlib import Path\n"
        "assert Path(app.__file__).is_relative_to(Path.cwd()), app.__file__\n"
        "assert app.styles_dir() == Path.cwd() / 'tui' / 'styles', app.styles_dir()\n"
        "assert all(Path(p).is_file() for p in app.VrcApp.CSS_PATH)\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, '.'); exec({code!r})"],
        capture_output=True,
        text=True,
        cwd=site,
        timeout=60,
    )
    assert result.stdout.strip() == "ok", result.stderr


def test_version_prints_the_package_version_and_exits_0(capsys) -> None:
    import importlib.metadata

    from tui.__main__ import main

    assert main(["--version"]) == 0
    out = capsys.readouterr().out
    assert out.strip() == f"vrc {importlib.metadata.version('versioned-release-console')}"


def _fake_python(tmp_path: Path, version: str, venv_fails: bool) -> Path:
    """A stand-in interpreter: reports `version` to -c probes; `-m venv DIR` leaves DIR half made and fails."""
    major, minor = (int(part) for part in version.split("."))
    ok = 0 if (major, minor) >= (3, 11) else 1
    script = tmp_path / "fake-python"
    script.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = "-c" ]; then echo {version}; exit {ok}; fi\n'
        f'if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then\n'
        f'  mkdir -p "$3/bin"; touch "$3/bin/python"; exit {int(venv_fails)}\n'
        "fi\n"
        "exit 1\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


def _make(tmp_path: Path, target: str, python: Path) -> subprocess.CompletedProcess[str]:
    checkout = Path(__file__).resolve().parents[2]
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    (project / "Makefile").write_text((checkout / "Makefile").read_text(encoding="utf-8"), encoding="utf-8")
    (project / "pyproject.toml").write_text("", encoding="utf-8")
    return subprocess.run(
        ["make", "-C", str(project), target, f"PYTHON={python}"], capture_output=True, text=True, timeout=60
    )


def test_make_with_an_old_python_says_so_and_creates_no_venv(tmp_path: Path) -> None:
    python = _fake_python(tmp_path, "3.10", venv_fails=False)
    for target in ("run", "test"):
        result = _make(tmp_path, target, python)
        assert result.returncode != 0
        assert "needs Python 3.11 or newer" in result.stderr and "3.10" in result.stderr
        assert not (tmp_path / "project" / ".venv").exists()


def test_make_removes_a_half_made_venv(tmp_path: Path) -> None:
    result = _make(tmp_path, "run", _fake_python(tmp_path, "3.12", venv_fails=True))
    assert result.returncode != 0
    assert not (tmp_path / "project" / ".venv").exists()
