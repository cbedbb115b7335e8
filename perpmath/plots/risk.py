"""Figures for section 08: risk management."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter
from numpy.typing import ArrayLike

from perpmath import _validate as v
from perpmath.plots.style import (
    PALETTE,
    format_price_axis,
    leverage_style,
    mark_levels,
    new_figure,
    price_formatter,
)
from perpmath.risk import ExitResult

__all__ = [
    "plot_leveraged_token",
    "plot_liquidation_probability",
    "plot_paths_to_liquidation",
    "plot_stop_in_gap",
    "plot_survival",
]


def plot_stop_in_gap(
    prices: ArrayLike,
    result: ExitResult,
    *,
    entry: float,
    stop: float | None = None,
    liquidation: float | None = None,
    times: ArrayLike | None = None,
    time_unit: str | None = None,
    path: int = 0,
    title: str = "A stop-loss is a trigger, not a price",
) -> Figure:
    """One price path with entry, stop and liquidation levels and where the exit filled.

    ``result`` comes from :func:`perpmath.risk.simulate_exit` on the same
    ``prices``. The gap between the stop line and the fill marker is the
    slippage the stop could not prevent. ``times`` (one per price) are in
    ``time_unit`` (default "days" with times, else the axis counts steps and
    says that a step is not a time).
    """
    p = np.atleast_2d(v.positive("prices", prices))[path]
    t = np.arange(p.size) if times is None else np.asarray(times, dtype=float)
    unit = time_unit or ("days" if times is not None else None)
    xlabel = f"time ({unit})" if unit else "step of the path (steps in order, not a time)"
    fig, ax = new_figure(title, xlabel, "mark price (USDT)")
    ax.plot(t, p, color=PALETTE["black"], linewidth=1.3, marker=".", markersize=3, label="mark")
    mark_levels(ax, entry=entry, stop=stop, liquidation=liquidation)
    k = int(result.step[path])
    fill = float(result.price[path])
    fmt = price_formatter("$")
    ax.plot(
        [t[k]],
        [fill],
        marker="X",
        markersize=11,
        color=PALETTE["vermillion"],
        linestyle="none",
        label=f"{result.reason[path]} fill {fmt(fill)}",
    )
    format_price_axis(ax, "y", "$")
    ax.legend(fontsize=8, loc="best")
    return fig


def plot_paths_to_liquidation(
    prices: ArrayLike,
    times: ArrayLike,
    *,
    entry: float,
    liquidation: float,
    side: str = "long",
    max_paths: int = 60,
    title: str | None = None,
) -> Figure:
    """A fan of simulated mark paths; a path that reaches the liquidation price ends there.

    A liquidated position no longer follows the price, so each such path is
    drawn only up to its first touch, in vermillion, with a cross there; the
    survivors are drawn in full, in light blue.
    """
    p = np.atleast_2d(v.positive("prices", prices))[:max_paths]
    t = np.asarray(times, dtype=float)
    s = v.side_sign(side)
    touched = (p <= liquidation) if s > 0 else (p >= liquidation)
    hit = touched.any(axis=1)
    fig, ax = new_figure(
        title or f"{hit.sum()} of {len(p)} simulated paths reach the liquidation price",
        "time (days)",
        "mark price (USDT)",
    )
    for row, h, where in zip(p, hit, touched, strict=True):
        if h:
            k = int(np.argmax(where))
            ax.plot(t[: k + 1], row[: k + 1], color=PALETTE["vermillion"], linewidth=0.9, alpha=0.8)
            ax.plot([t[k]], [row[k]], marker="x", color=PALETTE["vermillion"], markersize=5)
        else:
            ax.plot(t, row, color=PALETTE["sky"], linewidth=0.6, alpha=0.5)
    mark_levels(ax, entry=entry, liquidation=liquidation)
    format_price_axis(ax, "y", "$")
    ax.legend(fontsize=8, loc="best")
    return fig


def _leverage_style_of(column: object) -> dict[str, object]:
    """The course's style for a column named like ``"10x"`` (the cycle's next color otherwise)."""
    text = str(column)
    try:
        return leverage_style(float(text[:-1])) if text.endswith("x") else {}
    except ValueError:
        return {}


def plot_survival(curve: pd.DataFrame, *, title: str = "Share of positions still open") -> Figure:
    """Survival curves from :func:`perpmath.montecarlo.survival_curve` (one line per column).

    Each leverage keeps its color (``leverage_style``) here and in the explorer.
    """
    if curve.empty:
        raise ValueError("curve must have at least one column and one row")
    fig, ax = new_figure(title, "time held (days)", "not yet liquidated (% of simulated paths)")
    for col in curve.columns:
        style = _leverage_style_of(col)
        ax.plot(
            curve.index.to_numpy(), curve[col].to_numpy(), linewidth=1.8, label=str(col), **style
        )
    ax.set_ylim(-0.02, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.legend(title="leverage", fontsize=8, loc="best")
    return fig


def plot_liquidation_probability(
    grid: pd.DataFrame,
    *,
    closed_form: pd.DataFrame | None = None,
    title: str = "Probability of liquidation within the horizon",
) -> Figure:
    """Monte Carlo liquidation probability against leverage, one line per volatility.

    ``grid`` comes from :func:`perpmath.montecarlo.liquidation_probability_grid`
    (rows leverages, columns volatilities); ``closed_form`` (same shape)
    adds the continuous-monitoring closed form as dashed lines.
    """
    levs = np.array([float(str(x).rstrip("x")) for x in grid.index])
    fig, ax = new_figure(title, "leverage (x)", "probability of liquidation (%)")
    for k, col in enumerate(grid.columns):
        line = ax.plot(levs, grid[col].to_numpy(), marker="o", linewidth=1.8, label=f"{col} vol")
        if closed_form is not None:
            ax.plot(
                levs,
                closed_form.iloc[:, k].to_numpy(),
                linestyle="--",
                linewidth=1.0,
                color=line[0].get_color(),
            )
    ax.set_xscale("log")
    ax.set_xticks(levs, [f"{x:g}" for x in levs])
    ax.set_ylim(-0.02, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    note = " (dashed: closed form)" if closed_form is not None else ""
    ax.legend(title=f"annual volatility{note}", fontsize=8, loc="best")
    return fig


def plot_leveraged_token(
    prices: ArrayLike,
    navs: dict[str, ArrayLike],
    *,
    times: ArrayLike | None = None,
    title: str = "Leveraged tokens on a round trip of the index",
) -> Figure:
    """Index (as a multiple of its start) and the NAV of each leveraged token on one path."""
    p = np.asarray(v.positive("prices", prices), dtype=float).ravel()
    t = np.arange(p.size) if times is None else np.asarray(times, dtype=float)
    xlabel = "time (days: one price and one rebalance a day)" if times is None else "time (days)"
    fig, ax = new_figure(title, xlabel, "value (multiple of the start value)")
    ax.plot(t, p / p[0], color=PALETTE["black"], linewidth=2.2, label="index (1x, held)")
    for name, nav in navs.items():
        ax.plot(t, np.asarray(nav, dtype=float).ravel(), linewidth=1.5, label=name)
    ax.axhline(1.0, color=PALETTE["grey"], linewidth=0.8, linestyle=":")
    ax.legend(fontsize=8, loc="best")
    return fig
