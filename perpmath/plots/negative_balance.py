"""Figures for section 05: liquidation fills in an order book and the negative balance.

Every figure draws the position's liquidation and bankruptcy prices with
``mark_levels`` so that a fill above or below the bankruptcy price can be
read at a glance: above it the position closes with margin left over (which
goes to the insurance fund), below it the loss is larger than the margin and
somebody has to pay the difference.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from numpy.typing import ArrayLike

from perpmath import _validate as v
from perpmath.orderbook import Fill, OrderBook
from perpmath.plots.style import PALETTE, format_price_axis, mark_levels, new_figure

__all__ = ["plot_book_fill", "plot_delayed_fill", "plot_fill_vs_bankruptcy"]


def _ladder(
    ax, prices: np.ndarray, sizes: np.ndarray, height: float, colour: str, label: str
) -> PolyCollection:
    """Horizontal bars from 0 to ``sizes`` centred on ``prices``, as one collection.

    Drawn like ``barh`` (no edge, the x axis starting at 0) but as a single
    artist: quick to build, to draw and for an explorer to update in place.
    """
    low, high = prices - height / 2, prices + height / 2
    zero = np.zeros_like(prices)
    corners = [(zero, low), (sizes, low), (sizes, high), (zero, high)]
    verts = np.stack([np.column_stack(c) for c in corners], axis=1)
    bars = PolyCollection(verts, facecolors=colour, edgecolors="none", linewidths=0, label=label)
    bars.sticky_edges.x.append(0.0)
    ax.add_collection(bars)
    return bars


def plot_book_fill(
    book: OrderBook,
    fill: Fill,
    *,
    entry: float | None = None,
    liquidation: float | None = None,
    bankruptcy: float | None = None,
    max_levels: int = 60,
    title: str = "A liquidation order walking the order book",
) -> Figure:
    """Depth ladder of the side a market order hits, with the part it consumed.

    Price on the y axis, resting size (coin) on the x axis, one bar per level
    of ``book`` on the side ``fill`` traded against (bids for a sell, asks for a
    buy), at most ``max_levels`` levels from the best price (enough to show
    every level touched; bars of one colour are one collection). The consumed
    size is drawn in purple, the VWAP as a black line, and entry, liquidation
    and bankruptcy prices with ``mark_levels``. The top axis shows the cumulative size from the best
    price (a depth curve) and the order's size: the order fills down to the
    price where the curve crosses it.
    """
    if not isinstance(book, OrderBook):
        raise ValueError(f"book must be an OrderBook, got {type(book).__name__}")
    if not isinstance(fill, Fill):
        raise ValueError(f"fill must be a Fill from market_order_fill, got {type(fill).__name__}")
    if int(max_levels) != max_levels or max_levels < 1:
        raise ValueError(f"max_levels must be a whole number >= 1, got {max_levels!r}")
    side = "bid" if fill.side == "sell" else "ask"
    prices, sizes = book.side_levels(side)
    if not prices.size:
        raise ValueError(f"book has no {side}s to draw")
    touched = len(fill.levels)
    n = min(prices.size, max(int(max_levels), touched + 3))
    prices, sizes = prices[:n], sizes[:n]
    taken = np.zeros(n)
    if touched:
        order = np.argsort(prices)
        pos = np.searchsorted(prices[order], fill.levels["price"].to_numpy())
        pos = np.clip(pos, 0, n - 1)
        hit = np.isclose(prices[order][pos], fill.levels["price"].to_numpy())
        taken[order[pos[hit]]] = fill.levels["size"].to_numpy()[hit]
    height = float(np.min(np.abs(np.diff(prices)))) * 0.8 if n > 1 else prices[0] * 1e-4
    fig, ax = new_figure(title, f"resting size on the {side} side (BTC)", "price (USDT)")
    _ladder(ax, prices, sizes, height, PALETTE["sky"], f"{side}s resting")
    _ladder(ax, prices, taken, height, PALETTE["purple"], "consumed by the order")
    ax.axhline(
        fill.vwap,
        color=PALETTE["black"],
        linewidth=1.6,
        label=f"average fill (VWAP) ${fill.vwap:,.0f}",
    )
    mark_levels(ax, entry=entry, liquidation=liquidation, bankruptcy=bankruptcy)
    # cumulative depth from the best price (top axis): how far down the order must dig
    cum = ax.twiny()
    cum.step(np.cumsum(sizes), prices, where="pre", color=PALETTE["blue"], linewidth=1.4,
             label="cumulative size from the best price")  # fmt: skip
    cum.axvline(fill.filled, color=PALETTE["blue"], linestyle=":", linewidth=1.2,
                label=f"order size {fill.filled:g} BTC")  # fmt: skip
    cum.set_xlabel("cumulative size from the best price (BTC)", color=PALETTE["blue"])
    cum.spines[["right"]].set_visible(False)
    cum.set_xlim(left=0)
    lows = [prices.min(), fill.vwap] + [x for x in (liquidation, bankruptcy) if x is not None]
    highs = [prices.max(), fill.vwap] + [x for x in (liquidation, bankruptcy) if x is not None]
    pad = 0.05 * (max(highs) - min(lows) or prices[0] * 1e-3)
    ax.set_ylim(min(lows) - pad, max(highs) + pad)
    format_price_axis(ax, "y", "$")
    handles, labels = ax.get_legend_handles_labels()
    more, more_labels = cum.get_legend_handles_labels()
    ax.legend(handles + more, labels + more_labels, fontsize=8, loc="best")
    return fig


def plot_fill_vs_bankruptcy(
    x: ArrayLike,
    fills: ArrayLike,
    bankruptcy: float,
    *,
    liquidation: float | None = None,
    entry: float | None = None,
    quantity: float = 1.0,
    side: str = "long",
    xlabel: str = "order size (BTC)",
    title: str = "Liquidation fill against the bankruptcy price",
) -> Figure:
    """Fill price (left) and what the fill leaves (right) as one setting ``x`` varies.

    Left: the average fill of the liquidation order at each ``x`` (order size,
    gap width, delay, ...) with the liquidation and bankruptcy prices. Right:
    the surplus s x Q x (fill - bankruptcy) in USDT for a position of
    ``quantity`` (s = +1 long, -1 short): green bars are margin left for the
    insurance fund, vermillion bars a deficit (a negative balance).
    """
    xs = v.as_float_array("x", x)
    fs = v.positive("fills", fills)
    if xs.ndim != 1 or xs.shape != fs.shape or xs.size == 0:
        raise ValueError(
            f"x and fills must be non-empty, one-dimensional and of equal length, got shapes "
            f"{xs.shape} and {fs.shape}"
        )
    bp = float(v.positive("bankruptcy", bankruptcy))
    q = float(v.positive("quantity", quantity))
    s = float(v.side_sign(side))
    surplus = s * q * (fs - bp)
    fig, (ax_f, ax_s) = new_figure(
        title, xlabel, "average fill price (USDT)", figsize=(11.0, 4.3), ncols=2
    )
    ax_f.plot(xs, fs, marker="o", markersize=4, color=PALETTE["black"], label="average fill")
    worse = s * (fs - bp) < 0
    ax_f.plot(
        xs[worse],
        fs[worse],
        linestyle="none",
        marker="o",
        markersize=6,
        color=PALETTE["vermillion"],
        label="beyond bankruptcy",
    )
    mark_levels(ax_f, entry=entry, liquidation=liquidation, bankruptcy=bp)
    format_price_axis(ax_f, "y", "$")
    ax_f.set_title("fill price")
    ax_f.legend(fontsize=8, loc="best")
    width = 0.8 * float(np.min(np.diff(np.sort(xs)))) if xs.size > 1 else 0.8
    colours = np.where(surplus >= 0, PALETTE["green"], PALETTE["vermillion"])
    ax_s.bar(xs, surplus, width=width, color=colours)
    ax_s.axhline(0.0, color=PALETTE["grey"], linewidth=0.8)
    ax_s.set_ylabel("margin left (+) or deficit (-) (USDT)")
    format_price_axis(ax_s, "y", "$")
    ax_s.set_title(f"settled against the bankruptcy price, {q:g} BTC")
    for ax in (ax_f, ax_s):
        ax.xaxis.set_major_locator(MaxNLocator(8))
    return fig


def plot_delayed_fill(
    path: ArrayLike,
    trigger_step: int,
    execution_step: int,
    *,
    liquidation: float,
    bankruptcy: float,
    entry: float | None = None,
    title: str = "The engine acts late: the market keeps falling",
    xlabel: str = "step of the path (steps in order, not a time)",
) -> Figure:
    """A price path with the step where the mark crossed the liquidation price
    and the later step where the engine met the market. ``xlabel`` names what
    a step is: a time with its unit when the path has a clock, else say that
    a step is not a time (a scripted path's mark updates, say)."""
    p = np.atleast_1d(v.positive("path", path))
    if p.ndim != 1:
        raise ValueError(f"path must be one-dimensional, got shape {p.shape}")
    for name, k in (("trigger_step", trigger_step), ("execution_step", execution_step)):
        if int(k) != k or not 0 <= k < p.size:
            raise ValueError(f"{name} must be a whole number in [0, {p.size - 1}], got {k!r}")
    t, e = int(trigger_step), int(execution_step)
    fig, ax = new_figure(title, v.text("xlabel", xlabel), "mark price (USDT)")
    ax.plot(np.arange(p.size), p, color=PALETTE["black"], linewidth=1.3, label="mark price")
    mark_levels(ax, entry=entry, liquidation=liquidation, bankruptcy=bankruptcy)
    ax.plot(
        [t],
        [p[t]],
        marker="o",
        markersize=8,
        color=PALETTE["orange"],
        linestyle="none",
        label=f"trigger (step {t})",
    )
    ax.plot(
        [e],
        [p[e]],
        marker="X",
        markersize=10,
        color=PALETTE["vermillion"],
        linestyle="none",
        label=f"execution (step {e}) ${p[e]:,.0f}",
    )
    if e > t:
        ax.axvspan(t, e, color=PALETTE["grey"], alpha=0.15, label="delay")
    format_price_axis(ax, "y", "$")
    ax.legend(fontsize=8, loc="best")
    return fig
