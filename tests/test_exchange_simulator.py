"""The exchange simulator: conservation of money in every regime, and the waterfall.

Every test here checks conservation: the simulator raises ConservationError
if a step's balances, unrealized PnL, fund, fees and venue do not add up to
the deposits, and ``assert_conserved`` re-derives the same identity from the
ledger (each account's balance change equals its net ledger flow; the fund,
fees and venue accounts equal theirs; open interest stays balanced).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from perpmath.exchange import (
    ADL_RANKINGS,
    WATERFALLS,
    ConservationError,
    Ledger,
    PriceImpact,
    SimulationResult,
    adl_queue,
    adl_score,
    calibrated_population,
    execute_liquidation,
    matched_population,
    simulate_exchange,
)
from perpmath.orderbook import OrderBook, deep_book, thin_book


def assert_conserved(r: SimulationResult, accounts: pd.DataFrame) -> None:
    h = r.history
    tol = r.ledger.tolerance(gross=float(h["deposits"].iloc[0]) * 10 + 1e6)
    assert (h["difference"].abs() <= tol).all()
    assert np.allclose(h["total"], h["deposits"], rtol=0, atol=tol)
    # the pools hold exactly what the ledger moved into them
    last = h.iloc[-1]
    assert r.ledger.net_flow("insurance_fund") == pytest.approx(last["fund"], abs=1e-6)
    assert r.ledger.net_flow("fees") == pytest.approx(last["fees"], abs=1e-6)
    assert r.ledger.net_flow("venue") == pytest.approx(last["venue"], abs=1e-6)
    # every account's balance is its deposit plus the ledger transfers since
    frame = r.ledger.to_frame()
    flows = pd.Series(0.0, index=r.accounts["account"].to_numpy())
    for col, sign in (("target", 1.0), ("source", -1.0)):
        acc = frame[frame[col].str.startswith("account ")]
        ids = acc[col].map(lambda s: int(re.sub(r"\D", "", s)))
        flows = flows.add(acc.groupby(ids.to_numpy())["amount"].sum() * sign, fill_value=0.0)
    final = r.accounts.set_index("account")["balance"]
    np.testing.assert_allclose(final.to_numpy(), flows.reindex(final.index).to_numpy(), atol=1e-6)
    assert -r.ledger.net_flow("deposits") == pytest.approx(last["deposits"])
    # open interest stays balanced: accounts' longs - shorts + liquidity providers = 0
    a = r.accounts
    net = (np.where(a.side == "long", 1, -1) * a.quantity_open).sum() + last["lp_position"]
    assert abs(net) < 1e-9 * max(1.0, a.quantity_open.sum())
    # the fund never goes below zero; the venue never ends up owed money
    assert (h["fund"] >= -1e-9).all()
    assert (h["venue"] <= 1e-9).all()
    assert_reported_cleanly(r)
    assert_waterfall_matches_ledger(r)


def assert_reported_cleanly(r: SimulationResult) -> None:
    """No float dust in the reports: fills are prices, quantities add up, write-offs >= 0."""
    e = r.events
    if len(e):
        assert (e["vwap"] > 0).all()
        assert (e["book_quantity"] >= 0).all() and (e["adl_quantity"] >= 0).all()
        # a quantity is either exactly 0 or more than dust of the position
        for col in ("book_quantity", "adl_quantity"):
            q = e[col]
            assert ((q == 0) | (q > 1e-9 * e["quantity"])).all(), col
        full = e[e["kind"] != "partial"]
        np.testing.assert_allclose(
            full["book_quantity"] + full["adl_quantity"], full["quantity"], rtol=1e-12
        )
        # closed wholly by ADL: reported at the bankruptcy price, where ADL executes
        by_adl = full[full["book_quantity"] == 0]
        assert (by_adl["vwap"] == by_adl["bankruptcy_price"]).all()
        assert (by_adl["adl_quantity"] == by_adl["quantity"]).all()
    if len(r.adl):
        # nobody is deleveraged for a crumb of the liquidated position
        size = e.groupby(["step", "account"])["quantity"].max()
        liquidated = size.loc[list(zip(r.adl["step"], r.adl["liquidated"], strict=True))]
        assert (r.adl["quantity"].to_numpy() > 1e-9 * liquidated.to_numpy()).all()
    h = r.history
    assert (h["written_off"] >= 0).all() and (h["socialized"] >= 0).all()
    w = r.waterfall().set_index("item")["amount"]
    assert (w.drop("ADL: cost to counterparties vs mark") >= 0).all()
    # no position is left open with a crumb of its size after ADL
    q = r.accounts["quantity_open"]
    assert ((q == 0) | (q > 1e-9 * r.accounts["quantity_open"].max())).all()


def assert_waterfall_matches_ledger(r: SimulationResult) -> None:
    """Each unit of money appears once in the waterfall, and its rows are the
    ledger's totals by reason, whichever way the liquidation fee goes."""
    w = r.waterfall().set_index("item")["amount"]
    frame = r.ledger.to_frame()
    by_reason = frame.groupby("reason")["amount"].sum()

    def moved(*reasons: str) -> float:
        return float(sum(by_reason.get(x, 0.0) for x in reasons))

    h, cfg = r.history, r.config
    tol = 1e-6 + 1e-9 * float(frame["amount"].abs().sum())
    fees, surplus = moved("liquidation_fee"), moved("liquidation_surplus")
    assert w["liquidation fees"] == pytest.approx(fees, abs=tol)
    assert w["surplus to insurance fund"] == pytest.approx(surplus, abs=tol)
    assert w["paid by insurance fund"] == pytest.approx(moved("fund_cover"), abs=tol)
    social = moved("socialized_loss")
    assert w["socialized: clawed back from profitable accounts"] == pytest.approx(social, abs=tol)
    advanced = moved("bad_debt_written_off", "deficit_to_socialize")
    assert w["written off by the venue"] == pytest.approx(advanced - social, abs=tol)
    last = h.iloc[-1]
    # the pools: the fund got the surplus (+ the fees if they go to it) and paid covers
    fee_to_fund = cfg["fee_destination"] == "insurance_fund"
    fund_in = w["surplus to insurance fund"] + (w["liquidation fees"] if fee_to_fund else 0.0)
    expected_fund = cfg["insurance_fund"] + fund_in - w["paid by insurance fund"]
    assert last["fund"] == pytest.approx(expected_fund, abs=tol)
    assert last["fees"] == pytest.approx(0.0 if fee_to_fund else w["liquidation fees"], abs=tol)
    assert -last["venue"] == pytest.approx(w["written off by the venue"], abs=tol)
    # every deficit is paid exactly once
    paid = (
        w["paid by insurance fund"]
        + w["socialized: clawed back from profitable accounts"]
        + w["written off by the venue"]
        + w["left as traders' negative balances"]
    )
    assert w["deficits"] == pytest.approx(paid, abs=tol)


