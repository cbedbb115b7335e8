"""The exercise notebooks are generated from the solution notebooks, current, and runnable."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from _scripts import load_script

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "course"
EXERCISES = COURSE / "exercises"


make_exercises = load_script("scripts/make_exercises.py", "make_exercises", register=True)
SOLUTIONS = make_exercises.solution_notebooks(COURSE)


def _tagged(nb: dict, tag: str) -> list[dict]:
    return [c for c in nb["cells"] if tag in c.get("metadata", {}).get("tags", [])]


def test_blanking_keeps_comments_imports_and_the_check_call():
    source = (
        "# Bankruptcy price of the running example\n"
        "from perpmath import bankruptcy_price\n"
        "price = bankruptcy_price(96_000, 10, side='long')\n"
        "answer = round(price, 2)\n"
        'check("leverage-2", answer)\n'
    )
    assert make_exercises.blank_solution(source) == (
        "# Bankruptcy price of the running example\n"
        "from perpmath import bankruptcy_price\n"
        "answer = ...  # your turn\n"
        'check("leverage-2", answer)'
    )


def test_a_solution_cell_without_check_is_refused():
    with pytest.raises(ValueError, match="check"):
        make_exercises.blank_solution("answer = 1 + 1\n")


def test_generated_copies_are_current():
    """Run `python3 run.py exercises` after changing a course notebook."""
    expected = make_exercises.expected_copies(COURSE)
    stale = [
        p.name for p, text in expected.items() if not p.exists() or p.read_text("utf-8") != text
    ]
    assert not stale, f"stale exercise copies (run `python3 run.py exercises`): {stale}"
    present = (
        {p.name for p in EXERCISES.glob("[0-9][0-9]_*.ipynb")} if EXERCISES.exists() else set()
    )
    orphans = present - {p.name for p in expected}
    assert not orphans, f"exercise copies without a solution notebook: {sorted(orphans)}"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_copy_hides_every_solution(path: Path):
    solution = json.loads(path.read_text("utf-8"))
    copy = json.loads((EXERCISES / path.name).read_text("utf-8"))
    assert not _tagged(copy, "solution")
    cells = _tagged(copy, "exercise")
    assert len(cells) == len(_tagged(solution, "solution"))
    for cell in cells:
        assert make_exercises.PLACEHOLDER in "".join(cell["source"])
    for cell in copy["cells"]:
        assert cell["cell_type"] != "code" or not cell["outputs"], "outputs must be stripped"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_copy_runs_and_every_check_waits_for_an_answer(path: Path):
    import nbformat
    from nbclient import NotebookClient
    from sliced_poll import SlicedPollKernelManager

    nb = nbformat.read(EXERCISES / path.name, as_version=4)
    env_backend = os.environ.pop("MPLBACKEND", None)  # inline figures, as a learner sees them
    try:
        NotebookClient(
            nb,
            timeout=600,
            kernel_name="python3",
            kernel_manager_class=SlicedPollKernelManager,
            resources={"metadata": {"path": str(EXERCISES)}},
        ).execute()
    finally:
        if env_backend is not None:
            os.environ["MPLBACKEND"] = env_backend
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.outputs:
            assert out.output_type != "error", f"{path.name}: {out.ename}: {out.evalue}"
        if "exercise" in cell.metadata.get("tags", []):
            shown = "".join(
                out.get("data", {}).get("text/plain", "") + out.get("text", "")
                for out in cell.outputs
            )
            assert "not answered yet" in shown, f"{path.name}: exercise cell said {shown!r}"
