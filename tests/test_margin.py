"""perpmath.margin against published examples, the three margin-ratio definitions, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from perpmath.margin import (
    MARGIN_RATIO_DEFINITIONS,
    convert_margin_ratio,
    initial_margin,
    is_liquidatable,
    liquidation_threshold,
    maintenance_margin,
    margin_balance,
    margin_ratio,
    margin_ratio_table,
    open_loss,
    order_cost,
)
from perpmath.tiers import TierTable, load_tier_table

approx = pytest.approx
DEFS = tuple(MARGIN_RATIO_DEFINITIONS)


# initial margin ----------------------------------------------------------------------
def test_initial_margin_binance_cost_to_open_example():
    # Binance, "Cost Required to Open a Position in Perpetual Futures Contracts":
    # initial margin = (9,253.30 x 1 BTC) / 20 = 462.66 USDT (printed to the cent).
    assert initial_margin(1, 9_253.30, 20) == approx(462.66, abs=0.005)


def test_initial_margin_bybit_examples():
    # Bybit, "Initial Margin (USDT Contract)": 1 BTC long at 10,000 USDT with 50x -> 200 USDT.
    assert initial_margin(1, 10_000, 50) == approx(200)
    # Bybit, "Initial Margin (Inverse Contract)": 12,000 BTCUSD contracts at 8,000 USD
    # with 50x -> 12,000 / (8,000 x 50) = 0.03 BTC.
    assert initial_margin(12_000, 8_000, 50, "inverse") == approx(0.03)
    # Bybit, "Maintenance Margin (Inverse Contract)": 10,000 XYZUSD contracts at 400 USD
    # with 10x -> 25 / 10 = 2.5 XYZ.
    assert initial_margin(10_000, 400, 10, "inverse") == approx(2.5)


def test_initial_margin_bitmex_example():
    # BitMEX, "Inverse Futures Guide": 10 XBT of XBTUSD futures at 10,000 (100,000
    # contracts) need only 0.1 XBT of margin at 100x.
    assert initial_margin(100_000, 10_000, 100, "inverse") == approx(0.1)


def test_initial_margin_pionex_example():
    # Pionex, "Initial Margin": 5 BTC long at a mark of 20,000 USDT with 10x: notional
    # 100,000 USDT, initial margin 10,000 USDT.
    assert initial_margin(5, 20_000, 10) == approx(10_000)


def test_initial_margin_broadcasts():
    out = initial_margin(1, 50_000, np.array([1, 10, 100]))
    assert out.tolist() == approx([50_000, 5_000, 500])


# margin balance ---------------------------------------------------------------------
def test_margin_balance_bitmex_worked_example():
    # BitMEX, "UPs Worked Example": wallet 10 XBT, unrealised PnL 0.22 XBT -> margin
    # balance 10.22 XBT; on the listing day (PnL 0) it is 10 XBT.
    assert margin_balance(10, 0.22) == approx(10.22)
    assert margin_balance(10, 0) == approx(10)


def test_margin_balance_may_be_negative():
    # After a loss beyond the margin the balance is negative; that is a number, not an error.
    assert margin_balance(100, -150) == approx(-50)


# maintenance margin ---------------------------------------------------------------------
def test_maintenance_margin_bybit_tiered_example():
    # Bybit, "Maintenance Margin (Inverse Contract)": 10,000 XYZUSD contracts at 400 USD,
    # tiers of 10 XYZ at 1%, 2%, 3%, ... -> (10 x 1%) + (10 x 2%) + (5 x 3%) = 0.45 XYZ.
    xyz = TierTable.from_rates(
        [10, 20, 30, 40, 50], [100, 50, 33, 25, 20], [0.01, 0.02, 0.03, 0.04, 0.05], unit="XYZ"
    )
    assert maintenance_margin(10_000, 400, xyz, "inverse") == approx(0.45)


def test_maintenance_margin_toobit_flat_rate_example():
    # Toobit, "Liquidation Introduction of Perpetual Contract": 10 ETH at 1,500 USDT with a
    # 1% maintenance margin rate -> 150 USDT.
    assert maintenance_margin(10, 1_500, 0.01) == approx(150)


def test_maintenance_margin_binance_table():
    # Binance USDⓈ-M BTCUSDT (2021-03-18 brackets): 3 BTC at 100,000 USDT is a
    # 300,000 USDT notional in the 1% bracket with amount 1,300 -> 1,700 USDT.
    table = load_tier_table("binance_usdm_btcusdt", date="2021-03-18")
    assert maintenance_margin(3, 100_000, table) == approx(300_000 * 0.01 - 1_300)


# margin ratio ----------------------------------------------------------------------------
# Toobit's isolated example (Binance's definition): long 10 ETH at 1,500 with 50x,
# margin 300 USDT, mark 1,483, maintenance margin 150 USDT (at the entry price),
# unrealised PnL -170 USDT: margin ratio = 150 / (300 - 170) = 115.38%, liquidated.
TOOBIT_MB = 300 - 170
TOOBIT_MM = 150
TOOBIT_PV = 10 * 1_483


def test_margin_ratio_toobit_binance_definition():
    got = margin_ratio(TOOBIT_MB, TOOBIT_MM, TOOBIT_PV, "maintenance_to_balance")
    assert got == approx(1.1538, abs=5e-5)
    assert is_liquidatable(TOOBIT_MB, TOOBIT_MM, TOOBIT_PV, "maintenance_to_balance")


def test_margin_ratio_other_definitions_on_the_same_account():
    # OKX reports equity / maintenance margin (liquidation at <= 100%); Bitget, legacy OKEx
    # and Orderly report margin / position value (liquidation at the maintenance rate).
    # Their pages give the formulas but no worked numbers that we could find, so the same
    # Toobit account is expressed in each definition and checked against the formulas.
    okx = margin_ratio(TOOBIT_MB, TOOBIT_MM, TOOBIT_PV, "equity_to_maintenance")
    assert okx == approx(130 / 150)
    frac = margin_ratio(TOOBIT_MB, TOOBIT_MM, TOOBIT_PV, "margin_to_notional")
    assert frac == approx(130 / 14_830)
    assert liquidation_threshold("margin_to_notional", TOOBIT_MM, TOOBIT_PV) == approx(150 / 14_830)
    for d in DEFS:
        assert is_liquidatable(TOOBIT_MB, TOOBIT_MM, TOOBIT_PV, d)


def test_definitions_table():
    assert set(DEFS) == {"margin_to_notional", "maintenance_to_balance", "equity_to_maintenance"}
    assert MARGIN_RATIO_DEFINITIONS["maintenance_to_balance"].liquidation_when == ">="
    assert MARGIN_RATIO_DEFINITIONS["equity_to_maintenance"].liquidation_when == "<="
    assert MARGIN_RATIO_DEFINITIONS["margin_to_notional"].liquidation_when == "<="
    assert "Binance" in MARGIN_RATIO_DEFINITIONS["maintenance_to_balance"].exchanges[0]
    assert "OKX" in MARGIN_RATIO_DEFINITIONS["equity_to_maintenance"].exchanges[0]
    for d in MARGIN_RATIO_DEFINITIONS.values():
        assert d.source and d.formula and d.threshold
        assert d.rises_with_risk == (d.liquidation_when == ">=")


def test_liquidation_thresholds():
    assert liquidation_threshold("maintenance_to_balance") == 1.0
    assert liquidation_threshold("equity_to_maintenance") == 1.0
    with pytest.raises(ValueError, match=r"^maintenance_margin and position_value are required"):
        liquidation_threshold("margin_to_notional")


def test_all_definitions_agree_on_liquidation_including_the_boundary():
    mm, pv = 400.0, 100_000.0
    mb = np.array([-50.0, 0.0, 399.0, 400.0, 401.0, 5_000.0])
    expected = [True, True, True, True, False, False]
    for d in DEFS:
        assert is_liquidatable(mb, mm, pv, d).tolist() == expected, d


def test_binance_ratio_is_infinite_once_the_balance_is_gone():
    assert margin_ratio(0.0, 10, 1_000, "maintenance_to_balance") == math.inf
    assert margin_ratio(-5.0, 10, 1_000, "maintenance_to_balance") == math.inf
    out = margin_ratio(np.array([-1.0, 20.0]), 10, 1_000, "maintenance_to_balance")
    assert out.tolist() == [math.inf, 0.5]


def test_margin_ratio_broadcasts_and_returns_floats():
    assert isinstance(margin_ratio(1, 1, 1, "margin_to_notional"), float)
    out = margin_ratio([100, 200], [[10], [20]], 1_000, "equity_to_maintenance")
    assert out.shape == (2, 2)


def test_is_liquidatable_returns_bool_for_scalars():
    assert is_liquidatable(1.0, 2.0, 10.0) is True
    assert is_liquidatable(3.0, 2.0, 10.0) is False


def test_margin_ratio_table_on_toobit_example():
    df = margin_ratio_table(TOOBIT_MB, TOOBIT_MM, TOOBIT_PV)
    assert list(df.index) == list(DEFS)
    assert df.loc["maintenance_to_balance", "value"] == approx(1.1538, abs=5e-5)
    assert df.loc["equity_to_maintenance", "threshold"] == 1.0
    assert df.loc["margin_to_notional", "threshold"] == approx(150 / 14_830)
    assert df["liquidated"].all()
    safe = margin_ratio_table(1_000, TOOBIT_MM, TOOBIT_PV)
    assert not safe["liquidated"].any()
    with pytest.raises(ValueError, match=r"^margin_balance must be a single number"):
        margin_ratio_table([1, 2], 1, 1)
    with pytest.raises(ValueError, match=r"^maintenance_margin must be greater than 0"):
        margin_ratio_table(1, 0, 1)


# conversion ----------------------------------------------------------------------------
def test_convert_binance_to_okx_is_the_reciprocal():
    assert convert_margin_ratio(
        0.8, "maintenance_to_balance", "equity_to_maintenance", maintenance_margin=1
    ) == approx(1.25)
    assert convert_margin_ratio(
        2.0, "equity_to_maintenance", "maintenance_to_balance", maintenance_margin=5
    ) == approx(0.5)


def test_convert_reproduces_toobit_in_every_definition():
    values = {d: margin_ratio(TOOBIT_MB, TOOBIT_MM, TOOBIT_PV, d) for d in DEFS}
    for f in DEFS:
        for t in DEFS:
            got = convert_margin_ratio(
                values[f], f, t, maintenance_margin=TOOBIT_MM, position_value=TOOBIT_PV
            )
            assert got == approx(values[t]), (f, t)


def test_convert_negative_balance_to_binance_is_infinite():
    got = convert_margin_ratio(
        -0.1, "equity_to_maintenance", "maintenance_to_balance", maintenance_margin=10
    )
    assert got == math.inf


def test_convert_requires_what_it_needs():
    with pytest.raises(ValueError, match=r"^maintenance_margin is required"):
        convert_margin_ratio(0.5, "maintenance_to_balance", "equity_to_maintenance")
    with pytest.raises(ValueError, match=r"^position_value is required"):
        convert_margin_ratio(
            0.5, "maintenance_to_balance", "margin_to_notional", maintenance_margin=1
        )
    # same definition: nothing needed
    assert convert_margin_ratio(0.3, "margin_to_notional", "margin_to_notional") == 0.3


# open loss and order cost ---------------------------------------------------------------
def test_open_loss_and_cost_binance_example():
    # Binance, "Cost Required to Open a Position in Perpetual Futures Contracts": order
    # price 9,253.30, mark 9,259.84, 1 BTC at 20x. Long: open loss 0, cost 462.66.
    # Short: open loss 1 x |min(0, -1 x (9,259.84 - 9,253.30))| = 6.54, cost 469.20.
    assert open_loss("long", 1, 9_253.30, 9_259.84) == 0
    assert open_loss("short", 1, 9_253.30, 9_259.84) == approx(6.54)
    assert order_cost("long", 1, 9_253.30, 9_259.84, 20) == approx(462.66, abs=0.005)
    assert order_cost("short", 1, 9_253.30, 9_259.84, 20) == approx(469.20, abs=0.01)


def test_open_loss_inverse_is_in_coin():
    # A long bought 1% above the mark loses what the PnL formula says at once.
    got = open_loss("long", 10_000, 10_100, 10_000, "inverse")
    assert got == approx(10_000 * (1 / 10_000 - 1 / 10_100))


# bad input --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, arg",
    [
        (lambda: initial_margin(1, 100, 0), "leverage"),
        (lambda: initial_margin(1, 100, -2), "leverage"),
        (lambda: initial_margin(1, 100, math.nan), "leverage"),
        (lambda: initial_margin(1, -100, 10), "price"),
        (lambda: initial_margin(1, math.nan, 10), "price"),
        (lambda: initial_margin(-1, 100, 10), "quantity"),
        (lambda: initial_margin(1, 100, 10, "perp"), "contract"),
        (lambda: margin_balance(math.nan, 0), "wallet_balance"),
        (lambda: margin_balance(1, math.inf), "unrealized_pnl"),
        (lambda: maintenance_margin(1, 0, 0.004), "mark_price"),
        (lambda: maintenance_margin(1, 100, 0.0), "maintenance"),
        (lambda: maintenance_margin(1, 100, 1.5), "maintenance"),
        (lambda: maintenance_margin(1e6, 1e3, load_tier_table(date="2021-03-18")), "notional"),
        (lambda: margin_ratio(1, 1, 1, "margin"), "definition"),
        (lambda: margin_ratio(math.nan, 1, 1, "margin_to_notional"), "margin_balance"),
        (lambda: margin_ratio(1, 0, 1, "margin_to_notional"), "maintenance_margin"),
        (lambda: margin_ratio(1, 1, -1, "equity_to_maintenance"), "position_value"),
        (lambda: is_liquidatable(1, 1, 1, "binance"), "definition"),
        (lambda: liquidation_threshold("okx"), "definition"),
        (lambda: convert_margin_ratio(1, "x", "margin_to_notional"), "from_definition"),
        (lambda: convert_margin_ratio(1, "margin_to_notional", "y"), "to_definition"),
        (
            lambda: convert_margin_ratio(
                0, "maintenance_to_balance", "equity_to_maintenance", maintenance_margin=1
            ),
            "value",
        ),
        (
            lambda: convert_margin_ratio(
                1, "equity_to_maintenance", "maintenance_to_balance", maintenance_margin=-1
            ),
            "maintenance_margin",
        ),
        (lambda: open_loss("buy", 1, 100, 100), "side"),
        (lambda: open_loss("long", 1, 0, 100), "order_price"),
        (lambda: open_loss("long", 1, 100, -1), "mark_price"),
        (lambda: order_cost("long", 1, 100, 100, 0), "leverage"),
    ],
)
def test_bad_input_names_the_argument(call, arg):
    with pytest.raises(ValueError) as err:
        call()
    assert str(err.value).startswith(arg), str(err.value)


def test_unknown_definition_lists_the_allowed_names():
    with pytest.raises(ValueError, match=r"'margin_to_notional'.*'maintenance_to_balance'"):
        margin_ratio(1, 1, 1, "margin_fraction")


# --- bad input that used to pass unchecked or fail unclearly -------------------------
def test_order_cost_names_which_of_its_two_prices_is_bad():
    # it has an order price and a mark price; "price must be ..." named neither
    with pytest.raises(ValueError, match=r"^order_price must be greater than 0, got -1\.0$"):
        order_cost("long", 1, -1.0, 100, 10)
    with pytest.raises(ValueError, match=r"^mark_price must be finite"):
        order_cost("long", 1, 100, math.nan, 10)


def test_mismatched_lengths_name_both_arguments():
    with pytest.raises(ValueError, match=r"^wallet_balance and unrealized_pnl must have matching"):
        margin_balance([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"^order_price and mark_price must have matching"):
        order_cost("long", 1, [100, 101], [100, 101, 102], 10)
    with pytest.raises(ValueError, match=r"^maintenance_margin and position_value must"):
        margin_ratio(1.0, [1.0, 2.0], [1.0, 2.0, 3.0], "margin_to_notional")


def test_convert_checks_the_account_figures_even_when_the_conversion_needs_neither():
    # between Binance's and OKX's forms position_value is not needed, but NaN is still refused
    with pytest.raises(ValueError, match=r"^position_value must be finite"):
        convert_margin_ratio(
            0.5,
            "maintenance_to_balance",
            "equity_to_maintenance",
            maintenance_margin=10,
            position_value=math.nan,
        )
    assert (
        convert_margin_ratio(
            0.5,
            "maintenance_to_balance",
            "equity_to_maintenance",
            maintenance_margin=10,
            position_value=1_000,
        )
        == 2.0
    )


def test_margin_ratio_table_wants_single_numbers():
    with pytest.raises(ValueError, match=r"^maintenance_margin must be a single number"):
        margin_ratio_table(50.0, [10.0, 20.0], 1_000.0)
    with pytest.raises(TypeError, match=r"^margin_balance must be a number"):
        margin_ratio_table([[1.0, 2.0], [3.0]], 10.0, 1_000.0)


# --- margin available, size-scaled margin, maximum leverage ----------------------------------
def test_hyperliquid_margin_available_gives_the_docs_liquidation_price():
    # Hyperliquid docs, "Liquidations": liq_price = price - side x margin_available /
    # position_size / (1 - l x side), l = 1 / maintenance leverage (80x for BTC at 40x max).
    from perpmath.liquidation import liquidation_price
    from perpmath.margin import margin_available

    q, e, lev = 2.0, 96_000.0, 10
    avail = margin_available(q * e / lev, q * e / 80)
    assert avail == pytest.approx(q * e / lev - q * e / 80)
    docs = e - avail / q / (1 - 1 / 80)
    assert liquidation_price("long", e, lev, q, convention="hyperliquid") == pytest.approx(docs)
    assert margin_available(100.0, 150.0) == -50.0  # below maintenance: liquidatable


@pytest.mark.parametrize(
    ("size", "price", "base", "per", "expected"),
    [
        # Deribit, "Linear Perpetual" margin examples (BTC_USDC at 100,000; SOL_USDC at 200)
        (25, 100_000, 0.02, 0.00005, 53_125),  # initial 2.125 %
        (350, 100_000, 0.02, 0.00005, 1_312_500),  # initial 3.75 %
        (25, 100_000, 0.01, 0.00005, 28_125),  # maintenance 1.125 %
        (25, 200, 0.04, 0.000005, 200.625),  # SOL initial 4.0125 %
        (6_000, 200, 0.04, 0.000005, 84_000),  # SOL initial 7 %
    ],
)
def test_deribit_size_scaled_margin_examples(size, price, base, per, expected):
    from perpmath.margin import size_scaled_margin

    assert size_scaled_margin(size, price, base, per) == pytest.approx(expected)


def test_max_leverage_for_notional_or_stake():
    from perpmath.margin import max_leverage

    table = load_tier_table("binance_usdm_btcusdt", date="2021-03-18")
    assert max_leverage(table, notional=60_000) == 100
    assert max_leverage(table, stake=1_000) == 100
    with pytest.raises(ValueError, match="exactly one of notional= or stake="):
        max_leverage(table)
    with pytest.raises(TypeError, match="tiers must be a TierTable"):
        max_leverage(0.004, notional=1.0)


def test_maintenance_margin_refuses_a_table_of_the_other_family():
    # an inverse notional is in coin: USDT brackets would be compared with BTC amounts
    usdt = load_tier_table("binance_usdm_btcusdt", date="2021-03-18")
    with pytest.raises(ValueError, match="is for linear contracts; this position is inverse"):
        maintenance_margin(100, 96_000, usdt, "inverse", 100)
    # Kraken's schedule counts USD of contracts: 1,000,000 contracts need (500,000 x 1% +
    # 500,000 x 2%) USD of maintenance margin, in BTC at the price
    kraken = load_tier_table("kraken_inverse_btcusd")
    mm = maintenance_margin(1_000_000, 96_000, kraken, "inverse")
    assert mm == pytest.approx(15_000 / 96_000)


def test_nautilus_trader_standard_margin_model_is_a_flat_rate():
    # nautilus_trader tests/unit_tests/accounting/test_margin_models.py (nautechsystems/
    # nautilus_trader @ 729fee031268ec23e9aa4b37492f7aaaaa87e41c), StandardMarginModel with the
    # instrument's 3% margin: 100,000 at 0.80 -> 2,400 initial; 1,000,000 at 1.00 -> 30,000
    # maintenance (leverage ignored): a flat rate on the notional.
    from perpmath.margin import initial_margin, maintenance_margin

    assert maintenance_margin(1_000_000, 1.0, 0.03) == pytest.approx(30_000.0)
    assert initial_margin(100_000, 0.80, 1 / 0.03) == pytest.approx(2_400.0)
    # Its LeveragedMarginModel charges (80,000 / 50) x 3% = 48: the rate on top of
    # 1/leverage, a backtest choice; crypto venues lock notional / leverage (Binance,
    # "Leverage and Margin of USDⓈ-M Futures"): 1,600.
    assert initial_margin(100_000, 0.80, 50) == pytest.approx(1_600.0)
