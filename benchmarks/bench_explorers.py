"""How long each explorer takes to redraw after a control moves, and where the time goes.

Every explorer in ``perpmath.widgets`` is built once, then timed REPEATS
times two ways: ``render`` alone (perpmath computing and matplotlib building
the figure) and a whole ``redraw`` (render, PNG into the Image widget, text),
which is what the kernel does for each slider position. The ratio shows how
much of an update is drawing pixels rather than computing.

Run: .venv/bin/python benchmarks/bench_explorers.py [REPEATS]
Before the explorers followed a drag (figures re-displayed into an output
area, PNG at 100 dpi, layout solved on each draw): 9-54 ms to compute,
111-231 ms with the PNG. Redrawn in place into an Image widget (2026-12, same
machine, busy): 40-85 ms per redraw, 6-33 ms of it ``render``. The end-to-end
time in a browser is measured by ``benchmarks/explorer_latency.py``.
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

import perpmath.widgets as widgets


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


def median_ms(action, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e3


def main(repeats: int = 5) -> None:
    rows = []
    for name, make in explorers().items():
        box = make()
        values = box.values()
        compute = median_ms(lambda box=box, values=values: box.render(**values), repeats)
        total = median_ms(box.redraw, repeats)
        rows.append((total, compute, name))
    print(f"{'explorer':45} {'render':>9} {'redraw':>9} {'ratio':>6}")
    for total, compute, name in sorted(rows, reverse=True):
        print(f"{name:45} {compute:6.0f} ms {total:6.0f} ms {total / compute:6.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
