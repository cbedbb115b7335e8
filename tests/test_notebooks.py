"""Notebook hygiene: what strict nbval needs, and what every section must contain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

COURSE = Path(__file__).resolve().parents[1] / "course"
NOTEBOOKS = sorted(COURSE.glob("[0-9][0-9]_*.ipynb"))
IGNORE = "# NBVAL_IGNORE_OUTPUT"


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _code(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def _src(cell: dict) -> str:
    return "".join(cell["source"])


def _tags(cell: dict) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def test_course_has_notebooks():
    assert NOTEBOOKS, "course/ has no numbered notebooks"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_executed_in_order_without_errors(path: Path):
    nb = _load(path)
    counts = [c.get("execution_count") for c in _code(nb)]
    assert all(isinstance(n, int) for n in counts), f"{path.name}: unexecuted code cells"
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: not run top to bottom"
    for cell in _code(nb):
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{path.name}: stored error {out.get('ename')}"
            assert out.get("name") != "stderr", f"{path.name}: stderr output {out.get('text')}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_only_widget_cells_skip_output_comparison(path: Path):
    for cell in _code(_load(path)):
        src = _src(cell)
        shows_widget = "_explorer(" in src
        ignored = src.lstrip().startswith(IGNORE) or "nbval-ignore-output" in _tags(cell)
        assert shows_widget == ignored, (
            f"{path.name}: a cell that shows an explorer must start with {IGNORE}, "
            f"and no other cell may:\n{src[:200]}"
        )


@pytest.mark.parametrize(
    "path", [p for p in NOTEBOOKS if not p.name.startswith("00")], ids=lambda p: p.name
)
def test_section_structure(path: Path):
    nb = _load(path)
    cells = nb["cells"]
    header = _src(cells[0])
    assert cells[0]["cell_type"] == "markdown" and "header" in _tags(cells[0])
    for word in ("Questions", "Objectives", "Time"):
        assert word in header, f"{path.name}: header lacks {word}"
    last = cells[-1]
    assert "keypoints" in _tags(last) and "## Key points" in _src(last)
    code = _code(nb)
    outputs = [o for c in code for o in c.get("outputs", [])]
    assert any("image/png" in o.get("data", {}) for o in outputs), f"{path.name}: no figure"
    assert any("_explorer(" in _src(c) for c in code), f"{path.name}: no explorer"
    solutions = [c for c in code if "solution" in _tags(c)]
    assert solutions, f"{path.name}: no exercise"
    for cell in solutions:
        assert "check(" in _src(cell), f"{path.name}: a solution cell does not call check()"
        text = "".join(
            "".join(o.get("data", {}).get("text/plain", "")) for o in cell.get("outputs", [])
        )
        assert "correct." in text, f"{path.name}: a stored solution is not checked correct"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_explorer_follows_a_static_figure(path: Path):
    seen_figure = False
    for cell in _code(_load(path)):
        if "_explorer(" in _src(cell):
            assert seen_figure, f"{path.name}: explorer before any static figure"
        if any("image/png" in o.get("data", {}) for o in cell.get("outputs", [])):
            seen_figure = True
