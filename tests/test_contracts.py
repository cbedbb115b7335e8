"""perpmath.contracts against the exchanges' own worked examples, plus bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from perpmath.contracts import average_entry_price, notional, price_return, roe, unrealized_pnl

approx = pytest.approx


# notional ------------------------------------------------------------------
def test_notional_linear_binance_opening_notional():
    # Binance (via TraderWagon's copy of "Leverage & Margin of Futures Contracts"):
    # USDⓈ-M opening notional value = entry price x size. Binance "Cost Required to
    # Open a Position": 1 BTC at 9,253.30 USDT has a notional of 9,253.30 USDT.
    assert notional(1, 9253.30) == approx(9253.30)


def test_notional_inverse_bybit_and_bitmex():
    # Bybit, "What is Inverse Contract?": buying 10,000 BTCUSD contracts (1 USD each)
    # at 8,000 USD is buying 10,000 / 8,000 = 1.25 BTC.
    assert notional(10_000, 8_000, "inverse") == approx(1.25)
    # Bybit, "Maintenance Margin (Inverse Contract)": 10,000 XYZUSD contracts at
    # 400 USD have a position value of 25 XYZ.
    assert notional(10_000, 400, "inverse") == approx(25)
    # BitMEX, "Inverse Futures Guide": 10 XBT of XBTUSD at 10,000 is 100,000 contracts.
    assert notional(100_000, 10_000, "inverse") == approx(10)


def test_notional_inverse_binance_contract_multiplier():
    # Binance developer forum answer on COIN-M: 1,000 USD of BTCUSD equals
    # 100 USD x 10 contracts (contract multiplier 100 USD).
    assert notional(10, 50_000, "inverse", contract_size=100) == approx(1_000 / 50_000)


def test_notional_linear_face_value():
    # OKX counts linear swaps in contracts of a face value (0.01 BTC for BTC-USDT-SWAP):
    # 100 contracts at 50,000 USDT are 1 BTC, i.e. 50,000 USDT of notional.
    assert notional(100, 50_000, contract_size=0.01) == approx(50_000)


def test_notional_broadcasts():
    out = notional([1, 2], [[10.0], [20.0]])
    assert out.shape == (2, 2)
    assert out.tolist() == [[10, 20], [20, 40]]
    assert isinstance(notional(1, 2), float)


# unrealised PnL ----------------------------------------------------------------
def test_pnl_binance_beginners_guide():
    # Binance, "A Beginner's Guide to Futures Trading": 1 BTC long from 5,000 to 5,500
    # makes 500 USD; 1 BTC short from 5,000 to 4,500 makes 500 USD.
    assert unrealized_pnl("long", 1, 5_000, 5_500) == approx(500)
    assert unrealized_pnl("short", 1, 5_000, 4_500) == approx(500)


def test_pnl_inverse_bybit_example():
    # Bybit, "What is Inverse Contract?" / "Perpetual Contracts Quotes": long 10,000
    # BTCUSD contracts at 8,000 closed at 12,500: 1.25 BTC - 0.8 BTC = 0.45 BTC.
    assert unrealized_pnl("long", 10_000, 8_000, 12_500, "inverse") == approx(0.45)


def test_pnl_inverse_bitmex_example():
    # BitMEX, "Inverse Futures Guide": long 100,000 XBTUSD contracts at 10,000, sold
    # at 10,500; PnL = contracts x multiplier x (1/entry - 1/exit) XBT.
    pnl = unrealized_pnl("long", 100_000, 10_000, 10_500, "inverse")
    assert pnl == approx(100_000 * (1 / 10_000 - 1 / 10_500))
    assert pnl == approx(0.47619, abs=1e-5)


def test_pnl_binance_api_forum_example():
    # Binance developer forum ("How to get Binance Futures USD-M PNL and ROE"): a short
    # of 6.645 at 221.230 marked at 221.470 shows -1.5948 USDT.
    assert unrealized_pnl("short", 6.645, 221.230, 221.470) == approx(-1.5948, abs=1e-9)


def test_pnl_coinlocally_inverse_examples():
    # Coinlocally, "Margin and Profit/Loss Calculations" (coin-margined): 1,000 contracts
    # long from 5,000 to 5,500 make 0.01819 BTC (printed rounded up); short from
    # 5,000 to 4,500 make 0.02223 BTC (printed rounded up).
    assert unrealized_pnl("long", 1_000, 5_000, 5_500, "inverse") == approx(0.01818, abs=2e-5)
    assert unrealized_pnl("short", 1_000, 5_000, 4_500, "inverse") == approx(0.02222, abs=2e-5)


def test_pnl_arrays_of_sides():
    out = unrealized_pnl(np.array(["long", "short"]), 1, 100, 110)
    assert out.tolist() == [10, -10]


# ROE ------------------------------------------------------------------------
def test_roe_binance_calculator_linear_formulas():
    # Binance, "How to Use the Binance Futures Calculator" (USDⓈ-M):
    #   ROE = PnL / initial margin with initial margin = quantity x entry x IMR, and also
    #   ROE = side x (1 - entry / exit) / IMR.
    # The two disagree (the second divides by the margin at the exit price), which is why
    # roe() names its denominator. Entry basis reproduces the first, mark basis the second.
    e, p, lev = 40_000.0, 42_000.0, 20.0
    pnl = unrealized_pnl("long", 0.5, e, p)
    assert roe("long", 0.5, e, p, lev, basis="entry") == approx(pnl / (0.5 * e / lev))
    assert roe("long", 0.5, e, p, lev, basis="mark") == approx(1 * (1 - e / p) * lev)
    assert roe("short", 0.5, e, p, lev, basis="mark") == approx(-1 * (1 - e / p) * lev)


def test_roe_binance_calculator_inverse_formula():
    # Binance calculator (COIN-M): initial margin = qty x multiplier x IMR / entry and
    # ROE = side x (1 - entry / exit) / IMR: for inverse contracts that is the entry basis.
    e, p, lev = 30_000.0, 27_000.0, 25.0
    for side, s in (("long", 1), ("short", -1)):
        got = roe(side, 300, e, p, lev, "inverse", contract_size=100, basis="entry")
        assert got == approx(s * (1 - e / p) * lev)


def test_roe_bybit_usdt_example_with_fee_to_close():
    # Bybit, "P&L calculations (USDT Contract)": 0.2 BTC long at 7,000 with 10x, last
    # price 7,500: PnL 100 USDT, initial margin 140 USDT, fee to close at the bankruptcy
    # price 6,300 x 0.2 x 0.055% = 0.693 USDT; P&L% = 100 / (140 + 0.693) = 71.07%.
    fee = 6_300 * 0.2 * 0.00055
    assert fee == approx(0.693)
    got = roe("long", 0.2, 7_000, 7_500, 10, fee_to_close=fee)
    assert 0.7107 <= got < 0.7108  # Bybit prints 71.07% (two decimals, cut)
    assert roe("long", 0.2, 7_000, 7_500, 10) == approx(100 / 140)


def test_roe_bitmex_style_leverage_multiplies_return():
    # A 1% price rise at 10x is +10% on the entry margin (linear, entry basis).
    assert roe("long", 1, 100, 101, 10) == approx(0.10)


def test_roe_rejects_unknown_basis():
    with pytest.raises(ValueError, match="basis"):
        roe("long", 1, 100, 101, 10, basis="exit")


# price return ----------------------------------------------------------------
def test_price_return_identities():
    # No exchange publishes a price-return example; test the identities instead:
    # an unleveraged linear long's ROE (entry basis) is the price return.
    assert price_return(100, 110) == approx(0.10)
    assert price_return(96_000, 94_080) == approx(-0.02)
    assert roe("long", 3, 96_000, 97_000, 1) == approx(price_return(96_000, 97_000))


# average entry -------------------------------------------------------------------
def test_average_entry_bybit_examples():
    # Bybit, "How to Calculate Average Entry Price":
    #  inverse: 50 BTCUSD contracts at 10,000 + 50 at 15,000 -> 12,000 USD;
    #  linear: 1 BTC at 10,000 USDT + 2 BTC at 13,000 USDT -> 12,000 USDT.
    assert average_entry_price([50, 50], [10_000, 15_000], "inverse") == approx(12_000)
    assert average_entry_price([1, 2], [10_000, 13_000]) == approx(12_000)


def test_bybit_pnl_guide_examples():
    # Bybit, "P&L calculations (USDT Contract)": 0.5 BTC at 5,000 + 0.3 BTC at 6,000 ->
    # average entry 4,300 / 0.8 = 5,375; long 0.2 from 7,000 to 7,500 -> 100 USDT;
    # short 0.4 from 6,000 to 5,000 -> 400 USDT.
    assert average_entry_price([0.5, 0.3], [5_000, 6_000]) == approx(5_375)
    assert unrealized_pnl("long", 0.2, 7_000, 7_500) == approx(100)
    assert unrealized_pnl("short", 0.4, 6_000, 5_000) == approx(400)
    # Bybit, "P&L calculations (Inverse Contracts)": 1,000 BTCUSD at 5,000 + 2,000 at 6,000
    # -> 3,000 / 0.53333334 BTC = 5,625 USD; 1,000 long from 5,000 to 5,500 shows
    # 0.01819 BTC (the exact value 0.0181818... printed rounded up).
    assert average_entry_price([1_000, 2_000], [5_000, 6_000], "inverse") == approx(5_625)
    assert unrealized_pnl("long", 1_000, 5_000, 5_500, "inverse") == approx(0.01819, abs=1e-5)


def test_average_entry_coinlocally_inverse_example():
    # Coinlocally (coin-margined): 1,000 contracts at 5,000 + 2,000 at 6,000 -> 5,625 USD.
    assert average_entry_price([1_000, 2_000], [5_000, 6_000], "inverse") == approx(5_625)


def test_average_entry_shape_errors():
    with pytest.raises(ValueError, match="equal length"):
        average_entry_price([1, 2], [10])
    with pytest.raises(ValueError, match="equal length"):
        average_entry_price([], [])


# bad input -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, arg",
    [
        (lambda: notional(-1, 100), "quantity"),
        (lambda: notional(0, 100), "quantity"),
        (lambda: notional(1, 0), "price"),
        (lambda: notional(1, -5), "price"),
        (lambda: notional(1, math.nan), "price"),
        (lambda: notional(1, math.inf), "price"),
        (lambda: notional(1, 100, "quanto"), "contract"),
        (lambda: notional(1, 100, "inverse", contract_size=0), "contract_size"),
        (lambda: unrealized_pnl("buy", 1, 100, 110), "side"),
        (lambda: unrealized_pnl(1, 1, 100, 110), "side"),
        (lambda: unrealized_pnl(["long", "sell"], 1, 100, 110), "side"),
        (lambda: unrealized_pnl("long", -1, 100, 110), "quantity"),
        (lambda: unrealized_pnl("long", 1, 0, 110), "entry_price"),
        (lambda: unrealized_pnl("long", 1, 100, math.nan), "price"),
        (lambda: unrealized_pnl("long", 1, 100, "abc"), "price"),
        (lambda: roe("long", 1, 100, 110, 0), "leverage"),
        (lambda: roe("long", 1, 100, 110, -10), "leverage"),
        (lambda: roe("long", 1, 100, 110, math.nan), "leverage"),
        (lambda: roe("buy", 1, 100, 110, 10), "side"),
        (lambda: roe("long", 1, 100, 110, 10, fee_to_close=-1), "fee_to_close"),
        (lambda: price_return(0, 1), "entry_price"),
        (lambda: price_return(1, -1), "price"),
        (lambda: average_entry_price([1, -1], [10, 10]), "quantities"),
        (lambda: average_entry_price([1, 1], [10, 0]), "prices"),
        (lambda: average_entry_price([1, 1], [10, 10], "coin"), "contract"),
    ],
)
def test_bad_input_names_the_argument(call, arg):
    with pytest.raises(ValueError) as err:
        call()
    assert str(err.value).startswith(arg), str(err.value)


def test_bad_input_message_gives_value_and_allowed():
    with pytest.raises(ValueError, match=r"price must be greater than 0, got -5\.0 at index 1"):
        notional(1, [100, -5])
    with pytest.raises(ValueError, match=r"side must be 'long' or 'short', got 'buy'"):
        unrealized_pnl("buy", 1, 100, 110)


# --- bad input that used to pass unchecked or fail unclearly -------------------------
def test_mismatched_lengths_name_the_arguments_not_numpy():
    # was numpy's "operands could not be broadcast together with shapes (3,) (2,)"
    with pytest.raises(ValueError) as err:
        unrealized_pnl("long", [1, 2, 3], 100, [110, 120])
    assert str(err.value).startswith("quantity and price must have matching lengths")
    assert "(3,) and (2,)" in str(err.value)
    with pytest.raises(ValueError, match=r"^side and quantity must have matching"):
        unrealized_pnl(["long", "short"], [1, 2, 3], 100, 110)
    with pytest.raises(ValueError, match=r"^quantity and leverage must have matching"):
        roe("long", [1, 2], 100, 110, [10, 20, 30])


def test_wrong_types_raise_type_errors():
    with pytest.raises(TypeError, match=r"^price must be a number or an array of numbers"):
        notional(1.0, "100")
    with pytest.raises(TypeError, match=r"^quantity must be a number"):
        notional(True, 100.0)  # a flag is not a size
    with pytest.raises(TypeError, match=r"^contract must be one of 'linear', 'inverse', got 1"):
        notional(1.0, 100.0, contract=1)
