"""Syllabus claims 4, 5, 6 and 8 (funding), checked with perpmath as course section 07 does."""

from __future__ import annotations

import numpy as np
import pytest

from perpmath.contracts import unrealized_pnl
from perpmath.funding import (
    accumulated_funding,
    funding_payment,
    funding_share_of_margin,
    holding_events,
)

MARK = 96_000.0


def test_claim_4_positive_funding_does_not_benefit_longs():
    # Claim: "Positive funding rates benefit longs." Wrong: with a positive rate longs pay.
    rate = 0.0001
    assert funding_payment("long", 1.0, MARK, rate) > 0  # positive = the trader pays
    assert funding_payment("short", 1.0, MARK, rate) < 0  # the short receives
    # with a negative rate it is the other way round
    assert funding_payment("long", 1.0, MARK, -rate) < 0


def test_claim_5_funding_is_not_computed_on_unrealized_pnl():
    # Claim: "Funding accruals are calculated on unrealized PnL." Wrong: on notional at mark.
    entries = np.array([80_000.0, 96_000.0, 110_000.0])  # winning, flat and losing longs
    pnl = unrealized_pnl("long", 1.0, entries, MARK)
    assert pnl[0] > 0 and pnl[1] == 0 and pnl[2] < 0
    paid = funding_payment("long", 1.0, MARK, 0.0001) * np.ones(3)
    np.testing.assert_allclose(paid, 1.0 * MARK * 0.0001)  # same for all three
    assert paid[1] > 0  # a position with zero PnL still pays
    # whereas a rate applied to PnL would give 0 for the flat position and a sign flip
    assert not np.allclose(paid, pnl * 0.0001)


def test_claim_6_same_per_notional_not_per_margin():
    # Claim: "Funding applies equally regardless of leverage." True per unit of notional,
    # false as a share of the margin.
    rate, settlements = 0.0001, 90  # 30 days of 8-hour funding
    notional = 10_000.0
    leverages = np.array([2.0, 10.0, 50.0])
    marks = np.full(settlements, MARK)
    total = accumulated_funding("long", notional / MARK, marks, rate)[-1]
    per_notional = np.full(3, total / notional)
    np.testing.assert_allclose(per_notional, rate * settlements)
    share = total / (notional / leverages)
    np.testing.assert_allclose(share, funding_share_of_margin(rate, leverages, settlements))
    assert share[2] == pytest.approx(25 * share[0])


def test_claim_8_perpetuals_need_no_rollover():
    # Claim: "Perpetual futures require periodic rollover." Dated futures do; perpetuals pay
    # funding instead.
    perp = holding_events(365, "perpetual")
    dated = holding_events(365, "dated", expiry_days=91)
    assert perp["rollovers"] == 0 and perp["funding_settlements"] == 3 * 365
    assert dated["rollovers"] == 4 and dated["funding_settlements"] == 0
