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