def crash(start=100.0, low=80.0, steps=40, hold=10):
    return np.concatenate([np.linspace(start, low, steps), np.full(hold, low)])


def one_pair(long_lev=50.0, short_lev=5.0, q=1.0, entry=100.0, isolated=True, extra=0.0):
    m_long, m_short = q * entry / long_lev, q * entry / short_lev
    mode = "isolated" if isolated else "cross"
    return pd.DataFrame(
        {
            "side": ["long", "short"],
            "quantity": [q, q],
            "entry_price": [entry, entry],
            "margin_mode": [mode, mode],
            "margin": [m_long, m_short],
            "balance": [m_long * (1 + extra), m_short * (1 + extra)],
        }
    )


# a gap: nothing bid between the mark and 8% below it
GAP_BOOK = OrderBook([92.0, 91.0], [100.0, 100.0], [100.5], [100.0])


def gap_book(mark, step):
    return GAP_BOOK.shifted(mark)


# --- hypothesis: conservation under random populations, books, paths, regimes ---
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_pairs=st.integers(1, 8),
    seed=st.integers(0, 10_000),
    lev_hi=st.floats(2.0, 100.0),
    iso=st.floats(0.0, 1.0),
    steps=st.integers(2, 40),
    vol=st.floats(0.0, 0.08),
    drift=st.floats(-0.05, 0.05),
    waterfall=st.sampled_from(sorted(WATERFALLS)),
    ranking=st.sampled_from(sorted(ADL_RANKINGS)),
    mode=st.sampled_from(["full", "partial"]),
    fraction=st.floats(0.1, 1.0),
    nbp=st.booleans(),
    fund=st.floats(0.0, 50.0),
    fee=st.floats(0.0, 0.02),
    fee_to=st.sampled_from(["fees", "insurance_fund"]),
    profile=st.sampled_from(["deep", "thin", "thinning", "gap"]),
    depth=st.floats(0.001, 2.0),
    delay=st.integers(0, 3),
    mmr=st.floats(0.0, 0.05),
)
# a partial liquidation's fee was capped by the equity only: with an open profit
# it could exceed the wallet and leave a protected account at -0.008
@example(
    n_pairs=6, seed=2698, lev_hi=94.0, iso=0.0, steps=3, vol=0.00390625, drift=0.0,
    waterfall="fund_only", ranking="binance", mode="partial", fraction=0.75, nbp=True,
    fund=0.0, fee=0.01953125, fee_to="fees", profile="deep", depth=1.0, delay=1, mmr=0.03125,
)  # fmt: skip
def test_money_is_conserved_in_every_regime(
    n_pairs, seed, lev_hi, iso, steps, vol, drift, waterfall, ranking, mode, fraction, nbp,
    fund, fee, fee_to, profile, depth, delay, mmr,
):  # fmt: skip
    rng = np.random.default_rng(seed)
    acc = matched_population(
        n_pairs,
        leverage=(1.5, max(lev_hi, 1.5)),
        isolated_share=iso,
        extra_balance=(0.0, 2.0),
        rng=rng,
    )
    jumps = rng.standard_normal(steps) * vol + drift
    path = 100.0 * np.exp(np.cumsum(jumps))
    path = np.clip(path, 1.0, None)
    if profile == "gap":
        book, params = gap_book, None
    else:
        book = profile
        params = {"tick": 0.2, "levels": 300, "size": depth}
    r = simulate_exchange(
        acc, path, waterfall=waterfall, adl_ranking=ranking, liquidation=mode,
        partial_fraction=fraction, maintenance=mmr, fee_rate=fee, fee_destination=fee_to,
        insurance_fund=fund, negative_balance_protection=nbp, book=book, book_params=params,
        delay=delay,
    )  # fmt: skip
    assert_conserved(r, acc)
    e = r.events
    if nbp:
        assert (r.accounts["balance"] >= -1e-9).all()
        assert (e["debt_left"] == 0).all()
    else:
        assert (e["from_fund"] == 0).all() and len(r.adl) == 0
        assert r.history["venue"].abs().max() <= 1e-9
        # each debt stays on its account: what was outside the position minus the debt
        debts = e.groupby("account")["debt_left"].sum()
        debts = debts[debts > 0]
        outside = np.where(acc["margin_mode"] == "isolated", acc["balance"] - acc["margin"], 0.0)
        final = r.accounts.set_index("account")["balance"]
        np.testing.assert_allclose(final[debts.index], outside[debts.index] - debts, atol=1e-9)
    if "adl" not in WATERFALLS[waterfall]:
        assert len(r.adl) == 0
    if "socialized_loss" not in WATERFALLS[waterfall]:
        assert (r.accounts["socialized_paid"] == 0).all()
    # deficits are split exactly between the layers
    covered = e["from_fund"] + e["to_socialize"] + e["written_off"]
    np.testing.assert_allclose(covered, e["deficit"], atol=1e-9)
    # nobody pays more than their unrealized profit in socialized loss
    assert (r.accounts["socialized_paid"] >= 0).all()


