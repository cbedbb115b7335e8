"""Exchange simulator: many accounts, a price path, liquidations and who pays.

Model (one linear perpetual, money in quote currency; the parts live in
small modules a newcomer can read in order):

- ``state.py``: one object with every account (signed quantity and cost, so
  unrealized PnL = quantity x mark - cost; margin at risk and free wallet),
  the pools (insurance fund, fees, venue, backstop vault) and the liquidity
  providers behind the book, who hold whatever the accounts' longs and
  shorts do not match, so open interest is balanced and money only moves.
- ``market.py``: the book and the mark. Without feedback the mark path is
  given; with ``feedback`` the path is the outside (index) price, and
  liquidation orders consume the book, whose state moves the mark and refills
  at a stated resilience rate: cascades come from the positions themselves.
- ``phases.py``: trigger on the mark (margin balance at or below
  maintenance: a rate or a TierTable), then liquidation after ``delay``
  steps: a bounded partial leg (a limit at the bankruptcy price), the book
  priced per the venue's rules, the backstop vault, ADL, the book beyond
  bankruptcy, settlement, and the deficit waterfall (``WATERFALLS``).
- ``perpmath.venue_rules``: what differs by venue family (``rules=``):
  how the liquidation order is priced, where leftover margin goes, the
  backstop, partial liquidation, when ADL starts and at what price.

After every step the ledger identity (ledger.py) is checked and a
ConservationError raised if money was created or lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from perpmath import _validate as v
from perpmath.exchange.adl import ENGINE_RANKINGS
from perpmath.exchange.engine import FEE_DESTINATIONS
from perpmath.exchange.ledger import Ledger
from perpmath.exchange.market import Market, PriceImpact, book_source
from perpmath.exchange.phases import liquidate_due, socialize, trigger_accounts
from perpmath.exchange.population import account_arrays, matched_population, whole_number
from perpmath.exchange.state import (
    ADL_COLUMNS,
    EVENT_COLUMNS,
    EngineConfig,
    ExchangeState,
    StepTally,
    undust,
)
from perpmath.orderbook import OrderBook
from perpmath.tiers import TierTable
from perpmath.venue_rules import VenueRules, get_venue_rules

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
What no layer covers is written off by the venue (bad debt). A pro-rata
haircut on winners is ``fund_then_socialized``."""

LIQUIDATION_MODES = ("full", "partial")
BEYOND_LAST_TIER = ("last_tier", "raise")

HISTORY_COLUMNS = (
    "step", "shock", "index", "mid", "mark", "impact", "triggered", "liquidations", "sold",
    "bought",
    "flow", "fund", "fees", "venue", "balances", "debts", "unrealized_pnl", "open_interest",
    "lp_position", "backstop_position", "backstop_pnl", "deficit", "from_fund", "adl_quantity",
    "backstop", "socialized", "written_off", "total", "deposits", "difference",
)  # fmt: skip


