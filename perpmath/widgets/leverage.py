"""Explorer for section 02: leverage, ROE and the distance to liquidation."""

from __future__ import annotations

import ipywidgets as w

from perpmath.example import RUNNING_EXAMPLE
from perpmath.liquidation import (
    bankruptcy_price,
    distance_to_bankruptcy,
    distance_to_liquidation,
    liquidation_price,
)
from perpmath.plots.leverage import plot_position_roe
from perpmath.tiers import load_tier_table
from perpmath.widgets._common import (
    explorer,
    fixed_axes,
    leverage_slider,
    side_toggle,
    usdt_amount,
)

__all__ = ["leverage_explorer"]

SPAN = 0.15
"""Price range of the explorer's figure: entry +-15% (bankruptcy is inside it from 7x up)."""


def leverage_explorer(
    entry_price: float = 96_000.0,
    margin: float = 1_000.0,
    leverage: int = 10,
    side: str = "long",
) -> w.VBox:
    """Side, leverage and margin controls over one position's ROE, liquidation and bankruptcy.

    Uses the running example's dated Binance BTCUSDT tier table
    (``perpmath.example``), so a leverage above the tier's maximum for the
    resulting notional is reported as not possible.
    """
    tiers = load_tier_table(RUNNING_EXAMPLE.tier_table, date=RUNNING_EXAMPLE.tier_table_date)
    controls = [
        side_toggle(side),
        leverage_slider(leverage),
        usdt_amount(margin, "margin"),
    ]

    def render(side: str, leverage: int, margin: float):
        qty = margin * leverage / entry_price
        tiers.check_leverage(qty * entry_price, leverage)
        # One price range and one ROE range at every leverage: more leverage
        # shows as a steeper line and levels closer to the entry.
        fig = plot_position_roe(side, entry_price, leverage, margin, maintenance=tiers, span=SPAN)
        fixed_axes(fig, {0: {"y": (-2.0, 2.0)}})
        lp = liquidation_price(side, entry_price, leverage, qty, maintenance=tiers)
        bp = bankruptcy_price(side, entry_price, leverage)
        to_bank = distance_to_bankruptcy(side, entry_price, leverage)
        to_liq = distance_to_liquidation(side, entry_price, leverage, qty, maintenance=tiers)
        lines = [
            f"notional {qty * entry_price:,.2f} USDT ({qty:.6f} BTC); "
            f"a 1% move changes equity by {leverage:g}% of the margin",
            f"bankruptcy at {bp:,.2f} ({to_bank:.2%} away); "
            f"liquidation at {lp:,.2f} ({to_liq:.2%} away)",
        ]
        if to_bank > 0:
            lines.append(f"liquidation comes {1 - to_liq / to_bank:.1%} earlier than bankruptcy")
        return fig, "\n".join(lines)

    return explorer(controls, render, title="Leverage: ROE, liquidation and bankruptcy")
