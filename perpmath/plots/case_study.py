"""Figures for section 09: a crash replayed through a population of positions.

They read a ``SimulationResult`` from ``perpmath.exchange.simulate_exchange``
(its ``history`` and ``events`` tables) and only arrange and label; the
insurance fund and ADL figures of section 06 (``perpmath.plots.protection``)
apply unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import cycle

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from perpmath import _validate as v
from perpmath.exchange import SimulationResult
from perpmath.plots.style import PALETTE, format_price_axis, new_figure

__all__ = [
    "liquidations_by_side",
    "plot_book_depth",
    "plot_cascade",
    "plot_feedback_comparison",
    "plot_fills_vs_bankruptcy",
    "plot_real_replay",
]


#: Style of a run's mark and selling lines by whether its liquidations move the price
#: (``result.config["feedback"]``): the same in the comparison figures and the explorer.
FEEDBACK_STYLES = {
    False: {"color": PALETTE["blue"], "linestyle": "-"},
    True: {"color": PALETTE["orange"], "linestyle": "--"},
}
_SPARE_STYLES = [
    {"color": PALETTE["green"], "linestyle": ":"},
    {"color": PALETTE["vermillion"], "linestyle": "-."},
    {"color": PALETTE["purple"], "linestyle": "-"},
    {"color": PALETTE["sky"], "linestyle": "--"},
]


def _clock(step_minutes: float | None) -> tuple[str, float, str]:
    """(time axis label, minutes per step, "per step" in words) of a simulated run.

    With ``step_minutes`` the axis is in minutes and says the step it assumes;
    without, it counts steps and says plainly that a step is not a time.
    """
    if step_minutes is None:
        return "simulation step (steps in order, not a time)", 1.0, "per step"
    m = float(v.scalar("step_minutes", v.positive("step_minutes", step_minutes)))
    return f"time (minutes, simulated {m:g}-minute steps)", m, f"per {m:g}-minute step"


def _feedback_styles(runs: Mapping[str, SimulationResult]) -> dict[str, dict[str, str]]:
    """Each run's line style: ``FEEDBACK_STYLES`` by its feedback, spare styles for repeats."""
    seen: set[bool] = set()
    spare = cycle(_SPARE_STYLES)
    styles = {}
    for name, r in runs.items():
        feedback = bool(r.config.get("feedback"))
        styles[name] = dict(FEEDBACK_STYLES[feedback] if feedback not in seen else next(spare))
        seen.add(feedback)
    return styles


def _result(result: SimulationResult) -> SimulationResult:
    if not isinstance(result, SimulationResult):
        raise ValueError(f"result must be a SimulationResult, got {type(result).__name__}")
    return result


def liquidations_by_side(result: SimulationResult, times: ArrayLike) -> dict[str, object]:
    """One run of a replay in a few numbers, long side against short side.

    ``times``: the clock of the path, one entry per step (e.g. the real bars'
    timestamps). Returns the longs and the shorts liquidated, the time the
    insurance fund was first below 1 USDT (``None`` if it never was), the
    quantity ADL closed on each side (BTC: longs closed for bankrupt shorts,
    and shorts closed for bankrupt longs) and the largest distance of the
    venue's mark above the outside price (USDT; 0 without feedback).
    """
    r = _result(result)
    clock = pd.Series(pd.to_datetime(np.asarray(times)))
    if len(clock) != len(r.history):
        raise ValueError(
            f"times must have one entry per step of the run ({len(r.history)}), got {len(clock)}"
        )
    e = r.events
    bankrupt_side = e.drop_duplicates(["step", "account"]).set_index(["step", "account"])["side"]
    adl_side = bankrupt_side.reindex(pd.MultiIndex.from_frame(r.adl[["step", "liquidated"]]))
    empty = r.fund.index[r.fund < 1.0]
    return {
        "longs liquidated": int((e["side"] == "long").sum()),
        "shorts liquidated": int((e["side"] == "short").sum()),
        "fund empty at (UTC)": f"{clock[int(empty[0])]:%H:%M}" if len(empty) else None,
        "ADL: longs closed for bankrupt shorts (BTC)": float(
            r.adl["quantity"].to_numpy()[adl_side.to_numpy() == "short"].sum()
        ),
        "ADL: shorts closed for bankrupt longs (BTC)": float(
            r.adl["quantity"].to_numpy()[adl_side.to_numpy() == "long"].sum()
        ),
        "mark above the real close, at most (USDT)": float(r.history["impact"].max()),
    }


