"""Checked exercises for section 09 (case study: a flash crash replayed)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from perpmath.exchange import SimulationResult, matched_population, simulate_exchange
from perpmath.exercises import exercise
from perpmath.paths import flash_crash_path, gbm_paths

#: The section's replay settings (the notebook builds the same inputs step by step).
ENTRY = 43_000.0
BOOK = {
    "tick": 20.0,
    "levels": 400,
    "size": 2.0,
    "decay": 0.005,
    "reference_price": ENTRY,
    "exponent": 3.0,
}


@lru_cache(maxsize=1)
def _replay() -> SimulationResult:
    rng = np.random.default_rng(2021)
    n_pairs = 1_500
    leverage = rng.choice(
        [2, 3, 5, 10, 20, 25, 50, 75, 100],
        size=2 * n_pairs,
        p=[0.05, 0.05, 0.10, 0.20, 0.20, 0.15, 0.13, 0.07, 0.05],
    ).astype(float)
    quantity = np.round(rng.lognormal(np.log(0.3), 1.0, size=n_pairs), 3) + 0.001
    population = matched_population(
        n_pairs, entry_price=ENTRY, leverage=leverage, quantity=quantity, rng=rng
    )
    noise = gbm_paths(ENTRY, 0.3, 1.0, 240, 1, np.random.default_rng(5))
    path = flash_crash_path(
        ENTRY,
        240,
        crash_at=60,
        drop=0.3,
        crash_steps=30,
        recovery=0.4,
        recovery_steps=60,
        base=noise,
    )[0]
    return simulate_exchange(
        population,
        path,
        waterfall="fund_then_adl",
        insurance_fund=20_000,
        book="thinning",
        book_params=BOOK,
    )


@exercise(
    "case-study-1",
    "In the section's replay (fund, then ADL), how many liquidations were filled, at least "
    "in part, beyond the bankruptcy price?",
    "A liquidation filled beyond bankruptcy has a negative equity_at_fill in result.events.",
    rtol=0.0,
)
def _case_study_1() -> int:
    return int((_replay().events["equity_at_fill"] < 0).sum())


@exercise(
    "case-study-2",
    "At which step does the insurance fund first fall below 1,000 USDT?",
    "result.history has one row per step with the fund's balance; find the first step "
    "where it is below 1,000 (numpy.argmax of a boolean array gives the first True).",
    rtol=0.0,
)
def _case_study_2() -> int:
    h = _replay().history
    below = h["fund"].to_numpy() < 1_000
    return int(h["step"].to_numpy()[np.argmax(below)])


@exercise(
    "case-study-3",
    "How many different accounts did auto-deleveraging close, in part or in full?",
    "result.adl has one row per position closed by ADL; count the distinct counterparty ids.",
    rtol=0.0,
)
def _case_study_3() -> int:
    return int(_replay().adl["counterparty"].nunique())
