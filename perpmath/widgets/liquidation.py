"""Explorer for section 04: liquidation and bankruptcy prices of one position."""

from __future__ import annotations

import ipywidgets as w

from perpmath.conventions import convention_names, get_convention
from perpmath.example import RUNNING_EXAMPLE
from perpmath.liquidation import bankruptcy_price, liquidation_price
from perpmath.plots.liquidation import plot_liquidation_levels
from perpmath.tiers import TierTable, load_tier_table
from perpmath.widgets._common import (
    explorer,
    fixed_axes,
    leverage_slider,
    named,
    side_toggle,
    usdt_amount,
)

__all__ = ["liquidation_explorer"]

_PLAIN = "plain formula (no fees)"
_RUNNING_TABLE = f"Binance BTCUSDT tiers dated {RUNNING_EXAMPLE.tier_table_date}"
_TABLES = {
    "exchange default": None,
    _RUNNING_TABLE: "binance_usdm_btcusdt",
    "flat 0.4%": 0.004,
    "flat 1%": 0.01,
    "flat 2.5%": 0.025,
}


def liquidation_explorer(
    side: str = RUNNING_EXAMPLE.side,
    leverage: int = int(RUNNING_EXAMPLE.leverage),
    size: float = round(RUNNING_EXAMPLE.quantity, 6),
    entry_price: float = RUNNING_EXAMPLE.entry_price,
    tiers: str = _RUNNING_TABLE,
) -> w.VBox:
    """Side, leverage, size, tier table, margin mode and exchange -> the two prices on a chart.

    It opens on the running example (``perpmath.example``: a 10x long of
    1,000 USDT from 96,000, Binance's formula without fees and its dated
    BTCUSDT tier table). Prices come from
    ``perpmath.liquidation.liquidation_price`` and ``bankruptcy_price`` with
    the chosen convention (``perpmath.conventions``); ``tiers`` (a label of
    the explorer's table menu) overrides the convention's own maintenance
    rates unless it is "exchange default", and the line under the figure
    names the maintenance model used. ``size`` is in BTC; for an inverse
    convention it is converted to contracts of the convention's contract
    size at the entry price. Under cross margin the wallet balance (USDT)
    backs the position. A combination the exchange would refuse (leverage
    over the tier's maximum) is reported instead of drawn.
    """
    if tiers not in _TABLES:
        raise ValueError(f"tiers must be one of {', '.join(map(repr, _TABLES))}, got {tiers!r}")
    table_cache: dict[str, TierTable] = {}
    controls = [
        side_toggle(side),
        leverage_slider(leverage),
        named(
            w.BoundedFloatText(
                value=size, min=0.001, max=5_000.0, step=0.5, description="size BTC"
            ),
            "size",
        ),
        named(
            w.Dropdown(options=list(_TABLES), value=tiers, description="tiers"),
            "tiers",
        ),
        named(
            w.ToggleButtons(options=["isolated", "cross"], value="isolated", description="margin"),
            "margin_mode",
        ),
        usdt_amount(5_000.0, "wallet", low=0.0, high=1e9, step=500.0),
        named(
            w.Dropdown(options=[_PLAIN, *convention_names()], value=_PLAIN, description="exchange"),
            "exchange",
        ),
    ]

    def render(
        side: str,
        leverage: int,
        size: float,
        tiers: str,
        margin_mode: str,
        wallet: float,
        exchange: str,
    ):
        conv = None if exchange == _PLAIN else get_convention(exchange)
        inverse = conv is not None and conv.contract == "inverse"
        choice = _TABLES[tiers]
        maintenance: TierTable | float | None
        if isinstance(choice, str):
            if inverse:
                raise ValueError(
                    "the Binance BTCUSDT table is in USDT; pick 'exchange default' or a flat "
                    "rate for an inverse (coin-margined) contract"
                )
            if choice not in table_cache:
                table_cache[choice] = load_tier_table(choice, date=RUNNING_EXAMPLE.tier_table_date)
            maintenance = table_cache[choice]
        else:
            maintenance = choice
        quantity = size * entry_price / conv.contract_size if inverse else size
        kw: dict[str, object] = {"convention": conv, "margin_mode": margin_mode}
        if margin_mode == "cross":
            kw["wallet_balance"] = wallet / entry_price if inverse else wallet
        lp = float(
            liquidation_price(side, entry_price, leverage, quantity, maintenance=maintenance, **kw)
        )
        bp = float(bankruptcy_price(side, entry_price, leverage, quantity=quantity, **kw))
        venue = exchange if conv is not None else "no fees"
        fig = plot_liquidation_levels(
            side,
            entry_price,
            lp,
            bp,
            title=f"{side} {leverage}x, {size:g} BTC, {margin_mode} ({venue})",
        )
        # One price range per side: more leverage brings both levels nearer the entry.
        low, high = (0.4, 1.05) if side == "long" else (0.95, 1.6)
        fixed_axes(fig, {0: {"y": (low * entry_price, high * entry_price)}})
        text = (
            f"liquidation {lp:,.2f} ({abs(lp - entry_price) / entry_price:.2%} from entry), "
            f"bankruptcy {bp:,.2f} ({abs(bp - entry_price) / entry_price:.2%} from entry)"
        )
        if conv is not None:
            text += f"; {conv.exchange} triggers on the {conv.trigger} price"
        text += f"\nmaintenance: {_maintenance_used(tiers, conv)}"
        return fig, text

    return explorer(controls, render, title="Liquidation and bankruptcy prices of one position")


def _maintenance_used(tiers: str, conv: object) -> str:
    """The maintenance model behind the prices, in words (the table menu's choice wins)."""
    if _TABLES[tiers] is not None:
        owner = f", in place of {conv.exchange}'s own" if conv is not None else ""
        return f"{tiers}{owner}"
    if conv is None:
        return "flat 0.4% (the plain formula's default)"
    return f"{conv.exchange}'s own ({conv.name} convention)"