def plot_cascade(
    result: SimulationResult,
    *,
    title: str = "The liquidation cascade (simulated)",
    step_minutes: float | None = None,
) -> Figure:
    """Mark price (line, left axis) and the notional liquidated at each step,
    valued at the mark (bars, right axis: longs in vermillion, shorts in
    green), from the simulation's history and events. ``step_minutes`` gives
    the time axis in minutes (the length a scenario gives one step); without
    it the axis counts steps and says a step is not a time. The mark is drawn
    in the style of its run in ``plot_feedback_comparison`` (``FEEDBACK_STYLES``:
    blue and solid without feedback, orange and dashed with it)."""
    r = _result(result)
    h, e = r.history, r.events
    unit, scale, per = _clock(step_minutes)
    feedback = bool(r.config.get("feedback"))
    fig, ax = new_figure(title, unit, "mark price (USDT)", figsize=(10.0, 4.5))
    ax.plot(
        h["step"] * scale,
        h["mark"],
        linewidth=1.3,
        label=f"mark price ({'with' if feedback else 'without'} feedback)",
        **FEEDBACK_STYLES[feedback],
    )
    format_price_axis(ax, "y", "$")
    ax2 = ax.twinx()
    ax2.spines[["top"]].set_visible(False)
    steps = h["step"].to_numpy()
    for side, colour in (("long", PALETTE["vermillion"]), ("short", PALETTE["green"])):
        part = e[e["side"] == side]
        per_step = (
            (part["quantity"] * part["mark"]).groupby(part["step"]).sum()
            if len(part)
            else pd.Series(dtype=float)
        )
        values = per_step.reindex(steps, fill_value=0.0).to_numpy()
        edges = np.append(steps - 0.5, steps[-1] + 0.5) * scale if steps.size else np.array([0.0])
        ax2.stairs(values, edges, fill=True, alpha=0.55, color=colour, label=f"{side}s liquidated")
    ax2.set_ylabel(f"notional liquidated {per} (USDT)")
    format_price_axis(ax2, "y", "")
    lines, labels = ax.get_legend_handles_labels()
    bars, bar_labels = ax2.get_legend_handles_labels()
    ax.legend(lines + bars, labels + bar_labels, fontsize=8, loc="lower left")
    ax.set_zorder(ax2.get_zorder() + 1)
    ax.patch.set_visible(False)
    return fig


def plot_fills_vs_bankruptcy(
    result: SimulationResult,
    *,
    title: str = "Each liquidation: fill against bankruptcy price (simulated)",
) -> Figure:
    """One point per liquidation filled in the book: bankruptcy price (x)
    against average fill (y). On the diagonal the fill equals the
    bankruptcy price; longs below it and shorts above it left a deficit
    (drawn as crosses)."""
    e = _result(result).events
    # positions closed wholly by ADL have no book fill (book_quantity 0): not drawn
    e = e[e["book_quantity"] > 0]
    fig, ax = new_figure(title, "bankruptcy price (USDT)", "average fill (USDT)")
    if e.empty:
        ax.text(
            0.5, 0.5, "no liquidation in this run", ha="center", va="center", transform=ax.transAxes
        )
        return fig
    bp, fill = e["bankruptcy_price"].to_numpy(), e["vwap"].to_numpy()
    sign = np.where(e["side"].to_numpy() == "long", 1.0, -1.0)
    beyond = sign * (fill - bp) < 0
    for side, colour in (("long", PALETTE["blue"]), ("short", PALETTE["green"])):
        mine = e["side"].to_numpy() == side
        if not mine.any():
            continue
        ax.scatter(
            bp[mine & ~beyond],
            fill[mine & ~beyond],
            s=10,
            color=colour,
            alpha=0.6,
            label=f"{side}: fill before bankruptcy",
        )
        ax.scatter(
            bp[mine & beyond],
            fill[mine & beyond],
            s=18,
            marker="x",
            color=PALETTE["vermillion"] if side == "long" else PALETTE["purple"],
            label=f"{side}: fill beyond bankruptcy",
        )
    lo, hi = float(min(bp.min(), fill.min())), float(max(bp.max(), fill.max()))
    ax.plot(
        [lo, hi],
        [lo, hi],
        color=PALETTE["grey"],
        linewidth=1.0,
        linestyle="--",
        label="fill = bankruptcy price",
    )
    format_price_axis(ax, "x", "$")
    format_price_axis(ax, "y", "$")
    ax.legend(fontsize=8, loc="upper left")
    return fig


def plot_book_depth(
    steps: ArrayLike,
    marks: ArrayLike,
    depth: ArrayLike,
    *,
    within: float = 0.01,
    title: str = "The book thins as the price falls (simulated)",
    step_minutes: float | None = None,
) -> Figure:
    """Bid depth within ``within`` (fraction) of the mid at each step (left
    axis, BTC) with the mark price (right axis). ``step_minutes`` puts the
    time axis in minutes; without it the axis counts steps, not time."""
    s = v.as_float_array("steps", steps)
    m = v.positive("marks", marks)
    d = v.non_negative("depth", depth)
    if s.ndim != 1 or s.shape != m.shape or s.shape != d.shape or s.size == 0:
        raise ValueError(
            "steps, marks and depth must be non-empty, one-dimensional and of equal length, "
            f"got shapes {s.shape}, {m.shape} and {d.shape}"
        )
    w = float(v.positive("within", within))
    unit, scale, _ = _clock(step_minutes)
    s = s * scale
    fig, ax = new_figure(title, unit, f"bids within {w:.1%} of the mid (BTC)")
    ax.fill_between(s, d, color=PALETTE["sky"], alpha=0.6, label="bid depth")
    ax.set_ylim(bottom=0)
    ax2 = ax.twinx()
    ax2.spines[["top"]].set_visible(False)
    ax2.plot(s, m, color=PALETTE["black"], linewidth=1.2, label="mark price")
    ax2.set_ylabel("mark price (USDT)")
    format_price_axis(ax2, "y", "$")
    lines, labels = ax.get_legend_handles_labels()
    more, more_labels = ax2.get_legend_handles_labels()
    ax.legend(lines + more, labels + more_labels, fontsize=8, loc="lower left")
    return fig


