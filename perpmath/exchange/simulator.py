"""Exchange simulator: many accounts, a mark-price path, liquidations and the deficit waterfall.

Model (one linear perpetual, money in quote currency):

- Each account holds one position (long or short) and a wallet. In
  ``isolated`` mode only the isolated margin is at risk; in ``cross`` mode
  the whole wallet is. Positions are carried as signed quantity and signed
  cost (quantity x entry price), so unrealized PnL = quantity x mark - cost.
- Open interest is balanced: whatever the accounts' longs and shorts do not
  match is held by ``liquidity_providers`` (the market makers behind the
  book) at the accounts' entry prices, and every liquidation fill in the book
  moves the position to them at the fill price. Unrealized PnL therefore
  sums to a constant and money can only move, never appear.
- Trigger on mark price: an account is liquidated when its margin balance
  (at-risk margin + unrealized PnL) is at or below its maintenance margin
  (rate x notional at mark, or a TierTable), as in Binance's and Bybit's
  liquidation FAQs (trigger on the mark price). With ``delay`` = k
  the engine acts k steps after the trigger, at the mark of that step.
- ``liquidation="full"``: the position is closed in the step's book with an
  order at its bankruptcy price BP = (cost - margin) / quantity and settled
  at BP (engine.py): fill better than BP -> fee, then the rest to the fund;
  worse -> deficit. ``"partial"``: each trigger closes ``partial_fraction``
  of the position at the fill (the trader keeps the realized PnL and pays the
  fee) while the margin balance stays positive; once it is not, the rest is
  liquidated in full. Bybit, "Liquidation Process" (risk-limit reduction);
  OKX, "Partial liquidation".
- The deficit waterfall (``WATERFALLS``), with negative-balance protection on:
  the insurance fund pays first; then
  * ``adl``: the engine fills in the book only as much as the fund can
    carry and closes the rest against the opposite positions at the top of
    the ADL ranking (adl.py) at BP, so no new deficit arises (Binance/BitMEX
    ADL pages);
  * ``socialized_loss``: what the fund cannot pay is advanced by the venue
    and clawed back at the end of the step from the open positions with
    unrealized profit, pro rata to that profit and at most all of it (a
    haircut: the clawed amount is realized and paid to the venue, so the
    position's entry price moves against it by amount / quantity and its
    wallet balance is untouched) (OKX's 2018 clawback; Bybit, "Contract Loss
    Mechanism: Auto-Deleveraging vs Socialized Loss");
  * what no layer covers is written off by the venue (bad debt).
  With negative-balance protection off, the deficit stays on the trader's
  account as a negative balance (a debt) and no layer is used.
- The liquidity in the book is rebuilt around the mark at every step from
  ``book`` and consumed by the step's liquidations in order (the cascade
  thins it). If an order exhausts one side, the rest fills at the deepest
  price the book had (the last level), or at the mark if the side was empty.

After every step the ledger identity (ledger.py) is checked and a
ConservationError raised if money was created or lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from perpmath import _validate as v
from perpmath.exchange.adl import ADL_RANKINGS, adl_queue, adl_score
from perpmath.exchange.engine import FEE_DESTINATIONS
from perpmath.exchange.ledger import Ledger
from perpmath.orderbook import DEPTH_PROFILES, OrderBook, make_book
from perpmath.tiers import TierTable

__all__ = [
    "LIQUIDATION_MODES",
    "WATERFALLS",
    "SimulationResult",
    "matched_population",
    "simulate_exchange",
]

WATERFALLS: dict[str, tuple[str, ...]] = {
    "fund_then_adl": ("insurance_fund", "adl"),
    "fund_then_socialized": ("insurance_fund", "socialized_loss"),
    "fund_only": ("insurance_fund",),
    "none": (),
}
"""Deficit waterfalls by name: who covers a liquidation deficit, in order.
What no layer covers is written off by the venue (bad debt)."""

LIQUIDATION_MODES = ("full", "partial")
MARGIN_MODES = ("isolated", "cross")

_DUST = 1e-9
"""Float dust, relative: a quantity at most this fraction of the position it
belongs to, or an amount at most this fraction of the money it is the
difference of (with 1 quote unit as the smallest scale), is a rounding crumb
of sums and differences, not a trade or a payment: it is reported as 0."""


def _undust(amount: float, scale: float) -> float:
    """``amount``, or 0.0 if it is float dust next to ``scale``."""
    return 0.0 if abs(amount) <= _DUST * max(abs(scale), 1.0) else amount


_EVENT_COLUMNS = (
    "step",
    "trigger_step",
    "account",
    "side",
    "margin_mode",
    "kind",
    "quantity",
    "mark",
    "bankruptcy_price",
    "vwap",
    "book_quantity",
    "adl_quantity",
    "equity_at_fill",
    "fee",
    "to_fund",
    "deficit",
    "from_fund",
    "to_socialize",
    "written_off",
    "debt_left",
)
_HISTORY_COLUMNS = (
    "step",
    "mark",
    "fund",
    "fees",
    "venue",
    "balances",
    "debts",
    "unrealized_pnl",
    "open_interest",
    "lp_position",
    "liquidations",
    "deficit",
    "from_fund",
    "adl_quantity",
    "socialized",
    "written_off",
    "total",
    "deposits",
    "difference",
)
_ADL_COLUMNS = (
    "step",
    "liquidated",
    "counterparty",
    "quantity",
    "price",
    "mark",
    "realized_pnl",
    "cost_vs_mark",
)


@dataclass
class SimulationResult:
    """Output of simulate_exchange (money in quote currency).

    - ``events``: one row per liquidation (full or partial step) with the
      fill, bankruptcy price, fee, what the fund received (``to_fund``: the
      surplus, plus the fee when ``fee_destination='insurance_fund'``),
      deficit and how it was covered (from_fund, to_socialize, written_off,
      debt_left). ``book_quantity`` + ``adl_quantity`` = ``quantity`` for a
      full liquidation; ``vwap`` is the average fill in the book, or the
      bankruptcy price when ADL closed the whole position (no book fill).
      Rounding crumbs of quantities are reported as exact zeros.
    - ``adl``: one row per position closed by ADL (counterparty, quantity,
      price = BP of the liquidated position, cost_vs_mark = what closing at
      BP instead of the mark cost the counterparty; negative = it gained).
    - ``history``: one row per step: mark, fund, fees, venue, balances,
      debts, unrealized PnL, open interest, liquidations, deficits, and the
      conservation check (total, deposits, difference).
    - ``accounts``: final state of every account.
    - ``account_states``: snapshots at the steps asked for in ``record_states``.
    - ``ledger``: the Ledger (``ledger.to_frame()`` lists every transfer).
    """

    events: pd.DataFrame
    adl: pd.DataFrame
    history: pd.DataFrame
    accounts: pd.DataFrame
    account_states: pd.DataFrame
    ledger: Ledger
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def fund(self) -> pd.Series:
        """Insurance fund balance after each step."""
        return self.history.set_index("step")["fund"]

    def waterfall(self) -> pd.DataFrame:
        """Who paid how much, over the whole run: one row per layer.

        Rows: surplus paid into the fund (margin left over after the fee),
        liquidation fees (all of them, whichever their destination: with
        ``fee_destination='insurance_fund'`` the fund received surplus +
        fees), deficits created, paid by the fund, avoided by ADL (its cost
        to counterparties vs the mark), clawed back from profitable accounts,
        written off by the venue, left as traders' debts. Each unit of money
        appears once: deficits = paid by the fund + clawed back + written off
        + left as debts. Float crumbs (amounts at most 1e-9 of the largest
        row) are shown as 0, and no row but the ADL cost (negative when the
        counterparties gained vs the mark) is ever negative.
        """
        e, h = self.events, self.history
        fee_to_fund = self.config.get("fee_destination") == "insurance_fund"
        surplus = e["to_fund"] - e["fee"] if fee_to_fund else e["to_fund"]
        rows = [
            ("surplus to insurance fund", float(surplus.sum())),
            ("liquidation fees", float(e["fee"].sum())),
            ("deficits", float(e["deficit"].sum() + e["debt_left"].sum())),
            ("paid by insurance fund", float(e["from_fund"].sum())),
            ("ADL: cost to counterparties vs mark", float(self.adl["cost_vs_mark"].sum())),
            ("socialized: clawed back from profitable accounts", float(h["socialized"].sum())),
            ("written off by the venue", float(h["written_off"].sum())),
            ("left as traders' negative balances", float(e["debt_left"].sum())),
        ]
        scale = max(abs(x) for _, x in rows)
        rows = [(item, _undust(x, scale)) for item, x in rows]
        rows = [(item, x if item.startswith("ADL") else max(x, 0.0)) for item, x in rows]
        return pd.DataFrame(rows, columns=["item", "amount"])


def matched_population(
    n_pairs: int,
    *,
    entry_price: float = 100.0,
    leverage: ArrayLike | tuple[float, float] = (2.0, 50.0),
    quantity: ArrayLike | tuple[float, float] = (0.1, 1.0),
    isolated_share: float = 0.5,
    extra_balance: tuple[float, float] = (0.0, 1.0),
    rng: np.random.Generator | int | None = None,
) -> pd.DataFrame:
    """Accounts in long/short pairs: account 2k is long and 2k+1 short, with the
    same quantity and entry price, so open interest is balanced and the
    pair's PnL sums to zero.

    ``leverage`` and ``quantity``: a (low, high) pair drawn uniformly per
    account (quantity per pair), or arrays of length 2 x n_pairs (quantity:
    n_pairs). Margin = quantity x entry / leverage. ``isolated_share``: the
    fraction of accounts in isolated mode. ``extra_balance``: (low, high)
    multiple of the margin held on top of it (isolated: outside the
    position; cross: extra collateral, lowering the effective leverage).
    Columns: account, side, quantity, entry_price, leverage, margin_mode,
    margin, balance.
    """
    if int(n_pairs) != n_pairs or n_pairs < 1:
        raise ValueError(f"n_pairs must be a whole number >= 1, got {n_pairs!r}")
    n = int(n_pairs)
    g = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    e = float(v.positive("entry_price", entry_price))
    share = float(v.in_range("isolated_share", isolated_share, 0.0, 1.0, high_inclusive=True))

    def draw(name: str, spec: Any, size: int) -> NDArray[np.float64]:
        if isinstance(spec, tuple) and len(spec) == 2:
            lo, hi = (float(x) for x in v.positive(name, spec))
            if hi < lo:
                raise ValueError(f"{name} range must be (low, high) with low <= high, got {spec!r}")
            return g.uniform(lo, hi, size)
        arr = np.atleast_1d(v.positive(name, spec))
        if arr.size != size:
            raise ValueError(f"{name} must be a (low, high) pair or {size} values, got {arr.size}")
        return arr.astype(float)

    lev = draw("leverage", leverage, 2 * n)
    q = np.repeat(draw("quantity", quantity, n), 2)
    lo, hi = (float(x) for x in v.non_negative("extra_balance", extra_balance))
    extra = g.uniform(lo, max(lo, hi), 2 * n)
    isolated = g.random(2 * n) < share
    margin = q * e / lev
    return pd.DataFrame(
        {
            "account": np.arange(2 * n),
            "side": np.tile(["long", "short"], n),
            "quantity": q,
            "entry_price": e,
            "leverage": lev,
            "margin_mode": np.where(isolated, "isolated", "cross"),
            "margin": margin,
            "balance": margin * (1.0 + extra),
        }
    )


def _accounts(accounts: pd.DataFrame) -> dict[str, NDArray]:
    if not isinstance(accounts, pd.DataFrame):
        raise ValueError(f"accounts must be a pandas DataFrame, got {type(accounts).__name__}")
    if len(accounts) == 0:
        raise ValueError("accounts must hold at least one account, got an empty table")
    missing = [c for c in ("side", "quantity", "entry_price", "balance") if c not in accounts]
    if missing:
        raise ValueError(
            f"accounts is missing columns {missing}; needed: side, quantity, entry_price, "
            "balance (optional: margin_mode, margin, leverage)"
        )
    sgn = np.asarray(v.side_sign(accounts["side"].to_numpy(dtype=object)), dtype=float)
    q = np.atleast_1d(v.positive("quantity", accounts["quantity"].to_numpy(dtype=float)))
    ep = np.atleast_1d(v.positive("entry_price", accounts["entry_price"].to_numpy(dtype=float)))
    bal = np.atleast_1d(v.non_negative("balance", accounts["balance"].to_numpy(dtype=float)))
    if "margin_mode" in accounts:
        raw = accounts["margin_mode"]
        is_str = raw.map(lambda x: isinstance(x, str)).to_numpy(dtype=bool)
        modes = raw.astype(str).str.strip().str.lower().to_numpy()
        bad = ~is_str | ~np.isin(modes, MARGIN_MODES)
        if bad.any():
            v.choice("margin_mode", raw.iloc[int(np.argmax(bad))], MARGIN_MODES)  # raises
    else:
        modes = np.full(q.size, "cross")
    iso = modes == "isolated"
    if "margin" in accounts:
        mg = np.atleast_1d(v.non_negative("margin", accounts["margin"].to_numpy(dtype=float)))
    elif "leverage" in accounts:
        mg = q * ep / np.atleast_1d(v.leverage(accounts["leverage"].to_numpy(dtype=float)))
    else:
        mg = bal.copy()
    mg = np.where(iso, mg, bal)
    over = iso & (mg > bal * (1 + 1e-12))
    if over.any():
        i = int(np.argmax(over))
        raise ValueError(
            f"margin of isolated account at row {i} ({mg[i]!r}) "
            f"must not exceed its balance ({bal[i]!r})"
        )
    if "account" in accounts:
        raw_ids = accounts["account"].to_numpy()
        ids = np.asarray(raw_ids, dtype=np.int64) if raw_ids.dtype.kind in "iu" else None
        if ids is None or (ids < 0).any() or np.unique(ids).size != ids.size:
            raise ValueError(
                "account must hold distinct whole numbers >= 0 (they name the accounts "
                f"in the ledger), got {raw_ids[:5].tolist()}..."
            )
    else:
        ids = np.arange(q.size, dtype=np.int64)
    return {
        "sign": sgn,
        "q": q,
        "ep": ep,
        "bal": bal,
        "mg": np.minimum(mg, bal),
        "iso": iso,
        "ids": ids,
    }


def _default_book_params(profile: str, m0: float, oi: float) -> dict[str, Any]:
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


class _StepBook:
    """Mutable level arrays of one step's book, consumed by liquidations."""

    __slots__ = ("backstop", "prices", "sizes")

    def __init__(self, book: OrderBook, mark: float) -> None:
        self.prices = {"sell": book.bid_prices, "buy": book.ask_prices}
        self.sizes = {"sell": book.bid_sizes.copy(), "buy": book.ask_sizes.copy()}
        self.backstop = {k: float(p[-1]) if p.size else float(mark) for k, p in self.prices.items()}

    def walk(
        self, key: str, qty: float, s: float, bp: float, budget: float, min_fill: float = 0.0
    ) -> tuple[float, float]:
        """Take up to ``qty`` best first while the deficit vs ``bp`` stays within
        ``budget``; returns (filled, notional) and consumes the levels. A walk
        that would fill ``min_fill`` or less fills nothing (and consumes nothing)."""
        p, sz = self.prices[key], self.sizes[key]
        if not p.size or qty <= 0:
            return 0.0, 0.0
        cum = np.cumsum(sz)
        take = np.clip(qty - (cum - sz), 0.0, sz)
        if np.isfinite(budget):
            unit = s * (bp - p)  # loss vs BP per coin at each level (> 0 = deficit)
            dcum = np.cumsum(take * unit)
            over = dcum > budget
            if over.any():
                k = int(np.argmax(over))
                prev = dcum[k - 1] if k else 0.0
                take[k] = (
                    min(take[k], max(0.0, (budget - prev) / unit[k])) if unit[k] > 0 else take[k]
                )
                take[k + 1 :] = 0.0
        filled = float(take.sum())
        if filled <= min_fill:
            return 0.0, 0.0
        sz -= take
        # a level used up by the walk keeps no rounding crumb of its size
        sz[(take > 0) & (sz <= 1e-12 * cum)] = 0.0
        np.maximum(sz, 0.0, out=sz)
        return filled, float(np.dot(take, p))


