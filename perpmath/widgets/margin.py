"""Explorer for section 03: the same two positions under isolated and cross margin."""

from __future__ import annotations

import ipywidgets as w
import numpy as np

from perpmath.account import Account, Position
from perpmath.example import RUNNING_EXAMPLE
from perpmath.plots.margin import plot_isolated_vs_cross
from perpmath.spot import account_equity_path
from perpmath.widgets._common import explorer, fixed_axes, named, usdt_amount

__all__ = ["isolated_vs_cross_explorer"]

#: The horizontal axis: how much of the chosen straight-line moves is done (not a time).
_XLABEL = "share of the chosen price moves done (a path, not a time)"


def _accounts(
    wallet: float, btc_leverage: float, btc_entry: float, eth_entry: float, margin: float
) -> tuple[Account, Account]:
    tiers = RUNNING_EXAMPLE.tiers  # the course's dated table, for both (see the docstring)

    def positions(mode: str) -> list[Position]:
        return [
            Position(
                "BTCUSDT",
                "long",
                margin * btc_leverage / btc_entry,
                btc_entry,
                btc_leverage,
                margin_mode=mode,
                tiers=tiers,
            ),
            Position(
                "ETHUSDT",
                "long",
                margin * 5 / eth_entry,
                eth_entry,
                5,
                margin_mode=mode,
                tiers=tiers,
            ),
        ]

    return Account(wallet, positions("isolated")), Account(wallet, positions("cross"))


def isolated_vs_cross_explorer(
    wallet_balance: float = 2_000.0,
    btc_leverage: int = 20,
    btc_move: float = -12.0,
    eth_move: float = 0.0,
    *,
    btc_entry: float = 96_000.0,
    eth_entry: float = 3_600.0,
    margin: float = 1_000.0,
    steps: int = 121,
) -> w.VBox:
    """Two longs (BTCUSDT at a chosen leverage, ETHUSDT at 5x), each opened with
    ``margin`` USDT, held in one account under isolated and under cross margin.

    The sliders set how far each price moves (in a straight line over
    ``steps`` steps, drawn against the share of the move done: a path, not a
    time), the BTC leverage and the wallet balance. Both accounts
    use the running example's dated Binance BTCUSDT tier table for
    simplicity. A wallet smaller than
    the isolated margins, or a leverage the table refuses, is reported as not
    possible.
    """
    controls = [
        named(
            w.FloatSlider(
                value=btc_move,
                min=-30,
                max=30,
                step=0.5,
                description="BTC move %",
                continuous_update=True,
            ),
            "btc_move",
        ),
        named(
            w.FloatSlider(
                value=eth_move,
                min=-30,
                max=30,
                step=0.5,
                description="ETH move %",
                continuous_update=True,
            ),
            "eth_move",
        ),
        named(
            w.IntSlider(
                value=btc_leverage,
                min=1,
                max=125,
                description="BTC leverage",
                continuous_update=True,
            ),
            "btc_lev",
        ),
        usdt_amount(wallet_balance, "wallet", low=1.0, high=1e7),
    ]
    t = np.linspace(0.0, 1.0, steps)

    def render(btc_move: float, eth_move: float, btc_lev: int, wallet: float):
        isolated, cross = _accounts(wallet, btc_lev, btc_entry, eth_entry, margin)
        marks = {
            "BTCUSDT": btc_entry * (1 + btc_move / 100 * t),
            "ETHUSDT": eth_entry * (1 + eth_move / 100 * t),
        }
        fig = plot_isolated_vs_cross(isolated, cross, marks, x=t, xlabel=_XLABEL)
        # Fixed scales: the whole move, prices within the sliders' +-30%, equity 0 to
        # 2x the wallet.
        fixed_axes(
            fig,
            {
                0: {"x": (0.0, 1.0), "y": (0.68, 1.32)},
                1: {"x": (0.0, 1.0), "y": (-0.05 * wallet, 2 * wallet)},
            },
        )
        lines = []
        for name, account in (("isolated", isolated), ("cross", cross)):
            frame = account_equity_path(account, marks)
            gone = [s for s, at in frame.attrs["liquidated_at"].items() if at is not None]
            lines.append(
                f"{name}: final equity {frame['equity'].iloc[-1]:,.2f} USDT; "
                f"liquidated: {', '.join(gone) if gone else 'none'}"
            )
        return fig, "\n".join(lines)

    return explorer(controls, render, title="Isolated vs cross margin")
