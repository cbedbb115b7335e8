"""Explorer for section 07: what funding costs, relative to margin, and how it moves liquidation."""

from __future__ import annotations

import ipywidgets as w
import numpy as np

from perpmath.example import RUNNING_EXAMPLE
from perpmath.funding import funding_over_time, funding_payment, funding_settlements
from perpmath.plots.funding import plot_liquidation_drift
from perpmath.tiers import TierTable
from perpmath.widgets._common import explorer, fixed_axes, leverage_slider, named, side_toggle

__all__ = ["funding_explorer"]


def funding_explorer(
    rate: float = 0.0001,
    interval_hours: int = 8,
    leverage: int = int(RUNNING_EXAMPLE.leverage),
    days: int = 30,
    side: str = RUNNING_EXAMPLE.side,
    entry_price: float = RUNNING_EXAMPLE.entry_price,
    quantity: float = RUNNING_EXAMPLE.quantity,
    maintenance: TierTable | float = RUNNING_EXAMPLE.tiers,
) -> w.VBox:
    """Rate, interval, leverage, holding period and side over :func:`funding_over_time`.

    Shows the isolated margin draining (or growing) settlement by settlement
    and the liquidation price drifting, with a one-line summary of the
    total paid and its share of the margin. The price is held at the entry
    so that only funding moves. It opens on the running example
    (``perpmath.example``): its size, side, leverage and dated tier table
    (``maintenance``, a TierTable or a flat rate); the leverage slider
    changes the margin behind the same size.
    """
    controls = [
        side_toggle(side),
        named(
            w.FloatSlider(
                value=rate * 100,
                min=-0.3,
                max=0.3,
                step=0.005,
                readout_format=".3f",
                description="rate per payment (%)",
                style={"description_width": "initial"},
            ),
            "rate_pct",
        ),
        named(
            w.Dropdown(options=[1, 4, 8], value=interval_hours, description="every (h)"),
            "interval_hours",
        ),
        leverage_slider(leverage),
        named(w.IntSlider(value=days, min=1, max=180, description="days held"), "days"),
    ]

    def render(side: str, rate_pct: float, interval_hours: int, leverage: int, days: int):
        r = rate_pct / 100.0
        n = int(funding_settlements(days * 24.0, interval_hours))
        if n == 0:
            return (
                f"No funding timestamp falls within {days} day(s) at {interval_hours} h intervals."
            )
        frame = funding_over_time(
            side,
            entry_price,
            leverage,
            np.full(n, r),
            quantity=quantity,
            interval_hours=interval_hours,
            maintenance=maintenance,
        )
        per = funding_payment(side, quantity, entry_price, r)
        total = float(frame["cumulative_funding"].iloc[-1])
        m0 = frame.attrs["initial_margin"]
        verb = "pays" if per > 0 else "receives"
        text = (
            f"A {leverage}x {side} of {quantity:g} BTC {verb} {abs(per):,.2f} USDT per settlement; "
            f"after {len(frame)} settlements: {abs(total):,.2f} USDT = {abs(total) / m0:.1%} of "
            f"its {m0:,.2f} USDT margin."
        )
        if frame.attrs["liquidated"]:
            text += f" Funding alone liquidates it after {frame['hours'].iloc[-1] / 24:.1f} days."
        # The rate and the holding period move the lines, not the scales: the
        # price panel spans the distance from entry to the starting liquidation
        # price (set by the leverage), the margin panel 0 to twice the margin.
        start = frame.attrs["initial_liquidation_price"]
        pad = 0.6 * abs(entry_price - start)
        price_range = (min(entry_price, start) - pad, max(entry_price, start) + pad)
        fig = plot_liquidation_drift(frame)
        fixed_axes(fig, {0: {"y": price_range}, 1: {"y": (0.0, 2.0 * m0)}})
        return fig, text

    return explorer(
        controls, render, title="Funding: cost relative to margin and liquidation drift"
    )
