"""Liquidation and bankruptcy prices.

Bankruptcy price: where the position's loss equals its margin (equity 0).
Liquidation price: where the margin balance falls to the maintenance margin,
so the engine acts before bankruptcy.

Isolated margin, one position, Binance USDⓈ-M form ("How to Calculate
Liquidation Price of USDⓈ-M Futures Contracts",
https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93):

    LP = (WB + cum - s x Q x EP) / (Q x MMR - s x Q)

with WB the isolated margin, cum the tier's maintenance amount, s = +1 long,
-1 short. With WB = Q x EP / leverage and cum = 0 this is
EP x (1 - s/leverage) / (1 - s x MMR).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from perpmath import _validate as v
from perpmath.tiers import TierTable

__all__ = ["bankruptcy_price", "liquidation_price"]


def bankruptcy_price(
    side: str | ArrayLike,
    entry_price: ArrayLike,
    leverage: ArrayLike,
    contract: str = "linear",
) -> v.Float:
    """Price at which an isolated position's margin is exactly used up (no fees).

    linear:  BP = EP x (1 - s / leverage)
    inverse: BP = EP x leverage / (leverage + s)   (short at 1x: never bankrupt, inf)

    Source: Bybit, "Bankruptcy Price" (USDT and inverse contracts).
    """
    s = v.side_sign(side)
    e = v.positive("entry_price", entry_price)
    lev = v.leverage(leverage)
    kind = v.contract_type(contract)
    if kind == "linear":
        bad = (s > 0) & (lev <= 1)
        if np.any(bad):
            # a linear long at 1x or less is bankrupt only at price 0
            return v.result(np.where(bad, 0.0, e * (1 - s / lev)))
        return v.result(e * (1 - s / lev))
    with np.errstate(divide="ignore"):
        denom = lev + s
        return v.result(np.where(denom > 0, e * lev / np.where(denom > 0, denom, 1), np.inf))


def liquidation_price(
    side: str | ArrayLike,
    entry_price: ArrayLike,
    leverage: ArrayLike,
    quantity: ArrayLike = 1.0,
    *,
    maintenance: TierTable | ArrayLike = 0.004,
    contract: str = "linear",
) -> v.Float:
    """Liquidation price of an isolated linear position (Binance USDⓈ-M form).

    ``maintenance`` is a maintenance margin rate (fraction) or a TierTable;
    with a table, the tier is the one whose bracket holds the notional at the
    liquidation price, found by trying each tier as Binance documents.
    Margin is the initial margin Q x EP / leverage.
    """
    s = v.side_sign(side)
    e = v.positive("entry_price", entry_price)
    lev = v.leverage(leverage)
    q = v.positive("quantity", quantity)
    if v.contract_type(contract) != "linear":
        raise ValueError("contract must be 'linear' for this function in this version")
    wb = q * e / lev
    if isinstance(maintenance, TierTable):
        s_b, e_b, q_b, wb_b = np.broadcast_arrays(s, e, q, wb)
        lp = np.full(s_b.shape, np.nan)
        for k in range(len(maintenance)):
            mmr, cum = maintenance.maintenance_rate[k], maintenance.maintenance_amount[k]
            cand = (wb_b + cum - s_b * q_b * e_b) / (q_b * mmr - s_b * q_b)
            n = np.abs(cand) * q_b
            ok = np.isnan(lp) & (n > maintenance.floor[k]) & (n <= maintenance.cap[k])
            ok |= np.isnan(lp) & (k == 0) & (n <= maintenance.cap[0])
            lp = np.where(ok, cand, lp)
        if np.isnan(lp).any():
            raise ValueError("no tier of the table contains the notional at liquidation")
    else:
        mmr = v.in_range("maintenance", maintenance, 0.0, 1.0)
        lp = (wb - s * q * e) / (q * mmr - s * q)
    return v.result(np.maximum(lp, 0.0))
