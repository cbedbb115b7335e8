"""Property tests (hypothesis) for contracts, tiers, margin and account."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from perpmath.account import Account, Position
from perpmath.contracts import average_entry_price, notional, roe, unrealized_pnl
from perpmath.margin import (
    MARGIN_RATIO_DEFINITIONS,
    convert_margin_ratio,
    initial_margin,
    is_liquidatable,
    margin_ratio,
)
from perpmath.tiers import TierTable, load_tier_table

approx = pytest.approx
# derandomize: the same examples on every run, so the suite cannot flake in CI
SETTINGS = settings(max_examples=150, deadline=None, derandomize=True)

prices = st.floats(1.0, 1e6, allow_nan=False, allow_infinity=False)
sizes = st.floats(1e-3, 1e5, allow_nan=False, allow_infinity=False)
leverages = st.floats(1.0, 125.0, allow_nan=False, allow_infinity=False)
contracts = st.sampled_from(["linear", "inverse"])
definitions = st.sampled_from(tuple(MARGIN_RATIO_DEFINITIONS))


@st.composite
def tier_tables(draw) -> TierTable:
    """Random valid tables: rising caps, non-falling rates, non-rising leverage."""
    n = draw(st.integers(1, 8))
    steps = draw(st.lists(st.floats(1.0, 1e7), min_size=n, max_size=n))
    caps = np.cumsum(steps)
    rate_steps = draw(st.lists(st.floats(0.0, 0.02), min_size=n, max_size=n))
    rates = 0.001 + np.cumsum(rate_steps)
    assume(rates[-1] < 0.5)
    levs = np.floor(np.minimum.accumulate(1 / rates))
    assume(levs[-1] >= 1)
    return TierTable.from_rates(caps, levs, rates)


# contracts -------------------------------------------------------------------------------
@SETTINGS
@given(sizes, prices, prices, contracts)
def test_long_short_pnl_antisymmetry(q, e, p, kind):
    long = unrealized_pnl("long", q, e, p, kind)
    short = unrealized_pnl("short", q, e, p, kind)
    assert long == -short
    assert (long > 0) == (p > e) or long == 0


@SETTINGS
@given(sizes, prices, leverages, contracts)
def test_initial_margin_times_leverage_is_notional(q, p, lev, kind):
    assert initial_margin(q, p, lev, kind) * lev == approx(notional(q, p, kind), rel=1e-12)


@SETTINGS
@given(st.floats(1.0, 1e7), prices, st.floats(-0.01, 0.01))
def test_inverse_and_linear_agree_for_small_moves(usd, e, move):
    # The same dollar exposure as a linear position (usd / e coin) and as inverse
    # contracts (usd contracts of 1 USD): the inverse PnL in coin, valued at the exit
    # price, equals the linear PnL exactly; valued at the entry price it differs only by
    # the factor e / p, i.e. by about the move itself.
    p = e * (1 + move)
    lin = unrealized_pnl("long", usd / e, e, p)
    inv = unrealized_pnl("long", usd, e, p, "inverse")
    assert inv * p == approx(lin, rel=1e-9, abs=1e-9 * usd)
    assert inv * e == approx(lin * e / p, rel=1e-9, abs=1e-9 * usd)
    assert abs(inv * e - lin) <= abs(lin) * abs(move) / (1 - abs(move)) * (1 + 1e-6) + 1e-9 * usd
    # per dollar of notional both are the price return, to first order
    assert lin / usd == approx(move, rel=1e-9, abs=1e-12)
    # inverse per dollar at entry: 1 - e/p = move / (1 + move), off by move^2 / (1 + move)
    assert abs(inv * e / usd - move) <= move**2 / (1 - abs(move)) * (1 + 1e-6) + 1e-12


@SETTINGS
@given(sizes, prices, prices, leverages, contracts)
def test_roe_bases_relation(q, e, p, lev, kind):
    # entry-basis and mark-basis ROE differ by the ratio of the two notionals
    r_entry = roe("long", q, e, p, lev, kind, basis="entry")
    r_mark = roe("long", q, e, p, lev, kind, basis="mark")
    ratio = notional(q, p, kind) / notional(q, e, kind)
    assert r_entry == approx(r_mark * ratio, rel=1e-9, abs=1e-12)


@SETTINGS
@given(
    st.lists(st.tuples(sizes, prices), min_size=1, max_size=6),
    prices,
    contracts,
)
def test_average_entry_identities(fills, mark, kind):
    q = np.array([f[0] for f in fills])
    p = np.array([f[1] for f in fills])
    avg = average_entry_price(q, p, kind)
    assert p.min() * (1 - 1e-12) <= avg <= p.max() * (1 + 1e-12)
    # one position at the average entry has the PnL of all the fills together
    combined = unrealized_pnl("long", q.sum(), avg, mark, kind)
    separate = unrealized_pnl("long", q, p, mark, kind).sum()
    assert combined == approx(
        separate, rel=1e-9, abs=1e-9 * q.sum() * (mark if kind == "linear" else 1 / mark)
    )
    # the order of the fills does not matter
    assert average_entry_price(q[::-1], p[::-1], kind) == approx(avg, rel=1e-12)


# tiers ------------------------------------------------------------------------------------
def _continuous_at(table: TierTable, edge: float) -> None:
    eps = edge * 1e-9
    below = table.maintenance_margin(edge - eps)
    at = table.maintenance_margin(edge)
    above = table.maintenance_margin(edge + eps)
    tol = 2 * eps * table.maintenance_rate[-1] + 1e-9 * max(1.0, at)
    assert abs(at - below) <= tol
    assert abs(above - at) <= tol


def test_maintenance_margin_continuous_at_every_shipped_edge():
    table = load_tier_table("binance_usdm_btcusdt", date="2021-03-18")
    for edge in table.cap[:-1]:
        _continuous_at(table, float(edge))
        assert table.tier_index(edge) + 1 == table.tier_index(np.nextafter(edge, np.inf))


@SETTINGS
@given(tier_tables())
def test_maintenance_margin_continuous_in_random_tables(table):
    for edge in table.cap[:-1]:
        _continuous_at(table, float(edge))


@SETTINGS
@given(tier_tables(), st.lists(st.floats(0.0, 1.0), min_size=2, max_size=20))
def test_maintenance_margin_is_non_decreasing_and_below_notional(table, fractions):
    top = table.cap[-1]
    n = np.sort(np.asarray(fractions) * top)
    mm = np.asarray(table.maintenance_margin(n))
    assert np.all(np.diff(mm) >= -1e-9 * top)
    assert np.all(mm >= -1e-9) and np.all(mm <= n * table.maintenance_rate[-1] + 1e-9)


# margin ratio --------------------------------------------------------------------------------
balances = st.floats(-1e6, 1e6, allow_nan=False)
positives = st.floats(1e-3, 1e6, allow_nan=False)


@SETTINGS
@given(balances, positives, positives, definitions)
def test_is_liquidatable_means_balance_at_most_maintenance(mb, mm, pv, d):
    assert is_liquidatable(mb, mm, pv, d) == (mb <= mm)


@SETTINGS
@given(positives, positives, positives, definitions, definitions)
def test_conversion_round_trip(mb, mm, pv, f, t):
    value = margin_ratio(mb, mm, pv, f)
    there = convert_margin_ratio(value, f, t, maintenance_margin=mm, position_value=pv)
    assert there == approx(margin_ratio(mb, mm, pv, t), rel=1e-9)
    back = convert_margin_ratio(there, t, f, maintenance_margin=mm, position_value=pv)
    assert back == approx(value, rel=1e-9)


# account ----------------------------------------------------------------------------------
@SETTINGS
@given(
    st.sampled_from(["long", "short"]),
    st.floats(0.01, 5.0),
    st.floats(10_000, 100_000),
    st.floats(1.0, 20.0),
    st.floats(0.5, 1.5),
)
def test_lone_isolated_position_equals_cross_account_with_its_margin(side, q, e, lev, move):
    iso = Position("BTCUSDT", side, q, e, lev, margin_mode="isolated")
    cross = Position("BTCUSDT", side, q, e, lev)
    a_iso = Account(iso.isolated_margin, [iso])
    a_cross = Account(iso.isolated_margin, [cross])
    marks = {"BTCUSDT": e * move}
    assert a_iso.liquidated(marks) == a_cross.liquidated(marks)
    for d in MARGIN_RATIO_DEFINITIONS:
        assert a_iso.margin_ratio(marks, d) == approx(a_cross.margin_ratio(marks, d))


@SETTINGS
@given(st.floats(0.6, 1.4), st.floats(0.6, 1.4), st.floats(5_000, 50_000))
def test_cross_liquidation_iff_balance_at_most_maintenance(mb, me, wallet):
    acct = Account(
        wallet,
        [
            Position("BTCUSDT", "long", 1, 90_000, 20),
            Position("ETHUSDT", "short", 20, 3_000, 10, tiers=TierTable.flat(0.005, 100)),
        ],
    )
    marks = {"BTCUSDT": 90_000 * mb, "ETHUSDT": 3_000 * me}
    flags = acct.liquidated(marks)
    expected = acct.margin_balance(marks) <= acct.maintenance_margin(marks)
    assert flags == {"BTCUSDT": expected, "ETHUSDT": expected}
