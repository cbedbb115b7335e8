"""Checked exercises for section 07 (funding rates)."""

from __future__ import annotations

import numpy as np

from perpmath.exercises import exercise
from perpmath.funding import (
    accumulated_funding,
    funding_payment,
    funding_rate,
    funding_settlements,
    premium_index,
)


@exercise(
    "funding-1",
    "A short of 0.5 BTC is open at a funding timestamp; the mark price is 96,000 and the "
    "rate is +0.03 %. How much does the short pay (USDT)? (Receiving is a negative payment.)",
    "funding_payment(side, quantity, mark_price, rate): positive means the trader pays; with a "
    "positive rate the longs pay the shorts.",
)
def _funding_1() -> float:
    return funding_payment("short", 0.5, 96_000, 0.0003)


@exercise(
    "funding-2",
    "Impact bid 96,300, impact ask 96,340, index 96,000, interest 0.01 %, clamp 0.05 %. What "
    "is the Binance 8-hour funding rate (a fraction)?",
    "premium_index(impact_bid, impact_ask, index_price), then funding_rate(premium, 0.0001, "
    "0.0005, 'binance').",
)
def _funding_2() -> float:
    return funding_rate(premium_index(96_300, 96_340, 96_000), 0.0001, 0.0005, "binance")


@exercise(
    "funding-3",
    "A 25x long of 1 BTC at 96,000 is held for 30 days at a constant +0.01 % every 8 hours, the "
    "price unchanged. What share of its initial margin has it paid in funding (a fraction)?",
    "Count the settlements with funding_settlements(30 * 24, 8), add them up with "
    "accumulated_funding, and divide by the margin 96,000 / 25.",
    rtol=1e-9,
)
def _funding_3() -> float:
    n = int(funding_settlements(30 * 24, 8))
    paid = accumulated_funding("long", 1.0, np.full(n, 96_000.0), 0.0001)[-1]
    return float(paid / (96_000 / 25))