@dataclass
class SimulationResult:
    """Output of simulate_exchange (money in quote currency).

    - ``events``: one row per liquidation (partial leg or full close): the
      bankruptcy price, how much the book, ADL and the backstop vault took
      (``book_quantity`` + ``adl_quantity`` + ``backstop_quantity`` =
      ``quantity`` for a full close), the book's average fill ``vwap`` (the
      ADL price when the book took nothing), the fee, where what was left
      went (``to_fund``, ``kept_by_trader``, ``to_backstop``), the deficit and
      how it was covered (from_fund, to_socialize, written_off, debt_left).
    - ``adl``: one row per position closed by ADL (counterparty, quantity,
      price, cost_vs_mark = what closing at that price instead of the mark
      cost the counterparty; negative = it gained).
    - ``history``: one row per step: the causal chain (shock: the given
      outside price; index: the shock moved by permanent impact; mid; mark;
      impact = mark - shock; accounts triggered, liquidations, quantity sold
      and bought into the book), the pools and the conservation check.
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
        """Insurance fund (or, under Hyperliquid's rules, liquidator vault cash) per step."""
        return self.history.set_index("step")["fund"]

    @v.no_overflow
    def cascade(self) -> pd.DataFrame:
        """The causal chain per step: the outside price (the given shock path),
        the mark, the impact of the venue's own flow (mark - shock, transient and
        permanent), accounts triggered,
        liquidations, coin sold and bought into the book, and how many
        accounts the next step triggers."""
        h = self.history
        out = h[["step", "shock", "mark", "impact", "triggered", "liquidations", "sold",
                 "bought"]].copy()  # fmt: skip
        out["next_triggered"] = h["triggered"].shift(-1, fill_value=0).astype(int)
        return out

    @v.no_overflow
    def waterfall(self) -> pd.DataFrame:
        """Who paid how much, over the whole run: one row per layer.

        Each unit of money appears once: deficits = paid by the fund +
        clawed back + written off + left as debts. Margin left after a close
        went to the fund (surplus), stayed with the trader, or went with the
        position to the backstop vault. Fees are counted once whichever
        their destination. Float crumbs (at most 1e-9 of the largest row)
        are shown as 0; only the ADL row (negative when counterparties
        gained vs the mark) can be negative.
        """
        e, h = self.events, self.history
        fee_to_fund = self.config.get("fee_destination") == "insurance_fund"
        surplus = e["to_fund"] - e["fee"] if fee_to_fund else e["to_fund"]
        rows = [
            ("surplus to insurance fund", float(surplus.sum())),
            ("margin kept by the liquidated trader", float(e["kept_by_trader"].sum())),
            ("margin taken by the backstop vault", float(e["to_backstop"].sum())),
            ("liquidation fees", float(e["fee"].sum())),
            ("deficits", float(e["deficit"].sum() + e["debt_left"].sum())),
            ("paid by insurance fund", float(e["from_fund"].sum())),
            ("ADL: cost to counterparties vs mark", float(self.adl["cost_vs_mark"].sum())),
            ("socialized: clawed back from profitable accounts", float(h["socialized"].sum())),
            ("written off by the venue", float(h["written_off"].sum())),
            ("left as traders' negative balances", float(e["debt_left"].sum())),
        ]
        scale = max(abs(x) for _, x in rows)
        rows = [(item, undust(x, scale)) for item, x in rows]
        rows = [(item, x if item.startswith("ADL") else max(x, 0.0)) for item, x in rows]
        return pd.DataFrame(rows, columns=["item", "amount"])


def _config(
    rules: VenueRules,
    *,
    waterfall: str | None,
    adl_ranking: str | None,
    liquidation: str | None,
    partial_fraction: float | None,
    maintenance: float | TierTable,
    fee_rate: float | None,
    fee_destination: str | None,
    negative_balance_protection: bool,
    delay: Any,
    check: bool,
    beyond_last_tier: str,
) -> EngineConfig:
    """Validate the settings; unset ones (None) come from the venue's rules."""
    layers = WATERFALLS[v.choice("waterfall", waterfall or rules.waterfall, tuple(WATERFALLS))]
    ranking = v.choice("adl_ranking", adl_ranking or rules.adl_ranking, ENGINE_RANKINGS)
    default_mode = "partial" if rules.partial_fraction is not None else "full"
    mode = v.choice("liquidation", liquidation or default_mode, LIQUIDATION_MODES)
    frac_in = partial_fraction if partial_fraction is not None else rules.partial_fraction
    frac_in = 0.5 if frac_in is None else frac_in
    frac = v.scalar(
        "partial_fraction", v.in_range("partial_fraction", frac_in, 0.0, 1.0, high_inclusive=True)
    )
    if mode == "partial" and frac <= 0:
        raise ValueError(f"partial_fraction must be greater than 0, got {partial_fraction!r}")
    above = rules.partial_above if rules.partial_above is not None and liquidation is None else 0.0
    rate = v.scalar(
        "fee_rate", v.in_range("fee_rate", rules.fee_rate if fee_rate is None else fee_rate, 0, 1)
    )
    fee_to = v.choice("fee_destination", fee_destination or rules.fee_destination, FEE_DESTINATIONS)
    if isinstance(maintenance, TierTable):
        tiers, mmr = maintenance, 0.0
    else:
        tiers, mmr = None, v.scalar("maintenance", v.in_range("maintenance", maintenance, 0.0, 1.0))
    return EngineConfig(
        rules=rules, layers=layers, ranking=ranking, mode=mode, frac=frac, partial_above=above,
        rate=rate, fee_to=fee_to, nbp=v.flag("negative_balance_protection",
                                              negative_balance_protection),
        mmr=mmr, tiers=tiers,
        beyond_last_tier=v.choice("beyond_last_tier", beyond_last_tier, BEYOND_LAST_TIER),
        delay=whole_number("delay", delay, 0), check=v.flag("check", check),
    )  # fmt: skip


def _path(name: str, values: ArrayLike) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(values, dtype=object))
    if arr.size == 0:
        raise ValueError(f"{name} must hold at least one price, got an empty path")
    path = np.atleast_1d(v.positive(name, values))
    if path.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {path.shape}")
    return path


