"""Figures for section 01: spot vs contract trading."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from numpy.typing import ArrayLike

from perpmath import _validate as v
from perpmath.contracts import unrealized_pnl
from perpmath.plots.style import (
    PALETTE,
    format_price_axis,
    mark_levels,
    new_figure,
    price_formatter,
)

__all__ = ["plot_linear_vs_inverse", "plot_spot_vs_perpetual"]

_SERIES_COLOURS = [PALETTE[k] for k in ("orange", "green", "vermillion", "purple", "sky", "black")]


def plot_spot_vs_perpetual(
    frame: pd.DataFrame,
    *,
    liquidation_prices: dict[str, float] | None = None,
    title: str = "One price path, seen by spot and by perpetuals",
) -> Figure:
    """Price path (left) and equity of each holding (right) from ``spot_vs_perpetual``.

    The entry price is drawn with ``mark_levels``; ``liquidation_prices``
    (column name -> price) adds each perpetual's liquidation price to the
    price panel. A cross marks the step at which a position is liquidated
    (taken from ``frame.attrs["liquidated_at"]``).
    """
    if not isinstance(frame, pd.DataFrame) or not {"price", "spot"} <= set(frame.columns):
        raise ValueError(
            "frame must come from spot_vs_perpetual (columns 'price' and 'spot'), "
            f"got {type(frame).__name__} {list(getattr(frame, 'columns', []))}"
        )
    fig, (ax_p, ax_e) = new_figure(title, "step", "BTC price (USDT)", figsize=(11.0, 4.3), ncols=2)
    steps = np.asarray(frame.index)
    ax_p.plot(steps, frame["price"], color=PALETTE["black"], linewidth=1.2, label="price")
    mark_levels(ax_p, entry=float(frame["price"].iloc[0]))
    fmt = price_formatter("$")
    for col, price in (liquidation_prices or {}).items():
        mark_levels(ax_p, liquidation=float(price))
        ax_p.lines[-1].set_label(f"liquidation {col}: {fmt(float(price))}")
    format_price_axis(ax_p, "y", "$")
    ax_p.set_title("price")
    ax_p.legend(fontsize=8, loc="best")

    ax_e.set_ylabel("equity (USDT)")
    ax_e.plot(steps, frame["spot"], color=PALETTE["blue"], linewidth=4.0, alpha=0.45, label="spot")
    perps = [c for c in frame.columns if c not in ("price", "spot")]
    dead = frame.attrs.get("liquidated_at", {})
    for colour, col in zip(_SERIES_COLOURS * 3, perps, strict=False):
        ax_e.plot(steps, frame[col], color=colour, linewidth=1.4, label=f"perpetual {col}")
        at = dead.get(col)
        if at is not None:
            ax_e.plot([at], [0.0], marker="X", markersize=10, color=colour, linestyle="none")
    format_price_axis(ax_e, "y", "")
    ax_e.axhline(0.0, color=PALETTE["grey"], linewidth=0.8)
    ax_e.set_title("equity, same capital in each (X = liquidated)")
    ax_e.legend(fontsize=8, loc="best")
    return fig


def plot_linear_vs_inverse(
    entry_price: float,
    prices: ArrayLike,
    *,
    notional_usd: float = 96_000.0,
    title: str = "Linear (USDT-margined) vs inverse (coin-margined) PnL",
) -> Figure:
    """PnL of a long and a short of the same dollar size, in USDT (linear) and in BTC (inverse).

    linear:  quantity = notional_usd / entry_price coins, PnL in USDT, a straight line;
    inverse: notional_usd contracts of 1 USD, PnL = s x Q x (1/entry - 1/price) in BTC,
    a curve (a long's gain in coin is bounded by Q / entry, its loss is not).
    """
    e = float(v.positive("entry_price", entry_price))
    p = np.sort(np.atleast_1d(v.positive("prices", prices)))
    n = float(v.positive("notional_usd", notional_usd))
    fig, (ax_l, ax_i) = new_figure(
        title, "BTC price (USD)", "PnL (USDT)", figsize=(11.0, 4.3), ncols=2
    )
    for side, colour in (("long", PALETTE["green"]), ("short", PALETTE["vermillion"])):
        ax_l.plot(p, unrealized_pnl(side, n / e, e, p), color=colour, label=side)
        ax_i.plot(
            p,
            unrealized_pnl(side, n, e, p, contract="inverse", contract_size=1.0),
            color=colour,
            label=side,
        )
    for ax in (ax_l, ax_i):
        mark_levels(ax, entry=e, orientation="vertical")
        ax.axhline(0.0, color=PALETTE["grey"], linewidth=0.8)
        format_price_axis(ax, "x", "$")
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.legend(fontsize=8)
    format_price_axis(ax_l, "y", "")
    ax_i.set_ylabel("PnL (BTC)")
    ax_l.set_title(f"linear: {n / e:g} BTC")
    ax_i.set_title(f"inverse: {n:,.0f} contracts of $1")
    return fig
