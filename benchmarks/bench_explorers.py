"""How long each explorer takes to redraw after a slider moves, and where the time goes.

Every explorer in ``perpmath.widgets`` is built once; its first slider is then
moved REPEATS times between two neighbouring positions inside an asyncio
event loop (as in a kernel, so the explorer prepares its next blank figure
while it waits), with a pause between moves. Each redraw is split, from
``perpmath.widgets._common.REDRAW_TIMES``, into ``render`` (perpmath
computing and the course's plot function building a figure), ``draw+png``
(copying it into the figure on screen, drawing what changed over the cached
frame, writing the PNG) and ``send`` (handing the PNG and text to the
widgets). Medians in milliseconds. ``--fresh`` turns off the explorers'
memory of settings already computed (``memo``), so every move of 05, 06 and
09 runs its computation again.

Run: .venv/bin/python benchmarks/bench_explorers.py [REPEATS] [--fresh]
History on this machine (2 cores, shared, busy): re-displayed into an output
area at 100 dpi, 111-231 ms per redraw; redrawn in place into an Image
widget, 40-85 ms; with the static layer, cached glyphs, unfiltered PNG and a
spare figure (2027-01, load average about 2.5): see the README's numbers.
The end-to-end time in a browser is measured by
``benchmarks/explorer_latency.py``.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import math
import pkgutil
import statistics
import sys

import matplotlib

matplotlib.use("Agg")

import ipywidgets as w

import perpmath.widgets as widgets
import perpmath.widgets._common as common
from perpmath.widgets._common import controls_of


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


def _slider(box) -> object:
    sliders = (w.IntSlider, w.FloatSlider, w.FloatLogSlider)
    return next(c for c in controls_of(box).values() if isinstance(c, sliders))


def _neighbour(slider) -> float:
    """The slider's next position up (or down, at the top of its range)."""
    if isinstance(slider, w.FloatLogSlider):
        exponent = math.log10(slider.value)
        up = exponent + slider.step <= slider.max
        return 10 ** (exponent + (slider.step if up else -slider.step))
    up = slider.value + slider.step <= slider.max
    return slider.value + (slider.step if up else -slider.step)


async def _moves(box, repeats: int) -> list[tuple[float, float, float, float]]:
    slider = _slider(box)
    first, second = slider.value, _neighbour(slider)
    common.REDRAW_TIMES = []
    for move in range(repeats):
        slider.value = second if move % 2 == 0 else first
        await asyncio.sleep(0.05)  # the kernel is idle between two moves
    times, common.REDRAW_TIMES = common.REDRAW_TIMES, None
    return times


def main(repeats: int = 9, fresh: bool = False) -> None:
    if fresh:
        common.MEMO_SIZE = 0
    rows = []
    for name, make in explorers().items():
        times = asyncio.run(_moves(make(), repeats))
        parts = [statistics.median(t[i + 1] - t[i] for t in times) for i in range(3)]
        total = statistics.median(t[3] - t[0] for t in times)
        rows.append((total, parts, name))
    print(f"{'explorer':45} {'render':>9} {'draw+png':>9} {'send':>9} {'redraw':>9}")
    for total, parts, name in sorted(rows, reverse=True):
        cells = " ".join(f"{p:6.1f} ms" for p in parts)
        print(f"{name:45} {cells} {total:6.1f} ms")


if __name__ == "__main__":
    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    main(int(numbers[0]) if numbers else 9, fresh="--fresh" in sys.argv)
