"""Exchange simulator: many accounts, a mark-price path, liquidations and the deficit waterfall."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from perpmath.exchange.ledger import Ledger
from perpmath.orderbook import OrderBook

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


@dataclass
class SimulationResult:
    """Output of simulate_exchange (all money in quote currency)."""

    events: pd.DataFrame
    accounts: pd.DataFrame
    history: pd.DataFrame
    ledger: Ledger
    config: dict[str, Any]


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
    """Accounts in long/short pairs (same quantity and entry price: open interest balanced)."""
    raise NotImplementedError


def simulate_exchange(
    accounts: pd.DataFrame,
    mark_path: ArrayLike,
    *,
    waterfall: str = "fund_then_adl",
    adl_ranking: str = "binance",
    liquidation: str = "full",
    partial_fraction: float = 0.5,
    maintenance_rate: float = 0.004,
    fee_rate: float = 0.005,
    insurance_fund: float = 0.0,
    negative_balance_protection: bool = True,
    book: str | OrderBook | Any = "deep",
    book_params: dict[str, Any] | None = None,
    delay: int = 0,
    check: bool = True,
    record_states: ArrayLike | None = None,
) -> SimulationResult:
    """Run the accounts through the mark-price path (details in the module docstring)."""
    raise NotImplementedError