def _runs(results: Mapping[str, SimulationResult]) -> dict[str, SimulationResult]:
    if not isinstance(results, Mapping) or not results:
        raise ValueError("results must map at least one name to a SimulationResult")
    for r in results.values():
        _result(r)
    return dict(results)


def plot_feedback_comparison(
    results: Mapping[str, SimulationResult],
    *,
    step_minutes: float | None = None,
    title: str = "The same shock with and without feedback (simulated)",
) -> Figure:
    """Left: the outside price (the shock) of the first run (dashed) and each run's
    mark; right: coin sold into the book by liquidations per step, one line
    per run, styled by its feedback (``FEEDBACK_STYLES``, as in the explorer).
    ``step_minutes`` labels the time axis in minutes; without it the axis
    counts steps and says a step is not a time."""
    runs = _runs(results)
    unit, scale, per = _clock(step_minutes)
    styles = _feedback_styles(runs)
    fig, (ax_p, ax_v) = new_figure(title, unit, "price (USDT)", figsize=(11.0, 4.3), ncols=2)
    first = next(iter(runs.values())).history
    ax_p.plot(first["step"] * scale, first["shock"], color=PALETTE["grey"], linestyle="--",
              linewidth=1.2, label="outside price (the shock)")  # fmt: skip
    for name, r in runs.items():
        h = r.history
        style = styles[name]
        ax_p.plot(h["step"] * scale, h["mark"], linewidth=1.6, label=f"mark: {name}", **style)
        ax_v.plot(h["step"] * scale, h["sold"], linewidth=1.4, label=name, **style)
    format_price_axis(ax_p, "y", "$")
    ax_p.set_title("prices")
    ax_p.legend(fontsize=8, loc="lower left")
    ax_v.set_ylabel(f"sold into the book by liquidations (BTC {per})")
    ax_v.set_title("liquidation selling")
    ax_v.legend(fontsize=8, loc="upper right")
    return fig


def plot_real_replay(
    times: ArrayLike,
    real_close: ArrayLike,
    result: SimulationResult,
    *,
    label: str = "real: Binance USD-M BTCUSDT perpetual, 5-minute closes",
    title: str = "10 October 2025: the real path and the simulated venue",
) -> Figure:
    """The real closes (solid) against the simulated venue's mark driven by
    them (dashed) on the left; on the right the simulated fund and the
    quantity ADL closed per bar."""
    t = np.asarray(times)
    c = v.positive("real_close", real_close)
    h = _result(result).history
    if t.shape != c.shape or c.size != len(h):
        raise ValueError(
            f"times and real_close must have one value per step of the result ({len(h)}), "
            f"got {t.size} and {c.size}"
        )
    fig, (ax_p, ax_f) = new_figure(title, "time (UTC)", "price (USDT)", figsize=(11.0, 4.3),
                                   ncols=2)  # fmt: skip
    ax_p.plot(t, c, color=PALETTE["black"], linewidth=1.3, label=label)
    ax_p.plot(t, h["mark"], color=PALETTE["vermillion"], linestyle="--", linewidth=1.2,
              label="simulated venue's mark (real path + its own liquidations)")  # fmt: skip
    format_price_axis(ax_p, "y", "$")
    # upper right: the day's low (late in the window's first half) stays in sight
    ax_p.legend(fontsize=7, loc="upper right")
    ax_p.set_title("prices")
    ax_f.plot(
        t, h["fund"], color=PALETTE["blue"], linewidth=1.5, label="insurance fund (simulated)"
    )
    ax_f.set_ylabel("insurance fund (USDT)")
    format_price_axis(ax_f, "y", "")
    ax_a = ax_f.twinx()
    ax_a.spines[["top"]].set_visible(False)
    ax_a.bar(t, h["adl_quantity"], width=0.003, color=PALETTE["orange"],
             label="closed by ADL (simulated)")  # fmt: skip
    ax_a.set_ylabel("closed by ADL (BTC per bar)")
    lines, labels = ax_f.get_legend_handles_labels()
    more, more_labels = ax_a.get_legend_handles_labels()
    ax_f.legend(lines + more, labels + more_labels, fontsize=7, loc="upper right")
    ax_f.set_title("fund and ADL")
    for ax in (ax_p, ax_f):
        ax.tick_params(axis="x", labelrotation=30, labelsize=7)
    return fig
