"""Risk management: stops that slip in gaps, fixed-fraction sizing, scaling out, trailing stops.

Conventions. ``prices`` is a path array as made by :mod:`perpmath.paths`:
one row per path, column 0 the price at entry, column k the price after k
steps (a 1-D array is one path). Orders are checked at columns 1..n only.

* A stop-loss (or take-profit) is a *trigger*, not a guaranteed price: once
  the price reaches it, a market order goes out and fills at the first
  price past the trigger. In a smooth market that is about the stop; after
  a gap between two ticks it can be far beyond it (Binance, "Types of
  Order on Binance Futures": a stop-market or take-profit-market order
  becomes a market order once the stop price is reached).
* The fixed-fraction rule sizes a position so that the loss between entry
  and stop is a chosen share of capital: quantity = capital x f / |entry -
  stop| (R. Vince, "Portfolio Management Formulas", 1990; the "2 % rule" of
  trading manuals). It caps the *planned* loss; a gap can exceed it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from perpmath import _validate as v

__all__ = [
    "ALERT_DEFINITIONS",
    "ExitResult",
    "gap_loss",
    "implied_leverage",
    "margin_ratio_alert_price",
    "position_size",
    "risk_at_stop",
    "scale_out",
    "simulate_exit",
    "trailing_stop_levels",
]

ALERT_DEFINITIONS = ("maintenance_to_balance", "margin_to_notional", "equity_to_maintenance")


def _single_side(side: object) -> float:
    s = v.side_sign(side)
    if not isinstance(s, float):
        raise ValueError(f"side must be a single 'long' or 'short', got {side!r}")
    return s


def _check_stop_side(s: float, entry: NDArray, stop: NDArray, name: str, below: bool) -> None:
    """A long's stop lies below the entry and its take-profit above (mirrored for a short)."""
    wrong = (stop >= entry) if (below == (s > 0)) else (stop <= entry)
    if np.any(wrong):
        where = "below" if below == (s > 0) else "above"
        side = "long" if s > 0 else "short"
        bad = np.broadcast_to(wrong, np.broadcast(entry, stop).shape)
        value = np.broadcast_to(stop, bad.shape)[bad].ravel()[0] if bad.ndim else float(stop)
        raise ValueError(
            f"{name} of a {side} must lie {where} the entry price, got {float(value)!r} "
            f"with entry {float(np.ravel(entry)[0])!r}"
        )


@v.no_overflow
def position_size(
    capital: ArrayLike,
    risk_fraction: ArrayLike,
    entry_price: ArrayLike,
    stop_price: ArrayLike,
    side: str | None = None,
) -> v.Float:
    """Quantity (coin) that loses ``risk_fraction`` of ``capital`` if the stop fills at its price.

    quantity = capital x risk_fraction / |entry - stop|   (fixed-fraction rule)

    so quantity x |entry - stop| = capital x risk_fraction. The leverage
    this implies is :func:`implied_leverage`; it depends on the stop
    distance, not on the leverage setting. With ``side`` the stop is checked
    to lie on the losing side of the entry. Source: Vince (1990), fixed
    fractional trading; the 1-2 % rule of risk-management guides.
    """
    cap = v.positive("capital", capital)
    f = v.in_range("risk_fraction", risk_fraction, 0.0, 1.0, high_inclusive=True)
    if np.any(f == 0):
        raise ValueError(f"risk_fraction must be greater than 0, got {risk_fraction!r}")
    e = v.positive("entry_price", entry_price)
    st = v.positive("stop_price", stop_price)
    v.broadcastable(capital=cap, risk_fraction=f, entry_price=e, stop_price=st)
    if side is not None:
        _check_stop_side(_single_side(side), e, st, "stop_price", below=True)
    if np.any(e == st):
        raise ValueError("stop_price must differ from entry_price (a zero stop distance)")
    return v.result(cap * f / np.abs(e - st))


@v.no_overflow
def risk_at_stop(quantity: ArrayLike, entry_price: ArrayLike, stop_price: ArrayLike) -> v.Float:
    """Planned loss if the stop fills exactly at its price: quantity x |entry - stop|."""
    q = v.positive("quantity", quantity)
    e = v.positive("entry_price", entry_price)
    st = v.positive("stop_price", stop_price)
    v.broadcastable(quantity=q, entry_price=e, stop_price=st)
    return v.result(q * np.abs(e - st))


