"""The order book the liquidation engine sells into, and how its state moves the mark.

Two modes.

**Without feedback** (``feedback=False``, the default) the mark path is
given and the book is rebuilt around each step's mark from its profile:
liquidations within one step consume it (so they thin it for each other),
but nothing they do reaches the next step's price.

**With feedback** (``feedback=True`` or a ``PriceImpact``) the given path is
the *index*: the price outside this venue (the exogenous shock). Each step:

1. index_t = shock_t x P_t, where P_t is the permanent impact accumulated so
   far (P_0 = 1);
2. the depth consumed so far refills at rate rho (resilience):
   C <- (1 - rho) x C, for bids and asks separately (coin);
3. the book's profile is laid around index_t and its best C coin per side
   are missing; mid_t = (best remaining bid + best remaining ask) / 2;
4. the scenario's own market flow of the step (``market_flow``, coin,
   negative = sells) hits the book, then the mark is
   mark_t = index_t + B_t with B_t = (1 - alpha) B_{t-1} + alpha (mid_t - index_t),
   an exponential moving average of the basis (alpha = ``mark_smoothing``);
5. liquidations trigger on mark_t and sell (buy) into what is left;
6. at the end of the step C grows by what was consumed, and a share gamma
   (``permanent``) of the move of the mid they caused becomes permanent:
   P_{t+1} = P_t x (1 + gamma x (mid_after - mid_t) / index_t), while the
   transient depletion keeps (1 - gamma) of C.

Sources. Transient impact that decays as the book refills at a resilience
rate is the model of A. Obizhaeva and J. Wang, "Optimal trading strategy and
supply/demand dynamics", Journal of Financial Markets 16 (2013) 1-32; the
permanent, linear part of impact follows A. S. Kyle, "Continuous auctions
and insider trading", Econometrica 53 (1985) 1315-1335; J.-P. Bouchaud, J.
Bonart, J. Donier and M. Gould, "Trades, Quotes and Prices" (Cambridge UP,
2018) review both and the concave (square-root) impact that a book thinning
away from the touch (the 'thinning' profile) produces. The mark as index
plus a moving average of the basis is Binance's "Price 2" of its mark price
("Mark Price and Price Index", Binance FAQ: index + moving average of the
basis). The parameters are settings of a teaching model, not estimates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from perpmath import _validate as v
from perpmath.orderbook import DEPTH_PROFILES, OrderBook, make_book

__all__ = ["Market", "PriceImpact"]


@dataclass(frozen=True)
class PriceImpact:
    """Parameters of the feedback model (see the module docstring).

    resilience: share of the consumed depth that refills per step (0..1).
    permanent: share of each step's move of the mid that stays (0..1).
    mark_smoothing: weight of the newest basis in the mark's moving average
    (1 = the mark is the mid; smaller = the mark lags the book).
    """

    resilience: float = 0.2
    permanent: float = 0.3
    mark_smoothing: float = 0.5

    def __post_init__(self) -> None:
        for name in ("resilience", "permanent", "mark_smoothing"):
            x = v.in_range(name, getattr(self, name), 0.0, 1.0, high_inclusive=True)
            v.scalar(name, x)
        if self.mark_smoothing == 0:
            raise ValueError(
                "mark_smoothing must be greater than 0, got 0.0 (the mark would freeze)"
            )


def default_book_params(profile: str, m0: float, oi: float) -> dict[str, Any]:
    """Book parameters scaled to the first mark m0 and open interest oi (coin)."""
    if profile == "deep":
        return {"tick": 0.0005 * m0, "levels": 400, "size": max(0.01 * oi, 1e-9)}
    if profile == "thin":
        return {"tick": 0.002 * m0, "levels": 200, "size": max(0.001 * oi, 1e-9)}
    return {
        "tick": 0.0005 * m0,
        "levels": 400,
        "size": max(0.01 * oi, 1e-9),
        "decay": 0.005,
        "reference_price": m0,
        "exponent": 3.0,
    }


def book_source(
    book: Any, book_params: dict[str, Any] | None, m0: float, oi0: float
) -> Callable[[float, int], OrderBook]:
    """A function (center price, step) -> OrderBook from the ``book`` argument."""
    if book_params is not None:
        if isinstance(book, OrderBook) or callable(book):
            v.unused("book_params", book_params, None, applies="book given as a profile name")
        v.instance("book_params", book_params, Mapping, "a mapping of make_book's parameters")
    if isinstance(book, OrderBook):
        base = book
        return lambda mark, step: base.shifted(mark)
    if callable(book):
        fn = book

        def from_function(mark: float, step: int) -> OrderBook:
            b = fn(mark, step)
            if not isinstance(b, OrderBook):
                raise ValueError(f"book function must return an OrderBook, got {type(b).__name__}")
            return b

        return from_function
    profile = v.choice("book", book, tuple(DEPTH_PROFILES))
    params = default_book_params(profile, m0, oi0) if book_params is None else dict(book_params)
    if profile == "thinning" and "reference_price" not in params:
        params["reference_price"] = m0
    make_book(profile, m0, **params)  # fail early, naming the bad parameter
    return lambda mark, step: make_book(profile, mark, **params)


def _consume(sizes: NDArray, amount: float) -> float:
    """Remove ``amount`` from the best levels of ``sizes`` in place; returns what was removed."""
    if amount <= 0 or not sizes.size:
        return 0.0
    cum = np.cumsum(sizes)
    take = np.clip(amount - (cum - sizes), 0.0, sizes)
    sizes -= take
    sizes[(take > 0) & (sizes <= 1e-12 * cum)] = 0.0
    return float(take.sum())


class Market:
    """One venue's book and prices through a run (see the module docstring)."""

    def __init__(
        self,
        source: Callable[[float, int], OrderBook],
        shock: NDArray[np.float64],
        impact: PriceImpact | None,
        flow: NDArray[np.float64] | None,
    ) -> None:
        self.source, self.shock, self.impact, self.flow = source, shock, impact, flow
        self.perm, self.basis = 1.0, 0.0
        self.depleted = {"sell": 0.0, "buy": 0.0}
        self.index = self.previous_index = self.mark = self.mid = float(shock[0])
        self.prices: dict[str, NDArray] = {}
        self.sizes: dict[str, NDArray] = {}
        self.start: dict[str, float] = {}
        self.built = False
        self.t = 0
        self.traded = {"sell": 0.0, "buy": 0.0}

    @property
    def feedback(self) -> bool:
        return self.impact is not None

    def open_step(self, t: int) -> float:
        """Set index, book and mark for step ``t`` and return the mark."""
        self.t = t
        self.previous_index = self.index
        self.traded = {"sell": 0.0, "buy": 0.0}
        if not self.feedback:
            self.index = self.mark = self.mid = float(self.shock[t])
            self.built = False
            return self.mark
        imp = self.impact
        self.index = max(float(self.shock[t]) * self.perm, 1e-12)
        self._build(self.index)
        for key in ("sell", "buy"):
            self.depleted[key] *= 1.0 - imp.resilience
            _consume(self.sizes[key], self.depleted[key])
        self.mid = self._mid()
        self.start = {k: float(self.sizes[k].sum()) for k in ("sell", "buy")}
        if self.flow is not None and self.flow[t] != 0:  # the flow's depth is consumed too
            key = "sell" if self.flow[t] < 0 else "buy"
            _consume(self.sizes[key], abs(float(self.flow[t])))
        basis_now = self._mid() - self.index
        self.basis = (1 - imp.mark_smoothing) * self.basis + imp.mark_smoothing * basis_now
        self.mark = max(self.index + self.basis, 1e-12)
        return self.mark

    def close_step(self) -> dict[str, float]:
        """End the step: depth consumed becomes depletion, part of the move permanent."""
        if not self.feedback:
            return {"index": self.index, "mid": self.mark, "mid_after": self.mark}
        mid_after = self._mid()
        imp = self.impact
        for key in ("sell", "buy"):
            used = self.start[key] - float(self.sizes[key].sum())
            self.depleted[key] = (self.depleted[key] + max(used, 0.0)) * (1.0 - imp.permanent)
        self.perm *= max(1.0 + imp.permanent * (mid_after - self.mid) / self.index, 1e-9)
        return {"index": self.index, "mid": self.mid, "mid_after": mid_after}

    def bid_depth(self, within: float = 0.01) -> float:
        """Coin resting on the bid within ``within`` of the mid (feedback mode)."""
        if not self.built:
            return float("nan")
        p, s = self.prices["sell"], self.sizes["sell"]
        return float(s[p >= self.mid * (1 - within)].sum())

    def _build(self, center: float) -> None:
        book = self.source(center, self.t)
        self.prices = {"sell": book.bid_prices, "buy": book.ask_prices}
        self.sizes = {"sell": book.bid_sizes.copy(), "buy": book.ask_sizes.copy()}
        self.built = True

    def _mid(self) -> float:
        best = []
        for key in ("sell", "buy"):
            p, s = self.prices[key], self.sizes[key]
            live = np.flatnonzero(s > 0)
            best.append(float(p[live[0]]) if live.size else (float(p[-1]) if p.size else None))
        if best[0] is None or best[1] is None:
            return self.index
        return 0.5 * (best[0] + best[1])

    def backstop_price(self, key: str) -> float:
        """Where the rest of an order fills when a side is used up: its deepest
        price, or the mark if the side was empty."""
        self._ensure()
        p = self.prices[key]
        return float(p[-1]) if p.size else float(self.mark)

    def _ensure(self) -> None:
        if not self.built:
            self._build(self.mark)

    def walk(
        self,
        key: str,
        qty: float,
        s: float,
        bp: float,
        budget: float,
        min_fill: float = 0.0,
        limit: float | None = None,
    ) -> tuple[float, float]:
        """Take up to ``qty`` best first, only at ``limit`` or better (if given),
        while the deficit vs ``bp`` stays within ``budget``; returns (filled,
        notional) and consumes the levels. A walk that would fill ``min_fill``
        or less fills nothing (and consumes nothing)."""
        self._ensure()
        p, sz = self.prices[key], self.sizes[key]
        if not p.size or qty <= 0:
            return 0.0, 0.0
        avail = sz if limit is None else np.where(s * (p - limit) >= 0, sz, 0.0)
        cum = np.cumsum(avail)
        take = np.clip(qty - (cum - avail), 0.0, avail)
        if np.isfinite(budget):
            unit = s * (bp - p)  # loss vs BP per coin at each level (> 0 = deficit)
            dcum = np.cumsum(take * unit)
            over = dcum > budget
            if over.any():
                k = int(np.argmax(over))
                prev = dcum[k - 1] if k else 0.0
                if unit[k] > 0:
                    take[k] = min(take[k], max(0.0, (budget - prev) / unit[k]))
                take[k + 1 :] = 0.0
        filled = float(take.sum())
        if filled <= min_fill:
            return 0.0, 0.0
        sz -= take
        sz[(take > 0) & (sz <= 1e-12 * cum)] = 0.0  # a used-up level keeps no crumb
        np.maximum(sz, 0.0, out=sz)
        self.traded[key] += filled
        return filled, float(np.dot(take, p))
