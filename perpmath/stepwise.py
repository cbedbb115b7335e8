"""How the liquidation engine acts, step by step.

When the mark price reaches a position's liquidation price the engine does
not simply dump everything. The published procedures share a shape:

1. cancel the trader's open orders (their reserved margin is released);
2. reduce the position, then check whether the margin has recovered
   (margin balance above the maintenance margin of what is left);
3. if it has not, keep reducing; what cannot be saved is taken over at the
   bankruptcy price (the remaining margin goes to the insurance fund).

Three reduction modes are supported by name (``mode``):

* ``"all_at_once"``: close the whole position in one step, taken over at the
  bankruptcy price (Bybit for positions in the lowest risk-limit tier:
  "Liquidation Process (USDT Contract)",
  https://help.bybit.com/hc/en-us/articles/900000167723-Liquidation-Process-USDT-Contract-).
* ``"tier_by_tier"``: lower the risk limit one tier, liquidate the part of the
  position above the new tier's cap, check recovery, repeat; at the lowest
  tier the rest is taken over at the bankruptcy price (Gate.io, "Liquidation
  Process", https://www.gate.io/help/futures/futures-logic/22159/liquidation-process:
  lower the risk limit one tier, liquidate the excess, stop once the margin
  ratio is back above 100 %; Bybit's FillOrKill order "of the
  difference between the current position value and the lower tier value";
  Binance: "reduce the user's margin limit with one large Immediate or
  Cancel order without fully liquidating the user", Binance "Liquidation
  Protocol", https://www.binance.com/en/support/faq/360033525271).
* ``"tier_jump"``: one order straight down to the highest lower tier whose
  requirement the remaining margin meets (Bybit: a FillOrKill order "of the
  difference between the current position value and the lower margin tier
  value which satisfies the margin requirement"); if no tier does, the
  whole position is taken over at the bankruptcy price.
* ``"fraction"``: close a fixed ``fraction`` of the position per step at the
  market price for ``partial_steps`` steps, then, if the margin has still not
  recovered, the rest at the market; the trader keeps whatever margin is
  left, or owes a negative balance (Hyperliquid: 20 % of a position above
  100k USDC, then after a 30-second cool-down the entire position,
  "Liquidations", https://hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations;
  dYdX v4 likewise caps how much of a position is liquidated per block).

The state is that of one isolated linear position at a fixed mark price:
margin balance = isolated margin + realized PnL of closed parts + s x Q x
(mark - entry) - fees; maintenance margin = ``TierTable.maintenance_margin``
of Q x mark. Partial closes fill at ``fill_price`` (default: the mark price)
and pay a liquidation clearance fee of ``fee_rate`` x closed notional
("a liquidation fee on the amount being liquidated", Binance "Liquidation"
FAQ, https://www.binance.com/en/support/faq/360033525271; Binance's
"Insurance Fund" FAQ, https://www.binance.com/en/support/faq/360033525371,
states the fund collects up to 0.5 %). The fee is capped at the margin
balance left after the close: the trader never pays more than is left, the
insurance fund taking over what a bankrupt account cannot pay ("the
Insurance Fund will balance the account back to 0", same FAQ). Once the
margin balance has reached zero there is nothing left to protect: a ladder
mode stops and the rest is taken over at the bankruptcy price, and
``"fraction"`` closes the rest at the market.
A position caught with a balance already at or below zero (the price
gapped through the bankruptcy price) is taken over at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from perpmath import _validate as v
from perpmath.tiers import TierTable, load_tier_table

__all__ = ["STEPWISE_MODES", "liquidation_trace"]

#: Names of the reduction modes (see the module docstring).
STEPWISE_MODES = ("all_at_once", "tier_by_tier", "tier_jump", "fraction")

_COLUMNS = [
    "action",
    "quantity",
    "closed",
    "fee",
    "notional",
    "tier",
    "maintenance_margin",
    "margin_balance",
    "recovered",
]


@v.no_overflow
def liquidation_trace(
    side: str,
    entry_price: float,
    quantity: float,
    mark_price: float,
    margin: float,
    *,
    tiers: TierTable | None = None,
    mode: str = "tier_by_tier",
    fraction: float = 0.2,
    partial_steps: int = 1,
    open_orders: int = 0,
    order_margin: float = 0.0,
    fill_price: float | None = None,
    fee_rate: float = 0.0,
    max_steps: int = 100,
) -> pd.DataFrame:
    """Step-by-step trace of the liquidation of one isolated linear position.

    ``margin`` is the position's isolated margin (USDT); ``tiers`` the
    risk-limit table (default: Binance BTCUSDT). ``open_orders`` orders
    reserving ``order_margin`` are cancelled first and that margin is added to
    the position's (as in cross margin, where the released balance backs the
    position). One row per step with the columns action, quantity (left),
    closed (this step), notional (left, at the mark), tier (1-based, 0 when
    nothing is left), maintenance_margin, margin_balance and recovered
    (a position is left and its margin balance exceeds its maintenance
    margin: the engine stops), plus fee (the clearance fee charged in the
    step, capped at what is left). The trace ends when the margin has
    recovered or nothing is left; it never shows a negative margin balance
    except where ``"fraction"`` closes at a fill beyond the bankruptcy price.
    Raises ValueError if the position is not liquidatable at ``mark_price``.
    Sources and modes: see the module docstring.
    """
    s = v.side_sign(side)
    if not isinstance(s, float):
        raise ValueError(f"side must be a single 'long' or 'short', got {side!r}")
    e = v.scalar("entry_price", v.positive("entry_price", entry_price))
    q = v.scalar("quantity", v.positive("quantity", quantity))
    m = v.scalar("mark_price", v.positive("mark_price", mark_price))
    wb = v.scalar("margin", v.non_negative("margin", margin))
    table = load_tier_table("binance_usdm_btcusdt", date="2021-03-18") if tiers is None else tiers
    v.instance("tiers", table, TierTable, "a TierTable or None")
    kind = v.choice("mode", mode, STEPWISE_MODES)
    frac = v.scalar("fraction", v.in_range("fraction", fraction, 0.0, 1.0, high_inclusive=True))
    if frac == 0:
        raise ValueError("fraction must be greater than 0, got 0.0")
    open_orders = v.integer("open_orders", open_orders, minimum=0)
    released = v.scalar("order_margin", v.non_negative("order_margin", order_margin))
    if released > 0 and open_orders == 0:
        raise ValueError("order_margin must be 0 when there are no open orders to cancel")
    fill = m if fill_price is None else v.scalar("fill_price", v.positive("fill_price", fill_price))
    fee = v.scalar("fee_rate", v.in_range("fee_rate", fee_rate, 0.0, 0.1))
    partial_steps = v.integer("partial_steps", partial_steps, minimum=1)
    max_steps = v.integer("max_steps", max_steps, minimum=1)

    trace = _Trace(s, e, m, wb, table, fill, fee)
    trace.trigger(q)
    if open_orders and trace.cancel_orders(q, open_orders, released):
        return trace.frame()
    if kind == "all_at_once" or (kind != "fraction" and trace.gone(q)):
        trace.take_over(q)
    elif kind == "tier_jump":
        trace.jump_tiers(q)
    else:
        trace.reduce(q, kind, frac, partial_steps, max_steps)
    return trace.frame()


@dataclass
class _Trace:
    """The engine's phases on one isolated linear position at a fixed mark price.

    ``wb`` is the position's margin (plus the margin released by cancelled
    orders), ``realized`` the PnL of the parts closed so far minus their
    fees; each phase appends its rows to ``rows``.
    """

    s: float  # +1 long, -1 short
    e: float  # entry price
    m: float  # mark price
    wb: float
    table: TierTable
    fill: float  # fill price of a partial close
    fee: float  # clearance fee rate
    realized: float = 0.0
    rows: list[dict[str, object]] = field(default_factory=list)

    def state(self, qty: float) -> tuple[float, int, float, float]:
        """Notional, 1-based tier, maintenance margin and margin balance with ``qty`` left."""
        notional = qty * self.m
        if qty <= 0:
            return 0.0, 0, 0.0, self.wb + self.realized
        # a size cut to a tier's cap must land in that tier despite rounding
        inside = notional * (1 - 1e-12)
        tier = int(self.table.tier_index(inside))
        mm = float(self.table.maintenance_margin(inside))
        mb = self.wb + self.realized + self.s * qty * (self.m - self.e)
        return notional, tier + 1, mm, mb

    def record(self, action: str, qty: float, closed: float, fee_paid: float = 0.0) -> bool:
        """Append a row; True when the engine stops (recovered, or nothing left)."""
        notional, tier, mm, mb = self.state(qty)
        # at the liquidation price itself the two are equal up to rounding:
        # that still counts as liquidatable (margin ratio at 100 %)
        ok = bool(qty > 0 and _above(mb, mm))
        self.rows.append(
            dict(
                action=action,
                quantity=qty,
                closed=closed,
                fee=fee_paid,
                notional=notional,
                tier=tier,
                maintenance_margin=mm,
                margin_balance=mb,
                recovered=ok,
            )
        )
        return ok or qty <= 0

    def trigger(self, q: float) -> None:
        """The first row; ValueError if the position is not liquidatable at the mark."""
        if self.record("liquidation triggered at the mark price", q, 0.0):
            _, _, mm0, mb0 = self.state(q)
            raise ValueError(
                f"the position is not liquidatable at mark_price {self.m:,.2f}: margin balance "
                f"{mb0:,.2f} exceeds the maintenance margin {mm0:,.2f}"
            )

    def cancel_orders(self, q: float, open_orders: int, released: float) -> bool:
        """Cancel the open orders and add their margin; True if that was enough."""
        self.wb += released
        plural = "s" if open_orders != 1 else ""
        return self.record(f"cancel {open_orders} open order{plural}", q, 0.0)

    def take_over(self, qty: float) -> None:
        """The engine takes what is left at the bankruptcy price: the position's
        remaining margin goes to the insurance fund, which also makes good a
        negative balance, so the position's margin ends at exactly 0."""
        self.realized = -self.wb
        self.record("rest taken over at the bankruptcy price", 0.0, qty)

    def close_part(self, qty: float, closed: float) -> tuple[float, float]:
        """PnL of the part closed at the fill, and the fee, capped at what is left."""
        pnl = self.s * closed * (self.fill - self.e)
        left = self.wb + self.realized + pnl + self.s * (qty - closed) * (self.m - self.e)
        return pnl, min(self.fee * closed * self.fill, max(left, 0.0))

    def gone(self, qty: float) -> bool:
        """Margin balance at zero (up to rounding of the sums above) or below."""
        return self.state(qty)[3] <= 1e-9 * max(1.0, self.wb)

    def jump_tiers(self, q: float) -> None:
        """``"tier_jump"``: one order down to the highest lower tier whose requirement
        the margin left meets; otherwise the whole position is taken over."""
        s, m, e, table = self.s, self.m, self.e, self.table
        _, tier, _, mb = self.state(q)
        for k in range(tier - 2, -1, -1):  # 0-based tiers below the current one
            target = float(table.cap[k]) / m
            closed = q - target
            pnl, paid = self.close_part(q, closed)
            inside = target * m * (1 - 1e-12)
            after = mb + pnl - paid - s * closed * (m - e)
            if _above(after, float(table.maintenance_margin(inside))):
                self.realized += pnl - paid
                self.record(f"lower risk limit to tier {k + 1} in one order", target, closed, paid)
                return
        self.take_over(q)

    def reduce(self, q: float, kind: str, frac: float, partial_steps: int, max_steps: int) -> None:
        """``"tier_by_tier"`` and ``"fraction"``: reduce step by step until the margin
        recovers, nothing is left or the equity is gone."""
        partial_done = 0
        for _ in range(max_steps):
            _, tier, _, _ = self.state(q)
            if kind == "tier_by_tier":
                if tier <= 1:
                    self.take_over(q)
                    break
                target = float(self.table.cap[tier - 2]) / self.m  # largest size one tier lower
                action = f"lower risk limit to tier {tier - 1}, liquidate the excess"
                closed = q - target
            elif partial_done < partial_steps:
                partial_done += 1
                closed = q * frac
                if (q - closed) * self.m < 1e-9:
                    closed = q
                action = f"close {frac:.0%} of the position at the market"
            else:
                closed = q
                action = "close the rest at the market"
            pnl, paid = self.close_part(q, closed)
            self.realized += pnl - paid
            q -= closed
            if q * self.m < 1e-9:
                q = 0.0
            if self.record(action, q, closed, paid):
                break
            if kind == "tier_by_tier" and self.gone(q):
                self.take_over(q)  # the equity is gone: nothing left for the ladder to save
                break
            if kind == "fraction" and self.gone(q):
                partial_done = partial_steps  # the rest goes to the market at once

    def frame(self) -> pd.DataFrame:
        """The rows as a DataFrame indexed by step."""
        frame = pd.DataFrame(self.rows, columns=_COLUMNS)
        frame.index = pd.RangeIndex(len(frame), name="step")
        return frame


def _above(margin_balance: float, maintenance_margin: float) -> bool:
    """Margin balance strictly above the requirement, beyond rounding noise."""
    return margin_balance > maintenance_margin + 1e-9 * max(1.0, abs(maintenance_margin))
