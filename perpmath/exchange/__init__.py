"""Exchange simulator: liquidation execution, insurance fund, ADL, ledger.

Modules, in the order a newcomer reads them: ``ledger`` (double-entry record
and the conservation check), ``engine`` (one liquidation executed in an
order book), ``insurance`` (the fund's cover of a deficit), ``adl``
(auto-deleveraging rankings and allocation policies), ``state`` (the venue's
state), ``market`` (the book and the price model), ``phases`` (what a step
does), ``simulator`` (the loop and its results), ``population`` (accounts to
run). The venue families' rules are in ``perpmath.venue_rules``.
"""

from perpmath.exchange.adl import (
    ADL_POLICIES,
    ADL_RANKINGS,
    ENGINE_RANKINGS,
    RISK_MODELS,
    adl_allocation,
    adl_haircuts,
    adl_queue,
    adl_score,
    compare_adl_policies,
)
from perpmath.exchange.engine import FEE_DESTINATIONS, LiquidationOutcome, execute_liquidation
from perpmath.exchange.insurance import FundCover, insurance_fund_cover
from perpmath.exchange.ledger import ConservationError, Ledger
from perpmath.exchange.market import PriceImpact
from perpmath.exchange.population import (
    LEVERAGE_MIX,
    calibrated_population,
    market_calibration,
    matched_population,
)
from perpmath.exchange.simulator import (
    LIQUIDATION_MODES,
    WATERFALLS,
    SimulationResult,
    simulate_exchange,
)

__all__ = [
    "ADL_POLICIES",
    "ADL_RANKINGS",
    "ENGINE_RANKINGS",
    "FEE_DESTINATIONS",
    "LEVERAGE_MIX",
    "LIQUIDATION_MODES",
    "RISK_MODELS",
    "WATERFALLS",
    "ConservationError",
    "FundCover",
    "Ledger",
    "LiquidationOutcome",
    "PriceImpact",
    "SimulationResult",
    "adl_allocation",
    "adl_haircuts",
    "adl_queue",
    "adl_score",
    "calibrated_population",
    "compare_adl_policies",
    "execute_liquidation",
    "insurance_fund_cover",
    "market_calibration",
    "matched_population",
    "simulate_exchange",
]
