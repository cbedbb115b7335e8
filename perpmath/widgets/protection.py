"""Explorer for section 06: fund size, crash severity and regime -> who pays."""

from __future__ import annotations

from typing import Any

import ipywidgets as w
import numpy as np
import pandas as pd

from perpmath.exchange import SimulationResult, matched_population, simulate_exchange
from perpmath.paths import flash_crash_path
from perpmath.plots.protection import plot_loss_waterfall
from perpmath.venue_rules import VENUE_RULES
from perpmath.widgets._common import explorer, fixed_axes, memo, named

__all__ = ["REGIMES", "protection_crash", "protection_explorer"]

#: The four regimes of section 06, as ``simulate_exchange`` settings.
REGIMES: dict[str, dict[str, Any]] = {
    "insurance fund only": {"waterfall": "fund_only"},
    "fund, then ADL": {"waterfall": "fund_then_adl"},
    "fund, then socialized loss": {"waterfall": "fund_then_socialized"},
    "no protection": {"waterfall": "none", "negative_balance_protection": False},
}


def protection_crash(
    drop: float = 0.06,
    *,
    entry_price: float = 96_000.0,
    n_steps: int = 60,
    slide: float = 0.03,
) -> np.ndarray:
    """The section's scripted crash (a scenario, not data): a slide of ``slide``
    over 20 steps, then a fall of ``drop`` in 2 steps at step 30, half of it
    won back over 15 steps. Built with ``perpmath.paths.flash_crash_path``."""
    base = flash_crash_path(
        entry_price, n_steps, crash_at=5, drop=slide, crash_steps=20, recovery=0.0
    )
    return flash_crash_path(
        entry_price,
        n_steps,
        crash_at=30,
        drop=drop,
        crash_steps=2,
        recovery=0.5,
        recovery_steps=15,
        base=base,
    )[0]


#: Top of the explorer's USDT axis: above the loss to cover under every regime
#: and venue at the deepest crash of the slider (at most 255,569 USDT, with
#: Hyperliquid's rules and ADL; ``tests/test_widgets_protection.py`` checks it).
LOSS_SCALE = 280_000.0

_PAIRS = 150


def _population(entry_price: float) -> pd.DataFrame:
    return matched_population(
        _PAIRS, entry_price=entry_price, leverage=(5.0, 75.0), quantity=(0.05, 1.0), rng=11
    )


def _protection_controls(
    insurance_fund: float, drop: float, regime: str, rules: str
) -> list[w.Widget]:
    """The explorer's controls, each named after the keyword render receives."""
    return [
        named(
            w.IntSlider(
                value=int(insurance_fund),
                min=0,
                max=60_000,
                step=2_500,
                description="fund USDT",
                continuous_update=True,
            ),
            "insurance_fund",
        ),
        named(
            w.FloatSlider(
                value=drop,
                min=0.01,
                max=0.15,
                step=0.01,
                description="crash",
                readout_format=".0%",
                continuous_update=True,
            ),
            "drop",
        ),
        named(w.Dropdown(options=list(REGIMES), value=regime, description="regime"), "regime"),
        named(w.Dropdown(options=list(VENUE_RULES), value=rules, description="venue"), "rules"),
    ]


def protection_explorer(
    insurance_fund: float = 10_000.0,
    drop: float = 0.06,
    regime: str = "fund, then ADL",
    entry_price: float = 96_000.0,
    rules: str = "binance",
) -> w.VBox:
    """Fund size, crash severity (the fall at step 30), regime and venue rules
    -> the loss waterfall.

    300 accounts in long/short pairs (``matched_population``, seed 11, leverage
    5x-75x) ride ``protection_crash(drop)`` in a thinning book; each new
    setting runs ``simulate_exchange`` once (a few tens of milliseconds) and
    is remembered (``memo``), so a slider dragged back shows its runs at once.
    The sliders redraw while they move, over one USDT scale (``LOSS_SCALE``).
    """
    population = _population(entry_price)
    controls = _protection_controls(insurance_fund, drop, regime, rules)
    note = w.HTML(
        f"<i>Simulated: the section's {2 * _PAIRS} accounts ({_PAIRS} long/short pairs, "
        "5x-75x, seed 11) ride its scripted crash in a thinning book; each new setting "
        "runs the exchange engine once, and settings already seen are shown from memory.</i>"
    )

    @memo
    def run(insurance_fund: int, drop: float, regime: str, rules: str) -> SimulationResult:
        return simulate_exchange(
            population,
            protection_crash(drop, entry_price=entry_price),
            insurance_fund=float(insurance_fund),
            book="thinning",
            rules=rules,
            **REGIMES[regime],
        )

    def render(insurance_fund: int, drop: float, regime: str, rules: str):
        result = run(insurance_fund, round(drop, 4), regime, rules)
        fig = plot_loss_waterfall(
            result, title=f"Who pays: {regime}, {rules}-style rules, {drop:.0%} crash"
        )
        # One scale for every setting: a deeper crash makes the bars taller,
        # a larger fund moves the loss from the later layers to the fund.
        fixed_axes(fig, {0: {"y": (0.0, LOSS_SCALE)}})
        e, h = result.events, result.history
        beyond = int((e["equity_at_fill"] < 0).sum())
        text = (
            f"{len(e)} liquidations, {beyond} filled beyond bankruptcy; fund "
            f"{insurance_fund:,.0f} -> {max(float(h['fund'].iloc[-1]), 0.0):,.0f} USDT; "
            f"{result.adl['counterparty'].nunique()} accounts deleveraged; "
            f"{float(e['kept_by_trader'].sum()):,.0f} USDT of margin kept by the liquidated; "
            f"ledger gap "
            f"{float(h['difference'].abs().max()):.1e} USDT."
        )
        return fig, text

    return explorer(controls, render, title="The same crash, different safety nets", status=[note])
