"""Order book: levels, market-order fills, VWAP, slippage, gaps, delay, depth profiles.

No exchange publishes a numeric market-order walk; these tests check the
definitions' own identities (VWAP = notional / filled, slippage signs, the
book left after the fill) on small books worked by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perpmath.orderbook import (
    DEPTH_PROFILES,
    OrderBook,
    deep_book,
    delayed_execution_price,
    make_book,
    market_order_fill,
    thin_book,
    thinning_book,
)


def small_book() -> OrderBook:
    # bids 99, 98, 97 (1, 2, 3 coins); asks 101, 102 (1, 1)
    return OrderBook([98, 99, 97], [2, 1, 3], [102, 101], [1, 1])


def test_levels_are_sorted_best_first_and_merged():
    b = OrderBook([99, 98, 99, 97], [1, 2, 0.5, 0], [101, 102], [1, 1])
    assert b.bid_prices.tolist() == [99, 98]  # 97 had size 0
    assert b.bid_sizes.tolist() == [1.5, 2]
    assert b.best_bid == 99 and b.best_ask == 101
    assert b.mid == 100 and b.spread == 2
    frame = b.to_frame()
    assert list(frame.columns) == ["side", "price", "size", "cumulative_size", "notional"]
    assert frame.loc[frame.side == "bid", "cumulative_size"].tolist() == [1.5, 3.5]


def test_sell_walks_bids_level_by_level():
    f = market_order_fill(small_book(), "sell", 2.5)
    # 1 at 99, 1.5 at 98 -> notional 99 + 147 = 246
    assert f.levels["price"].tolist() == [99, 98]
    assert f.levels["size"].tolist() == [1, 1.5]
    assert f.notional == pytest.approx(246.0)
    assert f.vwap == pytest.approx(246.0 / 2.5)
    assert f.filled == 2.5 and f.unfilled == 0.0 and f.complete
    assert f.best == 99 and f.mid == 100 and f.worst_price == 98
    # a sell fills below the best bid: positive slippage means worse for the taker
    assert f.slippage_vs_best == pytest.approx((99 - 98.4) / 99)
    assert f.slippage_vs_mid == pytest.approx((100 - 98.4) / 100)
    assert f.book_after.bid_sizes.tolist() == [0.5, 3]
    assert f.cost_vs(99) == pytest.approx(99 * 2.5 - 246)


def test_buy_walks_asks_and_long_short_aliases():
    f = market_order_fill(small_book(), "buy", 1.5)
    assert f.vwap == pytest.approx((101 + 0.5 * 102) / 1.5)
    assert f.slippage_vs_best > 0
    g = market_order_fill(small_book(), "long", 1.5)
    assert g.side == "buy" and g.vwap == f.vwap


def test_order_larger_than_book_raises_or_fills_what_exists():
    with pytest.raises(ValueError, match=r"quantity 10 is larger than the bid side.*6 available"):
        market_order_fill(small_book(), "sell", 10)
    f = market_order_fill(small_book(), "sell", 10, allow_partial=True)
    assert f.filled == 6 and f.unfilled == 4 and not f.complete
    assert f.vwap == pytest.approx((99 + 2 * 98 + 3 * 97) / 6)
    assert f.book_after.bid_prices.size == 0


def test_empty_book_raises():
    with pytest.raises(ValueError, match="empty on the bid side"):
        market_order_fill(OrderBook(), "sell", 1)
    with pytest.raises(ValueError, match="empty on the bid side"):
        market_order_fill(OrderBook(), "sell", 1, allow_partial=True)
    with pytest.raises(ValueError, match="empty"):
        OrderBook().mid  # noqa: B018


def test_book_after_drops_the_levels_the_order_used_up():
    # 0.1 + 0.1 + 0.1 is 0.30000000000000004 in floats: the walk used to leave
    # 5.55e-17 at 97 (and 1.1e-16 for an order of 0.7 - 0.4) instead of removing it
    book = OrderBook([99, 98, 97, 96], [0.1, 0.1, 0.1, 0.1], [101], [1])
    for q in (0.3, 0.7 - 0.4, 0.6 - 0.3):
        f = market_order_fill(book, "sell", q)
        assert f.book_after.bid_prices.tolist() == [96]
        assert f.book_after.bid_sizes.tolist() == [0.1]
        assert f.levels["size"].tolist() == [0.1, 0.1, 0.1]
        assert f.filled == q and f.complete
        assert f.vwap == pytest.approx(98.0, rel=1e-12)
    # a level taken only partly keeps what is really left
    f = market_order_fill(book, "sell", 0.25)
    assert f.book_after.bid_prices.tolist() == [97, 96]
    assert f.book_after.bid_sizes[0] == pytest.approx(0.05)
    # the same on the ask side, and within a limit price
    asks = OrderBook([99], [1], [101, 102, 103], [0.1, 0.2, 0.3])
    f = market_order_fill(asks, "buy", 0.3)
    assert f.book_after.ask_prices.tolist() == [103] and f.book_after.ask_sizes.tolist() == [0.3]
    f = market_order_fill(asks, "buy", 1.0, limit_price=102, allow_partial=True)
    assert f.book_after.ask_prices.tolist() == [103]
    assert f.filled == pytest.approx(0.3) and f.unfilled == pytest.approx(0.7)


def test_limit_price_stops_the_walk():
    f = market_order_fill(small_book(), "sell", 5, limit_price=98, allow_partial=True)
    assert f.filled == 3 and f.unfilled == 2


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"side": "hold", "quantity": 1}, "side must be one of 'buy', 'sell'"),
        ({"side": "sell", "quantity": 0}, "quantity must be greater than 0"),
        ({"side": "sell", "quantity": float("nan")}, "quantity must be finite"),
    ],
)
def test_bad_orders(kwargs, match):
    with pytest.raises(ValueError, match=match):
        market_order_fill(small_book(), **kwargs)


def test_bad_books():
    with pytest.raises(ValueError, match="crossed"):
        OrderBook([101], [1], [100], [1])
    with pytest.raises(ValueError, match="bid_prices must be greater than 0"):
        OrderBook([-1], [1], [], [])
    with pytest.raises(ValueError, match="same length"):
        OrderBook([1, 2], [1], [], [])
    with pytest.raises(ValueError, match="must be an OrderBook"):
        market_order_fill("book", "sell", 1)


def test_gap_removes_levels_and_worsens_the_fill():
    b = deep_book(100.0, tick=0.1, levels=50, size=1.0)
    gapped = b.with_gap("bid", 99.0, 99.8)
    assert not ((gapped.bid_prices >= 99.0) & (gapped.bid_prices <= 99.8)).any()
    before = market_order_fill(b, "sell", 3)
    after = market_order_fill(gapped, "sell", 3)
    assert after.vwap < before.vwap
    assert after.levels["price"].iloc[2] < 99.0  # 99.95, 99.85, then over the gap
    fewer = b.without_levels("bid", 5, start=1)
    assert fewer.bid_prices.size == b.bid_prices.size - 5
    assert fewer.best_bid == b.best_bid


def test_shift_and_scale():
    b = deep_book(100.0, tick=1.0, levels=5, size=2.0)
    s = b.shifted(50.0)
    assert s.mid == pytest.approx(50.0)
    assert b.scaled(0.5).bid_sizes.tolist() == [1.0] * 5


def test_depth_profiles():
    assert set(DEPTH_PROFILES) == {"deep", "thin", "thinning"}
    deep, thin = deep_book(96_000), thin_book(96_000)
    assert deep.depth("bid") > thin.depth("bid")
    q = 2.0
    assert market_order_fill(thin, "sell", q).vwap < market_order_fill(deep, "sell", q).vwap
    # thinning: sizes fall away from the touch and as the mid falls below the reference
    t = thinning_book(100.0, tick=0.1, levels=20, size=1.0, decay=0.1)
    assert np.all(np.diff(t.bid_sizes) < 0)
    lower = thinning_book(
        80.0, tick=0.1, levels=20, size=1.0, decay=0.1, reference_price=100.0, exponent=2
    )
    assert lower.depth("bid") == pytest.approx(t.depth("bid") * 0.8**2)
    assert make_book("thin", 96_000).depth("ask") == thin.depth("ask")
    with pytest.raises(ValueError, match="profile must be one of"):
        make_book("bottomless", 100.0)
    # levels that would sit below price 0 are dropped
    assert (deep_book(10.0, tick=1.0, levels=50).bid_prices > 0).all()
    assert deep.depth("bid", within=0.0001) < deep.depth("bid")


def test_delayed_execution_price():
    path = [100.0, 99.0, 97.0, 94.0, 90.0]
    assert delayed_execution_price(path, 1, 0) == 99.0
    assert delayed_execution_price(path, 1, 2) == 94.0
    assert delayed_execution_price(path, 3, 10) == 90.0  # clipped to the path's end
    np.testing.assert_array_equal(
        delayed_execution_price(path, 1, np.array([0, 1, 2])), [99, 97, 94]
    )
    with pytest.raises(ValueError, match="path must be finite"):
        delayed_execution_price([100.0, float("nan")], 0, 1)
    with pytest.raises(ValueError, match="delay must be 0 or more"):
        delayed_execution_price(path, 0, -1)
    with pytest.raises(ValueError, match="trigger_step must be below"):
        delayed_execution_price(path, 5, 0)


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.floats(0.01, 10), min_size=1, max_size=20),
    frac=st.floats(0.01, 1.5),
    side=st.sampled_from(["buy", "sell"]),
)
def test_fill_identities(sizes, frac, side):
    n = len(sizes)
    book = OrderBook(100 - 0.5 - np.arange(n), sizes, 100 + 0.5 + np.arange(n), sizes)
    q = frac * sum(sizes)
    f = market_order_fill(book, side, q, allow_partial=True)
    assert f.filled + f.unfilled == pytest.approx(q)
    assert f.filled == pytest.approx(min(q, sum(sizes)))
    assert f.vwap * f.filled == pytest.approx(f.notional)
    assert f.slippage_vs_best >= -1e-12 and f.slippage_vs_mid > 0
    left = f.book_after.depth("ask" if side == "buy" else "bid")
    assert left == pytest.approx(sum(sizes) - f.filled, abs=1e-9)
    # every level left is either untouched or really holds size (no rounding crumbs)
    _, after = f.book_after.side_levels("ask" if side == "buy" else "bid")
    assert (after > 1e-12 * sum(sizes)).all()
    untouched = np.asarray(sizes[len(f.levels) :])
    assert after.size in (untouched.size, untouched.size + 1)  # + the level taken partly
    np.testing.assert_array_equal(after[after.size - untouched.size :], untouched)
    assert isinstance(f.levels, pd.DataFrame)


# --- bad input that used to pass unchecked or fail unclearly -------------------------
def test_a_string_in_a_book_names_the_column_instead_of_numpy():
    # was numpy's "could not convert string to float: 'x'"
    with pytest.raises(TypeError) as err:
        OrderBook([99, "x"], [1, 1], [101], [1])
    assert str(err.value) == "bid_prices must be a number or an array of numbers, got [99, 'x']"
    with pytest.raises(TypeError, match=r"^ask_sizes must be a number or an array of numbers"):
        OrderBook([99], [1], [101, 102], [[1], [2, 3]])  # ragged


@pytest.mark.parametrize("bad", [float("inf"), float("nan"), 2.5, "10", None])
def test_levels_given_a_non_count_raise_value_or_type_errors_not_overflow(bad):
    with pytest.raises((ValueError, TypeError), match=r"^levels must be a whole number in \[1, "):
        deep_book(100.0, levels=bad)
    with pytest.raises((ValueError, TypeError), match=r"^count must be a whole number of at"):
        deep_book(100.0, levels=10).without_levels("bid", bad)


def test_scalars_and_flags_of_an_order():
    book = deep_book(100.0, levels=10)
    with pytest.raises(ValueError, match=r"^quantity must be a single number"):
        market_order_fill(book, "buy", [1.0, 2.0])
    with pytest.raises(TypeError, match=r"^allow_partial must be True or False, got 'no'$"):
        market_order_fill(book, "buy", 1.0, allow_partial="no")
    with pytest.raises(TypeError, match=r"^fill must be a Fill from market_order_fill"):
        book.after("fill")
    with pytest.raises(ValueError, match=r"^delay must be finite"):
        delayed_execution_price([100.0, 99.0], 0, float("inf"))
    assert delayed_execution_price([100.0, 99.0], 0, 1e300) == 99.0  # capped at the path's end
