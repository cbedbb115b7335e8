"""Generate the exercise notebooks from the solution notebooks, so they never drift.

    python3 run.py exercises                   # writes course/exercises/NN_*.ipynb
    .venv/bin/python scripts/make_exercises.py --check   # exit 1 if a copy is stale

Each numbered notebook in ``course/`` becomes ``course/exercises/<same name>``:
the same cells, outputs stripped, except that every code cell tagged
``solution`` keeps only its imports, its leading comments and its closing
``check(...)`` call, and its computation becomes ``answer = ...  # your turn``.
Run unchanged, every check then says the exercise is not answered yet. The
copies are tagged ``exercise`` instead of ``solution``. Uses only the standard
library (notebooks are JSON), so it runs with any Python 3.11.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "course"
PLACEHOLDER = "answer = ...  # your turn"
NOTE = (
    "**Exercise copy.** This notebook is generated from `{source}` by "
    "`scripts/make_exercises.py`: the explanations and examples are the same, and each "
    "exercise cell waits for your answer. Replace `...` with your answer (a number, or a "
    'letter in quotes such as `"b"`) and run the cell; `check` says how close you are. '
    'Stuck? `hint("key")` gives the next hint, one step at a time, and '
    '`solution("key")` shows the worked solution. A *Predict* cell records your guess '
    "without grading it: commit to one before you run the cell after it. Edit `{source}` "
    "(not this copy) to change the course."
)


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _lines(text: str) -> list[str]:
    """Split into lines the way nbformat stores sources (each keeps its newline)."""
    return text.splitlines(keepends=True)


def blank_solution(source: str) -> str:
    """The exercise version of a solution cell's code (see the module docstring)."""
    lines = source.rstrip("\n").split("\n")
    check_at = next(
        (i for i in range(len(lines) - 1, -1, -1) if re.match(r"\s*check\(", lines[i])), None
    )
    if check_at is None:
        raise ValueError(f"a solution cell must end with check(...):\n{source}")
    start = 0
    while start < check_at and lines[start].lstrip().startswith("#"):
        start += 1  # the leading comment block (what to compute) stays
    imports = [
        line
        for line in lines[start:check_at]
        if line.startswith(("import ", "from ")) and not line.rstrip().endswith(("(", "\\"))
    ]
    blanked = "\n".join([*lines[:start], *imports, PLACEHOLDER, *lines[check_at:]])
    compile(blanked, "<exercise>", "exec")  # a SyntaxError here means an unusual cell
    return blanked


def exercise_notebook(nb: dict, source_name: str) -> dict:
    """Return the exercise copy of notebook ``nb`` (a dict as read from JSON)."""
    out = copy.deepcopy(nb)
    out["metadata"].pop("widgets", None)
    cells = []
    for cell in out["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
            tags = cell.get("metadata", {}).get("tags", [])
            if "solution" in tags:
                cell["source"] = _lines(blank_solution(_source(cell)))
                cell["metadata"]["tags"] = ["exercise" if t == "solution" else t for t in tags]
        cell.get("metadata", {}).pop("execution", None)
        cells.append(cell)
    note = {
        "cell_type": "markdown",
        "id": "exercise-copy-note",
        "metadata": {"tags": ["exercise-note"]},
        "source": _lines(NOTE.format(source=f"../{source_name}")),
    }
    at = 1 if cells and cells[0]["cell_type"] == "markdown" else 0
    cells.insert(at, note)
    out["cells"] = cells
    return out


def solution_notebooks(course: Path = COURSE) -> list[Path]:
    """Numbered course notebooks that have at least one cell tagged ``solution``."""
    found = []
    for path in sorted(course.glob("[0-9][0-9]_*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        if any("solution" in c.get("metadata", {}).get("tags", []) for c in nb["cells"]):
            found.append(path)
    return found


def render(nb: dict) -> str:
    """Serialize like nbformat does (indent 1, sorted keys, final newline)."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def expected_copies(course: Path = COURSE) -> dict[Path, str]:
    """Map each exercise notebook path to the text it must have."""
    target = course / "exercises"
    return {
        target / path.name: render(
            exercise_notebook(json.loads(path.read_text(encoding="utf-8")), path.name)
        )
        for path in solution_notebooks(course)
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale copies")
    parser.add_argument("--course", type=Path, default=COURSE, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    expected = expected_copies(args.course)
    target = args.course / "exercises"
    stale = [p for p, text in expected.items() if not p.exists() or p.read_text("utf-8") != text]
    extra = (
        [p for p in sorted(target.glob("[0-9][0-9]_*.ipynb")) if p not in expected]
        if target.exists()
        else []
    )
    if args.check:
        for path in stale + extra:
            print(f"stale: {path.relative_to(args.course)}")
        return 1 if stale or extra else 0
    target.mkdir(exist_ok=True)
    for path in stale:
        path.write_text(expected[path], encoding="utf-8")
        print(f"wrote {path.relative_to(args.course)}")
    for path in extra:
        path.unlink()
        print(f"removed {path.relative_to(args.course)} (no solution notebook)")
    print(
        f"{len(expected)} exercise notebook(s) current in {target.relative_to(args.course.parent)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
