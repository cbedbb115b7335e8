"""Checked exercises for section 05 (negative balance)."""

from __future__ import annotations

from perpmath.exchange import execute_liquidation
from perpmath.exercises import exercise
from perpmath.liquidation import bankruptcy_price
from perpmath.orderbook import market_order_fill, thin_book


@exercise(
    "negative-balance-1",
    "An isolated 20x long of 0.5 BTC is opened at 96,000 with the initial margin and no "
    "fees. Below which price (USDT) does its loss exceed its margin?",
    "That price is the bankruptcy price: EP x (1 - 1/leverage) for a long, or "
    "bankruptcy_price('long', 96_000, 20).",
)
def _negative_balance_1() -> float:
    return bankruptcy_price("long", 96_000, 20, quantity=0.5)


@exercise(
    "negative-balance-2",
    "A market order sells 3 BTC into thin_book(94_000) (0.2 BTC every 10 USDT below the "
    "mid). What is its average fill price (USDT)?",
    "market_order_fill(book, 'sell', 3) walks the bids level by level; read its vwap.",
)
def _negative_balance_2() -> float:
    return market_order_fill(thin_book(94_000), "sell", 3).vwap


@exercise(
    "negative-balance-3",
    "A 50x long of 2 BTC from 96,000 is liquidated into thin_book(94_500) from which "
    "every bid between 94,500 and 93,700 has vanished (a gap). How much is the deficit "
    "(USDT) that the account cannot pay?",
    "Remove the levels with book.with_gap('bid', 94_500, 93_700), then "
    "execute_liquidation('long', 2, 96_000, book, leverage=50) and read its deficit.",
)
def _negative_balance_3() -> float:
    book = thin_book(94_500).with_gap("bid", 94_500, 93_700)
    return execute_liquidation("long", 2, 96_000, book, leverage=50).deficit