# --- worked scenarios -------------------------------------------------------
def test_deficit_larger_than_the_fund_under_each_waterfall():
    acc = one_pair(long_lev=50.0, short_lev=2.0)
    path = crash(100.0, 95.0, steps=20, hold=5)
    base = dict(book=gap_book, insurance_fund=1.0, maintenance=0.004)
    # the long (margin 2) is filled about 8% lower: a deficit of about 6, fund only 1
    fund_only = simulate_exchange(acc, path, waterfall="fund_only", **base)
    assert_conserved(fund_only, acc)
    ev = fund_only.events.iloc[0]
    assert ev["deficit"] > 1.0 and ev["vwap"] < ev["bankruptcy_price"]
    assert ev["from_fund"] == pytest.approx(1.0)
    assert ev["written_off"] == pytest.approx(ev["deficit"] - 1.0)
    assert fund_only.fund.iloc[-1] == pytest.approx(0.0)
    assert fund_only.history["venue"].iloc[-1] == pytest.approx(-(ev["deficit"] - 1.0))

    social = simulate_exchange(acc, path, waterfall="fund_then_socialized", **base)
    assert_conserved(social, acc)
    ev = social.events.iloc[0]
    short = social.accounts.iloc[1]
    # only the short is profitable: all of its profit at the mark goes, the rest is bad debt
    step = int(ev["step"])
    profit = 1.0 * (100.0 - path[step])
    assert profit < ev["deficit"] - 1.0
    assert short["socialized_paid"] == pytest.approx(profit)
    assert short["unrealized_pnl"] == pytest.approx(profit - profit + (path[step] - path[-1]))
    assert social.history["venue"].iloc[-1] == pytest.approx(-(ev["deficit"] - 1.0 - profit))
    w = social.waterfall().set_index("item")["amount"]
    assert w["socialized: clawed back from profitable accounts"] == pytest.approx(profit)
    assert w["written off by the venue"] == pytest.approx(ev["deficit"] - 1.0 - profit)

    adl = simulate_exchange(acc, path, waterfall="fund_then_adl", **base)
    assert_conserved(adl, acc)
    ev = adl.events.iloc[0]
    # the book takes only what the fund can carry; ADL closes the rest at BP
    book_q = 1.0 / (ev["bankruptcy_price"] - ev["vwap"])
    assert ev["vwap"] == pytest.approx(GAP_BOOK.shifted(path[step]).best_bid)
    assert ev["book_quantity"] == pytest.approx(book_q, rel=1e-9)
    assert ev["adl_quantity"] == pytest.approx(1.0 - book_q)
    assert ev["deficit"] == pytest.approx(1.0) and ev["from_fund"] == pytest.approx(1.0)
    assert ev["written_off"] == pytest.approx(0.0, abs=1e-9)
    row = adl.adl.iloc[0]
    assert row["counterparty"] == 1 and row["price"] == pytest.approx(ev["bankruptcy_price"])
    assert row["quantity"] == pytest.approx(1.0 - book_q)
    assert adl.accounts.iloc[1]["quantity_open"] == pytest.approx(book_q)
    assert adl.fund.iloc[-1] == pytest.approx(0.0, abs=1e-9)

    none = simulate_exchange(acc, path, waterfall="none", **base)
    assert_conserved(none, acc)
    assert none.events.iloc[0]["written_off"] == pytest.approx(none.events.iloc[0]["deficit"])
    assert none.fund.iloc[-1] == pytest.approx(1.0)


