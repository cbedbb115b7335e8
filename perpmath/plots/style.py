"""Shared look of every perpmath figure.

Palette: Okabe & Ito, "Color Universal Design" (2008), safe for the common
forms of color blindness. Price levels are always drawn the same way:

=============  ==================  ==========
level          color               line
=============  ==================  ==========
entry          blue                solid
liquidation    orange              dashed
bankruptcy     vermillion          dotted
mark / other   grey                dash-dot
=============  ==================  ==========

A series that stands for one leverage takes the same color in every figure
and explorer (``leverage_style``): the running example's 10x is orange
everywhere. A trader of sections 00 and 01 (``trader_style``) keeps its
style in the figures and the explorer: a long the color of its leverage,
solid; a short vermillion and dashed, whatever its leverage, so a long and a
short of the same leverage (and their liquidation levels) never look alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from matplotlib import font_manager, rcParams
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

PALETTE = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#7F7F7F",
}

#: Order in which series take colors.
CYCLE = [PALETTE[k] for k in ("blue", "orange", "green", "vermillion", "purple", "sky", "black")]

LEVEL_STYLES = {
    "entry": {"color": PALETTE["blue"], "linestyle": "-", "linewidth": 1.4, "label": "entry"},
    "liquidation": {
        "color": PALETTE["orange"],
        "linestyle": "--",
        "linewidth": 1.6,
        "label": "liquidation",
    },
    "bankruptcy": {
        "color": PALETTE["vermillion"],
        "linestyle": ":",
        "linewidth": 1.8,
        "label": "bankruptcy",
    },
    "stop": {"color": PALETTE["purple"], "linestyle": "-.", "linewidth": 1.4, "label": "stop"},
    "other": {"color": PALETTE["grey"], "linestyle": "-.", "linewidth": 1.2, "label": None},
}


#: Color of each leverage the course draws (10x, the running example, is orange).
LEVERAGE_COLOURS = {
    1: PALETTE["sky"],
    2: PALETTE["blue"],
    5: PALETTE["green"],
    10: PALETTE["orange"],
    20: PALETTE["purple"],
    25: PALETTE["purple"],
    50: PALETTE["black"],
    100: PALETTE["vermillion"],
}


def leverage_style(leverage: float) -> dict[str, object]:
    """Color and line style of the series for one leverage, the same in every figure.

    A leverage of ``LEVERAGE_COLOURS`` is solid in its color; one in between
    (an explorer's slider at 7x) takes the color of the listed leverage below
    it, dashed, so it never looks like a listed one.
    """
    lev = float(leverage)
    if not lev > 0:
        raise ValueError(f"leverage must be greater than 0, got {leverage!r}")
    listed = sorted(LEVERAGE_COLOURS)
    below = max([k for k in listed if k <= lev], default=listed[0])
    return {"color": LEVERAGE_COLOURS[below], "linestyle": "-" if lev == below else "--"}


def trader_style(name: str) -> dict[str, object]:
    """Color and line style of a trader named like ``"long 10x"`` (``spot_vs_perpetual``'s columns).

    A long takes its leverage's style (``leverage_style``); a short is
    vermillion and dashed at any leverage, so that it differs from the long
    of the same leverage in the same figure.
    """
    parts = str(name).split()
    if len(parts) != 2 or parts[0] not in ("long", "short") or not parts[1].endswith("x"):
        raise ValueError(f"name must read like 'long 10x' or 'short 5x', got {name!r}")
    style = leverage_style(float(parts[1][:-1]))
    if parts[0] == "short":
        return {"color": PALETTE["vermillion"], "linestyle": "--"}
    return style


CJK_FONT = Path(__file__).with_name("fonts") / "NotoSansCJKsc-course.otf"
"""Noto Sans CJK SC cut to the course's Chinese terms (``scripts/make_cjk_font.py``, OFL 1.1)."""
CJK_FAMILY = "Noto Sans CJK SC"


def _use_cjk_fallback() -> None:
    """Draw the course's Chinese terms (穿仓, 爆仓, ...) without boxes, on any machine.

    Registers the shipped subset font and appends its family to
    ``font.family``: matplotlib falls back to it for the glyphs the first
    family (DejaVu Sans) lacks. A machine with a full CJK font keeps using it.
    """
    if not CJK_FONT.exists():
        return
    for face in sorted(CJK_FONT.parent.glob("NotoSansCJKsc-course*.otf")):
        font_manager.fontManager.addfont(str(face))
    families = list(rcParams["font.family"])
    if CJK_FAMILY not in families:
        rcParams["font.family"] = [*families, CJK_FAMILY]


_use_cjk_fallback()


class CourseFigure(Figure):
    """A Figure that shows itself as a PNG in Jupyter, with or without pyplot."""

    def _repr_png_(self) -> bytes:
        from io import BytesIO

        buffer = BytesIO()
        self.savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()


def price_formatter(unit: str = "$", decimals: int = 0) -> FuncFormatter:
    """Tick formatter showing prices as ``$96,000`` (or ``96,000 USDT`` for a word unit)."""

    def fmt(x: float, _pos: int | None = None) -> str:
        body = f"{abs(x):,.{decimals}f}"
        sign = "-" if x < 0 else ""
        if len(unit) <= 1:
            return f"{sign}{unit}{body}"
        return f"{sign}{body} {unit}"

    return FuncFormatter(fmt)


def format_price_axis(ax: Axes, axis: str = "y", unit: str = "$", decimals: int = 0) -> None:
    """Format the x or y axis of ``ax`` as prices."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(price_formatter(unit, decimals))


#: Blank figures built ahead of need, by (figsize, ncols, nrows): see ``prepare_figure``.
_SPARES: dict[tuple, Figure] = {}


def _blank_figure(figsize: tuple[float, float], ncols: int, nrows: int) -> Figure:
    """A figure with the course's panels, grid and palette, before any title or label."""
    fig = CourseFigure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    if nrows > 1:
        axes = fig.subplots(nrows, 1, sharex=True, squeeze=False)[:, 0]
    else:
        axes = fig.subplots(1, ncols, squeeze=False)[0]
    for ax in axes:
        ax.set_prop_cycle(color=CYCLE)
        ax.grid(True, alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
    fig.perpmath_shape = (tuple(figsize), ncols, nrows)
    return fig


def prepare_figure(shape: tuple) -> None:
    """Build one blank figure of ``shape`` (from a figure's ``perpmath_shape``) for the
    next ``new_figure`` call that asks for it.

    Creating axes is most of the cost of a simple figure; an explorer calls this
    while it waits for the next move of a control, so its next redraw starts
    from a ready figure. The spare is the same blank figure ``new_figure``
    would build, so what is drawn does not change.
    """
    if shape not in _SPARES:
        _SPARES[shape] = _blank_figure(*shape)


def new_figure(
    title: str,
    xlabel: str,
    ylabel: str,
    *,
    figsize: tuple[float, float] = (8.0, 4.5),
    ncols: int = 1,
    nrows: int = 1,
) -> tuple[Figure, Axes | list[Axes]]:
    """A titled figure with labeled axes, grid and the course palette.

    Built without pyplot, so it is not shown twice and never leaks; display
    it by returning it from a notebook cell. With ``nrows`` > 1 the panels
    are stacked, share the x axis, and only the bottom one gets ``xlabel``.
    """
    if ncols > 1 and nrows > 1:
        raise ValueError(f"panels go in one row or one column, got {nrows} x {ncols}")
    shape = (tuple(figsize), ncols, nrows)
    fig = _SPARES.pop(shape, None) or _blank_figure(*shape)
    axes = fig.axes
    for ax in axes:
        ax.set_ylabel(ylabel)
    for ax in axes[-1:] if nrows > 1 else axes:
        ax.set_xlabel(xlabel)
    fig.suptitle(title, fontsize=12, fontweight="bold")
    return fig, (axes[0] if len(axes) == 1 else list(axes))


def mark_levels(
    ax: Axes,
    *,
    entry: float | None = None,
    liquidation: float | None = None,
    bankruptcy: float | None = None,
    stop: float | None = None,
    orientation: str = "horizontal",
    unit: str = "$",
    annotate: bool = True,
    extra: Iterable[tuple[str, float]] = (),
) -> None:
    """Draw entry, liquidation and bankruptcy (and stop) prices in the course's style.

    ``orientation="horizontal"`` draws lines across a time axis (price on y);
    ``"vertical"`` draws them on a price x-axis.
    """
    fmt = price_formatter(unit, 0 if unit in ("$", "USDT", "USD") else 2)
    levels = [("entry", entry), ("liquidation", liquidation), ("bankruptcy", bankruptcy)]
    levels.append(("stop", stop))
    for key, value in levels:
        if value is None:
            continue
        style = dict(LEVEL_STYLES[key])
        label = f"{style.pop('label')} {fmt(value)}" if annotate else style.pop("label")
        line = ax.axhline if orientation == "horizontal" else ax.axvline
        line(value, label=label, **style)
    for label, value in extra:
        style = dict(LEVEL_STYLES["other"])
        style.pop("label")
        line = ax.axhline if orientation == "horizontal" else ax.axvline
        line(value, label=f"{label} {fmt(value)}" if annotate else label, **style)
