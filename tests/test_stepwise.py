"""Stepwise liquidation trace (perpmath.stepwise)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perpmath.stepwise import liquidation_trace
from perpmath.tiers import TierTable, load_tier_table

TABLE = load_tier_table("binance_usdm_btcusdt", date="2021-03-18")
# 30 BTC long at 96,000 with 20x (notional 2.88M, tier 4 of the Binance
# BTCUSDT table: 2.5 %, amount 16,300); at mark 91,500 the margin balance is
# 144,000 - 30 x 4,500 = 9,000 and the maintenance margin 52,325.
BIG = dict(side="long", entry_price=96_000.0, quantity=30.0, mark_price=91_500.0, margin=144_000.0)


def test_columns_and_trigger_row():
    trace = liquidation_trace(**BIG, tiers=TABLE, mode="tier_by_tier")
    assert list(trace.columns) == [
        "action",
        "quantity",
        "closed",
        "fee",
        "notional",
        "tier",
        "maintenance_margin",
        "margin_balance",
        "recovered",
    ]
    first = trace.iloc[0]
    assert first["tier"] == 4
    assert first["margin_balance"] == pytest.approx(9_000.0)
    assert first["maintenance_margin"] == pytest.approx(2_745_000 * 0.025 - 16_300)
    assert not first["recovered"]


def test_tier_by_tier_cuts_to_the_lower_cap_and_stops_when_recovered():
    # Gate.io / Bybit: lower the risk limit one tier, liquidate the excess above
    # its cap, stop once the margin balance exceeds the maintenance margin.
    trace = liquidation_trace(**BIG, tiers=TABLE, mode="tier_by_tier")
    step = trace.iloc[1]
    assert step["notional"] == pytest.approx(1_000_000.0)  # tier 3's cap
    assert step["tier"] == 3
    assert step["maintenance_margin"] == pytest.approx(1_000_000 * 0.01 - 1_300)
    assert step["recovered"] and len(trace) == 2
    assert trace["quantity"].iloc[-1] > 0


def test_fee_is_capped_at_what_is_left_and_the_ladder_stops_at_zero_equity():
    # Caught 1,519 USDT past its liquidation price with 9,000 USDT left, the position would
    # owe 19.07 BTC x 91,500 x 1.25 % = 21,812 USDT of fee on the first cut: it pays the
    # 9,000 it has (Binance: the insurance fund balances a bankrupt account back to 0), and
    # with nothing left to protect the rest is taken over at the bankruptcy price.
    trace = liquidation_trace(**BIG, tiers=TABLE, mode="tier_by_tier", fee_rate=0.0125)
    assert list(trace["tier"]) == [4, 3, 0]
    assert trace["fee"].iloc[1] == pytest.approx(9_000.0)
    assert trace["fee"].iloc[1] < 0.0125 * trace["closed"].iloc[1] * 91_500
    assert trace["action"].iloc[-1].startswith("rest taken over")
    assert (trace["margin_balance"] >= -1e-6).all()
    assert trace["margin_balance"].iloc[-1] == 0.0
    assert not trace["recovered"].any()


def test_triggered_at_its_own_liquidation_price_one_cut_recovers():
    # 30 BTC long at 20x from 96,000: tier 4 (2.5 %, amount 16,300) at the liquidation price
    # LP = (144,000 + 16,300 - 30 x 96,000) / (30 x 0.025 - 30) = 92,981.20
    lp = (144_000 + 16_300 - 30 * 96_000) / (30 * 0.025 - 30)
    args = dict(BIG, mark_price=lp + 1e-6)
    for fee in (0.0, 0.005, 0.0125):
        trace = liquidation_trace(**args, tiers=TABLE, mode="tier_by_tier", fee_rate=fee)
        assert len(trace) == 2 and trace["recovered"].iloc[-1]
        assert trace["notional"].iloc[-1] == pytest.approx(1_000_000.0)
        closed = trace["closed"].iloc[-1]
        assert trace["fee"].iloc[-1] == pytest.approx(fee * closed * lp)


def test_caught_beyond_bankruptcy_is_taken_over_at_once():
    # at 90,000 the 30 BTC long has lost 180,000 > 144,000: the balance is already negative
    trace = liquidation_trace(**dict(BIG, mark_price=90_000.0), tiers=TABLE)
    assert list(trace["tier"]) == [4, 0]
    assert trace["margin_balance"].iloc[0] == pytest.approx(-36_000.0)
    assert trace["margin_balance"].iloc[-1] == 0.0


def test_all_at_once_closes_everything_at_bankruptcy():
    trace = liquidation_trace(**BIG, tiers=TABLE, mode="all_at_once")
    assert len(trace) == 2
    assert trace["quantity"].iloc[-1] == 0
    assert trace["closed"].iloc[-1] == 30.0
    assert trace["margin_balance"].iloc[-1] == 0.0


def test_fraction_mode_closes_twenty_percent_per_step():
    trace = liquidation_trace(**BIG, tiers=TABLE, mode="fraction", fraction=0.2, partial_steps=10)
    closed = trace["closed"].iloc[1:]
    left = trace["quantity"].iloc[:-1].to_numpy()
    assert closed.to_numpy() == pytest.approx(0.2 * left)
    assert trace["recovered"].iloc[-1]
    # closing at the mark keeps the margin balance; only the requirement falls
    assert trace["margin_balance"].nunique() == 1


def test_fraction_mode_then_whole_rest_like_hyperliquid():
    # Hyperliquid: 20 % first, then the entire remaining position.
    trace = liquidation_trace("long", 96_000, 1.0, 94_000, 1_920, mode="fraction")
    assert list(trace["closed"]) == pytest.approx([0.0, 0.2, 0.8])
    assert trace["action"].iloc[-1] == "close the rest at the market"
    assert trace["margin_balance"].iloc[-1] == pytest.approx(-80.0)  # negative balance


def test_cancel_orders_first_and_released_margin_can_rescue():
    trace = liquidation_trace(**BIG, tiers=TABLE, open_orders=3, order_margin=50_000.0)
    assert trace["action"].iloc[1] == "cancel 3 open orders"
    assert trace["margin_balance"].iloc[1] == pytest.approx(59_000.0)
    assert trace["recovered"].iloc[1] and len(trace) == 2


def test_short_mirrors_long():
    trace = liquidation_trace("short", 96_000, 30.0, 100_500, 144_000, tiers=TABLE)
    assert trace["margin_balance"].iloc[0] == pytest.approx(144_000 - 30 * 4_500)
    assert trace["recovered"].iloc[-1]


def test_flat_table_recovers_after_one_cut_when_solvent():
    flat = TierTable.from_rates([1e6, 1e7], [50, 20], [0.01, 0.02])
    trace = liquidation_trace("long", 100.0, 50_000, 96.5, 250_000, tiers=flat)
    assert trace["recovered"].iloc[-1]


def test_errors():
    with pytest.raises(ValueError, match="not liquidatable"):
        liquidation_trace("long", 96_000, 1.0, 96_000, 1_920)
    with pytest.raises(ValueError, match="mode"):
        liquidation_trace(**BIG, mode="gradual")
    with pytest.raises(ValueError, match="fraction"):
        liquidation_trace(**BIG, mode="fraction", fraction=0.0)
    with pytest.raises(ValueError, match="mark_price"):
        liquidation_trace("long", 96_000, 1.0, -5.0, 1_920)
    with pytest.raises(ValueError, match="order_margin"):
        liquidation_trace(**BIG, order_margin=10.0)
    with pytest.raises(ValueError, match="side"):
        liquidation_trace("flat", 96_000, 1.0, 90_000, 1_920)


@settings(max_examples=60, deadline=None)
@given(
    side=st.sampled_from(["long", "short"]),
    quantity=st.floats(0.01, 500.0),
    leverage=st.floats(1.5, 20.0),
    move=st.floats(0.0, 0.99),
    mode=st.sampled_from(["all_at_once", "tier_by_tier", "fraction"]),
    fee=st.sampled_from([0.0, 0.005, 0.0125]),
)
def test_trace_invariants(side, quantity, leverage, move, mode, fee):
    from perpmath.liquidation import bankruptcy_price, liquidation_price

    entry = 96_000.0
    margin = quantity * entry / leverage
    try:
        lp = liquidation_price(side, entry, leverage, quantity, maintenance=TABLE)
    except ValueError:
        return  # leverage not allowed for this size
    bp = bankruptcy_price(side, entry, leverage)
    mark = lp + move * (bp - lp)  # between liquidation and bankruptcy
    if mark <= 0:
        return
    trace = liquidation_trace(
        side, entry, quantity, mark, margin, tiers=TABLE, mode=mode, fee_rate=fee
    )
    q = trace["quantity"].to_numpy()
    assert (np.diff(q) <= 1e-9).all()
    assert (np.diff(trace["tier"].to_numpy()) <= 0).all()
    last = trace.iloc[-1]
    assert last["recovered"] or last["quantity"] == 0
    assert not trace["recovered"].iloc[:-1].any()
    assert (trace["closed"] >= 0).all()
    # the fee never exceeds its rate on the closed notional, nor what was left
    assert (trace["fee"] <= fee * trace["closed"] * mark * (1 + 1e-12) + 1e-9).all()
    if mode != "fraction":
        assert (trace["margin_balance"].iloc[1:] >= -1e-6).all()


def test_tier_jump_goes_straight_to_the_sufficient_tier():
    # Bybit: one FillOrKill order down to the lower tier that satisfies the requirement
    trace = liquidation_trace(**BIG, tiers=TABLE, mode="tier_jump", fee_rate=0.001)
    assert len(trace) == 2
    assert trace["tier"].iloc[-1] == 2 and trace["recovered"].iloc[-1]
    ladder = liquidation_trace(**BIG, tiers=TABLE, mode="tier_by_tier", fee_rate=0.001)
    assert len(ladder) == 3  # one tier at a time needs two cuts
    assert trace["quantity"].iloc[-1] == pytest.approx(ladder["quantity"].iloc[-1])
    assert trace["margin_balance"].iloc[-1] == pytest.approx(ladder["margin_balance"].iloc[-1])


def test_tier_jump_takes_over_when_no_tier_suffices():
    trace = liquidation_trace(**BIG, tiers=TABLE, mode="tier_jump", fee_rate=0.0125)
    assert list(trace["quantity"]) == [30.0, 0.0]
    assert trace["action"].iloc[-1].startswith("rest taken over")


@settings(max_examples=40, deadline=None)
@given(
    quantity=st.floats(0.5, 300.0),
    leverage=st.floats(1.5, 20.0),
    move=st.floats(0.0, 0.99),
    fee=st.sampled_from([0.0, 0.0005, 0.005]),
)
def test_tier_jump_ends_where_the_ladder_ends(quantity, leverage, move, fee):
    from perpmath.liquidation import bankruptcy_price, liquidation_price

    entry = 96_000.0
    try:
        lp = liquidation_price("long", entry, leverage, quantity, maintenance=TABLE)
    except ValueError:
        return
    mark = lp + move * (bankruptcy_price("long", entry, leverage) - lp)
    args = ("long", entry, quantity, mark, quantity * entry / leverage)
    jump = liquidation_trace(*args, tiers=TABLE, mode="tier_jump", fee_rate=fee).iloc[-1]
    ladder = liquidation_trace(*args, tiers=TABLE, mode="tier_by_tier", fee_rate=fee).iloc[-1]
    assert jump["quantity"] == pytest.approx(ladder["quantity"], abs=1e-9)
    assert jump["margin_balance"] == pytest.approx(ladder["margin_balance"], abs=1e-6)


# --- bad input that used to pass unchecked or fail unclearly -------------------------
def test_trace_counts_and_scalars_are_named():
    args = ("long", 100_000.0, 1.0, 99_400.0, 1_000.0)
    with pytest.raises(ValueError, match=r"^max_steps must be a whole number of at least 1"):
        liquidation_trace(*args, max_steps=float("inf"))
    with pytest.raises(ValueError, match=r"^fraction must be a single number"):
        liquidation_trace(*args, mode="fraction", fraction=[0.2, 0.5])
    with pytest.raises(TypeError, match=r"^tiers must be a TierTable or None, got str"):
        liquidation_trace(*args, tiers="binance")
