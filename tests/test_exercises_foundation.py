"""Exercises of sections 01-04, 07 and 08: answers that agree with a hand computation.

The checks every exercise of the course passes (solutions accepted, wrong answers refused
with a hint, predictions recorded then revealed, each kind in every section) are in
test_exercises_framework.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from perpmath.exercises import _REGISTRY


def test_spot_values():
    # hand-checked: 1,000 USDT at 10x from 96,000 to 99,000 -> +312.50 USDT
    assert _REGISTRY["spot-1"].solve() == pytest.approx(1_312.5)
    # 96,000 x (1/96,000 - 1/80,000) = 1 - 1.2 = -0.2 BTC
    assert _REGISTRY["spot-2"].solve() == pytest.approx(-0.2)
    # a long and a short of the same size that both survive: the two margins
    assert _REGISTRY["spot-4b"].solve() == pytest.approx(2_000.0)


def test_leverage_and_margin_values():
    # 25 x 2% = 50%; a 40% loss needs 0.4 / 0.6 = 66.7%
    assert _REGISTRY["leverage-1"].solve() == pytest.approx(0.5)
    assert _REGISTRY["leverage-2"].solve() == pytest.approx(2 / 3)
    # 1/L > 5% up to 20x, but with 0.4% maintenance 19x leaves 4.88%: 18x is the highest
    assert _REGISTRY["leverage-4a"].solve() == 18
    # 1,000 - 18,000 x 5% = 100 USDT
    assert _REGISTRY["leverage-4b"].solve() == pytest.approx(100.0)
    # at 50x the maintenance margin (0.4%) takes about a fifth of the 2% room
    assert _REGISTRY["leverage-predict-1"].solve() == pytest.approx(0.1968, abs=1e-4)
    # a round trip at 0.05% each way on 100,000 USDT of notional: 100 USDT of 1,000
    assert _REGISTRY["leverage-predict-2"].solve() == pytest.approx(0.10)
    # break even: P (1 - 0.0005) = 96,000 (1 + 0.0002), a move of 1.0002 / 0.9995 - 1
    assert _REGISTRY["leverage-5"].solve() == pytest.approx(1.0002 / 0.9995 - 1)
    # 2,000 - 300 (loss) - 930 (initial margin at the mark) = 770 USDT
    assert _REGISTRY["margin-1"].solve() == pytest.approx(770.0)
    # the running example's table (2024-06-28), tier 2 (50k-600k): 300,000 x 0.5% - 50 = 1,450
    assert _REGISTRY["margin-2"].solve() == pytest.approx(1_450.0)
    assert _REGISTRY["margin-3"].solve() == pytest.approx(1.25)
    # 288,000 x 0.5% - 50 = 1,390; at 85,000 (still tier 2):
    # M = 85,000 x (3 x 0.005 - 3) - 50 + 3 x 96,000 = 34,225, so 34,225 - 28,800 to add
    assert _REGISTRY["margin-5a"].solve() == pytest.approx(1_390.0)
    assert _REGISTRY["margin-5b"].solve() == pytest.approx(34_225.0 - 28_800.0)


def test_liquidation_funding_and_risk_values():
    # 20x short of 1,000 USDT: Q = 0.208333, LP = (1,000 + Q 96,000) / (Q 0.004 + Q)
    q = 1_000 * 20 / 96_000
    lp = (1_000 + q * 96_000) / (q * 0.004 + q)
    assert _REGISTRY["liquidation-1"].solve() == pytest.approx(lp)
    assert _REGISTRY["liquidation-2"].solve() == pytest.approx(96_000 * 1.05 - lp)
    # median(96,000 x (1 + 0.0001 x 4/8), 96,000 - 30, 94,000) = 95,970
    assert _REGISTRY["liquidation-3"].solve() == pytest.approx(95_970.0)
    # 2.88M USDT is tier 3 (0.65%, amount 950) of the 2024-06-28 table; cut to tier 2's
    # cap: 600,000 / LP BTC left; fee 0.5% of the rest at LP
    big_lp = (144_000 + 950 - 30 * 96_000) / (30 * 0.0065 - 30)
    assert _REGISTRY["liquidation-5a"].solve() == pytest.approx(600_000 / big_lp)
    closed = 30 - 600_000 / big_lp
    mm = 30 * big_lp * 0.0065 - 950
    assert _REGISTRY["liquidation-5b"].solve() == pytest.approx(mm - 0.005 * closed * big_lp)
    # 0.5 BTC x 96,000 x 0.03% received by the short
    assert _REGISTRY["funding-1"].solve() == pytest.approx(-14.4)
    # premium (96,300 - 96,000) / 96,000 = 0.3125%, beyond the clamp: 0.3125% - 0.05%
    assert _REGISTRY["funding-2"].solve() == pytest.approx(0.003125 - 0.0005)
    # 90 settlements x 0.01% x 25
    assert _REGISTRY["funding-3"].solve() == pytest.approx(0.225)
    # 90 x 10,000 x 0.05% = 450; margin 550: LP = (550 - Q 96,000) / (Q 0.004 - Q)
    assert _REGISTRY["funding-5a"].solve() == pytest.approx(450.0)
    q = 1_000 * 10 / 96_000
    assert _REGISTRY["funding-5b"].solve() == pytest.approx((550 - q * 96_000) / (q * 0.004 - q))
    # the short meets 16:00 (-0.089697%: pays 8.9697) and two 0.01% settlements (receives 1 + 1)
    assert _REGISTRY["funding-6"].solve() == pytest.approx(8.9697 - 2.0)
    # 5,000 x 2% / 2,400 BTC; fill 8% below the entry
    assert _REGISTRY["risk-1"].solve() == pytest.approx(100 / 2_400)
    assert _REGISTRY["risk-2"].solve() == pytest.approx(100 / 2_400 * 96_000 * 0.08)
    # 1 - exp(-(9 - 3) / 2 x 0.64)
    assert _REGISTRY["risk-3"].solve() == pytest.approx(1 - np.exp(-3 * 0.64))
    assert _REGISTRY["risk-5a"].solve() == pytest.approx(20.0)


def test_funding_6_uses_the_rates_of_the_shipped_file():
    # the solver spells out three rows of course/data's Binance funding extract
    import pandas as pd

    from perpmath.funding_schedule import funding_over_period

    csv = Path(__file__).resolve().parents[1] / "course" / "data"
    real = pd.read_csv(
        csv / "btcusdt_binance_usdm_funding_8h_crash_windows.csv", parse_dates=["timestamp_utc"]
    )
    short = funding_over_period(
        "short",
        1_000 * 10 / 96_000,
        "2021-05-19T10:00Z",
        "2021-05-20T10:00Z",
        real["timestamp_utc"],
        real["funding_rate"],
        96_000,
    )
    assert short.attrs["settlements"] == 3
    assert _REGISTRY["funding-6"].solve() == pytest.approx(short.attrs["total"])
