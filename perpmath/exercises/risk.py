"""Checked exercises for section 08 (risk management)."""

from __future__ import annotations

from perpmath.example import RUNNING_EXAMPLE
from perpmath.exercises import exercise, multiple_choice, predict
from perpmath.leveraged_tokens import volatility_drag
from perpmath.liquidation import liquidation_price
from perpmath.paths import flash_crash_path
from perpmath.risk import position_size, simulate_exit


@predict(
    "risk-predict-1",
    "A position sized to lose 200 USDT (2% of 10,000) at a stop 1% below 96,000 meets a 10% "
    "gap. How many times the planned 200 USDT does it lose?",
    explanation="The fill is 10% below the entry, ten times the 1% stop distance: the tight "
    "stop allowed a large position, and the gap multiplies the plan by the ratio of the two.",
)
def _risk_predict_1() -> float:
    stop = 96_000 * 0.99
    size = position_size(10_000, 0.02, 96_000, stop, side="long")
    crash = flash_crash_path(96_000, 30, crash_at=10, drop=0.10, recovery=0.5)
    loss = -simulate_exit("long", 96_000, crash, quantity=size, stop=stop).pnl[0]
    return float(loss / 200)


@exercise(
    "risk-1",
    "With 5,000 USDT of capital and the 2% rule, how many BTC can you buy at 96,000 with a stop "
    "at 93,600?",
    [
        "How much may the trade lose? 2% of the capital.",
        "Each BTC loses the stop distance, 96,000 - 93,600, if the stop fills at its price.",
    ],
    unit="BTC",
)
def _risk_1() -> float:
    return float(position_size(5_000, 0.02, 96_000, 93_600, side="long"))


@exercise(
    "risk-2",
    "That position meets flash_crash_path(96_000, 30, crash_at=10, drop=0.08): an 8% gap in one "
    "tick. What is the loss, in USDT, when the stop at 93,600 fills?",
    [
        "The stop becomes a market order at the first price past it: what is the price just "
        "after the gap?",
        "Loss = size x (entry - fill).",
    ],
    unit="USDT",
)
def _risk_2() -> float:
    size = position_size(5_000, 0.02, 96_000, 93_600, side="long")
    path = flash_crash_path(96_000, 30, crash_at=10, drop=0.08)
    return float(-simulate_exit("long", 96_000, path, quantity=size, stop=93_600).pnl[0])


@exercise(
    "risk-3",
    "An index with 80% annual volatility ends a year exactly where it started. About what share "
    "of its value has a 3x daily-rebalanced token lost, by the Avellaneda-Zhang formula?",
    [
        "With the index flat, only the factor exp(-(L^2 - L) V / 2) is left.",
        "V is the realized variance over the year: 0.8 squared.",
        "The share lost is 1 minus that factor.",
    ],
    rtol=0.05,
)
def _risk_3() -> float:
    return float(volatility_drag(3, 0.8, 365))


@multiple_choice(
    "risk-4",
    "On Binance, which trigger keeps a stop-loss from firing on a few-second wick on one venue?",
    {
        "a": "the last price, the default",
        "b": "the mark price",
        "c": "a tighter stop on the last price",
        "d": "no stop at all: the liquidation engine will protect her",
    },
    [
        "Which of the prices of section 04 barely moved during the wick?",
        "The mark price is built from an index of several venues.",
    ],
    feedback={
        "a": "The wick is on the last price: a stop watching it fires at the bottom of the wick.",
        "c": "A tighter stop fires even more easily on the wick.",
        "d": "The liquidation engine closes the position with its margin lost; it is no stop.",
    },
    explanation="The mark price follows an index of several venues, so a wick on one of them "
    "barely moves it; on Binance a stop watches the last price unless the trader picks the mark.",
)
def _risk_4() -> str:
    return "b"


@exercise(
    "risk-5a",
    "An account of 10,000 USDT follows the 2% rule with a stop 1% below 96,000, and opens the "
    "position with 1,000 USDT of isolated margin. What leverage does that take?",
    [
        "The 2% rule gives the size: 200 USDT over a stop distance of 960 USDT.",
        "Leverage = notional / margin.",
    ],
    quotes=lambda: {"risked (USDT)": 10_000 * 0.02, "stop distance (USDT)": 96_000 * 0.01},
)
def _risk_5a() -> float:
    q = position_size(10_000, 0.02, 96_000, 96_000 * 0.99, side="long")
    return float(q * 96_000 / 1_000)


@exercise(
    "risk-5b",
    "With the running example's tier table, what is that position's liquidation price? Is it "
    "below the stop at 95,040?",
    [
        "It is the running example's margin at the leverage of step 1.",
        "Which tier holds its notional, and what does that give in the liquidation formula?",
    ],
    unit="USDT",
    explanation="About 91,566 USDT: well below the stop, so the stop acts first (unless the "
    "price gaps past both).",
)
def _risk_5b() -> float:
    tiers = RUNNING_EXAMPLE.tiers
    q = position_size(10_000, 0.02, 96_000, 96_000 * 0.99, side="long")
    return float(liquidation_price("long", 96_000, q * 96_000 / 1_000, q, maintenance=tiers))


@multiple_choice(
    "risk-6",
    "A long from 96,000 has its stop at 93,000 and its liquidation price at 85,000. The price "
    "gaps from 95,000 to 86,000 in one tick, then slides without coming back above 90,000. "
    "Which order closes the position before the liquidation engine does?",
    {
        "a": "a stop-market order at 93,000",
        "b": "a stop-limit order at 93,000 with its limit at 92,500",
        "c": "either: both are triggered by the same stop price",
        "d": "neither: the venue first gives a grace period to add margin",
    },
    [
        "Once the stop is reached, what does each order send to the book?",
        "After the gap, is any price at or above the limit?",
    ],
    feedback={
        "b": "Its sell order accepts only the limit or better; after the gap no price is that "
        "high, so it waits while the price slides to the liquidation price.",
        "c": "Both are triggered, but a trigger only places an order; only the market order "
        "is sure to fill.",
        "d": "Binance's liquidation page describes no grace period: liquidation occurs when the "
        "mark price hits the liquidation price.",
    },
    explanation="The stop-market sells at the first price on offer after the gap, a loss larger "
    "than planned but an exit; the stop-limit's order rests unfilled, and the liquidation engine "
    "closes the position instead.",
)
def _risk_6() -> str:
    return "a"
