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
    LEVEL_STYLES,
    PALETTE,
    format_price_axis,
    mark_levels,
    new_figure,
    price_formatter,
    trader_style,
)

__all__ = ["plot_linear_vs_inverse", "plot_spot_vs_perpetual"]


def plot_spot_vs_perpetual(
    frame: pd.DataFrame,
    *,
    liquidation_prices: dict[str, float] | None = None,
    hours_per_step: float = 1.0,
    title: str = "One simulated price path, seen by spot and by perpetuals",
) -> Figure:
    """Price path (left) and equity of each holding (right) from ``spot_vs_perpetual``.

    The entry price is drawn with ``mark_levels``; ``liquidation_prices``
    (column name -> price) adds each perpetual's liquidation price to the
    price panel, dashed like every liquidation level but in the color of
    that position's equity line, and named at its right end, so two
    positions' levels cannot be confused. Each trader keeps its color and
    line style (``trader_style``: the leverage's color, a long solid, a
    short dashed) here, in section 00's figure and in the explorer.
    A cross marks the step at which a position is liquidated (taken from
    ``frame.attrs["liquidated_at"]``). The time axis is in hours,
    ``hours_per_step`` per row of the frame. The default title says the path
    is simulated (the course draws ``scripted_path``); give a real path a
    title that names its venue, instrument and bar.
    """
    if not isinstance(frame, pd.DataFrame) or not {"price", "spot"} <= set(frame.columns):
        raise ValueError(
            "frame must come from spot_vs_perpetual (columns 'price' and 'spot'), "
            f"got {type(frame).__name__} {list(getattr(frame, 'columns', []))}"
        )
    per_step = float(v.positive("hours_per_step", hours_per_step))
    fig, (ax_p, ax_e) = new_figure(
        title, "time (hours)", "BTC price (USDT)", figsize=(11.0, 4.3), ncols=2
    )
    steps = np.arange(len(frame)) * per_step
    ax_p.plot(steps, frame["price"], color=PALETTE["black"], linewidth=1.2, label="price")
    mark_levels(ax_p, entry=float(frame["price"].iloc[0]))
    fmt = price_formatter("$")
    perps = [c for c in frame.columns if c not in ("price", "spot")]
    style_of = {col: trader_style(col) for col in perps}
    for col, price in (liquidation_prices or {}).items():
        if col not in style_of:
            raise ValueError(f"liquidation_prices names {col!r}, not a column of the frame {perps}")
        style = dict(LEVEL_STYLES["liquidation"], color=style_of[col]["color"])
        style.pop("label")
        ax_p.axhline(float(price), label=f"liquidation {col}: {fmt(float(price))}", **style)
        ax_p.annotate(
            col,
            (1.0, float(price)),
            xycoords=("axes fraction", "data"),
            xytext=(-4, 3),
            textcoords="offset points",
            ha="right",
            va="bottom",
            fontsize=8,
            color=style_of[col]["color"],
            annotation_clip=True,  # not drawn when an explorer's fixed axes leave it out
            in_layout=False,
        )
    format_price_axis(ax_p, "y", "$")
    ax_p.set_title("price")
    ax_p.legend(fontsize=8, loc="lower left")

    ax_e.set_ylabel("equity (USDT)")
    ax_e.plot(steps, frame["spot"], color=PALETTE["blue"], linewidth=4.0, alpha=0.45, label="spot")
    dead = frame.attrs.get("liquidated_at", {})
    for col in perps:
        style = style_of[col]
        ax_e.plot(steps, frame[col], linewidth=1.4, label=f"perpetual {col}", **style)
        at = dead.get(col)
        if at is not None:
            x = steps[frame.index.get_loc(at)]
            ax_e.plot([x], [0.0], marker="X", markersize=10, color=style["color"], linestyle="none")
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
