"""Index and mark price (perpmath.markprice)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from perpmath.markprice import (
    funding_basis_price,
    mark_price,
    moving_average_basis,
    price_index,
    wick_demo,
)


def test_weighted_index_is_the_published_weighted_average():
    # Binance, "What Are Mark Price and Price Index in USDⓈ-M Futures?":
    # index = sum(weight_i x price_i) with weights summing to 1.
    prices = [96_000.0, 96_100.0, 95_900.0]
    weights = [0.5, 0.3, 0.2]
    assert price_index(prices, weights) == pytest.approx(0.5 * 96_000 + 0.3 * 96_100 + 0.2 * 95_900)


def test_cap_rule_reproduces_binance_example():
    # Binance price index rule: a source deviating beyond 3 % of the median is
    # counted at median x 1.03 (or 0.97): median 20,000 and +7 % -> 20,600,
    # -6 % -> 19,400. With three venues [20,000, 20,000, 21,400] the counted
    # prices are [20,000, 20,000, 20,600], equal weights.
    assert price_index([20_000, 20_000, 21_400], outlier_rule="cap", band=0.03) == pytest.approx(
        (20_000 + 20_000 + 20_600) / 3
    )
    assert price_index([20_000, 20_000, 18_800], outlier_rule="cap", band=0.03) == pytest.approx(
        (20_000 + 20_000 + 19_400) / 3
    )


def test_exclude_rule_drops_one_outlier_and_falls_back_to_median_for_two():
    # Binance "Price Index" (2020): one source beyond 5 % of the median gets
    # weight 0; more than one -> the index is the median of all sources.
    assert price_index([100.0, 101.0, 130.0], outlier_rule="exclude") == pytest.approx(100.5)
    assert price_index([100.0, 101.0, 102.0, 130.0, 60.0], outlier_rule="exclude") == 101.0


def test_stale_venue_gets_weight_zero():
    idx = price_index([100.0, 102.0, 90.0], age=[1, 1, 600], stale_after=300)
    assert idx == pytest.approx(101.0)
    with pytest.raises(ValueError, match="stale"):
        price_index([100.0, 102.0], age=[600, 600], stale_after=300)
    with pytest.raises(ValueError, match="stale_after"):
        price_index([100.0, 102.0], age=[1, 1])


def test_median_index_ignores_one_wild_venue():
    assert price_index([100.0, 101.0, 1_000.0], method="median") == 101.0


def test_index_over_time_rows_equals_scalar_per_row():
    rng = np.random.default_rng(0)
    prices = 96_000 * (1 + rng.normal(0, 0.001, (50, 5)))
    rows = price_index(prices, outlier_rule="cap", band=0.001)
    assert rows.shape == (50,)
    for t in (0, 17, 49):
        assert rows[t] == pytest.approx(price_index(prices[t], outlier_rule="cap", band=0.001))


def test_bitmex_fair_price():
    # BitMEX "Fair Price Marking": Funding Basis = rate x (time until funding /
    # interval); Fair Price = Index x (1 + Funding Basis). No worked numbers are
    # published on the page; the identity is checked with rate 0.01 %, 4 h of 8.
    assert mark_price(50_000, convention="bitmex", funding_rate=0.0001, time_until_funding=4) == (
        pytest.approx(50_000 * (1 + 0.0001 * 0.5))
    )
    assert funding_basis_price(50_000, 0.0001, 0.0) == 50_000


def test_binance_mark_is_median_of_three():
    # Binance "Mark Price in Coin-Margined Futures": median(P1, P2, contract
    # price); "if Price 1 < Price 2 < Contract Price, then take Price 2".
    p1 = funding_basis_price(100.0, 0.0001, 8.0)  # 100.01
    mark = mark_price(
        100.0,
        convention="binance",
        funding_rate=0.0001,
        time_until_funding=8.0,
        basis=0.05,
        last_price=101.0,
    )
    assert p1 < 100.05 < 101.0
    assert mark == pytest.approx(100.05)
    # the last price alone cannot drag the mark: it is the median
    low = mark_price(100.0, convention="bybit", basis=0.0, last_price=50.0)
    assert low == pytest.approx(100.0)


def test_okx_mark_is_index_plus_basis():
    assert mark_price(100.0, convention="okx", basis=-0.3) == pytest.approx(99.7)


def test_mark_price_errors():
    with pytest.raises(ValueError, match="last_price"):
        mark_price(100.0, convention="binance")
    with pytest.raises(ValueError, match="convention"):
        mark_price(100.0, convention="kraken", last_price=100.0)
    with pytest.raises(ValueError, match="index"):
        mark_price(-1.0, convention="bitmex")
    with pytest.raises(ValueError, match="time_until_funding"):
        mark_price(100.0, convention="bitmex", time_until_funding=9.0)


def test_moving_average_basis_window():
    bid = np.array([101.0, 103.0, 105.0, 107.0])
    ma = moving_average_basis(bid, bid, np.full(4, 100.0), window=2)
    np.testing.assert_allclose(ma, [1.0, 2.0, 4.0, 6.0])
    assert moving_average_basis(101.0, 103.0, 100.0) == 2.0
    with pytest.raises(ValueError, match="window"):
        moving_average_basis(bid, bid, bid, window=0)


def test_index_errors():
    with pytest.raises(ValueError, match="prices"):
        price_index([100.0, float("nan")])
    with pytest.raises(ValueError, match="method"):
        price_index([100.0], method="mean")
    with pytest.raises(ValueError, match="weights"):
        price_index([100.0, 101.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="weight 0"):
        price_index([100.0, 101.0], [0.0, 0.0])


@pytest.mark.parametrize("side", ["long", "short"])
def test_wick_liquidates_on_last_but_not_on_mark(side):
    demo = wick_demo(side, 96_000, 50, wick=0.03)
    assert demo.liquidated_on_last and not demo.liquidated_on_mark
    frame = demo.frame
    assert {"index", "last", "mark"} <= set(frame.columns)
    # the mark price moves much less than the wick
    move_last = np.abs(frame["last"] / 96_000 - 1).max()
    move_mark = np.abs(frame["mark"] / 96_000 - 1).max()
    assert move_mark < move_last / 5


def test_small_wick_liquidates_neither():
    demo = wick_demo("long", 96_000, 50, wick=0.005)
    assert not demo.liquidated_on_last and not demo.liquidated_on_mark


def test_wick_demo_errors():
    with pytest.raises(ValueError, match="wick_start"):
        wick_demo(wick_start=1_000)
    with pytest.raises(ValueError, match="side"):
        wick_demo("up")


def test_mark_price_arrays_equal_scalars():
    index = np.array([95_000.0, 96_000.0, 97_000.0])
    last = np.array([94_000.0, 96_500.0, 99_000.0])
    basis = np.array([-10.0, 5.0, 40.0])
    arr = mark_price(index, last_price=last, basis=basis, funding_rate=0.0002, time_until_funding=2)
    for i in range(3):
        one = mark_price(
            index[i], last_price=last[i], basis=basis[i], funding_rate=0.0002, time_until_funding=2
        )
        assert isinstance(one, float)
        assert arr[i] == pytest.approx(one)


prices_strategy = st.lists(
    st.floats(min_value=1_000.0, max_value=200_000.0, allow_nan=False), min_size=3, max_size=9
)


@given(prices_strategy, st.floats(min_value=0.001, max_value=0.2))
def test_capped_index_stays_within_band_of_median(prices, band):
    median = float(np.median(prices))
    idx = price_index(prices, outlier_rule="cap", band=band)
    assert median * (1 - band) - 1e-6 <= idx <= median * (1 + band) + 1e-6
    assert min(prices) - 1e-6 <= idx <= max(prices) + 1e-6


@given(prices_strategy, st.floats(min_value=-0.003, max_value=0.003), st.floats(0.0, 8.0))
def test_median_mark_lies_between_its_components(prices, rate, hours):
    index = price_index(prices, method="median")
    last = prices[0]
    mark = mark_price(index, last_price=last, funding_rate=rate, time_until_funding=hours)
    p1 = funding_basis_price(index, rate, hours)
    low, high = sorted([p1, index, last])[0], sorted([p1, index, last])[2]
    assert low - 1e-6 <= mark <= high + 1e-6


@pytest.mark.parametrize(
    "index, bid, ask, last, expected",
    [
        (270.0, 271.0, 271.5, 271.7, 271.5),  # last above the ask -> the ask
        (270.0, 271.0, 271.5, 271.2, 271.2),  # last inside the book -> last
        (270.0, 280.0, 280.5, 280.0, 278.1),  # more than 3 % from the index -> capped
    ],
)
def test_deribit_published_examples(index, bid, ask, last, expected):
    # Deribit, "Calculation of BTC mark price for calculating unrealised P/L",
    # examples 1-3 (https://deribit.freshdesk.com/support/solutions/articles/1000199659).
    mark = mark_price(index, convention="deribit_futures", last_price=last, bid=bid, ask=ask)
    assert mark == pytest.approx(expected)


def test_deribit_needs_the_book():
    with pytest.raises(ValueError, match="bid and ask"):
        mark_price(270.0, convention="deribit_futures", last_price=271.0)
    with pytest.raises(ValueError, match="bid must not exceed ask"):
        mark_price(270.0, convention="deribit_futures", last_price=271.0, bid=272.0, ask=271.0)


# --- bad input that used to pass unchecked or fail unclearly -------------------------
def test_stale_after_without_age_is_refused_not_ignored():
    with pytest.raises(ValueError, match=r"^stale_after applies only with age="):
        price_index([100.0, 101.0, 102.0], stale_after=math.nan)
    with pytest.raises(ValueError, match=r"^band applies only with outlier_rule="):
        price_index([100.0, 101.0, 102.0], band=0.01)  # no outlier rule uses it


def test_mark_price_checks_every_market_figure_and_refuses_deribit_parameters_elsewhere():
    # market data are checked even where the venue's formula skips them ...
    with pytest.raises(ValueError, match=r"^bid must be finite"):
        mark_price(100.0, convention="binance", last_price=100.5, bid=math.nan)
    # ... and a parameter of Deribit's rule is refused for another venue
    with pytest.raises(ValueError, match=r"^band applies only with convention='deribit_futures'"):
        mark_price(100.0, convention="binance", last_price=100.5, band=0.05)
    with pytest.raises(ValueError, match=r"^funding_rate applies only with a perpetual"):
        mark_price(
            100.0, convention="deribit_futures", last_price=100, bid=99, ask=101, funding_rate=0.01
        )


def test_a_bad_wick_demo_spread_names_spread_not_prices():
    # was "prices must be greater than 0, got 0.0 at index (0, 3)"
    with pytest.raises(ValueError, match=r"^spread must be 0 or more, got -1\.0$"):
        wick_demo(spread=-1.0)
    with pytest.raises(ValueError, match=r"^spread must be smaller than 0\.5 so that every one"):
        wick_demo(spread=0.6)
    with pytest.raises(ValueError, match=r"^spot_wick_venue must be a whole number in \[0, 4\]"):
        wick_demo(spot_wick_venue=2.5)
    with pytest.raises(ValueError, match=r"^hours_to_funding must lie in \[0, 8\]"):
        wick_demo(hours_to_funding=-1.0)


def test_mark_price_details_name_price_1_and_price_2():
    # Binance, "Mark Price in Coin-Margined Futures": mark = median(Price 1, Price 2, last).
    from perpmath.markprice import mark_price_details

    d = mark_price_details(
        96_000, last_price=94_000, funding_rate=0.0001, time_until_funding=4, basis=-30
    )
    assert d.price_1 == pytest.approx(96_000 * (1 + 0.0001 * 4 / 8))
    assert d.price_2 == pytest.approx(95_970)
    assert d.mark_price == pytest.approx(95_970) and d.chosen == "price_2"
    assert d.mark_price == mark_price(
        96_000,
        convention="binance",
        last_price=94_000,
        funding_rate=0.0001,
        time_until_funding=4,
        basis=-30,
    )
    assert mark_price_details(96_000, last_price=95_990, basis=-30).chosen == "last_price"
    with pytest.raises(ValueError, match=r"^convention must be one of 'binance', 'bybit'"):
        mark_price_details(96_000, last_price=1.0, convention="okx")


def test_hyperliquid_mark_is_the_median_of_three_inputs():
    # Hyperliquid docs, "Robust price indices": median of oracle + 150 s EMA basis, the
    # book median (bid, ask, last) and the external perpetual mids.
    from perpmath.markprice import hyperliquid_mark_price

    # oracle 10,000 with an EMA basis of +20 (10,020); book 10,005/10,015/10,010 (10,010);
    # external mids 9,995: the mark is the middle value, 10,010.
    m = hyperliquid_mark_price(10_000, 20, 10_005, 10_015, 10_010, external_mid=9_995)
    assert m == 10_010
    # two inputs only: the 30-second EMA of the book median joins them
    assert hyperliquid_mark_price(10_000, 20, 10_005, 10_015, 10_010, local_ema=10_030) == 10_020
    with pytest.raises(ValueError, match=r"external_mid .* or, when it does not exist, local_ema"):
        hyperliquid_mark_price(10_000, 20, 10_005, 10_015, 10_010)
    with pytest.raises(ValueError, match="best_bid must not exceed best_ask"):
        hyperliquid_mark_price(10_000, 20, 10_020, 10_015, 10_010, external_mid=1.0)


def test_hyperliquid_ema_update_rule():
    # numerator <- numerator x exp(-t/150) + sample x t; denominator likewise with t.
    from perpmath.markprice import hyperliquid_ema

    out = hyperliquid_ema([10.0, 20.0], [3.0, 3.0])
    d = np.exp(-3 / 150)
    assert out[0] == 10.0
    assert out[1] == pytest.approx((10 * 3 * d + 20 * 3) / (3 * d + 3))
    # a constant sample gives that constant, whatever the spacing
    assert hyperliquid_ema([5.0] * 4, [1.0, 7.0, 3.0, 30.0]) == pytest.approx([5.0] * 4)
    with pytest.raises(ValueError, match=r"^durations must be greater than 0"):
        hyperliquid_ema([1.0], [0.0])