def _impact(feedback: bool | PriceImpact) -> PriceImpact | None:
    if isinstance(feedback, PriceImpact):
        return feedback
    if not isinstance(feedback, bool | np.bool_):
        raise v.ArgumentTypeError(
            f"feedback must be True, False or a PriceImpact, got {feedback!r}"
        )
    return PriceImpact() if feedback else None


def _flow(market_flow: ArrayLike | None, steps: int) -> np.ndarray | None:
    if market_flow is None:
        return None
    flow = np.atleast_1d(v.as_float_array("market_flow", market_flow))
    if flow.shape != (steps,):
        raise ValueError(
            f"market_flow must have one value per step of mark_path ({steps}), got {flow.size}"
        )
    return flow


@v.no_overflow
def simulate_exchange(
    accounts: pd.DataFrame,
    mark_path: ArrayLike,
    *,
    rules: str | VenueRules = "binance",
    waterfall: str | None = None,
    adl_ranking: str | None = None,
    liquidation: str | None = None,
    partial_fraction: float | None = None,
    maintenance: float | TierTable = 0.004,
    fee_rate: float | None = None,
    fee_destination: str | None = None,
    insurance_fund: float = 0.0,
    negative_balance_protection: bool = True,
    book: str | OrderBook | Callable[[float, int], OrderBook] = "deep",
    book_params: dict[str, Any] | None = None,
    feedback: bool | PriceImpact = False,
    market_flow: ArrayLike | None = None,
    delay: int = 0,
    check: bool = True,
    record_states: ArrayLike | None = None,
    absolute_tolerance: float = 1e-6,
    relative_tolerance: float = 1e-12,
    beyond_last_tier: str = "last_tier",
) -> SimulationResult:
    """Run ``accounts`` through ``mark_path`` (see the module docstring for the model).

    accounts: DataFrame with side, quantity (coin), entry_price, balance and
        optionally margin_mode ('isolated'/'cross'), margin (isolated margin;
        default from leverage, else the balance), account (ids).
    mark_path: prices, one per step (finite, > 0): the mark, or with
        ``feedback`` the outside (index) price that shocks the venue.
    rules: a venue family in perpmath.venue_rules.VENUE_RULES ('binance',
        'bybit', 'okx', 'hyperliquid', 'dydx') or a VenueRules record; it
        sets how liquidations meet the book and the defaults of the settings
        left as None (waterfall, adl_ranking, liquidation, partial_fraction,
        fee_rate, fee_destination). waterfall: a name in WATERFALLS.
        adl_ranking: a name in ENGINE_RANKINGS. liquidation: 'full' or 'partial'
        (``partial_fraction`` per leg, each leg a limit at the bankruptcy price).
    maintenance: maintenance margin rate or a TierTable; ``beyond_last_tier``
        ('last_tier' or 'raise') says what a notional past the last tier gets.
    fee_rate: liquidation fee per unit of liquidated notional, paid out of
        what the position has left (never beyond it); ``fee_destination``
        'fees' (venue income) or 'insurance_fund'.
    insurance_fund: the fund's starting balance (Hyperliquid: the vault's cash).
    negative_balance_protection: False leaves deficits on the accounts.
    book: a depth profile name ('deep', 'thin', 'thinning') laid around the
        price with ``book_params`` (defaults scale with the first price M0 and
        the open interest OI in coin: deep: tick 0.05% of M0, 400 levels of 1%
        of OI; thin: tick 0.2% of M0, 200 levels of 0.1% of OI; thinning: as
        deep with decay 0.005 and exponent 3 against M0), an OrderBook (moved
        to each price), or a function (price, step) -> OrderBook.
    feedback: False (the book is rebuilt at each given mark), True or a
        PriceImpact (market.py: liquidations move the mark).
    market_flow: coin traded into the book by outside traders per step
        (negative = sells), with feedback only.
    delay: steps between trigger and execution.
    check: verify conservation after every step (ConservationError).
    record_states: steps at which to snapshot every account.
    absolute_tolerance, relative_tolerance: of the conservation check (>= 0).
    """
    acc = account_arrays(accounts)
    path = _path("mark_path", mark_path)
    r = get_venue_rules(rules)
    cfg = _config(
        r, waterfall=waterfall, adl_ranking=adl_ranking, liquidation=liquidation,
        partial_fraction=partial_fraction, maintenance=maintenance, fee_rate=fee_rate,
        fee_destination=fee_destination, negative_balance_protection=negative_balance_protection,
        delay=delay, check=check, beyond_last_tier=beyond_last_tier,
    )  # fmt: skip
    fund0 = v.scalar("insurance_fund", v.non_negative("insurance_fund", insurance_fund))
    impact = _impact(feedback)
    flow = _flow(market_flow, path.size)
    if flow is not None and impact is None:
        raise ValueError("market_flow needs feedback=True: without it flow cannot move the price")
    snap_steps = set()
    if record_states is not None:
        steps_asked = np.atleast_1d(v.non_negative("record_states", record_states))
        snap_steps = {whole_number("record_states", x, 0) for x in steps_asked}
    ledger = Ledger(
        float(acc["bal"].sum()) + fund0,
        absolute_tolerance=absolute_tolerance,
        relative_tolerance=relative_tolerance,
    )
    st = ExchangeState.open(acc, fund0, ledger)
    oi0 = float(np.abs(st.qty).sum()) / 2 + abs(st.lp_qty) / 2
    mkt = Market(book_source(book, book_params, float(path[0]), oi0), path, impact, flow)
    _run(st, cfg, mkt, path.size, snap_steps)
    return _result(st, cfg, mkt, book, fund0, path.size)


