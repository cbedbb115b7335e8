"""Leveraged tokens: a fund rebalanced to a fixed leverage, and the volatility drag it suffers.

A leveraged token (or leveraged ETF) with target leverage L resets its
exposure every period (daily for most products), so over one period its
net asset value moves L times the index return:

    NAV_{k+1} = NAV_k x (1 + L r_k),   r_k = S_{k+1} / S_k - 1

Over many periods this compounds differently from L times the index return:
in a market that ends where it started but moves in between, the NAV
falls. Avellaneda and Zhang ("Path-Dependence of Leveraged ETF Returns",
SIAM J. Financial Math. 1, 2010, 586-603) give, for small steps,

    NAV_T / NAV_0 ~ (S_T / S_0)^L x exp(-(L^2 - L) / 2 x V_T)

with V_T the realised variance of log returns over [0, T] (sigma^2 T for a
constant volatility). Fees and the funding the token pays on its
perpetual hedge are left out. A real product also rebalances early after a
large intraday move; the model here floors the NAV at 0 instead.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from perpmath import _validate as v
from perpmath.paths import DAYS_PER_YEAR

__all__ = [
    "avellaneda_zhang_ratio",
    "leveraged_token_nav",
    "realized_variance",
    "volatility_drag",
]


def _paths(prices: ArrayLike) -> NDArray[np.float64]:
    p = v.positive("prices", prices)
    if p.ndim == 0 or p.shape[-1] < 2:
        raise ValueError(
            f"prices must hold at least two prices along the last axis, got {prices!r}"
        )
    return p


def _lev(leverage: ArrayLike) -> NDArray[np.float64]:
    lev = v.as_float_array("leverage", leverage)
    if np.any(lev == 0):
        raise ValueError("leverage must not be 0 (use a negative leverage for an inverse token)")
    return lev


@v.no_overflow
def leveraged_token_nav(prices: ArrayLike, leverage: ArrayLike, nav0: float = 1.0) -> v.Float:
    """NAV of a token rebalanced to ``leverage`` at every price step (last axis = time).

    NAV_0 = nav0, NAV_{k+1} = NAV_k x max(0, 1 + L r_k). Negative leverage
    gives an inverse token (e.g. -3 for "3x short"). Same shape as
    ``prices`` (broadcast with ``leverage`` as ``leverage[..., None]`` if
    you pass several). Source: Avellaneda and Zhang (2010), the daily reset.
    """
    p = _paths(prices)
    lev = _lev(leverage)
    start = v.scalar("nav0", v.positive("nav0", nav0))
    r = p[..., 1:] / p[..., :-1] - 1.0
    growth = np.maximum(0.0, 1.0 + lev[..., None] * r if lev.ndim else 1.0 + lev * r)
    out = np.concatenate([np.ones((*growth.shape[:-1], 1)), np.cumprod(growth, axis=-1)], axis=-1)
    return v.result(start * out)


@v.no_overflow
def realized_variance(prices: ArrayLike) -> v.Float:
    """Cumulative realised variance along the last axis: running sum of (ln S_{k+1} / S_k)^2."""
    p = _paths(prices)
    lr = np.diff(np.log(p), axis=-1)
    return v.result(
        np.concatenate([np.zeros((*lr.shape[:-1], 1)), np.cumsum(lr**2, axis=-1)], axis=-1)
    )


@v.no_overflow
def avellaneda_zhang_ratio(
    index_ratio: ArrayLike, leverage: ArrayLike, variance: ArrayLike
) -> v.Float:
    """Closed-form NAV_T / NAV_0 of a leveraged token (Avellaneda and Zhang, 2010).

    NAV_T / NAV_0 ~ (S_T / S_0)^L x exp(-(L^2 - L) / 2 x V)

    ``index_ratio`` = S_T / S_0, ``variance`` = realised variance of log
    returns over the period (sigma^2 x T, T in years, for constant
    volatility; or :func:`realized_variance` of the path).
    """
    ratio = v.positive("index_ratio", index_ratio)
    lev = _lev(leverage)
    var = v.non_negative("variance", variance)
    v.broadcastable(index_ratio=ratio, leverage=lev, variance=var)
    with np.errstate(under="ignore"):
        out = ratio**lev * np.exp(-(lev**2 - lev) / 2.0 * var)
    return v.result(out)  # beyond a float: no_overflow names the arguments


@v.no_overflow
def volatility_drag(leverage: ArrayLike, sigma: ArrayLike, days: ArrayLike) -> v.Float:
    """Share of NAV lost to rebalancing when the index ends where it started.

    drag = 1 - exp(-(L^2 - L) / 2 x sigma^2 x T),  T = days / 365

    Zero at L = 1 (no rebalancing needed) and at L = 0; positive for L > 1
    and for inverse tokens (L < 0). Source: Avellaneda and Zhang (2010),
    with S_T = S_0.
    """
    lev = _lev(leverage)
    sig = v.non_negative("sigma", sigma)
    t = v.non_negative("days", days) / DAYS_PER_YEAR
    v.broadcastable(leverage=lev, sigma=sig, days=t)
    k, var = (lev**2 - lev) / 2.0, sig**2 * t
    out = -np.expm1(-np.where((k == 0) | (var == 0), 0.0, k * var))
    return v.result(out)  # beyond a float: no_overflow names the arguments
