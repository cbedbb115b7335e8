"""The engine's phases, one function each, in the order a step runs them:

1. ``Market.open_step`` (market.py): the mark of the step;
2. ``trigger_accounts``: who is at or below maintenance (vectorized);
3. ``liquidate_due``: the accounts whose turn has come, most undercollateralised
   first, each through ``liquidate_account``:
   - a bounded partial leg (``partial_leg``): a limit at the bankruptcy price;
   - ``close_position``: the book (priced per the venue's rules), then the
     next layers for what the book could not take: the backstop vault
     (``take_over``), ADL (``run_adl``), the book beyond bankruptcy;
   - ``settle``: fee, then the margin left goes to the fund or stays with the
     trader, or the deficit goes down the waterfall (``cover_deficit``);
4. ``socialize``: the step's clawback from profitable accounts;
5. ``record`` (simulator.py): totals, the ledger's conservation check, the
   history row.

Settlement follows engine.py: the trader is settled at the prices each
layer closed it at, so a book fill beyond the bankruptcy price is a deficit
and ADL at the bankruptcy price is none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from perpmath.exchange.adl import adl_queue, adl_score
from perpmath.exchange.market import Market
from perpmath.exchange.state import (
    DUST,
    EngineConfig,
    ExchangeState,
    StepTally,
    maintenance_margin,
)

__all__ = [
    "close_position",
    "cover_deficit",
    "liquidate_account",
    "liquidate_due",
    "partial_leg",
    "run_adl",
    "settle",
    "socialize",
    "trigger_accounts",
]


def trigger_accounts(st: ExchangeState, cfg: EngineConfig, t: int, m: float, last: int) -> int:
    """Flag accounts whose margin balance is at or below maintenance at mark ``m``;
    they are liquidated ``delay`` steps later. Returns how many were flagged."""
    a = st.acc
    equity = st.margin + (st.qty * m - st.cost)
    hit = (equity <= maintenance_margin(cfg, a["absq"] * m, st, t)) & a["eligible"]
    trig = np.flatnonzero(hit)
    if trig.size:
        a["pending"][trig] = True
        a["eligible"][trig] = False
        a["trigger_step"][trig] = t
        st.schedule.setdefault(min(t + cfg.delay, last), []).append(trig)
    return int(trig.size)


def liquidate_due(
    st: ExchangeState, cfg: EngineConfig, mkt: Market, t: int, m: float, tally: StepTally
) -> None:
    """Liquidate the accounts due at step ``t``, most undercollateralised first.

    Venues that liquidate in legs or try again until the book fills (partial
    liquidation; Hyperliquid's and dYdX's orders) look at an account when its
    turn comes: one that a ``delay`` has brought back above maintenance is
    released, and can again be closed by ADL (OKX, "Forced Partial or Full
    Liquidation": the remaining orders are cancelled once the margin ratio is
    restored). Binance-style full liquidation takes the position over at the
    trigger and closes it whatever the price does meanwhile."""
    st.queues = {}
    parts = st.schedule.pop(t, None)
    if not parts:
        return
    tally.changed = True
    due = np.concatenate(parts)
    equity = st.margin[due] + st.qty[due] * m - st.cost[due]
    if cfg.mode == "partial" or cfg.rules.liquidation_order != "bankruptcy":
        mm = maintenance_margin(cfg, np.abs(st.qty[due]) * m, st, t)
        still = equity <= mm
        st.acc["pending"][due[~still]] = False
        due, equity = due[still], equity[still]
    ratio = equity / np.maximum(np.abs(st.qty[due]) * m, 1e-300)
    for a in due[np.lexsort((due, ratio))].tolist():
        st.acc["pending"][a] = False
        if st.qty[a] != 0:
            liquidate_account(st, cfg, mkt, a, t, m, tally)


def liquidate_account(
    st: ExchangeState, cfg: EngineConfig, mkt: Market, a: int, t: int, m: float, tally: StepTally
) -> None:
    """One account: a partial leg first where the mode and size call for it, then,
    if the leg leaves a rest for the next layers, the full close."""
    kind = "full"
    equity = st.margin[a] + st.qty[a] * m - st.cost[a]
    if cfg.mode == "partial" and abs(st.qty[a]) * m > cfg.partial_above and equity > 0:
        if partial_leg(st, cfg, mkt, a, t, m, tally) != "rest":
            return
        kind = "full (after partial)"
    close_position(st, cfg, mkt, a, t, m, tally, kind)


def _realize_in_book(st: ExchangeState, a: int, filled: float, notional: float, t: int) -> None:
    """Close ``filled`` of account ``a`` against the book for ``notional``."""
    qa = abs(st.qty[a])
    s = 1.0 if st.qty[a] > 0 else -1.0
    c_x = st.cost[a] if filled >= qa else st.cost[a] * (filled / qa)
    realized = s * notional - c_x
    if filled >= qa:
        st.qty[a], st.cost[a] = 0.0, 0.0
    else:
        st.qty[a] -= s * filled
        st.cost[a] -= c_x
    st.margin[a] += realized
    st.lp_qty += s * filled
    st.lp_cost += s * notional
    st.closed_notional += notional
    st.ledger.record_signed(t, st.ids[a], "positions", realized, "realized_pnl")


def _pay_fee(st: ExchangeState, cfg: EngineConfig, a: int, fee: float, t: int) -> None:
    st.acc["fees_paid"][a] += fee
    if cfg.fee_to == "fees":
        st.fees += fee
    else:
        st.fund += fee
    st.ledger.record(t, st.ids[a], cfg.fee_to, fee, "liquidation_fee")


def partial_leg(
    st: ExchangeState, cfg: EngineConfig, mkt: Market, a: int, t: int, m: float, tally: StepTally
) -> str:
    """Close ``partial_fraction`` of the position with a limit at its bankruptcy
    price, so a leg never creates a deficit (Bybit, "Liquidation Process";
    OKX, "Partial liquidation"; Hyperliquid, "Liquidations": legs of 20%).

    Returns "open" (the rest stays open), "closed" (the legs closed it all;
    the trader keeps what is left) or "rest" (the book could not take the
    leg at the bankruptcy price or better, or the margin is used up: the
    rest goes to the next layers now)."""
    qa = abs(st.qty[a])
    s = 1.0 if st.qty[a] > 0 else -1.0
    bp = (st.cost[a] - st.margin[a]) / st.qty[a]
    x = qa if cfg.frac >= 1.0 or qa * (1 - cfg.frac) <= 1e-12 * qa else qa * cfg.frac
    filled, notional = mkt.walk("sell" if s > 0 else "buy", x, s, bp, np.inf, DUST * qa, bp)
    if filled <= 0:
        return "rest"
    if qa - filled <= DUST * qa:
        filled = qa  # the crumb left passes with the leg
    _realize_in_book(st, a, filled, notional, t)
    eq_after = st.margin[a] + st.qty[a] * m - st.cost[a]
    # paid from the wallet: never beyond the equity, nor beyond the cash
    fee = min(cfg.rate * notional, max(min(eq_after, st.margin[a]), 0.0))
    st.margin[a] -= fee
    _pay_fee(st, cfg, a, fee, t)
    st.acc["n_liq"][a] += 1
    tally.liquidations += 1
    to_fund = fee if cfg.fee_to != "fees" else 0.0
    st.event(
        [t, int(st.acc["trigger_step"][a]), st.ids[a], st.sides[a], st.mmodes[a], "partial",
         filled, m, bp, notional / filled, filled, 0.0, 0.0, eq_after, fee, to_fund,
         0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    )  # fmt: skip
    if st.qty[a] == 0:
        return "closed"
    if filled < x * (1 - DUST) or eq_after - fee < 0:
        return "rest"
    return "open"


def _fund_room(st: ExchangeState, cfg: EngineConfig) -> float:
    """What the fund may still lose before ADL starts (a hair inside)."""
    floor = 0.0
    if cfg.rules.adl_trigger == "fund_drawdown":
        floor = (1.0 - cfg.rules.adl_drawdown) * st.fund_peak
    return max(st.fund - floor, 0.0) * (1 - 1e-12)


def _order_terms(
    st: ExchangeState, cfg: EngineConfig, m: float, bp: float, s: float, qa: float
) -> tuple[float | None, float]:
    """(limit price or None, deficit budget) of the liquidation order in the book."""
    r = cfg.rules
    uses_adl = cfg.nbp and "adl" in cfg.layers
    room = _fund_room(st, cfg) if uses_adl else np.inf
    if r.liquidation_order == "market_then_backstop":
        return bp, np.inf  # stops at the bankruptcy price: the book makes no deficit
    if r.liquidation_order == "fillable_price":
        mmf = float(maintenance_margin(cfg, qa * m)) / (qa * m)
        return m * (1 - s * r.fillable_spread * mmf), room
    return None, room


def _adl_price(cfg: EngineConfig, mkt: Market, bp: float, m: float) -> float:
    where = cfg.rules.adl_price
    if where == "mark":
        return m
    if where == "previous_index":
        return mkt.previous_index
    return bp


@dataclass
class _Close:
    """The parts of one full close: how much each layer took and at what price."""

    qa: float
    s: float
    bp: float
    filled: float = 0.0
    notional: float = 0.0
    backstop: float = 0.0
    adl: float = 0.0
    adl_price: float = 0.0


def close_position(
    st: ExchangeState,
    cfg: EngineConfig,
    mkt: Market,
    a: int,
    t: int,
    m: float,
    tally: StepTally,
    kind: str,
) -> None:
    """Close what is left of account ``a``: the book (priced per the rules), then
    the backstop vault, ADL, and the book beyond bankruptcy for the rest."""
    qa = abs(st.qty[a])
    s = 1.0 if st.qty[a] > 0 else -1.0
    key = "sell" if s > 0 else "buy"
    c = _Close(qa=qa, s=s, bp=(st.cost[a] - st.margin[a]) / st.qty[a])
    dust_q = DUST * qa
    limit, budget = _order_terms(st, cfg, m, c.bp, s, qa)
    c.filled, c.notional = mkt.walk(key, qa, s, c.bp, budget, dust_q, limit)
    rest = qa - c.filled
    if rest > dust_q and limit is None and np.isfinite(budget):
        rest = _fund_takes_rest(mkt, key, c, rest, budget, dust_q)
    e_mark = st.margin[a] + s * c.notional + s * rest * m - st.cost[a]
    r = cfg.rules
    if rest > dust_q and r.backstop_fraction is not None and cfg.nbp and e_mark >= 0:
        if e_mark >= r.backstop_fraction * float(maintenance_margin(cfg, rest * m)):
            _keep_rest_open(st, cfg, a, t, m, c, tally)  # the book did enough
            return
        c.backstop, rest = rest, 0.0
    if rest > dust_q and cfg.nbp and r.adl_trigger == "negative_equity" and e_mark >= 0:
        # the account's value is not negative: no deleveraging yet; the rest stays
        # open and is tried again (dYdX v4: deleveraging needs negative net
        # collateral; Hyperliquid: ADL when an account's value turns negative)
        _keep_rest_open(st, cfg, a, t, m, c, tally)
        return
    uses_adl = cfg.nbp and "adl" in cfg.layers
    if rest > dust_q and uses_adl:
        c.adl_price = _adl_price(cfg, mkt, c.bp, m)
        c.adl = run_adl(st, cfg, a, s, rest, c.adl_price, m, t)
        tally.adl += c.adl
        rest -= c.adl
    if rest > dust_q:
        f2, n2 = mkt.walk(key, rest, s, c.bp, np.inf)
        c.notional += n2
        if rest - f2 > 0:  # the side is used up: the rest at its deepest price
            c.notional += (rest - f2) * mkt.backstop_price(key)
        c.filled += rest
    else:
        # the rounding crumb (either sign) passes to the liquidity providers at BP
        c.notional += rest * c.bp
        c.filled += rest
    _realize_close(st, a, c, t, m)
    settle(st, cfg, a, t, m, c, tally, kind)


def _fund_takes_rest(
    mkt: Market, key: str, c: _Close, rest: float, budget: float, dust_q: float
) -> float:
    """The book's side ran out while the fund could still carry the loss: the
    fund takes what it can carry at the side's deepest price (Binance,
    "Insurance Fund": the fund takes the position and unwinds it), so ADL
    only starts once the fund cannot. Returns what is left for ADL."""
    used = max(c.s * (c.bp * c.filled - c.notional), 0.0)
    pb = mkt.backstop_price(key)
    unit = c.s * (c.bp - pb)  # deficit per coin at that price
    take = rest if unit <= 0 else min(rest, max(budget - used, 0.0) / unit)
    if take <= dust_q:
        return rest
    if rest - take <= dust_q:
        take = rest
    c.filled += take
    c.notional += take * pb
    return rest - take


def _keep_rest_open(
    st: ExchangeState, cfg: EngineConfig, a: int, t: int, m: float, c: _Close, tally: StepTally
) -> None:
    """The book closed part and the rest stays open, to be tried again: the
    account's equity is back above the backstop line (Hyperliquid), or its
    value is not negative, so there is no deleveraging yet (dYdX).

    A part filled beyond its bankruptcy price (dYdX's fillable price lies
    beyond it) is settled at that price: the insurance fund pays the gap, so
    the open rest keeps its share of the margin (dYdX, "Liquidations on dYdX
    Chain": the fund covers the difference between the fill and the
    bankruptcy price; the order's budget is what the fund can pay)."""
    pay, gap = (0.0, 0.0, 0.0), 0.0
    if c.filled > 0:  # an attempt that filled nothing is recorded, not counted
        gap = c.s * (c.bp * c.filled - c.notional)  # > 0: the fill is beyond bankruptcy
        _realize_in_book(st, a, c.filled, c.notional, t)
        st.acc["n_liq"][a] += 1
        tally.liquidations += 1
        if gap > DUST * max(c.notional, 1.0):
            tally.deficit += gap
            pay = cover_deficit(st, cfg, a, gap, t)
            tally.from_fund += pay[0]
            tally.social += pay[1]
            tally.written += pay[2]
        else:
            gap = 0.0
    e = st.margin[a] + st.qty[a] * m - st.cost[a]
    vwap = c.notional / c.filled if c.filled > 0 else c.bp
    st.event(
        [t, int(st.acc["trigger_step"][a]), st.ids[a], st.sides[a], st.mmodes[a],
         "book (rest kept open)", c.filled, m, c.bp, vwap, c.filled, 0.0, 0.0, e,
         0.0, 0.0, 0.0, 0.0, gap, *pay, 0.0]
    )  # fmt: skip


def _realize_close(st: ExchangeState, a: int, c: _Close, t: int, m: float) -> None:
    """Settle the whole position at the prices each layer closed it at."""
    s = c.s
    realized = s * (c.notional + c.adl * c.adl_price + c.backstop * m) - st.cost[a]
    st.margin[a] += realized
    st.ledger.record_signed(t, st.ids[a], "positions", realized, "realized_pnl")
    st.lp_qty += s * c.filled
    st.lp_cost += s * c.notional
    st.bq += s * c.backstop
    st.bcost += s * c.backstop * m
    st.closed_notional += c.notional + c.adl * abs(c.adl_price) + c.backstop * m
    st.qty[a], st.cost[a] = 0.0, 0.0


def settle(
    st: ExchangeState,
    cfg: EngineConfig,
    a: int,
    t: int,
    m: float,
    c: _Close,
    tally: StepTally,
    kind: str,
) -> None:
    """What the closed account has left: fee, then to the fund, the vault or the
    trader (per the rules); or a deficit down the waterfall (or a debt)."""
    e = st.margin[a]
    liq_notional = c.notional + c.adl * abs(c.adl_price) + c.backstop * m
    if e != 0.0 and abs(e) <= 1e-12 * max(liq_notional, 1.0):
        # floating-point crumb of a settlement exactly at BP: the venue takes it
        st.ledger.record_signed(t, st.ids[a], "venue", -e, "rounding")
        st.venue += e
        st.margin[a] = e = 0.0
    fee = to_fund = kept = to_vault = deficit = debt = 0.0
    pay = (0.0, 0.0, 0.0)
    if e >= 0:
        fee = min(cfg.rate * liq_notional, e)
        _pay_fee(st, cfg, a, fee, t)
        left = e - fee
        if c.backstop > 0:  # the vault takes the margin with the position
            to_vault = left
            st.ledger.record(t, st.ids[a], "insurance_fund", left, "backstop_takeover")
            st.fund += left
            st.acc["backstop_taken"][a] += left
        elif cfg.rules.leftover_margin == "insurance_fund":
            to_fund = left
            st.ledger.record(t, st.ids[a], "insurance_fund", left, "liquidation_surplus")
            st.fund += left
        else:
            kept = left
            st.free[a] += left
        to_fund += fee if cfg.fee_to != "fees" else 0.0
        st.margin[a] = 0.0
    else:
        tally.deficit += -e
        if cfg.nbp:
            deficit = -e
            pay = cover_deficit(st, cfg, a, deficit, t)
            tally.from_fund += pay[0]
            tally.social += pay[1]
            tally.written += pay[2]
        else:
            debt = -e
            st.free[a] += st.margin[a]
            st.margin[a] = 0.0
    st.acc["n_liq"][a] += 1
    tally.liquidations += 1
    tally.backstop += c.backstop
    _close_event(st, a, t, m, c, kind, e, fee, to_fund, kept, to_vault, deficit, pay, debt)


def _close_event(st, a, t, m, c, kind, e, fee, to_fund, kept, to_vault, deficit, pay, debt):
    """One event row; quantity crumbs are given to the largest part, so the
    parts are exact zeros or real amounts and add up to the quantity."""
    parts = [c.filled, c.adl, c.backstop]
    crumbs = [x if abs(x) <= DUST * c.qa else 0.0 for x in parts]
    parts = [0.0 if cr else x for x, cr in zip(parts, crumbs, strict=True)]
    if any(crumbs):
        big = int(np.argmax(parts))
        parts[big] = c.qa - sum(p for i, p in enumerate(parts) if i != big)
    book_q, adl_q, bs_q = parts
    if book_q > 0:
        vwap = c.notional / c.filled
    else:
        vwap = c.adl_price if adl_q > 0 else m
    st.event(
        [t, int(st.acc["trigger_step"][a]), st.ids[a], st.sides[a], st.mmodes[a], kind,
         c.qa, m, c.bp, vwap, book_q, adl_q, bs_q, e, fee, to_fund, kept, to_vault,
         deficit, *pay, debt]
    )  # fmt: skip


def cover_deficit(
    st: ExchangeState, cfg: EngineConfig, a: int, d: float, t: int
) -> tuple[float, float, float]:
    """Cover a deficit ``d`` of account ``a`` (protection on): the fund first,
    then the venue advances the rest (clawed back at the end of the step
    under socialized loss, or written off). Returns (fund, socialize, written off)."""
    from_fund = min(d, st.fund) if "insurance_fund" in cfg.layers else 0.0
    st.fund -= from_fund
    rest = d - from_fund
    st.venue -= rest
    st.margin[a] += d
    st.acc["fund_received"][a] += from_fund
    st.ledger.record(t, "insurance_fund", st.ids[a], from_fund, "fund_cover")
    if "socialized_loss" in cfg.layers:
        st.ledger.record(t, "venue", st.ids[a], rest, "deficit_to_socialize")
        return from_fund, rest, 0.0
    st.acc["written_received"][a] += rest
    st.ledger.record(t, "venue", st.ids[a], rest, "bad_debt_written_off")
    return from_fund, 0.0, rest


def _adl_queue_for(st: ExchangeState, cfg: EngineConfig, other: float, m: float, t: int) -> list:
    """The step's ADL queue of the ``other`` side (ranked once per step).

    ``random`` (dYdX v4, ``OffsetSubaccountPerpetualPosition`` in
    dydxprotocol/v4-chain x/clob/keeper/deleveraging.go): the opposite
    positions in turn from a pseudo-random start (the chain seeds it from the
    block; here a generator seeded with the step, so runs are reproducible)."""
    if other not in st.queues:
        idx = np.flatnonzero((st.qty * other > 0) & ~st.acc["pending"])
        if idx.size and cfg.ranking == "random":
            start = int(np.random.default_rng(t).integers(idx.size))
            order = np.roll(idx, -start)
            upnl = st.qty[order] * m - st.cost[order]
            st.queues[other] = [order[upnl > 0], 0]
        elif idx.size:
            q_i = np.abs(st.qty[idx])
            scores = adl_score(
                "long" if other > 0 else "short", q_i, st.cost[idx] / st.qty[idx], m,
                st.margin[idx], maintenance_margin=maintenance_margin(cfg, q_i * m),
                convention=cfg.ranking,
            )  # fmt: skip
            upnl = st.qty[idx] * m - st.cost[idx]
            st.queues[other] = [idx[adl_queue(np.nan_to_num(scores, posinf=1e300), pnl=upnl)], 0]
        else:
            st.queues[other] = [idx, 0]
    return st.queues[other]


def run_adl(
    st: ExchangeState,
    cfg: EngineConfig,
    a: int,
    s: float,
    rest: float,
    px: float,
    m: float,
    t: int,
) -> float:
    """Close up to ``rest`` of the opposite side at price ``px`` in ADL order,
    only profitable accounts that stay solvent at ``px``; returns the quantity."""
    other = -s
    queue, ptr = _adl_queue_for(st, cfg, other, m, t)
    qty, cost, margin = st.qty, st.cost, st.margin
    window = 64
    while True:
        cand = queue[ptr : ptr + window]
        if not cand.size:
            return 0.0
        valid = (
            (qty[cand] * other > 0)
            & ~st.acc["pending"][cand]
            & (margin[cand] + qty[cand] * px - cost[cand] >= 0)
        )
        sizes = np.where(valid, np.abs(qty[cand]), 0.0)
        cum = np.cumsum(sizes)
        if cum[-1] >= rest or ptr + window >= queue.size:
            break
        window *= 4
    before = rest - (cum - sizes)  # what is left to close when each position's turn comes
    take = np.clip(before, 0.0, sizes)
    # ADL never trades dust: a position closed up to a crumb is closed whole, and
    # one whose turn comes with only a crumb left is not touched
    take = np.where(sizes - take <= DUST * sizes, sizes, take)
    take[before <= DUST * rest] = 0.0
    hit = take > 0
    j, y = cand[hit], take[hit]
    if not j.size:
        return 0.0
    whole = y >= sizes[hit]
    c_j = np.where(whole, cost[j], cost[j] * (y / np.abs(qty[j])))
    realized = other * y * px - c_j
    qty[j] = np.where(whole, 0.0, qty[j] - other * y)
    cost[j] = np.where(whole, 0.0, cost[j] - c_j)
    margin[j] += realized
    vs_mark = other * y * (m - px)
    st.acc["adl_qty"][j] += y
    st.acc["adl_cost"][j] += vs_mark
    st.ledger.record_many(t, st.ids[j], "positions", realized, "adl_realized_pnl")
    _adl_rows(st, t, st.ids[a], j, y, px, m, realized, vs_mark)
    still = np.flatnonzero(qty[cand] != 0)  # skip the positions ADL closed entirely
    st.queues[other][1] = ptr + (int(still[0]) if still.size else cand.size)
    return float(y.sum())


def _adl_rows(st, t, liquidated, j, y, px, m, realized, vs_mark) -> None:
    k = j.size
    rows = st.adl_rows
    rows["step"].extend([t] * k)
    rows["liquidated"].extend([liquidated] * k)
    rows["counterparty"].extend(st.ids[j].tolist())
    rows["quantity"].extend(y.tolist())
    rows["price"].extend([px] * k)
    rows["mark"].extend([m] * k)
    rows["realized_pnl"].extend(realized.tolist())
    rows["cost_vs_mark"].extend(vs_mark.tolist())


def socialize(st: ExchangeState, t: int, m: float, tally: StepTally) -> float:
    """Claw the step's uncovered deficits back from open profits, pro rata and at
    most all of each (OKX 2018; Bybit, "Contract Loss Mechanism"): the clawed
    part is realized and paid to the venue. Returns what was recovered."""
    if tally.social <= 0:
        return 0.0
    tally.changed = True
    prof = np.maximum(st.qty * m - st.cost, 0.0)
    prof[st.qty == 0] = 0.0
    total = float(prof.sum())
    if total <= 0:
        return 0.0
    pay_i = prof * min(tally.social / total, 1.0)
    st.cost += pay_i  # the position's entry moves against it by pay / quantity
    st.acc["social_paid"] += pay_i
    recovered = float(pay_i.sum())
    st.venue += recovered
    idx = np.flatnonzero(pay_i)
    st.ledger.record_many(t, st.ids[idx], "positions", pay_i[idx], "clawback_realized")
    st.ledger.record_many(t, st.ids[idx], "venue", -pay_i[idx], "socialized_loss")
    return recovered