def _run(st: ExchangeState, cfg: EngineConfig, mkt: Market, steps: int, snaps: set) -> None:
    """The loop: mark, trigger, liquidate, socialize, record, for every step."""
    cache = _Totals(st)
    for t in range(steps):
        m = mkt.open_step(t)
        tally = StepTally()
        tally.triggered = trigger_accounts(st, cfg, t, m, steps - 1)
        liquidate_due(st, cfg, mkt, t, m, tally)
        recovered = socialize(st, t, m, tally)
        stats = mkt.close_step()
        record(st, cfg, mkt, t, m, tally, recovered, stats, cache)
        if t in snaps:
            st.snapshots.append(_states(st, t, m))


class _Totals:
    """Sums over accounts, recomputed only in steps where something changed."""

    def __init__(self, st: ExchangeState) -> None:
        self.refresh(st)

    def refresh(self, st: ExchangeState) -> None:
        bal = st.free + st.margin
        self.balances = float(bal.sum())
        self.debts = float(bal[bal < 0].sum())
        self.gross = float(np.abs(st.cost).sum()) + abs(st.lp_cost) + abs(st.bcost)
        self.long_oi = float(st.qty[st.qty > 0].sum())
        np.abs(st.qty, out=st.acc["absq"])
        st.acc["eligible"] = (st.acc["absq"] > 0) & ~st.acc["pending"]


