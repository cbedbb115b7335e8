"""Explorers for section 08: survival by Monte Carlo, and a stop-loss in a gap."""

from __future__ import annotations

import ipywidgets as w
import numpy as np

from perpmath.liquidation import liquidation_price
from perpmath.montecarlo import liquidation_probability_closed_form, survival_curve
from perpmath.paths import flash_crash_path
from perpmath.plots.risk import plot_stop_in_gap, plot_survival
from perpmath.risk import simulate_exit
from perpmath.widgets._common import explorer, fixed_axes, leverage_slider, named, side_toggle

__all__ = ["stop_gap_explorer", "survival_explorer"]


def survival_explorer(
    leverage: int = 20,
    volatility_pct: int = 60,
    days: int = 7,
    side: str = "long",
    n_paths: int = 2_000,
    seed: int = 8,
) -> w.VBox:
    """Survival curves at 1x..N leverages against volatility, horizon and jumps.

    Each redraw simulates ``n_paths`` seeded hourly mark paths (common to all
    leverages) with :func:`perpmath.montecarlo.survival_curve`; a progress bar
    under the controls fills as chunks of paths finish (large runs take more
    than a moment). The text compares the Monte Carlo with the closed form
    for the chosen leverage (without jumps the two agree up to sampling
    error and the hourly checking).
    """
    progress = w.FloatProgress(value=0.0, min=0.0, max=1.0, description="simulating")
    controls = [
        side_toggle(side),
        leverage_slider(leverage, low=2),
        named(
            w.IntSlider(value=volatility_pct, min=10, max=150, step=5, description="vol (%/yr)"),
            "volatility_pct",
        ),
        named(w.IntSlider(value=days, min=1, max=30, description="days"), "days"),
        named(w.Checkbox(value=False, description="jumps (about 1 a month, -10 %)"), "jumps"),
    ]

    def tick(fraction: float) -> None:
        progress.value = fraction

    def render(side: str, leverage: int, volatility_pct: int, days: int, jumps: bool):
        progress.value = 0.0
        sigma = volatility_pct / 100.0
        levs = sorted({2, 5, 10, int(leverage)})
        curve = survival_curve(
            side,
            levs,
            sigma,
            days,
            rng=np.random.default_rng(seed),
            n_paths=n_paths,
            model="jump" if jumps else "gbm",
            **({"jump_mean": -0.10} if jumps else {}),  # a jump size applies only with jumps
            chunk_size=max(250, n_paths // 4),
            progress=tick,
        )
        col = f"{leverage:g}x"
        mc = 1.0 - float(curve[col].iloc[-1])
        closed = float(liquidation_probability_closed_form(side, leverage, sigma, days))
        fig = plot_survival(
            curve,
            title=f"{side} positions not yet liquidated, {volatility_pct}% volatility (simulated)",
        )
        fixed_axes(fig, {0: {"y": (0.0, 1.02)}})
        text = (
            f"{col} {side}: liquidated within {days} day(s) on {mc:.1%} of {n_paths:,} simulated "
            f"paths (closed form without jumps, continuous checking: {closed:.1%})."
        )
        return fig, text

    box = explorer(
        controls, render, title="Survival: probability of not being liquidated", status=[progress]
    )
    box.progress = progress
    return box


def stop_gap_explorer(
    drop_pct: float = 10.0,
    stop_pct: float = 3.0,
    leverage: int = 5,
    capital: float = 10_000.0,
    risk_pct: float = 2.0,
) -> w.VBox:
    """Size of a one-tick gap and distance of the stop: where the stop fills, and the real loss.

    The position is sized by the fixed-fraction rule to lose ``risk_pct`` of
    ``capital`` at the stop; a scripted crash (:func:`flash_crash_path`)
    gaps through it and :func:`simulate_exit` fills the stop at the first
    price past it.
    """
    from perpmath.risk import position_size

    entry = 96_000.0
    controls = [
        named(
            w.FloatSlider(value=drop_pct, min=1.0, max=30.0, step=0.5, description="gap (%)"),
            "drop_pct",
        ),
        named(
            w.FloatSlider(value=stop_pct, min=0.5, max=10.0, step=0.25, description="stop (%)"),
            "stop_pct",
        ),
        leverage_slider(leverage, low=2, high=100),
    ]

    def render(drop_pct: float, stop_pct: float, leverage: int):
        path = flash_crash_path(entry, 40, crash_at=15, drop=drop_pct / 100.0, recovery=0.5)
        stop = entry * (1 - stop_pct / 100.0)
        qty = float(position_size(capital, risk_pct / 100.0, entry, stop, side="long"))
        liq = float(liquidation_price("long", entry, leverage, qty))
        res = simulate_exit("long", entry, path, quantity=qty, stop=stop, liquidation=liq)
        fig = plot_stop_in_gap(
            path, res, entry=entry, stop=stop, liquidation=liq, time_unit="minutes, scripted path"
        )
        fixed_axes(fig, {0: {"y": (0.66 * entry, 1.03 * entry)}})  # gaps up to the slider's 30%
        loss = -float(res.pnl[0])
        planned = capital * risk_pct / 100
        text = f"Size {qty:.4f} BTC risks {risk_pct:g}% = {planned:,.0f} USDT at the stop; "
        if res.reason[0] == "liquidation":
            margin = qty * entry / leverage
            text += (
                f"the gap reaches the liquidation price {liq:,.0f} first: the {leverage}x isolated "
                f"margin of {margin:,.0f} USDT is lost and the stop never acts."
            )
        else:
            text += (
                f"the stop fills at {float(res.price[0]):,.0f}: loss {loss:,.0f} USDT "
                f"= {loss / capital:.1%} of capital, {loss / planned:.1f} times the plan."
            )
        return fig, text

    return explorer(controls, render, title="A stop-loss in a price gap")
