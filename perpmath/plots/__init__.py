"""Plot helpers (matplotlib). Each returns a ``matplotlib.figure.Figure``.

Figures are built without pyplot's global state so that explorers can redraw
them quickly and notebooks display each figure exactly once. Every figure is
titled, labels its axes with units, formats prices as prices, uses the
colour-blind-safe Okabe-Ito palette and marks entry, liquidation and
bankruptcy prices the same way (see ``perpmath.plots.style``).
"""

from perpmath.plots.style import (
    LEVEL_STYLES,
    PALETTE,
    format_price_axis,
    mark_levels,
    new_figure,
    price_formatter,
)

__all__ = [
    "LEVEL_STYLES",
    "PALETTE",
    "format_price_axis",
    "mark_levels",
    "new_figure",
    "price_formatter",
]