def test_negative_balance_protection_off_leaves_the_debt():
    acc = one_pair(long_lev=50.0, short_lev=2.0, isolated=False)
    path = crash(100.0, 95.0, steps=20, hold=5)
    r = simulate_exchange(
        acc, path, book=gap_book, insurance_fund=10.0, negative_balance_protection=False
    )
    assert_conserved(r, acc)
    ev = r.events.iloc[0]
    long = r.accounts.iloc[0]
    assert ev["debt_left"] > 0 and ev["from_fund"] == 0.0
    assert long["balance"] == pytest.approx(-ev["debt_left"])
    assert long["debt"] == pytest.approx(ev["debt_left"])
    assert r.fund.iloc[-1] == 10.0
    assert r.history["debts"].iloc[-1] == pytest.approx(-ev["debt_left"])
    w = r.waterfall().set_index("item")["amount"]
    assert w["left as traders' negative balances"] == pytest.approx(ev["debt_left"])


def test_surplus_feeds_the_fund_less_the_fee():
    acc = one_pair(long_lev=10.0, short_lev=2.0)
    path = crash(100.0, 85.0, steps=30)
    book = deep_book(100.0, tick=0.01, levels=100, size=10.0)
    r = simulate_exchange(
        acc, path, book=book, fee_rate=0.001, insurance_fund=0.0, maintenance=0.01
    )
    assert_conserved(r, acc)
    ev = r.events.iloc[0]
    # triggered when equity <= 1% of notional, filled near the mark: a surplus
    assert ev["vwap"] > ev["bankruptcy_price"]
    assert ev["fee"] == pytest.approx(0.001 * ev["vwap"] * ev["book_quantity"])
    assert ev["to_fund"] == pytest.approx(ev["equity_at_fill"] - ev["fee"])
    assert r.fund.iloc[-1] == pytest.approx(ev["to_fund"])
    assert r.history["fees"].iloc[-1] == pytest.approx(ev["fee"])


