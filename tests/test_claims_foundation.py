"""Claims 2, 3 and 7 of the syllabus, tested and corrected (sections 02 and 03).

Each test states the claim as the source material makes it, checks what is
true in it, and pins down the correction the course notebooks print.
"""

from __future__ import annotations

import numpy as np
import pytest

import perpmath as pm

ENTRY = 96_000.0
MARGIN = 1_000.0
TIERS = pm.load_tier_table("binance_usdm_btcusdt", date="2021-03-18")


def _qty(leverage: float, margin: float = MARGIN) -> float:
    return margin * leverage / ENTRY


# ---------------------------------------------------------------------------
# Claim 2: "The maximum adverse move is 100% divided by leverage."
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["long", "short"])
@pytest.mark.parametrize("leverage", [10, 50, 100])
def test_claim2_one_over_leverage_is_the_distance_to_bankruptcy(side, leverage):
    assert pm.distance_to_bankruptcy(side, ENTRY, leverage) == pytest.approx(1 / leverage)


@pytest.mark.parametrize("side", ["long", "short"])
@pytest.mark.parametrize("leverage", [10, 50, 100])
def test_claim2_liquidation_comes_before_bankruptcy(side, leverage):
    qty = _qty(leverage)
    to_liq = pm.distance_to_liquidation(side, ENTRY, leverage, qty, maintenance=TIERS)
    assert 0 < to_liq < 1 / leverage
    # Independent check from the Binance isolated-margin formula
    # ("How to Calculate Liquidation Price of USDⓈ-M Futures Contracts"):
    # LP = (WB + cum - s Q EP) / (Q MMR - s Q), with the tier that holds Q x LP.
    s = 1 if side == "long" else -1
    k = TIERS.tier_index(qty * ENTRY * (1 - s / leverage))
    mmr, cum = TIERS.maintenance_rate[k], TIERS.maintenance_amount[k]
    lp = (MARGIN + cum - s * qty * ENTRY) / (qty * mmr - s * qty)
    assert to_liq == pytest.approx(abs(lp - ENTRY) / ENTRY, rel=1e-12)


def test_claim2_how_much_earlier_at_10_50_100x():
    # 1,000 USDT of margin on the Binance BTCUSDT table: the share of the
    # 1/leverage room that maintenance margin takes grows with leverage.
    earlier = {}
    for lev in (10, 50, 100):
        to_liq = pm.distance_to_liquidation("long", ENTRY, lev, _qty(lev), maintenance=TIERS)
        earlier[lev] = 1 - to_liq * lev
    assert earlier[10] == pytest.approx(0.036144578, rel=1e-6)  # 9.64% instead of 10%
    assert earlier[50] == pytest.approx(0.196787149, rel=1e-6)  # 1.61% instead of 2%
    assert earlier[100] == pytest.approx(0.447236181, rel=1e-6)  # 0.55% instead of 1%
    assert earlier[10] < earlier[50] < earlier[100]


def test_claim2_published_bybit_example():
    # Bybit Help Center, "Liquidation Price (USDT Contract)", Example 1: long
    # 1 BTC at 20,000 USDT, 50x, MMR 0.5% -> liquidation at 19,700 USDT, while
    # the bankruptcy price is 20,000 x (1 - 1/50) = 19,600: the position can
    # absorb a 1.5% move, not the 2% that "100% / leverage" promises.
    lp = pm.liquidation_price("long", 20_000, 50, 1.0, maintenance=0.005, convention="bybit_linear")
    assert lp == pytest.approx(19_700.0)
    assert pm.bankruptcy_price("long", 20_000, 50) == pytest.approx(19_600.0)
    assert (20_000 - lp) / 20_000 == pytest.approx(0.015)


# ---------------------------------------------------------------------------
# Claim 3: "A 10% drop at 10x liquidates 1,000 USDT of margin to exactly zero."
# ---------------------------------------------------------------------------


def test_claim3_ten_percent_at_10x_is_the_bankruptcy_point():
    qty = _qty(10)
    drop = ENTRY * 0.9
    assert pm.unrealized_pnl("long", qty, ENTRY, drop) == pytest.approx(-MARGIN)
    assert pm.bankruptcy_price("long", ENTRY, 10) == pytest.approx(drop)
    assert pm.margin_balance(MARGIN, pm.unrealized_pnl("long", qty, ENTRY, drop)) == (
        pytest.approx(0.0, abs=1e-9)
    )


