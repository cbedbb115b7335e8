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
(notional at mark / margin balance), which orders by both as stated. A public
reconstruction of 10 October 2025 (ConejoCapital/HyperMultiAssetedADL, not a
venue statement) found the accounts deleveraged that day 98% profitable and
at 1.16x average leverage: a queue led by profit in dollars, as this score
is when leverage is low.

Beyond queues, ``adl_haircuts`` and ``compare_adl_policies`` put the same
shortfall to the allocation policies of T. Chitra, "Autodeleveraging:
Impossibilities and Optimization", arXiv 2512.01112 (v3, 16 February 2026;
equation numbers of the v1 text, 30 November 2025). A policy haircuts the
winners by fractions h_i in [0, 1] of what each can lose (here its positive
unrealized PnL: the v3 abstract and the companion paper, Chitra et al.,
"Autodeleveraging as Online Learning", arXiv 2602.15182, apply haircuts to
profits, not to posted collateral), with sum_i h_i p_i = the shortfall:

- pro-rata (eq. 20): h_i the same for every winner, so haircut_i ∝ p_i;
- levered pro-rata (eq. 21): haircut_i ∝ leverage_i x p_i;
- risk-aware pro-rata, RAP (eq. 33): h_i = min(1, tau x w_i) with weights
  w_i = lambda_i g(lambda_i), lambda_i = the winner's effective leverage
  (notional / equity) and g a convex risk model: linear g(l) = l, power
  g(l) = l^c, CVaR g(l) = (l - t)+; tau is found by water-filling so the
  haircuts sum to the shortfall (the paper's Appendix D algorithm). The
  paper derives RAP from minimizing the expected deficit after one more
  price shock (its section 7) and shows the tilt with an example
  (Appendix E.1) that the tests reproduce.

Queues overshoot nothing here (they close exactly the bankrupt quantity);
they differ from the pro-rata policies in whom they hit and in closing
positions rather than taking profit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from perpmath import _validate as v

__all__ = [
    "ADL_POLICIES",
    "ADL_RANKINGS",
    "ENGINE_RANKINGS",
    "RISK_MODELS",
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

ENGINE_RANKINGS: tuple[str, ...] = (*ADL_RANKINGS, "random")
"""ADL orders the exchange simulator can use: the scored rankings above and
dYdX v4's ``random`` (the opposite positions in turn from a pseudo-random
start; dydxprotocol/v4-chain, x/clob/keeper/deleveraging.go)."""


@v.no_overflow(inf=True)
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
    A position already past its bankruptcy price scores ``inf`` (in profit) or ``-inf`` (at a
    loss): its leverage is unbounded, it ranks first or last.
    """
    name = v.choice("convention", convention, tuple(ADL_RANKINGS))
    s = v.side_sign(side)
    q = v.positive("quantity", quantity)
    e = v.positive("entry_price", entry_price)
    m = v.positive("mark_price", mark_price)
    w = v.non_negative("margin", margin)
    _same_length(("quantity", q), ("side", s), ("entry_price", e), ("mark_price", m),
                 ("margin", w))  # fmt: skip
    upnl = s * q * (m - e)
    if name == "binance":
        mm = (
            0.004 * q * m
            if maintenance_margin is None
            else v.non_negative("maintenance_margin", maintenance_margin)
        )
        _same_length(("quantity", q), ("maintenance_margin", mm))
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
    return v.result(_unbounded_past_bankruptcy(gap > 0, score, pnl))


def _same_length(*named: tuple[str, ArrayLike]) -> None:
    """Array arguments hold one value per position of the first (or one for all)."""
    ref_name, ref = named[0]
    n = np.size(ref)
    for name, x in named[1:]:
        k = np.size(x)
        if k not in (1, n) and n != 1:
            raise ValueError(
                f"{name} must have one value per position ({n}, as {ref_name}) or one "
                f"for all, got {k}"
            )


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
    return _unbounded_past_bankruptcy(solvent, score, upnl)


def _unbounded_past_bankruptcy(solvent, score, pnl):
    """``score`` where the position is solvent (it must not have overflowed), and
    +inf (in profit) or -inf (at a loss) past its bankruptcy price, where its
    leverage is unbounded: it ranks first or last."""
    kept = v.not_overflowed(np.where(solvent, score, 0.0))
    return np.where(solvent, kept, np.where(pnl > 0, np.inf, -np.inf))


@v.no_overflow
def adl_queue(
    scores: ArrayLike, *, profitable_only: bool = True, pnl: ArrayLike | None = None
) -> NDArray[np.intp]:
    """Indices of positions in ADL order (first = closed first): by score,
    highest first, ties by index. With ``profitable_only`` (default) only
    positions whose ``pnl`` (or score, when pnl is not given) is > 0 queue.
    A score may be +inf or -inf (``adl_score`` of a position past its
    bankruptcy price): it ranks first or last; NaN is refused."""
    sc = np.atleast_1d(v.ranks("scores", scores))
    if sc.ndim != 1:
        raise ValueError(f"scores must be one-dimensional (one per position), got shape {sc.shape}")
    order = np.lexsort((np.arange(sc.size), -sc))
    if v.flag("profitable_only", profitable_only):
        if pnl is None:
            ref = sc
        else:
            ref = np.atleast_1d(v.as_float_array("pnl", pnl))
            if ref.shape != sc.shape:
                raise ValueError(f"pnl must have one value per score ({sc.size}), got {ref.size}")
        order = order[ref[order] > 0]
    return order


@v.no_overflow
def adl_allocation(
    quantity: float, sizes: ArrayLike, scores: ArrayLike, **queue_options
) -> NDArray[np.float64]:
    """How much of each opposite position ADL closes to absorb ``quantity``:
    positions are taken whole in queue order, the last one partly. Returns
    an array like ``sizes`` (0 for positions not touched); if the queue holds
    less than ``quantity``, everything in it is closed."""
    q = v.scalar("quantity", v.positive("quantity", quantity))
    sz = np.atleast_1d(v.non_negative("sizes", sizes))
    sc = np.atleast_1d(v.ranks("scores", scores))
    if sc.shape != sz.shape:
        raise ValueError(f"scores must have one value per size ({sz.size}), got {sc.size}")
    order = adl_queue(sc, **queue_options)
    take = np.zeros(sz.size)
    before = np.cumsum(sz[order]) - sz[order]
    take[order] = np.clip(q - before, 0.0, sz[order])
    return take


ADL_POLICIES: dict[str, str] = {
    **{f"queue: {k}": f"close the bankrupt quantity down the {k} ranking" for k in ADL_RANKINGS},
    "pro_rata": "haircut_i = shortfall x p_i / sum(p) (Chitra eq. 20)",
    "levered_pro_rata": "haircut_i ∝ leverage_i x p_i, capped at p_i (Chitra eq. 21)",
    "risk_aware_pro_rata": "h_i = min(1, tau x lambda_i g(lambda_i)), haircut_i = h_i p_i "
    "(Chitra eq. 33, risk model g)",
}
"""ADL allocation policies compared by ``compare_adl_policies`` (p_i: winner i's
positive unrealized PnL; sources in the module docstring)."""

RISK_MODELS = ("linear", "power", "cvar")
"""Convex risk models g of the risk-aware pro-rata rule: linear g(l) = l, power
g(l) = l^c, CVaR g(l) = max(l - t, 0) (Chitra, section 7)."""


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
        share = left * (share / share.sum())
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


def _risk_weight(lev: NDArray, model: str, power: float, threshold: float) -> NDArray:
    """w = lambda x g(lambda) of the risk-aware pro-rata rule."""
    if model == "linear":
        return lev * lev
    if model == "power":
        return lev * lev**power
    return lev * np.maximum(lev - threshold, 0.0)


@v.no_overflow
def adl_haircuts(
    shortfall: float,
    profit: ArrayLike,
    *,
    policy: str = "pro_rata",
    leverage: ArrayLike | None = None,
    risk_model: str = "linear",
    power: float = 2.0,
    threshold: float = 1.0,
) -> NDArray[np.float64]:
    """Haircut on each winner's positive unrealized PnL that covers ``shortfall``
    (quote currency; T. Chitra, arXiv 2512.01112, equations 20, 21 and 33).

    ``pro_rata``: haircut_i = D x p_i / sum p. ``levered_pro_rata``: shares
    ∝ leverage_i x p_i. ``risk_aware_pro_rata``: fractions h_i = min(1, tau
    w_i) of each profit with w_i = lambda_i g(lambda_i) (``risk_model``
    'linear', 'power' with exponent ``power``, or 'cvar' with ``threshold``),
    so shares ∝ p_i w_i. ``leverage``: each winner's effective leverage
    lambda_i = notional / equity (needed by the last two). Each haircut is at
    most p_i (profit only, never collateral): what a capped winner cannot take
    is spread over the others (water-filling); if sum p < D every profit is
    taken and the rest stays uncovered.
    """
    name = v.choice("policy", policy, ("pro_rata", "levered_pro_rata", "risk_aware_pro_rata"))
    model = v.choice("risk_model", risk_model, RISK_MODELS)
    d = v.scalar("shortfall", v.non_negative("shortfall", shortfall))
    p = np.maximum(np.atleast_1d(v.as_float_array("profit", profit)), 0.0)
    c = v.scalar("power", v.positive("power", power))
    t = v.scalar("threshold", v.non_negative("threshold", threshold))
    lev = None if leverage is None else np.atleast_1d(v.non_negative("leverage", leverage))
    if lev is not None and lev.shape != p.shape:
        raise ValueError(f"leverage must have one value per profit ({p.size}), got {lev.size}")
    w = p.copy()
    if name != "pro_rata":
        if lev is None:
            raise ValueError(f"leverage is needed by the {name} policy")
        w = p * (lev if name == "levered_pro_rata" else _risk_weight(lev, model, c, t))
    return _capped_shares(min(d, float(p.sum())), w, p)


@v.no_overflow
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
    haircuts: 1 = one account pays all), the haircut-weighted effective
    leverage of the winners hit, notional closed.
    """
    s = v.one_side(side)
    q = np.atleast_1d(v.positive("quantity", quantity))
    e = np.atleast_1d(v.positive("entry_price", entry_price))
    w = np.atleast_1d(v.non_negative("margin", margin))
    m = v.scalar("mark_price", v.positive("mark_price", mark_price))
    big_q = v.scalar("bankrupt_quantity", v.positive("bankrupt_quantity", bankrupt_quantity))
    bp = v.scalar("bankruptcy_price", v.positive("bankruptcy_price", bankruptcy_price))
    if q.size == 0:
        raise ValueError("quantity must hold at least one winner's position, got none")
    for name, arr in (("entry_price", e), ("margin", w)):
        if arr.size not in (1, q.size):
            raise ValueError(f"{name} must have one value per quantity ({q.size}), got {arr.size}")
    if maintenance_margin is not None:
        _same_length(("quantity", q), ("maintenance_margin", maintenance_margin))
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
        rows[f"queue: {name}"] = _policy_row(closed * unit, profit, d, closed * m, lev)
    for name in ("pro_rata", "levered_pro_rata", "risk_aware_pro_rata"):
        cut = adl_haircuts(d, profit, policy=name, leverage=lev)
        rows[name] = _policy_row(cut, profit, d, np.zeros_like(cut), lev)
    return pd.DataFrame(rows).T


def _policy_row(
    cut: NDArray, profit: NDArray, d: float, closed_notional: NDArray, lev: NDArray
) -> dict:
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
        "leverage of those hit (haircut-weighted)": float((shares * lev).sum()) if total else 0.0,
        "notional closed": float(closed_notional.sum()),
    }