def test_isolated_keeps_its_free_balance_cross_backs_the_position_with_all():
    # long 1 @ 100 at 20x: isolated margin 5 (+5 outside) -> BP 95; cross: all 10 -> BP 90
    path = crash(100.0, 92.0, steps=20)
    params = {"tick": 0.01, "levels": 50, "size": 10}
    iso = one_pair(long_lev=20.0, isolated=True, extra=1.0)
    cross = one_pair(long_lev=20.0, isolated=False, extra=1.0)
    ri = simulate_exchange(iso, path, book="deep", book_params=params)
    rc = simulate_exchange(cross, path, book="deep", book_params=params)
    assert_conserved(ri, iso)
    assert_conserved(rc, cross)
    assert ri.events.iloc[0]["bankruptcy_price"] == pytest.approx(95.0)
    assert ri.accounts.iloc[0]["status"] == "liquidated"
    assert ri.accounts.iloc[0]["balance"] == pytest.approx(5.0)  # the outside half survives
    assert rc.accounts.iloc[0]["liquidations"] == 0
    assert rc.accounts.iloc[0]["equity"] == pytest.approx(10.0 - 8.0)
    rc2 = simulate_exchange(cross, crash(100.0, 85.0), book="deep", book_params=params)
    assert_conserved(rc2, cross)
    assert rc2.events.iloc[0]["bankruptcy_price"] == pytest.approx(90.0)
    assert rc2.accounts.iloc[0]["balance"] == 0.0  # cross: the whole wallet was collateral


def test_delay_makes_the_fill_worse():
    acc = one_pair(long_lev=25.0, short_lev=2.0)
    path = crash(100.0, 90.0, steps=20)
    params = {"tick": 0.01, "levels": 50, "size": 10.0}
    now = simulate_exchange(acc, path, book="deep", book_params=params, delay=0)
    late = simulate_exchange(acc, path, book="deep", book_params=params, delay=3)
    assert_conserved(now, acc)
    assert_conserved(late, acc)
    e0, e3 = now.events.iloc[0], late.events.iloc[0]
    assert e3["step"] == e0["step"] + 3 and e3["trigger_step"] == e0["trigger_step"]
    assert e3["vwap"] < e0["vwap"]
    assert e3["equity_at_fill"] < e0["equity_at_fill"]


def test_partial_liquidation_closes_a_fraction_first():
    acc = one_pair(long_lev=20.0, short_lev=2.0)
    path = crash(100.0, 94.0, steps=60)
    r = simulate_exchange(
        acc, path, liquidation="partial", partial_fraction=0.25, maintenance=0.02,
        book="deep", book_params={"tick": 0.001, "levels": 100, "size": 10.0},
    )  # fmt: skip
    assert_conserved(r, acc)
    first = r.events.iloc[0]
    assert first["kind"] == "partial"
    assert first["book_quantity"] == pytest.approx(0.25)
    assert r.events["kind"].eq("partial").sum() >= 2


