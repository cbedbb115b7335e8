"""An audit of a simulation rebuilt from its result tables alone.

Nothing here reads the engine's ledger, its per-step totals or its state:
every account's equity, every pool, the liquidity providers' and the
backstop vault's positions are rebuilt from the starting accounts table, the
``events`` and ``adl`` tables (quantities, prices, fees and where money
went) and the marks of ``history``. The rebuilt numbers are then compared
with what the engine reports, and the venue's promises are checked:

- no cent created or lost: rebuilt equities + pools + the book's liquidity
  providers + the backstop vault == deposits + the fund's seed;
- each account's rebuilt equity and open quantity == the engine's;
- the fund never negative; open interest balanced (longs == shorts,
  counting the liquidity providers and the vault);
- no debt under negative-balance protection, at any recorded step;
- ADL only against opposite-side accounts that were profitable at the mark,
  at the venue's price (bankruptcy price, mark, or previous index);
- ADL only after the fund layer: where ADL waits for the fund (Binance,
  Bybit), the fund had nothing left to carry when ADL fired; under OKX's
  drawdown trigger, the fund had fallen to 70% of its peak;
- no deficit written off while an opposite account that ADL could still
  close (open, profitable at the mark, solvent at the ADL price, not itself
  waiting for liquidation) is left at the end of the step (venues whose ADL
  price is the bankruptcy price, where ADL leaves no deficit);
- a partial leg never fills beyond the bankruptcy price (a limit there);
- each full close's parts add up to its quantity, and the ADL table's
  quantities to the events' ADL quantities;
- a fee never beyond what the position had left; the waterfall's layers
  (fund, clawback, write-off, debts) add up to the deficits.

``audit`` returns a list of broken promises (empty = all kept), so a script
can count failures over thousands of runs and a test can assert on it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from perpmath.venue_rules import VENUE_RULES


def _sign(side: pd.Series) -> np.ndarray:
    return np.where(side.to_numpy() == "long", 1.0, -1.0)


def rebuild(accounts: pd.DataFrame, r) -> dict:
    """Every account's equity and open quantity, and every pool, from the tables."""
    h, e, adl = r.history, r.events, r.adl
    ids = accounts["account"].to_numpy() if "account" in accounts else np.arange(len(accounts))
    s0 = pd.Series(_sign(accounts["side"]), index=ids)
    q0 = pd.Series(accounts["quantity"].to_numpy(dtype=float), index=ids)
    ep = pd.Series(accounts["entry_price"].to_numpy(dtype=float), index=ids)
    dep = pd.Series(accounts["balance"].to_numpy(dtype=float), index=ids)
    m_end = float(h["mark"].iloc[-1])
    pnl = pd.Series(0.0, index=ids)
    closed = pd.Series(0.0, index=ids)
    cash = pd.Series(0.0, index=ids)  # fees, surplus, vault, deficit cover
    fee_to_fund = r.config["fee_destination"] == "insurance_fund"
    lp_q = -float((s0 * q0).sum())
    lp_cost = -float((s0 * q0 * ep).sum())
    bq = bcost = 0.0
    adl_price = adl.groupby(["step", "liquidated"])["price"].first() if len(adl) else None
    for row in e.itertuples(index=False):
        a, s = row.account, (1.0 if row.side == "long" else -1.0)
        book_q = float(row.book_quantity)
        pnl[a] += s * book_q * (row.vwap - ep[a]) if book_q > 0 else 0.0
        lp_q += s * book_q
        lp_cost += s * book_q * row.vwap if book_q > 0 else 0.0
        if row.adl_quantity > 0:
            px = float(adl_price.loc[(row.step, a)])
            pnl[a] += s * row.adl_quantity * (px - ep[a])
        if row.backstop_quantity > 0:
            pnl[a] += s * row.backstop_quantity * (row.mark - ep[a])
            bq += s * row.backstop_quantity
            bcost += s * row.backstop_quantity * row.mark
        closed[a] += row.quantity
        surplus = row.to_fund - (row.fee if fee_to_fund else 0.0)
        covered = row.from_fund + row.to_socialize + row.written_off
        cash[a] += covered - row.fee - surplus - row.to_backstop
    for row in adl.itertuples(index=False):
        j = row.counterparty
        pnl[j] += s0[j] * row.quantity * (row.price - ep[j])
        closed[j] += row.quantity
    q_open = q0 - closed
    social = r.accounts.set_index("account")["socialized_paid"].reindex(ids)
    equity = dep + pnl + s0 * q_open * (m_end - ep) + cash - social
    fund = r.config["insurance_fund"] + float(
        (e["to_fund"] + e["to_backstop"] - e["from_fund"]).sum()
    )
    fees = 0.0 if fee_to_fund else float(e["fee"].sum())
    venue = float(social.sum() - (e["to_socialize"] + e["written_off"]).sum())
    return {
        "equity": equity, "q_open": q_open, "fund": fund, "fees": fees, "venue": venue,
        "lp_q": lp_q, "lp_pnl": lp_q * m_end - lp_cost, "bq": bq, "b_pnl": bq * m_end - bcost,
        "deposits": float(dep.sum()) + r.config["insurance_fund"], "sign": s0,
    }  # fmt: skip


