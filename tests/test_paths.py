"""Seeded price paths (perpmath.paths)."""

from __future__ import annotations

import numpy as np
import pytest

from perpmath.paths import (
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