def test_adl_follows_the_named_ranking():
    # shorts: A profitable with little margin (high leverage), B more margin
    acc = pd.DataFrame(
        {
            "side": ["long", "short", "short"],
            "quantity": [2.0, 1.0, 1.0],
            "entry_price": [100.0, 100.0, 100.0],
            "margin_mode": ["isolated"] * 3,
            "margin": [4.0, 5.0, 40.0],
            "balance": [4.0, 5.0, 40.0],
        }
    )
    path = crash(100.0, 97.0, steps=10)
    for ranking in ADL_RANKINGS:
        r = simulate_exchange(acc, path, book=gap_book, adl_ranking=ranking)
        assert_conserved(r, acc)
        adl = r.adl
        assert adl["quantity"].sum() > 0
        mark = adl["mark"].iloc[0]
        scores = adl_score("short", [1.0, 1.0], 100.0, mark, [5.0, 40.0], convention=ranking,
                           maintenance_margin=[0.004 * mark] * 2)  # fmt: skip
        first = adl_queue(scores)[0] + 1
        assert adl["counterparty"].iloc[0] == first


def test_results_are_dataframes_and_snapshots():
    acc = matched_population(20, leverage=(5, 60), rng=7)
    r = simulate_exchange(acc, crash(), book="thin", insurance_fund=5.0, record_states=[0, 25])
    assert_conserved(r, acc)
    for frame in (r.events, r.adl, r.history, r.accounts, r.account_states, r.waterfall()):
        assert isinstance(frame, pd.DataFrame)
    assert sorted(r.account_states["step"].unique()) == [0, 25]
    assert len(r.history) == len(crash())
    assert isinstance(r.fund, pd.Series) and r.fund.index.name == "step"
    assert not r.events.isna().any().any()


def test_tiers_and_custom_books():
    from perpmath.tiers import load_tier_table

    acc = matched_population(
        10, entry_price=96_000.0, quantity=(0.1, 2.0), leverage=(10, 100), rng=1
    )
    path = crash(96_000.0, 90_000.0)
    table = load_tier_table("binance_usdm_btcusdt", date="2021-03-18")
    r = simulate_exchange(acc, path, maintenance=table,
                          book=thin_book(96_000.0), insurance_fund=100.0)  # fmt: skip
    assert_conserved(r, acc)
    assert len(r.events) > 0


def test_bad_inputs():
    acc = one_pair()
    with pytest.raises(ValueError, match="mark_path must be finite"):
        simulate_exchange(acc, [100.0, np.nan, 90.0])
    with pytest.raises(ValueError, match="mark_path must be greater than 0"):
        simulate_exchange(acc, [100.0, -1.0])
    with pytest.raises(ValueError, match="waterfall must be one of"):
        simulate_exchange(acc, [100.0], waterfall="hope")
    with pytest.raises(ValueError, match="adl_ranking must be one of"):
        simulate_exchange(acc, [100.0], adl_ranking="coin flip")
    with pytest.raises(ValueError, match="empty table"):
        simulate_exchange(acc.iloc[:0], [100.0])
    with pytest.raises(ValueError, match="missing columns"):
        simulate_exchange(acc.drop(columns="balance"), [100.0])
    with pytest.raises(ValueError, match="side must be 'long' or 'short'"):
        simulate_exchange(acc.assign(side=["long", "flat"]), [100.0])
    with pytest.raises(ValueError, match="must not exceed its balance"):
        simulate_exchange(acc.assign(margin=[100.0, 1.0]), [100.0])
    with pytest.raises(ValueError, match="delay must be a whole number"):
        simulate_exchange(acc, [100.0], delay=-1)
    with pytest.raises(ValueError, match="book must be one of"):
        simulate_exchange(acc, [100.0], book="bottomless")
    with pytest.raises(TypeError, match="book_params must be a mapping"):
        simulate_exchange(acc, [100.0], book_params="tick=1")
    with pytest.raises(ValueError, match="book_params applies only with book given as a prof"):
        simulate_exchange(acc, [100.0], book=deep_book(100.0), book_params={"levels": 5})