@v.no_overflow
def implied_leverage(quantity: ArrayLike, entry_price: ArrayLike, capital: ArrayLike) -> v.Float:
    """Effective leverage of a position on the whole capital: quantity x entry / capital."""
    q = v.positive("quantity", quantity)
    e = v.positive("entry_price", entry_price)
    cap = v.positive("capital", capital)
    v.broadcastable(quantity=q, entry_price=e, capital=cap)
    return v.result(q * e / cap)


@v.no_overflow
def gap_loss(
    side: str, stop_price: ArrayLike, fill_price: ArrayLike, quantity: ArrayLike = 1.0
) -> v.Float:
    """Loss beyond the stop when a stop fills past it: quantity x max(0, s x (stop - fill))."""
    s = _single_side(side)
    st = v.positive("stop_price", stop_price)
    fp = v.positive("fill_price", fill_price)
    q = v.positive("quantity", quantity)
    v.broadcastable(stop_price=st, fill_price=fp, quantity=q)
    return v.result(q * np.maximum(0.0, s * (st - fp)))


def _paths(prices: ArrayLike) -> NDArray[np.float64]:
    p = v.positive("prices", prices)
    if p.ndim == 1:
        p = p[None, :]
    if p.ndim != 2 or p.shape[1] < 2:
        raise ValueError(
            "prices must be one path (1-D) or paths x (steps + 1) (2-D) with at least two "
            f"columns, got shape {p.shape}"
        )
    return p


def _first(hit: NDArray[np.bool_]) -> NDArray[np.int64]:
    """First column (1-based over columns 1..n) where ``hit`` is True, n + 1 if never."""
    n = hit.shape[1]
    return np.where(hit.any(axis=1), hit.argmax(axis=1) + 1, n + 1)


@v.no_overflow
def trailing_stop_levels(side: str, prices: ArrayLike, trail: ArrayLike) -> NDArray[np.float64]:
    """Trailing-stop level in force at each step, shape ``(paths, steps)`` for columns 1..n.

    long:  level_k = max(price_0..price_{k-1}) x (1 - trail)
    short: level_k = min(price_0..price_{k-1}) x (1 + trail)

    The stop follows the best price seen so far at a fixed distance and
    never moves back (Binance, "Types of Order on Binance Futures": trailing
    stop with a callback rate).
    """
    s = _single_side(side)
    p = _paths(prices)
    tr = v.scalar("trail", v.in_range("trail", trail, 0.0, 1.0))
    if tr == 0:
        raise ValueError("trail must be greater than 0")
    if s > 0:
        return np.maximum.accumulate(p[:, :-1], axis=1) * (1.0 - tr)
    return np.minimum.accumulate(p[:, :-1], axis=1) * (1.0 + tr)


@dataclass(frozen=True)
class ExitResult:
    """How each path's position ended (arrays with one entry per path).

    ``step``: column at which it ended (n = the last column when still open);
    ``price``: fill price (the first price past the trigger, the limit price
    of a filled stop-limit; the last price if open); ``reason``: "stop",
    "stop_limit", "take_profit", "trailing", "liquidation" or "open";
    ``pnl``: quantity x s x (price - entry) in quote currency; ``slippage``:
    quantity x how far the fill is beyond the trigger (>= 0).
    """

    step: NDArray[np.int64]
    price: NDArray[np.float64]
    reason: NDArray[np.str_]
    pnl: NDArray[np.float64]
    slippage: NDArray[np.float64]

    @v.no_overflow
    def to_frame(self) -> pd.DataFrame:
        """One row per path."""
        return pd.DataFrame(
            {
                "step": self.step,
                "reason": self.reason,
                "exit_price": self.price,
                "pnl": self.pnl,
                "slippage": self.slippage,
            }
        )


# (reason, first column 1..n or n + 1, trigger level, fill price) for each path
_Trigger = tuple[str, NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]


def _level(name: str, value: float | None) -> float | None:
    return None if value is None else v.scalar(name, v.positive(name, value))


