"""Building blocks shared by the explorers: controls over a figure that follows them.

An explorer is a :class:`Explorer`: a title, rows of controls, one figure
(a PNG in an ``ipywidgets.Image``), a line of text under it and an
``Output`` for anything else (tables). ``render(**values)`` builds what to
show from the controls' values; every change of a control calls it again.

How the figure keeps up with a drag:

- sliders send their value while they move (``continuous_update=True``); the
  widget front end keeps at most one update in flight per control and sends
  only the latest value when the kernel is free again, so a slow redraw drops
  intermediate positions instead of queueing them;
- the figure is sent as PNG bytes into an ``Image`` (one message), not
  re-displayed into an output area (clear, display, several messages); the
  PNG is drawn at ``EXPLORER_DPI`` and written unfiltered at zlib level 1
  (``perpmath.widgets._layers.png_of_canvas``);
- the figure on screen is redrawn in place (``perpmath.widgets._reuse``): the
  new figure's data, labels and limits are copied into the old one, whose
  ticks and layout already exist, whenever the two have the same structure;
- only what a control can change is drawn again (``perpmath.widgets._layers``):
  the frame, ticks and labels are kept as a cached static layer while the
  axes stay fixed;
- explorers fix their axes (``fixed_axes``), so a change moves the lines, not
  the scale.

``benchmarks/bench_explorers.py`` times every redraw in the kernel and
``benchmarks/explorer_latency.py`` the time from a key press to new pixels in
a real browser.

Before a kernel runs, an explorer's stored output still reads well: its
``text/plain`` is one line saying to run the notebook, and it carries the
first figure as ``image/png`` for viewers without widgets (GitHub, nbviewer).
``run.py execute`` stores that line and figure as outputs of their own beside
a widget view JupyterLab hides (``scripts/static_explorers.py``), so Lab
shows them, not frozen controls with a broken-link mark, until the cell runs.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import html
import time
from collections.abc import Callable, Iterable, Mapping
from io import BytesIO

import ipywidgets as w
from IPython.display import display
from matplotlib.figure import Figure

from perpmath.plots.style import prepare_figure
from perpmath.widgets._glyphs import GlyphCachingCanvas
from perpmath.widgets._layers import Layers, png_of_canvas
from perpmath.widgets._reuse import reuse

__all__ = [
    "EXPLORER_DPI",
    "Explorer",
    "controls_of",
    "explorer",
    "figure_png",
    "fixed_axes",
    "leverage_slider",
    "memo",
    "named",
    "side_toggle",
    "usdt_amount",
]

EXPLORER_DPI = 90
"""Resolution of explorer figures (pixels per inch): an 8 x 4.5 in figure is 720 x 405 px."""

MEMO_SIZE = 128
"""How many results an explorer's :func:`memo` keeps (0 keeps none: every change recomputes)."""

#: Called with the tuple of items each redraw shows (tests read explorers through it).
SHOWN_LISTENERS: list[Callable[[tuple], None]] = []

#: When a list, each redraw appends its (start, rendered, drawn, sent) times in
#: epoch milliseconds (``benchmarks/explorer_latency.py --split`` reads them).
REDRAW_TIMES: list[tuple[float, float, float, float]] | None = None

_FROZEN_NOTE = "run this notebook to explore (the controls need a running kernel)"


def figure_png(fig: Figure, dpi: float = EXPLORER_DPI) -> bytes:
    """The figure as PNG bytes, lightly compressed (fast to write, a little larger)."""
    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def memo(compute: Callable[..., object]) -> Callable[..., object]:
    """``compute`` remembering its last ``MEMO_SIZE`` results, by (hashable) arguments.

    Explorers whose redraw runs a simulation wrap it so that a control dragged
    back over positions it has passed shows them at once.
    """
    return functools.lru_cache(maxsize=MEMO_SIZE)(compute) if MEMO_SIZE else compute


def fixed_axes(fig: Figure, limits: Mapping[int, Mapping[str, tuple[float, float]]]) -> Figure:
    """Set axis limits on ``fig.axes[i]``: ``{0: {"x": (lo, hi), "y": (lo, hi)}}``; return fig.

    Explorers use it so that moving a control moves the lines, not the scale.
    """
    for index, axes_limits in limits.items():
        ax = fig.axes[index]
        if "x" in axes_limits:
            ax.set_xlim(*axes_limits["x"])
        if "y" in axes_limits:
            ax.set_ylim(*axes_limits["y"])
    return fig


def _prepare_next(fig: Figure) -> None:
    """Once the kernel is free, build a blank figure like ``fig`` for the next redraw."""
    shape = getattr(fig, "perpmath_shape", None)
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # no event loop (a script, a test): nothing waits for the kernel
        return
    if shape is not None:
        loop.call_soon(prepare_figure, shape)


class _FigureView:
    """The figure on screen: redrawn in place when a new one has the same structure.

    The first figure of a structure is laid out by its constrained layout
    engine once, at ``EXPLORER_DPI``; the engine is then switched off so later
    draws keep those positions (explorers fix their axes, so labels keep their
    size), and :class:`~perpmath.widgets._layers.Layers` redraws only what a
    control can change over the cached frame, ticks and labels.
    """

    def __init__(self) -> None:
        self.shown: Figure | None = None
        self.layers: Layers | None = None

    def png(self, fig: Figure) -> bytes:
        if self.layers is not None and reuse(self.shown, fig):
            self.layers.draw()
            return png_of_canvas(self.shown)
        GlyphCachingCanvas(fig)
        fig.set_dpi(EXPLORER_DPI)
        fig.canvas.draw()
        data = png_of_canvas(fig)
        fig.set_layout_engine(None)
        self.shown, self.layers = fig, Layers(fig)
        return data


