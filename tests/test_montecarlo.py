"""Monte Carlo liquidation probability against the closed-form first passage."""

from __future__ import annotations

import math

import numpy as np
import pytest

from perpmath.liquidation import liquidation_price
from perpmath.montecarlo import (
    first_passage_probability,
    liquidation_barrier,
    liquidation_probability,
    liquidation_probability_closed_form,
    liquidation_probability_grid,
    normal_cdf,
    sampling_error,
    survival_curve,
)

LEVERAGES = np.array([5.0, 10.0, 20.0, 50.0])


def test_normal_cdf():
    assert normal_cdf(0.0) == 0.5
    assert normal_cdf(1.959963984540054) == pytest.approx(0.975)
    assert normal_cdf(np.array([-1.0, 1.0])).sum() == pytest.approx(1.0)


def test_closed_form_driftless_log_is_twice_the_tail():
    # With nu = mu - sigma^2/2 = 0 the reflection principle gives P = 2 Phi(b / (sigma sqrt T)).
    sigma, days, ratio = 0.6, 30.0, 0.9
    t = days / 365
    p = first_passage_probability(ratio, sigma, days, mu=sigma**2 / 2)
    assert p == pytest.approx(
        2 * 0.5 * (1 + math.erf(math.log(ratio) / (sigma * math.sqrt(t)) / math.sqrt(2)))
    )


def test_closed_form_properties():
    # further barrier, lower probability; longer horizon or higher volatility, higher
    p = first_passage_probability(np.array([0.95, 0.9, 0.8]), 0.6, 7)
    assert np.all(np.diff(p) < 0)
    assert first_passage_probability(0.9, 0.6, 30) > first_passage_probability(0.9, 0.6, 7)
    assert first_passage_probability(0.9, 0.9, 7) > first_passage_probability(0.9, 0.6, 7)
    # an up barrier (a short's liquidation) mirrors a down one under the driftless log price
    up = first_passage_probability(1 / 0.9, 0.6, 7, mu=0.18)
    down = first_passage_probability(0.9, 0.6, 7, mu=0.18)
    assert up == pytest.approx(down)


def test_barrier_uses_the_liquidation_module():
    ratio = liquidation_barrier("long", LEVERAGES)
    np.testing.assert_allclose(ratio * 96_000.0, liquidation_price("long", 96_000.0, LEVERAGES))
    assert np.all(liquidation_barrier("short", LEVERAGES) > 1)


@pytest.mark.parametrize("side", ["long", "short"])
def test_monte_carlo_matches_closed_form_within_sampling_error(side):
    # Continuous monitoring (Brownian-bridge correction) is unbiased for GBM, so the estimate
    # must lie within 4 standard errors of the closed form at this fixed seed.
    n = 20_000
    closed = liquidation_probability_closed_form(side, LEVERAGES, 0.6, 7)
    mc = liquidation_probability(
        side,
        LEVERAGES,
        0.6,
        7,
        rng=np.random.default_rng(2024),
        n_paths=n,
        n_steps=168,
        monitoring="continuous",
    )
    se = np.maximum(sampling_error(closed, n), 1e-4)
    assert np.all(np.abs(mc - closed) < 4 * se), (mc, closed, se)


def test_discrete_monitoring_misses_crossings_between_ticks():
    n = 20_000
    closed = liquidation_probability_closed_form("long", LEVERAGES, 0.6, 7)
    coarse = liquidation_probability(
        "long", LEVERAGES, 0.6, 7, rng=np.random.default_rng(5), n_paths=n, n_steps=28
    )
    fine = liquidation_probability(
        "long", LEVERAGES, 0.6, 7, rng=np.random.default_rng(5), n_paths=n, n_steps=672
    )
    assert np.all(coarse[1:] < closed[1:])
    assert np.all(fine[1:] > coarse[1:])


def test_probability_rises_with_leverage_on_common_paths():
    p = liquidation_probability(
        "long", LEVERAGES, 0.6, 7, rng=np.random.default_rng(1), n_paths=5_000
    )
    assert np.all(np.diff(p) > 0)
    assert isinstance(
        liquidation_probability("long", 10, 0.6, 7, rng=np.random.default_rng(1), n_paths=100),
        float,
    )


def test_jumps_raise_the_probability_at_low_leverage():
    common = dict(rng=None, n_paths=20_000, n_steps=168)
    gbm = liquidation_probability("long", 5, 0.5, 30, **{**common, "rng": np.random.default_rng(9)})
    jump = liquidation_probability(
        "long",
        5,
        0.5,
        30,
        model="jump",
        jump_intensity=24,
        jump_mean=-0.08,
        jump_std=0.05,
        **{**common, "rng": np.random.default_rng(9)},
    )
    assert jump > gbm


def test_survival_curve_and_progress():
    seen = []
    curve = survival_curve(
        "long",
        [10, 50],
        0.6,
        7,
        rng=np.random.default_rng(3),
        n_paths=3_000,
        n_steps=56,
        chunk_size=1_000,
        progress=seen.append,
    )
    assert list(curve.columns) == ["10x", "50x"]
    assert curve.shape == (57, 2)
    assert np.all(curve.iloc[0] == 1.0)
    assert np.all(np.diff(curve.to_numpy(), axis=0) <= 0)
    assert seen == pytest.approx([1 / 3, 2 / 3, 1.0])
    p = liquidation_probability(
        "long",
        [10, 50],
        0.6,
        7,
        rng=np.random.default_rng(3),
        n_paths=3_000,
        n_steps=56,
        chunk_size=1_000,
    )
    np.testing.assert_allclose(1 - curve.iloc[-1].to_numpy(), p)


