"""perpmath.fees: trading fees, Bybit order cost, ROI and Closed P&L, freqtrade's ratio."""

from __future__ import annotations

import numpy as np
import pytest

from perpmath.contracts import unrealized_pnl
from perpmath.fees import (
    break_even_price,
    bybit_order_cost,
    bybit_order_cost_details,
    close_fee_at_bankruptcy,
    closed_pnl,
    fee_rate,
    pnl_net_of_funding,
    profit_ratio,
    roi_with_close_fee,
    trading_fee,
)
from perpmath.funding import funding_payment

approx = pytest.approx


def test_trading_fee_gate_contract_example():
    # freqtrade tests/exchange/test_gate.py (test_fetch_my_trades_gate): 1 contract with a
    # cost of 0.310865 USDT at 3,108.65 (0.0001 per contract), taker 0.05% -> 0.0001554325.
    assert trading_fee(1, 3_108.65, 0.0005, contract_size=0.0001) == approx(0.0001554325)
    assert trading_fee(1, 3_108.65, 0.0, contract_size=0.0001) == 0.0
    # a maker rebate is a negative fee; inverse fees are in coin
    assert trading_fee(1.0, 96_000, -0.0001) == approx(-9.6)
    assert trading_fee(9_600, 96_000, 0.0005, "inverse") == approx(0.00005)


def test_bybit_linear_order_cost_examples():
    # Bybit help centre, "Order Cost": long 1 BTC at 8,000 USDT with 50x, taker 0.075%:
    # IM 160, fee to open 6, bankruptcy price 7,840, fee to close 5.88, order cost 171.88.
    d = bybit_order_cost_details("long", 1.0, 8_000, 50, 0.00075)
    assert d.initial_margin == approx(160)
    assert d.fee_to_open == approx(6)
    assert d.bankruptcy_price == approx(7_840)
    assert d.fee_to_close == approx(5.88)
    assert d.order_cost == approx(171.88)
    # Same page, earlier version: 1 BTC at 10,000 with 50x: 200 + 7.5 + 7.35 = 214.85.
    assert bybit_order_cost("long", 1.0, 10_000, 50, 0.00075) == approx(214.85)
    # a short closes higher: the fee to close grows (Q x P x (1 + 1/L) x f)
    assert close_fee_at_bankruptcy("short", 1.0, 10_000, 50, 0.00075) == approx(7.65)


def test_bybit_inverse_order_cost_example_and_sign_of_the_close_factor():
    # Bybit, "Order Cost (Inverse Contract)": 10,000 BTCUSD contracts at 6,400 with 25x,
    # taker 0.075%: IM 0.0625 BTC, fee to open 0.00117188, bankruptcy price 6,400 x 25 / 26
    # (shown rounded to 6,154), fee to close 0.00121872 (at 6,154; 0.00121875 at the exact
    # price), order cost 0.06489060 BTC.
    d = bybit_order_cost_details("long", 10_000, 6_400, 25, 0.00075, contract="inverse")
    assert d.initial_margin == approx(0.0625)
    assert d.fee_to_open == approx(0.00117188, abs=5e-9)
    assert d.bankruptcy_price == approx(6_400 * 25 / 26)
    assert d.fee_to_close == approx(0.00121875, abs=5e-9)
    assert d.order_cost == approx(0.06489060, abs=5e-8)
    # inverse: fee to close = (Q/P) x (1 + s/L) x f, the opposite sign of the linear factor
    q, p, lev, f = 10_000, 6_400.0, 25, 0.00075
    assert close_fee_at_bankruptcy("long", q, p, lev, f, "inverse") == approx(
        q / p * (1 + 1 / lev) * f
    )
    assert close_fee_at_bankruptcy("short", q, p, lev, f, "inverse") == approx(
        q / p * (1 - 1 / lev) * f
    )
    assert close_fee_at_bankruptcy("long", 1.0, p, lev, f) == approx(p * (1 - 1 / lev) * f)
    # an inverse short at 1x is never bankrupt: nothing to close at a finite price
    assert close_fee_at_bankruptcy("short", q, p, 1, f, "inverse") == 0.0


def test_bybit_roi_divides_by_initial_margin_plus_fee_to_close():
    # Bybit, "P&L Calculations (USDT Contract)", Unrealized P&L %: long 0.2 BTC at 7,000 with
    # 10x, last price 7,500: 100 / (140 + 6,300 x 0.2 x 0.055%) = 71.07% (truncated).
    roi = roi_with_close_fee("long", 0.2, 7_000, 7_500, 10, 0.00055)
    assert roi == approx(100 / (140 + 0.693))
    assert int(roi * 10_000) / 100 == 71.07


def test_bybit_closed_pnl_example():
    # Bybit, "P&L Calculations (USDT Contract)", Closed P&L: short 0.4 BTC at 6,000 closed at
    # 5,000, taker 0.055% both ways (1.32 and 1.10 USDT), funding paid 2.10:
    # 400 - 1.32 - 1.10 - 2.10 = 395.48 USDT.
    assert closed_pnl("short", 0.4, 6_000, 5_000, 0.00055, 0.00055, 2.10) == approx(395.48)
    # the unrealised profit was positive, the closed PnL of a small move is a loss
    assert (
        closed_pnl("long", 0.4, 6_000, 6_003, 0.00055, 0.00055)
        < 0
        < unrealized_pnl("long", 0.4, 6_000, 6_003)
    )


