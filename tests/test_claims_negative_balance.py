"""Syllabus claim 1 (section 05), checked completely.

The source article: "Long BTC at $96,000 with 50x; liquidation at $95,000; filled at
$94,200 in a thin book; the loss exceeds the margin." perpmath's answer: at 50x the
bankruptcy price is $94,080, so a fill at $94,200 leaves margin over, before and after
the fee to close; only a fill below $94,080 makes the balance negative, and fees move the
point where the margin is used up, not the point where the trader owes money (a
liquidation fee is capped at what is left).

No exchange publishes this exact example; the tests check the formulas' own identities
(bankruptcy: margin + PnL = 0; with the fee to close: margin + PnL - fee = 0) and the
taker fee of the Binance USDⓈ-M convention.
"""

from __future__ import annotations

import dataclasses

import pytest

from perpmath.contracts import unrealized_pnl
from perpmath.conventions import get_convention
from perpmath.exchange import execute_liquidation
from perpmath.liquidation import bankruptcy_price, liquidation_price
from perpmath.margin import initial_margin
from perpmath.orderbook import OrderBook

ENTRY, LEVERAGE, QTY = 96_000.0, 50.0, 1.0


def _one_level(price: float) -> OrderBook:
    """A book whose only bid is 1 BTC at ``price``: the fill is exactly ``price``."""
    return OrderBook([price], [QTY], [price + 10], [QTY])


def _fee_to_close_convention():
    """Binance USDⓈ-M with the fee to close counted inside the bankruptcy price."""
    return dataclasses.replace(get_convention("binance_usdm"), fee_in_bankruptcy=True)


def test_bankruptcy_price_at_50x_is_94080():
    # syllabus, claim 1: 96,000 x (1 - 1/50) = 94,080
    assert bankruptcy_price("long", ENTRY, LEVERAGE) == pytest.approx(94_080.0, abs=1e-9)
    margin = initial_margin(QTY, ENTRY, LEVERAGE)
    assert margin == pytest.approx(1_920.0)
    assert margin + unrealized_pnl("long", QTY, ENTRY, 94_080.0) == pytest.approx(0.0, abs=1e-9)


def test_liquidation_comes_before_bankruptcy_but_not_at_95000():
    lp = liquidation_price("long", ENTRY, LEVERAGE, QTY, convention="binance_usdm")
    assert 94_080.0 < lp < 95_000.0
    plain = liquidation_price("long", ENTRY, LEVERAGE, QTY, maintenance=0.004)
    assert plain == pytest.approx(94_080.0 / (1 - 0.004))


def test_fill_at_94200_leaves_margin_before_fees():
    out = execute_liquidation("long", QTY, ENTRY, _one_level(94_200.0), leverage=LEVERAGE)
    assert out.vwap == pytest.approx(94_200.0)
    assert out.equity_at_fill == pytest.approx(120.0)
    assert out.deficit == 0.0 and out.trader_balance_after == 0.0
    assert out.to_fund == pytest.approx(120.0)  # no fee: all of it goes to the fund


@pytest.mark.parametrize("fill", [94_079.0, 94_000.0, 93_500.0])
def test_negative_balance_only_below_bankruptcy(fill):
    out = execute_liquidation("long", QTY, ENTRY, _one_level(fill), leverage=LEVERAGE)
    assert out.deficit == pytest.approx(94_080.0 - fill)
    off = execute_liquidation(
        "long", QTY, ENTRY, _one_level(fill), leverage=LEVERAGE, negative_balance_protection=False
    )
    assert off.trader_balance_after == pytest.approx(fill - 94_080.0)
    at_bp = execute_liquidation("long", QTY, ENTRY, _one_level(94_080.0), leverage=LEVERAGE)
    assert at_bp.deficit == 0.0 and at_bp.equity_at_fill == pytest.approx(0.0, abs=1e-9)


def test_fee_to_close_moves_the_zero_point_up_to_94127():
    fee = get_convention("binance_usdm").taker_fee
    assert fee == pytest.approx(0.0005)
    left = initial_margin(QTY, ENTRY, LEVERAGE) + unrealized_pnl("long", QTY, ENTRY, 94_200.0)
    assert left - fee * 94_200.0 == pytest.approx(72.9)
    zero = bankruptcy_price("long", ENTRY, LEVERAGE, convention=_fee_to_close_convention())
    assert zero == pytest.approx(94_080.0 / (1 - fee))
    assert zero == pytest.approx(94_127.06, abs=0.01)
    # identity: margin + PnL - fee to close = 0 at that price
    assert 1_920.0 + unrealized_pnl("long", QTY, ENTRY, zero) - fee * zero == pytest.approx(
        0.0, abs=1e-6
    )


def test_fee_to_open_and_to_close_still_leave_margin_at_94200():
    fee = get_convention("binance_usdm").taker_fee
    open_fee = fee * ENTRY  # 48 USDT paid out of the margin
    zero = bankruptcy_price(
        "long",
        ENTRY,
        LEVERAGE,
        margin=initial_margin(QTY, ENTRY, LEVERAGE) - open_fee,
        convention=_fee_to_close_convention(),
    )
    assert zero == pytest.approx((94_080.0 + 48.0) / (1 - fee))
    assert zero < 94_200.0  # so the article's fill still leaves about 24.90 USDT
    left = 1_920.0 - open_fee + unrealized_pnl("long", QTY, ENTRY, 94_200.0) - fee * 94_200.0
    assert left == pytest.approx(24.9)


def test_a_liquidation_fee_never_creates_debt():
    out = execute_liquidation(
        "long", QTY, ENTRY, _one_level(94_200.0), leverage=LEVERAGE, fee_rate=0.005
    )
    assert out.fee == pytest.approx(120.0)  # capped at the 120 USDT left, not 471
    assert out.deficit == 0.0 and out.trader_balance_after == 0.0
