"""Checked exercises for section 06 (protection mechanisms)."""

from __future__ import annotations

import numpy as np

from perpmath.exchange import (
    adl_queue,
    adl_score,
    insurance_fund_cover,
    matched_population,
    simulate_exchange,
)
from perpmath.exercises import exercise
from perpmath.paths import flash_crash_path


@exercise(
    "protection-1",
    "A liquidation leaves a deficit of 12,500 USDT and the insurance fund holds 8,000 USDT. "
    "How much of the deficit (USDT) is left for the next layer (ADL or socialized loss)?",
    "insurance_fund_cover(deficit, fund) splits a deficit; read its uncovered part.",
)
def _protection_1() -> float:
    return insurance_fund_cover(12_500, 8_000).uncovered


@exercise(
    "protection-2",
    "Three profitable shorts are open when the mark is 90,000: 1 BTC from 96,000 with "
    "9,600 USDT margin, 0.5 BTC from 97,000 with 970 USDT, 2 BTC from 95,000 with "
    "19,000 USDT. With the BitMEX ranking (PnL% x effective leverage), which one (0, 1 or "
    "2) is deleveraged first?",
    "adl_score('short', quantities, entries, 90_000, margins, convention='bitmex') gives "
    "the scores; adl_queue(scores)[0] is the first in line.",
    rtol=0.0,
)
def _protection_2() -> int:
    scores = adl_score(
        "short",
        [1.0, 0.5, 2.0],
        [96_000, 97_000, 95_000],
        90_000,
        [9_600, 970, 19_000],
        convention="bitmex",
    )
    return int(adl_queue(scores)[0])


@exercise(
    "protection-3",
    "Run the section's crash (matched_population(150, entry_price=96_000, leverage=(5, 75), "
    "quantity=(0.05, 1.0), rng=11); the path of the section with a 6% fall; a 10,000 USDT "
    "fund; the 'thinning' book) under 'fund_then_socialized'. How much (USDT) is clawed "
    "back from profitable accounts in all?",
    "simulate_exchange(...).waterfall() has a row for the clawback; or sum the "
    "accounts' socialized_paid column.",
)
def _protection_3() -> float:
    population = matched_population(
        150, entry_price=96_000, leverage=(5.0, 75.0), quantity=(0.05, 1.0), rng=11
    )
    base = flash_crash_path(96_000, 60, crash_at=5, drop=0.03, crash_steps=20, recovery=0.0)
    path = flash_crash_path(
        96_000,
        60,
        crash_at=30,
        drop=0.06,
        crash_steps=2,
        recovery=0.5,
        recovery_steps=15,
        base=base,
    )[0]
    result = simulate_exchange(
        population,
        path,
        waterfall="fund_then_socialized",
        insurance_fund=10_000,
        book="thinning",
    )
    return float(np.sum(result.accounts["socialized_paid"]))