def test_pnl_net_of_funding_bitmex_example():
    # BitMEX, "Perpetual Contracts Guide Examples": long 15,000 XBTUSD at 750 pays 0.05 XBT
    # of funding at a 0.25% rate; at an unchanged price its PnL is -0.05 XBT.
    paid = funding_payment("long", 15_000, 750.0, 0.0025, "inverse")
    assert pnl_net_of_funding("long", 15_000, 750, 750, paid, "inverse") == approx(-0.05)
    assert pnl_net_of_funding("short", 15_000, 750, 750, -paid, "inverse") == approx(0.05)


@pytest.mark.parametrize(
    ("side", "lev", "close", "funding", "profit", "ratio"),
    [
        # freqtrade tests/persistence/test_persistence.py (test_calc_profit), futures rows:
        # 30 at 2.0, fee 0.25% both ways, funding_fees = +1 (received) or -1 (paid).
        ("long", 1, 2.1, 1, 3.6925, 0.06138819617622615),
        ("long", 3, 2.1, 1, 3.6925, 0.18416458852867845),
        ("short", 1, 2.1, 1, -2.3074999999999974, -0.038554720133667564),
        ("short", 3, 2.1, 1, -2.3074999999999974, -0.11566416040100269),
        ("long", 1, 1.9, 1, -2.2925, -0.0381130507065669),
        ("short", 3, 1.9, 1, 3.707500000000003, 0.18583959899749392),
        ("long", 3, 2.2, 1, 6.685, 0.33341645885286786),
        ("long", 1, 2.1, -1, 1.6925, 0.02813798),
    ],
)
def test_freqtrade_profit_ratio_table(side, lev, close, funding, profit, ratio):
    r = profit_ratio(side, 30, 2.0, close, lev, 0.0025, 0.0025, funding)
    assert r == approx(ratio, abs=1e-8)  # freqtrade keeps 8 decimals
    # the absolute profit behind it: open value x ratio / leverage
    s = 1 if side == "long" else -1
    assert 30 * 2.0 * (1 + s * 0.0025) * r / lev == approx(profit, abs=1e-9)


def test_break_even_price_recovers_fees_and_funding():
    for side in ("long", "short"):
        be = break_even_price(side, 65_000, 0.0005, 0.0005)
        assert closed_pnl(side, 1.0, 65_000, be, 0.0005, 0.0005) == approx(0, abs=1e-9)
        be_f = break_even_price(side, 65_000, 0.0005, 0.0005, funding_paid=12.0, quantity=0.5)
        assert closed_pnl(side, 0.5, 65_000, be_f, 0.0005, 0.0005, 12.0) == approx(0, abs=1e-9)
        inv = break_even_price(side, 65_000, 0.0005, 0.0005, 1e-5, 10_000, "inverse")
        assert closed_pnl(side, 10_000, 65_000, inv, 0.0005, 0.0005, 1e-5, "inverse") == approx(
            0, abs=1e-15
        )
    # long: 65,000 x 1.0005 / 0.9995 = 65,065.03; no fees: Binance's "Breakeven Price"
    assert break_even_price("long", 65_000, 0.0005, 0.0005) == approx(65_065.03, abs=0.005)
    assert break_even_price("short", 65_000) == 65_000
    assert break_even_price(np.array(["long", "short"]), 100.0, 0.001, 0.001).shape == (2,)


def test_round_trip_fee_as_share_of_margin_grows_with_leverage():
    # fee on notional, margin = notional / leverage: a 0.05% + 0.05% round trip costs
    # 1% of the margin at 10x, 5% at 50x and 10% at 100x.
    for lev, share in ((10, 0.01), (50, 0.05), (100, 0.10)):
        fees = trading_fee(1.0, 96_000, 0.0005) * 2
        assert fees / (96_000 / lev) == approx(share)


def test_fee_rate_by_convention():
    assert fee_rate("bybit_linear") == 0.00055
    with pytest.raises(ValueError, match="records no maker fee rate"):
        fee_rate("bybit_linear", "maker")
    with pytest.raises(ValueError, match=r"^liquidity must be one of"):
        fee_rate("okx", "both")


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: trading_fee(1, 100, 1.5), r"^rate must be a fraction in \(-1, 1\)"),
        (lambda: trading_fee(0, 100, 0.001), r"^quantity must be greater than 0"),
        (lambda: bybit_order_cost("long", 1, 100, 0, 0.001), r"^leverage must be greater than 0"),
        (lambda: bybit_order_cost("up", 1, 100, 10, 0.001), r"^side must be 'long' or 'short'"),
        (lambda: closed_pnl("long", 1, 100, 110, 0.001, 0.001, float("nan")), "funding_paid"),
        (lambda: profit_ratio("long", 1, 100, 110, open_rate=-2), "open_rate"),
        (lambda: break_even_price("long", -5), "entry_price"),
        (lambda: bybit_order_cost_details("long", [1, 2], 100, 10, 0.001), "single number"),
        (lambda: close_fee_at_bankruptcy("long", 1, 100, 10, 0.001, "quanto"), "contract"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --- bad input that used to pass unchecked or fail unclearly -------------------------
def test_fee_functions_name_their_own_arguments():
    # closed_pnl named its exit price "price" and its rates "rate"
    with pytest.raises(ValueError, match=r"^exit_price must be greater than 0"):
        closed_pnl("short", 0.4, 6_000, 0.0, 0.00055, 0.00055)
    with pytest.raises(ValueError, match=r"^close_rate must be a fraction in \(-1, 1\)"):
        closed_pnl("short", 0.4, 6_000, 5_000, 0.00055, 1.5)
    with pytest.raises(ValueError, match=r"^order_price must be finite"):
        bybit_order_cost("long", 1, float("nan"), 50, 0.00075)
    with pytest.raises(ValueError, match=r"^quantity and price must have matching lengths"):
        trading_fee([1.0, 2.0], [100.0, 101.0, 102.0], 0.0005)
