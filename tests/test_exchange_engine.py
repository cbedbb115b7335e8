"""Liquidation execution at the bankruptcy price and the insurance fund's share.

Published examples reproduced (directions and amounts per coin):
- Bybit, "Insurance Fund" (https://www.bybit.com/en/help-center/article/Insurance-Fund):
  a long with liquidation price 7,000 and bankruptcy price 6,950 closed at
  6,980 adds its remaining margin to the fund; closed at 6,930 the fund
  covers the loss. (Bybit's example is BTCUSD inverse; here the same prices
  on a linear contract, where the amounts are Q x (fill - BP).)
- Bybit Institute, "Insurance Fund" (https://blog.bybit.com/bybit-institute/insurance-fund/):
  two longs with bankruptcy prices 8,730 (A) and 8,680 (B), both liquidated
  when the last price is 8,700: A draws on the fund, B pays into it.
"""

from __future__ import annotations

import pytest

from perpmath.exchange import execute_liquidation, insurance_fund_cover
from perpmath.orderbook import OrderBook, deep_book


def one_level(price: float, size: float = 100.0) -> OrderBook:
    """A book that fills any sell at ``price`` and any buy just above it."""
    return OrderBook([price], [size], [price * 1.0001], [size])


def margin_for_bp(entry: float, bp: float, q: float, side: str = "long") -> float:
    # BP = EP - s M / Q  ->  M = s Q (EP - BP)
    s = 1 if side == "long" else -1
    return s * q * (entry - bp)


def test_bybit_insurance_fund_help_example():
    # Bybit, "Insurance Fund": liquidation price 7,000, bankruptcy price 6,950.
    q, entry = 2.0, 7_100.0
    m = margin_for_bp(entry, 6_950.0, q)
    better = execute_liquidation("long", q, entry, one_level(6_980.0), margin=m)
    assert better.bankruptcy_price == pytest.approx(6_950.0)
    assert better.to_fund == pytest.approx(q * 30.0)  # remaining margin to the fund
    assert better.deficit == 0.0 and not better.beyond_bankruptcy
    worse = execute_liquidation("long", q, entry, one_level(6_930.0), margin=m)
    assert worse.to_fund == 0.0
    assert worse.deficit == pytest.approx(q * 20.0)  # the fund covers the gap
    assert worse.beyond_bankruptcy and worse.trader_balance_after == 0.0


def test_bybit_institute_two_traders_same_fill():
    # Bybit Institute, "Insurance Fund": BP A 8,730, BP B 8,680, last price 8,700.
    entry, q = 9_000.0, 1.0
    book = one_level(8_700.0)
    a = execute_liquidation("long", q, entry, book, margin=margin_for_bp(entry, 8_730.0, q))
    b = execute_liquidation("long", q, entry, book, margin=margin_for_bp(entry, 8_680.0, q))
    assert a.deficit == pytest.approx(30.0) and a.to_fund == 0.0
    assert b.to_fund == pytest.approx(20.0) and b.deficit == 0.0


def test_short_mirror():
    # for a short, "better than BP" means lower: BP 7,110, fill 7,100 -> surplus
    q, entry = 1.0, 7_000.0
    m = margin_for_bp(entry, 7_110.0, q, "short")
    out = execute_liquidation("short", q, entry, one_level(7_100.0 / 1.0001), margin=m)
    assert out.bankruptcy_price == pytest.approx(7_110.0)
    assert out.vwap == pytest.approx(7_100.0)
    assert out.to_fund == pytest.approx(10.0)


def test_fee_comes_out_of_the_surplus_never_beyond():
    # 50x long from 96,000: BP = 94,080 (margin 1,920 per coin)
    q = 1.0
    surplus_book = one_level(95_000.0)
    out = execute_liquidation("long", q, 96_000.0, surplus_book, leverage=50, fee_rate=0.005)
    assert out.bankruptcy_price == pytest.approx(94_080.0)
    assert out.surplus == pytest.approx(920.0)
    assert out.fee == pytest.approx(475.0)  # 0.5% of 95,000
    assert out.to_fund == pytest.approx(920.0 - 475.0)
    to_fund = execute_liquidation(
        "long",
        q,
        96_000.0,
        surplus_book,
        leverage=50,
        fee_rate=0.005,
        fee_destination="insurance_fund",
    )
    assert to_fund.to_fund == pytest.approx(920.0)
    small = execute_liquidation(
        "long", q, 96_000.0, one_level(94_100.0), leverage=50, fee_rate=0.005
    )
    assert small.fee == pytest.approx(20.0) and small.to_fund == 0.0  # capped at the surplus
    deficit = execute_liquidation(
        "long", q, 96_000.0, one_level(94_000.0), leverage=50, fee_rate=0.005
    )
    assert deficit.fee == 0.0 and deficit.deficit == pytest.approx(80.0)


def test_without_negative_balance_protection_the_debt_stays():
    out = execute_liquidation(
        "long", 1.0, 96_000.0, one_level(94_000.0), leverage=50, negative_balance_protection=False
    )
    assert out.deficit == 0.0
    assert out.trader_balance_after == pytest.approx(-80.0)


def test_book_walk_and_partial_fill():
    book = deep_book(95_000.0, tick=10.0, levels=5, size=0.5)  # 2.5 coins of bids
    with pytest.raises(ValueError, match="larger than the bid side"):
        execute_liquidation("long", 3.0, 96_000.0, book, leverage=50)
    out = execute_liquidation("long", 3.0, 96_000.0, book, leverage=50, allow_partial=True)
    assert out.filled == pytest.approx(2.5) and out.unfilled == pytest.approx(0.5)
    # settlement covers the filled part with its share of the margin
    assert out.surplus == pytest.approx(
        out.margin * 2.5 / 3.0 + (out.fill.notional - 96_000.0 * 2.5)
    )
    with pytest.raises(ValueError, match="empty on the bid side"):
        execute_liquidation("long", 1.0, 96_000.0, OrderBook(), leverage=50)
    with pytest.raises(ValueError, match="give leverage or margin"):
        execute_liquidation("long", 1.0, 96_000.0, book)
    with pytest.raises(ValueError, match="fee_destination must be one of"):
        execute_liquidation("long", 1.0, 96_000.0, book, leverage=50, fee_destination="me")


def test_insurance_fund_cover_deficit_larger_than_fund():
    c = insurance_fund_cover(150.0, 100.0)
    assert (c.from_fund, c.uncovered, c.fund_after) == (100.0, 50.0, 0.0)
    c = insurance_fund_cover(30.0, 100.0)
    assert (c.from_fund, c.uncovered, c.fund_after) == (30.0, 0.0, 70.0)
    with pytest.raises(ValueError, match="deficit must be 0 or more"):
        insurance_fund_cover(-1.0, 5.0)


def test_order_limited_to_the_bankruptcy_price():
    # 50x long from 96,000 (BP 94,080): bids 0.4 at 94,500 and 1 at 93,000
    book = OrderBook([94_500.0, 93_000.0], [0.4, 1.0], [96_500.0], [1.0])
    out = execute_liquidation("long", 1.0, 96_000.0, book, leverage=50, limit_at_bankruptcy=True)
    assert out.filled == pytest.approx(0.4) and out.taken_over == pytest.approx(0.6)
    assert out.deficit == 0.0
    assert out.to_fund == pytest.approx(0.4 * (94_500.0 - 94_080.0))
    market = execute_liquidation("long", 1.0, 96_000.0, book, leverage=50)
    assert market.taken_over == 0.0
    assert market.deficit == pytest.approx(0.6 * (94_080.0 - 93_000.0) - 0.4 * 420.0)