def audit(accounts: pd.DataFrame, r, *, nbp: bool, rules: str) -> list[str]:
    """Broken promises of result ``r`` of ``accounts`` (empty list: all kept)."""
    b = rebuild(accounts, r)
    h, e, adl, acc = r.history, r.events, r.adl, r.accounts.set_index("account")
    scale = max(1.0, b["deposits"], float(e["quantity"].mul(e["mark"]).sum()))
    tol = 1e-7 * scale
    bad: list[str] = []

    def need(ok: bool, what: str) -> None:
        if not ok:
            bad.append(what)

    total = b["equity"].sum() + b["lp_pnl"] + b["b_pnl"] + b["fund"] + b["fees"] + b["venue"]
    need(abs(total - b["deposits"]) <= tol, f"money: rebuilt total {total} != {b['deposits']}")
    ids = b["equity"].index
    diff = (b["equity"] - acc["equity"].reindex(ids)).abs().max()
    need(diff <= tol, f"account equity differs from the rebuild by {diff}")
    qdiff = (b["q_open"] - acc["quantity_open"].reindex(ids)).abs().max()
    need(qdiff <= 1e-9 * max(1.0, float(b["q_open"].abs().max())), f"open quantity off by {qdiff}")
    last = h.iloc[-1]
    for name, col in (("fund", "fund"), ("fees", "fees"), ("venue", "venue")):
        need(abs(b[name] - last[col]) <= tol, f"{name}: rebuilt {b[name]} != {last[col]}")
    need(abs(b["lp_q"] - last["lp_position"]) <= 1e-9 * scale, "liquidity providers' position")
    need(abs(b["bq"] - last["backstop_position"]) <= 1e-9 * scale, "backstop vault's position")
    oi = float((b["sign"] * b["q_open"]).sum()) + b["lp_q"] + b["bq"]
    need(abs(oi) <= 1e-9 * scale, f"open interest unbalanced by {oi}")
    need(bool((h["fund"] >= -tol).all()), "the fund went negative")
    if nbp:
        need(bool((e["debt_left"] == 0).all()), "a protected trader was left with a debt")
        st = r.account_states
        need(bool((st["balance"] >= -tol).all()), "a protected account showed a negative balance")
        need(bool((acc["balance"] >= -tol).all()), "a protected account ends with a debt")
    bad += _close_parts(e)
    full = e[e["kind"].astype(str).str.startswith("full")]
    need(bool((full["fee"] <= full["equity_at_fill"].clip(lower=0) + tol).all()),
         "a liquidation fee exceeded what the position had left")  # fmt: skip
    w = r.waterfall().set_index("item")["amount"]
    covered = sum(w[k] for k in ("paid by insurance fund", "written off by the venue",
                                 "socialized: clawed back from profitable accounts",
                                 "left as traders' negative balances"))  # fmt: skip
    need(
        abs(w["deficits"] - covered) <= tol, "the waterfall's layers do not add up to the deficits"
    )
    if len(adl):
        bad += _adl_promises(r, rules)
    if nbp and r.config["waterfall"] == "fund_then_adl":
        bad += _fund_before_adl(r, rules, tol)
        if VENUE_RULES[rules].adl_price == "bankruptcy" and len(r.account_states):
            bad += _no_write_off_before_adl(r, tol)
    part = e[e["kind"] == "partial"]
    s = _sign(part["side"])
    beyond = s * (part["vwap"] - part["bankruptcy_price"]) < -1e-9 * part["vwap"]
    need(not beyond.any(), "a partial leg filled beyond the bankruptcy price")
    return bad


def _close_parts(e: pd.DataFrame) -> list[str]:
    full = e[e["kind"].astype(str).str.startswith("full")]
    parts = full["book_quantity"] + full["adl_quantity"] + full["backstop_quantity"]
    off = (parts - full["quantity"]).abs() > 1e-9 * full["quantity"]
    return ["a full close's parts do not add up to its quantity"] if off.any() else []


