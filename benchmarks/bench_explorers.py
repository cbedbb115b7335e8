"""How long each explorer takes to redraw after a control moves, and where the time goes.

Every explorer in ``perpmath.widgets`` is built once, then redrawn REPEATS
times. Each redraw is timed twice: as the computation and figure building
alone (what ``render`` does), and with the PNG encoding a notebook front end
asks the kernel for (IPython's display formatter, as in a live kernel). The
ratio between the two shows how much of an update is matplotlib drawing
pixels rather than perpmath computing.

Run: .venv/bin/python benchmarks/bench_explorers.py [REPEATS]
Seen here on a quiet 2-core machine: 9-54 ms to compute, 111-231 ms with the
PNG (3.6-14x the computation). Sliders therefore redraw on release.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import statistics
import sys
import time

import matplotlib

matplotlib.use("Agg")

from IPython.core.interactiveshell import InteractiveShell

import perpmath.widgets as widgets
from perpmath.widgets import _common


def explorers() -> dict[str, object]:
    """Every ``*_explorer`` builder in perpmath.widgets, by 'module.name'."""
    found = {}
    for info in pkgutil.iter_modules(widgets.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"perpmath.widgets.{info.name}")
        for name, make in inspect.getmembers(module, inspect.isfunction):
            if name.endswith("_explorer") and make.__module__ == module.__name__:
                found[f"{info.name}.{name}"] = make
    return found


def median_redraw(box, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        box.redraw()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(repeats: int = 5) -> None:
    formatter = InteractiveShell.instance().display_formatter
    quiet = {"print": lambda *args, **kwargs: None}
    rows = []
    for name, make in explorers().items():
        _common.display = lambda item: None  # computation and figure only
        _common.print = quiet["print"]
        box = make()
        compute = median_redraw(box, repeats)
        _common.display = formatter.format  # plus the PNG a front end receives
        total = median_redraw(box, repeats)
        rows.append((total, compute, name))
    del _common.print
    print(f"{'explorer':45} {'compute':>9} {'with PNG':>9} {'ratio':>6}")
    for total, compute, name in sorted(rows, reverse=True):
        print(f"{name:45} {compute * 1e3:7.0f} ms {total * 1e3:7.0f} ms {total / compute:6.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
