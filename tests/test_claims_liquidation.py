"""Claims 1 (liquidation part) and 2 of the syllabus, checked with perpmath.

Claim 1: "Long BTC at $96,000 with 50x; liquidation at $95,000; filled at
$94,200 in a thin book; the loss exceeds the margin."
Claim 2: "The maximum adverse move is 100% divided by leverage."
"""

from __future__ import annotations

import pytest

from perpmath.contracts import unrealized_pnl
from perpmath.liquidation import (
    bankruptcy_price,
    distance_to_bankruptcy,
    distance_to_liquidation,
    liquidation_price,
)
from perpmath.tiers import load_tier_table

TABLE = load_tier_table("binance_usdm_btcusdt", date="2021-03-18")


def test_claim1_bankruptcy_is_94080():
    # 96,000 x (1 - 1/50) = 94,080 (Bybit "Bankruptcy Price (USDT Contract)")
    assert bankruptcy_price("long", 96_000, 50) == pytest.approx(94_080.0)


def test_claim1_liquidation_is_not_95000():
    plain = liquidation_price("long", 96_000, 50, 1.0, maintenance=0.004)
    tiered = liquidation_price("long", 96_000, 50, 1.0, maintenance=TABLE)
    binance = liquidation_price("long", 96_000, 50, 1.0, convention="binance_usdm")
    for lp in (plain, tiered, binance):
        assert 94_080 < lp < 95_000
        assert 95_000 - lp > 400  # the claim is off by more than 400 USDT
    assert plain == pytest.approx(96_000 * (1 - 1 / 50) / (1 - 0.004))


def test_claim1_fill_at_94200_leaves_margin():
    quantity = 1.0
    margin = quantity * 96_000 / 50  # 1,920 USDT
    loss = -unrealized_pnl("long", quantity, 96_000, 94_200)
    assert loss == pytest.approx(1_800.0)
    assert margin - loss == pytest.approx(120.0)  # left over, before fees
    # a negative balance needs a fill below the bankruptcy price
    need = 94_200 - bankruptcy_price("long", 96_000, 50)
    assert need == pytest.approx(120.0)


@pytest.mark.parametrize("lev", [10, 50, 100])
def test_claim2_liquidation_comes_before_one_over_leverage(lev):
    mmr = 0.004
    to_bankruptcy = distance_to_bankruptcy("long", 96_000, lev)
    to_liquidation = distance_to_liquidation("long", 96_000, lev, maintenance=mmr)
    assert to_bankruptcy == pytest.approx(1 / lev)
    # isolated linear long: (1/L - m) / (1 - m); the gap is m (1 - 1/L) / (1 - m)
    assert to_liquidation == pytest.approx((1 / lev - mmr) / (1 - mmr))
    gap = to_bankruptcy - to_liquidation
    assert gap == pytest.approx(mmr * (1 - 1 / lev) / (1 - mmr))


def test_claim2_gap_grows_as_a_share_of_the_move():
    share = [
        1
        - distance_to_liquidation("long", 96_000, lev) / distance_to_bankruptcy("long", 96_000, lev)
        for lev in (10, 50, 100)
    ]
    assert share == pytest.approx([0.03614, 0.19679, 0.39759], abs=1e-4)
    assert share[0] < share[1] < share[2]
