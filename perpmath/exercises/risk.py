"""Checked exercises for section 08 (risk management)."""

from __future__ import annotations

from perpmath.exercises import exercise
from perpmath.leveraged_tokens import volatility_drag
from perpmath.paths import flash_crash_path
from perpmath.risk import position_size, simulate_exit


@exercise(
    "risk-1",
    "With 5,000 USDT of capital and the 2 % rule, how many BTC can you buy at 96,000 with a "
    "stop at 93,600?",
    "position_size(capital, risk_fraction, entry_price, stop_price, side='long').",
)
def _risk_1() -> float:
    return position_size(5_000, 0.02, 96_000, 93_600, side="long")


@exercise(
    "risk-2",
    "That position meets flash_crash_path(96_000, 30, crash_at=10, drop=0.08): the price gaps "
    "8 % in one tick. What is the loss (USDT) when the stop at 93,600 fills?",
    "simulate_exit('long', 96_000, path, quantity=..., stop=93_600) fills at the first price "
    "past the stop; the loss is minus its pnl.",
)
def _risk_2() -> float:
    qty = position_size(5_000, 0.02, 96_000, 93_600, side="long")
    path = flash_crash_path(96_000, 30, crash_at=10, drop=0.08)
    return -float(simulate_exit("long", 96_000, path, quantity=qty, stop=93_600).pnl[0])


@exercise(
    "risk-3",
    "An index with 80 % annual volatility ends a year where it started. About what share of its "
    "value has a 3x daily-rebalanced token lost (Avellaneda-Zhang, a fraction)?",
    "volatility_drag(leverage, sigma, days).",
)
def _risk_3() -> float:
    return volatility_drag(3, 0.8, 365)