def _adl_promises(r, rules: str) -> list[str]:
    e, adl, h = r.events, r.adl, r.history.set_index("step")
    side = r.accounts.set_index("account")["side"]
    bad = []
    if (side[adl["counterparty"]].to_numpy() == side[adl["liquidated"]].to_numpy()).any():
        bad.append("ADL closed an account on the liquidated side")
    profit = adl["realized_pnl"] + adl["cost_vs_mark"]  # at the mark, before ADL
    if (profit <= -1e-9 * adl["quantity"] * adl["mark"]).any():
        bad.append("ADL closed an account that was not profitable at the mark")
    per_close = adl.groupby(["step", "liquidated"])["quantity"].sum()
    used = e[e["adl_quantity"] > 0].set_index(["step", "account"])["adl_quantity"]
    used = used.groupby(level=[0, 1]).sum()
    if not np.allclose(per_close.sort_index().to_numpy(), used.sort_index().to_numpy(),
                       rtol=1e-9):  # fmt: skip
        bad.append("the ADL table's quantities differ from the events' ADL quantities")
    where = VENUE_RULES[rules].adl_price
    if where == "bankruptcy":
        bp = e.groupby(["step", "account"])["bankruptcy_price"].last()
        want = bp.loc[list(zip(adl["step"], adl["liquidated"], strict=True))].to_numpy()
    elif where == "mark":
        want = h.loc[adl["step"], "mark"].to_numpy()
    else:
        prev = h["index"].shift(1).fillna(h["index"].iloc[0])
        want = prev.loc[adl["step"]].to_numpy()
    if not np.allclose(adl["price"].to_numpy(), want, rtol=1e-12):
        bad.append(f"ADL not at the venue's price ({where})")
    return bad


def fund_left_when_adl_fired(r) -> list[tuple[int, float, float]]:
    """(step, fund the event could still draw, the fund's peak before the step) for
    every event that used ADL: the fund before the event (the step's closing fund
    less what this and later events of the step moved), less the deficit of the
    event's own book fills, which the engine lets the fund carry first."""
    e, h = r.events.reset_index(drop=True), r.history.set_index("step")
    peak = h["fund"].cummax().shift(1).fillna(r.config["insurance_fund"])
    peak = peak.clip(lower=r.config["insurance_fund"])
    out = []
    for i in np.flatnonzero(e["adl_quantity"] > 0):
        t = int(e.at[i, "step"])
        later = e[(e.index >= i) & (e["step"] == t)]
        moved_in = later["to_fund"].sum() + later["to_backstop"].sum()
        before = h.at[t, "fund"] - moved_in + later["from_fund"].sum()
        s = 1.0 if e.at[i, "side"] == "long" else -1.0
        book = e.at[i, "book_quantity"] * s * (e.at[i, "bankruptcy_price"] - e.at[i, "vwap"])
        out.append((t, before - max(book, 0.0), float(peak.loc[t])))
    return out


def _fund_before_adl(r, rules: str, tol: float) -> list[str]:
    trigger = VENUE_RULES[rules].adl_trigger
    for t, left, peak in fund_left_when_adl_fired(r):
        if trigger == "fund_exhausted" and left > tol:
            return [f"ADL fired at step {t} with {left} left in the fund"]
        if trigger == "fund_drawdown" and left > 0.7 * peak + tol:
            return [f"OKX ADL fired at step {t} above its drawdown line ({left} of {peak})"]
    return []


def _no_write_off_before_adl(r, tol: float) -> list[str]:
    e, st = r.events.reset_index(drop=True), r.account_states
    for i in np.flatnonzero(e["written_off"] > tol):
        ev = e.iloc[i]
        t, s_liq = int(ev.step), (1.0 if ev.side == "long" else -1.0)
        # waiting for their own liquidation then: triggered by now, liquidated later
        later = (e.index > i) & (e["step"] == t) | (e["step"] > t)
        pending = e[later & (e["trigger_step"] <= t)]["account"]
        other = st[(st["step"] == t) & (st["quantity_open"] > 0) & (st["side"] != ev.side)]
        # closing at the bankruptcy price instead of the mark changes its equity by:
        at_px = other["equity"] + s_liq * other["quantity_open"] * (ev.mark - ev.bankruptcy_price)
        usable = (other["unrealized_pnl"] > tol) & (at_px >= tol)
        if usable[~other["account"].isin(pending)].any():
            return [f"a deficit was written off at step {t} while ADL could still close a winner"]
    return []
