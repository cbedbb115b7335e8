"""Explorer for section 01: one price path seen by spot and by a perpetual."""

from __future__ import annotations

import ipywidgets as w
import numpy as np
from numpy.typing import ArrayLike

from perpmath.example import RUNNING_EXAMPLE
from perpmath.liquidation import liquidation_price
from perpmath.plots.spot import plot_spot_vs_perpetual
from perpmath.spot import scripted_path, spot_vs_perpetual
from perpmath.tiers import load_tier_table
from perpmath.widgets._common import (
    explorer,
    fixed_axes,
    leverage_slider,
    side_toggle,
    usdt_amount,
)

__all__ = ["spot_vs_perpetual_explorer"]


def spot_vs_perpetual_explorer(
    prices: ArrayLike | None = None,
    capital: float = 1_000.0,
    leverage: int = 10,
    side: str = "long",
) -> w.VBox:
    """Leverage, side and capital sliders over ``spot_vs_perpetual`` on one fixed path.

    ``prices`` defaults to ``scripted_path()`` (the running example: a
    rally, a fall to $84,000, a recovery). The perpetual is always drawn
    next to the spot holding of the same capital; the running example's
    dated Binance BTCUSDT tier table supplies the maintenance margin, so a
    leverage the table does not allow for that size is reported as not
    possible.
    """
    path = scripted_path() if prices is None else np.asarray(prices, dtype=float)
    tiers = load_tier_table(RUNNING_EXAMPLE.tier_table, date=RUNNING_EXAMPLE.tier_table_date)
    controls = [
        side_toggle(side),
        leverage_slider(leverage),
        usdt_amount(capital, "capital"),
    ]

    def render(side: str, leverage: int, capital: float):
        frame = spot_vs_perpetual(path, capital, [leverage], sides=[side], maintenance=tiers)
        col = f"{side} {leverage:g}x"
        qty = frame.attrs["quantity"][col]
        lp = liquidation_price(side, path[0], leverage, qty, maintenance=tiers)
        levels = {col: lp} if 0 < lp < 10 * path[0] else {}
        fig = plot_spot_vs_perpetual(frame, liquidation_prices=levels)
        # Fixed scales: the price panel frames the path, the equity panel 0 to 3x
        # the capital, so more leverage shows as a steeper, earlier-ending line.
        fixed_axes(
            fig,
            {
                0: {"y": (0.95 * path.min(), 1.03 * path.max())},
                1: {"y": (-0.1 * capital, 3 * capital)},
            },
        )
        at = frame.attrs["liquidated_at"][col]
        if at is None:
            end = frame[col].iloc[-1]
            text = (
                f"{col}: never liquidated on this path; final equity {end:,.2f} USDT "
                f"vs {frame['spot'].iloc[-1]:,.2f} USDT for spot."
            )
        else:
            text = (
                f"{col}: liquidated at hour {at} (price {frame['price'].loc[at]:,.0f}); "
                f"the spot holding ends at {frame['spot'].iloc[-1]:,.2f} USDT."
            )
        return fig, text

    return explorer(controls, render, title="Spot vs perpetual on one simulated price path")
