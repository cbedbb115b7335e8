"""Properties of liquidation and bankruptcy prices (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from perpmath.conventions import convention_names, get_convention
from perpmath.liquidation import bankruptcy_price, liquidation_price
from perpmath.tiers import load_tier_table

BTC = load_tier_table("binance_usdm_btcusdt", date="2021-03-18")

sides = st.sampled_from(["long", "short"])
entries = st.floats(100.0, 200_000.0)
levs = st.floats(1.01, 100.0)
rates = st.floats(0.0, 0.009)
qtys = st.floats(0.001, 5.0)
contracts = st.sampled_from(["linear", "inverse"])

FAST = settings(max_examples=150, deadline=None)


def _allowed(q, e, lev, contract="linear"):
    n = q * e if contract == "linear" else q / e
    return contract == "inverse" or lev <= BTC.max_leverage_at(n)


@FAST
@given(sides, entries, levs, qtys, contracts, rates)
def test_liquidation_lies_between_entry_and_bankruptcy(side, e, lev, q, contract, mmr):
    assume(mmr * lev < 0.95)  # otherwise the position is liquidated at entry
    lp = liquidation_price(side, e, lev, q, maintenance=mmr, contract=contract)
    bp = bankruptcy_price(side, e, lev, contract, quantity=q)
    if side == "long":
        assert bp <= lp * (1 + 1e-12) and lp < e
    else:
        assert e < lp and lp <= bp * (1 + 1e-12)


@FAST
@given(sides, entries, levs, qtys, st.sampled_from(convention_names()))
def test_every_convention_keeps_liquidation_between_entry_and_bankruptcy(side, e, lev, q, name):
    conv = get_convention(name)
    tiers = conv.tiers()
    n_entry = q * e if conv.contract == "linear" else q * conv.contract_size / e
    assume(lev <= tiers.max_leverage_at(min(n_entry, tiers.cap[-1])))
    assume(n_entry <= tiers.cap[-1])
    assume(lev * (tiers.maintenance_rate[-1] + conv.taker_fee) < 0.9)
    lp = liquidation_price(side, e, lev, q, convention=name)
    bp = bankruptcy_price(side, e, lev, quantity=q, convention=name)
    tick = conv.tick_size
    if side == "long":
        assert bp - tick <= lp <= e
    else:
        assert e <= lp <= bp + tick


@FAST
@given(sides, entries, st.floats(1.5, 60.0), st.floats(0.001, 0.3), contracts)
def test_higher_leverage_moves_liquidation_closer(side, e, lev, q, contract):
    lo = liquidation_price(
        side, e, lev, q, maintenance=BTC if contract == "linear" else 0.004, contract=contract
    )
    hi = liquidation_price(
        side, e, lev * 1.2, q, maintenance=BTC if contract == "linear" else 0.004, contract=contract
    )
    assert abs(hi - e) < abs(lo - e) or (side == "short" and lo == np.inf)


@FAST
@given(sides, entries, levs, qtys, contracts)
def test_zero_maintenance_equals_bankruptcy(side, e, lev, q, contract):
    lp = liquidation_price(side, e, lev, q, maintenance=0.0, contract=contract)
    bp = bankruptcy_price(side, e, lev, contract, quantity=q)
    assert lp == pytest.approx(bp, rel=1e-9, abs=1e-9)


@FAST
@given(entries, levs, qtys, rates)
def test_long_and_short_mirror(e, lev, q, mmr):
    assume(mmr * lev < 0.95)
    # linear: same distance to bankruptcy; liquidation distances differ only by the
    # (1 - MMR) / (1 + MMR) factor of the formula's denominators
    d_bl = e - bankruptcy_price("long", e, lev)
    d_bs = bankruptcy_price("short", e, lev) - e
    assert d_bl == pytest.approx(d_bs, rel=1e-9)
    d_l = e - liquidation_price("long", e, lev, q, maintenance=mmr)
    d_s = liquidation_price("short", e, lev, q, maintenance=mmr) - e
    assert d_l * (1 - mmr) == pytest.approx(d_s * (1 + mmr), rel=1e-9)
    # inverse long = linear short in the reciprocal price 1/P (coin per USD)
    inv = liquidation_price("long", e, lev, q, maintenance=mmr, contract="inverse")
    lin = liquidation_price("short", 1 / e, lev, q, maintenance=mmr, margin=q * (1 / e) / lev)
    assert inv == pytest.approx(1 / lin, rel=1e-9)


@FAST
@given(sides, entries, st.floats(20.0, 100.0), qtys, st.floats(0.0, 0.004))
def test_linear_and_inverse_agree_for_small_moves(side, e, lev, q, mmr):
    assume(mmr * lev < 0.5)
    lin = liquidation_price(side, e, lev, q, maintenance=mmr)
    inv = liquidation_price(side, e, lev, q, maintenance=mmr, contract="inverse")
    d = abs(lin - e) / e
    # the two differ at second order in the move
    assert abs(lin - inv) / e <= 2 * d * (d + 2 * mmr) + 1e-12


@FAST
@given(sides, entries, st.floats(1.1, 20.0), st.integers(1, 6))
def test_continuity_across_tier_edges(side, e, lev, k):
    s = 1.0 if side == "long" else -1.0
    floor, m, cum = BTC.floor[k], BTC.maintenance_rate[k], BTC.maintenance_amount[k]
    # the size whose notional at the liquidation price is exactly this tier's floor
    q = (floor * (m - s) - cum) / (e / lev - s * e)
    assume(q > 0)
    assume(q * e <= BTC.cap[-1] and lev <= BTC.max_leverage_at(q * e * 1.001))
    assume(lev * BTC.maintenance_rate[-1] < 0.9)
    try:
        below = liquidation_price(side, e, lev, q * (1 - 1e-9), maintenance=BTC)
        above = liquidation_price(side, e, lev, q * (1 + 1e-9), maintenance=BTC)
    except ValueError:
        assume(False)
    assert above == pytest.approx(below, rel=1e-6)


@FAST
@given(
    st.lists(
        st.tuples(sides, entries, st.floats(1.5, 20.0), st.floats(0.001, 2.0)),
        min_size=1,
        max_size=20,
    )
)
def test_scalar_and_array_equal(rows):
    side, e, lev, q = (np.array(c) for c in zip(*rows, strict=True))
    arr = liquidation_price(side, e, lev, q, maintenance=BTC)
    for i, (si, ei, li, qi) in enumerate(rows):
        assert arr[i] == liquidation_price(si, ei, li, qi, maintenance=BTC)
