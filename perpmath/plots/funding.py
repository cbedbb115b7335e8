"""Figures for section 07: funding rates."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter
from numpy.typing import ArrayLike

from perpmath import _validate as v
from perpmath.funding import funding_rate, funding_settlements, funding_share_of_margin
from perpmath.plots.style import (
    PALETTE,
    format_price_axis,
    leverage_style,
    mark_levels,
    new_figure,
)

__all__ = [
    "plot_funding_clamp",
    "plot_funding_cost",
    "plot_funding_history",
    "plot_liquidation_drift",
]


def plot_funding_clamp(
    premiums: ArrayLike | None = None,
    *,
    interest_rate: float = 0.0001,
    clamp: float = 0.0005,
    conventions: tuple[str, ...] = ("binance",),
    title: str = "Funding rate against the premium index (8-hour equivalent)",
) -> Figure:
    """Funding rate over 8 hours as a function of the premium index, one line per convention.

    Venues pay at different intervals (Hyperliquid every hour, an eighth of
    the 8-hour rate each time), so each convention's rate per payment from
    :func:`perpmath.funding.funding_rate` is scaled to 8 hours
    (x 8 / interval) before it is drawn: one axis, one unit. The flat
    stretch is the clamp at work: while the premium stays within +/-clamp of
    the interest rate, the rate equals the interest rate.
    """
    from perpmath.funding import FUNDING_CONVENTIONS

    p = (
        np.linspace(-0.002, 0.002, 401)
        if premiums is None
        else np.atleast_1d(v.as_float_array("premiums", premiums))
    )
    fig, ax = new_figure(title, "premium index over 8 hours (%)", "funding rate over 8 hours (%)")
    colours = [PALETTE[k] for k in ("blue", "orange", "green", "vermillion")]
    styles = ["-", "--", ":", "-."]
    for k, name in enumerate(conventions):
        conv = FUNDING_CONVENTIONS[name]
        per_8h = 8.0 / conv.interval_hours
        rate = np.asarray(funding_rate(p, interest_rate, clamp, name)) * per_8h
        paid = "every 8 h" if conv.interval_hours == 8 else f"{per_8h:g} payments of 1/{per_8h:g}"
        ax.plot(
            p,
            rate,
            color=colours[k % 4],
            linestyle=styles[k % 4],
            linewidth=1.8 + 0.6 * (k == 0),
            label=f"{name} ({paid})",
        )
    ax.plot(p, p, color=PALETTE["grey"], linestyle=":", linewidth=1.0, label="rate = premium")
    ax.axhline(0.0, color=PALETTE["black"], linewidth=0.6)
    ax.axvspan(interest_rate - clamp, interest_rate + clamp, color=PALETTE["sky"], alpha=0.15)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=2))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=2))
    ax.legend(fontsize=8, loc="upper left", title="shaded: rate = interest")
    return fig


def plot_funding_cost(
    rate: float,
    leverages: ArrayLike = (1, 5, 20, 50, 100),
    *,
    days: float = 30.0,
    interval_hours: float = 8.0,
    title: str | None = None,
) -> Figure:
    """Cumulative funding as a share of the initial margin over a holding period, per leverage.

    Constant rate and price: after k settlements the cost is rate x k x
    leverage of the margin (:func:`perpmath.funding.funding_share_of_margin`).
    The same payment per unit of notional is a much larger bite of a small
    margin.
    """
    levs = np.atleast_1d(v.leverage(leverages, "leverages")).ravel()
    n = int(funding_settlements(float(days) * 24.0, interval_hours))
    k = np.arange(0, n + 1)
    hours = k * float(interval_hours)
    fig, ax = new_figure(
        title or f"Funding at {rate:.4%} every {interval_hours:g} h, as a share of margin",
        "holding period (days)",
        "cumulative funding (% of the initial margin)",
    )
    for lev in levs:
        share = np.asarray(funding_share_of_margin(rate, lev, k))
        ax.step(
            hours / 24.0,
            share,
            where="post",
            linewidth=1.6,
            label=f"{lev:g}x",
            **leverage_style(lev),
        )
    ax.axhline(0.0, color=PALETTE["black"], linewidth=0.6)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.legend(title="leverage", fontsize=8, loc="best")
    return fig


def plot_liquidation_drift(frame: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Liquidation price (left) and isolated margin left (right) along funding settlements.

    ``frame`` comes from :func:`perpmath.funding.funding_over_time`; the
    entry and the starting liquidation price are drawn with ``mark_levels``.
    """
    needed = {"hours", "liquidation_price", "margin_left", "mark_price"}
    if not needed <= set(frame.columns):
        raise ValueError(
            f"frame must come from funding_over_time (columns {sorted(needed)}), "
            f"got columns {list(frame.columns)}"
        )
    fig, (ax_l, ax_m) = new_figure(
        title or "Funding slowly moves the liquidation price",
        "time held (days)",
        "price (USDT)",
        figsize=(11.0, 4.3),
        ncols=2,
    )
    days = np.concatenate([[0.0], frame["hours"].to_numpy() / 24.0])
    start_lp = float(frame.attrs.get("initial_liquidation_price", np.nan))
    lp = np.concatenate([[start_lp], frame["liquidation_price"].to_numpy()])
    ax_l.plot(days, lp, color=PALETTE["orange"], linewidth=2.0, label="liquidation price")
    entry = float(frame["mark_price"].iloc[0]) if len(frame) else None
    mark_levels(ax_l, entry=entry, extra=[("start liquidation", start_lp)])
    format_price_axis(ax_l, "y", "$")
    ax_l.set_title("liquidation price")
    ax_l.legend(fontsize=8, loc="best")
    m0 = float(frame.attrs.get("initial_margin", np.nan))
    margin = np.concatenate([[m0], frame["margin_left"].to_numpy()])
    ax_m.plot(days, margin, color=PALETTE["blue"], linewidth=2.0, label="isolated margin")
    ax_m.set_ylabel("margin left (USDT)")
    format_price_axis(ax_m, "y", "")
    ax_m.set_title("margin after funding")
    if frame.attrs.get("liquidated"):
        ax_m.plot(
            [days[-1]],
            [margin[-1]],
            marker="X",
            markersize=10,
            color=PALETTE["vermillion"],
            linestyle="none",
            label="liquidated",
        )
    ax_m.legend(fontsize=8, loc="best")
    return fig


