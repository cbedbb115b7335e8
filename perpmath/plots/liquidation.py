"""Figures for section 04: liquidation."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from perpmath import _validate as v
from perpmath.liquidation_map import LiquidationMap
from perpmath.markprice import WickDemo
from perpmath.plots.style import PALETTE, format_price_axis, mark_levels, new_figure
from perpmath.tiers import TierTable

__all__ = [
    "plot_liquidation_levels",
    "plot_liquidation_map",
    "plot_liquidation_vs_leverage",
    "plot_stepwise_trace",
    "plot_wick",
]

_COLOURS = [PALETTE[k] for k in ("green", "purple", "sky", "black", "yellow")]


def plot_liquidation_vs_leverage(
    entry_price: float,
    quantities: ArrayLike,
    *,
    side: str = "long",
    tiers: TierTable | None = None,
    leverages: ArrayLike | None = None,
    convention: str | None = None,
    title: str | None = None,
) -> Figure:
    """Liquidation price against leverage for several position sizes.

    Each size is priced with ``perpmath.liquidation.liquidation_price`` on the
    tier table (default: Binance BTCUSDT); a size's line stops at the highest
    leverage its tier allows. The bankruptcy price (the same for every size)
    is drawn dotted.
    """
    from perpmath.liquidation import bankruptcy_price, liquidation_price
    from perpmath.tiers import load_tier_table

    table = load_tier_table("binance_usdm_btcusdt", date="2021-03-18") if tiers is None else tiers
    e = float(v.positive("entry_price", entry_price))
    qs = np.atleast_1d(v.positive("quantities", quantities))
    levs = (
        np.linspace(5.0, float(table.max_leverage[0]), 241)
        if leverages is None
        else np.atleast_1d(v.leverage(leverages, "leverages"))
    )
    fig, ax = new_figure(
        title or f"Liquidation price of a {side} from {e:,.0f} against leverage",
        "leverage (x)",
        "price (USDT)",
    )
    for colour, q in zip(_COLOURS * 4, qs, strict=False):
        allowed = float(table.max_leverage_at(q * e))
        ok = levs[levs <= allowed]
        if ok.size == 0:
            continue
        lp = liquidation_price(side, e, ok, q, maintenance=table, convention=convention)
        tier = int(table.tier_index(q * e)) + 1
        ax.plot(
            ok,
            lp,
            color=colour,
            linewidth=1.6,
            label=f"{q:g} BTC ({q * e:,.0f} USDT, tier {tier}, max {allowed:g}x)",
        )
    ax.plot(
        levs,
        bankruptcy_price(side, e, levs),
        color=PALETTE["vermillion"],
        linestyle=":",
        linewidth=1.8,
        label="bankruptcy price (any size)",
    )
    mark_levels(ax, entry=e)
    format_price_axis(ax, "y", "$")
    ax.legend(fontsize=8, loc="best")
    return fig


def plot_wick(demo: WickDemo, *, title: str | None = None) -> Figure:
    """A wick on the last price: the whole episode (left) and a zoom on the index (right).

    ``demo`` comes from ``perpmath.markprice.wick_demo``; the title states
    both verdicts. Left: last price, mark price, entry and liquidation
    levels. Right: the spot venues, their median (the index) and the mark
    price on a scale of a few tenths of a percent, where the index and the
    venues that did not wick can be told apart.
    """
    frame = demo.frame
    verdict = (
        f"last price {'liquidates' if demo.liquidated_on_last else 'does not liquidate'}, "
        f"mark price {'liquidates' if demo.liquidated_on_mark else 'does not'}"
    )
    fig, (ax, ax_z) = new_figure(
        title or f"A wick on the last price: {verdict}",
        "time (seconds)",
        "price (USDT)",
        figsize=(11.0, 4.3),
        ncols=2,
    )
    t = np.asarray(frame.index)
    # levels first, so that the price series are drawn on top of them
    mark_levels(ax, entry=demo.entry_price, liquidation=demo.liquidation_price)
    ax.plot(t, frame["last"], color=PALETTE["vermillion"], linewidth=1.4, label="last price")
    ax.plot(t, frame["mark"], color=PALETTE["black"], linewidth=2.0, label="mark price")
    format_price_axis(ax, "y", "$")
    ax.set_title("the whole episode", fontsize=10)
    ax.legend(fontsize=8, loc="lower left" if demo.side == "long" else "upper left")

    venues = [c for c in frame.columns if c not in ("index", "last", "mark")]
    for i, col in enumerate(venues):
        ax_z.plot(
            t,
            frame[col],
            color=PALETTE["grey"],
            linewidth=1.0,
            alpha=0.8,
            label="spot venues" if i == 0 else None,
        )
    ax_z.plot(
        t, frame["index"], color=PALETTE["green"], linewidth=3.0, alpha=0.7, label="index (median)"
    )
    ax_z.plot(t, frame["mark"], color=PALETTE["black"], linewidth=1.4, label="mark price")
    calm = frame[venues].to_numpy()
    spread = float(np.median(np.abs(calm - demo.entry_price))) + demo.entry_price * 0.0005
    low = min(float(frame["mark"].min()), demo.entry_price - 3 * spread)
    high = max(float(frame["mark"].max()), demo.entry_price + 3 * spread)
    pad = 0.1 * (high - low)
    ax_z.set_ylim(low - pad, high + pad)
    moved = np.flatnonzero(frame["last"].to_numpy() != frame["last"].iloc[0])
    if moved.size:
        ax_z.set_xlim(t[moved[0]] - 15, t[moved[-1]] + 30)
    format_price_axis(ax_z, "y", "$")
    ax_z.set_title("zoom: one venue drops off the chart,\nthe index (median) does not", fontsize=10)
    ax_z.legend(fontsize=8, loc="lower left" if demo.side == "long" else "upper left")
    return fig


def plot_stepwise_trace(trace: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Position notional (left) and margin balance vs maintenance margin (right) per step.

    ``trace`` comes from ``perpmath.stepwise.liquidation_trace``.
    """
    need = {"notional", "margin_balance", "maintenance_margin", "tier", "recovered"}
    if not need <= set(trace.columns):
        raise ValueError(
            f"trace must come from liquidation_trace (columns {sorted(need)}), "
            f"got {list(trace.columns)}"
        )
    fig, (ax_n, ax_m) = new_figure(
        title or "The liquidation engine, step by step",
        "engine step (actions in order, not a time)",
        "position notional (USDT)",
        figsize=(11.0, 4.3),
        ncols=2,
    )
    steps = np.asarray(trace.index)
    colours = [PALETTE["green"] if r else PALETTE["orange"] for r in trace["recovered"]]
    ax_n.bar(steps, trace["notional"], color=colours)
    for x, (n, tier) in enumerate(zip(trace["notional"], trace["tier"], strict=True)):
        ax_n.annotate(
            f"tier {tier}" if tier else "closed",
            (steps[x], n),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    format_price_axis(ax_n, "y", "")
    ax_n.set_title("notional left (green: margin recovered)", fontsize=10)
    ax_n.set_xticks(steps)
    ax_m.set_ylabel("margin balance and requirement (USDT)")
    ax_m.plot(
        steps,
        trace["margin_balance"],
        marker="o",
        color=PALETTE["blue"],
        label="margin balance",
    )
    ax_m.plot(
        steps,
        trace["maintenance_margin"],
        marker="s",
        color=PALETTE["orange"],
        linestyle="--",
        label="maintenance margin",
    )
    ax_m.axhline(0.0, color=PALETTE["grey"], linewidth=0.8)
    format_price_axis(ax_m, "y", "")
    ax_m.set_xticks(steps)
    ax_m.set_title("liquidation stops once the balance is above the line", fontsize=10)
    ax_m.legend(fontsize=8, loc="best")
    return fig


def plot_liquidation_map(lmap: LiquidationMap, *, title: str | None = None) -> Figure:
    """Histogram of the notional live positions would have liquidated at each price.

    ``lmap`` comes from ``perpmath.liquidation_map.liquidation_map``: longs
    (liquidated by a fall) below the current price, shorts (by a rise) above
    it; the current price, if the map has one, is drawn as a vertical line.
    """
    if not isinstance(lmap, LiquidationMap):
        raise ValueError(
            f"lmap must come from liquidation_map (a LiquidationMap), got {type(lmap).__name__}"
        )
    width = np.diff(lmap.edges)
    step = f"${float(np.median(width)):,.0f}" if np.allclose(width, width[0]) else "variable"
    fig, ax = new_figure(
        title or f"Liquidation map of {int(lmap.live.sum()):,} open positions ({step} bins)",
        "liquidation price (USDT)",
        "notional liquidated in the bin (million USDT)",
    )
    left = lmap.edges[:-1]
    ax.bar(
        left,
        lmap.long / 1e6,
        width=width,
        align="edge",
        color=PALETTE["blue"],
        alpha=0.8,
        label="longs (liquidated by a fall)",
    )
    ax.bar(
        left,
        lmap.short / 1e6,
        width=width,
        align="edge",
        color=PALETTE["vermillion"],
        alpha=0.8,
        label="shorts (liquidated by a rise)",
    )
    if lmap.price is not None:
        mark_levels(ax, orientation="vertical", extra=[("current price", lmap.price)])
    if lmap.already_liquidated:
        ax.plot([], [], " ", label=f"{lmap.already_liquidated:,} positions already liquidated")
    format_price_axis(ax, "x", "$")
    ax.legend(fontsize=8, loc="best")
    return fig


def plot_liquidation_levels(
    side: str,
    entry_price: float,
    liquidation: float,
    bankruptcy: float,
    *,
    unit: str = "$",
    title: str | None = None,
) -> Figure:
    """Entry, liquidation and bankruptcy prices on a price chart, with an adverse path.

    An illustrative straight path moves against the position from the entry
    to beyond the bankruptcy price; the band between the liquidation and
    bankruptcy prices is where the engine closes the position, beyond it the
    balance would be negative.
    """
    s = float(v.side_sign(side))
    e = float(v.positive("entry_price", entry_price))
    lp = float(v.non_negative("liquidation", liquidation))
    bp = float(v.non_negative("bankruptcy", bankruptcy))
    far = bp if np.isfinite(bp) else lp
    end = e + 1.25 * (far - e)
    t = np.linspace(0.0, 60.0, 121)
    path = e + (end - e) * t / t[-1]
    fig, ax = new_figure(
        title or f"{side.strip().capitalize()} from {e:,.0f}: where it is liquidated",
        "time (minutes, illustrative adverse path)",
        "price (USDT)" if unit in ("$", "USDT") else f"price ({unit})",
    )
    ax.plot(t, path, color=PALETTE["black"], linewidth=1.2, label="price moving against it")
    if np.isfinite(bp):
        ax.axhspan(
            min(lp, bp),
            max(lp, bp),
            color=PALETTE["orange"],
            alpha=0.15,
            label="liquidation zone: the engine closes it here",
        )
        ax.axhspan(
            min(bp, end),
            max(bp, end),
            color=PALETTE["vermillion"],
            alpha=0.10,
            label="beyond bankruptcy: negative balance",
        )
    mark_levels(
        ax,
        entry=e,
        liquidation=lp,
        bankruptcy=bp if np.isfinite(bp) else None,
        unit=unit,
    )
    format_price_axis(ax, "y", unit)
    ax.legend(fontsize=8, loc="lower left" if s > 0 else "upper left")
    return fig
