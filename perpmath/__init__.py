"""perpmath: the arithmetic of leveraged perpetual futures, as exchanges compute it.

The core modules import only NumPy and pandas. Plot helpers live in
``perpmath.plots`` (matplotlib) and interactive explorers in
``perpmath.widgets`` (ipywidgets); import those explicitly.
"""

from perpmath.contracts import *
from perpmath.tiers import *

__version__ = "0.1.0"