def plot_funding_history(
    times: ArrayLike,
    rates: ArrayLike,
    *,
    held: tuple[object, object] | None = None,
    baseline: float | None = 0.0001,
    title: str = "Funding rate at each settlement",
) -> Figure:
    """Funding rate per settlement as bars over time, with an optional holding period shaded.

    ``times`` are settlement timestamps (anything pandas reads; drawn in
    UTC), ``rates`` the rate charged at each (fractions: positive, longs
    pay; negative, shorts pay). Bars are colored by sign; ``held`` =
    (entry time, exit time) shades the period a position was open;
    ``baseline`` draws the interest-only rate (None: no line). Say in the
    title whether the rates are real (venue, symbol, interval) or simulated.
    """
    t = pd.DatetimeIndex(pd.to_datetime(np.atleast_1d(np.asarray(times)), utc=True))
    r = np.atleast_1d(v.as_float_array("rates", rates)).ravel()
    if r.size != len(t) or r.size == 0:
        raise ValueError(f"rates must hold one rate per settlement time ({len(t)}), got {r.size}")
    x = t.tz_localize(None).to_numpy()
    fig, ax = new_figure(title, "settlement time (UTC)", "funding rate per settlement (%)")
    gaps = np.diff(x).astype("timedelta64[s]").astype(float) / 86_400.0
    width = 0.6 * (float(np.min(gaps)) if gaps.size else 1.0 / 3.0)
    pays = np.where(r >= 0, PALETTE["vermillion"], PALETTE["blue"])
    ax.bar(x, r, width=width, color=pays, edgecolor="none", zorder=2)
    handles = [
        Patch(color=PALETTE["vermillion"], label="positive: longs pay shorts"),
        Patch(color=PALETTE["blue"], label="negative: shorts pay longs"),
    ]
    if baseline is not None:
        b = float(baseline)
        handles.append(
            ax.axhline(b, color=PALETTE["grey"], linestyle=":", label=f"interest only, {b:.2%}")
        )
    ax.axhline(0.0, color=PALETTE["black"], linewidth=0.6)
    if held is not None:
        start, end = (pd.Timestamp(pd.to_datetime(h, utc=True)).tz_localize(None) for h in held)
        if end < start:
            raise ValueError(f"held must be (entry time, exit time) in order, got {held!r}")
        handles.append(
            ax.axvspan(
                start, end, color=PALETTE["sky"], alpha=0.25, zorder=1, label="position held"
            )
        )
    ax.legend(handles=handles, fontsize=8, loc="best")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=2))
    fig.autofmt_xdate()
    return fig
