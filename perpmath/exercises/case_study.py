"""Checked exercises for section 09 (case study: a cascade, and a real crash replayed).

The questions ask for a comparison between runs, not a value to look up: each
answer needs a second simulation or a ratio of two results.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from perpmath.exchange import (
    SimulationResult,
    calibrated_population,
    market_calibration,
    simulate_exchange,
)
from perpmath.exercises import exercise
from perpmath.paths import flash_crash_path, gbm_paths

#: The section's simulated venue and shock (the notebook builds the same inputs step by step).
PRICE = 120_000.0


@lru_cache(maxsize=1)
def scenario() -> tuple[pd.DataFrame, np.ndarray, dict[str, Any]]:
    """(population, simulated shock path, settings) of section 09."""
    population = calibrated_population(1_500, price=PRICE, rng=2025)
    noise = gbm_paths(PRICE, 0.5, 1 / 365, 240, 1, np.random.default_rng(5))
    shock = flash_crash_path(
        PRICE, 240, crash_at=60, drop=0.08, crash_steps=10, recovery=0.5, recovery_steps=60,
        base=noise,
    )[0]  # fmt: skip
    settings = {"maintenance": 0.005, **market_calibration(population, PRICE)}
    return population, shock, settings


@lru_cache(maxsize=8)
def run(rules: str, feedback: bool, fund_to_open_interest: float = 0.01) -> SimulationResult:
    population, shock, settings = scenario()
    settings = dict(settings)
    settings.update(
        market_calibration(population, PRICE, fund_to_open_interest=fund_to_open_interest)
    )
    return simulate_exchange(population, shock, rules=rules, feedback=feedback, **settings)


@exercise(
    "case-study-1",
    "Under Binance-style rules, how many times as many liquidations does the section's "
    "shock cause with feedback as without? (a ratio, e.g. 2.5)",
    "Count the events of run('binance', True) and of run('binance', False) (or of your own "
    "two simulate_exchange runs) and divide.",
    rtol=1e-3,
)
def _case_study_1() -> float:
    return len(run("binance", True).events) / len(run("binance", False).events)


@exercise(
    "case-study-2",
    "With feedback and Binance-style rules, give the venue a fund of 0.1% of open interest "
    "instead of 1%. How much higher (USDT) is the lowest mark with the small fund than with "
    "the large one?",
    "market_calibration(population, 120_000, fund_to_open_interest=0.001) gives the settings; "
    "compare history['mark'].min() of the two runs.",
    rtol=1e-3,
)
def _case_study_2() -> float:
    small = run("binance", True, 0.001).history["mark"].min()
    return float(small - run("binance", True).history["mark"].min())


@exercise(
    "case-study-3",
    "With feedback and Hyperliquid-style rules, what share of the quantity of all full "
    "liquidations did the liquidator vault take over (a fraction between 0 and 1)?",
    "In result.events, keep the rows whose kind starts with 'full' (a partial leg, or a "
    "book fill that left the rest open, is not a full liquidation); divide the sum of "
    "backstop_quantity by the sum of quantity.",
    rtol=1e-3,
)
def _case_study_3() -> float:
    e = run("hyperliquid", True).events
    full = e[e["kind"].str.startswith("full")]
    return float(full["backstop_quantity"].sum() / full["quantity"].sum())
