"""perpmath: the arithmetic of leveraged perpetual futures, as exchanges compute it.

The core modules import only NumPy and pandas. Plot helpers live in
``perpmath.plots`` (matplotlib) and interactive explorers in
``perpmath.widgets`` (ipywidgets); import those explicitly.
"""

import sys as _sys

from perpmath.account import *
from perpmath.claims import *
from perpmath.contracts import *
from perpmath.conventions import *
from perpmath.example import *
from perpmath.exchange import *
from perpmath.fees import *
from perpmath.funding import *
from perpmath.funding_schedule import *
from perpmath.leveraged_tokens import *
from perpmath.liquidation import *
from perpmath.liquidation_map import *
from perpmath.margin import *
from perpmath.markprice import *
from perpmath.montecarlo import *
from perpmath.narrative import *
from perpmath.orderbook import *
from perpmath.paths import *
from perpmath.risk import *
from perpmath.spot import *
from perpmath.stepwise import *
from perpmath.subaccount import *
from perpmath.tier_io import *
from perpmath.tiers import *
from perpmath.venue_rules import *

__all__ = sorted(
    name
    for name, value in globals().items()
    if not name.startswith("_") and not isinstance(value, type(_sys))
)

__version__ = "0.1.0"