def record(
    st: ExchangeState,
    cfg: EngineConfig,
    mkt: Market,
    t: int,
    m: float,
    tally: StepTally,
    recovered: float,
    stats: dict[str, float],
    cache: _Totals,
) -> None:
    """Totals of the step, the conservation check and the history row."""
    # written off this step: what no layer covered, less what the clawback recovered
    written = max(undust(tally.written + (tally.social - recovered), tally.deficit), 0.0)
    if tally.changed:
        cache.refresh(st)
    unreal = float(st.qty.sum()) * m - float(st.cost.sum())
    unreal += (st.lp_qty * m - st.lp_cost) + (st.bq * m - st.bcost)
    comps = {
        "balances": cache.balances,
        "unrealized_pnl": unreal,
        "fund": st.fund,
        "fees": st.fees,
        "venue": st.venue,
    }
    total = cache.balances + unreal + st.fund + st.fees + st.venue
    if cfg.check:
        diff = st.ledger.check(t, comps, gross=cache.gross + st.closed_notional)
    else:
        diff = total - st.deposits
    st.fund_peak = max(st.fund_peak, st.fund)
    flow = float(mkt.flow[t]) if mkt.flow is not None else 0.0
    st.history.append(
        (
            t, float(mkt.shock[t]), stats["index"], stats["mid"], m, m - float(mkt.shock[t]),
            tally.triggered,
            tally.liquidations, mkt.traded["sell"], mkt.traded["buy"], flow, st.fund, st.fees,
            st.venue, cache.balances, cache.debts, unreal, cache.long_oi + max(st.lp_qty, 0.0)
            + max(st.bq, 0.0), st.lp_qty, st.bq, st.bq * m - st.bcost, tally.deficit,
            tally.from_fund, tally.adl, tally.backstop, recovered, written, total, st.deposits,
            diff,
        )
    )  # fmt: skip


def _states(st: ExchangeState, step: int, mark: float) -> pd.DataFrame:
    bal = st.free + st.margin
    upnl = st.qty * mark - st.cost
    return pd.DataFrame(
        {
            "step": step,
            "account": st.ids,
            "side": st.sides,
            "margin_mode": st.mmodes,
            "quantity_open": np.abs(st.qty),
            "balance": bal,
            "unrealized_pnl": upnl,
            "equity": bal + upnl,
        }
    )


def _result(
    st: ExchangeState, cfg: EngineConfig, mkt: Market, book: Any, fund0: float, steps: int
) -> SimulationResult:
    m_last = mkt.mark
    upnl = st.qty * m_last - st.cost
    bal = st.free + st.margin
    a = st.acc
    accounts_out = pd.DataFrame(
        {
            "account": st.ids, "side": st.sides, "margin_mode": st.mmodes,
            "deposit": st.deposit, "entry_price": st.entry, "quantity_open": np.abs(st.qty),
            "balance": bal, "unrealized_pnl": upnl, "equity": bal + upnl,
            "pnl": bal + upnl - st.deposit, "liquidations": a["n_liq"],
            "adl_quantity": a["adl_qty"], "adl_cost_vs_mark": a["adl_cost"],
            "socialized_paid": a["social_paid"], "fund_received": a["fund_received"],
            "written_off_received": a["written_received"], "fees_paid": a["fees_paid"],
            "backstop_taken": a["backstop_taken"], "debt": np.where(bal < 0, -bal, 0.0),
        }
    )  # fmt: skip
    status = np.where(st.qty != 0, "open", "closed")
    status = np.where((st.qty == 0) & (a["n_liq"] > 0), "liquidated", status)
    by_adl = (st.qty == 0) & (a["n_liq"] == 0) & (a["adl_qty"] > 0)
    accounts_out.insert(3, "status", np.where(by_adl, "closed by ADL", status))
    config = {
        "rules": cfg.rules.name, "waterfall": _waterfall_name(cfg.layers),
        "adl_ranking": cfg.ranking, "liquidation": cfg.mode, "partial_fraction": cfg.frac,
        "maintenance": cfg.tiers if cfg.tiers is not None else cfg.mmr, "fee_rate": cfg.rate,
        "fee_destination": cfg.fee_to, "insurance_fund": fund0,
        "negative_balance_protection": cfg.nbp,
        "book": book if isinstance(book, str) else type(book).__name__,
        "feedback": mkt.impact, "delay": cfg.delay, "steps": steps, "accounts": st.ids.size,
    }  # fmt: skip
    states = pd.concat(st.snapshots, ignore_index=True) if st.snapshots else _states(st, 0, 0.0)[:0]
    return SimulationResult(
        events=pd.DataFrame(st.events, columns=list(EVENT_COLUMNS)),
        adl=pd.DataFrame(st.adl_rows, columns=list(ADL_COLUMNS)),
        history=pd.DataFrame(st.history, columns=list(HISTORY_COLUMNS)),
        accounts=accounts_out,
        account_states=states,
        ledger=st.ledger,
        config=config,
    )


def _waterfall_name(layers: tuple[str, ...]) -> str:
    return next(name for name, lay in WATERFALLS.items() if lay == layers)
