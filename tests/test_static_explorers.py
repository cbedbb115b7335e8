"""The stored form of an explorer (scripts/static_explorers.py): readable before a kernel
runs, compared by strict nbval like the live output it stands for."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from _scripts import load_script
from nbval.plugin import IPyNbCell, nocolors

from perpmath.widgets.leverage import leverage_explorer

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "course"
STORED = sorted(COURSE.glob("[0-9][0-9]_*.ipynb")) + sorted(COURSE.glob("dashboard.ipynb"))


static = load_script("scripts/static_explorers.py", "static_explorers", register=True)
VIEW = static.WIDGET_VIEW


def _live_output() -> dict:
    """An explorer's output as the kernel sends it (execute_result of its mimebundle)."""
    bundle = leverage_explorer()._repr_mimebundle_()
    return {"output_type": "execute_result", "execution_count": 7, "data": bundle, "metadata": {}}


def _notebook(*outputs: dict) -> dict:
    cell = nbformat.v4.new_code_cell("leverage_explorer()", execution_count=7)
    cell["outputs"] = list(outputs)
    nb = nbformat.v4.new_notebook(cells=[cell])
    nb["metadata"]["widgets"] = {static.WIDGET_STATE: {"state": {"abc": {}}, "version_major": 2}}
    return json.loads(json.dumps(nb))


def _nbval_agrees(stored: list[dict], live: list[dict]) -> tuple[bool, list[str]]:
    """strict nbval's own comparison (``IPyNbCell.compare_outputs``) of stored and live."""
    cell = SimpleNamespace(
        parent=SimpleNamespace(skip_compare=_SKIP),
        colors=nocolors,
        sanitize=lambda text: text,
        comparison_traceback=[],
        format_output_compare=lambda key, left, right: None,
    )
    ref = [nbformat.from_dict(o) for o in stored]
    test = [nbformat.from_dict(o) for o in live]
    return IPyNbCell.compare_outputs(cell, test, ref), cell.comparison_traceback


# What nbval leaves out of the comparison without --nbdime (nbval/plugin.py, IPyNbFile).
_SKIP = (
    "metadata",
    "traceback",
    "prompt_number",
    "output_type",
    "name",
    "execution_count",
    VIEW,
    "image/png",
    "image/jpeg",
)


def test_a_live_explorer_is_stored_as_its_line_its_figure_and_a_hidden_view():
    live = _live_output()
    nb = static.stored_form(_notebook(copy.deepcopy(live)))
    line, figure, hidden = nb["cells"][0]["outputs"]
    assert line["data"] == {"text/plain": live["data"]["text/plain"]}
    assert "run this notebook to explore" in line["data"]["text/plain"]
    assert figure["data"] == {"image/png": live["data"]["image/png"]}
    assert base64.b64decode(figure["data"]["image/png"]).startswith(b"\x89PNG")
    assert line["metadata"] == figure["metadata"] == {"perpmath": "explorer before run"}
    # jupyterlab-manager's WidgetRenderer hides itself for an empty model_id, before it
    # looks for a model, so neither "model not found" nor a disconnected view is drawn.
    assert hidden["data"] == {VIEW: {**live["data"][VIEW], "model_id": ""}}
    assert hidden["output_type"] == "display_data"  # no execution prompt beside nothing
    assert "widgets" not in nb["metadata"], "saved widget state no stored view refers to"
    nbformat.validate(nbformat.from_dict(nb))


def test_the_stored_form_is_stable_and_leaves_other_outputs_alone():
    text = {"output_type": "stream", "name": "stdout", "text": "x\n"}
    figure = {"output_type": "display_data", "data": {"image/png": "iVBO"}, "metadata": {}}
    nb = static.stored_form(_notebook(text, _live_output(), figure))
    outputs = nb["cells"][0]["outputs"]
    assert outputs[0] == text and outputs[-1] == figure and len(outputs) == 5
    assert static.stored_form(copy.deepcopy(nb)) == nb


def test_strict_nbval_compares_the_stored_form_equal_to_a_live_run():
    live = _live_output()
    stored = static.stored_form(_notebook(copy.deepcopy(live)))["cells"][0]["outputs"]
    agrees, why = _nbval_agrees(stored, [live])
    assert agrees, why
    changed = copy.deepcopy(live)
    changed["data"]["text/plain"] = "Leverage: something else."
    assert not _nbval_agrees(stored, [changed])[0], "nbval must still see the line change"


def test_check_mode_names_a_notebook_stored_the_live_way(tmp_path: Path, capsys):
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(_notebook(_live_output())), encoding="utf-8")
    assert static.main(["--check", str(path)]) == 1
    assert "would store" in capsys.readouterr().out
    assert static.main([str(path)]) == 0
    assert static.main(["--check", str(path)]) == 0


@pytest.mark.parametrize("path", STORED, ids=lambda p: p.name)
def test_committed_notebooks_are_stored_in_the_before_run_form(path: Path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert static.stored_form(copy.deepcopy(nb)) == nb, (
        f"{path.name}: run `python3 run.py execute {path.relative_to(ROOT)}` "
        "(or scripts/static_explorers.py on it)"
    )
