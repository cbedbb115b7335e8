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

"okx": OKX, "Automatic-Deleveraging: what it is and how it affects your
positions" (https://www.okx.com/help/iv-introduction-to-auto-deleveraging-adl)
ranks profitable positions by PnL ratio / margin ratio and losing ones by
PnL ratio x margin ratio, with PnL ratio = s (mark - entry) / entry and the
position's margin ratio = (margin + unrealized PnL) / notional at mark. (The
stored copy of the page lists the factors; the margin-ratio form is the one
OKX defines for isolated positions on its margin pages.)

"hyperliquid": Hyperliquid Docs, "Auto-deleveraging"
(https://hyperliquid.gitbook.io/hyperliquid-docs/trading/auto-deleveraging):
"ranked by unrealized pnl and leverage used". The docs give no formula; the
score used here is unrealized PnL (quote currency) x effective leverage
(notional at mark / margin balance), which orders by both as stated.

Beyond queues, ``adl_haircuts`` and ``compare_adl_policies`` put the same
shortfall to different allocation policies, including the pro-rata and
risk-aware pro-rata haircuts of T. Chitra, "Autodeleveraging: Impossibilities
and Optimization", arXiv 2512.01112 (v3, 16 February 2026): ADL as a haircut
on winners' positive unrealized PnL (never on their collateral), sized to the
shortfall exactly (no overshoot), spread over winners instead of taken from
the top of a queue.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from perpmath import _validate as v

__all__ = [
    "ADL_POLICIES",
    "ADL_RANKINGS",
    "adl_allocation",
    "adl_haircuts",
    "adl_queue",
    "adl_score",
    "compare_adl_policies",
]

ADL_RANKINGS: dict[str, str] = {
    "binance": "LeveragePnL = max(0, uPnL) / max(1, wallet) x maintenance margin / (wallet + uPnL)",
    "bitmex": "PnL% x effective leverage (PnL% / effective leverage when losing); "
    "effective leverage = |mark value| / (mark value - bankrupt value)",
    "okx": "PnL ratio / margin ratio (PnL ratio x margin ratio when losing); "
    "margin ratio = (margin + uPnL) / notional at mark",
    "hyperliquid": "unrealized PnL x effective leverage (the docs name the two factors only)",
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
    if name in ("okx", "hyperliquid"):
        return v.result(_okx_or_hyperliquid(name, upnl, w, q * m, (m - e) * s / e))
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


def _okx_or_hyperliquid(name, upnl, margin, notional, pnl_ratio):
    equity = margin + upnl
    solvent = equity > 0
    safe = np.where(solvent, equity, 1.0)
    if name == "okx":
        ratio = safe / notional  # margin ratio of the position
        with np.errstate(divide="ignore", invalid="ignore"):
            score = np.where(pnl_ratio > 0, pnl_ratio / ratio, pnl_ratio * ratio)
    else:
        score = upnl * (notional / safe)
    return np.where(solvent, score, np.where(upnl > 0, np.inf, -np.inf))


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
        if pnl is None:
            ref = sc
        else:
            ref = np.atleast_1d(v.as_float_array("pnl", pnl))
            if ref.shape != sc.shape:
                raise ValueError(f"pnl must have one value per score ({sc.size}), got {ref.size}")
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
    n_scores = np.atleast_1d(np.asarray(scores, dtype=float)).size
    if n_scores != sz.size:
        raise ValueError(f"scores must have one value per size ({sz.size}), got {n_scores}")
    order = adl_queue(scores, **queue_options)
    take = np.zeros(sz.size)
    before = np.cumsum(sz[order]) - sz[order]
    take[order] = np.clip(q - before, 0.0, sz[order])
    return take


ADL_POLICIES: dict[str, str] = {
    **{f"queue: {k}": f"close the bankrupt quantity down the {k} ranking" for k in ADL_RANKINGS},
    "pro_rata": "haircut = shortfall x profit_i / total profit (capped at profit_i)",
    "risk_aware_pro_rata": "haircut = shortfall x profit_i x leverage_i / sum(...), "
    "capped at profit_i, the excess re-spread (water-filling)",
}
"""ADL allocation policies compared by ``compare_adl_policies``."""


def _capped_shares(total: float, weights: NDArray, caps: NDArray) -> NDArray:
    """Split ``total`` pro rata to ``weights``, never above ``caps``; what a capped
    account cannot take is re-spread over the others (water-filling)."""
    out = np.zeros_like(caps)
    free = (weights > 0) & (caps > 0)
    left = total
    for _ in range(caps.size + 1):
        if left <= 1e-12 * max(total, 1.0) or not free.any():
            break
        share = np.where(free, weights, 0.0)
        share = left * share / share.sum()
        room = caps - out
        over = free & (share >= room)
        if not over.any():
            out += share
            left = 0.0
            break
        out[over] += room[over]
        left -= float(room[over].sum())
        free &= ~over
    return out


def adl_haircuts(
    shortfall: float,
    profit: ArrayLike,
    *,
    policy: str = "pro_rata",
    leverage: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """Haircut on each winner's positive unrealized PnL that covers ``shortfall``
    under a pro-rata policy (quote currency; Chitra, arXiv 2512.01112).

    ``pro_rata``: h_i = D x p_i / sum p; ``risk_aware_pro_rata``: weights
    p_i x leverage_i. Each h_i <= p_i (profit only, never collateral); if
    sum p < D every profit is taken and the rest stays uncovered.
    """
    name = v.choice("policy", policy, ("pro_rata", "risk_aware_pro_rata"))
    d = float(v.non_negative("shortfall", shortfall))
    p = np.maximum(np.atleast_1d(v.as_float_array("profit", profit)), 0.0)
    w = p.copy()
    if name == "risk_aware_pro_rata":
        if leverage is None:
            raise ValueError("leverage is needed by the risk_aware_pro_rata policy")
        lev = np.atleast_1d(v.non_negative("leverage", leverage))
        if lev.shape != p.shape:
            raise ValueError(f"leverage must have one value per profit ({p.size}), got {lev.size}")
        w = p * lev
    return _capped_shares(min(d, float(p.sum())), w, p)


def compare_adl_policies(
    side: str,
    quantity: ArrayLike,
    entry_price: ArrayLike,
    mark_price: float,
    margin: ArrayLike,
    *,
    bankrupt_quantity: float,
    bankruptcy_price: float,
    maintenance_margin: ArrayLike | None = None,
) -> pd.DataFrame:
    """The same shortfall put to every ADL policy, side by side.

    A position of ``bankrupt_quantity`` on the other side than ``side`` went
    bankrupt at ``bankruptcy_price`` while the mark is ``mark_price``; the
    shortfall vs the mark is D = Q x |BP - mark|. The winners are the
    ``side`` positions (quantity, entry price, margin). Queue policies close
    Q of them down the ranking at BP (each closed unit costs its holder
    |BP - mark| vs closing at the mark); pro-rata policies take D from
    profits without closing positions.

    Columns per policy: haircut (total profit taken vs the mark), covered
    (haircut >= D: the venue stays solvent), accounts hit, largest share of
    one account's profit taken, concentration (Herfindahl index of the
    haircuts: 1 = one account pays all), notional closed.
    """
    s = float(v.side_sign(side))
    q = np.atleast_1d(v.positive("quantity", quantity))
    e = np.atleast_1d(v.positive("entry_price", entry_price))
    w = np.atleast_1d(v.non_negative("margin", margin))
    m = float(v.positive("mark_price", mark_price))
    big_q = float(v.positive("bankrupt_quantity", bankrupt_quantity))
    bp = float(v.positive("bankruptcy_price", bankruptcy_price))
    q, e, w = np.broadcast_arrays(q, e, w)
    profit = s * q * (m - e)
    unit = abs(bp - m)
    d = big_q * unit
    equity = np.maximum(w + profit, 1e-12)
    lev = q * m / equity
    rows = {}
    for name in ADL_RANKINGS:
        mm = None if maintenance_margin is None else maintenance_margin
        scores = adl_score(side, q, e, m, w, maintenance_margin=mm, convention=name)
        scores = np.nan_to_num(np.asarray(scores, dtype=float), posinf=1e300, neginf=-1e300)
        closed = adl_allocation(big_q, q, scores, pnl=profit)
        rows[f"queue: {name}"] = _policy_row(closed * unit, profit, d, closed * m)
    for name in ("pro_rata", "risk_aware_pro_rata"):
        cut = adl_haircuts(d, profit, policy=name, leverage=lev)
        rows[name] = _policy_row(cut, profit, d, np.zeros_like(cut))
    return pd.DataFrame(rows).T


def _policy_row(cut: NDArray, profit: NDArray, d: float, closed_notional: NDArray) -> dict:
    total = float(cut.sum())
    shares = cut / total if total > 0 else cut
    pos = profit > 0
    frac = np.where(pos, cut / np.where(pos, profit, 1.0), 0.0)
    return {
        "shortfall": d,
        "haircut": total,
        "covered": bool(total >= d * (1 - 1e-9)),
        "accounts hit": int((cut > 1e-12 * max(d, 1.0)).sum()),
        "largest share of one profit": float(frac.max()) if frac.size else 0.0,
        "concentration (HHI)": float((shares**2).sum()),
        "notional closed": float(closed_notional.sum()),
    }