def simulate_exchange(
    accounts: pd.DataFrame,
    mark_path: ArrayLike,
    *,
    waterfall: str = "fund_then_adl",
    adl_ranking: str = "binance",
    liquidation: str = "full",
    partial_fraction: float = 0.5,
    maintenance: float | TierTable = 0.004,
    fee_rate: float = 0.0,
    fee_destination: str = "fees",
    insurance_fund: float = 0.0,
    negative_balance_protection: bool = True,
    book: str | OrderBook | Callable[[float, int], OrderBook] = "deep",
    book_params: dict[str, Any] | None = None,
    delay: int = 0,
    check: bool = True,
    record_states: ArrayLike | None = None,
    absolute_tolerance: float = 1e-6,
    relative_tolerance: float = 1e-12,
) -> SimulationResult:
    """Run ``accounts`` through ``mark_path`` (see the module docstring for the model).

    accounts: DataFrame with side, quantity (coin), entry_price, balance and
        optionally margin_mode ('isolated'/'cross'), margin (isolated margin;
        default from leverage, else the balance), account (ids).
    mark_path: mark prices, one per step (finite, > 0; NaN raises ValueError).
    waterfall: a name in WATERFALLS. adl_ranking: a name in ADL_RANKINGS.
    liquidation: 'full' or 'partial' (``partial_fraction`` per trigger).
    maintenance: maintenance margin rate or a TierTable.
    fee_rate: liquidation fee per unit of liquidated notional (default 0: no
        fee), paid out of what the position has left (never beyond it);
        ``fee_destination`` 'fees' (venue income) or 'insurance_fund'.
    insurance_fund: the fund's starting balance.
    negative_balance_protection: False leaves deficits on the accounts.
    book: a depth profile name ('deep', 'thin', 'thinning') built around the
        mark each step with ``book_params``, an OrderBook (moved to each
        mark), or a function (mark, step) -> OrderBook. Default parameters
        scale with the first mark M0 and the open interest OI (coin):
        deep: tick 0.05% of M0, 400 levels of 1% of OI; thin: tick 0.2% of
        M0, 200 levels of 0.1% of OI; thinning: as deep with decay 0.005 and
        exponent 3 against reference price M0 (the book shrinks as the
        price falls).
    delay: steps between trigger and execution.
    check: verify conservation after every step (ConservationError).
    record_states: steps at which to snapshot every account.
    """
    acc = _accounts(accounts)
    path = np.atleast_1d(v.positive("mark_path", mark_path))
    if path.ndim != 1:
        raise ValueError(f"mark_path must be one-dimensional, got shape {path.shape}")
    layers = WATERFALLS[v.choice("waterfall", waterfall, tuple(WATERFALLS))]
    ranking = v.choice("adl_ranking", adl_ranking, tuple(ADL_RANKINGS))
    mode = v.choice("liquidation", liquidation, LIQUIDATION_MODES)
    frac = float(v.in_range("partial_fraction", partial_fraction, 0.0, 1.0, high_inclusive=True))
    if mode == "partial" and frac <= 0:
        raise ValueError(f"partial_fraction must be greater than 0, got {partial_fraction!r}")
    rate = float(v.in_range("fee_rate", fee_rate, 0.0, 1.0))
    fee_to = v.choice("fee_destination", fee_destination, FEE_DESTINATIONS)
    fund0 = float(v.non_negative("insurance_fund", insurance_fund))
    if int(delay) != delay or delay < 0:
        raise ValueError(f"delay must be a whole number >= 0, got {delay!r}")
    delay = int(delay)
    nbp = bool(negative_balance_protection)
    if isinstance(maintenance, TierTable):
        tiers: TierTable | None = maintenance
        mmr = 0.0
    else:
        tiers = None
        mmr = float(v.in_range("maintenance", maintenance, 0.0, 1.0))
    snap_steps = set()
    if record_states is not None:
        snap_steps = {int(x) for x in np.atleast_1d(np.asarray(record_states))}

    n = acc["q"].size
    qty = acc["sign"] * acc["q"]
    cost = qty * acc["ep"]
    margin = acc["mg"].astype(float).copy()
    free = acc["bal"] - margin
    lp_qty = -float(qty.sum())
    lp_cost = -float(cost.sum())
    deposits = float(acc["bal"].sum()) + fund0
    fund, fees, venue = fund0, 0.0, 0.0
    ledger = Ledger(
        deposits, absolute_tolerance=absolute_tolerance, relative_tolerance=relative_tolerance
    )
    ledger.record(0, "deposits", "insurance_fund", fund0, "fund_seed")
    ledger.record_many(0, acc["ids"], "deposits", acc["bal"], "deposit")
    m0 = float(path[0])
    oi0 = float(np.abs(qty).sum()) / 2 + abs(lp_qty) / 2

    if isinstance(book, OrderBook):
        base_book = book

        def book_at(mark: float, step: int) -> OrderBook:
            return base_book.shifted(mark)
    elif callable(book):
        book_fn = book

        def book_at(mark: float, step: int) -> OrderBook:
            b = book_fn(mark, step)
            if not isinstance(b, OrderBook):
                raise ValueError(f"book function must return an OrderBook, got {type(b).__name__}")
            return b
    else:
        profile = v.choice("book", book, tuple(DEPTH_PROFILES))
        params = (
            _default_book_params(profile, m0, oi0) if book_params is None else dict(book_params)
        )
        if profile == "thinning" and "reference_price" not in params:
            params["reference_price"] = m0

        def book_at(mark: float, step: int) -> OrderBook:
            return make_book(profile, mark, **params)

    pending = np.zeros(n, dtype=bool)
    trigger_step = np.zeros(n, dtype=np.int64)
    schedule: dict[int, list[NDArray[np.intp]]] = {}
    n_liq = np.zeros(n, dtype=np.int64)
    adl_qty_acc = np.zeros(n)
    adl_cost_acc = np.zeros(n)
    social_paid = np.zeros(n)
    fund_received = np.zeros(n)
    written_received = np.zeros(n)
    fees_paid = np.zeros(n)
    ev: dict[str, list] = {c: [] for c in _EVENT_COLUMNS}
    adl_rows: dict[str, list] = {c: [] for c in _ADL_COLUMNS}
    snaps: list[pd.DataFrame] = []
    closed_notional = 0.0
    ids = acc["ids"]
    sides = np.where(acc["sign"] > 0, "long", "short")
    mmodes = np.where(acc["iso"], "isolated", "cross")
    last = path.size - 1

    def maint(notional: NDArray | float) -> NDArray | float:
        if tiers is None:
            return mmr * notional
        return tiers.maintenance_margin(notional)

    def cover(a: int, d: float, t: int) -> tuple[float, float, float]:
        """Cover a deficit d of account a (protection on): fund first, then the
        venue advances the rest (to be clawed back, or written off)."""
        nonlocal fund, venue
        from_fund = min(d, fund) if "insurance_fund" in layers else 0.0
        fund -= from_fund
        rest = d - from_fund
        venue -= rest
        margin[a] += d
        fund_received[a] += from_fund
        ledger.record(t, "insurance_fund", ids[a], from_fund, "fund_cover")
        if "socialized_loss" in layers:
            ledger.record(t, "venue", ids[a], rest, "deficit_to_socialize")
            return from_fund, rest, 0.0
        written_received[a] += rest
        ledger.record(t, "venue", ids[a], rest, "bad_debt_written_off")
        return from_fund, 0.0, rest

    def run_adl(a: int, s: float, rest: float, bp: float, m: float, t: int) -> float:
        """Close up to ``rest`` of the opposite side at bp in ADL order."""
        other = -s
        if other not in queues:
            idx = np.flatnonzero((qty * other > 0) & ~pending)
            if idx.size:
                q_i = np.abs(qty[idx])
                scores = adl_score(
                    "long" if other > 0 else "short",
                    q_i,
                    cost[idx] / qty[idx],
                    m,
                    margin[idx],
                    maintenance_margin=maint(q_i * m),
                    convention=ranking,
                )
                upnl = qty[idx] * m - cost[idx]
                queues[other] = [idx[adl_queue(scores, pnl=upnl)], 0]
            else:
                queues[other] = [idx, 0]
        queue, ptr = queues[other]
        window = 64
        while True:
            cand = queue[ptr : ptr + window]
            if not cand.size:
                return 0.0
            valid = (
                (qty[cand] * other > 0)
                & ~pending[cand]
                & (margin[cand] + qty[cand] * bp - cost[cand] >= 0)
            )
            sizes = np.where(valid, np.abs(qty[cand]), 0.0)
            cum = np.cumsum(sizes)
            if cum[-1] >= rest or ptr + window >= queue.size:
                break
            window *= 4
        before = rest - (cum - sizes)  # what is left to close when each position's turn comes
        take = np.clip(before, 0.0, sizes)
        # a position closed up to a rounding crumb of its size is closed whole, and
        # one whose turn comes with only a crumb left is not touched (the crumb
        # passes to the liquidity providers at BP): ADL never trades dust
        take = np.where(sizes - take <= _DUST * sizes, sizes, take)
        take[before <= _DUST * rest] = 0.0
        hit = take > 0
        j, y = cand[hit], take[hit]
        if not j.size:
            return 0.0
        whole = y >= sizes[hit]
        c_j = np.where(whole, cost[j], cost[j] * (y / np.abs(qty[j])))
        realized = other * y * bp - c_j
        qty[j] = np.where(whole, 0.0, qty[j] - other * y)
        cost[j] = np.where(whole, 0.0, cost[j] - c_j)
        margin[j] += realized
        vs_mark = other * y * (m - bp)
        adl_qty_acc[j] += y
        adl_cost_acc[j] += vs_mark
        ledger.record_many(t, ids[j], "positions", realized, "adl_realized_pnl")
        k = j.size
        adl_rows["step"].extend([t] * k)
        adl_rows["liquidated"].extend([ids[a]] * k)
        adl_rows["counterparty"].extend(ids[j].tolist())
        adl_rows["quantity"].extend(y.tolist())
        adl_rows["price"].extend([bp] * k)
        adl_rows["mark"].extend([m] * k)
        adl_rows["realized_pnl"].extend(realized.tolist())
        adl_rows["cost_vs_mark"].extend(vs_mark.tolist())
        still = np.flatnonzero(qty[cand] != 0)  # skip the positions ADL closed entirely
        queues[other][1] = ptr + (int(still[0]) if still.size else cand.size)
        return float(y.sum())

    # cached per-account arrays and totals, refreshed only when something changes
    absq = np.abs(qty)
    eligible = absq > 0
    balances = float(np.sum(free + margin))
    debts = 0.0
    gross_pos = float(np.abs(cost).sum()) + abs(lp_cost)
    long_oi = float(qty[qty > 0].sum())
    hist_rows: list[tuple] = []

    for t in range(path.size):
        m = float(path[t])
        step_deficit = step_fund = step_social = step_written = step_adl = 0.0
        step_liqs = 0
        changed = False
        # --- triggers on the mark price (vectorized over accounts) ---
        upnl = qty * m - cost
        equity = margin + upnl
        mm = (mmr * m) * absq if tiers is None else maint(absq * m)
        hit = equity <= mm
        hit &= eligible
        trig = np.flatnonzero(hit)
        if trig.size:
            pending[trig] = True
            eligible[trig] = False
            trigger_step[trig] = t
            schedule.setdefault(min(t + delay, last), []).append(trig)
        due_parts = schedule.pop(t, None)
        step_book: _StepBook | None = None
        queues: dict[float, list] = {}
        if due_parts:
            changed = True
            due = np.concatenate(due_parts)
            # most undercollateralised first (lowest margin balance / notional)
            ratio = (margin[due] + qty[due] * m - cost[due]) / np.maximum(
                np.abs(qty[due]) * m, 1e-300
            )
            due = due[np.lexsort((due, ratio))]
            for a in due.tolist():
                pending[a] = False
                if qty[a] == 0:
                    continue
                if step_book is None:
                    step_book = _StepBook(book_at(m, t), m)
                s = 1.0 if qty[a] > 0 else -1.0
                key = "sell" if s > 0 else "buy"
                kind = "full"
                # --- stepwise liquidation: close a fraction at the fill ---
                if mode == "partial" and margin[a] + qty[a] * m - cost[a] > 0:
                    qa = abs(qty[a])
                    bp_now = (cost[a] - margin[a]) / qty[a]
                    x = qa * frac
                    if frac >= 1.0 or qa - x <= 1e-12 * qa:
                        x = qa
                    filled, notional = step_book.walk(key, x, s, 0.0, np.inf)
                    if filled < x:
                        notional += (x - filled) * step_book.backstop[key]
                    c_x = cost[a] if x == qa else cost[a] * (x / qa)
                    realized = s * notional - c_x
                    if x == qa:
                        qty[a], cost[a] = 0.0, 0.0
                    else:
                        qty[a] -= s * x
                        cost[a] -= c_x
                    margin[a] += realized
                    lp_qty += s * x
                    lp_cost += s * notional
                    closed_notional += notional
                    ledger.record_signed(t, ids[a], "positions", realized, "realized_pnl")
                    eq_after = margin[a] + qty[a] * m - cost[a]
                    # paid from the wallet: never beyond the equity, nor beyond the
                    # cash (an unrealized profit cannot pay a fee)
                    fee = min(rate * notional, max(min(eq_after, margin[a]), 0.0))
                    margin[a] -= fee
                    fees_paid[a] += fee
                    if fee_to == "fees":
                        fees += fee
                    else:
                        fund += fee
                    ledger.record(t, ids[a], fee_to, fee, "liquidation_fee")
                    n_liq[a] += 1
                    step_liqs += 1
                    row = [
                        t,
                        int(trigger_step[a]),
                        ids[a],
                        sides[a],
                        mmodes[a],
                        "partial",
                        x,
                        m,
                        bp_now,
                        notional / x,
                        x,
                        0.0,
                        eq_after,
                        fee,
                        fee if fee_to != "fees" else 0.0,
                        0.0,
                        0.0,
                        0.0,
                        0.0,
                        0.0,
                    ]
                    if qty[a] != 0 and eq_after - fee >= 0:
                        _event(ev, row)
                        continue
                    if qty[a] == 0:
                        if margin[a] < 0:  # the whole position went at a fill beyond BP
                            d = -margin[a]
                            step_deficit += d
                            if nbp:
                                pay = cover(a, d, t)
                                step_fund += pay[0]
                                step_social += pay[1]
                                step_written += pay[2]
                                row[15], row[16], row[17], row[18] = d, *pay
                            else:
                                free[a] += margin[a]
                                margin[a] = 0.0
                                row[19] = d
                        _event(ev, row)
                        continue
                    _event(ev, row)
                    kind = "full (after partial)"
                # --- full liquidation at the bankruptcy price ---
                qa = abs(qty[a])
                q_s = qty[a]
                bp = (cost[a] - margin[a]) / q_s
                use_adl = nbp and "adl" in layers
                # the book may only create the deficit the fund can pay (kept a hair
                # inside); a fill of dust (what a fund's crumb buys) is left to ADL
                budget = fund * (1 - 1e-12) if use_adl else np.inf
                dust_q = _DUST * qa
                filled, notional = step_book.walk(key, qa, s, bp, budget, dust_q)
                rest = qa - filled
                adl_done = 0.0
                if rest > dust_q and use_adl:
                    adl_done = run_adl(a, s, rest, bp, m, t)
                    step_adl += adl_done
                rest2 = rest - adl_done
                if rest2 > dust_q:
                    f2, n2 = step_book.walk(key, rest2, s, bp, np.inf)
                    filled += f2
                    notional += n2
                    if rest2 - f2 > 0:
                        notional += (rest2 - f2) * step_book.backstop[key]
                        filled = qa - adl_done
                else:
                    # the rounding crumb left (either sign) passes to the liquidity
                    # providers at BP, like the ADL part: nothing is closed at price 0
                    notional += rest2 * bp
                    filled = qa - adl_done
                # trader: book part realized at the fill, ADL part at BP
                realized = s * notional + (s * adl_done * bp) - cost[a]
                margin[a] += realized
                ledger.record_signed(t, ids[a], "positions", realized, "realized_pnl")
                lp_qty += s * filled
                lp_cost += s * notional
                closed_notional += notional + adl_done * abs(bp)
                qty[a], cost[a] = 0.0, 0.0
                e = margin[a]
                liq_notional = notional + adl_done * abs(bp)
                if e != 0.0 and abs(e) <= 1e-12 * max(liq_notional, 1.0):
                    # floating-point crumb of a settlement exactly at BP: the venue takes it
                    ledger.record_signed(t, ids[a], "venue", -e, "rounding")
                    venue += e
                    margin[a] = 0.0
                    e = 0.0
                fee = to_fund = deficit = debt = 0.0
                pay = (0.0, 0.0, 0.0)
                if e >= 0:
                    fee = min(rate * liq_notional, e)
                    surplus = e - fee
                    ledger.record(t, ids[a], fee_to, fee, "liquidation_fee")
                    ledger.record(t, ids[a], "insurance_fund", surplus, "liquidation_surplus")
                    fees_paid[a] += fee
                    if fee_to == "fees":
                        fees += fee
                        to_fund = surplus
                    else:
                        fund += fee
                        to_fund = surplus + fee
                    fund += surplus
                    margin[a] = 0.0
                else:
                    d = -e
                    step_deficit += d
                    if nbp:
                        deficit = d
                        pay = cover(a, d, t)
                        step_fund += pay[0]
                        step_social += pay[1]
                        step_written += pay[2]
                    else:
                        debt = d
                        free[a] += margin[a]
                        margin[a] = 0.0
                n_liq[a] += 1
                step_liqs += 1
                # report crumbs of quantity as exact zeros; the event's parts add up to qa
                book_q, adl_q = filled, adl_done
                if abs(book_q) <= dust_q:
                    book_q, adl_q = 0.0, qa
                elif abs(adl_q) <= dust_q:
                    book_q, adl_q = qa, 0.0
                # closed wholly by ADL: at the bankruptcy price, where ADL executes
                vwap = notional / filled if book_q > 0 else bp
                _event(
                    ev,
                    [
                        t,
                        int(trigger_step[a]),
                        ids[a],
                        sides[a],
                        mmodes[a],
                        kind,
                        qa,
                        m,
                        bp,
                        vwap,
                        book_q,
                        adl_q,
                        e,
                        fee,
                        to_fund,
                        deficit,
                        *pay,
                        debt,
                    ],
                )
        # --- socialized loss: claw back the step's uncovered deficits ---
        recovered = 0.0
        if step_social > 0:
            changed = True
            # haircut on unrealized profit: realize the clawed part and hand it to the venue
            prof = np.maximum(qty * m - cost, 0.0)
            prof[qty == 0] = 0.0
            total = float(prof.sum())
            if total > 0:
                share = min(step_social / total, 1.0)
                pay_i = prof * share
                cost += pay_i  # the position's entry moves against it by pay / quantity
                social_paid += pay_i
                recovered = float(pay_i.sum())
                venue += recovered
                idx = np.flatnonzero(pay_i)
                ledger.record_many(t, ids[idx], "positions", pay_i[idx], "clawback_realized")
                ledger.record_many(t, ids[idx], "venue", -pay_i[idx], "socialized_loss")
        # --- bookkeeping and the conservation check ---
        # written off this step: what no layer covered, less what the clawback
        # recovered; the pro-rata shares can sum a crumb above the amount to recover
        written = max(_undust(step_written + (step_social - recovered), step_deficit), 0.0)
        if changed:
            upnl = qty * m - cost
            bal = free + margin
            balances = float(bal.sum())
            debts = float(bal[bal < 0].sum())
            gross_pos = float(np.abs(cost).sum()) + abs(lp_cost)
            long_oi = float(qty[qty > 0].sum())
            np.abs(qty, out=absq)
            eligible = (absq > 0) & ~pending
        unreal = float(upnl.sum()) + (lp_qty * m - lp_cost)
        comps = {
            "balances": balances,
            "unrealized_pnl": unreal,
            "fund": fund,
            "fees": fees,
            "venue": venue,
        }
        total = balances + unreal + fund + fees + venue
        if check:
            diff = ledger.check(t, comps, gross=gross_pos + closed_notional)
        else:
            diff = total - deposits
        hist_rows.append(
            (
                t, m, fund, fees, venue, balances, debts, unreal,
                long_oi + max(lp_qty, 0.0), lp_qty, step_liqs, step_deficit, step_fund,
                step_adl, recovered, written, total,
                deposits, diff,
            )
        )  # fmt: skip
        if t in snap_steps:
            snaps.append(_states(t, ids, sides, mmodes, qty, cost, margin, free, m))

    m_last = float(path[-1])
    upnl = qty * m_last - cost
    bal = free + margin
    accounts_out = pd.DataFrame(
        {
            "account": ids,
            "side": sides,
            "margin_mode": mmodes,
            "deposit": acc["bal"],
            "entry_price": acc["ep"],
            "quantity_open": np.abs(qty),
            "balance": bal,
            "unrealized_pnl": upnl,
            "equity": bal + upnl,
            "pnl": bal + upnl - acc["bal"],
            "liquidations": n_liq,
            "adl_quantity": adl_qty_acc,
            "adl_cost_vs_mark": adl_cost_acc,
            "socialized_paid": social_paid,
            "fund_received": fund_received,
            "written_off_received": written_received,
            "fees_paid": fees_paid,
            "debt": np.where(bal < 0, -bal, 0.0),
        }
    )
    status = np.where(qty != 0, "open", "closed")
    status = np.where((qty == 0) & (n_liq > 0), "liquidated", status)
    status = np.where((qty == 0) & (n_liq == 0) & (adl_qty_acc > 0), "closed by ADL", status)
    accounts_out.insert(3, "status", status)
    config = {
        "waterfall": waterfall,
        "adl_ranking": ranking,
        "liquidation": mode,
        "partial_fraction": frac,
        "maintenance": maintenance,
        "fee_rate": rate,
        "fee_destination": fee_to,
        "insurance_fund": fund0,
        "negative_balance_protection": nbp,
        "book": book if isinstance(book, str) else type(book).__name__,
        "delay": delay,
        "steps": int(path.size),
        "accounts": n,
    }
    states = (
        pd.concat(snaps, ignore_index=True)
        if snaps
        else _states(0, ids[:0], sides[:0], mmodes[:0], qty[:0], cost[:0], margin[:0], free[:0], m0)
    )
    return SimulationResult(
        events=pd.DataFrame(ev),
        adl=pd.DataFrame(adl_rows),
        history=pd.DataFrame(hist_rows, columns=list(_HISTORY_COLUMNS)),
        accounts=accounts_out,
        account_states=states,
        ledger=ledger,
        config=config,
    )


def _event(ev: dict[str, list], row: list) -> None:
    for col, value in zip(_EVENT_COLUMNS, row, strict=True):
        ev[col].append(value)


def _states(step, ids, sides, mmodes, qty, cost, margin, free, mark) -> pd.DataFrame:
    bal = free + margin
    upnl = qty * mark - cost
    return pd.DataFrame(
        {
            "step": step,
            "account": ids,
            "side": sides,
            "margin_mode": mmodes,
            "quantity_open": np.abs(qty),
            "balance": bal,
            "unrealized_pnl": upnl,
            "equity": bal + upnl,
        }
    )