def _text_html(lines: Iterable[str]) -> str:
    body = "<br>".join(html.escape(line).replace("\n", "<br>") for line in lines)
    return f'<div class="perpmath-explorer-text" style="line-height:1.4">{body}</div>'


class Explorer(w.VBox):
    """Controls over a figure (``image``), a text line (``text``) and an ``output`` for tables.

    ``render(**values)`` receives each named control's value (see :func:`named`)
    and returns what to show: a Figure, text, a DataFrame, or a tuple of these.
    A ``ValueError`` from the core (an impossible combination) is shown as a
    message instead of a traceback. ``status`` widgets (a progress bar) go
    between the controls and the figure.
    """

    def __init__(
        self,
        controls: list[w.Widget],
        render: Callable[..., object],
        *,
        title: str | None = None,
        status: Iterable[w.Widget] = (),
    ) -> None:
        self.controls = list(controls)
        self.render = render
        self.title = title or "Explorer"
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%", height="auto"))
        self.text = w.HTML()
        self.output = w.Output()
        self._view = _FigureView()
        self._first_png = b""
        children: list[w.Widget] = []
        if title:
            children.append(w.HTML(f"<b>{html.escape(title)}</b>"))
        children += [w.HBox(self.controls[i : i + 3]) for i in range(0, len(self.controls), 3)]
        children += [*status, self.image, self.text, self.output]
        super().__init__(children)
        self.add_class("perpmath-explorer")
        for control in self.controls:
            control.observe(self.redraw, names="value")
        self.redraw()

    def values(self) -> dict[str, object]:
        """The named controls' current values, as ``render`` receives them."""
        return {c.name: c.value for c in self.controls if hasattr(c, "name")}

    def redraw(self, _change: object = None) -> None:
        """Call ``render`` with the current values and show the result."""
        started = time.time()
        try:
            shown = self.render(**self.values())
        except ValueError as err:
            shown = f"Not possible with these settings: {err}"
        rendered = drawn = time.time()
        items = shown if isinstance(shown, tuple) else (shown,)
        for listener in SHOWN_LISTENERS:
            listener(items)
        figures = [i for i in items if isinstance(i, Figure)]
        others = [i for i in items if not isinstance(i, (Figure, str))]
        if figures:
            png = self._view.png(figures[0])
            drawn = time.time()
            self._first_png = self._first_png or png
            width = str(int.from_bytes(png[16:20], "big"))  # from the PNG header
            if self.image.width != width:  # a fixed width: a new PNG needs no new layout
                self.image.width = width
            self.image.value = png
            self.image.layout.display = None
        else:
            self.image.layout.display = "none"
        self.text.value = _text_html(i for i in items if isinstance(i, str))
        if others or figures[1:] or self.output.outputs:
            with self.output:
                self.output.clear_output(wait=True)
                for item in [*figures[1:], *others]:
                    display(item)
        if figures:
            _prepare_next(figures[0])
        if REDRAW_TIMES is not None:
            REDRAW_TIMES.append((started * 1e3, rendered * 1e3, drawn * 1e3, time.time() * 1e3))

    def _repr_mimebundle_(self, **kwargs) -> dict:
        """The widget view, plus a one-line text and the first figure for static viewers."""
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = f"{self.title} \N{EM DASH} {_FROZEN_NOTE}."
        if self._first_png:
            bundle["image/png"] = base64.b64encode(self._first_png).decode("ascii")
        return bundle


def explorer(
    controls: list[w.Widget],
    render: Callable[..., object],
    *,
    title: str | None = None,
    status: Iterable[w.Widget] = (),
) -> Explorer:
    """Wire ``controls`` to ``render`` and return the :class:`Explorer` (drawn once already)."""
    return Explorer(controls, render, title=title, status=status)


def named(widget: w.Widget, name: str) -> w.Widget:
    """Attach the keyword name under which ``render`` receives this control's value."""
    widget.name = name
    return widget


def side_toggle(value: str = "long") -> w.ToggleButtons:
    """Long/short buttons; ``render`` receives the choice as ``side``."""
    return named(
        w.ToggleButtons(options=["long", "short"], value=value, description="side"), "side"
    )


def leverage_slider(
    value: int, *, low: int = 1, high: int = 125, name: str = "leverage"
) -> w.IntSlider:
    """Integer leverage slider; the figure follows it while it is dragged."""
    slider = w.IntSlider(
        value=value,
        min=low,
        max=high,
        step=1,
        description="leverage (x)",
        continuous_update=True,
    )
    return named(slider, name)


def usdt_amount(
    value: float,
    name: str,
    *,
    label: str | None = None,
    low: float = 10.0,
    high: float = 10_000_000.0,
    step: float = 100.0,
) -> w.BoundedFloatText:
    """A box for an amount in USDT (margin, capital, wallet), bounded to [low, high]."""
    box = w.BoundedFloatText(
        value=value, min=low, max=high, step=step, description=f"{label or name} USDT"
    )
    return named(box, name)


def controls_of(box: w.Widget) -> dict[str, w.Widget]:
    """Every named control inside an explorer, by the name ``render`` receives it under."""
    found: dict[str, w.Widget] = {}

    def walk(widget: w.Widget) -> None:
        if hasattr(widget, "name") and hasattr(widget, "value"):
            found[widget.name] = widget
        for child in getattr(widget, "children", ()):
            walk(child)

    walk(box)
    return found
