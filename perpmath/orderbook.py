"""Limit order books and market-order execution: fills, VWAP, slippage, gaps, delay.

A book holds price levels with resting sizes on both sides: bids (buyers,
best = highest price first) and asks (sellers, best = lowest price first).
A market order walks the opposite side level by level:

    sell Q: fills q_1 at b_1, q_2 at b_2, ... (b_1 > b_2 > ...) until Q is filled
    VWAP  = sum(q_k x p_k) / sum(q_k)
    slippage vs best = s x (VWAP - best) / best    (s = +1 buy, -1 sell; >= 0 = cost)
    slippage vs mid  = s x (VWAP - mid) / mid

A liquidation of a long position is a sell, of a short a buy. The thinner the
book (less size per level, wider ticks), the further the VWAP from the mark
price. This is the mechanism that produces fills beyond the bankruptcy price.

Sources: the matching rule (price-time priority, market orders consume the
best levels first) is described in every exchange's order-type help pages
(Binance and Bybit, "market order"); VWAP and slippage are the standard
definitions (e.g. L. Harris, "Trading and Exchanges", Oxford UP, 2003).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from perpmath import _validate as v

__all__ = [
    "DEPTH_PROFILES",
    "Fill",
    "OrderBook",
    "deep_book",
    "delayed_execution_price",
    "make_book",
    "market_order_fill",
    "thin_book",
    "thinning_book",
]

ORDER_SIDES = ("buy", "sell")

_MAX_LEVELS = 1_000_000
"""Most levels a generated book may have on each side."""

_EXHAUSTED = 1e-12
"""A level an order consumed is exhausted when what it leaves is at most this
fraction of the cumulative size walked so far (float rounding of the walk)."""


def _order_side(side: Any) -> str:
    """'buy'/'sell'; 'long'/'short' are accepted as the side that opens them."""
    if isinstance(side, str) and side.strip().lower() in ("long", "short"):
        return "buy" if side.strip().lower() == "long" else "sell"
    return v.choice("side", side, ORDER_SIDES)


def _levels(name: str, prices: ArrayLike, sizes: ArrayLike) -> tuple[NDArray, NDArray]:
    p = np.atleast_1d(v.as_float_array(f"{name}_prices", prices)).ravel()
    s = np.atleast_1d(v.as_float_array(f"{name}_sizes", sizes)).ravel()
    if p.size == 0 and s.size == 0:
        return p, s
    p = np.atleast_1d(v.positive(f"{name}_prices", p))
    s = np.atleast_1d(v.non_negative(f"{name}_sizes", s))
    if p.shape != s.shape:
        raise ValueError(
            f"{name}_prices and {name}_sizes must have the same length, got {p.size} and {s.size}"
        )
    return p, s


@dataclass(frozen=True, eq=False)
class OrderBook:
    """A snapshot of a limit order book (one instrument, sizes in coin).

    ``bid_prices``/``bid_sizes`` and ``ask_prices``/``ask_sizes`` may be given
    in any order; they are stored sorted best first (bids descending, asks
    ascending), levels of size 0 are dropped and equal prices merged. A book
    may be one-sided or empty; executing against an empty side raises
    ValueError. Crossed books (best bid >= best ask) are rejected.
    """

    bid_prices: NDArray[np.float64]
    bid_sizes: NDArray[np.float64]
    ask_prices: NDArray[np.float64]
    ask_sizes: NDArray[np.float64]

    def __init__(
        self,
        bid_prices: ArrayLike = (),
        bid_sizes: ArrayLike = (),
        ask_prices: ArrayLike = (),
        ask_sizes: ArrayLike = (),
    ) -> None:
        bp, bs = _levels("bid", bid_prices, bid_sizes)
        ap, as_ = _levels("ask", ask_prices, ask_sizes)
        bp, bs = _clean(bp, bs, descending=True)
        ap, as_ = _clean(ap, as_, descending=False)
        if bp.size and ap.size and bp[0] >= ap[0]:
            raise ValueError(
                f"book is crossed: best bid {bp[0]!r} must be below best ask {ap[0]!r} "
                "(bid_prices below ask_prices)"
            )
        for name, arr in (("bid_prices", bp), ("bid_sizes", bs), ("ask_prices", ap)):
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        as_.setflags(write=False)
        object.__setattr__(self, "ask_sizes", as_)

    # --- inspection -----------------------------------------------------
    @property
    def best_bid(self) -> float:
        """Highest bid price (ValueError if there are no bids)."""
        if not self.bid_prices.size:
            raise ValueError("book has no bids")
        return float(self.bid_prices[0])

    @property
    def best_ask(self) -> float:
        """Lowest ask price (ValueError if there are no asks)."""
        if not self.ask_prices.size:
            raise ValueError("book has no asks")
        return float(self.ask_prices[0])

    @property
    def mid(self) -> float:
        """(best bid + best ask) / 2; the one best price if the book is one-sided."""
        if self.bid_prices.size and self.ask_prices.size:
            return 0.5 * (self.best_bid + self.best_ask)
        if self.bid_prices.size:
            return self.best_bid
        if self.ask_prices.size:
            return self.best_ask
        raise ValueError("book is empty: no bids and no asks")

    @property
    def spread(self) -> float:
        """best ask - best bid (price units)."""
        return self.best_ask - self.best_bid

    @property
    def is_empty(self) -> bool:
        return not (self.bid_prices.size or self.ask_prices.size)

    @v.no_overflow
    def depth(self, side: str, *, within: float | None = None) -> float:
        """Total resting size on ``side`` ('bid'/'ask'), optionally within a
        fraction ``within`` of the best price on that side (e.g. 0.01 = 1%)."""
        key = v.choice("side", side, ("bid", "ask"))
        prices, sizes = self.side_levels(key)
        if within is None or not prices.size:
            return float(sizes.sum())
        w = v.scalar("within", v.non_negative("within", within))
        best = prices[0]
        keep = prices >= best * (1 - w) if key == "bid" else prices <= best * (1 + w)
        return float(sizes[keep].sum())

    @v.no_overflow
    def side_levels(self, side: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """(prices, sizes) of 'bid' or 'ask', best first."""
        key = v.choice("side", side, ("bid", "ask"))
        if key == "bid":
            return self.bid_prices, self.bid_sizes
        return self.ask_prices, self.ask_sizes

    @v.no_overflow
    def to_frame(self) -> pd.DataFrame:
        """One row per level: side ('bid'/'ask'), price, size, cumulative size
        from the best price, and notional (price x size)."""
        rows = []
        for key in ("bid", "ask"):
            p, s = self.side_levels(key)
            rows.append(
                pd.DataFrame(
                    {
                        "side": key,
                        "price": p,
                        "size": s,
                        "cumulative_size": np.cumsum(s),
                        "notional": p * s,
                    }
                )
            )
        return pd.concat(rows, ignore_index=True)

    # --- transformations (return new books) -----------------------------
    @v.no_overflow
    def with_gap(self, side: str, start: float, end: float) -> OrderBook:
        """Remove every level of ``side`` with price between ``start`` and ``end``
        (inclusive, either order): a gap between two ticks. A sell order
        reaching the gap jumps straight to the first level beyond it."""
        key = v.choice("side", side, ("bid", "ask"))
        lo, hi = sorted(
            (v.scalar("start", v.positive("start", start)), v.scalar("end", v.positive("end", end)))
        )
        p, s = self.side_levels(key)
        keep = (p < lo) | (p > hi)
        if key == "bid":
            return OrderBook(p[keep], s[keep], self.ask_prices, self.ask_sizes)
        return OrderBook(self.bid_prices, self.bid_sizes, p[keep], s[keep])

    @v.no_overflow
    def without_levels(self, side: str, count: int, *, start: int = 0) -> OrderBook:
        """Remove ``count`` consecutive levels of ``side`` starting at level
        index ``start`` (0 = best): a gap measured in levels."""
        key = v.choice("side", side, ("bid", "ask"))
        count = v.integer("count", count, minimum=0)
        start = v.integer("start", start, minimum=0)
        p, s = self.side_levels(key)
        keep = np.ones(p.size, dtype=bool)
        keep[int(start) : int(start) + int(count)] = False
        if key == "bid":
            return OrderBook(p[keep], s[keep], self.ask_prices, self.ask_sizes)
        return OrderBook(self.bid_prices, self.bid_sizes, p[keep], s[keep])

    @v.no_overflow
    def shifted(self, new_mid: float) -> OrderBook:
        """The same book moved so that its mid is ``new_mid`` (every level
        multiplied by new_mid / mid; sizes unchanged)."""
        m = v.scalar("new_mid", v.positive("new_mid", new_mid))
        k = m / self.mid
        return OrderBook(self.bid_prices * k, self.bid_sizes, self.ask_prices * k, self.ask_sizes)

    @v.no_overflow
    def scaled(self, factor: float) -> OrderBook:
        """Every size multiplied by ``factor`` (> 0): a deeper or thinner copy."""
        f = v.scalar("factor", v.positive("factor", factor))
        return OrderBook(self.bid_prices, self.bid_sizes * f, self.ask_prices, self.ask_sizes * f)

    @v.no_overflow
    def after(self, fill: Fill) -> OrderBook:
        """The book left once ``fill`` has consumed its levels."""
        return v.instance("fill", fill, Fill, "a Fill from market_order_fill").book_after


def _clean(prices: NDArray, sizes: NDArray, *, descending: bool) -> tuple[NDArray, NDArray]:
    if not prices.size:
        return prices.astype(float), sizes.astype(float)
    keep = sizes > 0
    prices, sizes = prices[keep], sizes[keep]
    uniq, inv = np.unique(prices, return_inverse=True)
    merged = np.zeros(uniq.size)
    np.add.at(merged, inv, sizes)
    if descending:
        uniq, merged = uniq[::-1], merged[::-1]
    return np.ascontiguousarray(uniq, dtype=float), np.ascontiguousarray(merged, dtype=float)


@dataclass(frozen=True)
class Fill:
    """The result of a market order walking a book.

    Attributes: ``side`` ('buy'/'sell'), ``requested`` and ``filled`` size,
    ``unfilled`` rest (0 unless ``allow_partial``), ``vwap`` (average fill
    price; NaN-free: equals the best price when nothing is requested),
    ``best`` and ``mid`` before the order, ``worst_price`` (last level
    touched), ``notional`` (sum q_k p_k), ``slippage_vs_best`` and
    ``slippage_vs_mid`` (fractions, positive = worse for the taker),
    ``levels`` (DataFrame: price, size filled, cumulative size, level
    notional) and ``book_after`` (the book left; levels the order used up
    are removed, never kept with a rounding crumb of their size).
    """

    side: str
    requested: float
    filled: float
    unfilled: float
    vwap: float
    best: float
    mid: float
    worst_price: float
    notional: float
    slippage_vs_best: float
    slippage_vs_mid: float
    levels: pd.DataFrame
    book_after: OrderBook

    @property
    def complete(self) -> bool:
        return self.unfilled == 0.0

    @v.no_overflow
    def cost_vs(self, reference_price: float) -> float:
        """Money lost against executing everything at ``reference_price``:
        s x (VWAP - reference) x filled (s = +1 buy, -1 sell); positive = worse."""
        ref = v.scalar("reference_price", v.positive("reference_price", reference_price))
        s = 1.0 if self.side == "buy" else -1.0
        return s * (self.notional - ref * self.filled)


@v.no_overflow
def market_order_fill(
    book: OrderBook,
    side: str,
    quantity: float,
    *,
    allow_partial: bool = False,
    limit_price: float | None = None,
) -> Fill:
    """Execute a market order of ``quantity`` (coin) against ``book``.

    ``side`` is 'buy' (lifts the asks) or 'sell' (hits the bids); 'long' and
    'short' are accepted as 'buy' and 'sell'. Levels are consumed best first;
    the last level may be taken partly. ``limit_price`` stops the walk at that
    price (a sell does not fill below it, a buy not above it), which is how a
    liquidation order placed at the bankruptcy price behaves.

    If the side (within the limit) holds less than ``quantity``:
    ``allow_partial=False`` raises ValueError stating both sizes;
    ``allow_partial=True`` fills what exists and reports the rest in
    ``unfilled``. An empty side raises ValueError in both cases.

    VWAP = sum(q_k p_k) / sum(q_k); slippage vs best = s (VWAP - best) / best,
    vs mid = s (VWAP - mid) / mid, s = +1 buy, -1 sell.
    """
    v.instance("book", book, OrderBook, "an OrderBook")
    key = _order_side(side)
    q = v.scalar("quantity", v.positive("quantity", quantity))
    allow_partial = v.flag("allow_partial", allow_partial)
    book_side = "ask" if key == "buy" else "bid"
    prices, sizes = book.side_levels(book_side)
    if not prices.size:
        raise ValueError(
            f"book is empty on the {book_side} side: a {key} order of {q:g} cannot be filled"
        )
    best = float(prices[0])
    mid = book.mid
    s = 1.0 if key == "buy" else -1.0
    avail = sizes
    if limit_price is not None:
        lim = v.scalar("limit_price", v.positive("limit_price", limit_price))
        ok = prices <= lim if key == "buy" else prices >= lim
        avail = np.where(ok, sizes, 0.0)
    cum = np.cumsum(avail)
    total = float(cum[-1])
    if total < q and not allow_partial:
        where = f" at or better than {limit_price:g}" if limit_price is not None else ""
        raise ValueError(
            f"quantity {q:g} is larger than the {book_side} side of the book{where} "
            f"({total:g} available); pass allow_partial=True to fill what exists"
        )
    take, used_up = _taken(q, avail, cum)
    filled = float(take.sum()) if total < q else q
    used = take > 0
    notional = float(np.dot(take, prices))
    if filled > 0:
        vwap = notional / filled
        worst = float(prices[used][-1])
    else:
        vwap, worst = best, best
    left = np.where(used_up, 0.0, sizes - take)  # size 0: the level is dropped
    if book_side == "bid":
        after = OrderBook(prices, left, book.ask_prices, book.ask_sizes)
    else:
        after = OrderBook(book.bid_prices, book.bid_sizes, prices, left)
    return Fill(
        side=key,
        requested=q,
        filled=filled,
        unfilled=max(q - filled, 0.0),
        vwap=vwap,
        best=best,
        mid=mid,
        worst_price=worst,
        notional=notional,
        slippage_vs_best=s * (vwap - best) / best,
        slippage_vs_mid=s * (vwap - mid) / mid,
        levels=_levels_taken(prices[used], take[used]),
        book_after=after,
    )


def _taken(q: float, avail: NDArray[np.float64], cum: NDArray[np.float64]) -> tuple[Any, Any]:
    """Size taken at each level by an order of ``q``, best first, and which levels it
    uses up (``cum`` is the cumulative size available)."""
    take = np.clip(q - (cum - avail), 0.0, avail)
    # q - (cum - avail) rounds like the cumulative sum (about 1e-16 x cum): a level
    # the order uses up can keep a crumb such as 5.55e-17. It is exhausted: take it all.
    used_up = (take > 0) & (avail - take <= _EXHAUSTED * cum)
    take[used_up] = avail[used_up]
    return take, used_up


def _levels_taken(prices: NDArray[np.float64], take: NDArray[np.float64]) -> pd.DataFrame:
    """The levels a fill used: price, size taken, cumulative size and notional."""
    return pd.DataFrame(
        {
            "price": prices,
            "size": take,
            "cumulative_size": np.cumsum(take),
            "notional": prices * take,
        }
    )


# --- depth profiles ------------------------------------------------------
def _grid(mid: float, tick: float, levels: int, spread: float) -> tuple[NDArray, NDArray]:
    m = v.scalar("mid", v.positive("mid", mid))
    t = v.scalar("tick", v.positive("tick", tick))
    levels = v.integer("levels", levels, 1, _MAX_LEVELS)
    sp = v.scalar("spread", v.non_negative("spread", spread))
    half = max(sp / 2, t / 2)
    k = np.arange(int(levels))
    bids = m - half - k * t
    asks = m + half + k * t
    if bids[0] <= 0:
        raise ValueError(
            f"mid {m:g} is too low for a best bid above 0 with tick {t:g} and spread {sp:g}"
        )
    if not bids[0] < m < asks[0]:
        raise ValueError(
            f"tick {t:g} must be larger than the float resolution of prices near mid {m:g}"
        )
    # levels that would sit at or below price 0 do not exist: the bid side stops there
    return bids[bids > 0], asks


@v.no_overflow
def deep_book(
    mid: float,
    *,
    tick: float = 1.0,
    levels: int = 200,
    size: float = 5.0,
    spread: float = 0.0,
) -> OrderBook:
    """A deep book: ``levels`` levels each side, ``tick`` apart, ``size`` coin
    at every level, best prices at mid -/+ max(spread, tick)/2."""
    bids, asks = _grid(mid, tick, levels, spread)
    sz = v.scalar("size", v.positive("size", size))
    return OrderBook(bids, np.full(bids.size, sz), asks, np.full(asks.size, sz))


@v.no_overflow
def thin_book(
    mid: float,
    *,
    tick: float = 10.0,
    levels: int = 100,
    size: float = 0.2,
    spread: float = 0.0,
) -> OrderBook:
    """A thin book: few coins per level and wide ticks (defaults: 0.2 coin
    every 10 price units), so a modest order walks far from the mid."""
    return deep_book(mid, tick=tick, levels=levels, size=size, spread=spread)


@v.no_overflow
def thinning_book(
    mid: float,
    *,
    tick: float = 5.0,
    levels: int = 200,
    size: float = 2.0,
    decay: float = 0.02,
    reference_price: float | None = None,
    exponent: float = 0.0,
    spread: float = 0.0,
) -> OrderBook:
    """A book whose depth thins away from the mid and as price falls.

    size at level k (k = 0 best) = size x exp(-decay x k) x (mid / reference)^exponent

    ``decay`` makes far levels thinner (liquidity concentrated near the
    touch); ``exponent`` > 0 with ``reference_price`` above ``mid`` shrinks
    the whole book as the market falls (market makers withdraw in a crash).
    """
    bids, asks = _grid(mid, tick, levels, spread)
    sz = v.scalar("size", v.positive("size", size))
    d = v.scalar("decay", v.non_negative("decay", decay))
    ex = v.scalar("exponent", v.non_negative("exponent", exponent))
    ref = (
        float(mid)
        if reference_price is None
        else v.scalar("reference_price", v.positive("reference_price", reference_price))
    )
    scale = min((float(mid) / ref) ** ex, 1.0) if ex else 1.0
    bid_sizes = sz * np.exp(-d * np.arange(bids.size)) * scale
    ask_sizes = sz * np.exp(-d * np.arange(asks.size)) * scale
    return OrderBook(bids, bid_sizes, asks, ask_sizes)


DEPTH_PROFILES: dict[str, Callable[..., OrderBook]] = {
    "deep": deep_book,
    "thin": thin_book,
    "thinning": thinning_book,
}
"""Named depth profiles: name -> function(mid, **parameters) -> OrderBook."""


@v.no_overflow
def make_book(profile: str, mid: float, **params: Any) -> OrderBook:
    """Build a book from a named profile ('deep', 'thin', 'thinning') with
    explicit parameters passed to that profile's function."""
    name = v.choice("profile", profile, tuple(DEPTH_PROFILES))
    return DEPTH_PROFILES[name](mid, **params)


