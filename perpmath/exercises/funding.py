"""Checked exercises for section 07 (funding rates)."""

from __future__ import annotations

import numpy as np

from perpmath.example import RUNNING_EXAMPLE
from perpmath.exercises import exercise, multiple_choice, predict
from perpmath.funding import (
    accumulated_funding,
    funding_over_time,
    funding_payment,
    funding_rate,
    funding_settlements,
    premium_index,
)
from perpmath.funding_schedule import funding_over_period


@predict(
    "funding-predict-1",
    "The running example (10x) pays 0.02% every 8 hours for 60 days, the price flat. By what "
    "share of the entry price does its liquidation price rise?",
    explanation="It pays 2 USDT per settlement, 360 USDT over 180 settlements, and its "
    "liquidation price rises by about 3.6% of the entry price, more than a third of its room.",
    quotes=lambda: {
        "per settlement (USDT)": float(
            funding_payment("long", RUNNING_EXAMPLE.quantity, 96_000, 0.0002)
        ),
        "settlements in 60 days": int(funding_settlements(60 * 24, 8)),
        "paid in 60 days (USDT)": float(
            accumulated_funding("long", RUNNING_EXAMPLE.quantity, np.full(180, 96_000.0), 0.0002)[
                -1
            ]
        ),
    },
)
def _funding_predict_1() -> float:
    ex = RUNNING_EXAMPLE
    rates = np.full(180, 0.0002)
    drift = funding_over_time("long", 96_000, 10, rates, quantity=ex.quantity, maintenance=ex.tiers)
    rise = drift["liquidation_price"].iloc[-1] - drift.attrs["initial_liquidation_price"]
    return float(rise / 96_000)


@exercise(
    "funding-1",
    "A short of 0.5 BTC is open at a funding timestamp; mark 96,000, rate +0.03%. How much "
    "does the short pay, in USDT (a receipt is a negative payment)?",
    [
        "The amount is the notional at the mark price times the rate.",
        "With a positive rate, which side pays? The other side's payment is negative.",
    ],
    unit="USDT",
)
def _funding_1() -> float:
    return float(funding_payment("short", 0.5, 96_000, 0.0003))


@exercise(
    "funding-2",
    "Impact bid 96,300, impact ask 96,340, index 96,000; interest 0.01%, clamp 0.05%. What is "
    "Binance's 8-hour funding rate, as a fraction?",
    [
        "The premium index: how far the impact bid sits above the index, as a share of the "
        "index (the book is entirely above the index).",
        "Then F = P + clamp(I - P, -0.05%, +0.05%): is I - P inside the band?",
    ],
)
def _funding_2() -> float:
    premium = premium_index(96_300, 96_340, 96_000)
    return float(funding_rate(premium, 0.0001, 0.0005, "binance"))


@exercise(
    "funding-3",
    "A 25x long of 1 BTC at 96,000 is held 30 days at +0.01% every 8 hours, price unchanged. "
    "What share of its initial margin has it paid in funding?",
    [
        "How many 8-hour settlements are there in 30 days?",
        "Each one costs 0.01% of 96,000 USDT; the margin is 96,000 / 25.",
    ],
)
def _funding_3() -> float:
    n = int(funding_settlements(30 * 24, 8))
    total = accumulated_funding("long", 1.0, np.full(n, 96_000.0), 0.0001)[-1]
    return float(total / (96_000 / 25))


@multiple_choice(
    "funding-4",
    "For a whole week the perpetual trades below the spot index. Who pays funding?",
    {
        "a": "the longs pay the shorts",
        "b": "the shorts pay the longs",
        "c": "the exchange pays both sides",
        "d": "nobody: funding applies only when the perpetual is above the index",
    },
    [
        "Below the index the premium is negative; what sign does the rate take when the "
        "premium is far below the interest rate?",
        "Funding charges the side that pushes the contract away from the index.",
    ],
    feedback={
        "a": "That is what happens above the index, with a positive rate.",
        "c": "Funding passes between traders; the exchange is not a party to it.",
        "d": "Funding applies in both directions: a negative rate pays the longs.",
    },
    explanation="Below the index the premium is negative and so is the rate: the shorts, "
    "whose selling keeps the contract cheap, pay the longs.",
)
def _funding_4() -> str:
    below = premium_index(95_700, 95_760, 96_000)
    return "b" if funding_rate(below, 0.0001, 0.0005, "binance") < 0 else "a"


