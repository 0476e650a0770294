"""core is importable alone: no textual, no moto, and no boto3 until a repository is used."""

import subprocess
import sys


def loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(m.split('.')[0] for m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_core_imports_neither_textual_nor_moto():
    loaded = loaded_after("import core, core.models, core.layout, core.repository, core.demo")
    assert "textual" not in loaded and "rich" not in loaded
    assert "moto" not in loaded, "moto must be imported lazily, only when a demo starts"
    assert "boto3" not in loaded, "boto3 is imported when first needed, keeping startup fast"


def _contracts():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "import_contracts.py"
    spec = importlib.util.spec_from_file_location("import_contracts", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_import_contracts_hold_in_the_tree():
    assert _contracts().violations() == []


def test_import_contracts_catch_a_nested_forbidden_import(tmp_path):
    (tmp_path / "core").mkdir()
    (tmp_path / "tui" / "release").mkdir(parents=True)
    (tmp_path / "core" / "x.py").write_text("def f():\n    from textual.app import App\n")
    (tmp_path / "tui" / "y.py").write_text("import botocore.config\n")
    (tmp_path / "tui" / "release" / "z.py").write_text("import rich\nfrom . import y\n")
    found = _contracts().violations(tmp_path)
    assert found == [
        "core/x.py:2 imports textual (core is UI-free and importable alone)",
        "tui/y.py:1 imports botocore (the console reaches AWS only through core)",
        "tui/release/z.py:1 imports rich (release rules are plain modules the dialogs render)",
    ]


def test_leaf_modules_load_neither_pydantic_nor_boto3():
    # core/__init__ is lazy (PEP 562): a leaf module must not drag in the repository's dependencies.
    for leaf in ("core.layout", "core.errors"):
        loaded = loaded_after(f"import {leaf}")
        assert "pydantic" not in loaded, f"import {leaf} loaded pydantic"
        assert "boto3" not in loaded and "botocore" not in loaded, f"import {leaf} loaded boto3"


def test_the_repository_loads_pydantic_only_when_a_model_is_used():
    # Listing names needs no model: a console shows them before pydantic has loaded.
    loaded = loaded_after("import core.repository, core.models")
    assert "pydantic" not in loaded
    loaded = loaded_after("import core.models; core.models.Artifact")
    assert "pydantic" in loaded


def test_lazy_package_keeps_its_public_names():
    import core

    for name in core.__all__:
        assert getattr(core, name) is not None, name
    assert set(core.__all__) <= set(dir(core))
    from core.repository import DEFAULT_S3_PREFIX, MULTIPART_THRESHOLD, PurgeResult, Repository

    assert core.Repository is Repository and core.PurgeResult is PurgeResult
    assert DEFAULT_S3_PREFIX == "versioned-artifacts" and MULTIPART_THRESHOLD > 0
    try:
        core.no_such_name  # noqa: B018
    except AttributeError:
        pass
    else:
        raise AssertionError("core.no_such_name should raise AttributeError")