def _past(s: float, prices: NDArray, level: ArrayLike, against: bool) -> NDArray[np.bool_]:
    """Where the price has reached ``level``: against the position (long: <=) or in its favor."""
    return (prices <= level) if (s > 0) == against else (prices >= level)


def _at_first(p: NDArray, first: NDArray[np.int64]) -> NDArray[np.float64]:
    return p[np.arange(p.shape[0]), np.minimum(first, p.shape[1] - 1)]


def _stop_limit_fill(
    s: float, p: NDArray, stop: float, limit: float
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """First column, from the stop's trigger on, whose price is at or better than the limit.

    Long (a sell limit): price >= limit; short (a buy limit): price <= limit.
    Before the trigger the limit order does not exist; after it, it rests.
    """
    later = p[:, 1:]
    triggered = np.arange(1, p.shape[1])[None, :] >= _first(_past(s, later, stop, True))[:, None]
    first = _first(triggered & _past(s, later, limit, False))
    return first, np.full(p.shape[0], limit)


def _triggers(
    s: float, e: float, p: NDArray, side: str, levels: dict[str, float | None], trailing
) -> list[_Trigger]:
    """Every trigger given, in the order ties are resolved (the last one listed wins)."""
    later, n_paths = p[:, 1:], p.shape[0]
    out: list[_Trigger] = []
    stop, limit = levels["stop"], levels["stop_limit"]
    if stop is not None:
        _check_stop_side(s, np.asarray(e), np.asarray(stop), "stop", below=True)
        if limit is None:
            first = _first(_past(s, later, stop, True))
            out.append(("stop", first, np.full(n_paths, stop), _at_first(p, first)))
        else:
            first, fill = _stop_limit_fill(s, p, stop, limit)
            out.append(("stop_limit", first, np.full(n_paths, stop), fill))
    tp = levels["take_profit"]
    if tp is not None:
        _check_stop_side(s, np.asarray(e), np.asarray(tp), "take_profit", below=False)
        first = _first(_past(s, later, tp, False))
        out.append(("take_profit", first, np.full(n_paths, tp), _at_first(p, first)))
    if trailing is not None:
        lv = trailing_stop_levels(side, p, trailing)
        first = _first(_past(s, later, lv, True))
        trail_at = lv[np.arange(n_paths), np.minimum(first, p.shape[1] - 1) - 1]
        out.append(("trailing", first, trail_at, _at_first(p, first)))
    lq = levels["liquidation"]
    if lq is not None:
        _check_stop_side(s, np.asarray(e), np.asarray(lq), "liquidation", below=True)
        first = _first(_past(s, later, lq, True))
        out.append(("liquidation", first, np.full(n_paths, lq), _at_first(p, first)))
    return out


def _check_stop_limit(s: float, stop: float | None, limit: float | None) -> None:
    """A long's stop-limit sells at or below its stop; a short's buys at or above it."""
    if limit is None:
        return
    if stop is None:
        v.unused(
            "stop_limit", limit, None, applies="stop (the trigger that places the limit order)"
        )
    elif s * (limit - stop) > 0:
        where, side = ("at or below", "long") if s > 0 else ("at or above", "short")
        raise ValueError(
            f"stop_limit of a {side} must lie {where} the stop {stop!r} (the worst price "
            f"the closing order accepts), got {limit!r}"
        )


@v.no_overflow
def simulate_exit(
    side: str,
    entry_price: float,
    prices: ArrayLike,
    *,
    quantity: float = 1.0,
    stop: float | None = None,
    take_profit: float | None = None,
    trailing: float | None = None,
    liquidation: float | None = None,
    stop_limit: float | None = None,
) -> ExitResult:
    """Run stop-loss, take-profit, trailing-stop and liquidation triggers along price paths.

    Each trigger fires at the first step whose price reaches it (long stop:
    price <= stop; long take-profit: price >= take_profit; mirrored for a
    short); the earliest trigger wins. A stop or take-profit becomes a market
    order filled at that first price past the trigger, so in a gap the fill
    is worse than the stop (Binance, "Types of Order on Binance Futures";
    Binance FAQ "What Is a Stop Order": a stop-market order places a market
    order once the stop price is reached).

    ``stop_limit`` makes the stop a stop-limit order: once the stop is
    reached it places a limit order at ``stop_limit``, a long's sell limit
    at or below the stop, a short's buy limit at or above it (Binance FAQ
    "What Is a Stop Order", binance.com/en/support/faq/360036351051: the
    stop price triggers a limit order at the limit price; Bybit Help Center,
    help.bybit.com article 360039749173: a triggered conditional limit order
    waits in the order book). It fills at the first step, the trigger step
    included, whose price is at or better than the limit, at the limit price
    (a marketable limit could fill better; the model does not credit it). In
    a gap past the limit it rests unfilled and the position stays open: it
    can recover, or be liquidated. Reason "stop_limit". Neither page says
    how long the triggered order rests; here it rests to the end of the path
    (good till canceled).

    ``liquidation`` is the liquidation price: if the mark reaches it before
    the stop fills, the engine closes the position first (a stop placed
    beyond the liquidation price never acts); its ``price`` is the first mark
    past the liquidation price and its ``pnl`` the price loss, of which an
    isolated trader loses at most the margin (the rest is the negative-balance
    problem of section 05). Vectorized over paths.
    """
    s = _single_side(side)
    e = v.scalar("entry_price", v.positive("entry_price", entry_price))
    q = v.scalar("quantity", v.positive("quantity", quantity))
    p = _paths(prices)
    names = ("stop", "take_profit", "liquidation", "stop_limit")
    levels = {
        name: _level(name, level)
        for name, level in zip(names, (stop, take_profit, liquidation, stop_limit), strict=True)
    }
    if trailing is not None:
        if v.scalar("trailing", v.in_range("trailing", trailing, 0.0, 1.0)) == 0:
            raise ValueError("trailing must be greater than 0 (a fraction of the best price)")
    _check_stop_limit(s, levels["stop"], levels["stop_limit"])
    n_paths, n = p.shape[0], p.shape[1] - 1
    step = np.full(n_paths, n + 1)
    reason = np.full(n_paths, "open", dtype="<U11")
    level = p[:, -1].copy()
    fill = p[:, -1].copy()
    # liquidation is listed last so that on a tie the engine's action is reported
    for name, first, lev, price in _triggers(s, e, p, side, levels, trailing):
        take = (first <= n) & (first <= step)
        step = np.where(take, first, step)
        reason = np.where(take, name, reason)
        level = np.where(take, lev, level)
        fill = np.where(take, price, fill)
    open_ = step > n
    step = np.where(open_, n, step)
    slip = np.where(open_, 0.0, q * np.maximum(0.0, s * (level - fill)))
    return ExitResult(step, fill, reason, q * s * (fill - e), slip)


@v.no_overflow
def scale_out(
    side: str,
    entry_price: float,
    prices: ArrayLike,
    targets: ArrayLike,
    fractions: ArrayLike,
    *,
    quantity: float = 1.0,
    stop: float | None = None,
) -> pd.DataFrame:
    """Close a position in parts at profit targets; the rest exits at the stop or stays open.

    Target i closes ``fractions[i]`` of the original quantity at the first
    price past it (like a take-profit), if the stop has not fired before;
    what is left is closed at the stop's fill (first price past the stop) or
    marked at the last price. Returns one row per path: realised PnL from
    the targets, PnL of the remainder, total, and the share closed at
    targets. Scaling out locks in part of a gain at the cost of a smaller
    position if the move continues.
    """
    s = _single_side(side)
    e = v.scalar("entry_price", v.positive("entry_price", entry_price))
    q = v.scalar("quantity", v.positive("quantity", quantity))
    p = _paths(prices)
    if stop is not None:
        v.scalar("stop", v.positive("stop", stop))
    tg = np.atleast_1d(v.positive("targets", targets)).ravel()
    fr = np.atleast_1d(v.in_range("fractions", fractions, 0.0, 1.0, high_inclusive=True)).ravel()
    if tg.shape != fr.shape:
        raise ValueError(
            f"targets and fractions must have the same length, got {tg.size} and {fr.size}"
        )
    if fr.sum() > 1.0 + 1e-12:
        raise ValueError(f"fractions must add up to at most 1, got {fr.sum():g}")
    _check_stop_side(s, np.asarray(e), tg, "targets", below=False)
    n_paths, n_cols = p.shape
    n = n_cols - 1
    later = p[:, 1:]
    rows = np.arange(n_paths)
    if stop is not None:
        st = v.positive("stop", stop)
        _check_stop_side(s, np.asarray(e), st, "stop", below=True)
        stop_step = _first(later <= st if s > 0 else later >= st)
    else:
        stop_step = np.full(n_paths, n + 1)
    realised = np.zeros(n_paths)
    closed = np.zeros(n_paths)
    for target, frac in zip(tg, fr, strict=True):
        t_step = _first(later >= target if s > 0 else later <= target)
        done = t_step < stop_step
        fill = p[rows, np.minimum(t_step, n)]
        realised += np.where(done, q * frac * s * (fill - e), 0.0)
        closed += np.where(done, frac, 0.0)
    end = np.minimum(stop_step, n)
    rest = q * (1.0 - closed) * s * (p[rows, end] - e)
    return pd.DataFrame(
        {
            "targets_pnl": realised,
            "remainder_pnl": rest,
            "total_pnl": realised + rest,
            "closed_at_targets": closed,
            "stopped": stop_step <= n,
        }
    )


@v.no_overflow
def margin_ratio_alert_price(
    side: str,
    entry_price: ArrayLike,
    leverage: ArrayLike,
    alert: ArrayLike,
    *,
    definition: str = "maintenance_to_balance",
    maintenance_rate: ArrayLike = 0.004,
    quantity: ArrayLike = 1.0,
    margin: ArrayLike | None = None,
) -> v.Float:
    """Mark price at which an isolated position's margin ratio reaches the ``alert`` level.

    Margin balance at price P: M + s q (P - E) (M = ``margin``, default the
    initial margin q E / leverage); maintenance margin q P mmr. Setting the
    ratio equal to ``alert`` gives P = (M - s q E) / (q k - s q) with

    * ``"maintenance_to_balance"`` (Binance, MM / MB; liquidation at 1):
      k = mmr / alert, e.g. alert = 0.8 warns at 80 %;
    * ``"margin_to_notional"`` (MB / position value; liquidation at mmr):
      k = alert, e.g. alert = 0.01 warns when equity is 1 % of the value;
    * ``"equity_to_maintenance"`` (OKX-style, MB / MM; liquidation at 1):
      k = mmr x alert, e.g. alert = 1.5 warns at 150 %.

    At the liquidation threshold it is the liquidation price of
    :func:`perpmath.liquidation.liquidation_price` (flat rate, no
    maintenance amount). Source: Binance, "How to Calculate Liquidation
    Price of USDⓈ-M Futures Contracts" (the same balance equation).
    """
    s = v.side_sign(side)
    kind = v.choice("definition", definition, ALERT_DEFINITIONS)
    e = v.positive("entry_price", entry_price)
    lev = v.leverage(leverage)
    a = v.positive("alert", alert)
    mmr = v.in_range("maintenance_rate", maintenance_rate, 0.0, 1.0)
    q = v.positive("quantity", quantity)
    given = None if margin is None else v.positive("margin", margin)
    v.broadcastable(
        side=s, entry_price=e, leverage=lev, alert=a, maintenance_rate=mmr, quantity=q, margin=given
    )
    m = q * e / lev if given is None else given
    if kind == "maintenance_to_balance":
        if np.any(a > 1):
            raise ValueError(
                f"alert for 'maintenance_to_balance' must be at most 1 (liquidation), got {alert!r}"
            )
        k = mmr / a
    elif kind == "margin_to_notional":
        k = a
    else:
        if np.any(a < 1):
            raise ValueError(
                f"alert for 'equity_to_maintenance' must be at least 1 (liquidation), got {alert!r}"
            )
        k = mmr * a
    denom = q * k - s * q
    if np.any(denom == 0):
        raise ValueError(
            f"alert must not make the margin ratio independent of the price (with "
            f"maintenance_rate {maintenance_rate!r} it is the ratio at every price), got {alert!r}"
        )
    return v.result(np.maximum(v.not_overflowed((m - s * q * e) / denom), 0.0))
