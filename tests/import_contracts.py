"""Import contracts between the packages, checked statically (every import statement, at any depth).

Run as a script (`make lint`) or through pytest (tests/test_import_contracts.py is not needed:
tests/core/test_import_hygiene.py calls `violations()`).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (package folder, forbidden top-level modules, why)
CONTRACTS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("core", ("textual", "rich", "tui"), "core is UI-free and importable alone"),
    ("tui", ("boto3", "botocore", "s3transfer"), "the console reaches AWS only through core"),
    ("tui/release", ("textual", "rich"), "release rules are plain modules the dialogs render"),
    ("tui/cli", ("textual", "rich"), "vrc COMMAND runs without loading the console"),
)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, top-level module) for every absolute import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name.split(".")[0]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def violations(root: Path = ROOT) -> list[str]:
    """One line per forbidden import: 'path:line imports X (why)'."""
    problems: list[str] = []
    for folder, forbidden, why in CONTRACTS:
        for path in sorted((root / folder).rglob("*.py")):
            for line, module in imported_modules(path):
                if module in forbidden:
                    problems.append(f"{path.relative_to(root)}:{line} imports {module} ({why})")
    return problems


def main() -> int:
    problems = violations()
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"import contracts: {len(CONTRACTS)} checked, {len(problems)} broken")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
