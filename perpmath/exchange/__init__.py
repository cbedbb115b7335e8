"""Exchange simulator: liquidation execution, insurance fund, ADL, ledger.

Modules: ``ledger`` (double-entry record and the conservation check),
``engine`` (one liquidation executed in an order book), ``insurance``
(the fund's cover of a deficit), ``adl`` (auto-deleveraging rankings by
exchange), ``simulator`` (many accounts driven by a mark-price path).
"""

from perpmath.exchange.adl import ADL_RANKINGS, adl_allocation, adl_queue, adl_score
from perpmath.exchange.engine import FEE_DESTINATIONS, LiquidationOutcome, execute_liquidation
from perpmath.exchange.insurance import FundCover, insurance_fund_cover
from perpmath.exchange.ledger import ConservationError, Ledger
from perpmath.exchange.simulator import (
    LIQUIDATION_MODES,
    WATERFALLS,
    SimulationResult,
    matched_population,
    simulate_exchange,
)

__all__ = [
    "ADL_RANKINGS",
    "FEE_DESTINATIONS",
    "LIQUIDATION_MODES",
    "WATERFALLS",
    "ConservationError",
    "FundCover",
    "Ledger",
    "LiquidationOutcome",
    "SimulationResult",
    "adl_allocation",
    "adl_queue",
    "adl_score",
    "execute_liquidation",
    "insurance_fund_cover",
    "matched_population",
    "simulate_exchange",
]
