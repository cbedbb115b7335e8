"""Figures for section 03: margin, tiers, margin ratios, isolated vs cross."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter
from numpy.typing import ArrayLike

from perpmath import _validate as v
from perpmath.account import Account
from perpmath.contracts import unrealized_pnl
from perpmath.liquidation import liquidation_price, liquidation_price_after
from perpmath.margin import (
    MARGIN_RATIO_DEFINITIONS,
    liquidation_threshold,
    maintenance_margin,
    margin_balance,
    margin_ratio,
)
from perpmath.plots.style import (
    CYCLE,
    PALETTE,
    format_price_axis,
    mark_levels,
    new_figure,
    price_formatter,
)
from perpmath.spot import account_equity_path
from perpmath.tiers import TierTable

__all__ = [
    "plot_isolated_vs_cross",
    "plot_liquidation_price_changes",
    "plot_margin_ratios",
    "plot_tier_table",
]


def _compact(x: float, _pos: int | None = None) -> str:
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= size:
            return f"{x / size:g}{suffix}"
    return f"{x:g}"


def plot_tier_table(
    tiers: TierTable,
    *,
    max_notional: float | None = None,
    title: str | None = None,
) -> Figure:
    """Maintenance margin (left) and maximum leverage (right) against position notional.

    Left: MM = notional x MMR(tier) - maintenance amount(tier), continuous,
    next to notional x MMR(tier) without the amount, which jumps at every
    tier edge. Right: the tier's maximum leverage, a falling staircase.
    Both on log-scaled notional axes, tier edges dotted.
    """
    if not isinstance(tiers, TierTable):
        raise ValueError(f"tiers must be a TierTable, got {tiers!r}")
    top = (
        float(tiers.cap[-1])
        if max_notional is None
        else float(v.positive("max_notional", max_notional))
    )
    if not np.isfinite(top):
        top = float(tiers.floor[-1]) * 4 if tiers.floor[-1] > 0 else 1e6
    top = min(top, float(tiers.cap[-1]))
    low = min(1_000.0, top / 100)
    n = np.geomspace(low, top, 1200)
    n = np.unique(np.concatenate([n, tiers.cap[tiers.cap <= top], tiers.floor[tiers.floor > low]]))
    mm = np.asarray(tiers.maintenance_margin(n))
    rate_only = n * np.asarray(tiers.maintenance_rate_at(n))
    fig, (ax_mm, ax_lev) = new_figure(
        title or f"Tier table {tiers.name}: maintenance margin and maximum leverage",
        f"position notional ({tiers.unit}, log scale)",
        f"maintenance margin ({tiers.unit}, log scale)",
        figsize=(11.0, 4.3),
        ncols=2,
    )
    # draw the rate-only line tier by tier so its jumps show as gaps
    for k in range(len(tiers)):
        inside = (n > tiers.floor[k]) & (n <= tiers.cap[k]) if k else n <= tiers.cap[0]
        if inside.any():
            ax_mm.plot(
                n[inside],
                rate_only[inside],
                color=PALETTE["vermillion"],
                linestyle="--",
                linewidth=1.2,
                label="notional x MMR, no amount (jumps)" if k == 0 else None,
            )
    ax_mm.plot(n, mm, color=PALETTE["blue"], linewidth=2, label="notional x MMR - amount")
    lev = np.asarray(tiers.max_leverage_at(n))
    ax_lev.step(n, lev, where="post", color=PALETTE["green"], linewidth=2)
    ax_lev.set_ylabel("maximum leverage (x)")
    for ax in (ax_mm, ax_lev):
        ax.set_xscale("log")
        for edge in tiers.floor[1:]:
            if low < edge < top:
                ax.axvline(edge, color=PALETTE["grey"], linestyle=":", linewidth=0.8)
        ax.xaxis.set_major_formatter(FuncFormatter(_compact))
    ax_mm.set_yscale("log")
    ax_mm.yaxis.set_major_formatter(FuncFormatter(_compact))
    ax_mm.set_title("requirement is continuous across tiers", fontsize=10)
    ax_lev.set_title("larger positions get less leverage", fontsize=10)
    ax_mm.legend(fontsize=8)
    return fig


def plot_margin_ratios(
    side: str,
    entry_price: float,
    leverage: float,
    margin: float,
    *,
    maintenance: TierTable | float = 0.004,
    title: str = "One position, three margin ratios",
) -> Figure:
    """The three named margin ratios of one isolated position against the mark price.

    The mark runs from the entry to a little past the liquidation price;
    each panel shows the ratio, its liquidation threshold and the
    liquidation price. All three reach their thresholds at the same price.
    """
    e = float(v.positive("entry_price", entry_price))
    lev = float(v.leverage(leverage))
    mg = float(v.positive("margin", margin))
    qty = mg * lev / e
    if isinstance(maintenance, TierTable):
        maintenance.check_leverage(qty * e, lev)
    lp = float(liquidation_price(side, e, lev, qty, maintenance=maintenance, margin=mg))
    if lp <= 0:
        raise ValueError(f"this {side} at {lev:g}x is never liquidated at a positive price")
    end = lp + 0.25 * (lp - e)
    prices = np.linspace(e, end, 300)
    mb = np.asarray(margin_balance(mg, unrealized_pnl(side, qty, e, prices)))
    mm = np.asarray(maintenance_margin(qty, prices, maintenance))
    pv = qty * prices
    keep = mb > 0
    prices, mb, mm, pv = prices[keep], mb[keep], mm[keep], pv[keep]
    fig, axes = new_figure(title, "mark price (USDT)", "ratio (%)", figsize=(12.0, 4.0), ncols=3)
    colours = (PALETTE["blue"], PALETTE["purple"], PALETTE["green"])
    for ax, (name, d), colour in zip(axes, MARGIN_RATIO_DEFINITIONS.items(), colours, strict=False):
        r = np.asarray(margin_ratio(mb, mm, pv, name))
        ax.plot(prices, r, color=colour, linewidth=2, label=d.formula)
        thr = liquidation_threshold(name, mm, pv)
        ax.plot(
            prices,
            np.broadcast_to(thr, prices.shape),
            color=PALETTE["grey"],
            linestyle="-.",
            label=f"liquidation when {d.liquidation_when} threshold",
        )
        mark_levels(ax, liquidation=lp, orientation="vertical", annotate=False)
        venue = d.exchanges[0].split(" ")[0] if d.exchanges else ""
        ax.set_title(f"{d.formula}\n(e.g. {venue})" if venue else d.formula, fontsize=10)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        format_price_axis(ax, "x", "$")
        ax.xaxis.set_major_locator(MaxNLocator(3))
        ax.legend(fontsize=7, loc="upper center")
        if name == "maintenance_to_balance":
            ax.set_ylim(0.0, 1.6)
        if name == "equity_to_maintenance":
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    return fig


def plot_isolated_vs_cross(
    isolated: Account,
    cross: Account,
    marks: Mapping[str, ArrayLike],
    *,
    x: ArrayLike | None = None,
    xlabel: str = "step of the mark path (steps in order, not a time)",
    title: str = "The same two positions, isolated and cross",
) -> Figure:
    """Prices (left, relative to entry) and account equity (right) along a mark path.

    ``isolated`` and ``cross`` hold the same positions in the two margin
    modes; their equity comes from ``account_equity_path``. Crosses mark
    the step at which a position is liquidated in each account. ``x`` (one
    value per step, e.g. the price change of the falling coin, drawn as a
    percentage) replaces the step number on the horizontal axes; ``xlabel``
    then says what it is, with its unit.
    """
    iso = account_equity_path(isolated, marks)
    crs = account_equity_path(cross, marks)
    steps = np.arange(len(iso))
    xs = steps if x is None else np.asarray(v.as_float_array("x", x), dtype=float)
    if xs.shape != steps.shape:
        raise ValueError(f"x must give one value per step ({steps.size}), got shape {xs.shape}")
    fig, (ax_p, ax_e) = new_figure(
        title, xlabel, "mark / entry price (%)", figsize=(11.0, 4.3), ncols=2
    )
    for pos, colour in zip(isolated.positions, CYCLE, strict=False):
        path = np.asarray(marks[pos.symbol], dtype=float)
        ax_p.plot(xs, path / pos.entry_price, color=colour, label=pos.symbol)
    ax_p.axhline(1.0, color=PALETTE["grey"], linewidth=0.8)
    ax_p.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax_p.set_title("prices", fontsize=10)
    ax_p.legend(fontsize=8)
    styles = (("isolated", iso, PALETTE["blue"], "-"), ("cross", crs, PALETTE["vermillion"], "--"))
    for label, frame, colour, ls in styles:
        ax_e.plot(xs, frame["equity"], color=colour, linestyle=ls, linewidth=2, label=label)
        by_step: dict[int, list[str]] = {}
        for symbol, at in frame.attrs["liquidated_at"].items():
            if at is not None:
                by_step.setdefault(at, []).append(symbol)
        for at, symbols in by_step.items():
            y = frame["equity"].iloc[at - 1] if at > 0 else frame["equity"].iloc[0]
            ax_e.plot([xs[at]], [frame["equity"].iloc[at]], "X", color=colour, markersize=9)
            ax_e.annotate(
                f"{label}: {', '.join(symbols)} liquidated",
                (xs[at], y),
                textcoords="offset points",
                xytext=(6, 4),
                fontsize=8,
                color=colour,
            )
    ax_e.set_ylabel("account equity (USDT)")
    ax_e.yaxis.set_major_formatter(price_formatter(""))
    ax_e.set_ylim(bottom=min(0.0, ax_e.get_ylim()[0]))
    ax_e.set_title("equity (X = liquidation)", fontsize=10)
    ax_e.legend(fontsize=8)
    if x is not None:
        for ax in (ax_p, ax_e):
            ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    return fig


def plot_liquidation_price_changes(
    side: str,
    entry_price: float,
    leverage: float,
    quantity: float,
    *,
    maintenance: TierTable | float = 0.004,
    max_added_margin: float | None = None,
    title: str = "Moving the liquidation price: add margin, or reduce size",
) -> Figure:
    """Liquidation price of an isolated position after adding margin (left) or closing part (right).

    Left: ``liquidation_price(..., margin=initial margin + added)``.
    Right: ``liquidation_price_after(..., reduce_quantity=...)`` at the entry
    price, with the margin released in proportion (what exchanges do) and
    with the whole margin kept on the smaller position.
    """
    e = float(v.positive("entry_price", entry_price))
    lev = float(v.leverage(leverage))
    q = float(v.positive("quantity", quantity))
    im = q * e / lev
    if isinstance(maintenance, TierTable):
        maintenance.check_leverage(q * e, lev)
    top = (
        2 * im
        if max_added_margin is None
        else float(v.positive("max_added_margin", max_added_margin))
    )
    added = np.linspace(0.0, top, 101)
    lp_add = np.asarray(
        liquidation_price(side, e, lev, q, maintenance=maintenance, margin=im + added)
    )
    cut = np.linspace(0.0, 0.9, 91)
    kept = np.asarray(
        liquidation_price_after(
            side, e, lev, q, reduce_quantity=cut * q, release_margin=False, maintenance=maintenance
        )
    )
    released = np.asarray(
        liquidation_price_after(
            side, e, lev, q, reduce_quantity=cut * q, release_margin=True, maintenance=maintenance
        )
    )
    fig, (ax_a, ax_r) = new_figure(
        title, "margin added (USDT)", "liquidation price (USDT)", figsize=(11.0, 4.3), ncols=2
    )
    ax_a.plot(added, lp_add, color=PALETTE["orange"], linewidth=2, label="liquidation price")
    ax_r.plot(cut, kept, color=PALETTE["orange"], linewidth=2, label="margin kept on the position")
    ax_r.plot(
        cut, released, color=PALETTE["sky"], linewidth=2, linestyle="--", label="margin released"
    )
    ax_r.set_xlabel("share of the position closed at the entry price (%)")
    ax_r.xaxis.set_major_formatter(PercentFormatter(1.0))
    for ax in (ax_a, ax_r):
        mark_levels(ax, entry=e)
        format_price_axis(ax, "y", "$")
        ax.legend(fontsize=8)
    ax_a.xaxis.set_major_formatter(price_formatter(""))
    ax_a.set_title(f"{side} {lev:g}x, {q:g} BTC: adding margin", fontsize=10)
    ax_r.set_title("reducing the size", fontsize=10)
    return fig