def test_bad_population_and_impact_settings_are_named():
    # NumPy's messages ("not enough values to unpack", "'float' object is
    # not iterable", "truth value of an array") named none of these
    with pytest.raises(TypeError, match=r"rng must be a numpy\.random\.Generator, a whole"):
        matched_population(2, rng=1.5)
    with pytest.raises(TypeError, match="rng must be"):
        matched_population(2, rng=np.random.RandomState(1))
    with pytest.raises(ValueError, match="extra_balance must be a \\(low, high\\) pair"):
        matched_population(2, extra_balance=[])
    with pytest.raises(ValueError, match="extra_balance must be \\(low, high\\) with low <="):
        matched_population(2, extra_balance=(1.0, 0.5))
    with pytest.raises(TypeError, match="leverage_mix must be a mapping"):
        calibrated_population(2, price=100.0, leverage_mix=[10.0, 20.0])
    with pytest.raises(OverflowError, match=r"^notional_spread 1e\+300 must be of a realistic"):
        calibrated_population(2, price=100.0, notional_spread=1e300)
    with pytest.raises(ValueError, match="permanent must be a single number"):
        PriceImpact(permanent=[0.3, 0.3])
    with pytest.raises(TypeError, match="side must be 'long' or 'short' \\(one side\\)"):
        execute_liquidation(["long", "short"], 1.0, 100.0, deep_book(100.0), leverage=10.0)
    # a seed given as a generator, an int or None; the same seed, the same accounts
    pd.testing.assert_frame_equal(
        matched_population(3, rng=7), matched_population(3, rng=np.random.default_rng(7))
    )


def test_conservation_error_is_loud():
    led = Ledger(10.0)
    with pytest.raises(ConservationError):
        led.check(3, {"balances": 10.02})


def test_account_ids_name_the_ledger_rows():
    acc = one_pair(long_lev=50.0, short_lev=2.0).assign(account=[10, 3])
    r = simulate_exchange(acc, crash(100.0, 95.0, steps=20, hold=5), book=gap_book,
                          waterfall="fund_then_socialized", insurance_fund=1.0)  # fmt: skip
    assert_conserved(r, acc)
    frame = r.ledger.to_frame()
    parties = set(frame["source"]) | set(frame["target"])
    assert {"account 10", "account 3"} <= parties and "account 0" not in parties
    assert r.events["account"].iloc[0] == 10
    # the clawback is realized from the short's open profit and paid to the venue
    paid = frame[frame.reason == "socialized_loss"]
    assert paid["source"].tolist() == ["account 3"] and paid["target"].tolist() == ["venue"]
    assert paid["amount"].sum() == pytest.approx(r.accounts.iloc[1]["socialized_paid"])
    deposit = acc["balance"].iloc[1]
    assert r.ledger.net_flow(3) == pytest.approx(deposit)  # its wallet is untouched
    with pytest.raises(ValueError, match="account must hold distinct whole numbers"):
        simulate_exchange(acc.assign(account=[1, 1]), [100.0])


# --- reports free of float dust (regressions) --------------------------------
@pytest.mark.parametrize(
    ("long_q", "shorts"),
    [
        (0.3, [0.1, 0.1, 0.1]),  # ADL takes 0.1 + 0.1 + 0.09999999999999998
        (0.3, [0.3, 0.6]),  # the rest after ADL used to be -5.55e-17
        (0.3, [0.01] * 7 + [0.23]),
        (0.3, [0.1, 0.2, 5.0]),  # the third short used to be hit for 1.7e-16
    ],
)
def test_position_closed_wholly_by_adl_is_reported_at_bankruptcy(long_q, shorts):
    # empty fund, a gap in the bids: the book may not create any deficit, so ADL
    # closes the whole long against the shorts at its bankruptcy price (98)
    acc = pd.DataFrame(
        {
            "side": ["long"] + ["short"] * len(shorts),
            "quantity": [long_q, *shorts],
            "entry_price": 100.0,
            "margin_mode": "isolated",
            "margin": [long_q * 100 / 50] + [q * 100 / 2 for q in shorts],
        }
    ).assign(balance=lambda a: a["margin"])
    r = simulate_exchange(acc, crash(100.0, 95.0, steps=20, hold=5), book=gap_book)
    assert_conserved(r, acc)
    ev = r.events.iloc[0]
    assert ev["bankruptcy_price"] == pytest.approx(98.0)
    # it used to read vwap 0 with book_quantity 5.55e-17 (or -5.55e-17)
    assert ev["vwap"] == ev["bankruptcy_price"]
    assert ev["book_quantity"] == 0.0
    assert ev["adl_quantity"] == ev["quantity"] == long_q
    assert ev["deficit"] == 0.0 and ev["from_fund"] == 0.0
    # the counterparties ADL used up are closed, not left with a crumb of size,
    # and nobody is deleveraged for a crumb
    assert r.adl["quantity"].sum() == pytest.approx(long_q, rel=1e-12)
    assert (r.adl["quantity"] > 1e-9).all()
    needed = int(np.searchsorted(np.cumsum(shorts), long_q * (1 - 1e-9))) + 1
    assert r.adl["counterparty"].nunique() == needed
    closed = r.accounts.set_index("account").loc[r.adl["counterparty"].unique()]
    left = closed["quantity_open"]
    assert ((left == 0) | (left > 1e-9)).all()


