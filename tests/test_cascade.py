"""The cascade engine v2: price feedback, populations, ADL policies, and their figures.

- feedback: liquidation selling moves the mark below the outside price, the book
  refills at its resilience rate, and a market flow moves the price by itself;
- calibrated populations: entries spread over the run-up, no account bankrupt at
  the start, fund and depth as stated shares of open interest;
- ADL policies: every policy covers the shortfall; pro-rata haircuts never exceed
  a winner's profit (Chitra, arXiv 2512.01112: profit only, never collateral);
- the figures of section 09 and the who-pays table of 05/06/09.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from perpmath.exchange import (
    PriceImpact,
    adl_allocation,
    adl_haircuts,
    adl_queue,
    calibrated_population,
    compare_adl_policies,
    market_calibration,
    matched_population,
    simulate_exchange,
)
from perpmath.orderbook import make_book
from perpmath.paths import flash_crash_path
from perpmath.plots.case_study import plot_feedback_comparison, plot_real_replay
from perpmath.plots.protection import plot_who_pays_by_venue, who_pays_by_venue


@pytest.fixture(scope="module")
def venue():
    pop = calibrated_population(300, price=100.0, rng=4)
    settings = {"maintenance": 0.005, **market_calibration(pop, 100.0)}
    shock = flash_crash_path(100.0, 80, crash_at=20, drop=0.1, crash_steps=8, recovery=0.3)[0]
    return pop, shock, settings


def test_feedback_turns_a_shock_into_a_cascade(venue):
    pop, shock, settings = venue
    calm = simulate_exchange(pop, shock, feedback=False, **settings)
    fb = simulate_exchange(pop, shock, feedback=True, **settings)
    assert (calm.history["mark"] == shock).all() and (calm.history["impact"] == 0).all()
    assert len(fb.events) > len(calm.events)
    assert fb.history["mark"].min() < shock.min()
    # the chain: selling at a step is followed by a mark below the outside price
    chain = fb.cascade()
    sold_at = chain.index[chain["sold"] > 0]
    assert (chain.loc[sold_at[0] + 1 :, "impact"].min()) < 0
    assert list(chain.columns) == [
        "step", "shock", "mark", "impact", "triggered", "liquidations", "sold", "bought",
        "next_triggered",
    ]  # fmt: skip
    np.testing.assert_array_equal(chain["next_triggered"].iloc[:-1], chain["triggered"].iloc[1:])


def test_resilience_refills_the_book_and_market_flow_moves_the_price():
    # one long far from liquidation; an outside seller sells 50 coin at step 1
    acc = matched_population(1, leverage=(2.0, 2.0), rng=1)
    path = np.full(12, 100.0)
    flow = np.zeros(12)
    flow[1] = -50.0
    params = {"tick": 0.1, "levels": 200, "size": 10.0}
    slow = simulate_exchange(acc, path, book="deep", book_params=params, market_flow=flow,
                             feedback=PriceImpact(resilience=0.1, permanent=0.0,
                                                  mark_smoothing=1.0))  # fmt: skip
    fast = simulate_exchange(acc, path, book="deep", book_params=params, market_flow=flow,
                             feedback=PriceImpact(resilience=0.9, permanent=0.0,
                                                  mark_smoothing=1.0))  # fmt: skip
    s, f = slow.history.set_index("step"), fast.history.set_index("step")
    # 50 coin take the 5 best bid levels of 10 coin: the mid falls by half of 5 ticks
    assert s.at[1, "mark"] == pytest.approx(100.0 - 0.25)
    assert s.at[1, "mark"] < 100.0 and s.at[1, "mark"] == pytest.approx(f.at[1, "mark"])
    # a resilient book refills faster: its mark is back nearer 100 one step later
    assert f.at[2, "mark"] > s.at[2, "mark"]
    assert s.at[11, "mark"] > s.at[2, "mark"]
    # without permanent impact the index stays the outside price
    assert (s["index"] == 100.0).all()
    with pytest.raises(ValueError, match="permanent must lie in"):
        PriceImpact(permanent=-0.1)
    with pytest.raises(ValueError, match="mark_smoothing must be greater than 0"):
        PriceImpact(mark_smoothing=0.0)


def test_calibrated_population_is_solvent_at_the_start(venue):
    pop, _, settings = venue
    assert len(pop) == 600 and set(pop["side"]) == {"long", "short"}
    assert pop["entry_price"].nunique() > 100 and pop["entry_price"].min() < 85.0
    signed = np.where(pop["side"] == "long", 1.0, -1.0) * pop["quantity"]
    assert abs(signed.sum()) < 1e-9
    # nobody is at or below maintenance before the shock
    upnl = signed * (100.0 - pop["entry_price"])
    at_risk = np.where(pop["margin_mode"] == "isolated", pop["margin"], pop["balance"])
    assert (at_risk + upnl > 0.005 * pop["quantity"] * 100.0).all()
    oi = pop.loc[pop["side"] == "long", "quantity"].sum()
    assert settings["insurance_fund"] == pytest.approx(0.01 * oi * 100.0)
    book = make_book("thinning", 100.0, **settings["book_params"])
    assert book.depth("bid", within=0.01) == pytest.approx(0.01 * oi, rel=0.06)
    with pytest.raises(ValueError, match="leverage_mix must hold at least one"):
        calibrated_population(2, price=100.0, leverage_mix={})
    with pytest.raises(ValueError, match="n_pairs must be a whole number"):
        calibrated_population(np.inf, price=100.0)
    with pytest.raises(ValueError, match="levels must be a whole number"):
        market_calibration(pop, 100.0, levels=np.nan)


def test_adl_policies_cover_the_shortfall_from_profits_only():
    # section 06's five shorts at a mark of 88,000; a long of 1.2 bankrupt at 89,000
    q = [1.0, 0.5, 2.0, 0.2, 1.5]
    entry = [96_000, 95_000, 92_000, 97_000, 90_000]
    margin = [9_600, 950, 36_800, 388, 2_700]
    table = compare_adl_policies("short", q, entry, 88_000.0, margin, bankrupt_quantity=1.2,
                                 bankruptcy_price=89_000.0)  # fmt: skip
    assert table["covered"].all()
    np.testing.assert_allclose(table["haircut"].astype(float), 1.2 * 1_000.0)
    pro = ["pro_rata", "levered_pro_rata", "risk_aware_pro_rata"]
    assert (table.loc[pro, "notional closed"] == 0).all()
    lev_hit = table["leverage of those hit (haircut-weighted)"].astype(float)
    assert lev_hit["risk_aware_pro_rata"] > lev_hit["levered_pro_rata"] > lev_hit["pro_rata"]
    profit = np.array(q) * (np.array(entry) - 88_000)
    cut = adl_haircuts(1_200.0, profit, policy="pro_rata")
    np.testing.assert_allclose(cut, 1_200.0 * profit / profit.sum())
    # a shortfall beyond all profit: every profit is taken, no more
    np.testing.assert_allclose(adl_haircuts(1e9, profit), profit)
    lev = np.array([10.0, 1.0, 1.0, 1.0, 1.0])
    risky = adl_haircuts(1_200.0, profit, policy="risk_aware_pro_rata", leverage=lev)
    assert risky.sum() == pytest.approx(1_200.0) and (risky <= profit + 1e-9).all()
    assert risky[0] / profit[0] > cut[0] / profit[0]
    with pytest.raises(ValueError, match="leverage is needed"):
        adl_haircuts(1.0, profit, policy="risk_aware_pro_rata")
    with pytest.raises(ValueError, match="policy must be one of"):
        adl_haircuts(1.0, profit, policy="lottery")


def test_risk_aware_pro_rata_reproduces_chitra_appendix_e1():
    # T. Chitra, arXiv 2512.01112, Appendix E.1 "RAP Weighting Example": winners A, C, E
    # with equities (1.2613, 5.6214, 0.8397) and effective leverages (1.031, 0.925,
    # 1.548); pro-rata shares (0.163, 0.728, 0.109); RAP shares with g linear
    # (0.164, 0.589, 0.246), g = l^2 (0.155, 0.498, 0.348), CVaR g = (l - 0.9)+
    # (0.149, 0.114, 0.737). The paper haircuts equity there; the rule is the same
    # whatever the winners' capacity is, so the equities are passed as the capacity.
    e = np.array([1.2613, 5.6214, 0.8397])
    lam = np.array([1.031, 0.925, 1.548])
    budget = 0.1  # small enough that no winner is capped
    cases = {
        ("pro_rata", "linear", 2.0, 1.0): (0.163, 0.728, 0.109),
        ("risk_aware_pro_rata", "linear", 2.0, 1.0): (0.164, 0.589, 0.246),
        ("risk_aware_pro_rata", "power", 2.0, 1.0): (0.155, 0.498, 0.348),
        ("risk_aware_pro_rata", "cvar", 2.0, 0.9): (0.149, 0.114, 0.737),
    }
    for (policy, model, c, t), shares in cases.items():
        cut = adl_haircuts(budget, e, policy=policy, leverage=lam, risk_model=model, power=c,
                           threshold=t)  # fmt: skip
        assert cut.sum() == pytest.approx(budget)
        np.testing.assert_allclose(cut / budget, shares, atol=1e-3)  # inputs rounded as printed
    # capped: a budget near all the capacity takes everything from the riskiest first
    cut = adl_haircuts(7.0, e, policy="risk_aware_pro_rata", leverage=lam)
    assert cut.sum() == pytest.approx(7.0) and (cut <= e + 1e-12).all()
    assert cut[2] == pytest.approx(e[2])
    with pytest.raises(ValueError, match="risk_model must be one of"):
        adl_haircuts(1.0, e, policy="risk_aware_pro_rata", leverage=lam, risk_model="var")
    with pytest.raises(ValueError, match="leverage must have one value per profit"):
        adl_haircuts(1.0, e, policy="levered_pro_rata", leverage=[1.0, 2.0])
    with pytest.raises(ValueError, match="entry_price must have one value per quantity"):
        compare_adl_policies("short", [1.0, 2.0], [1.0, 2.0, 3.0], 1.0, [1.0],
                             bankrupt_quantity=1.0, bankruptcy_price=1.1)  # fmt: skip


def test_issue_14_bad_inputs_in_adl():
    with pytest.raises(ValueError, match="scores must have one value per size"):
        adl_allocation(1, [1, 2], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="scores must have one value per size"):
        adl_allocation(1, [1, 2], [])
    with pytest.raises(ValueError, match="pnl must be finite"):
        adl_queue([0.5, 0.1, 0.3], pnl=[1, np.nan, 1])
    with pytest.raises(ValueError, match="pnl must have one value per score"):
        adl_queue([0.5, 0.1, 0.3], pnl=[1, 1])


def test_section_09_figures_and_who_pays(venue):
    pop, shock, settings = venue
    runs = {r: simulate_exchange(pop, shock, rules=r, feedback=True, **settings)
            for r in ("binance", "hyperliquid", "dydx")}  # fmt: skip
    for fig in (
        plot_feedback_comparison(runs, step_minutes=1.0),
        plot_real_replay(
            pd.date_range("2025-10-10", periods=shock.size, freq="5min"), shock, runs["binance"]
        ),
        plot_who_pays_by_venue(runs),
    ):
        assert isinstance(fig, Figure) and fig._suptitle.get_text()
        assert all(ax.get_xlabel() or ax.get_ylabel() for ax in fig.axes)
    table = who_pays_by_venue(runs)
    assert list(table.columns) == ["binance", "hyperliquid", "dydx"]
    assert table.at["margin the liquidated kept", "binance"] == 0
    with pytest.raises(ValueError, match="one value per step"):
        plot_real_replay([1, 2], [100.0, 99.0], runs["binance"])
    with pytest.raises(ValueError, match="results must map"):
        plot_feedback_comparison({})


def test_integer_arguments_refuse_inf_and_nan():
    from perpmath.orderbook import deep_book
    from perpmath.plots.protection import plot_adl_victims

    r = simulate_exchange(matched_population(1, rng=1), [100.0, 99.0])
    for bad in (np.inf, np.nan, 2.5, 0):
        with pytest.raises(ValueError, match="levels must be a whole number"):
            deep_book(100.0, levels=bad)
        with pytest.raises(ValueError, match="top must be a whole number"):
            plot_adl_victims(r, top=bad)
    assert isinstance(plot_adl_victims(r, top=3.0), Figure)
