"""Checked exercises for section 02 (leverage)."""

from __future__ import annotations

from perpmath.contracts import price_return, roe
from perpmath.exercises import exercise
from perpmath.liquidation import distance_to_liquidation
from perpmath.tiers import load_tier_table


@exercise(
    "leverage-1",
    "A 25x long is opened at 96,000 and the price rises to 97,920. What is its ROE "
    "(as a fraction, on the initial margin at entry)?",
    "ROE = leverage x price return for a linear contract; or call "
    "roe('long', quantity, 96_000, 97_920, 25, basis='entry') with any quantity.",
)
def _leverage_1() -> float:
    return roe("long", 1.0, 96_000, 97_920, 25, basis="entry")


@exercise(
    "leverage-2",
    "A trader's equity falls by 40%. By what fraction must it then grow to get back "
    "to where it started?",
    "The return from the reduced equity (1 - 0.4) back to 1: price_return(0.6, 1.0).",
)
def _leverage_2() -> float:
    return price_return(0.6, 1.0)


@exercise(
    "leverage-3",
    "A long is opened at 96,000 with 1,000 USDT of margin at 50x. Using the Binance "
    "BTCUSDT tier table, how far can the price fall (fraction of the entry price) before "
    "the position is liquidated?",
    "The quantity is 1,000 x 50 / 96,000 BTC; pass it and maintenance="
    "load_tier_table(date='2021-03-18') "
    "to distance_to_liquidation. The answer is less than 1/50.",
)
def _leverage_3() -> float:
    tiers = load_tier_table("binance_usdm_btcusdt", date="2021-03-18")
    qty = 1_000 * 50 / 96_000
    return distance_to_liquidation("long", 96_000, 50, qty, maintenance=tiers)
