"""Auto-deleveraging (ADL): which profitable opposite positions are closed first.

When the insurance fund cannot absorb a bankrupt position, exchanges close
opposite positions at the bankruptcy price of the liquidated one, in the
order of a published ranking score (highest first).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from perpmath import _validate as v

__all__ = ["ADL_RANKINGS", "adl_queue", "adl_score"]

ADL_RANKINGS: dict[str, str] = {
    "binance": "PnL% x effective leverage (PnL% / effective leverage when losing)",
    "bybit": "PnL% x leverage (PnL% / leverage when losing)",
    "bitmex": "profit% x leverage for profitable positions only",
}
"""Named ADL rankings and their scores (details and sources in adl_score)."""


def adl_score(
    side: str | ArrayLike,
    quantity: ArrayLike,
    entry_price: ArrayLike,
    mark_price: ArrayLike,
    margin: ArrayLike,
    *,
    convention: str = "binance",
) -> v.Float:
    """ADL ranking score of positions (higher = deleveraged first)."""
    raise NotImplementedError


def adl_queue(
    side: str | ArrayLike,
    quantity: ArrayLike,
    entry_price: ArrayLike,
    mark_price: ArrayLike,
    margin: ArrayLike,
    *,
    convention: str = "binance",
    profitable_only: bool = True,
) -> NDArray[np.intp]:
    """Indices of positions in ADL order (first = closed first)."""
    raise NotImplementedError
