"""Liquidation map: a histogram of where open positions would be liquidated.

Data sites publish estimates of how much notional would be force-closed if
the price reached each level, built from open interest and the leverage
traders typically use; CoinGlass calls its price histogram a "liquidation
map" and its price-by-time picture a "liquidation heatmap". What is computed
here is the histogram: for an explicit population (arrays of sides, entry
prices, leverages and sizes) each position's liquidation price comes from
``perpmath.liquidation.liquidation_price``, and the notional that would be
liquidated (quantity x liquidation price) is summed per price bin, longs
(liquidated by falls) and shorts (by rises) separately.

Only live positions belong on the map. Given the current ``price``, a long
whose liquidation price is at or above it, or a short whose liquidation
price is at or below it, would already have been liquidated: it is counted
in ``already_liquidated`` and left out of the bins, so every long bar lies
below the price and every short bar above it.

Vectorized: a million positions take a fraction of a second (see
``benchmarks/bench_liquidation_map.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from perpmath import _validate as v
from perpmath.tiers import TierTable

__all__ = ["LiquidationMap", "liquidation_map", "random_population"]


@dataclass(frozen=True)
class LiquidationMap:
    """Notional (USDT) that live positions would have liquidated per price bin.

    ``edges`` (n + 1 prices) and ``long``/``short`` (n sums). ``live`` marks
    the positions on the map (all of them when no ``price`` was given);
    ``already_liquidated`` counts the others, ``outside`` the live positions
    whose liquidation price fell outside the bins. ``liquidation_prices``
    holds every position's liquidation price, ``price`` the current price
    (or None).
    """

    edges: NDArray[np.float64]
    long: NDArray[np.float64]
    short: NDArray[np.float64]
    outside: int
    liquidation_prices: NDArray[np.float64]
    live: NDArray[np.bool_]
    already_liquidated: int
    price: float | None

    @property
    def centers(self) -> NDArray[np.float64]:
        """Middle price of each bin."""
        return (self.edges[:-1] + self.edges[1:]) / 2

    @v.no_overflow
    def to_frame(self) -> pd.DataFrame:
        """One row per bin: low, high, long and short notional (USDT)."""
        return pd.DataFrame(
            {
                "low": self.edges[:-1],
                "high": self.edges[1:],
                "long_notional": self.long,
                "short_notional": self.short,
            }
        )


def _side_signs(sides: ArrayLike) -> NDArray[np.float64]:
    if isinstance(sides, str):
        return np.asarray(v.side_sign(sides), dtype=float)
    arr = np.asarray(sides)
    if arr.dtype.kind in "USO" and arr.ndim > 0:
        # fast path: exact lower-case names compare element-wise in C
        is_long = arr == "long"
        if np.all(is_long | (arr == "short")):
            return np.where(is_long, 1.0, -1.0)
    if arr.dtype.kind in "US":
        low = np.char.lower(np.char.strip(arr.astype(str)))
        ok = (low == "long") | (low == "short")
        if not ok.all():
            i = int(np.argmax(~ok.ravel()))
            raise ValueError(
                f"sides must be 'long' or 'short', got {arr.ravel()[i]!r} at index {i}"
            )
        return np.where(low == "long", 1.0, -1.0)
    return np.asarray(v.side_sign(arr), dtype=float)


@v.no_overflow
def liquidation_map(
    sides: ArrayLike,
    entries: ArrayLike,
    leverages: ArrayLike,
    sizes: ArrayLike,
    *,
    price: float | None = None,
    bins: int | ArrayLike = 60,
    price_range: tuple[float, float] | None = None,
    maintenance: TierTable | ArrayLike | None = 0.004,
    convention: str | None = None,
) -> LiquidationMap:
    """Histogram of the liquidation prices of the live positions of a population.

    ``sides`` ('long'/'short'), ``entries`` (USDT), ``leverages`` and
    ``sizes`` (quantity in coin) broadcast together. ``price`` (USDT), the
    current price, removes the positions it would already have liquidated.
    ``bins`` is a number of equal bins over ``price_range`` (default: the
    range of the live liquidation prices) or an increasing array of edges.
    Each live position adds quantity x liquidation price (USDT) to its bin.
    Liquidation prices:
    ``perpmath.liquidation.liquidation_price`` (Binance USDⓈ-M isolated form,
    ``maintenance`` a rate or a TierTable; or a venue's rules with
    ``convention=`` and ``maintenance=None``).
    """
    from perpmath.liquidation import liquidation_price

    s = _side_signs(sides)
    e = v.positive("entries", entries)
    lev = v.leverage(leverages, "leverages")
    q = v.positive("sizes", sizes)
    v.broadcastable(sides=s, entries=e, leverages=lev, sizes=q)
    if maintenance is not None and not isinstance(maintenance, TierTable):
        v.scalar("maintenance", v.in_range("maintenance", maintenance, 0.0, 1.0))
    s, e, lev, q = (np.ravel(a) for a in np.broadcast_arrays(s, e, lev, q))
    if s.size == 0:
        raise ValueError("the population is empty: give at least one position")
    lp = np.empty(s.size)
    for sign, name in ((1.0, "long"), (-1.0, "short")):
        mask = s == sign
        if mask.any():
            lp[mask] = liquidation_price(
                name, e[mask], lev[mask], q[mask], maintenance=maintenance, convention=convention
            )
    if price is None:
        live = np.ones(s.size, dtype=bool)
        now = None
    else:
        now = v.scalar("price", v.positive("price", price))
        live = np.where(s > 0, lp < now, lp > now)
        if not live.any():
            raise ValueError(
                f"price {now:,.2f} has already liquidated every position of the population"
            )
    edges = _edges(bins, price_range, lp[live])
    notional = q * lp
    inside = (lp >= edges[0]) & (lp <= edges[-1])
    longs, shorts = live & (s > 0), live & (s < 0)
    long_n, _ = np.histogram(lp[longs], edges, weights=notional[longs])
    short_n, _ = np.histogram(lp[shorts], edges, weights=notional[shorts])
    return LiquidationMap(
        edges=edges,
        long=long_n.astype(float),
        short=short_n.astype(float),
        outside=int((live & ~inside).sum()),
        liquidation_prices=lp,
        live=live,
        already_liquidated=int((~live).sum()),
        price=now,
    )


@v.no_overflow
def random_population(
    n: int,
    *,
    seed: int | np.random.Generator,
    price: float = 96_000.0,
    entry_spread: float = 0.03,
    leverages: ArrayLike = (2, 3, 5, 10, 20, 25, 50, 75, 100),
    leverage_weights: ArrayLike | None = (5, 5, 15, 25, 20, 10, 12, 4, 4),
    long_share: float = 0.55,
    median_notional: float = 5_000.0,
    notional_sigma: float = 1.5,
) -> pd.DataFrame:
    """A reproducible population of positions around ``price``.

    Entries are log-normal around ``price`` (relative spread
    ``entry_spread``), leverages drawn from ``leverages`` with
    ``leverage_weights``, sides long with probability ``long_share``, and
    notionals log-normal with median ``median_notional`` USDT (sizes =
    notional / entry). Columns: side, entry, leverage, size, notional.
    A modeling choice for teaching, not exchange data; all randomness comes
    from ``seed`` (an int or a ``numpy.random.Generator``).
    """
    n = v.integer("n", n, 1, 100_000_000)
    if isinstance(seed, np.random.Generator):
        rng = seed
    else:
        rng = np.random.default_rng(v.integer("seed", seed, minimum=0))
    p = v.scalar("price", v.positive("price", price))
    spread = v.scalar("entry_spread", v.non_negative("entry_spread", entry_spread))
    levs = v.leverage(leverages, "leverages")
    if levs.ndim != 1 or levs.size == 0:
        raise ValueError("leverages must be a non-empty list of leverages")
    if leverage_weights is None:
        probs = np.full(levs.size, 1 / levs.size)
    else:
        w = v.non_negative("leverage_weights", leverage_weights)
        if w.shape != levs.shape or w.sum() <= 0:
            raise ValueError("leverage_weights must have one weight per leverage, not all 0")
        probs = w / w.sum()
    share = v.scalar(
        "long_share", v.in_range("long_share", long_share, 0.0, 1.0, high_inclusive=True)
    )
    med = v.scalar("median_notional", v.positive("median_notional", median_notional))
    sigma = v.scalar("notional_sigma", v.non_negative("notional_sigma", notional_sigma))
    for name, width in (("entry_spread", spread), ("notional_sigma", sigma)):
        if width > 10:  # a log-normal spread of e^10 already spans 9 orders of magnitude
            raise ValueError(f"{name} must be at most 10 (a log-normal spread), got {width!r}")
    entry = p * np.exp(rng.normal(0.0, spread, n))
    lev = rng.choice(levs, size=n, p=probs)
    side = np.where(rng.random(n) < share, "long", "short")
    notional = med * np.exp(rng.normal(0.0, sigma, n))
    return pd.DataFrame(
        {
            "side": side,
            "entry": entry,
            "leverage": lev,
            "size": notional / entry,
            "notional": notional,
        }
    )


def _edges(
    bins: int | ArrayLike, price_range: ArrayLike | None, live_prices: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Bin edges: ``bins`` equal bins over ``price_range`` (default: the range of the
    live liquidation prices), or ``bins`` itself, an increasing array of edges."""
    if isinstance(bins, int | np.integer | bool | str | float) or bins is None:
        n = v.integer("bins", bins, 1, 1_000_000)
        if price_range is None:
            low, high = float(live_prices.min()), float(live_prices.max())
            if high <= low:
                low, high = low * 0.999, high * 1.001
        else:
            pair = v.positive("price_range", price_range)
            if pair.shape != (2,):
                raise ValueError(f"price_range must be (low, high), got {price_range!r}")
            low, high = float(pair[0]), float(pair[1])
            if high <= low:
                raise ValueError(
                    f"price_range must be (low, high) with low < high, got {price_range}"
                )
        edges = np.linspace(low, high, int(n) + 1)
    else:
        edges = v.positive("bins", bins)
        if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
            raise ValueError("bins given as edges must be an increasing array of 2 or more prices")
    return edges
