"""A double-entry ledger of transfers and the conservation-of-money check.

Every movement of money inside the simulated venue is one row: step, source,
target, amount (> 0), reason. After each step the simulator adds up

    trader balances (negative = debt still owed by the trader)
  + unrealized PnL of every open position (traders and liquidity providers)
  + insurance fund + fees collected + venue account (<= 0: bad debt written off)

and compares it with the money deposited (traders' deposits plus the fund's
seed). Any difference larger than the tolerance raises ConservationError.

Why a float tolerance is sound here: every balance is a float64 with a
relative rounding error of 2**-53 (about 1.1e-16) per operation; sums are
taken with ``math.fsum`` (correctly rounded), so the accumulated error stays
below n_ops x 1.1e-16 x magnitude. The tolerance is
``absolute + relative x gross`` with gross = deposits + traded notional, by
default 1e-6 + 1e-12 x gross: for a venue with 1e9 of gross turnover it is
0.001, below one cent, yet millions of times larger than the rounding error.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

__all__ = ["ConservationError", "Ledger"]


class ConservationError(AssertionError):
    """Money was created or destroyed: the ledger identity does not hold."""


class Ledger:
    """Record of transfers and per-step totals, with the conservation check.

    ``deposits`` is the money put into the system at the start (traders'
    deposits plus the insurance fund's seed).
    """

    def __init__(
        self,
        deposits: float,
        *,
        absolute_tolerance: float = 1e-6,
        relative_tolerance: float = 1e-12,
    ) -> None:
        raise NotImplementedError

    def record(self, step: int, source: str, target: str, amount: float, reason: str) -> None:
        """Append one transfer of ``amount`` (>= 0) from ``source`` to ``target``."""
        raise NotImplementedError

    def net_flow(self, party: str) -> float:
        """Money received minus money sent by ``party`` over the whole ledger."""
        raise NotImplementedError

    def check(self, step: int, components: Mapping[str, float], *, gross: float = 0.0) -> float:
        """Check sum(components) == deposits within the tolerance; return the
        difference; raise ConservationError naming the step and every component."""
        raise NotImplementedError

    def to_frame(self) -> pd.DataFrame:
        """All transfers: columns step, source, target, amount, reason."""
        raise NotImplementedError

    def totals(self) -> pd.DataFrame:
        """One row per checked step: every component, their sum, deposits, difference."""
        raise NotImplementedError


def _fsum(values) -> float:
    return math.fsum(values)
