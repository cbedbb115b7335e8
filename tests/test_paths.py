"""Seeded price paths (perpmath.paths)."""

from __future__ import annotations

import numpy as np
import pytest

from perpmath.paths import (
    add_jumps,
    flash_crash_path,
    gbm_log_increments,
    gbm_paths,
    jump_diffusion_paths,
    merton_jump_compensator,
    time_grid,
)


def test_gbm_shape_start_and_reproducibility():
    a = gbm_paths(96_000.0, 0.6, 7, 168, 50, np.random.default_rng(7))
    b = gbm_paths(96_000.0, 0.6, 7, 168, 50, np.random.default_rng(7))
    assert a.shape == (50, 169)
    assert np.all(a[:, 0] == 96_000.0)
    np.testing.assert_array_equal(a, b)
    assert time_grid(7, 168).shape == (169,)
    assert time_grid(7, 168)[-1] == 7.0


def test_gbm_mean_and_log_variance():
    # E[S_T] = s0 exp(mu T) and Var[ln S_T] = sigma^2 T for GBM; checked within 4 standard errors
    n, sigma, mu, days = 40_000, 0.8, 0.2, 365
    p = gbm_paths(100.0, sigma, days, 50, n, np.random.default_rng(11), mu=mu)
    t = days / 365
    end = p[:, -1]
    assert abs(end.mean() - 100 * np.exp(mu * t)) < 4 * end.std() / np.sqrt(n)
    log_var = np.log(end / 100).var()
    assert log_var == pytest.approx(sigma**2 * t, rel=0.03)


def test_float32_increments():
    x = gbm_log_increments(0.5, 1, 10, 4, np.random.default_rng(0), dtype=np.float32)
    assert x.dtype == np.float32 and x.shape == (4, 10)


def test_jump_diffusion_is_compensated_and_fatter_tailed():
    # Merton (1976): drift lowered by intensity x k keeps E[S_T] = s0 exp(mu T)
    n = 40_000
    p = jump_diffusion_paths(
        100.0,
        0.5,
        365,
        100,
        n,
        np.random.default_rng(3),
        jump_intensity=10,
        jump_mean=-0.08,
        jump_std=0.06,
    )
    end = p[:, -1]
    assert abs(end.mean() - 100.0) < 4 * end.std() / np.sqrt(n)
    g = gbm_paths(100.0, 0.5, 365, 100, n, np.random.default_rng(3))
    r_j = np.diff(np.log(p), axis=1).ravel()
    r_g = np.diff(np.log(g), axis=1).ravel()
    kurt = lambda r: ((r - r.mean()) ** 4).mean() / r.var() ** 2  # noqa: E731
    assert kurt(r_j) > kurt(r_g) + 1
    assert merton_jump_compensator(0.0, 0.0) == 0.0
    assert merton_jump_compensator(-0.05, 0.05) == pytest.approx(np.exp(-0.05 + 0.00125) - 1)


def test_flash_crash_script():
    path = flash_crash_path(100.0, 20, crash_at=5, drop=0.2, recovery=0.5, recovery_steps=4)
    assert path.shape == (1, 21)
    np.testing.assert_allclose(path[0, :6], 100.0)
    assert path[0, 6] == pytest.approx(80.0)  # a one-step gap
    assert path[0, -1] == pytest.approx(100.0 * np.sqrt(0.8))  # half the log loss won back
    slow = flash_crash_path(100.0, 20, crash_at=5, drop=0.2, crash_steps=4, recovery=0.0)
    assert slow[0, 9] == pytest.approx(80.0) and slow[0, 7] > 80.0
    assert slow[0, -1] == pytest.approx(80.0)
    base = gbm_paths(100.0, 0.5, 1, 20, 3, np.random.default_rng(1))
    crashed = flash_crash_path(100.0, 20, crash_at=5, drop=0.2, base=base, recovery=0.0)
    np.testing.assert_allclose(crashed[:, -1], base[:, -1] * 0.8)


def test_bad_inputs():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="sigma"):
        gbm_paths(100.0, -0.1, 1, 10, 10, rng)
    with pytest.raises(ValueError, match="n_paths"):
        gbm_paths(100.0, 0.5, 1, 10, 0, rng)
    with pytest.raises(ValueError, match="n_steps"):
        gbm_paths(100.0, 0.5, 1, 2.5, 10, rng)
    with pytest.raises(ValueError, match="rng"):
        gbm_paths(100.0, 0.5, 1, 10, 10, 42)
    with pytest.raises(ValueError, match="s0"):
        gbm_paths(float("nan"), 0.5, 1, 10, 10, rng)
    with pytest.raises(ValueError, match="drop"):
        flash_crash_path(100.0, 10, crash_at=2, drop=1.2)
    with pytest.raises(ValueError, match="crash_at"):
        flash_crash_path(100.0, 10, crash_at=10, drop=0.1, crash_steps=2)
    with pytest.raises(ValueError, match="jump_std"):
        jump_diffusion_paths(100.0, 0.5, 1, 10, 10, rng, jump_std=-1)


# --- bad input that used to pass unchecked or fail unclearly -------------------------
def test_add_jumps_checks_days_and_its_increments():
    rng = np.random.default_rng(1)
    kw = dict(jump_intensity=12.0, jump_mean=-0.05, jump_std=0.05)
    with pytest.raises(ValueError, match=r"^days must be greater than 0, got 0\.0$"):
        add_jumps(np.zeros((2, 10)), 0.0, rng, **kw)
    with pytest.raises(ValueError, match=r"^days must be finite"):
        add_jumps(np.zeros((2, 10)), float("nan"), rng, **kw)  # was numpy's "lam is NaN"
    bad = np.zeros((2, 10))
    bad[1, 3] = float("nan")
    with pytest.raises(ValueError, match=r"^log_increments must be finite .* at index \(1, 3\)"):
        add_jumps(bad, 5.0, rng, **kw)
    with pytest.raises(TypeError, match=r"^log_increments must be a 2-D NumPy array of floats"):
        add_jumps([[0.0, 0.0]], 5.0, rng, **kw)


def test_counts_given_inf_or_nan_are_value_errors_not_overflow():
    rng = np.random.default_rng(1)
    for bad in (float("inf"), float("nan")):
        with pytest.raises(ValueError, match=r"^n_steps must be a whole number of at least 1"):
            gbm_paths(100.0, 0.5, 1, bad, 10, rng)
    assert gbm_paths(100.0, 0.5, 1, 10.0, 3, rng).shape == (3, 11)  # a whole float is a count


def test_absurd_magnitudes_raise_a_clear_overflow_error():
    rng = np.random.default_rng(1)
    with pytest.raises(OverflowError, match=r"^sigma 1e\+300, mu 0 and days 1 give a log-price"):
        gbm_paths(100.0, 1e300, 1, 10, 3, rng)
    with pytest.raises(OverflowError, match=r"jump_mean 1e\+300 and jump_std 0\.05"):
        jump_diffusion_paths(100.0, 0.5, 1, 10, 3, rng, jump_mean=1e300)
    with pytest.raises(TypeError, match=r"^dtype must be numpy\.float32 or numpy\.float64"):
        gbm_log_increments(0.5, 1, 10, 3, rng, dtype="half")