def test_grid_shape():
    grid = liquidation_probability_grid(
        "long", [5, 20], [0.4, 0.8], 7, rng=np.random.default_rng(0), n_paths=1_000, n_steps=24
    )
    assert grid.shape == (2, 2)
    assert grid.loc["20x", "80%"] > grid.loc["5x", "40%"]


def test_large_run_is_chunked_float32():
    # a smaller cousin of the benchmark: many paths in chunks, memory bounded by chunk_size
    p = liquidation_probability(
        "long",
        20,
        0.6,
        7,
        rng=np.random.default_rng(0),
        n_paths=50_000,
        n_steps=200,
        chunk_size=5_000,
    )
    assert 0.3 < p < 0.7


def test_bad_inputs():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="sigma"):
        liquidation_probability("long", 10, -0.5, 7, rng=rng)
    with pytest.raises(ValueError, match="n_paths"):
        liquidation_probability("long", 10, 0.5, 7, rng=rng, n_paths=0)
    with pytest.raises(ValueError, match="model"):
        liquidation_probability("long", 10, 0.5, 7, rng=rng, model="heston")
    with pytest.raises(ValueError, match="rng"):
        liquidation_probability("long", 10, 0.5, 7, rng=7)
    with pytest.raises(ValueError, match="leverage"):
        liquidation_probability("long", 0, 0.5, 7, rng=rng)
    with pytest.raises(ValueError, match="side"):
        liquidation_probability("up", 10, 0.5, 7, rng=rng)
    with pytest.raises(ValueError, match="barrier_ratio"):
        first_passage_probability(1.0, 0.5, 7)
    with pytest.raises(ValueError, match="sigma"):
        first_passage_probability(0.9, 0.0, 7)


def test_a_one_x_long_is_never_liquidated_by_a_price_path():
    # at 1x the liquidation price of a long is 0, which a GBM price never reaches
    assert liquidation_barrier("long", 1) == 0.0
    assert first_passage_probability(0.0, 0.6, 7) == 0.0
    p = liquidation_probability("long", [1, 10], 0.6, 7, rng=np.random.default_rng(0), n_paths=500)
    assert p[0] == 0.0 and p[1] > 0


# --- bad input that used to pass unchecked or fail unclearly -------------------------
def test_jump_parameters_under_the_gbm_model_are_refused_not_ignored():
    rng = np.random.default_rng(1)
    with pytest.raises(ValueError) as err:
        liquidation_probability("long", 10, 0.5, 7, rng=rng, n_paths=10, jump_intensity=np.nan)
    assert str(err.value) == (
        "jump_intensity applies only with model='jump'; leave it at 12.0 otherwise, got nan"
    )
    with pytest.raises(ValueError, match=r"^jump_std applies only with model='jump'"):
        liquidation_probability("long", 10, 0.5, 7, rng=rng, n_paths=10, jump_std=0.2)
    # with jumps they are used, so checked as such
    with pytest.raises(ValueError, match=r"^jump_std must be 0 or more"):
        liquidation_probability(
            "long", 10, 0.5, 7, rng=rng, n_paths=10, model="jump", jump_std=-0.2
        )


def test_simulation_options_are_checked_before_running():
    rng = np.random.default_rng(1)
    with pytest.raises(TypeError, match=r"^progress must be a function or None, got str"):
        liquidation_probability("long", 10, 0.5, 7, rng=rng, n_paths=10, progress="bar")
    with pytest.raises(ValueError, match=r"^n_paths must be a whole number of at least 1, got inf"):
        liquidation_probability("long", 10, 0.5, 7, rng=rng, n_paths=np.inf)
    with pytest.raises(ValueError, match=r"^sigma must be a single number"):
        survival_curve("long", 10, [0.5, 0.8], 7, rng=rng, n_paths=10)
    with pytest.raises(ValueError, match=r"^leverage and sigma must have matching lengths"):
        liquidation_probability_closed_form("long", [5, 10], [0.5, 0.6, 0.7], 7)


def test_quantity_sizes_the_position_and_picks_its_tier():
    # the running example's margin of 1,000 USDT: 100x is 100,000 USDT of notional, tier 2
    from perpmath.example import RUNNING_EXAMPLE as ex

    levs = np.array([10.0, 50.0, 100.0])
    qty = ex.quantity_at(levs)
    ratio = liquidation_barrier("long", levs, maintenance=ex.tiers, quantity=qty)
    np.testing.assert_allclose(ratio * 96_000, ex.liquidation_price(levs))
    closed = liquidation_probability_closed_form(
        "long", levs, 0.6, 7, maintenance=ex.tiers, quantity=qty
    )
    np.testing.assert_allclose(closed, first_passage_probability(ratio, 0.6, 7))
    a = liquidation_probability(
        "long",
        levs,
        0.6,
        7,
        rng=np.random.default_rng(3),
        n_paths=300,
        maintenance=ex.tiers,
        quantity=qty,
    )
    b = survival_curve(
        "long",
        levs,
        0.6,
        7,
        rng=np.random.default_rng(3),
        n_paths=300,
        maintenance=ex.tiers,
        quantity=qty,
    )
    np.testing.assert_allclose(a, 1 - b.iloc[-1].to_numpy())
