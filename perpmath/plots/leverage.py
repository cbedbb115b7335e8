"""Figures for section 02: leverage, ROE, loss asymmetry and the room before liquidation."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter
from numpy.typing import ArrayLike

from perpmath import _validate as v
from perpmath.contracts import price_return, roe
from perpmath.liquidation import (
    bankruptcy_price,
    distance_to_bankruptcy,
    distance_to_liquidation,
    liquidation_price,
)
from perpmath.plots.style import (
    PALETTE,
    format_price_axis,
    leverage_style,
    mark_levels,
    new_figure,
)
from perpmath.tiers import TierTable

__all__ = [
    "plot_liquidation_distance",
    "plot_loss_asymmetry",
    "plot_position_roe",
    "plot_roe_vs_price_move",
]


_BANKRUPT = {
    "color": PALETTE["vermillion"],
    "linestyle": ":",
    "linewidth": 1.8,
    "label": "-100%: margin gone",
}


def plot_roe_vs_price_move(
    leverages: Sequence[float] = (1, 5, 10, 25, 100),
    max_move: float = 0.10,
    *,
    entry_price: float = 96_000.0,
    title: str = "Leverage multiplies the price move: ROE of a long",
) -> Figure:
    """ROE (``roe(..., basis="entry")``) of a long against the price move, one line per leverage.

    ROE = leverage x price return for a linear contract; the line is cut
    at -100% (the margin is gone: the bankruptcy price).
    """
    lev = np.atleast_1d(v.leverage(list(leverages), "leverages"))
    m = float(v.in_range("max_move", max_move, 0.0, 1.0))
    if m == 0:
        raise ValueError("max_move must be greater than 0, got 0")
    e = float(v.positive("entry_price", entry_price))
    moves = np.linspace(-m, m, 401)
    prices = e * (1 + moves)
    fig, ax = new_figure(title, "price move from entry (%)", "ROE (return on the margin, %)")
    for L in lev:
        r = roe("long", 1.0, e, prices, L, basis="entry")
        r = np.where(r < -1, np.nan, r)
        ax.plot(moves, r, label=f"{L:g}x", **leverage_style(L))
    ax.axhline(-1.0, **_BANKRUPT)
    ax.axhline(0.0, color=PALETTE["grey"], linewidth=0.8)
    ax.axvline(0.0, color=PALETTE["grey"], linewidth=0.8)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(-1.15, max(1.15, min(float(lev.max() * m), 3.0)))
    ax.legend(title="leverage", fontsize=8)
    return fig


def plot_loss_asymmetry(
    max_loss: float = 0.9,
    *,
    title: str = "A loss needs a larger gain to be made good",
) -> Figure:
    """Gain needed to recover a loss: g = 1 / (1 - loss) - 1, against the loss.

    Computed as ``price_return(1 - loss, 1)``: the return from the reduced
    equity back to the starting equity. The diagonal shows the naive belief
    that a 30% gain undoes a 30% loss.
    """
    m = float(v.in_range("max_loss", max_loss, 0.0, 1.0))
    if m <= 0:
        raise ValueError("max_loss must be greater than 0, got 0")
    loss = np.linspace(0.0, m, 181)
    needed = price_return(1.0 - loss, 1.0)
    fig, ax = new_figure(title, "loss of equity (%)", "gain needed to recover (%)")
    ax.plot(loss, needed, color=PALETTE["vermillion"], linewidth=2, label="gain needed")
    ax.plot(loss, loss, color=PALETTE["grey"], linestyle="--", label="same size as the loss")
    for point in (0.1, 0.25, 0.5, 0.75):
        if point <= m:
            g = price_return(1.0 - point, 1.0)
            ax.plot([point], [g], "o", color=PALETTE["vermillion"])
            ax.annotate(
                f"-{point:.0%} needs +{g:.0%}",
                (point, g),
                textcoords="offset points",
                xytext=(8, -10),
                ha="left",
                fontsize=8,
            )
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.legend(fontsize=8)
    return fig


def plot_liquidation_distance(
    leverages: ArrayLike | None = None,
    margin: float = 1_000.0,
    *,
    entry_price: float = 96_000.0,
    side: str = "long",
    maintenance: TierTable | float = 0.004,
    title: str = "Room before bankruptcy (1 / leverage) and before liquidation",
) -> Figure:
    """Distance to bankruptcy and to liquidation (fraction of entry) against leverage.

    Each position has the same ``margin`` (USDT) and size margin x leverage
    / entry. The gap between the two curves is the part of the margin the
    exchange keeps as maintenance margin (log-scaled leverage axis).
    ``leverages`` defaults to 2x to 100x (the Binance BTCUSDT table allows
    125x only for notionals up to 50,000 USDT).
    """
    if leverages is None:
        leverages = np.arange(2, 101)
    lev = np.atleast_1d(v.leverage(leverages, "leverages")).astype(float)
    mg = float(v.positive("margin", margin))
    e = float(v.positive("entry_price", entry_price))
    qty = mg * lev / e
    if isinstance(maintenance, TierTable):
        maintenance.check_leverage(qty * e, lev)
    bank = np.asarray(distance_to_bankruptcy(side, e, lev))
    liq = np.asarray(distance_to_liquidation(side, e, lev, qty, maintenance=maintenance))
    fig, (ax, ax_gap) = new_figure(
        title,
        "leverage (x, log scale)",
        "adverse price move (% of entry, log scale)",
        figsize=(11.0, 4.3),
        ncols=2,
    )
    ax.plot(lev, bank, color=PALETTE["vermillion"], linestyle=":", linewidth=2, label="bankruptcy")
    ax.plot(lev, liq, color=PALETTE["orange"], linestyle="--", linewidth=2, label="liquidation")
    ax.fill_between(lev, liq, bank, color=PALETTE["orange"], alpha=0.2, label="maintenance margin")
    ax.set_yscale("log")
    yticks = [y for y in (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5) if liq.min() / 1.5 <= y <= 1]
    ax.set_yticks(yticks, [f"{y:.1%}" for y in yticks])
    ax.set_title(f"{side}, {mg:,.0f} USDT of margin at each leverage", fontsize=10)
    ax.legend(fontsize=8)
    ax_gap.plot(lev, 1 - liq / bank, color=PALETTE["orange"], linewidth=2)
    ax_gap.set_ylabel("room lost to maintenance margin\n(% of the room to bankruptcy)")
    ax_gap.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax_gap.set_ylim(bottom=0)
    ax_gap.set_title("how much earlier liquidation comes", fontsize=10)
    ticks = [x for x in (2, 5, 10, 20, 50, 100, 125) if lev.min() <= x <= lev.max()]
    for a in (ax, ax_gap):
        a.set_xscale("log")
        a.set_xticks(ticks, [f"{t}x" for t in ticks])
        a.minorticks_off()
    return fig


def plot_position_roe(
    side: str,
    entry_price: float,
    leverage: float,
    margin: float,
    *,
    maintenance: TierTable | float = 0.004,
    span: float | None = None,
    title: str | None = None,
) -> Figure:
    """ROE of one position against the price, with entry, liquidation and bankruptcy marked.

    The position has ``margin`` (USDT) and size margin x leverage / entry.
    The x-range covers the bankruptcy price with some room (or +-``span``
    as a fraction of entry). Beyond the liquidation price the position no
    longer exists: the ROE it would have had is drawn thin and dashed.
    """
    e = float(v.positive("entry_price", entry_price))
    lev = float(v.leverage(leverage))
    mg = float(v.positive("margin", margin))
    qty = mg * lev / e
    if isinstance(maintenance, TierTable):
        maintenance.check_leverage(qty * e, lev)
    lp = float(liquidation_price(side, e, lev, qty, maintenance=maintenance))
    bp = float(bankruptcy_price(side, e, lev))
    width = span if span is not None else min(1.5 / lev, 0.95)
    prices = np.linspace(e * (1 - width), e * (1 + width), 401)
    r = roe(side, qty, e, prices, lev, basis="entry")
    fig, ax = new_figure(
        title or f"{side} {lev:g}x with {mg:,.0f} USDT of margin",
        "BTC price (USDT)",
        "ROE (PnL / initial margin, %)",
    )
    alive = prices >= lp if v.side_sign(side) > 0 else prices <= lp
    ax.plot(prices[alive], r[alive], color=PALETTE["black"], linewidth=1.6, label="ROE")
    ax.plot(
        prices[~alive],
        r[~alive],
        color=PALETTE["grey"],
        linewidth=1.0,
        linestyle="--",
        label="past liquidation (never reached)",
    )
    ax.axhline(0.0, color=PALETTE["grey"], linewidth=0.8)
    ax.axhline(-1.0, color=PALETTE["grey"], linewidth=0.8, linestyle=":")
    shown = {"entry": e}
    if prices[0] <= lp <= prices[-1]:
        shown["liquidation"] = lp
    if prices[0] <= bp <= prices[-1]:
        shown["bankruptcy"] = bp
    mark_levels(ax, orientation="vertical", **shown)
    format_price_axis(ax, "x", "$")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.legend(fontsize=8, loc="best")
    return fig
