"""The simulated venue's state: one object holding every account, pool and record.

Per account (NumPy arrays, index = row of the accounts table): signed
quantity ``qty`` (coin, > 0 long), signed ``cost`` (quantity x entry price,
so unrealized PnL = qty x mark - cost), ``margin`` (the money at risk: the
isolated margin, or the whole wallet in cross mode) and ``free`` (the rest
of the wallet); balance = free + margin.

Pools (quote currency): the insurance ``fund``, liquidation ``fees``, the
``venue`` (pays what no layer covers, so <= 0), the ``backstop`` vault's cash
and its position (``bq``, ``bcost``), and the liquidity providers behind the
book (``lp_qty``, ``lp_cost``), who hold whatever the accounts' longs and
shorts do not match, so open interest is balanced:
sum(qty) + lp_qty + bq == 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from perpmath.exchange.ledger import Ledger
from perpmath.tiers import TierTable
from perpmath.venue_rules import VenueRules

__all__ = ["EngineConfig", "ExchangeState", "StepTally", "maintenance_margin"]

DUST = 1e-9
"""Float dust, relative: a quantity at most this fraction of the position it
belongs to, or an amount at most this fraction of the money it is the
difference of (with 1 quote unit as the smallest scale), is a rounding crumb
of sums and differences, not a trade or a payment: it is reported as 0."""

EVENT_COLUMNS = (
    "step", "trigger_step", "account", "side", "margin_mode", "kind", "quantity", "mark",
    "bankruptcy_price", "vwap", "book_quantity", "adl_quantity", "backstop_quantity",
    "equity_at_fill", "fee", "to_fund", "kept_by_trader", "to_backstop", "deficit",
    "from_fund", "to_socialize", "written_off", "debt_left",
)  # fmt: skip
ADL_COLUMNS = (
    "step", "liquidated", "counterparty", "quantity", "price", "mark", "realized_pnl",
    "cost_vs_mark",
)  # fmt: skip


def undust(amount: float, scale: float) -> float:
    """``amount``, or 0.0 if it is float dust next to ``scale``."""
    return 0.0 if abs(amount) <= DUST * max(abs(scale), 1.0) else amount


@dataclass(frozen=True)
class EngineConfig:
    """Settings of one run, validated by simulate_exchange."""

    rules: VenueRules
    layers: tuple[str, ...]
    ranking: str
    mode: str
    frac: float
    partial_above: float
    rate: float
    fee_to: str
    nbp: bool
    mmr: float
    tiers: TierTable | None
    beyond_last_tier: str
    delay: int
    check: bool


@dataclass
class StepTally:
    """What happened in one step (summed into the history row)."""

    triggered: int = 0
    liquidations: int = 0
    deficit: float = 0.0
    from_fund: float = 0.0
    social: float = 0.0
    written: float = 0.0
    adl: float = 0.0
    backstop: float = 0.0
    changed: bool = False


@dataclass
class ExchangeState:
    """Everything the engine changes (see the module docstring)."""

    ids: NDArray[np.int64]
    sides: NDArray
    mmodes: NDArray
    deposit: NDArray[np.float64]
    entry: NDArray[np.float64]
    qty: NDArray[np.float64]
    cost: NDArray[np.float64]
    margin: NDArray[np.float64]
    free: NDArray[np.float64]
    ledger: Ledger
    fund: float
    deposits: float
    fees: float = 0.0
    venue: float = 0.0
    backstop: float = 0.0
    bq: float = 0.0
    bcost: float = 0.0
    lp_qty: float = 0.0
    lp_cost: float = 0.0
    fund_peak: float = 0.0
    closed_notional: float = 0.0
    acc: dict[str, NDArray] = field(default_factory=dict)
    schedule: dict[int, list[NDArray[np.intp]]] = field(default_factory=dict)
    queues: dict[float, list] = field(default_factory=dict)
    events: dict[str, list] = field(default_factory=lambda: {c: [] for c in EVENT_COLUMNS})
    adl_rows: dict[str, list] = field(default_factory=lambda: {c: [] for c in ADL_COLUMNS})
    history: list[tuple] = field(default_factory=list)
    snapshots: list[Any] = field(default_factory=list)

    @classmethod
    def open(cls, acc: dict[str, NDArray], fund0: float, ledger: Ledger) -> ExchangeState:
        """The venue at the start: deposits recorded, LPs hold the unmatched side."""
        qty = acc["sign"] * acc["q"]
        cost = qty * acc["ep"]
        margin = acc["mg"].astype(float).copy()
        deposits = float(acc["bal"].sum()) + fund0
        ledger.record(0, "deposits", "insurance_fund", fund0, "fund_seed")
        ledger.record_many(0, acc["ids"], "deposits", acc["bal"], "deposit")
        n = qty.size
        st = cls(
            ids=acc["ids"],
            sides=np.where(acc["sign"] > 0, "long", "short"),
            mmodes=np.where(acc["iso"], "isolated", "cross"),
            deposit=acc["bal"],
            entry=acc["ep"],
            qty=qty,
            cost=cost,
            margin=margin,
            free=acc["bal"] - margin,
            ledger=ledger,
            fund=fund0,
            deposits=deposits,
            lp_qty=-float(qty.sum()),
            lp_cost=-float(cost.sum()),
            fund_peak=fund0,
        )
        for name in ("n_liq", "trigger_step"):
            st.acc[name] = np.zeros(n, dtype=np.int64)
        for name in (
            "adl_qty", "adl_cost", "social_paid", "fund_received", "written_received",
            "fees_paid", "backstop_taken",
        ):  # fmt: skip
            st.acc[name] = np.zeros(n)
        st.acc["pending"] = np.zeros(n, dtype=bool)
        st.acc["absq"] = np.abs(qty)
        st.acc["eligible"] = st.acc["absq"] > 0
        return st

    @property
    def open_interest_imbalance(self) -> float:
        """sum(qty) + lp_qty + bq: 0 up to float rounding."""
        return float(self.qty.sum()) + self.lp_qty + self.bq

    def event(self, row: list) -> None:
        for col, value in zip(EVENT_COLUMNS, row, strict=True):
            self.events[col].append(value)


def maintenance_margin(
    cfg: EngineConfig, notional: NDArray | float, st: ExchangeState | None = None, t: int = 0
) -> NDArray | float:
    """Maintenance margin of each notional (quote currency): rate x notional, or
    the tier table's notional x MMR(tier) - amount(tier).

    Past the last tier's cap (a position whose notional grew with the price)
    ``beyond_last_tier='last_tier'`` keeps the last tier's rate and amount.
    That is Hyperliquid's documented rule: its last tier is open-ended (BTC:
    ">150M" at 20x; Hyperliquid Docs, "Margin tiers", maintenance margin =
    notional x rate - deduction at any notional). Binance's ("Leverage and
    Margin of USDⓈ-M Futures") and Bybit's ("Risk Limit") pages state the cap
    as a limit on opening or increasing a position and are silent on an open
    position the mark carries past it. ``'raise'`` stops the run with an error
    naming the step, the account and the tier.
    """
    tiers = cfg.tiers
    if tiers is None:
        return cfg.mmr * notional
    n = np.asarray(notional, dtype=float)
    last = tiers.cap.size - 1
    idx = np.searchsorted(tiers.cap, n, side="left")
    over = idx > last
    if np.any(over):
        if cfg.beyond_last_tier == "raise":
            i = int(np.argmax(np.atleast_1d(over)))
            who = f"account {st.ids[i]}" if st is not None and n.ndim else "a position"
            raise ValueError(
                f"step {t}: {who} has a notional of {float(np.atleast_1d(n)[i]):,.2f} "
                f"{tiers.unit}, past the last tier ({last + 1}) of {tiers.name} "
                f"(cap {tiers.cap[-1]:,.0f}); use beyond_last_tier='last_tier' to keep "
                "that tier's rate"
            )
        idx = np.minimum(idx, last)
    out = n * tiers.maintenance_rate[idx] - tiers.maintenance_amount[idx]
    return out if n.ndim else float(out)
