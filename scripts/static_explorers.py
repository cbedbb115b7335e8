"""Store each explorer's output in the form that reads well before a kernel runs.

    .venv/bin/python scripts/static_explorers.py NOTEBOOK ...   # rewrites them in place
    .venv/bin/python scripts/static_explorers.py --check NOTEBOOK ...  # exit 1 if one is not

``python3 run.py execute`` calls it on every notebook it executes. A live
explorer comes out of the kernel as one output: the widget view, its first
figure as PNG and a line of text (``perpmath.widgets._common``). Stored like
that, JupyterLab (with ipywidgets' ``jupyterlab-manager``) picks the widget
view, rebuilds every model from the widget state saved in the notebook, and
draws each control with the red broken-link mark of a widget whose kernel is
not connected (``.jupyter-widgets-disconnected``): frozen controls that look
broken. Without the saved state it says "Error displaying widget: model not
found" instead.

So the stored form splits that output in three, in this order:

1. the line, ``text/plain`` only ("... — run this notebook to explore ...");
2. the first figure, ``image/png`` only;
3. the widget view with an empty ``model_id``, which ``jupyterlab-manager``'s
   renderer hides without looking for a model, so nothing broken is drawn.

Both static outputs carry ``{"perpmath": "explorer before run"}`` in their
metadata. The widget state saved in the notebook's metadata is dropped: no
stored view refers to it any more. When a learner runs the cell, its outputs are
replaced by the live explorer, so the stale figure does not stay beside it.
Strict nbval still compares the cell: it ignores output types, metadata, PNG
and widget-view data and compares the remaining values per MIME type, and the
line is the one ``text/plain`` in both forms. Uses only the standard library.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
MARK = {"perpmath": "explorer before run"}


def is_live_view(output: dict) -> bool:
    """Whether ``output`` shows a widget by a model id (one that needs a kernel or saved state)."""
    view = output.get("data", {}).get(WIDGET_VIEW)
    return isinstance(view, dict) and bool(view.get("model_id"))


def before_run(output: dict) -> list[dict]:
    """The stored outputs that stand for one live widget ``output`` (see the module docstring)."""
    data = output["data"]
    static = []
    if "text/plain" in data:
        static.append({"data": {"text/plain": data["text/plain"]}})
    if "image/png" in data:
        static.append({"data": {"image/png": data["image/png"]}})
    view = {**data[WIDGET_VIEW], "model_id": ""}
    hidden = {"output_type": "display_data", "data": {WIDGET_VIEW: view}, "metadata": {}}
    return [{"output_type": "display_data", **item, "metadata": dict(MARK)} for item in static] + [
        hidden
    ]


def stored_form(nb: dict) -> dict:
    """``nb`` with every live widget output split (idempotent); the notebook is changed in place."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        outputs = []
        for output in cell.get("outputs", []):
            outputs += before_run(output) if is_live_view(output) else [output]
        cell["outputs"] = outputs
    widgets = nb.get("metadata", {}).get("widgets", {})
    widgets.pop(WIDGET_STATE, None)
    if "widgets" in nb.get("metadata", {}) and not widgets:
        del nb["metadata"]["widgets"]
    return nb


def _text(nb: dict) -> str:
    """Serialized as nbformat writes notebooks (one-space indent, a final newline)."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    stale = []
    for path in args.notebooks:
        before = path.read_text(encoding="utf-8")
        after = _text(stored_form(json.loads(before)))
        if after != before:
            stale.append(path)
            if not args.check:
                path.write_text(after, encoding="utf-8")
    for path in stale:
        verb = "would store" if args.check else "stored"
        print(f"{path}: {verb} its explorers in their before-run form")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
