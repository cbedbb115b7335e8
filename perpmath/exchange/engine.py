"""One liquidation executed in an order book and settled against the bankruptcy price.

The liquidation engine takes the position over and closes it with an order
priced at the bankruptcy price BP (the price at which the position's margin
is exactly used up). The order fills in the book at VWAP F. The trader is
settled at BP, so the whole margin of the position is gone either way; the
difference between the fill and BP belongs to the venue's protection layers:

    BP      = EP - s x M / Q                (s = +1 long, -1 short; M = margin)
    surplus = s x Q x (F - BP)              (= M + s x Q x (F - EP), equity left at F)
    surplus >= 0: fee = min(fee_rate x Q x F, surplus) is charged,
                  surplus - fee goes to the insurance fund
    surplus < 0:  deficit = -surplus is paid by the insurance fund (then ADL or
                  socialized loss); with negative-balance protection off it
                  stays on the trader's account as a negative balance.

Sources: Bybit, "Insurance Fund"
(https://www.bybit.com/en/help-center/article/Insurance-Fund) and "What is
Bankruptcy Price" (help centre): a liquidated position is settled at the
bankruptcy price; executed better, the remaining margin goes to the
insurance fund, worse, the fund covers the loss. Binance, "Introduction to
Futures Insurance Funds" (https://www.binance.com/en/support/faq/360033525371)
and its liquidation FAQ: a liquidation (clearance) fee is charged on the
amount liquidated and what is left of the collateral goes to the fund.
Fees are capped at what is left, so a liquidation never makes the trader
owe a fee; ``fee_destination`` says whether the fee is the venue's income
or goes to the fund as well.
"""

from __future__ import annotations

from dataclasses import dataclass

from perpmath import _validate as v
from perpmath.orderbook import Fill, OrderBook, market_order_fill

__all__ = ["FEE_DESTINATIONS", "LiquidationOutcome", "execute_liquidation"]

FEE_DESTINATIONS = ("fees", "insurance_fund")
"""Where a liquidation fee goes: the venue's fee income, or the fund itself."""


@dataclass(frozen=True)
class LiquidationOutcome:
    """Result of one liquidation (money in quote currency, e.g. USDT).

    ``equity_at_fill`` = M + s Q (F - EP) is what the account would hold if
    it were closed at the fill; ``surplus`` is the same number (margin left
    over, negative = deficit). ``to_fund`` is what the fund receives (fee
    included when the fee goes to the fund), ``deficit`` >= 0 what it must
    pay (or, without protection, the trader's negative balance,
    ``trader_balance_after`` < 0). ``taken_over``: quantity the insurance
    fund takes over at BP when the order is limited to BP and the book
    holds too little at that price or better.
    """

    side: str
    quantity: float
    filled: float
    unfilled: float
    entry_price: float
    margin: float
    bankruptcy_price: float
    fill: Fill
    vwap: float
    equity_at_fill: float
    surplus: float
    fee: float
    to_fund: float
    deficit: float
    trader_balance_after: float
    taken_over: float = 0.0

    @property
    def beyond_bankruptcy(self) -> bool:
        """True when the fill is worse than the bankruptcy price (a deficit)."""
        return self.deficit > 0


@v.no_overflow
def execute_liquidation(
    side: str,
    quantity: float,
    entry_price: float,
    book: OrderBook,
    *,
    leverage: float | None = None,
    margin: float | None = None,
    fee_rate: float = 0.0,
    fee_destination: str = "fees",
    negative_balance_protection: bool = True,
    allow_partial: bool = False,
    limit_at_bankruptcy: bool = False,
) -> LiquidationOutcome:
    """Close a ``side`` position of ``quantity`` (coin) opened at ``entry_price``
    in ``book`` and settle it at the bankruptcy price.

    The margin M is ``margin`` or, if None, the initial margin
    Q x EP / ``leverage``. A long is closed by a sell, a short by a buy.
    With ``allow_partial=True`` a book smaller than the order fills what it
    holds; settlement then covers the filled part (margin pro rata) and
    ``unfilled`` reports the rest. With negative-balance protection off, a
    fill beyond BP leaves ``trader_balance_after`` = equity at fill < 0 and
    nothing is asked of the fund.

    ``limit_at_bankruptcy=True`` sends the order as an immediate-or-cancel
    limit at BP, as Binance describes its liquidation orders: it fills only
    at BP or better, so it never makes a deficit; what the book cannot take
    at that price is ``taken_over`` by the insurance fund at BP (the
    position passes to the fund, which must then unwind it).
    """
    s = v.one_side(side)
    q = v.scalar("quantity", v.positive("quantity", quantity))
    ep = v.scalar("entry_price", v.positive("entry_price", entry_price))
    if margin is None:
        if leverage is None:
            raise ValueError("give leverage or margin: the position's margin is needed")
        m = q * ep / v.scalar("leverage", v.leverage(leverage))
    else:
        m = v.scalar("margin", v.non_negative("margin", margin))
    rate = v.scalar("fee_rate", v.in_range("fee_rate", fee_rate, 0.0, 1.0))
    dest = v.choice("fee_destination", fee_destination, FEE_DESTINATIONS)
    negative_balance_protection = v.flag("negative_balance_protection", negative_balance_protection)
    allow_partial = v.flag("allow_partial", allow_partial)
    limit_at_bankruptcy = v.flag("limit_at_bankruptcy", limit_at_bankruptcy)
    bp = ep - s * m / q
    key = "sell" if s > 0 else "buy"
    if limit_at_bankruptcy and bp > 0:
        fill = market_order_fill(book, key, q, allow_partial=True, limit_price=bp)
    else:
        fill = market_order_fill(book, key, q, allow_partial=allow_partial or limit_at_bankruptcy)
    x = fill.filled
    m_part = m * x / q
    equity = m_part + s * (fill.notional - ep * x)  # = s x x (F - BP)
    fee, to_fund, deficit, after = _settled(
        equity, rate * fill.notional, dest, negative_balance_protection
    )
    return LiquidationOutcome(
        side="long" if s > 0 else "short",
        quantity=q,
        filled=x,
        unfilled=fill.unfilled,
        entry_price=ep,
        margin=m,
        bankruptcy_price=bp,
        fill=fill,
        vwap=fill.vwap,
        equity_at_fill=equity,
        surplus=equity,
        fee=fee,
        to_fund=to_fund,
        deficit=deficit,
        trader_balance_after=after,
        taken_over=fill.unfilled if limit_at_bankruptcy else 0.0,
    )


def _settled(
    equity: float, full_fee: float, dest: str, negative_balance_protection: bool
) -> tuple[float, float, float, float]:
    """(fee, to the fund, deficit, trader's balance after) of a close that leaves
    ``equity``: the fee is capped at what is left and the rest goes to the fund; a
    negative equity is a deficit under negative-balance protection, else a debt."""
    if equity >= 0:
        fee = min(full_fee, equity)
        return fee, equity - fee + (fee if dest == "insurance_fund" else 0.0), 0.0, 0.0
    if negative_balance_protection:
        return 0.0, 0.0, -equity, 0.0
    return 0.0, 0.0, 0.0, equity
