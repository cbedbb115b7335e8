"""Spot holding vs perpetual futures along one price path (course section 01).

A spot buyer spends ``capital`` on coin and owns it: the holding is worth
``capital x price / price[0]`` and can fall towards zero but never below.
A perpetual futures trader posts the same ``capital`` as isolated margin on a
linear (USDT-margined) contract and controls ``capital x leverage`` of
notional. Its equity (margin balance) moves by the unrealised PnL, and the
exchange liquidates the position as soon as the equity falls to the
maintenance margin; from then on the position is gone and its equity is 0.

Sources: Binance, "How to Calculate Unrealized PnL" (USDⓈ-M: PnL = side x
quantity x (mark - entry)); Binance, "Leverage and Margin of USDⓈ-M Futures"
(maintenance margin = notional x MMR - maintenance amount); Binance,
"Liquidation" FAQ (https://www.binance.com/en/support/faq/360033525271: a
position is liquidated when the margin balance falls to the maintenance
margin).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from perpmath import _validate as v
from perpmath.tiers import TierTable, load_tier_table

if TYPE_CHECKING:
    from perpmath.account import Account

__all__ = ["MAINTENANCE_BASES", "account_equity_path", "scripted_path", "spot_vs_perpetual"]

#: Names accepted by ``maintenance_basis`` (see ``spot_vs_perpetual``).
MAINTENANCE_BASES = ("mark", "entry")


def _path(prices: ArrayLike) -> tuple[np.ndarray, pd.Index]:
    index = prices.index if isinstance(prices, pd.Series) else None
    p = v.positive("prices", prices)
    if p.ndim != 1 or p.size < 1:
        raise ValueError(
            f"prices must be a one-dimensional path with at least one price, got shape {p.shape}"
        )
    if index is None:
        index = pd.RangeIndex(p.size, name="step")
    return p, index


def _as_tuple(name: str, value: object) -> tuple:
    if isinstance(value, str) or np.ndim(value) == 0:
        return (value,)
    items = tuple(np.ravel(np.asarray(value, dtype=object)))
    if not items:
        raise ValueError(f"{name} must not be empty")
    return items


def _threshold_prices(
    s: np.ndarray,
    qty: np.ndarray,
    cap: float,
    p: np.ndarray,
    maintenance: TierTable | float,
    rate: float,
    basis: str,
) -> np.ndarray:
    """Price at which each position's equity meets its maintenance margin (NaN: never).

    Solves cap + s x q x (P - P0) = MM for P. With MM on the notional at
    the current price and a table, MM = q x P x r_k - c_k in tier k, so
    P = (s x q x P0 - cap - c_k) / (q x (s - r_k)), kept only in the tier
    whose bracket holds q x P (Binance's tier search). With MM at entry,
    P = P0 + (MM(q x P0) - cap) / (s x q).
    """
    p0 = p[0]
    if isinstance(maintenance, TierTable):
        rates, amounts = maintenance.maintenance_rate, maintenance.maintenance_amount
        floors, caps = maintenance.floor, maintenance.cap
    else:
        rates, amounts = np.array([rate]), np.array([0.0])
        floors, caps = np.array([0.0]), np.array([np.inf])
    if basis == "entry":
        mm0 = (
            np.asarray(maintenance.maintenance_margin(qty * p0))
            if isinstance(maintenance, TierTable)
            else qty * p0 * rate
        )
        return p0 + (mm0 - cap) / (s * qty)
    if isinstance(maintenance, TierTable):
        maintenance.tier_index(float(qty.max() * p.max()))  # raises beyond the largest tier
    cand = ((s * qty * p0 - cap)[:, None] - amounts[None, :]) / (
        qty[:, None] * (s[:, None] - rates[None, :])
    )
    n = qty[:, None] * cand
    inside = (cand > 0) & (n <= caps[None, :])
    first_tier = (np.arange(rates.size) == 0)[None, :]
    inside &= (n > floors[None, :]) | first_tier
    k = np.where(inside.any(axis=1), inside.argmax(axis=1), -1)
    return np.where(k >= 0, cand[np.arange(s.size), np.maximum(k, 0)], np.nan)


@v.no_overflow
def spot_vs_perpetual(
    prices: ArrayLike,
    capital: float,
    leverages: float | Sequence[float] = (1.0, 10.0),
    sides: str | Sequence[str] = ("long",),
    maintenance: TierTable | float | None = None,
    maintenance_basis: str = "mark",
) -> pd.DataFrame:
    """Equity of a spot holding and of leveraged perpetuals along one price path.

    Parameters
    ----------
    prices:
        The price path (USDT per coin), one value per step; ``prices[0]`` is
        the purchase / entry price. A pandas Series keeps its index.
    capital:
        What the trader commits (USDT): the spot purchase, and the isolated
        margin of each perpetual.
    leverages, sides:
        Every combination of side and leverage becomes one perpetual column
        named like ``"long 10x"``.
    maintenance:
        A TierTable (maintenance margin = notional x MMR - amount of the tier
        the notional falls in) or a constant maintenance rate; ``None`` uses
        the Binance BTCUSDT USDⓈ-M table. With a table, a leverage above the
        tier's maximum at entry is rejected.
    maintenance_basis:
        Which notional the maintenance margin is computed on; exchanges
        differ. ``"mark"`` (Binance USDⓈ-M): the notional at the current
        price, quantity x price. ``"entry"`` (Bybit, "Liquidation Price (USDT
        Contract)", isolated mode): the position value at entry, quantity x
        price[0], so the liquidation price is entry - (IM - MM) / quantity
        for a long.

    Returns
    -------
    DataFrame indexed by step with columns ``price``, ``spot`` and one per
    perpetual, all in USDT:

        spot equity      = capital x price / price[0]
        quantity         = capital x leverage / price[0]           (coin)
        perpetual equity = capital + s x quantity x (price - price[0])
        liquidated once  equity <= maintenance margin(quantity x price)

    A liquidated position's equity is 0 from the liquidation step on: the
    isolated margin is lost (what is left of it at the liquidation price
    goes to the exchange's liquidation fee / insurance fund, section 06).
    Fees and funding are ignored. ``df.attrs["liquidated_at"]`` maps each
    perpetual column to the index label of its liquidation step (or None),
    ``df.attrs["quantity"]`` to its size in coin.
    """
    p, index = _path(prices)
    cap = v.scalar("capital", v.positive("capital", capital))
    s, L, columns = _positions(leverages, sides)
    maintenance, rate = _maintenance(maintenance, cap * L, L)
    qty = cap * L / p[0]
    basis = v.choice("maintenance_basis", maintenance_basis, MAINTENANCE_BASES)
    lp = _threshold_prices(s, qty, cap, p, maintenance, rate, basis)
    first = _first_steps_at_or_beyond(p, s, lp)
    equity = np.multiply.outer(p - p[0], s * qty)
    equity += cap
    equity[np.arange(p.size)[:, None] >= first[None, :]] = 0.0
    first = np.where(first < p.size, first, -1)

    frame = pd.DataFrame(equity, index=index, columns=columns, copy=False)
    frame.insert(0, "spot", cap * p / p[0])
    frame.insert(0, "price", p)
    frame.attrs["liquidated_at"] = {
        col: (index[int(i)] if i >= 0 else None) for col, i in zip(columns, first, strict=True)
    }
    frame.attrs["quantity"] = dict(zip(columns, qty.tolist(), strict=True))
    return frame


def _positions(
    leverages: float | Sequence[float], sides: str | Sequence[str]
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Sign and leverage of each perpetual column, one per (side, leverage), side-major,
    and the column names like ``"long 10x"``."""
    v.leverage(leverages, "leverages")  # numbers first: a ragged list names leverages
    lev = np.atleast_1d(v.leverage(list(_as_tuple("leverages", leverages)), "leverages"))
    side_list = _as_tuple("sides", sides)
    signs = np.atleast_1d(v.side_sign(np.asarray(side_list, dtype=object)))
    names_side = [str(s).strip().lower() for s in side_list]
    columns = [f"{name} {x:g}x" for name in names_side for x in lev]
    if len(set(columns)) != len(columns):
        raise ValueError(f"sides and leverages must not repeat, got columns {columns}")
    return np.repeat(signs, lev.size), np.tile(lev, signs.size), columns


def _maintenance(
    maintenance: TierTable | float | None, notional: np.ndarray, leverage: np.ndarray
) -> tuple[TierTable | float, float]:
    """The table (default Binance BTCUSDT), its leverage checked at entry, and the
    constant rate (0.0 with a table)."""
    if maintenance is None:
        maintenance = load_tier_table("binance_usdm_btcusdt", date="2021-03-18")
    if isinstance(maintenance, TierTable):
        # capital x leverage is the notional qty x p[0] without its rounding noise, which
        # could put a position at a bracket's cap into the next bracket
        maintenance.check_leverage(notional, leverage)
        return maintenance, 0.0
    rates = v.in_range("maintenance", maintenance, 0.0, 1.0)
    if rates.ndim != 0:
        raise ValueError(f"maintenance must be one rate or a TierTable, got {maintenance!r}")
    return maintenance, float(rates)


def _first_steps_at_or_beyond(p: np.ndarray, s: np.ndarray, lp: np.ndarray) -> np.ndarray:
    """Index of the first step at or beyond each liquidation price (``p.size``: never).

    Equity - maintenance margin is monotone in the price (increasing for a
    long, decreasing for a short), so "equity <= maintenance margin" is
    exactly "price at or beyond the liquidation price": the first such step
    is where the running minimum (long) or maximum (short) of the path
    first reaches it, found by binary search.
    """
    running_min = np.minimum.accumulate(p)
    running_max = np.maximum.accumulate(p)
    lp_search = np.where(np.isnan(lp), np.where(s > 0, -np.inf, np.inf), lp)
    return np.where(
        s > 0,
        np.searchsorted(-running_min, -lp_search, side="left"),
        np.searchsorted(running_max, lp_search, side="left"),
    )


@v.no_overflow
def scripted_path(
    anchors: Sequence[float] = (96_000.0, 101_000.0, 84_000.0, 99_000.0),
    steps_per_leg: int = 60,
    wiggle: float = 0.002,
    seed: int | np.random.Generator | None = 7,
) -> np.ndarray:
    """A price path that passes exactly through ``anchors``, with small seeded wiggles.

    Between consecutive anchors the price moves in a straight line over
    ``steps_per_leg`` steps; each interior step is then multiplied by
    ``exp(wiggle x N(0, 1))`` drawn from ``numpy.random.default_rng(seed)``
    (``wiggle=0`` gives the straight legs). The anchors themselves are hit
    exactly, so a course example can say "the price falls from 101,000 to
    84,000 and recovers to 99,000" and be right. Returns an array of
    ``(len(anchors) - 1) x steps_per_leg + 1`` prices.

    The default tells the running example's story: a rally, a 17% fall, and
    a recovery to above the starting price.
    """
    a = v.positive("anchors", anchors)
    if a.ndim != 1 or a.size < 2:
        raise ValueError(f"anchors must hold at least two prices, got {anchors!r}")
    n = v.integer("steps_per_leg", steps_per_leg, 1, 1_000_000)
    w = v.scalar("wiggle", v.non_negative("wiggle", wiggle))
    if w > 0.05:
        raise ValueError(f"wiggle must lie in [0, 0.05] (a fraction per step), got {wiggle!r}")
    legs = a.size - 1
    t = np.arange(legs * n + 1) / n
    path = np.interp(t, np.arange(a.size), a)
    if seed is not None and not isinstance(seed, np.random.Generator):
        seed = v.integer("seed", seed, minimum=0)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    shocks = w * rng.standard_normal(path.size)
    shocks[::n] = 0.0
    return path * np.exp(shocks)


@v.no_overflow
def account_equity_path(account: Account, marks: Mapping[str, ArrayLike]) -> pd.DataFrame:
    """Equity of an account along a path of marks, with liquidations that stick.

    ``marks`` maps each symbol to a one-dimensional path of mark prices (all
    of one length). At each step the account's margin pools are checked with
    ``Account.liquidated``; once a pool is liquidated it stays closed:

    * an isolated position that is liquidated loses its isolated margin and
      contributes 0 from then on; the rest of the account is untouched;
    * when the cross pool is liquidated, every cross position is closed and
      the whole cross wallet balance is lost.

    equity(t) = sum over live isolated positions (margin + uPnL)
                + [cross pool alive] x (cross wallet balance + cross uPnL)

    What is left of a pool's margin at the moment of liquidation goes to the
    exchange (liquidation fee / insurance fund, section 06), so the trader
    keeps nothing of it. Fees and funding are ignored.

    Returns a DataFrame indexed by step with the column ``equity`` (margin
    currency) and one boolean column ``"<symbol> liquidated"`` per position;
    ``attrs["liquidated_at"]`` maps each symbol to its first liquidation step
    (or None). Sources: Binance, "What Are Isolated and Cross Margin Modes";
    Binance, "Liquidation" FAQ.
    """
    from perpmath.account import Account

    v.instance("account", account, Account, "a perpmath Account")
    v.instance("marks", marks, Mapping, "a mapping from each symbol to a path of prices")
    paths = {s: v.positive(f"marks[{s!r}]", marks.get(s, np.nan)) for s in account.symbols}
    lengths = {p.shape for p in paths.values()}
    if len(lengths) != 1 or next(iter(lengths)) == () or len(next(iter(lengths))) != 1:
        raise ValueError(
            "marks must give every symbol a one-dimensional path of the same length, got "
            f"shapes { {s: p.shape for s, p in paths.items()} }"
        )
    flags = account.liquidated(paths)
    steps = next(iter(paths.values())).size
    index = pd.RangeIndex(steps, name="step")
    equity = np.zeros(steps)
    cross_dead = np.zeros(steps, dtype=bool)
    cross_pnl = np.zeros(steps)
    columns: dict[str, np.ndarray] = {}
    for pos in account.positions:
        dead = np.logical_or.accumulate(np.asarray(flags[pos.symbol], dtype=bool))
        pnl = np.asarray(pos.unrealized_pnl(paths[pos.symbol]), dtype=float)
        if pos.margin_mode == "isolated":
            equity += np.where(dead, 0.0, pos.isolated_margin + pnl)
        else:
            cross_dead |= dead
            cross_pnl += pnl
        columns[f"{pos.symbol} liquidated"] = dead
    if account.cross_positions:
        cross_dead = np.logical_or.accumulate(cross_dead)
        equity += np.where(cross_dead, 0.0, account.cross_wallet_balance + cross_pnl)
        for pos in account.cross_positions:
            columns[f"{pos.symbol} liquidated"] = cross_dead
    else:
        equity += account.cross_wallet_balance
    frame = pd.DataFrame({"equity": equity, **columns}, index=index)
    frame.attrs["liquidated_at"] = {
        pos.symbol: (
            int(np.argmax(columns[f"{pos.symbol} liquidated"]))
            if columns[f"{pos.symbol} liquidated"].any()
            else None
        )
        for pos in account.positions
    }
    return frame
