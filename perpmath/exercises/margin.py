"""Checked exercises for section 03 (margin)."""

from __future__ import annotations

from perpmath.account import Account, Position
from perpmath.exercises import exercise
from perpmath.liquidation import liquidation_price
from perpmath.margin import convert_margin_ratio
from perpmath.tiers import load_tier_table


@exercise(
    "margin-1",
    "A cross-margin account holds 2,000 USDT and a 10x long of 0.1 BTC opened at 96,000. "
    "What is its available balance (USDT) when the mark price is 93,000?",
    "Available = wallet + unrealised PnL - initial margin at the mark (floored at 0); "
    "Account(2_000, [Position(...)]).available_balance({'BTCUSDT': 93_000}).",
)
def _margin_1() -> float:
    account = Account(2_000, [Position("BTCUSDT", "long", 0.1, 96_000, 10)])
    return float(account.available_balance({"BTCUSDT": 93_000}))


@exercise(
    "margin-2",
    "Using the Binance BTCUSDT tier table, what is the maintenance margin (USDT) of a "
    "position with a notional of 300,000 USDT?",
    "Find the tier whose bracket holds 300,000, then notional x MMR - maintenance amount; "
    "or load_tier_table(date='2021-03-18').maintenance_margin(300_000).",
)
def _margin_2() -> float:
    table = load_tier_table("binance_usdm_btcusdt", date="2021-03-18")
    return float(table.maintenance_margin(300_000))


@exercise(
    "margin-3",
    "Binance shows a margin ratio of 80% for a position whose maintenance margin is 40 "
    "USDT and whose value is 10,000 USDT. What is the same state as OKX's ratio "
    "(margin balance / maintenance margin), as a fraction?",
    "Binance's ratio is MM / MB, OKX's is MB / MM: use convert_margin_ratio(0.8, "
    "'maintenance_to_balance', 'equity_to_maintenance', maintenance_margin=40, "
    "position_value=10_000).",
)
def _margin_3() -> float:
    return float(
        convert_margin_ratio(
            0.8,
            "maintenance_to_balance",
            "equity_to_maintenance",
            maintenance_margin=40.0,
            position_value=10_000.0,
        )
    )


@exercise(
    "margin-4",
    "An isolated 10x long of 0.1 BTC opened at 96,000 (initial margin 960 USDT) gets 500 "
    "USDT of extra margin. Using the Binance BTCUSDT tier table, what is its new "
    "liquidation price?",
    "The isolated margin is now 960 + 500: liquidation_price('long', 96_000, 10, 0.1, "
    "maintenance=load_tier_table(date='2021-03-18'), margin=1_460).",
)
def _margin_4() -> float:
    tiers = load_tier_table("binance_usdm_btcusdt", date="2021-03-18")
    return float(liquidation_price("long", 96_000, 10, 0.1, maintenance=tiers, margin=1_460))
