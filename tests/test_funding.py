"""Funding rate, payment and accumulation (perpmath.funding)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from perpmath.funding import (
    FUNDING_CONVENTIONS,
    accumulated_funding,
    annualized_funding_rate,
    average_premium_index,
    funding_interest_rate,
    funding_over_time,
    funding_payment,
    funding_rate,
    funding_settlements,
    funding_share_of_margin,
    holding_events,
    premium_index,
)
from perpmath.liquidation import liquidation_price
from perpmath.tiers import load_tier_table

# --- published examples -------------------------------------------------------------------


def test_bitmex_guide_example_interest_and_payment():
    # BitMEX, "Perpetual Contracts Guide Examples" (bitmex.com/app/perpetualContractsGuideExamples):
    # long 15,000 XBTUSD (1 USD each) at 750 USD = 20 XBT; quote rate 1.00 %/day, base rate
    # 0.25 %/day -> Funding Rate = (1.00 % - 0.25 %) / 3 = 0.25 %; Funding Amount = 20 XBT x
    # 0.25 % = 0.05 XBT, paid by the long to the short.
    rate = funding_interest_rate(0.01, 0.0025, 3)
    assert rate == pytest.approx(0.0025)
    paid = funding_payment("long", 15_000, 750.0, rate, contract="inverse", contract_size=1.0)
    assert paid == pytest.approx(0.05)
    assert funding_payment("short", 15_000, 750.0, rate, "inverse", 1.0) == pytest.approx(-0.05)


def test_bitmex_support_ondousdt_clamped_rate():
    # BitMEX support, "Why is the Funding Rate for a contract higher or lower than I expect?":
    # ONDOUSDT, premium index .ONDOUSDTPI8H = -0.00184, interest 0.01 %:
    # F = -0.00184 + clamp(I - P, 0.05 %, -0.05 %) = -0.00184 + 0.0005 = -0.00134.
    assert funding_rate(-0.00184, 0.0001, 0.0005, "bitmex") == pytest.approx(-0.00134)


def test_hyperliquid_docs_example():
    # Hyperliquid docs, "Funding" (hyperliquid.gitbook.io/hyperliquid-docs/trading/funding):
    # interest 0.01 %, impact bid 10,100, oracle (spot) 10,000 -> premium 1 %; clamp(0.01 % - 1 %)
    # = -0.05 %; 8-hour rate 0.95 %, paid hourly at one eighth of it.
    p = premium_index(10_100.0, 10_120.0, 10_000.0)
    assert p == pytest.approx(0.01)
    hourly = funding_rate(p, 0.0001, 0.0005, "hyperliquid")
    assert hourly * 8 == pytest.approx(0.0095)
    # payment = position size x oracle price x rate (10 BTC long)
    assert funding_payment("long", 10, 10_000.0, hourly) == pytest.approx(10 * 10_000 * 0.0095 / 8)


def test_hyperliquid_cap_of_4_percent_per_hour():
    # Hyperliquid docs, "Funding": funding is capped at 4 % per hour.
    assert funding_rate(2.0, convention="hyperliquid") == pytest.approx(0.04)
    assert funding_rate(-2.0, convention="hyperliquid") == pytest.approx(-0.04)


def test_binance_interest_component():
    # Binance, "Introduction to Binance Futures Funding Rates": interest 0.03 % a day, i.e.
    # (quote 0.06 % - base 0.03 %) / 3 = 0.01 % per 8-hour interval.
    assert funding_interest_rate(0.0006, 0.0003) == pytest.approx(0.0001)


def test_binance_formula_identities():
    # Binance gives the formula, not a numeric worked example we could find; we test its
    # identities: F = [P + clamp(I - P, 0.05 %, -0.05 %)] / (8 / N).
    # premium within +/-0.05 % of the interest rate -> the rate is the interest rate
    for p in (-0.0004, 0.0, 0.0001, 0.00059):
        assert funding_rate(p) == pytest.approx(0.0001)
    # beyond the band, the rate follows the premium, offset by the clamp
    assert funding_rate(0.003) == pytest.approx(0.003 - 0.0005)
    assert funding_rate(-0.003) == pytest.approx(-0.003 + 0.0005)
    # a 4-hour symbol pays half the 8-hour rate each time (same daily total)
    assert funding_rate(0.003, interval_hours=4) == pytest.approx((0.003 - 0.0005) / 2)
    # the optional cap clips the result
    assert funding_rate(0.05, cap=0.003) == pytest.approx(0.003)


def test_conventions_named_with_sources():
    assert set(FUNDING_CONVENTIONS) >= {"binance", "bitmex", "hyperliquid"}
    assert FUNDING_CONVENTIONS["hyperliquid"].interval_hours == 1.0
    for conv in FUNDING_CONVENTIONS.values():
        assert "http" in conv.source


def test_premium_index_cases():
    # inside the impact spread: zero premium
    assert premium_index(99.9, 100.2, 100.0) == 0.0
    # perpetual rich: impact bid above the index
    assert premium_index(100.5, 100.6, 100.0) == pytest.approx(0.005)
    # perpetual cheap: impact ask below the index
    assert premium_index(99.0, 99.5, 100.0) == pytest.approx(-0.005)
    out = premium_index(np.array([100.5, 99.0]), np.array([100.6, 99.5]), 100.0)
    assert out.shape == (2,)


def test_average_premium_index_weights():
    # Binance: (1 P1 + 2 P2 + ... + n Pn) / (1 + 2 + ... + n); BitMEX/Hyperliquid: plain mean
    samples = [0.001, 0.002, 0.003]
    assert average_premium_index(samples, "binance") == pytest.approx(
        (0.001 + 2 * 0.002 + 3 * 0.003) / 6
    )
    assert average_premium_index(samples, "bitmex") == pytest.approx(0.002)
    assert average_premium_index(np.array([samples, samples]), "hyperliquid").shape == (2,)


# --- sign convention, accumulation, margin ------------------------------------------------


@pytest.mark.parametrize(
    ("side", "rate", "pays"),
    [
        ("long", 0.0001, True),
        ("short", 0.0001, False),
        ("long", -0.0001, False),
        ("short", -0.0001, True),
    ],
)
def test_who_pays_whom(side, rate, pays):
    amount = funding_payment(side, 1.0, 96_000.0, rate)
    assert (amount > 0) == pays
    assert abs(amount) == pytest.approx(9.6)


def test_longs_and_shorts_exchange_equal_amounts():
    long_pays = funding_payment("long", 2.0, 96_000.0, 0.0003)
    short_gets = funding_payment("short", 2.0, 96_000.0, 0.0003)
    assert long_pays + short_gets == 0.0


def test_payment_vectorized_and_scalar():
    assert isinstance(funding_payment("long", 1.0, 96_000.0, 0.0001), float)
    out = funding_payment(["long", "short"], [1.0, 2.0], 96_000.0, 0.0001)
    np.testing.assert_allclose(out, [9.6, -19.2])


def test_accumulated_funding_cumulates_each_settlement_on_its_mark():
    marks = np.array([100.0, 110.0, 90.0])
    rates = np.array([0.001, -0.002, 0.003])
    cum = accumulated_funding("long", 2.0, marks, rates)
    np.testing.assert_allclose(cum, np.cumsum(2.0 * marks * rates))
    assert accumulated_funding("long", 1.0, 100.0, 0.001) == pytest.approx(0.1)


def test_share_of_margin_grows_with_leverage():
    # identity: cost / margin = rate x settlements x leverage (price unchanged)
    rate, n = 0.0001, 90
    for lev in (1, 5, 20, 100):
        total = accumulated_funding("long", 1.0, np.full(n, 96_000.0), rate)[-1]
        margin = 96_000.0 / lev
        assert total / margin == pytest.approx(funding_share_of_margin(rate, lev, n))


def test_settlements_and_annualization():
    assert funding_settlements(24 * 30) == 90
    assert funding_settlements(7.9) == 0
    assert funding_settlements(24, interval_hours=1) == 24
    assert annualized_funding_rate(0.0001) == pytest.approx(0.0001 * 3 * 365)


def test_holding_events_perpetual_has_no_rollover():
    assert holding_events(365) == {"funding_settlements": 1095, "rollovers": 0}
    assert holding_events(365, "dated") == {"funding_settlements": 0, "rollovers": 4}


def test_funding_over_time_moves_liquidation_price():
    frame = funding_over_time("long", 96_000.0, 20, np.full(90, 0.0001))
    m0 = 96_000.0 / 20
    assert frame.attrs["initial_margin"] == pytest.approx(m0)
    np.testing.assert_allclose(frame["margin_left"], m0 - 9.6 * np.arange(1, 91))
    # calls the liquidation module with the reduced margin
    expected = liquidation_price("long", 96_000.0, 20, 1.0, margin=frame["margin_left"].to_numpy())
    np.testing.assert_allclose(frame["liquidation_price"], expected)
    # paying funding moves a long's liquidation price up, towards the entry
    assert np.all(np.diff(frame["liquidation_price"]) > 0)
    assert not frame.attrs["liquidated"]
    # receiving funding (short with a positive rate) moves it away
    short = funding_over_time("short", 96_000.0, 20, np.full(30, 0.0001))
    assert np.all(np.diff(short["liquidation_price"]) > 0)
    assert short["margin_left"].iloc[-1] > 96_000.0 / 20


def test_funding_over_time_with_tier_table_and_exhaustion():
    table = load_tier_table("binance_usdm_btcusdt", date="2021-03-18")
    frame = funding_over_time("long", 96_000.0, 10, np.full(9, 0.0002), maintenance=table)
    assert len(frame) == 9
    drained = funding_over_time("long", 96_000.0, 100, np.full(300, 0.003))
    assert drained.attrs["liquidated"] and len(drained) < 300


# --- bad input ---------------------------------------------------------------------------


def test_bad_inputs():
    with pytest.raises(ValueError, match="convention"):
        funding_rate(0.0, convention="ftx")
    with pytest.raises(ValueError, match="premium_index"):
        funding_rate(float("nan"))
    with pytest.raises(ValueError, match="clamp"):
        funding_rate(0.0, clamp=-0.0005)
    with pytest.raises(ValueError, match="impact_bid"):
        premium_index(101.0, 100.0, 100.0)
    with pytest.raises(ValueError, match="side"):
        funding_payment("flat", 1.0, 100.0, 0.0001)
    with pytest.raises(ValueError, match="quantity"):
        funding_payment("long", 0.0, 100.0, 0.0001)
    with pytest.raises(ValueError, match="interval_hours"):
        funding_rate(0.0, convention="bitmex", interval_hours=4)
    with pytest.raises(ValueError, match="samples"):
        average_premium_index([])
    with pytest.raises(ValueError, match="rates"):
        funding_over_time("long", 96_000.0, 10, [])


# --- properties ------------------------------------------------------------------------------


_rates = st.one_of(st.floats(1e-9, 0.05), st.floats(-0.05, -1e-9), st.just(0.0))
_prices = st.floats(1.0, 1e6, allow_nan=False)
_sizes = st.floats(1e-4, 1e4, allow_nan=False)


@given(_sizes, _prices, _rates)
def test_property_longs_pay_what_shorts_receive(q, mark, rate):
    assert funding_payment("long", q, mark, rate) == -funding_payment("short", q, mark, rate)
    assert np.sign(funding_payment("long", q, mark, rate)) == np.sign(rate)


@given(st.floats(-0.05, 0.05, allow_nan=False), st.floats(-0.001, 0.001, allow_nan=False))
def test_property_clamp_bounds_the_distance_to_the_premium(p, i):
    rate = funding_rate(p, i, 0.0005, "bitmex")
    assert abs(rate - p) <= 0.0005 + 1e-15
    assert min(p, i) - 1e-15 <= rate <= max(p, i) + 1e-15


# --- bad input that used to pass unchecked or fail unclearly -------------------------
def test_expiry_days_of_a_perpetual_is_refused_not_ignored():
    # a perpetual never expires: expiry_days=nan used to be ignored in silence
    with pytest.raises(ValueError) as err:
        holding_events(30, "perpetual", expiry_days=math.nan)
    assert str(err.value) == (
        "expiry_days applies only with instrument='dated'; leave it at 91.0 otherwise, got nan"
    )
    with pytest.raises(ValueError, match=r"^interval_hours applies only with instrument="):
        holding_events(30, "dated", interval_hours=4)
    assert holding_events(30, "perpetual", expiry_days=91) == holding_events(30)
    with pytest.raises(ValueError, match=r"^days must be a single number"):
        holding_events([30, 60])


def test_funding_names_its_own_arguments():
    with pytest.raises(ValueError, match=r"^mark_price must be greater than 0"):
        funding_payment("long", 1, 0.0, 0.0001)
    with pytest.raises(ValueError, match=r"^mark_prices and rates must have matching lengths"):
        accumulated_funding("long", 1, [100, 101], [0.0001, 0.0001, 0.0001])
    with pytest.raises(ValueError, match=r"^leverage must be a single number"):
        funding_over_time("long", 100, [10, 20], [0.0001])


# --- intermediate values, dYdX v4, Kraken, conventions of funding_over_time -----------------


def test_rate_details_name_the_clamp_term():
    # BitMEX support, ONDOUSDT: premium -0.184 %, interest 0.01 % -> clamp term +0.05 %,
    # rate -0.134 %.
    from perpmath.funding import funding_rate_details

    d = funding_rate_details(-0.00184, 0.0001, 0.0005, "bitmex")
    assert d.premium == pytest.approx(-0.00184)
    assert d.clamp_term == pytest.approx(0.0005)
    assert d.rate == pytest.approx(-0.00134) == funding_rate(-0.00184, 0.0001, 0.0005, "bitmex")
    assert d.capped is False
    # Hyperliquid: the 4 %/hour cap binds on a 50 % premium
    h = funding_rate_details(0.5, convention="hyperliquid")
    assert h.capped is True and h.rate == 0.04 and h.rate_uncapped == pytest.approx(0.4995 / 8)
    # a 4-hour Binance symbol with its per-symbol cap (HIFIUSDT: +/-2.5 %)
    b = funding_rate_details(0.2, convention="binance", interval_hours=4, cap=0.025)
    assert b.interval_hours == 4 and b.rate == 0.025 and b.capped


def test_dydx_v4_funding_clamp_from_v4_chain_tests():
    # dYdX v4-chain, liquidity_tier_test.go (TestLiquidityTierGetMaxAbsFundingClampPpm):
    # 600 % x (15 % - 15 % x 80 %) = 18 %; 45 % IMF with a 100 % maintenance fraction: 0.
    from perpmath.funding import dydx_funding_cap, dydx_funding_rate

    assert dydx_funding_cap(0.15, 0.80) == pytest.approx(0.18)
    assert dydx_funding_cap(0.45, 1.0) == 0.0
    assert dydx_funding_cap(1.0, 0.0, 3.0) == pytest.approx(3.0)
    # hourly rate = clamp(premium + default funding) / 8
    assert dydx_funding_rate(0.001, 0.05, 0.6) == pytest.approx(0.001 / 8)
    assert dydx_funding_rate(0.5, 0.05, 0.6) == pytest.approx(6 * 0.02 / 8)
    assert dydx_funding_rate(-0.5, 0.05, 0.6, default_funding=0.0001) == pytest.approx(-0.12 / 8)
    with pytest.raises(ValueError, match=r"^maintenance_fraction must lie in \[0, 1\]"):
        dydx_funding_cap(0.05, 1.2)
    with pytest.raises(ValueError, match="dydx_funding_rate"):
        funding_rate(0.001, convention="dydx_v4")


def test_kraken_relative_and_absolute_rates():
    from perpmath.funding import kraken_absolute_funding_rate, kraken_funding_rate

    assert kraken_funding_rate(0.0024, 24) == pytest.approx(0.0001)
    assert kraken_funding_rate(0.24, 24, cap=0.0025) == 0.0025
    assert kraken_absolute_funding_rate(0.0001, 96_000) == pytest.approx(9.6)
    with pytest.raises(ValueError, match="kraken_funding_rate"):
        funding_rate(0.001, convention="kraken")
    with pytest.raises(ValueError, match=r"^realisation_hours must be greater than 0"):
        kraken_funding_rate(0.001, 0)


def test_funding_over_time_takes_a_convention():
    hourly = funding_over_time("long", 96_000, 10, [0.0001] * 3, convention="hyperliquid")
    assert hourly["hours"].tolist() == [1.0, 2.0, 3.0]
    assert hourly.attrs["interval_hours"] == 1.0
    eight = funding_over_time("long", 96_000, 10, [0.0001] * 3, convention="bitmex")
    assert eight["hours"].tolist() == [8.0, 16.0, 24.0]
    with pytest.raises(ValueError, match=r"^convention must be one of"):
        funding_over_time("long", 96_000, 10, [0.0001], convention="ftx")
