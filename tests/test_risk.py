"""Stops in gaps, fixed-fraction sizing, scaling out, trailing stops, alerts (perpmath.risk)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from perpmath.liquidation import liquidation_price
from perpmath.paths import flash_crash_path, gbm_paths
from perpmath.risk import (
    gap_loss,
    implied_leverage,
    margin_ratio_alert_price,
    position_size,
    risk_at_stop,
    scale_out,
    simulate_exit,
    trailing_stop_levels,
)


def test_stop_fills_at_first_price_past_trigger_in_a_gap():
    # a 10 % gap between two ticks: the stop at 93,000 fills at the first price seen, 86,400
    path = flash_crash_path(96_000.0, 20, crash_at=5, drop=0.10)
    res = simulate_exit("long", 96_000.0, path, stop=93_000.0, quantity=0.5)
    assert res.reason[0] == "stop" and res.step[0] == 6
    assert res.price[0] == pytest.approx(86_400.0)
    assert res.pnl[0] == pytest.approx(0.5 * (86_400.0 - 96_000.0))
    assert res.slippage[0] == pytest.approx(0.5 * (93_000.0 - 86_400.0))
    assert gap_loss("long", 93_000.0, 86_400.0, 0.5) == pytest.approx(res.slippage[0])


def test_stop_fills_near_trigger_in_a_slow_decline():
    path = flash_crash_path(96_000.0, 400, crash_at=5, drop=0.10, crash_steps=300, recovery=0.0)
    res = simulate_exit("long", 96_000.0, path, stop=93_000.0)
    assert res.price[0] <= 93_000.0
    assert res.price[0] == pytest.approx(93_000.0, rel=5e-4)


def test_short_stop_and_take_profit():
    up = np.array([100.0, 101.0, 104.0, 110.0])
    res = simulate_exit("short", 100.0, up, stop=103.0, take_profit=95.0)
    assert res.reason[0] == "stop" and res.price[0] == 104.0
    down = np.array([100.0, 98.0, 94.0, 90.0])
    res = simulate_exit("short", 100.0, down, stop=103.0, take_profit=95.0)
    assert res.reason[0] == "take_profit" and res.pnl[0] == pytest.approx(6.0)


def test_liquidation_before_a_stop_placed_beyond_it():
    liq = liquidation_price("long", 96_000.0, 50)
    path = np.linspace(96_000.0, 90_000.0, 50)
    res = simulate_exit("long", 96_000.0, path, stop=93_000.0, liquidation=liq)
    assert res.reason[0] == "liquidation"
    res = simulate_exit("long", 96_000.0, path, stop=95_000.0, liquidation=liq)
    assert res.reason[0] == "stop"


def test_open_positions_are_marked_at_the_last_price():
    paths = gbm_paths(100.0, 0.1, 1, 10, 20, np.random.default_rng(0))
    res = simulate_exit("long", 100.0, paths, stop=50.0)
    assert np.all(res.reason == "open")
    np.testing.assert_allclose(res.price, paths[:, -1])
    assert res.to_frame().shape == (20, 5)


# --- stop-limit orders -----------------------------------------------------------------------
# Binance FAQ "What Is a Stop Order" (binance.com/en/support/faq/360036351051): once the stop
# price is reached a stop-limit places a limit order at its limit price, a stop-market a market
# order. The page gives no numbers; the paths below are made by hand so each fill can be read off.
GAP = np.array([96_000.0, 95_000.0, 86_400.0, 85_000.0, 81_000.0, 80_000.0])


def test_stop_limit_rests_in_a_gap_and_the_engine_liquidates():
    market = simulate_exit("long", 96_000.0, GAP, stop=93_000.0, liquidation=82_000.0)
    assert market.reason[0] == "stop" and market.step[0] == 2
    assert market.price[0] == 86_400.0 and market.slippage[0] == pytest.approx(6_600.0)
    # the sell limit at 92,500 never meets a bid that high again: the position stays open
    limit = simulate_exit(
        "long", 96_000.0, GAP, stop=93_000.0, stop_limit=92_500.0, liquidation=82_000.0
    )
    assert limit.reason[0] == "liquidation" and limit.step[0] == 4
    assert limit.price[0] == 81_000.0 and limit.pnl[0] == pytest.approx(-15_000.0)
    alone = simulate_exit("long", 96_000.0, GAP, stop=93_000.0, stop_limit=92_500.0)
    assert alone.reason[0] == "open" and alone.price[0] == 80_000.0 and alone.slippage[0] == 0


def test_stop_limit_fills_at_its_limit_on_the_trigger_step():
    path = np.array([96_000.0, 94_000.0, 92_800.0, 90_000.0])
    res = simulate_exit("long", 96_000.0, path, stop=93_000.0, stop_limit=92_500.0, quantity=2.0)
    assert res.reason[0] == "stop_limit" and res.step[0] == 2
    assert res.price[0] == 92_500.0
    assert res.pnl[0] == pytest.approx(2.0 * (92_500.0 - 96_000.0))
    assert res.slippage[0] == pytest.approx(2.0 * 500.0)
    same = simulate_exit("long", 96_000.0, path, stop=93_000.0, stop_limit=93_000.0)
    assert same.reason[0] == "open", "92,800 is below a sell limit at 93,000: it rests"


def test_stop_limit_fills_after_a_bounce():
    path = np.array([96_000.0, 95_000.0, 86_400.0, 90_000.0, 94_000.0, 95_000.0])
    res = simulate_exit("long", 96_000.0, path, stop=93_000.0, stop_limit=92_000.0)
    assert res.reason[0] == "stop_limit" and res.step[0] == 4 and res.price[0] == 92_000.0
    assert res.pnl[0] == pytest.approx(-4_000.0) and res.slippage[0] == pytest.approx(1_000.0)
    # 95,000 at step 1 is above the limit, but before the trigger no limit order exists
    assert res.step[0] != 1


def test_short_stop_limit_is_mirrored():
    up = 200_000.0 - GAP  # a short from 104,000 whose price gaps up through its stop
    res = simulate_exit(
        "short", 104_000.0, up, stop=107_000.0, stop_limit=107_500.0, liquidation=118_000.0
    )
    assert res.reason[0] == "liquidation" and res.price[0] == 119_000.0
    bounce = np.array([104_000.0, 105_000.0, 113_600.0, 110_000.0, 106_000.0])
    res = simulate_exit("short", 104_000.0, bounce, stop=107_000.0, stop_limit=108_000.0)
    assert res.reason[0] == "stop_limit" and res.step[0] == 4 and res.price[0] == 108_000.0
    assert res.pnl[0] == pytest.approx(-4_000.0) and res.slippage[0] == pytest.approx(1_000.0)


def test_stop_limit_is_vectorized_over_paths():
    paths = np.array(
        [
            GAP,
            [96_000.0, 94_000.0, 92_800.0, 90_000.0, 90_000.0, 90_000.0],
            [96_000.0, 95_000.0, 86_400.0, 90_000.0, 94_000.0, 95_000.0],
            [96_000.0, 97_000.0, 98_000.0, 99_000.0, 100_000.0, 101_000.0],
        ]
    )
    res = simulate_exit(
        "long", 96_000.0, paths, stop=93_000.0, stop_limit=92_500.0, liquidation=82_000.0
    )
    assert list(res.reason) == ["liquidation", "stop_limit", "stop_limit", "open"]
    np.testing.assert_array_equal(res.step, [4, 2, 4, 5])
    np.testing.assert_allclose(res.price, [81_000.0, 92_500.0, 92_500.0, 101_000.0])
    for i, path in enumerate(paths):
        one = simulate_exit(
            "long", 96_000.0, path, stop=93_000.0, stop_limit=92_500.0, liquidation=82_000.0
        )
        assert one.reason[0] == res.reason[i] and one.pnl[0] == pytest.approx(res.pnl[i])


def test_stop_limit_bad_inputs():
    with pytest.raises(ValueError, match=r"^stop_limit applies only with stop.*got 90000"):
        simulate_exit("long", 96_000.0, GAP, stop_limit=90_000.0)
    with pytest.raises(ValueError, match=r"^stop_limit of a long must lie at or below the stop"):
        simulate_exit("long", 96_000.0, GAP, stop=93_000.0, stop_limit=94_000.0)
    with pytest.raises(ValueError, match=r"^stop_limit of a short must lie at or above the stop"):
        simulate_exit("short", 96_000.0, GAP, stop=97_000.0, stop_limit=96_500.0)
    with pytest.raises(ValueError, match=r"^stop_limit must be"):
        simulate_exit("long", 96_000.0, GAP, stop=93_000.0, stop_limit=-1.0)


@given(st.floats(0.0, 0.6), st.floats(0.005, 0.1), st.floats(0.0, 0.05))
def test_property_a_filled_stop_limit_fills_at_its_limit(drop, stop_dist, below):
    stop = 100.0 * (1 - stop_dist)
    limit = stop * (1 - below)
    path = flash_crash_path(100.0, 10, crash_at=3, drop=drop, recovery=0.5).ravel()
    res = simulate_exit("long", 100.0, path, stop=stop, stop_limit=limit)
    if res.reason[0] == "stop_limit":
        assert res.price[0] == limit and path[res.step[0]] >= limit
    else:
        assert res.reason[0] == "open"


def test_fixed_fraction_sizing_identities():
    # quantity x |entry - stop| = capital x fraction; the leverage follows from the stop distance
    q = position_size(10_000.0, 0.02, 96_000.0, 94_080.0, side="long")
    assert risk_at_stop(q, 96_000.0, 94_080.0) == pytest.approx(200.0)
    assert implied_leverage(q, 96_000.0, 10_000.0) == pytest.approx(0.02 / 0.02)
    qs = position_size(10_000.0, 0.01, 96_000.0, np.array([95_040.0, 92_160.0]))
    np.testing.assert_allclose(qs * np.array([960.0, 3_840.0]), 100.0)
    assert position_size(10_000.0, 0.02, 96_000.0, 97_000.0, side="short") == pytest.approx(0.2)


def test_trailing_stop_never_moves_back():
    path = np.array([100.0, 105.0, 103.0, 110.0, 108.0, 98.0])
    levels = trailing_stop_levels("long", path, 0.05)
    np.testing.assert_allclose(levels[0], [95.0, 99.75, 99.75, 104.5, 104.5])
    res = simulate_exit("long", 100.0, path, trailing=0.05)
    assert res.reason[0] == "trailing" and res.step[0] == 5 and res.price[0] == 98.0
    assert res.slippage[0] == pytest.approx(6.5)
    short_levels = trailing_stop_levels("short", path, 0.05)
    assert np.all(np.diff(short_levels[0]) <= 0)


def test_scale_out_accounting():
    path = np.array([100.0, 102.0, 105.0, 103.0, 96.0])
    out = scale_out("long", 100.0, path, [102.0, 110.0], [0.5, 0.25], quantity=2.0, stop=97.0)
    row = out.iloc[0]
    assert row["closed_at_targets"] == 0.5
    assert row["targets_pnl"] == pytest.approx(2.0 * 0.5 * 2.0)
    assert row["remainder_pnl"] == pytest.approx(2.0 * 0.5 * (96.0 - 100.0))
    assert row["total_pnl"] == pytest.approx(row["targets_pnl"] + row["remainder_pnl"])
    assert bool(row["stopped"])


@pytest.mark.parametrize(
    ("definition", "threshold"),
    [
        ("maintenance_to_balance", 1.0),
        ("margin_to_notional", 0.004),
        ("equity_to_maintenance", 1.0),
    ],
)
def test_alert_at_the_liquidation_threshold_is_the_liquidation_price(definition, threshold):
    for side in ("long", "short"):
        lp = liquidation_price(side, 96_000.0, 25, maintenance=0.004)
        alert = margin_ratio_alert_price(
            side, 96_000.0, 25, threshold, definition=definition, maintenance_rate=0.004
        )
        assert alert == pytest.approx(lp)


def test_alert_fires_before_liquidation():
    lp = liquidation_price("long", 96_000.0, 25)
    warn = margin_ratio_alert_price("long", 96_000.0, 25, 0.8)
    assert lp < warn < 96_000.0
    warn2 = margin_ratio_alert_price("long", 96_000.0, 25, 1.5, definition="equity_to_maintenance")
    assert lp < warn2 < 96_000.0


def test_bad_inputs():
    path = np.array([100.0, 99.0])
    with pytest.raises(ValueError, match="stop of a long must lie below"):
        simulate_exit("long", 100.0, path, stop=101.0)
    with pytest.raises(ValueError, match="stop of a short must lie above"):
        simulate_exit("short", 100.0, path, stop=99.0)
    with pytest.raises(ValueError, match="take_profit"):
        simulate_exit("long", 100.0, path, take_profit=99.0)
    with pytest.raises(ValueError, match="stop_price"):
        position_size(1_000.0, 0.02, 100.0, 101.0, side="long")
    with pytest.raises(ValueError, match="stop_price must differ"):
        position_size(1_000.0, 0.02, 100.0, 100.0)
    with pytest.raises(ValueError, match="risk_fraction"):
        position_size(1_000.0, 0.0, 100.0, 99.0)
    with pytest.raises(ValueError, match="prices"):
        simulate_exit("long", 100.0, [100.0], stop=90.0)
    with pytest.raises(ValueError, match="trail"):
        trailing_stop_levels("long", path, 0.0)
    with pytest.raises(ValueError, match="fractions"):
        scale_out("long", 100.0, path, [101.0, 102.0], [0.7, 0.7])
    with pytest.raises(ValueError, match="definition"):
        margin_ratio_alert_price("long", 100.0, 10, 0.8, definition="ratio")
    with pytest.raises(ValueError, match="alert"):
        margin_ratio_alert_price("long", 100.0, 10, 1.2)


# --- properties ------------------------------------------------------------------------------


@given(
    st.floats(100.0, 1e7),
    st.floats(0.001, 0.1),
    st.floats(1_000.0, 200_000.0),
    st.floats(0.001, 0.5),
)
def test_property_fixed_fraction_risks_exactly_the_fraction(capital, fraction, entry, dist):
    stop = entry * (1 - dist)
    q = position_size(capital, fraction, entry, stop, side="long")
    assert risk_at_stop(q, entry, stop) == pytest.approx(capital * fraction, rel=1e-9)


@given(st.floats(0.0, 0.6), st.floats(0.005, 0.1))
def test_property_gap_fill_is_never_better_than_the_stop(drop, stop_dist):
    path = flash_crash_path(100.0, 10, crash_at=3, drop=drop, recovery=0.0)
    res = simulate_exit("long", 100.0, path, stop=100.0 * (1 - stop_dist))
    if res.reason[0] == "stop":
        assert res.price[0] <= 100.0 * (1 - stop_dist) + 1e-9
        assert res.slippage[0] >= 0
    else:
        assert res.reason[0] == "open"


# --- bad input that used to pass unchecked or fail unclearly -------------------------
def test_simulate_exit_names_trailing_not_the_inner_trail():
    with pytest.raises(ValueError, match=r"^trailing must be finite"):
        simulate_exit("long", 100.0, [100.0, 99.0], trailing=float("nan"))
    with pytest.raises(ValueError, match=r"^stop must be a single number"):
        simulate_exit("long", 100.0, [100.0, 99.0], stop=[95.0, 96.0])


def test_mismatched_lengths_name_the_arguments():
    with pytest.raises(ValueError, match=r"^capital and risk_fraction must have matching"):
        position_size([1_000, 2_000], [0.01, 0.02, 0.03], 100, 95)
