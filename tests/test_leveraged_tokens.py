"""Leveraged tokens: daily rebalancing and volatility drag (perpmath.leveraged_tokens)."""

from __future__ import annotations

import numpy as np
import pytest

from perpmath.leveraged_tokens import (
    avellaneda_zhang_ratio,
    leveraged_token_nav,
    realized_variance,
    volatility_drag,
)
from perpmath.paths import gbm_paths


def test_rebalancing_recursion():
    # +10 % then back to the start: the 3x token gains 30 %, then loses 3 x 9.09 %
    nav = leveraged_token_nav([100.0, 110.0, 100.0], 3)
    np.testing.assert_allclose(nav, [1.0, 1.3, 1.3 * (1 - 3 / 11)])
    assert nav[-1] < 1.0  # the index is back, the token is not


def test_one_x_token_tracks_the_index():
    p = gbm_paths(100.0, 0.8, 30, 30, 10, np.random.default_rng(0))
    np.testing.assert_allclose(leveraged_token_nav(p, 1.0), p / 100.0)


def test_inverse_token_and_floor_at_zero():
    nav = leveraged_token_nav([100.0, 90.0], -2)
    assert nav[-1] == pytest.approx(1.2)
    assert leveraged_token_nav([100.0, 60.0, 70.0], 3)[-1] == 0.0


def test_avellaneda_zhang_approximates_daily_rebalancing():
    # Avellaneda & Zhang (2010): NAV_T/NAV_0 ~ (S_T/S_0)^L exp(-(L^2-L)/2 V_T); with daily steps
    # and realised variance the relative error is small for moderate volatility.
    p = gbm_paths(100.0, 0.5, 90, 90, 2_000, np.random.default_rng(4))
    for lev in (2.0, 3.0, -1.0):
        nav = leveraged_token_nav(p, lev)[:, -1]
        approx = avellaneda_zhang_ratio(p[:, -1] / p[:, 0], lev, realized_variance(p)[:, -1])
        assert np.median(np.abs(nav / approx - 1)) < 0.01


def test_volatility_drag_closed_form():
    assert volatility_drag(1.0, 0.8, 365) == 0.0
    assert volatility_drag(3.0, 0.8, 365) == pytest.approx(1 - np.exp(-3 * 0.64))
    assert volatility_drag(-1.0, 0.8, 365) == pytest.approx(volatility_drag(2.0, 0.8, 365))
    drags = volatility_drag(np.array([2.0, 3.0, 5.0]), 0.6, 30)
    assert np.all(np.diff(drags) > 0)


def test_realized_variance_is_cumulative():
    rv = realized_variance([100.0, 110.0, 100.0])
    assert rv[0] == 0.0 and rv[-1] == pytest.approx(2 * np.log(1.1) ** 2)


def test_bad_inputs():
    with pytest.raises(ValueError, match="leverage"):
        leveraged_token_nav([100.0, 101.0], 0)
    with pytest.raises(ValueError, match="prices"):
        leveraged_token_nav([100.0], 3)
    with pytest.raises(ValueError, match="prices"):
        leveraged_token_nav([100.0, -1.0], 3)
    with pytest.raises(ValueError, match="sigma"):
        volatility_drag(3, -0.1, 30)


# --- bad input that used to pass unchecked or fail unclearly -------------------------
def test_absurd_magnitudes_give_a_clear_error_and_lengths_are_named():
    with pytest.raises(OverflowError, match=r"must be of a realistic size"):
        avellaneda_zhang_ratio(1e300, 3.0, 0.01)
    assert volatility_drag(1e300, 0.8, 30) == 1.0  # the limit: everything is lost
    with pytest.raises(ValueError, match=r"^leverage and sigma must have matching lengths"):
        volatility_drag([2, 3], [0.5, 0.6, 0.7], 30)
    with pytest.raises(ValueError, match=r"^nav0 must be a single number"):
        leveraged_token_nav([100.0, 101.0], 3.0, nav0=[1.0, 2.0])
