"""Probability of liquidation within a horizon: Monte Carlo first passage and its closed form.

A position is liquidated the first time the mark price reaches its
liquidation price (from :func:`perpmath.liquidation.liquidation_price`). For
a long that is a level below the entry, for a short one above it, so the
probability of liquidation within T days is a first-passage probability of
the log mark price.

For geometric Brownian motion the log price is X_t = nu t + sigma W_t with
nu = mu - sigma^2 / 2, and the probability that it reaches b < 0 by T is

    P = Phi((b - nu T) / (sigma sqrt T)) + exp(2 nu b / sigma^2) Phi((b + nu T) / (sigma sqrt T))

(the first-passage law of Brownian motion with drift, from the reflection
principle and a change of measure; Shreve, "Stochastic Calculus for Finance
II", 2004, chapter 7, maximum of Brownian motion with drift). The Monte Carlo here checks the price
only at the simulated steps (``monitoring="discrete"``, as a mark price
ticks) or adds the Brownian-bridge probability of a crossing between
steps (``monitoring="continuous"``, which removes the discretization bias
for GBM: the chance that a Brownian bridge from x_k to x_{k+1} crosses b is
exp(-2 (x_k - b)(x_{k+1} - b) / (sigma^2 dt)); Glasserman, "Monte Carlo
Methods in Financial Engineering", 2003, chapter 6, barrier crossings).
Jumps (Merton) make a gap through the liquidation price possible, which the
closed form ignores.

The simulation runs in chunks of paths in float32 by default, so 100,000
paths x 1,000 steps fit in memory and run in seconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from perpmath import _validate as v
from perpmath.liquidation import liquidation_price as _liquidation_price
from perpmath.paths import (
    DAYS_PER_YEAR,
    _count,
    _float_dtype,
    _generator,
    add_jumps,
    gbm_log_increments,
    merton_jump_compensator,
)
from perpmath.tiers import TierTable

__all__ = [
    "MODELS",
    "MONITORING",
    "first_passage_probability",
    "liquidation_barrier",
    "liquidation_probability",
    "liquidation_probability_closed_form",
    "liquidation_probability_grid",
    "normal_cdf",
    "sampling_error",
    "survival_curve",
]

MODELS = ("gbm", "jump")
MONITORING = ("discrete", "continuous")
_ERF = np.vectorize(math.erf, otypes=[float])


@v.no_overflow
def normal_cdf(x: ArrayLike) -> v.Float:
    """Standard normal distribution function Phi(x) = (1 + erf(x / sqrt 2)) / 2."""
    arr = v.as_float_array("x", x)
    return v.result(0.5 * (1.0 + _ERF(arr / math.sqrt(2.0))))


@v.no_overflow
def first_passage_probability(
    barrier_ratio: ArrayLike, sigma: ArrayLike, days: ArrayLike, *, mu: ArrayLike = 0.0
) -> v.Float:
    """Probability that a GBM price reaches ``barrier_ratio`` x its start within ``days``.

    With b = ln(barrier_ratio), nu = mu - sigma^2/2, T = days / 365 and
    s = sigma sqrt T:

    * b < 0 (down):  Phi((b - nu T) / s) + exp(2 nu b / sigma^2) Phi((b + nu T) / s)
    * b > 0 (up):    Phi((nu T - b) / s) + exp(2 nu b / sigma^2) Phi((-b - nu T) / s)

    A ratio of 0 is never reached (probability 0). Continuous monitoring;
    ``sigma`` and ``mu`` annualized. Source: the
    first-passage law of Brownian motion with drift (Shreve, "Stochastic
    Calculus for Finance II", 2004, chapter 7).
    """
    ratio = v.non_negative("barrier_ratio", barrier_ratio)
    sig = v.positive("sigma", sigma)
    t = v.positive("days", days) / DAYS_PER_YEAR
    m = v.as_float_array("mu", mu)
    v.broadcastable(barrier_ratio=ratio, sigma=sig, days=t, mu=m)
    if np.any(ratio == 1.0):
        raise ValueError("barrier_ratio must differ from 1 (a barrier at the start is hit at once)")
    never = ratio == 0  # a GBM price never reaches 0
    b = np.log(np.where(never, 0.5, ratio))
    nu = m - 0.5 * np.square(sig)
    st = sig * np.sqrt(t)
    down = b < 0
    sgn = np.where(down, 1.0, -1.0)
    # checked before the clips below could hide an overflow: no_overflow names the arguments
    z1 = v.not_overflowed(sgn * (b - nu * t) / st)
    z2 = v.not_overflowed(sgn * (b + nu * t) / st)
    expo = np.clip(v.not_overflowed(2.0 * nu * b / sig**2), -700.0, 700.0)
    first = np.asarray(normal_cdf(z1))
    second = np.exp(expo) * np.asarray(normal_cdf(z2))
    first, second = np.where(never, 0.0, first), np.where(never, 0.0, second)
    return v.result(np.clip(first + second, 0.0, 1.0))


@v.no_overflow
def liquidation_barrier(
    side: str,
    leverage: ArrayLike,
    *,
    maintenance: TierTable | ArrayLike = 0.004,
    entry_price: float = 96_000.0,
    quantity: ArrayLike = 1.0,
) -> v.Float:
    """Liquidation price as a multiple of the entry price (below 1 for a long, above for a short).

    From :func:`perpmath.liquidation.liquidation_price` (isolated, initial
    margin); with a flat rate it does not depend on the entry price. A long
    at 1x or less is liquidated only at a price of 0 (ratio 0), which a
    price path never reaches.
    """
    e = v.positive("entry_price", entry_price)
    lp = np.asarray(
        _liquidation_price(side, e, leverage, quantity, maintenance=maintenance), dtype=float
    )
    return v.result(lp / e)


@v.no_overflow
def liquidation_probability_closed_form(
    side: str,
    leverage: ArrayLike,
    sigma: ArrayLike,
    days: ArrayLike,
    *,
    maintenance: TierTable | ArrayLike = 0.004,
    mu: ArrayLike = 0.0,
    entry_price: float = 96_000.0,
    quantity: ArrayLike = 1.0,
) -> v.Float:
    """Closed-form probability that a GBM mark price reaches the liquidation price within ``days``.

    :func:`first_passage_probability` at the barrier of
    :func:`liquidation_barrier` (``quantity`` in coin, broadcast with
    ``leverage``: it picks the tier of a tier table). Continuous monitoring,
    no jumps, no funding.
    """
    v.broadcastable(
        leverage=v.leverage(leverage),
        sigma=v.as_float_array("sigma", sigma),
        days=v.as_float_array("days", days),
        mu=v.as_float_array("mu", mu),
        quantity=v.positive("quantity", quantity),
    )
    ratio = liquidation_barrier(
        side, leverage, maintenance=maintenance, entry_price=entry_price, quantity=quantity
    )
    return first_passage_probability(ratio, sigma, days, mu=mu)


@v.no_overflow
def sampling_error(probability: ArrayLike, n_paths: ArrayLike) -> v.Float:
    """Standard error of a Monte Carlo probability: sqrt(p (1 - p) / n)."""
    p = v.in_range("probability", probability, 0.0, 1.0, high_inclusive=True)
    n = v.positive("n_paths", n_paths)
    v.broadcastable(probability=p, n_paths=n)
    return v.result(np.sqrt(p * (1.0 - p) / n))


def _survival_counts(
    log_barriers: NDArray[np.float64],
    up: NDArray[np.bool_],
    sigma: float,
    days: float,
    n_steps: int,
    n_paths: int,
    rng: np.random.Generator,
    *,
    mu: float,
    model: str,
    jump_intensity: float,
    jump_mean: float,
    jump_std: float,
    monitoring: str,
    chunk_size: int | None,
    dtype: type,
    progress: Callable[[float], object] | None,
) -> NDArray[np.float64]:
    """Number of paths not yet liquidated after each step, shape (n_barriers, n_steps + 1)."""
    n_b = log_barriers.size
    survive = np.zeros((n_b, n_steps + 1))
    chunk = chunk_size or max(1, 8_000_000 // n_steps)
    dt = days / n_steps / DAYS_PER_YEAR
    done = 0
    while done < n_paths:
        m = min(chunk, n_paths - done)
        x = gbm_log_increments(sigma, days, n_steps, m, rng, mu=mu, dtype=dtype)
        if model == "jump":
            add_jumps(
                x,
                days,
                rng,
                jump_intensity=jump_intensity,
                jump_mean=jump_mean,
                jump_std=jump_std,
            )
        np.cumsum(x, axis=1, out=x)
        for j in range(n_b):
            b = dtype(log_barriers[j])
            if monitoring == "discrete":
                hit = x >= b if up[j] else x <= b
                first = np.where(hit.any(axis=1), hit.argmax(axis=1) + 1, n_steps + 1)
                counts = np.bincount(first, minlength=n_steps + 2)[: n_steps + 1]
                survive[j] += m - np.cumsum(counts)
            else:
                dist = (b - x) if up[j] else (x - b)
                prev = np.empty_like(dist)
                prev[:, 0] = abs(b)
                prev[:, 1:] = dist[:, :-1]
                with np.errstate(over="ignore", under="ignore"):
                    p_cross = np.exp(
                        -2.0 * np.maximum(prev, 0) * np.maximum(dist, 0) / (sigma**2 * dt)
                    )
                p_cross[(dist <= 0) | (prev <= 0)] = 1.0
                alive = np.cumprod(1.0 - p_cross, axis=1)
                survive[j, 0] += m
                survive[j, 1:] += alive.sum(axis=0)
        done += m
        if progress is not None:
            progress(done / n_paths)
    return survive


def _check_jumps(kind: str, jump_intensity: float, jump_mean: float, jump_std: float) -> None:
    """The jump parameters: checked under ``model="jump"``, left at their defaults
    under ``"gbm"`` (where they have no meaning)."""
    if kind == "gbm":
        jumps = "model='jump'"
        v.unused("jump_intensity", jump_intensity, 12.0, applies=jumps)
        v.unused("jump_mean", jump_mean, -0.05, applies=jumps)
        v.unused("jump_std", jump_std, 0.05, applies=jumps)
    else:
        v.scalar("jump_intensity", v.non_negative("jump_intensity", jump_intensity))
        merton_jump_compensator(jump_mean, jump_std)


def _run(
    side: str,
    leverage: ArrayLike,
    sigma: float,
    days: float,
    *,
    rng: np.random.Generator,
    n_paths: int,
    n_steps: int | None,
    maintenance: TierTable | ArrayLike,
    mu: float,
    entry_price: float,
    quantity: ArrayLike,
    model: str,
    jump_intensity: float,
    jump_mean: float,
    jump_std: float,
    monitoring: str,
    chunk_size: int | None,
    dtype: type,
    progress: Callable[[float], object] | None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], int, int]:
    s = v.side_sign(side)
    if not isinstance(s, float):
        raise ValueError(f"side must be a single 'long' or 'short', got {side!r}")
    sig = v.scalar("sigma", v.non_negative("sigma", sigma))
    d = v.scalar("days", v.positive("days", days))
    n_p = _count("n_paths", n_paths)
    if n_steps is None and d * 24 > 1e7:
        raise ValueError(f"days {d:g} would need {d * 24:.3g} hourly steps: pass n_steps=")
    n_s = _count("n_steps", n_steps) if n_steps is not None else max(1, round(d * 24))
    kind = v.choice("model", model, MODELS)
    mon = v.choice("monitoring", monitoring, MONITORING)
    if mon == "continuous" and sig == 0:
        raise ValueError("sigma must be greater than 0 with monitoring='continuous'")
    if chunk_size is not None:
        _count("chunk_size", chunk_size)
    _generator(rng)
    v.callback("progress", progress)
    dtype = _float_dtype(dtype)
    v.scalar("entry_price", v.positive("entry_price", entry_price))
    if not isinstance(maintenance, TierTable) and maintenance is not None:
        v.scalar("maintenance", v.in_range("maintenance", maintenance, 0.0, 1.0))
    mu = v.scalar("mu", mu)
    _check_jumps(kind, jump_intensity, jump_mean, jump_std)
    ratio = np.atleast_1d(
        np.asarray(
            liquidation_barrier(
                side, leverage, maintenance=maintenance, entry_price=entry_price, quantity=quantity
            )
        )
    )
    shape = v.broadcastable(
        leverage=v.leverage(leverage), quantity=v.positive("quantity", quantity)
    )
    with np.errstate(divide="ignore"):
        logb = np.log(ratio.ravel())  # -inf for a barrier at 0: never reached
    up = np.full(logb.shape, s < 0)
    surv = _survival_counts(
        logb,
        up,
        sig,
        d,
        n_s,
        n_p,
        rng,
        mu=mu,
        model=kind,
        jump_intensity=jump_intensity,
        jump_mean=jump_mean,
        jump_std=jump_std,
        monitoring=mon,
        chunk_size=chunk_size,
        dtype=np.dtype(dtype).type,
        progress=progress,
    )
    return surv / n_p, np.asarray(shape, dtype=int), n_s, n_p


@v.no_overflow
def liquidation_probability(
    side: str,
    leverage: ArrayLike,
    sigma: float,
    days: float,
    *,
    rng: np.random.Generator,
    n_paths: int = 10_000,
    n_steps: int | None = None,
    maintenance: TierTable | ArrayLike = 0.004,
    mu: float = 0.0,
    entry_price: float = 96_000.0,
    quantity: ArrayLike = 1.0,
    model: str = "gbm",
    jump_intensity: float = 12.0,
    jump_mean: float = -0.05,
    jump_std: float = 0.05,
    monitoring: str = "discrete",
    chunk_size: int | None = None,
    dtype: type = np.float32,
    progress: Callable[[float], object] | None = None,
) -> v.Float:
    """Monte Carlo probability that an isolated position is liquidated within ``days``.

    Simulates ``n_paths`` mark-price paths (``model="gbm"`` or ``"jump"``
    for Merton jump diffusion, see :mod:`perpmath.paths`) of ``n_steps``
    steps (default: hourly) and counts the paths whose mark reaches the
    liquidation price of :func:`liquidation_barrier` (first passage). One
    set of paths serves every leverage in ``leverage`` (common random
    numbers), so differences between leverages are not sampling noise.
    ``quantity`` (coin, broadcast with ``leverage``) sizes the position, which
    picks its tier when ``maintenance`` is a tier table.
    ``progress(fraction)`` is called after each chunk of paths. The sampling
    error is :func:`sampling_error`; without jumps and with
    ``monitoring="continuous"`` the result converges to
    :func:`liquidation_probability_closed_form`.
    """
    surv, shape, _, _ = _run(
        side,
        leverage,
        sigma,
        days,
        rng=rng,
        n_paths=n_paths,
        n_steps=n_steps,
        maintenance=maintenance,
        mu=mu,
        entry_price=entry_price,
        quantity=quantity,
        model=model,
        jump_intensity=jump_intensity,
        jump_mean=jump_mean,
        jump_std=jump_std,
        monitoring=monitoring,
        chunk_size=chunk_size,
        dtype=dtype,
        progress=progress,
    )
    return v.result((1.0 - surv[:, -1]).reshape(tuple(shape)))


@v.no_overflow
def survival_curve(
    side: str,
    leverage: ArrayLike,
    sigma: float,
    days: float,
    *,
    rng: np.random.Generator,
    n_paths: int = 10_000,
    n_steps: int | None = None,
    maintenance: TierTable | ArrayLike = 0.004,
    mu: float = 0.0,
    entry_price: float = 96_000.0,
    quantity: ArrayLike = 1.0,
    model: str = "gbm",
    jump_intensity: float = 12.0,
    jump_mean: float = -0.05,
    jump_std: float = 0.05,
    monitoring: str = "discrete",
    chunk_size: int | None = None,
    dtype: type = np.float32,
    progress: Callable[[float], object] | None = None,
) -> pd.DataFrame:
    """Share of positions not yet liquidated after t days, one column per leverage.

    Index: time in days (0 to ``days``, one row per step); columns: the
    leverages (``"5x"``, ...). Same simulation and arguments as
    :func:`liquidation_probability`, whose value is 1 minus the last row.
    """
    surv, shape, n_s, _ = _run(
        side,
        leverage,
        sigma,
        days,
        rng=rng,
        n_paths=n_paths,
        n_steps=n_steps,
        maintenance=maintenance,
        mu=mu,
        entry_price=entry_price,
        quantity=quantity,
        model=model,
        jump_intensity=jump_intensity,
        jump_mean=jump_mean,
        jump_std=jump_std,
        monitoring=monitoring,
        chunk_size=chunk_size,
        dtype=dtype,
        progress=progress,
    )
    levs = np.atleast_1d(np.broadcast_to(np.asarray(leverage, dtype=float), tuple(shape))).ravel()
    frame = pd.DataFrame(
        surv.T,
        index=pd.Index(np.linspace(0.0, float(days), n_s + 1), name="day"),
        columns=[f"{lev:g}x" for lev in levs],
    )
    return frame


@v.no_overflow
def liquidation_probability_grid(
    side: str,
    leverages: ArrayLike,
    sigmas: ArrayLike,
    days: float,
    *,
    rng: np.random.Generator,
    n_paths: int = 4_000,
    n_steps: int | None = None,
    progress: Callable[[float], object] | None = None,
    **kwargs: object,
) -> pd.DataFrame:
    """Liquidation probability within ``days`` for every leverage (rows) and volatility (columns).

    One :func:`liquidation_probability` run per volatility (the leverages
    share its paths); ``kwargs`` are passed on (model, maintenance, ...).
    """
    levs = np.atleast_1d(v.leverage(leverages, "leverages")).ravel()
    sigs = np.atleast_1d(v.non_negative("sigmas", sigmas)).ravel()
    v.scalar("days", v.positive("days", days))
    v.callback("progress", progress)
    out = np.empty((levs.size, sigs.size))
    for k, sig in enumerate(sigs):

        def part(f: float, k: int = k) -> None:
            if progress is not None:
                progress((k + f) / sigs.size)

        out[:, k] = np.atleast_1d(
            liquidation_probability(
                side,
                levs,
                float(sig),
                days,
                rng=rng,
                n_paths=n_paths,
                n_steps=n_steps,
                progress=part,
                **kwargs,  # type: ignore[arg-type]
            )
        )
    return pd.DataFrame(
        out,
        index=pd.Index([f"{x:g}x" for x in levs], name="leverage"),
        columns=pd.Index([f"{s:.0%}" for s in sigs], name="annual volatility"),
    )
