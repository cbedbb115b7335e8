"""Auto-deleveraging (ADL): which profitable opposite positions are closed first.

When a bankrupt position cannot be closed in the market and the insurance
fund cannot absorb the loss, exchanges close positions on the other side at
the bankruptcy price of the liquidated one, in the order of a published
score (highest first). Each exchange publishes its own score; both forms
below favour large profits and high leverage.

"binance": Binance, "What Is Auto-Deleveraging (ADL) and How Does It Work"
(https://www.binance.com/en/support/faq/360033525471). Traders are ranked
by LeveragePnL = PnL percent x margin ratio, with

    PnL percent  = max(0, unrealized PnL) / max(1, wallet balance)
    margin ratio = maintenance margin / (wallet balance + unrealized PnL)
                   (0 when wallet balance + unrealized PnL <= 0)

The margin ratio is MMR x notional / margin balance, i.e. the maintenance
rate times the effective leverage, so the score is profit % x effective
leverage scaled by the maintenance rate. For an isolated position the
wallet balance is its isolated margin; in cross mode the account's wallet.

"bitmex": BitMEX, "Auto-Deleveraging" (https://www.bitmex.com/app/autoDeleveraging)
and the same formula in Bybit's earlier help page "What is Auto-Deleveraging (ADL)":

    ranking = PnL% x effective leverage   (PnL% > 0)
            = PnL% / effective leverage   (PnL% < 0)
    effective leverage = |mark value| / (mark value - bankrupt value)
    PnL% = (mark value - entry value) / |entry value|

with values = signed quantity x price (at mark, bankruptcy and entry price).
Longs and shorts are ranked separately.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from perpmath import _validate as v

__all__ = ["ADL_RANKINGS", "adl_allocation", "adl_queue", "adl_score"]

ADL_RANKINGS: dict[str, str] = {
    "binance": "LeveragePnL = max(0, uPnL) / max(1, wallet) x maintenance margin / (wallet + uPnL)",
    "bitmex": "PnL% x effective leverage (PnL% / effective leverage when losing); "
    "effective leverage = |mark value| / (mark value - bankrupt value)",
}
"""Named ADL rankings (sources in the module docstring)."""


def adl_score(
    side: str | ArrayLike,
    quantity: ArrayLike,
    entry_price: ArrayLike,
    mark_price: ArrayLike,
    margin: ArrayLike,
    *,
    maintenance_margin: ArrayLike | None = None,
    convention: str = "binance",
) -> v.Float:
    """ADL ranking score of linear positions (higher = deleveraged first).

    ``margin`` is the collateral backing the position (isolated margin, or
    the cross wallet balance), in quote currency. ``maintenance_margin`` is
    needed by the "binance" score (default 0.4% of the notional at mark).
    Bankruptcy price for "bitmex": BP = EP - s x margin / quantity.
    """
    name = v.choice("convention", convention, tuple(ADL_RANKINGS))
    s = v.side_sign(side)
    q = v.positive("quantity", quantity)
    e = v.positive("entry_price", entry_price)
    m = v.positive("mark_price", mark_price)
    w = v.as_float_array("margin", margin)
    upnl = s * q * (m - e)
    if name == "binance":
        mm = (
            0.004 * q * m
            if maintenance_margin is None
            else v.non_negative("maintenance_margin", maintenance_margin)
        )
        pnl_pct = np.maximum(0.0, upnl) / np.maximum(1.0, w)
        equity = w + upnl
        ratio = np.where(equity > 0, mm / np.where(equity > 0, equity, 1.0), 0.0)
        return v.result(pnl_pct * ratio)
    bp = e - s * w / q
    mark_value = s * q * m
    bankrupt_value = s * q * bp
    entry_value = s * q * e
    gap = mark_value - bankrupt_value  # = margin balance: > 0 while solvent
    eff = np.abs(mark_value) / np.where(gap > 0, gap, np.nan)
    pnl = (mark_value - entry_value) / np.abs(entry_value)
    with np.errstate(invalid="ignore"):
        score = np.where(pnl > 0, pnl * eff, pnl / eff)
    # a position already past its bankruptcy price has unbounded leverage
    score = np.where(gap > 0, score, np.where(pnl > 0, np.inf, -np.inf))
    return v.result(score)


def adl_queue(
    scores: ArrayLike, *, profitable_only: bool = True, pnl: ArrayLike | None = None
) -> NDArray[np.intp]:
    """Indices of positions in ADL order (first = closed first): by score,
    highest first, ties by index. With ``profitable_only`` (default) only
    positions whose ``pnl`` (or score, when pnl is not given) is > 0 queue."""
    sc = np.atleast_1d(np.asarray(scores, dtype=float))
    if np.isnan(sc).any():
        raise ValueError("scores must not contain NaN")
    order = np.lexsort((np.arange(sc.size), -sc))
    if profitable_only:
        ref = sc if pnl is None else np.atleast_1d(np.asarray(pnl, dtype=float))
        order = order[ref[order] > 0]
    return order


def adl_allocation(
    quantity: float, sizes: ArrayLike, scores: ArrayLike, **queue_options
) -> NDArray[np.float64]:
    """How much of each opposite position ADL closes to absorb ``quantity``:
    positions are taken whole in queue order, the last one partly. Returns
    an array like ``sizes`` (0 for positions not touched); if the queue holds
    less than ``quantity``, everything in it is closed."""
    q = float(v.positive("quantity", quantity))
    sz = np.atleast_1d(v.non_negative("sizes", sizes))
    order = adl_queue(scores, **queue_options)
    take = np.zeros(sz.size)
    before = np.cumsum(sz[order]) - sz[order]
    take[order] = np.clip(q - before, 0.0, sz[order])
    return take
