"""No function in perpmath/, scripts/ or run.py is over 120 lines.

The house rule (CONTRIBUTING.md): no function over about 80 lines without a
reason, none over 120. A function is counted from its ``def`` line to its
last line, docstring and comments included; nested functions count within
their parent too.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 120


def _sources() -> list[Path]:
    files = sorted((ROOT / "perpmath").rglob("*.py")) + sorted((ROOT / "scripts").rglob("*.py"))
    return [*files, ROOT / "run.py"]


def _lengths(path: Path) -> list[tuple[str, int, int]]:
    """(name, first line, length in lines) of every function in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        (node.name, node.lineno, node.end_lineno - node.lineno + 1)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


def test_the_walk_reads_the_package_the_scripts_and_run_py():
    names = {p.relative_to(ROOT).as_posix() for p in _sources()}
    assert {"run.py", "perpmath/stepwise.py", "perpmath/_validate.py"} <= names
    assert any(n.startswith("scripts/") for n in names)


def test_no_function_is_over_120_lines():
    long = [
        f"{path.relative_to(ROOT).as_posix()}:{line} {name} ({n} lines)"
        for path in _sources()
        for name, line, n in _lengths(path)
        if n > LIMIT
    ]
    assert not long, f"split these into named steps (at most {LIMIT} lines): {long}"


def test_the_count_includes_the_docstring(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(LIMIT - 2))
    src = tmp_path / "f.py"
    src.write_text(f'def f():\n    """Doc."""\n{body}\n', encoding="utf-8")
    assert _lengths(src) == [("f", 1, LIMIT)]
