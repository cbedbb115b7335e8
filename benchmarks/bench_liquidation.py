"""Liquidation prices of a million positions at once vs a plain-Python loop.

Each position is an isolated linear BTCUSDT position with the Binance tier
table; the tier is the one holding the notional at the liquidation price,
found by trying each tier (Binance, "How to Calculate Liquidation Price of
USDⓈ-M Futures Contracts"). The loop baseline runs the same algorithm one
position at a time on a sample and is scaled to the full population.

Run: .venv/bin/python benchmarks/bench_liquidation.py [N]
"""

from __future__ import annotations

import sys
import time

import numpy as np

from perpmath.liquidation import liquidation_price
from perpmath.tiers import load_tier_table


def loop_liquidation_price(side, entry, leverage, qty, table):
    """One position at a time, pure Python floats: the baseline."""
    s = 1.0 if side == "long" else -1.0
    wb = qty * entry / leverage
    for k in range(len(table)):
        mmr = float(table.maintenance_rate[k])
        cum = float(table.maintenance_amount[k])
        lp = (wb + cum - s * qty * entry) / (qty * mmr - s * qty)
        n = max(lp, 0.0) * qty
        if n <= float(table.cap[k]) and (n > float(table.floor[k]) or k == 0):
            return max(lp, 0.0)
    raise ValueError("no tier")


def population(n: int, rng: np.random.Generator):
    table = load_tier_table("binance_usdm_btcusdt")
    side = np.where(rng.random(n) < 0.5, "long", "short")
    entry = rng.uniform(60_000, 110_000, n)
    notional = np.exp(rng.uniform(np.log(100), np.log(5e6), n))
    qty = notional / entry
    max_lev = table.max_leverage[table.tier_index(notional * 1.5)]
    leverage = np.minimum(rng.uniform(1.5, 100, n), max_lev)
    return table, side, entry, leverage, qty


def main(n: int = 1_000_000, sample: int = 20_000) -> None:
    rng = np.random.default_rng(2024)
    table, side, entry, lev, qty = population(n, rng)

    t0 = time.perf_counter()
    lp = liquidation_price(side, entry, lev, qty, maintenance=table)
    t_vec = time.perf_counter() - t0

    idx = rng.choice(n, size=sample, replace=False)
    args = [(str(side[i]), float(entry[i]), float(lev[i]), float(qty[i])) for i in idx]
    t0 = time.perf_counter()
    loop = [loop_liquidation_price(*a, table) for a in args]
    t_loop = (time.perf_counter() - t0) * n / sample

    assert np.allclose(lp[idx], loop, rtol=1e-12), "vectorized and loop results differ"
    print(f"positions:            {n:,}")
    print(f"vectorized (NumPy):   {t_vec:8.3f} s")
    print(f"plain-Python loop:    {t_loop:8.3f} s  (timed on {sample:,}, scaled)")
    print(f"speed-up:             {t_loop / t_vec:8.1f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
