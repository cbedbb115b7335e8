"""Figure for section 00: the life of a liquidated trade, before any table."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from perpmath import _validate as v
from perpmath.plots.style import (
    PALETTE,
    format_price_axis,
    mark_levels,
    new_figure,
    trader_style,
)

__all__ = ["plot_life_of_a_trade"]


def plot_life_of_a_trade(
    frame: pd.DataFrame,
    column: str,
    *,
    liquidation: float,
    bankruptcy: float,
    hours_per_step: float = 1.0,
    title: str = "The life of a liquidated trade (simulated price path)",
) -> Figure:
    """Price (top) and equity (bottom) of one leveraged position until it is liquidated.

    ``frame`` comes from ``perpmath.spot.spot_vs_perpetual`` and ``column``
    names the perpetual to follow (e.g. ``"long 10x"``); its liquidation step
    is read from ``frame.attrs["liquidated_at"]``. The top panel marks entry,
    liquidation and bankruptcy prices; the bottom one compares the position's
    equity with a spot holding of the same capital. Numbered notes tell the
    story: opened, losing, liquidated, the price comes back without it.
    """
    if not isinstance(frame, pd.DataFrame) or not {"price", "spot"} <= set(frame.columns):
        raise ValueError(
            "frame must come from spot_vs_perpetual (columns 'price' and 'spot'), "
            f"got {type(frame).__name__}"
        )
    if column not in frame.columns or column in ("price", "spot"):
        perps = [c for c in frame.columns if c not in ("price", "spot")]
        raise ValueError(
            f"column must name a perpetual of the frame, one of {perps}, got {column!r}"
        )
    at = frame.attrs.get("liquidated_at", {}).get(column)
    if at is None:
        raise ValueError(f"the position {column!r} is never liquidated on this path")
    lp = float(v.positive("liquidation", liquidation))
    bp = float(v.positive("bankruptcy", bankruptcy))
    step = float(v.positive("hours_per_step", hours_per_step))
    t = np.arange(len(frame)) * step
    k = int(frame.index.get_loc(at))
    price = frame["price"].to_numpy()
    equity = frame[column].to_numpy()
    capital = float(frame["spot"].iloc[0])

    fig, (ax_p, ax_e) = new_figure(
        title, "time (hours)", "BTC price (USDT)", figsize=(9.0, 6.0), nrows=2
    )
    ax_p.plot(t, price, color=PALETTE["black"], linewidth=1.2, label="price")
    mark_levels(ax_p, entry=float(price[0]), liquidation=lp, bankruptcy=bp)
    format_price_axis(ax_p, "y", "$")
    ax_p.legend(fontsize=8, loc="lower left")

    ax_e.set_ylabel("equity (USDT)")
    ax_e.plot(
        t,
        frame["spot"],
        color=PALETTE["blue"],
        linewidth=3.0,
        alpha=0.45,
        label=f"the same {capital:,.0f} USDT held as spot bitcoin",
    )
    style = trader_style(column)  # the trader's color and line style in section 01 too
    ax_e.plot(t[: k + 1], equity[: k + 1], linewidth=1.8, label=f"perpetual {column}", **style)
    ax_e.plot(t[k:], equity[k:], color=style["color"], linewidth=1.8, linestyle=":")
    ax_e.axhline(0.0, color=PALETTE["grey"], linewidth=0.8)
    format_price_axis(ax_e, "y", "")
    ax_e.legend(fontsize=8, loc="upper right")

    _number_the_story(ax_p, ax_e, t, price, equity, k)
    return fig


def _number_the_story(
    ax_p: Axes, ax_e: Axes, t: np.ndarray, price: np.ndarray, equity: np.ndarray, k: int
) -> None:
    """Numbered notes: opened, gains, liquidated at step ``k``, the price comes back."""
    top = int(np.argmax(equity[: k + 1]))
    notes = [
        (ax_e, 0, equity[0], "1 open"),
        (ax_e, top, equity[top], "2 gains, leveraged"),
        (ax_p, k, price[k], "3 liquidated"),
        (ax_p, len(t) - 1, price[-1], "4 the price comes back;\n   the position does not"),
    ]
    for ax, i, y, text in notes:
        last = i == len(t) - 1
        ax.annotate(
            text,
            (t[i], y),
            xytext=(-10, 6) if last else (6, 10),
            textcoords="offset points",
            fontsize=9,
            fontweight="bold",
            ha="right" if last else "left",
            arrowprops={"arrowstyle": "-", "color": PALETTE["grey"]},
        )
        ax.plot([t[i]], [y], marker="o", color=PALETTE["vermillion"], markersize=6)
