"""perpmath.subaccount: dYdX v4 liquidity tiers and quote-balance subaccounts.

Worked numbers from dYdX v4-chain's own tests (protocol/x/perpetuals/types/
liquidity_tier_test.go and protocol/x/clob/keeper/liquidations_test.go). The
clob tests use the test markets BTC-USD at an oracle of 50,000 and ETH-USD at
3,000, both with a 20 % initial margin and a 50 % maintenance fraction (10 %).
"""

from __future__ import annotations

import pytest

from perpmath.subaccount import (
    impact_notional,
    maintenance_margin_fraction,
    open_interest_initial_margin_fraction,
    subaccount_bankruptcy_price,
    subaccount_margin,
)

approx = pytest.approx
BTC, ETH = 50_000.0, 3_000.0


def test_impact_notional_is_500_usdc_over_the_initial_fraction():
    # liquidity_tier_test.go: 15 % initial margin with an impact notional of 3,333 USDC
    assert int(impact_notional(0.15)) == 3_333
    assert impact_notional(0.05) == approx(10_000)
    with pytest.raises(ValueError, match="greater than 0 for an impact notional"):
        impact_notional(0.0)


@pytest.mark.parametrize(
    ("imf", "mf", "expected"),
    [(0.15, 0.80, 0.12), (0.45, 0.77, 0.3465), (1.0, 1.0, 1.0), (1.0, 0.0, 0.0), (0.0, 1.0, 0.0)],
)
def test_maintenance_fraction_up_to_100_percent(imf, mf, expected):
    # TestLiquidityTierGetMaintenanceMarginPpm
    assert maintenance_margin_fraction(imf, mf) == approx(expected)


@pytest.mark.parametrize(
    ("oi", "lower", "upper", "expected"),
    [
        # TestGetAdjustedInitialMarginPpm, base IMF 20 %
        (0, 1_000_000, 2_000_000, 0.20),
        (1_500_000, 1_000_000, 2_000_000, 0.60),
        (1_234_567, 1_000_000, 2_000_000, 0.3876536),  # the chain keeps 387,653 ppm
        (1_000_000, 1_000_000, 2_000_000, 0.20),
        (2_000_000, 1_000_000, 2_000_000, 1.00),
        (2_500_000, 1_000_000, 2_000_000, 1.00),
        (1_500_000, 0, 0, 0.20),  # no upper cap: no scaling
    ],
)
def test_open_interest_scaled_initial_margin(oi, lower, upper, expected):
    assert open_interest_initial_margin_fraction(0.20, oi, lower, upper) == approx(expected)


def test_open_interest_scaling_on_a_realistic_market():
    # TestGetInitialMarginQuoteQuantums: base 20 %, caps 25 M and 60 M, 28.123456789123 M of
    # open notional (quantums of 1e-6 USDC): initial margin on 500,000 quantums = 135,697
    # (rounded up).
    imf = open_interest_initial_margin_fraction(0.20, 28_123_456.789123, 25e6, 60e6)
    assert imf * 500_000 == approx(135_696.3, abs=1)
    with pytest.raises(ValueError, match="lower_cap must not exceed upper_cap"):
        open_interest_initial_margin_fraction(0.2, 1.0, 2e6, 1e6)


def test_subaccount_value_requirements_and_liquidatable():
    # 0.1 BTC long with -4,501 USDC: account value 499, maintenance 500 -> liquidatable
    # (TestIsLiquidatable's "slightly below maintenance margin requirements" case)
    s = subaccount_margin(-4_501, [0.1], [BTC], [0.2], [0.5])
    assert s.account_value == approx(499)
    assert s.initial_margin_requirement == approx(1_000)
    assert s.maintenance_margin_requirement == approx(500)
    assert s.free_collateral == approx(-501)
    assert s.liquidatable
    assert not subaccount_margin(-4_500, [0.1], [BTC], [0.2], [0.5]).liquidatable  # MMR = NC
    assert not subaccount_margin(10.0, [0.0], [BTC], [0.2], [0.5]).liquidatable  # MMR 0


@pytest.mark.parametrize(
    ("quote", "sizes", "market", "close", "expected_quote"),
    [
        # TestGetBankruptcyPriceInQuoteQuantums (quote exchanged for closing `close` units)
        (-4_501, [0.1], 0, 0.1, 4_501),  # long slightly below maintenance
        (5_499, [-0.1], 0, 0.1, -5_499),  # short slightly below maintenance
        (-5_000, [0.1], 0, 0.1, 5_000),  # long at the bankruptcy price (account value 0)
        (-5_000, [0.1], 0, 0.05, 2_500),  # partial close of the same
        (5_000, [-0.1], 0, 0.1, -5_000),  # short at the bankruptcy price
        (-5_100, [0.1], 0, 0.1, 5_100),  # long below the bankruptcy price (value -100)
        (4_900, [-0.1], 0, 0.1, -4_900),  # short below the bankruptcy price
        (-490, [0.004, 0.1], 1, 0.1, 294),  # close the ETH long of two longs
        (510, [-0.004, -0.1], 1, 0.1, -306),  # close the ETH short of two shorts
        (110, [0.004, -0.1], 1, 0.1, -306),  # close the ETH short next to a BTC long
        (-13, [1.0], 0, 0.00021347, 0.002775),  # partial close of 1 BTC (rounded up: 2,776)
    ],
)
def test_bankruptcy_price_from_v4_chain_tests(quote, sizes, market, close, expected_quote):
    prices = [BTC, ETH][: len(sizes)]
    bp = subaccount_bankruptcy_price(quote, sizes, prices, 0.2, 0.5, market)
    sign = 1 if sizes[market] > 0 else -1
    assert sign * bp * close == approx(expected_quote, abs=1e-6)


def test_bankruptcy_price_of_an_account_that_cannot_go_bankrupt_is_negative():
    # "Account with a long position that cannot be liquidated at a loss": 1 BTC long with
    # +1 USDC of quote: closing it at -1 USDC would still leave the account whole.
    assert subaccount_bankruptcy_price(1.0, [1.0], [BTC], 0.2, 0.5, 0) == approx(-1.0)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(market=3), ValueError, r"^market must be an index in \[0, 1\)"),
        (dict(market=1.5), TypeError, "market must be the index of a position"),
        (dict(sizes=[0.0]), ValueError, "there is no position in market 0"),
        (dict(maintenance_fractions=0.0), ValueError, "no maintenance margin requirement"),
        (dict(oracle_prices=[-1.0]), ValueError, r"^oracle_prices must be greater than 0"),
        (dict(maintenance_fractions=1.5), ValueError, r"^maintenance_fractions must lie in"),
    ],
)
def test_bad_input(kwargs, error, match):
    args = dict(
        quote_balance=-4_501,
        sizes=[0.1],
        oracle_prices=[BTC],
        initial_margin_fractions=0.2,
        maintenance_fractions=0.5,
        market=0,
    )
    args.update(kwargs)
    with pytest.raises(error, match=match):
        subaccount_bankruptcy_price(**args)


# --- bad input that used to pass unchecked or fail unclearly -------------------------
def test_subaccount_inputs_are_named():
    with pytest.raises(ValueError, match=r"^quote_balance must be a single number"):
        subaccount_margin([1_000.0, 2_000.0], [1.0], [100.0], [0.05], [0.6])
    with pytest.raises(ValueError, match=r"^sizes and oracle_prices must have matching lengths"):
        subaccount_margin(1_000.0, [1.0, 2.0], [100.0, 101.0, 102.0], 0.05, 0.6)