@exercise(
    "funding-5a",
    "The running example (10x long, 1,000 USDT isolated) pays +0.05% every 8 hours for 30 "
    "days, price flat at 96,000. How much funding has it paid, in USDT?",
    [
        "The notional is 10,000 USDT; what is one payment at 0.05%?",
        "Count the settlements in 30 days.",
    ],
    unit="USDT",
    quotes=lambda: {"notional (USDT)": RUNNING_EXAMPLE.notional},
)
def _funding_5a() -> float:
    ex = RUNNING_EXAMPLE
    rates = np.full(90, 0.0005)
    heated = funding_over_time(
        "long", 96_000, 10, rates, quantity=ex.quantity, maintenance=ex.tiers
    )
    return float(heated["cumulative_funding"].iloc[-1])


@exercise(
    "funding-5b",
    "With that funding paid out of its isolated margin, what is its liquidation price at the "
    "end of the month?",
    [
        "The isolated margin left is 1,000 minus the funding of step 1.",
        "Put that margin into the liquidation price formula of section 04 (same tier, same size).",
    ],
    unit="USDT",
)
def _funding_5b() -> float:
    ex = RUNNING_EXAMPLE
    rates = np.full(90, 0.0005)
    heated = funding_over_time(
        "long", 96_000, 10, rates, quantity=ex.quantity, maintenance=ex.tiers
    )
    return float(heated["liquidation_price"].iloc[-1])


@exercise(
    "funding-6",
    "A short of 0.104167 BTC on Binance (mark held at 96,000) is open from 10:00 UTC on "
    "19 May 2021 to 10:00 UTC on 20 May 2021. With the real BTCUSDT rates of that day, how "
    "much funding does it pay in total, in USDT?",
    [
        "List the 8-hour settlement times between the two moments: the position pays only "
        "those it is open at.",
        "At each one the payment is the notional at the mark price times the rate; a short "
        "pays when the rate is negative and receives when it is positive.",
        "Add the payments with their signs: a receipt is negative.",
    ],
    unit="USDT",
    explanation="Three settlements: at 16:00 on 19 May the rate was -0.0897%, so the short "
    "paid 8.97 USDT; at 00:00 and 08:00 on 20 May it received 1.00 USDT each (0.01%).",
    quotes=lambda: _funding_6_quotes(),
)
def _funding_6() -> float:
    # Binance USDⓈ-M BTCUSDT funding rates at those times (course/data, Binance Vision)
    times = ["2021-05-19T16:00:00.018Z", "2021-05-20T00:00:00.005Z", "2021-05-20T08:00:00.000Z"]
    rates = [-0.00089697, 0.0001, 0.0001]
    short = funding_over_period(
        "short", 1_000 * 10 / 96_000, "2021-05-19T10:00Z", "2021-05-20T10:00Z", times, rates, 96_000
    )
    return float(short.attrs["total"])


def _funding_6_quotes() -> dict[str, object]:
    """Each settlement of exercise funding-6: its time, rate and payment, and the interval."""
    times = ["2021-05-19T16:00:00.018Z", "2021-05-20T00:00:00.005Z", "2021-05-20T08:00:00.000Z"]
    rates = [-0.00089697, 0.0001, 0.0001]
    short = funding_over_period(
        "short", 1_000 * 10 / 96_000, "2021-05-19T10:00Z", "2021-05-20T10:00Z", times, rates, 96_000
    )
    quotes: dict[str, object] = {
        "hours between settlements": float(short["time"].diff().max().total_seconds() / 3600),
    }
    for i, row in short.iterrows():
        quotes[f"time {i}"] = f"{row['time']:%H:%M}"
        quotes[f"rate {i}"] = float(row["rate"])
        quotes[f"payment {i}"] = float(row["payment"])
    return quotes
