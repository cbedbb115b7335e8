"""Insurance fund: how much of a liquidation deficit it covers.

A liquidation filled better than the bankruptcy price leaves margin over;
exchanges pay it into the insurance fund (after the liquidation fee). A fill
worse than the bankruptcy price leaves a deficit that the fund pays while it
can; what it cannot pay goes down the waterfall (ADL, socialized loss) or is
written off.

Sources: Binance, "Introduction to Futures Insurance Funds"
(https://www.binance.com/en/support/faq/360033525371): losses of bankrupt
positions are paid by the fund, profits from them are kept by the fund, and
counterparty liquidation (ADL) follows when the fund cannot take a position.
Bybit, "Auto-Deleveraging (ADL) Mechanism"
(https://www.bybit.com/en/help-center/article/Auto-Deleveraging-ADL): the fund
is made of Bybit's contribution and the excess margin of liquidations closed
better than the bankruptcy price; ADL starts when it cannot cover the losses.
"""

from __future__ import annotations

from dataclasses import dataclass

from perpmath import _validate as v

__all__ = ["FundCover", "insurance_fund_cover"]


@dataclass(frozen=True)
class FundCover:
    """How a deficit is split: ``from_fund`` + ``uncovered`` == ``deficit``;
    ``fund_after`` = ``fund_before`` - ``from_fund`` (never below 0)."""

    deficit: float
    fund_before: float
    from_fund: float
    uncovered: float
    fund_after: float


@v.no_overflow
def insurance_fund_cover(deficit: float, fund: float) -> FundCover:
    """Split a liquidation ``deficit`` between the fund and what is left uncovered.

    from_fund = min(deficit, fund); uncovered = deficit - from_fund.
    Both arguments are amounts in quote currency, >= 0.
    """
    d = v.scalar("deficit", v.non_negative("deficit", deficit))
    f = v.scalar("fund", v.non_negative("fund", fund))
    paid = min(d, f)
    return FundCover(
        deficit=d, fund_before=f, from_fund=paid, uncovered=d - paid, fund_after=f - paid
    )
