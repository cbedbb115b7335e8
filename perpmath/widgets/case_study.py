"""Explorer for section 09: a smaller crash replay whose settings can be changed."""

from __future__ import annotations

import ipywidgets as w
import numpy as np
import pandas as pd

from perpmath.exchange import WATERFALLS, matched_population, simulate_exchange
from perpmath.paths import flash_crash_path, gbm_paths
from perpmath.plots.case_study import plot_cascade
from perpmath.venue_rules import VENUE_RULES
from perpmath.widgets._common import explorer, fixed_axes, memo, named

__all__ = ["case_study_explorer", "small_replay_inputs"]


#: Fixed scales of the explorer: the mark from 40% to 105% of the entry (the
#: deepest crash, 50%, with the thinnest book and feedback bottoms near 49%),
#: and up to 1.6 million USDT liquidated in one step (the most seen over the
#: sliders' extremes is about 1.47 million; ``tests/test_widgets_protection.py``).
PRICE_SCALE = (0.40, 1.05)
NOTIONAL_SCALE = 1_600_000.0

_ENTRY = 43_000.0  # the price the explorer's small venue opens at
_MAINTENANCE = 0.004  # one flat maintenance rate for every account (simulate_exchange's default)
_STEP_MINUTES = 12.0  # half a day in 60 steps
_WATERFALL_WORDS = {
    "fund_then_adl": "fund, then ADL",
    "fund_then_socialized": "fund, then socialized loss",
    "fund_only": "insurance fund only",
    "none": "no protection",
}


def small_replay_inputs(
    drop: float = 0.3, *, entry_price: float = _ENTRY, n_pairs: int = 100, n_steps: int = 60
) -> tuple[pd.DataFrame, np.ndarray]:
    """A small population and a simulated crash path for the explorer: small
    enough that one run of the exchange engine takes a few tens of milliseconds.

    ``n_pairs`` long/short pairs (seed 9, leverage 2x-100x, 0.01-1 BTC each)
    opened at ``entry_price``; the path is a seeded random walk (annual
    volatility 80%, half a day in ``n_steps`` steps, seed 5) with a fall of ``drop`` over the
    middle of the path and 40% of it won back. Simulated, not historical.
    """
    population = matched_population(
        n_pairs, entry_price=entry_price, leverage=(2.0, 100.0), quantity=(0.01, 1.0), rng=9
    )
    noise = gbm_paths(entry_price, 0.8, 0.5, n_steps, 1, np.random.default_rng(5))
    path = flash_crash_path(
        entry_price,
        n_steps,
        crash_at=n_steps // 6,
        drop=drop,
        crash_steps=n_steps // 4,
        recovery=0.4,
        recovery_steps=n_steps // 4,
        base=noise,
    )[0]
    return population, path


def _replay_controls(
    drop: float, depth: float, delay: int, waterfall: str, rules: str, feedback: bool
) -> list[w.Widget]:
    """The explorer's controls, each named after the keyword render receives."""
    return [
        named(
            w.FloatSlider(
                value=drop,
                min=0.05,
                max=0.5,
                step=0.05,
                description="crash",
                readout_format=".0%",
                continuous_update=True,
            ),
            "drop",
        ),
        named(
            w.FloatLogSlider(
                value=depth,
                base=10,
                min=-1,
                max=1,
                step=0.1,
                description="BTC / level",
                continuous_update=True,
            ),
            "depth",
        ),
        named(
            w.IntSlider(
                value=delay,
                min=0,
                max=10,
                step=1,
                description="delay (steps)",
                continuous_update=True,
            ),
            "delay",
        ),
        named(
            w.Dropdown(
                options=[(_WATERFALL_WORDS[k], k) for k in WATERFALLS],
                value=waterfall,
                description="waterfall",
            ),
            "waterfall",
        ),
        named(w.Dropdown(options=list(VENUE_RULES), value=rules, description="rules"), "rules"),
        named(w.Checkbox(value=feedback, description="liquidations move the price"), "feedback"),
    ]


def case_study_explorer(
    drop: float = 0.3,
    depth: float = 1.0,
    delay: int = 0,
    waterfall: str = "fund_then_adl",
    insurance_fund: float = 5_000.0,
    rules: str = "binance",
    feedback: bool = True,
) -> w.VBox:
    """Crash depth, book depth (BTC per level), engine delay, waterfall, venue
    rules and price feedback -> the cascade.

    200 accounts ride ``small_replay_inputs(drop)`` (the outside price, 60
    steps) in a book that thins as the price falls; with feedback their
    liquidations move the mark. Each new setting runs ``simulate_exchange``
    once and is remembered (``memo``); the sliders redraw while they move,
    over fixed scales (``PRICE_SCALE``, ``NOTIONAL_SCALE``). The text reports
    liquidations, fills beyond bankruptcy, the fund's low point, the lowest
    mark against the lowest outside price, and ADL.
    """
    controls = _replay_controls(drop, depth, delay, waterfall, rules, feedback)
    inputs = memo(small_replay_inputs)
    population, _ = inputs(drop)
    note = w.HTML(
        f"<i>Simulated: {len(population)} accounts ({len(population) // 2} long/short pairs, "
        f"2x-100x, seed 9, opened at {_ENTRY:,.0f} USDT, one flat maintenance rate of "
        f"{_MAINTENANCE:.1%}, an insurance fund of {insurance_fund:,.0f} USDT) on a seeded "
        "random walk of half a day in 60 steps (12 minutes each) with the chosen fall; each "
        "new setting runs the exchange engine once, and settings already seen are shown from "
        "memory.</i>"
    )

    @memo
    def run(drop: float, depth: float, delay: int, waterfall: str, rules: str, feedback: bool):
        population, path = inputs(drop)
        result = simulate_exchange(
            population,
            path,
            waterfall=waterfall,
            insurance_fund=insurance_fund,
            book="thinning",
            book_params={
                "tick": 0.0005 * float(path[0]),
                "levels": 400,
                "size": depth,
                "decay": 0.005,
                "reference_price": float(path[0]),
                "exponent": 3.0,
            },
            delay=delay,
            rules=rules,
            feedback=feedback,
            maintenance=_MAINTENANCE,
        )
        return result, float(path[0])

    def render(drop: float, depth: float, delay: int, waterfall: str, rules: str, feedback: bool):
        result, start = run(round(drop, 4), round(depth, 6), delay, waterfall, rules, feedback)
        e, h = result.events, result.history
        fig = plot_cascade(
            result,
            title=f"Simulated {drop:.0%} crash, {rules}-style rules, {_WATERFALL_WORDS[waterfall]}",
            step_minutes=_STEP_MINUTES,
        )
        low_price, high_price = PRICE_SCALE
        fixed_axes(
            fig,
            {0: {"y": (low_price * start, high_price * start)}, 1: {"y": (0.0, NOTIONAL_SCALE)}},
        )
        low, final = max(float(h["fund"].min()), 0.0), max(float(h["fund"].iloc[-1]), 0.0)
        text = (
            f"{len(e)} liquidations, {int((e['equity_at_fill'] < 0).sum())} filled beyond "
            f"bankruptcy; fund {insurance_fund:,.0f} USDT, lowest {low:,.0f}, final {final:,.0f}; "
            f"{result.adl['counterparty'].nunique()} accounts hit by ADL; lowest mark "
            f"{h['mark'].min():,.0f} against a lowest outside price of {h['shock'].min():,.0f}."
        )
        return fig, text

    return explorer(controls, render, title="Replay a crash: cascade, fund and ADL", status=[note])
