"""Insurance fund: how much of a liquidation deficit it covers.

Sources: Binance, "Introduction to Futures Insurance Funds"
(https://www.binance.com/en/support/faq/360033525371): losses of bankrupt
positions are paid by the fund, gains are kept by it; when the fund cannot
cover, counterparty liquidation (ADL) follows. Bybit, "Insurance Fund"
(https://www.bybit.com/en/help-center/article/Insurance-Fund): a fill better
than the bankruptcy price adds the difference to the fund; worse draws on it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FundCover", "insurance_fund_cover"]


@dataclass(frozen=True)
class FundCover:
    """How a deficit is split: ``from_fund`` + ``uncovered`` == ``deficit``;
    ``fund_after`` = fund - from_fund (never below 0)."""

    deficit: float
    fund_before: float
    from_fund: float
    uncovered: float
    fund_after: float


def insurance_fund_cover(deficit: float, fund: float) -> FundCover:
    """from_fund = min(deficit, fund); uncovered = deficit - from_fund."""
    raise NotImplementedError
