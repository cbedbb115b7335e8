"""Checked exercises for section 04 (liquidation)."""

from __future__ import annotations

from perpmath.example import RUNNING_EXAMPLE
from perpmath.exercises import exercise, multiple_choice, predict
from perpmath.liquidation import liquidation_price
from perpmath.markprice import mark_price
from perpmath.stepwise import liquidation_trace


@predict(
    "liquidation-predict-1",
    "A 30 BTC long (20x from 96,000) is caught at its own liquidation price. How much of it "
    "does a tier-by-tier engine close: all (a), about four fifths (b), about a tenth (c)?",
    choices={"a": "all of it", "b": "about four fifths", "c": "about a tenth"},
    explanation="With the running example's table (dated 2024-06-28) the position is in tier 3; "
    "one cut to the cap of tier 2 (600,000 USDT of notional, 6.54 BTC) is enough: the engine "
    "closes 23.46 BTC and stops.",
    quotes=lambda: _thirty_btc_quotes(),
)
def _liquidation_predict_1() -> str:
    tiers = RUNNING_EXAMPLE.tiers
    lp = liquidation_price("long", 96_000, 20, 30.0, maintenance=tiers)
    trace = liquidation_trace("long", 96_000, 30.0, lp, 144_000, tiers=tiers)
    share = trace["closed"].sum() / 30.0
    return "a" if share > 0.95 else "b" if share > 0.4 else "c"


@exercise(
    "liquidation-1",
    "The running example as a 20x short: 1,000 USDT of isolated margin, short from 96,000, "
    "its tier table, no fees. At what price is it liquidated (four significant figures)?",
    [
        "The size is 1,000 x 20 / 96,000 BTC, and its notional falls in the first tier.",
        "A short is liquidated above its entry, where margin + PnL = maintenance margin: "
        "M - Q (P - 96,000) = Q P x rate.",
        "Solve that line for P with the first tier's rate (its maintenance amount is 0).",
    ],
    unit="USDT",
    sig_figs=4,  # three would accept the bankruptcy price, 100,800, as the liquidation price
    explanation="Below the bankruptcy price of 96,000 x 1.05 = 100,800: the engine acts while "
    "the maintenance margin is still left.",
    quotes=lambda: {
        "bankruptcy factor": 1 + 1 / 20,
        "bankruptcy price (USDT)": float(
            RUNNING_EXAMPLE.with_changes(side="short", leverage=20).bankruptcy_price()
        ),
        "maintenance amount of the first tier (USDT)": float(
            RUNNING_EXAMPLE.tiers.maintenance_amount_at(1_000 * 20.0)
        ),
    },
)
def _liquidation_1() -> float:
    short20 = RUNNING_EXAMPLE.with_changes(side="short", leverage=20)
    return float(short20.liquidation_price())


@exercise(
    "liquidation-2",
    "For the same short, how many USDT per BTC lie between its liquidation price and its "
    "bankruptcy price?",
    [
        "The bankruptcy price of a 20x short is 1/20 above the entry.",
        "Subtract the liquidation price found in exercise 1.",
    ],
    unit="USDT",
    explanation="The gap is the maintenance margin per coin, valued at the liquidation price.",
)
def _liquidation_2() -> float:
    short20 = RUNNING_EXAMPLE.with_changes(side="short", leverage=20)
    return float(short20.bankruptcy_price() - short20.liquidation_price())


@exercise(
    "liquidation-3",
    "Binance-style mark price: index 96,000, last funding rate 0.01% with 4 of 8 hours to go, "
    "moving-average basis -30 USDT, last traded price 94,000. What is the mark price (four "
    "significant figures)?",
    [
        "Binance's mark price is the median of three prices.",
        "Price 1: the index carried forward by the funding rate for the time left, "
        "96,000 x (1 + 0.0001 x 4/8). Price 2: the index plus the basis. Price 3: the last price.",
        "Take the middle one of the three.",
    ],
    unit="USDT",
    sig_figs=4,  # three would accept the index itself, 96,000
    explanation="The three prices are 96,004.80, 95,970 and 94,000; the median is the index plus "
    "the basis, and the last trade, far below, does not move it.",
    quotes=lambda: {"price 1 (USDT)": 96_000 * (1 + 0.0001 * 4 / 8)},
)
def _liquidation_3() -> float:
    return float(
        mark_price(
            96_000,
            convention="binance",
            last_price=94_000,
            funding_rate=0.0001,
            time_until_funding=4,
            basis=-30,
        )
    )