@v.no_overflow
def delayed_execution_price(
    path: ArrayLike, trigger_step: int | ArrayLike, delay: int | ArrayLike
) -> v.Float:
    """Price at which an engine acting ``delay`` steps after the trigger meets
    the market: path[min(trigger_step + delay, len(path) - 1)].

    In a falling market every step of delay moves the execution price further
    past the liquidation price, possibly past the bankruptcy price.
    """
    p = np.atleast_1d(v.positive("path", path))
    if p.ndim != 1:
        raise ValueError(f"path must be one-dimensional, got shape {p.shape}")
    t = (
        np.asarray(trigger_step)
        if _is_int_array(trigger_step)
        else v.finite("trigger_step", trigger_step)
    )
    d = np.asarray(delay) if _is_int_array(delay) else v.finite("delay", delay)
    for name, arr in (("trigger_step", t), ("delay", d)):
        if not np.issubdtype(arr.dtype, np.integer) and not np.all(
            np.equal(np.mod(arr.astype(float), 1), 0)
        ):
            raise ValueError(f"{name} must be a whole number, got {arr!r}")
        if np.any(arr < 0):
            raise ValueError(f"{name} must be 0 or more, got {arr!r}")
    if np.any(t >= p.size):
        raise ValueError(f"trigger_step must be below len(path) = {p.size}, got {t!r}")
    idx = np.minimum(t + d, p.size - 1).astype(int)  # capped before the cast: no overflow
    return v.result(p[idx])


def _is_int_array(x: object) -> bool:
    try:
        return np.asarray(x).dtype.kind in "iu"
    except ValueError:  # ragged: left to _validate.finite to report
        return False
