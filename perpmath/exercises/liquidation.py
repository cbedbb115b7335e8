"""Checked exercises for section 04 (liquidation)."""

from __future__ import annotations

from perpmath.exercises import exercise
from perpmath.liquidation import bankruptcy_price, liquidation_price
from perpmath.markprice import mark_price
from perpmath.stepwise import liquidation_trace
from perpmath.tiers import load_tier_table


@exercise(
    "liquidation-1",
    "A 20x short of 1 BTC is opened at 96,000 with isolated margin and a flat 0.4 % "
    "maintenance rate (no fees). At what price is it liquidated?",
    "liquidation_price('short', 96_000, 20, 1.0, maintenance=0.004)",
    rtol=1e-4,
)
def _liquidation_1() -> float:
    return float(liquidation_price("short", 96_000, 20, 1.0, maintenance=0.004))


@exercise(
    "liquidation-2",
    "The same 20x short: how many USDT per BTC lie between its liquidation price and its "
    "bankruptcy price?",
    "Subtract: bankruptcy_price('short', 96_000, 20) - liquidation_price(...). The gap is "
    "the maintenance margin per coin, valued at the liquidation price.",
    rtol=1e-4,
)
def _liquidation_2() -> float:
    lp = liquidation_price("short", 96_000, 20, 1.0, maintenance=0.004)
    return float(bankruptcy_price("short", 96_000, 20) - lp)


@exercise(
    "liquidation-3",
    "Binance-style mark price: the index is 96,000, the last funding rate 0.01 % with 4 of "
    "8 hours to go, the moving-average basis -30 USDT and the last traded price 94,000. "
    "What is the mark price?",
    "mark = median(P1, P2, last) with P1 = index x (1 + rate x 4/8) and P2 = index + basis: "
    "mark_price(96_000, convention='binance', ...).",
    rtol=1e-6,
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


@exercise(
    "liquidation-4",
    "A 30 BTC long at 96,000 with 144,000 USDT of isolated margin is caught at a mark "
    "price of 91,500 (Binance BTCUSDT tiers). Liquidated tier by tier, how many BTC does "
    "the trader still hold when the engine stops?",
    "liquidation_trace('long', 96_000, 30, 91_500, 144_000, mode='tier_by_tier') and read "
    "the last row's quantity.",
    rtol=1e-4,
)
def _liquidation_4() -> float:
    trace = liquidation_trace(
        "long",
        96_000,
        30,
        91_500,
        144_000,
        tiers=load_tier_table("binance_usdm_btcusdt", date="2021-03-18"),
        mode="tier_by_tier",
    )
    return float(trace["quantity"].iloc[-1])
