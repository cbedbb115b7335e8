"""Checked exercises for section 02 (leverage)."""

from __future__ import annotations

import numpy as np

from perpmath.contracts import price_return, roe, unrealized_pnl
from perpmath.example import RUNNING_EXAMPLE
from perpmath.exercises import exercise, multiple_choice, predict
from perpmath.fees import break_even_price, trading_fee
from perpmath.liquidation import distance_to_bankruptcy, distance_to_liquidation


@predict(
    "leverage-predict-1",
    "At 50x (1,000 USDT of margin, the running example's tier table), what share of the 2% "
    "room to bankruptcy does the maintenance margin take away?",
    explanation="About a fifth: the maintenance margin is 0.4% of the notional, a fifth of "
    "the 2% initial margin, and it is all lost room.",
    quotes=lambda: {
        "maintenance margin rate": float(RUNNING_EXAMPLE.tiers.maintenance_rate_at(1_000 * 50.0)),
    },
)
def _leverage_predict_1() -> float:
    tiers = RUNNING_EXAMPLE.tiers
    quantity = 1_000 * 50 / 96_000
    room = distance_to_bankruptcy("long", 96_000, 50)
    shorter = distance_to_liquidation("long", 96_000, 50, quantity, maintenance=tiers)
    return float(1 - shorter / room)


@exercise(
    "leverage-1",
    "A 25x long is opened at 96,000 and the price rises to 97,920. What is its ROE, as a "
    "fraction, with the margin measured at entry?",
    [
        "Start with the price return: by what fraction did the price rise?",
        "Relative to the margin at entry, a linear position's PnL is the price return "
        "multiplied by the leverage.",
    ],
)
def _leverage_1() -> float:
    return roe("long", 1.0, 96_000, 97_920, 25, basis="entry")


@exercise(
    "leverage-2",
    "A trader's equity falls by 40%. By what fraction must it then grow to get back to where "
    "it started?",
    [
        "After the loss, 0.6 of the equity is left.",
        "The gain needed is the return that takes 0.6 back to 1.",
    ],
    quotes=lambda: {"equity left": 1 - 0.40},
)
def _leverage_2() -> float:
    return price_return(1 - 0.40, 1.0)


@multiple_choice(
    "leverage-3",
    "Why does the exchange liquidate a position before its bankruptcy price rather than at it?",
    {
        "a": "to earn the remaining margin as a fee",
        "b": "to keep a reserve for closing the position in the market before its equity "
        "turns negative",
        "c": "because the bankruptcy price already includes the fee to close",
        "d": "because the mark price lags the last price",
    },
    [
        "Think about what the engine must do once it takes the position over.",
        "Closing a position takes time and moves the price; what protects the other traders "
        "while it happens?",
    ],
    feedback={
        "a": "Some venues do keep the remainder, but that is a consequence, not the reason; "
        "Hyperliquid returns it to the trader.",
        "c": "Only some venues put a fee in the bankruptcy price, and liquidation comes earlier "
        "on all of them.",
        "d": "The mark price decides when the engine acts, not why it acts before bankruptcy.",
    },
    explanation="The maintenance margin is the reserve that should absorb the cost of closing "
    "the position in the market; section 05 shows what happens when it is not enough.",
)
def _leverage_3() -> str:
    return "b"


@exercise(
    "leverage-4a",
    "With 1,000 USDT of margin and the running example's tier table, what is the highest "
    "whole-number leverage whose liquidation price lies below 96,000 x 0.95?",
    [
        "1/0.05 = 20x would be the answer if the position were closed at its bankruptcy price.",
        "The liquidation comes earlier than bankruptcy: compute the distance to liquidation "
        "for each leverage from 1x to 30x, keeping the margin at 1,000 USDT.",
        "Keep the leverages whose distance exceeds 5% and take the largest.",
    ],
    quotes=lambda: {
        "leverage closed at bankruptcy": 1 / 0.05,
    },
)
def _leverage_4a() -> int:
    tiers = RUNNING_EXAMPLE.tiers
    candidates = np.arange(1, 31)
    quantities = 1_000 * candidates / 96_000
    distance = distance_to_liquidation("long", 96_000, candidates, quantities, maintenance=tiers)
    return int(candidates[distance > 0.05].max())


@exercise(
    "leverage-4b",
    "At the leverage of step 1, how much equity (USDT) is left when the price has fallen "
    "exactly 5%?",
    [
        "The size is 1,000 x leverage / 96,000 BTC.",
        "Equity is the margin plus the (negative) PnL of the fall.",
    ],
    unit="USDT",
    explanation="100 USDT is left, above the maintenance margin of about 68 USDT: the "
    "position survives, with little to spare.",
    quotes=lambda: {
        "maintenance margin after the fall (USDT)": float(
            RUNNING_EXAMPLE.tiers.maintenance_margin(1_000 * _leverage_4a() * 0.95)
        ),
    },
)
def _leverage_4b() -> float:
    quantity = 1_000 * _leverage_4a() / 96_000
    return 1_000 + unrealized_pnl("long", quantity, 96_000, 96_000 * 0.95)


@predict(
    "leverage-predict-2",
    "1,000 USDT of margin at 100x, opened and closed with market orders (taker fee 0.05% each "
    "way) at an unchanged price: what share of the margin do the two fees take?",
    explanation="A tenth: each fee is 0.05% of the 100,000 USDT notional, 50 USDT, and the "
    "margin is a hundredth of the notional; the share is (0.05% + 0.05%) x 100.",
    quotes=lambda: {
        "notional (USDT)": 1_000 * 100.0,
        "one fee (USDT)": float(trading_fee(1_000 * 100 / 96_000, 96_000, 0.0005)),
    },
)
def _leverage_predict_2() -> float:
    quantity = 1_000 * 100 / 96_000
    round_trip = trading_fee(quantity, 96_000, 0.0005) + trading_fee(quantity, 96_000, 0.0005)
    return float(round_trip / 1_000)


@exercise(
    "leverage-5",
    "A 50x long opened at 96,000 with a maker fee of 0.02% and closed with a taker fee of "
    "0.05%: by what fraction must the price rise before the closed PnL after both fees is zero?",
    [
        "The leverage does not matter: both fees and the PnL are proportional to the size.",
        "The fee to open is charged on the entry value, the fee to close on the exit value: "
        "PnL = Q (P - 96,000) - Q x 96,000 x 0.0002 - Q x P x 0.0005.",
        "Set that to zero and solve for P: P (1 - 0.0005) = 96,000 (1 + 0.0002); then divide "
        "by 96,000 and subtract 1.",
    ],
    explanation="About 0.07%: a little more than the two rates added, because the closing fee "
    "is charged on the higher exit value.",
)
def _leverage_5() -> float:
    break_even = break_even_price("long", 96_000, open_rate=0.0002, close_rate=0.0005)
    return float(price_return(96_000, break_even))
