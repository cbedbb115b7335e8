"""Simulated mark-price paths: geometric Brownian motion, jump diffusion, a scripted crash.

Every generator returns a ``(n_paths, n_steps + 1)`` array: one row per path,
column 0 the starting price and column k the price after k steps of
length ``days / n_steps``. Volatility and drift are annualised over a
365-day year (crypto trades every day). Randomness comes only from the
``numpy.random.Generator`` passed in (``numpy.random.default_rng(seed)``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from perpmath import _validate as v

__all__ = [
    "DAYS_PER_YEAR",
    "add_jumps",
    "flash_crash_path",
    "gbm_log_increments",
    "gbm_paths",
    "jump_diffusion_paths",
    "merton_jump_compensator",
    "time_grid",
]

DAYS_PER_YEAR = 365.0


def _count(name: str, value: int, minimum: int = 1) -> int:
    return v.integer(name, value, minimum)


def _generator(rng: object) -> np.random.Generator:
    what = "a numpy.random.Generator, e.g. numpy.random.default_rng(7)"
    return v.instance("rng", rng, np.random.Generator, what)


def _scalar(name: str, arr: NDArray[np.float64]) -> float:
    return v.scalar(name, arr)


def _float_dtype(dtype: object) -> type:
    """numpy.float32 or numpy.float64 (the precisions the simulations run in)."""
    try:
        kind = np.dtype(dtype)  # type: ignore[call-overload]
    except TypeError:
        kind = None
    if kind is None or kind not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise v.ArgumentTypeError(f"dtype must be numpy.float32 or numpy.float64, got {dtype!r}")
    return kind.type


def _step_terms(sig: float, m: float, d: float, n: int, dtype: type) -> tuple[float, float]:
    """Per-step volatility and drift of the log price; OverflowError if they do not fit."""
    dt = d / n / DAYS_PER_YEAR
    with np.errstate(over="ignore", invalid="ignore"):
        scale = sig * np.sqrt(dt)
        drift = (m - 0.5 * np.float64(sig) ** 2) * dt
    limit = float(np.finfo(dtype).max)
    if not (abs(scale) < limit and abs(drift) < limit):
        raise OverflowError(
            f"sigma {sig:g}, mu {m:g} and days {d:g} give a log-price step beyond "
            f"{np.dtype(dtype).name}: they must be of a realistic size"
        )
    return float(scale), float(drift)


@v.no_overflow
def time_grid(days: float, n_steps: int) -> NDArray[np.float64]:
    """Times in days of the ``n_steps + 1`` columns of a path array: 0, dt, ..., days."""
    d = _scalar("days", v.positive("days", days))
    n = _count("n_steps", n_steps)
    return np.linspace(0.0, d, n + 1)


@v.no_overflow
def gbm_log_increments(
    sigma: float,
    days: float,
    n_steps: int,
    n_paths: int,
    rng: np.random.Generator,
    *,
    mu: float = 0.0,
    dtype: type = np.float64,
) -> NDArray:
    """Log-price increments of geometric Brownian motion, shape ``(n_paths, n_steps)``.

    dlog S = (mu - sigma^2 / 2) dt + sigma sqrt(dt) Z,  Z ~ N(0, 1),
    dt = days / n_steps / 365 (years). ``dtype=numpy.float32`` halves memory
    and time for large Monte Carlo runs. Source: the exact solution of
    dS = mu S dt + sigma S dW (e.g. Glasserman, "Monte Carlo Methods in
    Financial Engineering", 2003, section 3.2).
    """
    sig = _scalar("sigma", v.non_negative("sigma", sigma))
    d = _scalar("days", v.positive("days", days))
    m = _scalar("mu", v.as_float_array("mu", mu))
    n = _count("n_steps", n_steps)
    k = _count("n_paths", n_paths)
    gen = _generator(rng)
    dtype = _float_dtype(dtype)
    scale, drift = _step_terms(sig, m, d, n, dtype)
    z = gen.standard_normal((k, n), dtype=dtype)
    z *= np.asarray(scale, dtype=dtype)
    z += np.asarray(drift, dtype=dtype)
    return z


def _prices(s0: float, log_increments: NDArray) -> NDArray[np.float64]:
    out = np.empty((log_increments.shape[0], log_increments.shape[1] + 1))
    out[:, 0] = 0.0
    np.cumsum(log_increments, axis=1, out=out[:, 1:])
    top = np.log(np.finfo(float).max / s0)
    if not np.all(np.isfinite(out)) or out.max() >= top:
        raise OverflowError(
            "the simulated prices exceed the largest float: sigma, mu, days and the jumps must "
            "be of a realistic size"
        )
    np.exp(out, out=out)
    out *= s0
    return out


@v.no_overflow
def gbm_paths(
    s0: float,
    sigma: float,
    days: float,
    n_steps: int,
    n_paths: int,
    rng: np.random.Generator,
    *,
    mu: float = 0.0,
) -> NDArray[np.float64]:
    """Geometric Brownian motion price paths, shape ``(n_paths, n_steps + 1)``.

    S_k = s0 x exp(sum of the first k log increments of
    :func:`gbm_log_increments`); ``sigma`` and ``mu`` are annualised
    (fractions), ``days`` is the horizon. E[S_T] = s0 x exp(mu T).
    """
    s = _scalar("s0", v.positive("s0", s0))
    return _prices(s, gbm_log_increments(sigma, days, n_steps, n_paths, rng, mu=mu))


@v.no_overflow
def merton_jump_compensator(jump_mean: float, jump_std: float) -> float:
    """k = E[e^J] - 1 = exp(jump_mean + jump_std^2 / 2) - 1 for normal log-jumps J.

    Subtracting intensity x k from the drift keeps E[S_T] = s0 exp(mu T)
    (Merton, "Option pricing when underlying stock returns are
    discontinuous", J. Financial Economics 3, 1976).
    """
    jm = _scalar("jump_mean", v.as_float_array("jump_mean", jump_mean))
    js = _scalar("jump_std", v.non_negative("jump_std", jump_std))
    with np.errstate(over="ignore"):
        exponent = jm + 0.5 * np.float64(js) ** 2
    if not exponent < np.log(np.finfo(float).max):
        raise OverflowError(
            f"jump_mean {jm:g} and jump_std {js:g} give an average jump factor beyond the "
            "largest float: log jump sizes must be of a realistic size"
        )
    return float(np.expm1(exponent))


@v.no_overflow
def add_jumps(
    log_increments: NDArray,
    days: float,
    rng: np.random.Generator,
    *,
    jump_intensity: float,
    jump_mean: float,
    jump_std: float,
) -> NDArray:
    """Add Merton jumps in place to GBM log increments and compensate the drift.

    The number of jumps in a path is Poisson(intensity x T), each falls in a
    uniformly chosen step and has log size N(jump_mean, jump_std^2); every
    increment is lowered by intensity x k x dt (see
    :func:`merton_jump_compensator`). ``jump_intensity`` is per year.
    """
    lam = _scalar("jump_intensity", v.non_negative("jump_intensity", jump_intensity))
    k = merton_jump_compensator(jump_mean, jump_std)
    gen = _generator(rng)
    what = "a 2-D NumPy array of floats (paths x steps), changed in place"
    v.instance("log_increments", log_increments, np.ndarray, what)
    if log_increments.ndim != 2 or log_increments.dtype.kind != "f":
        raise v.ArgumentTypeError(f"log_increments must be {what}, got {log_increments!r}")
    v.as_float_array("log_increments", log_increments)  # finite
    n_paths, n_steps = log_increments.shape
    years = _scalar("days", v.positive("days", days)) / DAYS_PER_YEAR
    if not lam * years < 1e9:
        raise ValueError(
            f"jump_intensity x days / 365 must be below 1e9 jumps per path, got {lam * years:g}"
        )
    counts = gen.poisson(lam * years, n_paths)
    total = int(counts.sum())
    if total:
        rows = np.repeat(np.arange(n_paths), counts)
        cols = gen.integers(0, n_steps, total)
        sizes = gen.normal(jump_mean, jump_std, total).astype(log_increments.dtype)
        np.add.at(log_increments, (rows, cols), sizes)
    log_increments -= np.asarray(lam * k * years / n_steps, dtype=log_increments.dtype)
    return log_increments


@v.no_overflow
def jump_diffusion_paths(
    s0: float,
    sigma: float,
    days: float,
    n_steps: int,
    n_paths: int,
    rng: np.random.Generator,
    *,
    mu: float = 0.0,
    jump_intensity: float = 12.0,
    jump_mean: float = -0.05,
    jump_std: float = 0.05,
) -> NDArray[np.float64]:
    """Merton jump-diffusion price paths, shape ``(n_paths, n_steps + 1)``.

    GBM with volatility ``sigma`` plus jumps arriving at ``jump_intensity``
    per year with normal log sizes N(jump_mean, jump_std^2), drift
    compensated so E[S_T] = s0 exp(mu T). The defaults (a jump a month,
    about -5 % each) are illustrative, not fitted. Source: Merton (1976),
    see :func:`merton_jump_compensator`.
    """
    s = _scalar("s0", v.positive("s0", s0))
    inc = gbm_log_increments(sigma, days, n_steps, n_paths, rng, mu=mu)
    add_jumps(
        inc,
        days,
        rng,
        jump_intensity=jump_intensity,
        jump_mean=jump_mean,
        jump_std=jump_std,
    )
    return _prices(s, inc)


@v.no_overflow
def flash_crash_path(
    s0: float,
    n_steps: int,
    *,
    crash_at: int,
    drop: float,
    crash_steps: int = 1,
    recovery: float = 0.5,
    recovery_steps: int = 10,
    base: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """A scripted flash crash, shape ``(n_paths, n_steps + 1)`` (one path unless ``base``).

    The price is flat at ``s0`` (or follows ``base``, an array of paths
    starting at s0) until step ``crash_at``, falls by the fraction ``drop``
    over ``crash_steps`` steps (geometrically; ``crash_steps=1`` is a gap
    between two ticks), then wins back ``recovery`` of the lost log-price over
    ``recovery_steps`` steps and stays there. Deterministic: it is a
    scenario, not a forecast.
    """
    s = _scalar("s0", v.positive("s0", s0))
    n = _count("n_steps", n_steps)
    at = _count("crash_at", crash_at, 0)
    cs = _count("crash_steps", crash_steps)
    rs = _count("recovery_steps", recovery_steps)
    dr = _scalar("drop", v.in_range("drop", drop, 0.0, 1.0))
    rec = _scalar("recovery", v.in_range("recovery", recovery, 0.0, 1.0, high_inclusive=True))
    if at + cs > n:
        raise ValueError(f"crash_at + crash_steps must be at most n_steps ({n}), got {at} + {cs}")
    depth = np.log1p(-dr)
    k = np.arange(n + 1)
    fall = np.clip((k - at) / cs, 0.0, 1.0) * depth
    back = np.clip((k - at - cs) / rs, 0.0, 1.0) * (-depth) * rec
    shape = np.exp(fall + back)
    if base is None:
        return (s * shape)[None, :]
    b = np.atleast_2d(v.positive("base", base))
    if b.shape[1] != n + 1:
        raise ValueError(f"base must have n_steps + 1 = {n + 1} columns, got {b.shape[1]}")
    return b * shape[None, :]