@pytest.mark.parametrize("waterfall", sorted(WATERFALLS))
@pytest.mark.parametrize("fee_destination", ["fees", "insurance_fund"])
def test_waterfall_counts_each_unit_of_money_once(waterfall, fee_destination):
    # a fast fall: early liquidations fill before bankruptcy (surplus and fees),
    # later ones beyond it (deficits larger than what the fund has received)
    acc = matched_population(30, leverage=(5.0, 80.0), rng=4)
    r = simulate_exchange(
        acc, crash(100.0, 85.0, steps=4), waterfall=waterfall, book="deep", maintenance=0.02,
        fee_rate=0.005, fee_destination=fee_destination, insurance_fund=0.0,
        negative_balance_protection=waterfall != "none",
    )  # fmt: skip
    assert_conserved(r, acc)  # includes the waterfall against the ledger's totals
    w = r.waterfall().set_index("item")["amount"]
    e = r.events
    assert w["liquidation fees"] > 0 and w["surplus to insurance fund"] > 0
    if waterfall in ("fund_only", "fund_then_socialized"):
        assert w["deficits"] > w["surplus to insurance fund"] + w["liquidation fees"]
        # the fund (seeded with 0) paid out all it received, and nothing more
        assert r.fund.iloc[-1] == pytest.approx(0.0, abs=1e-9)
        income = w["surplus to insurance fund"]
        if fee_destination == "insurance_fund":
            income += w["liquidation fees"]
        assert w["paid by insurance fund"] == pytest.approx(income)
    assert w["liquidation fees"] == pytest.approx(e["fee"].sum())
    # what the fund received from liquidations is surplus + fee (fee to the fund) or
    # surplus alone: the fee used to be counted in both rows
    fund_income = e["to_fund"].sum()
    if fee_destination == "insurance_fund":
        assert w["surplus to insurance fund"] + w["liquidation fees"] == pytest.approx(fund_income)
        assert r.history["fees"].iloc[-1] == 0.0
    else:
        assert w["surplus to insurance fund"] == pytest.approx(fund_income)
        assert r.history["fees"].iloc[-1] == pytest.approx(w["liquidation fees"])


def test_write_off_is_never_negative_dust():
    # the short's open profit (entry 120) is far larger than what the fund cannot
    # pay: the pro-rata clawback recovers it all, with shares that summed to 4.4e-16
    # more than the amount, which was reported as a write-off of -4.4e-16
    acc = pd.DataFrame(
        {
            "side": ["long", "short"],
            "quantity": [1.0, 1.0],
            "entry_price": [100.0, 120.0],
            "margin_mode": "isolated",
            "margin": [2.0, 60.0],
            "balance": [2.0, 60.0],
        }
    )
    r = simulate_exchange(
        acc, crash(100.0, 95.0, steps=20, hold=5), book=gap_book,
        waterfall="fund_then_socialized", insurance_fund=0.3,
    )  # fmt: skip
    assert_conserved(r, acc)
    ev = r.events.iloc[0]
    assert ev["deficit"] > 0.3 and ev["from_fund"] == pytest.approx(0.3)
    assert (r.history["written_off"] == 0.0).all()
    w = r.waterfall().set_index("item")["amount"]
    assert w["written off by the venue"] == 0.0
    clawed = w["socialized: clawed back from profitable accounts"]
    assert clawed == pytest.approx(ev["deficit"] - 0.3)
    assert r.accounts.iloc[1]["socialized_paid"] == pytest.approx(clawed)
