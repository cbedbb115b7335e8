"""Tests for perpmath.spot: spot holding vs leveraged perpetuals along one path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import perpmath as pm
from perpmath.liquidation import liquidation_price
from perpmath.spot import spot_vs_perpetual
from perpmath.tiers import TierTable, load_tier_table

TIERS = load_tier_table("binance_usdm_btcusdt", date="2021-03-18")


def test_bybit_usdt_isolated_example_entry_basis():
    # Bybit Help Center, "Liquidation Price (USDT Contract)", isolated margin,
    # Example 1: long 1 BTC at 20,000 USDT with 50x, MMR 0.5%: initial margin
    # 400 USDT, maintenance margin 100 USDT, liquidation price 19,700 USDT.
    path = [20_000.0, 19_800.0, 19_701.0, 19_700.0, 19_600.0]
    df = spot_vs_perpetual(path, 400.0, 50, maintenance=0.005, maintenance_basis="entry")
    assert df.attrs["quantity"]["long 50x"] == pytest.approx(1.0)
    assert df["long 50x"].iloc[2] == pytest.approx(101.0)
    assert df.attrs["liquidated_at"]["long 50x"] == 3
    assert df["long 50x"].iloc[3:].eq(0.0).all()


def test_mark_basis_liquidates_where_binance_formula_says():
    # Binance, "How to Calculate Liquidation Price of USDⓈ-M Futures Contracts"
    # (isolated, one position): the maintenance margin is taken on the notional
    # at the liquidation price, so the same Bybit position lives slightly longer:
    # LP = (WB - Q x EP) / (Q x MMR - Q) = 19,600 / 0.995.
    lp = liquidation_price("long", 20_000.0, 50, 1.0, maintenance=0.005)
    assert lp == pytest.approx(19_600 / 0.995)
    path = [20_000.0, lp + 0.01, lp - 0.01]
    df = spot_vs_perpetual(path, 400.0, 50, maintenance=0.005)
    assert df.attrs["liquidated_at"]["long 50x"] == 2
    assert df["long 50x"].iloc[1] > 0


@pytest.mark.parametrize("side", ["long", "short"])
@pytest.mark.parametrize("lev", [5, 10, 20, 50, 100])
def test_liquidation_step_matches_liquidation_price_with_tiers(side, lev):
    entry, capital = 96_000.0, 1_000.0
    qty = capital * lev / entry
    lp = liquidation_price(side, entry, lev, qty, maintenance=TIERS)
    direction = -1 if side == "long" else 1
    path = entry + direction * np.r_[0.0, np.linspace(0.0025, 1.2025, 241)] * abs(lp - entry)
    df = spot_vs_perpetual(path, capital, lev, sides=side, maintenance=TIERS)
    col = f"{side} {lev:g}x"
    step = df.attrs["liquidated_at"][col]
    crossed = path <= lp if side == "long" else path >= lp
    assert step == int(np.argmax(crossed))


def test_columns_and_spot_column():
    path = pd.Series([96_000.0, 100_000.0, 90_000.0], index=pd.Index([10, 20, 30], name="t"))
    df = spot_vs_perpetual(path, 1_000, [1, 10], sides=["long", "short"])
    assert list(df.columns) == ["price", "spot", "long 1x", "long 10x", "short 1x", "short 10x"]
    assert list(df.index) == [10, 20, 30]
    assert df["spot"].tolist() == pytest.approx([1_000, 1_000 * 100 / 96, 1_000 * 90 / 96])
    # a 1x long perpetual is economically the spot holding (fees and funding aside)
    assert np.allclose(df["long 1x"], df["spot"])
    # 10x long: +4.1667% price -> +41.667% equity
    assert df["long 10x"].iloc[1] == pytest.approx(1_000 * (1 + 10 * 4 / 96))


def test_scalar_side_and_leverage():
    df = spot_vs_perpetual([96_000, 97_000], 500, 3, sides="short")
    assert list(df.columns) == ["price", "spot", "short 3x"]
    assert df["short 3x"].iloc[1] == pytest.approx(500 - 3 * 500 / 96)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0.9, 1.1), min_size=2, max_size=40),
    st.sampled_from([1.0, 2.0, 5.0, 10.0, 25.0]),
)
def test_long_short_antisymmetric_while_both_alive(moves, lev):
    path = 96_000.0 * np.cumprod(moves)
    df = spot_vs_perpetual(path, 1_000, lev, sides=["long", "short"])
    alive = (df[f"long {lev:g}x"] > 0) & (df[f"short {lev:g}x"] > 0)
    pnl_long = df[f"long {lev:g}x"][alive] - 1_000
    pnl_short = df[f"short {lev:g}x"][alive] - 1_000
    assert np.allclose(pnl_long, -pnl_short)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0.8, 1.2), min_size=2, max_size=60),
    st.sampled_from([2.0, 10.0, 50.0, 100.0]),
)
def test_liquidated_stays_zero_and_equity_never_negative(moves, lev):
    path = 96_000.0 * np.cumprod(moves)
    df = spot_vs_perpetual(path, 1_000, lev, sides=["long", "short"])
    for col in (f"long {lev:g}x", f"short {lev:g}x"):
        eq = df[col].to_numpy()
        assert (eq >= 0).all()
        step = df.attrs["liquidated_at"][col]
        if step is not None:
            assert (eq[step:] == 0).all() and (eq[:step] > 0).all()
        else:
            assert (eq > 0).all()


def test_flat_table_equals_flat_rate():
    path = 96_000.0 * np.cumprod(np.r_[1.0, np.full(30, 0.995)])
    a = spot_vs_perpetual(path, 1_000, [10, 50], maintenance=0.004)
    b = spot_vs_perpetual(path, 1_000, [10, 50], maintenance=TierTable.flat(0.004, 125))
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs == b.attrs


def test_reexported_at_top_level():
    assert pm.spot_vs_perpetual is spot_vs_perpetual


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"prices": [96_000, -1.0]}, ["prices", "-1.0", "greater than 0"]),
        ({"prices": [96_000, float("nan")]}, ["prices", "nan", "finite"]),
        ({"prices": []}, ["prices", "at least one"]),
        ({"prices": [[1.0, 2.0]]}, ["prices", "one-dimensional"]),
        ({"capital": 0.0}, ["capital", "0.0", "greater than 0"]),
        ({"leverages": [10, 0]}, ["leverages", "0", "greater than 0"]),
        ({"leverages": [200]}, ["leverage 200x", "100x"]),
        ({"sides": ["long", "up"]}, ["side", "'up'", "'long' or 'short'"]),
        ({"sides": "buy"}, ["side", "'buy'"]),
        ({"sides": []}, ["sides", "empty"]),
        ({"leverages": [10, 10]}, ["repeat"]),
        ({"maintenance": 1.5}, ["maintenance", "1.5"]),
        ({"maintenance": [0.1, 0.2]}, ["maintenance", "one rate"]),
        ({"maintenance_basis": "last"}, ["maintenance_basis", "'mark'", "'last'"]),
    ],
)
def test_bad_input_raises_named_value_error(kwargs, words):
    args = {"prices": [96_000.0, 95_000.0], "capital": 1_000.0, "leverages": [10]}
    args.update(kwargs)
    with pytest.raises(ValueError) as err:
        spot_vs_perpetual(**args)
    for word in words:
        assert word in str(err.value), (word, str(err.value))


# --- scripted_path -------------------------------------------------------------


def test_scripted_path_hits_its_anchors_and_is_seeded():
    a = pm.scripted_path((96_000, 101_000, 84_000), steps_per_leg=10, wiggle=0.01, seed=3)
    assert a.shape == (21,)
    assert a[[0, 10, 20]].tolist() == [96_000, 101_000, 84_000]
    b = pm.scripted_path((96_000, 101_000, 84_000), steps_per_leg=10, wiggle=0.01, seed=3)
    assert np.array_equal(a, b)
    c = pm.scripted_path((96_000, 101_000, 84_000), steps_per_leg=10, wiggle=0.0)
    assert np.allclose(np.diff(c[:11]), 500.0)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"anchors": [96_000]}, ["anchors", "two"]),
        ({"anchors": [96_000, -5]}, ["anchors", "-5"]),
        ({"steps_per_leg": 0}, ["steps_per_leg", "0"]),
        ({"steps_per_leg": 2.5}, ["steps_per_leg", "2.5"]),
        ({"wiggle": -0.1}, ["wiggle", "-0.1"]),
        ({"wiggle": 0.5}, ["wiggle", "0.5"]),
    ],
)
def test_scripted_path_bad_input(kwargs, words):
    with pytest.raises(ValueError) as err:
        pm.scripted_path(**kwargs)
    for word in words:
        assert word in str(err.value)


# --- account_equity_path ---------------------------------------------------------

BTC, ETH = 96_000.0, 3_600.0


def _two_positions(mode: str) -> pm.Account:
    return pm.Account(
        2_000.0,
        [
            pm.Position("BTCUSDT", "long", 1_000 * 20 / BTC, BTC, 20, margin_mode=mode),
            pm.Position("ETHUSDT", "long", 1_000 * 5 / ETH, ETH, 5, margin_mode=mode),
        ],
    )


def _fall(fraction: float, steps: int = 121) -> dict[str, np.ndarray]:
    return {
        "BTCUSDT": BTC * np.linspace(1.0, 1.0 - fraction, steps),
        "ETHUSDT": np.full(steps, ETH),
    }


def test_isolated_loses_only_the_failing_position():
    frame = pm.account_equity_path(_two_positions("isolated"), _fall(0.12))
    at = frame.attrs["liquidated_at"]
    assert at["ETHUSDT"] is None and at["BTCUSDT"] is not None
    # after the BTC position is gone, the ETH margin (1,000 USDT, flat ETH) is left
    assert frame["equity"].iloc[-1] == pytest.approx(1_000.0)
    assert frame["BTCUSDT liquidated"].iloc[at["BTCUSDT"] :].all()
    # liquidation happens where the Binance isolated formula puts it
    lp = pm.liquidation_price("long", BTC, 20, 1_000 * 20 / BTC, maintenance=TIERS)
    path = _fall(0.12)["BTCUSDT"]
    assert path[at["BTCUSDT"]] <= lp < path[at["BTCUSDT"] - 1]


def test_cross_loss_in_one_position_takes_the_whole_account():
    account = _two_positions("cross")
    frame = pm.account_equity_path(account, _fall(0.12))
    at = frame.attrs["liquidated_at"]
    assert at["BTCUSDT"] == at["ETHUSDT"] is not None
    assert frame["equity"].iloc[-1] == 0.0
    # cross survives a fall that liquidates the isolated BTC position
    small = pm.account_equity_path(account, _fall(0.06))
    assert small.attrs["liquidated_at"] == {"BTCUSDT": None, "ETHUSDT": None}
    assert small["equity"].iloc[-1] == pytest.approx(2_000 - 1_000 * 20 * 0.06)
    # the step agrees with Account.liquidation_price for BTC with ETH at its mark
    lp = account.liquidation_price("BTCUSDT", {"ETHUSDT": ETH})
    path = _fall(0.12)["BTCUSDT"]
    assert path[at["BTCUSDT"]] <= lp < path[at["BTCUSDT"] - 1]


def test_equity_path_matches_margin_balance_while_alive():
    account = _two_positions("cross")
    marks = _fall(0.05)
    frame = pm.account_equity_path(account, marks)
    assert np.allclose(frame["equity"], account.margin_balance(marks))


@pytest.mark.parametrize(
    ("marks", "words"),
    [
        ({"BTCUSDT": [BTC, BTC]}, ["ETHUSDT"]),
        ({"BTCUSDT": [BTC, BTC], "ETHUSDT": [ETH]}, ["same length"]),
        ({"BTCUSDT": BTC, "ETHUSDT": ETH}, ["one-dimensional"]),
        ({"BTCUSDT": [BTC, -1.0], "ETHUSDT": [ETH, ETH]}, ["BTCUSDT", "-1.0"]),
    ],
)
def test_equity_path_bad_input(marks, words):
    with pytest.raises(ValueError) as err:
        pm.account_equity_path(_two_positions("cross"), marks)
    for word in words:
        assert word in str(err.value)


def test_equity_path_rejects_non_account():
    with pytest.raises(ValueError, match="Account"):
        pm.account_equity_path("not an account", {})


def _direct(path, capital, lev, side, maintenance, basis):
    """Reference: check equity <= maintenance margin at every step, no shortcut."""
    s = 1.0 if side == "long" else -1.0
    qty = capital * lev / path[0]
    equity = capital + s * qty * (path - path[0])
    ref = path if basis == "mark" else np.full(path.size, path[0])
    if isinstance(maintenance, TierTable):
        mm = maintenance.maintenance_margin(qty * ref)
    else:
        mm = qty * ref * maintenance
    dead = np.logical_or.accumulate(equity <= mm)
    return np.where(dead, 0.0, equity)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.floats(0.85, 1.15), min_size=2, max_size=50),
    st.sampled_from([1.0, 3.0, 10.0, 20.0, 50.0, 100.0]),
    st.sampled_from([100.0, 1_000.0, 20_000.0]),
    st.sampled_from(["mark", "entry"]),
    st.sampled_from(["tiers", "flat"]),
)
def test_threshold_shortcut_matches_stepwise_check(moves, lev, capital, basis, kind):
    path = 96_000.0 * np.cumprod(moves)
    maintenance = TIERS if kind == "tiers" else 0.005
    # the notional as spot_vs_perpetual computes it (quantity x entry), which can land a
    # rounding above a tier edge such as 1,000,000 USDT
    notional = capital * lev / path[0] * path[0]
    if kind == "tiers" and lev > TIERS.max_leverage_at(notional):
        return
    df = spot_vs_perpetual(
        path,
        capital,
        lev,
        sides=["long", "short"],
        maintenance=maintenance,
        maintenance_basis=basis,
    )
    for side in ("long", "short"):
        expected = _direct(path, capital, lev, side, maintenance, basis)
        assert np.allclose(df[f"{side} {lev:g}x"], expected, rtol=0, atol=1e-9)


# --- bad input that used to pass unchecked or fail unclearly -------------------------
@pytest.mark.parametrize("bad", [float("inf"), float("nan"), 2.5, "60"])
def test_steps_per_leg_given_a_non_count_is_refused_without_overflow(bad):
    # inf raised OverflowError and nan "cannot convert float NaN to integer"
    with pytest.raises((ValueError, TypeError), match=r"^steps_per_leg must be a whole number"):
        pm.scripted_path(steps_per_leg=bad)


def test_seed_must_be_a_count_or_a_generator():
    with pytest.raises(ValueError, match=r"^seed must be a whole number of at least 0, got -1$"):
        pm.scripted_path(seed=-1)
    with pytest.raises(TypeError, match=r"^account must be a perpmath Account, got str"):
        pm.account_equity_path("account", {})
