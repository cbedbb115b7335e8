"""One liquidation executed in an order book, settled against the bankruptcy price.

The engine closes the position with an order priced at the bankruptcy price
(BP) and fills it in the book at VWAP F. The trader is settled at BP (all of
the position's margin is used); the difference goes to or comes from the
insurance fund:

    surplus = s x Q x (F - BP)     (s = +1 long, -1 short)
    surplus > 0: fee = min(fee_rate x Q x F, surplus) to the venue,
                 surplus - fee to the insurance fund
    surplus < 0: deficit = -surplus, to be covered by the fund, ADL or
                 socialized loss, or left on the account when negative-balance
                 protection is off.
"""

from __future__ import annotations

from dataclasses import dataclass

from perpmath.orderbook import Fill, OrderBook

__all__ = ["LiquidationOutcome", "execute_liquidation"]


@dataclass(frozen=True)
class LiquidationOutcome:
    """Result of one liquidation (money in quote currency, e.g. USDT)."""

    side: str
    quantity: float
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


def execute_liquidation(
    side: str,
    quantity: float,
    entry_price: float,
    book: OrderBook,
    *,
    leverage: float | None = None,
    margin: float | None = None,
    fee_rate: float = 0.0,
    negative_balance_protection: bool = True,
    allow_partial: bool = False,
) -> LiquidationOutcome:
    """Close a position of ``quantity`` in ``book`` and settle it at the bankruptcy price."""
    raise NotImplementedError