def test_claim3_the_engine_liquidates_before_zero():
    qty = _qty(10)
    lp = pm.liquidation_price("long", ENTRY, 10, qty, maintenance=TIERS)
    assert lp == pytest.approx(86_746.98795, rel=1e-9)  # a 9.64% drop, above 86,400
    assert lp > pm.bankruptcy_price("long", ENTRY, 10)
    equity_at_lp = pm.margin_balance(MARGIN, pm.unrealized_pnl("long", qty, ENTRY, lp))
    mm_at_lp = pm.maintenance_margin(qty, lp, TIERS)
    # at the liquidation price the margin left equals the maintenance margin
    assert equity_at_lp == pytest.approx(mm_at_lp)
    assert equity_at_lp == pytest.approx(36.1446, rel=1e-4)
    # just above it the position survives, just below it is liquidated
    for price, expected in ((lp + 1.0, False), (lp - 1.0, True)):
        eq = pm.margin_balance(MARGIN, pm.unrealized_pnl("long", qty, ENTRY, price))
        mm = pm.maintenance_margin(qty, price, TIERS)
        assert pm.is_liquidatable(eq, mm, qty * price) is expected
    # along a steady fall the path engine agrees: liquidated before the 10% point
    path = ENTRY * np.linspace(1.0, 0.89, 111)
    frame = pm.spot_vs_perpetual(path, MARGIN, 10, maintenance=TIERS)
    step = frame.attrs["liquidated_at"]["long 10x"]
    assert path[step] > ENTRY * 0.9
    assert path[step] <= lp < path[step - 1]


# ---------------------------------------------------------------------------
# Claim 7: "margin ratio = margin / position value" vs "liquidation when the
# margin ratio falls to 100%": one name, two (in fact three) definitions.
# ---------------------------------------------------------------------------


def _state(price: float, leverage: float = 10.0):
    qty = _qty(leverage)
    mb = pm.margin_balance(MARGIN, pm.unrealized_pnl("long", qty, ENTRY, price))
    mm = pm.maintenance_margin(qty, price, TIERS)
    return mb, mm, qty * price


def test_claim7_margin_over_value_is_nowhere_near_100_percent_at_liquidation():
    lp = pm.liquidation_price("long", ENTRY, 10, _qty(10), maintenance=TIERS)
    mb, mm, pv = _state(lp)
    m2n = pm.margin_ratio(mb, mm, pv, "margin_to_notional")
    # at liquidation, margin / value equals the maintenance rate (0.4%), not 100%
    assert m2n == pytest.approx(0.004)
    assert pm.margin_ratio(mb, mm, pv, "maintenance_to_balance") == pytest.approx(1.0)
    assert pm.margin_ratio(mb, mm, pv, "equity_to_maintenance") == pytest.approx(1.0)


def test_claim7_directions_differ():
    # Binance's ratio (MM / MB) rises towards 100% as the price falls; OKX's
    # (MB / MM) falls towards 100%; margin / value falls towards the MMR.
    prices = ENTRY * np.array([1.0, 0.97, 0.94, 0.91])
    mb, mm, pv = _state(prices)
    binance = pm.margin_ratio(mb, mm, pv, "maintenance_to_balance")
    okx = pm.margin_ratio(mb, mm, pv, "equity_to_maintenance")
    m2n = pm.margin_ratio(mb, mm, pv, "margin_to_notional")
    assert np.all(np.diff(binance) > 0)
    assert np.all(np.diff(okx) < 0)
    assert np.all(np.diff(m2n) < 0)
    # at entry: 10x means margin / value = 10%, MM / MB = 4%, MB / MM = 25
    assert m2n[0] == pytest.approx(0.10)
    assert binance[0] == pytest.approx(0.04)
    assert okx[0] == pytest.approx(25.0)


def test_claim7_conversion_round_trip_and_same_verdict():
    prices = ENTRY * np.linspace(0.85, 1.0, 31)
    mb, mm, pv = _state(prices)
    ok = mb > 0
    mb, mm, pv = mb[ok], mm[ok], pv[ok]
    names = list(pm.MARGIN_RATIO_DEFINITIONS)
    verdicts = [pm.is_liquidatable(mb, mm, pv, definition=n) for n in names]
    for other in verdicts[1:]:
        assert np.array_equal(verdicts[0], other)
    for a in names:
        ra = pm.margin_ratio(mb, mm, pv, a)
        for b in names:
            rb = pm.convert_margin_ratio(ra, a, b, maintenance_margin=mm, position_value=pv)
            assert np.allclose(rb, pm.margin_ratio(mb, mm, pv, b))
