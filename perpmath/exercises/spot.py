"""Checked exercises for section 01 (spot vs contract trading)."""

from __future__ import annotations

from perpmath.contracts import unrealized_pnl
from perpmath.exercises import exercise
from perpmath.spot import scripted_path, spot_vs_perpetual


@exercise(
    "spot-1",
    "A trader posts 1,000 USDT as margin for a 10x long BTCUSDT perpetual opened at "
    "96,000. What is the position's equity (USDT, no fees or funding) when the price "
    "reaches 99,000?",
    "Size the position first: quantity = margin x leverage / entry price; then add "
    "unrealized_pnl('long', quantity, 96_000, 99_000) to the margin.",
)
def _spot_1() -> float:
    quantity = 1_000 * 10 / 96_000
    return 1_000 + unrealized_pnl("long", quantity, 96_000, 99_000)


@exercise(
    "spot-2",
    "A long of 96,000 inverse BTCUSD contracts worth 1 USD each is opened at 96,000. "
    "What is its PnL, in BTC, if the price falls to 80,000?",
    "Inverse PnL is quantity x contract_size x (1/entry - 1/price), in coin: use "
    "unrealized_pnl(..., contract='inverse', contract_size=1.0).",
)
def _spot_2() -> float:
    return unrealized_pnl("long", 96_000, 96_000, 80_000, contract="inverse", contract_size=1.0)


@exercise(
    "spot-3",
    "On scripted_path(), with 1,000 USDT of capital each, what is the final equity (USDT) "
    "of a 10x short perpetual?",
    "spot_vs_perpetual(scripted_path(), 1_000, [10], sides=['short']) returns one column "
    "per position; take the last row.",
)
def _spot_3() -> float:
    frame = spot_vs_perpetual(scripted_path(), 1_000, [10], sides=["short"])
    return float(frame["short 10x"].iloc[-1])