@multiple_choice(
    "liquidation-4",
    "A tier-by-tier engine has cut a position from tier 3 to the cap of tier 2, and the margin "
    "balance is now above the tier-2 maintenance margin. What does the engine do next?",
    {
        "a": "cut again, to the cap of tier 1",
        "b": "stop: the trader keeps the rest of the position and the margin left",
        "c": "take over the rest at the bankruptcy price",
        "d": "close the rest at the market",
    },
    [
        "What is the engine trying to restore after each cut?",
        "Compare the margin balance with the requirement of what is left.",
    ],
    feedback={
        "a": "The ladder goes down only while the margin balance is still at or below the "
        "requirement.",
        "c": "A takeover at the bankruptcy price comes only when no lower tier can be met or "
        "nothing is left of the margin.",
        "d": "Closing the rest would take more than needed: the requirement is already met.",
    },
    explanation="The engine cuts only until the margin balance is back above the requirement "
    "of what is left, as the 30 BTC trace of the section shows.",
)
def _liquidation_4() -> str:
    return "b"


@exercise(
    "liquidation-5a",
    "The 30 BTC long (20x from 96,000) is caught at its own liquidation price and liquidated "
    "tier by tier with a 0.5% clearance fee. How many BTC does the trader still hold when the "
    "engine stops?",
    [
        "The engine cuts the position to the cap of the next lower tier, 600,000 USDT of "
        "notional at the mark price.",
        "Check whether the margin balance after the cut and the fee is above the tier-2 "
        "requirement; if it is, the engine stops there.",
    ],
    unit="BTC",
    quotes=lambda: _thirty_btc_quotes(),
)
def _liquidation_5a() -> float:
    tiers = RUNNING_EXAMPLE.tiers
    lp = liquidation_price("long", 96_000, 20, 30.0, maintenance=tiers)
    trace = liquidation_trace("long", 96_000, 30.0, lp, 144_000, tiers=tiers, fee_rate=0.005)
    return float(trace["quantity"].iloc[-1])


@exercise(
    "liquidation-5b",
    "And what margin balance, in USDT, backs what is left?",
    [
        "At its liquidation price the margin balance equals the tier-3 maintenance margin.",
        "Closing at the mark price realizes the loss already counted; only the fee, 0.5% of the "
        "closed notional, comes out of the margin balance.",
    ],
    unit="USDT",
)
def _liquidation_5b() -> float:
    tiers = RUNNING_EXAMPLE.tiers
    lp = liquidation_price("long", 96_000, 20, 30.0, maintenance=tiers)
    trace = liquidation_trace("long", 96_000, 30.0, lp, 144_000, tiers=tiers, fee_rate=0.005)
    return float(trace["margin_balance"].iloc[-1])


def _thirty_btc_quotes() -> dict[str, object]:
    """The 30 BTC long's tiers and trace, as the texts of the section's exercises quote them."""
    tiers = RUNNING_EXAMPLE.tiers
    lp = liquidation_price("long", 96_000, 20, 30.0, maintenance=tiers)
    trace = liquidation_trace("long", 96_000, 30.0, lp, 144_000, tiers=tiers)
    tier = int(tiers.tier_index(30.0 * lp))  # 0-based: the table's tiers count from 1
    return {
        "table date": RUNNING_EXAMPLE.tier_table_date,
        "tier at liquidation": tier + 1,
        "next lower tier": tier,
        "cap of the next lower tier (USDT)": float(tiers.cap[tier - 1]),
        "BTC left": float(trace["quantity"].iloc[-1]),
        "BTC closed": float(trace["closed"].sum()),
    }
