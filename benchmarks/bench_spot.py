"""Time spot_vs_perpetual (vectorized over steps and positions) against a plain-Python loop.

.venv/bin/python benchmarks/bench_spot.py [STEPS]
"""

from __future__ import annotations

import sys
import time

import numpy as np

from perpmath.spot import spot_vs_perpetual

LEVERAGES = [1, 2, 3, 5, 10, 20, 25, 50, 75, 100]
MMR = 0.004


def python_loop(prices, capital, leverages, sides):
    out = {}
    p0 = prices[0]
    for side in sides:
        s = 1.0 if side == "long" else -1.0
        for lev in leverages:
            qty = capital * lev / p0
            dead, col = False, []
            for p in prices:
                equity = capital + s * qty * (p - p0)
                if dead or equity <= qty * p * MMR:
                    dead = True
                    equity = 0.0
                col.append(equity)
            out[f"{side} {lev}x"] = col
    return out


def main(steps: int = 200_000) -> None:
    rng = np.random.default_rng(0)
    prices = 96_000 * np.exp(np.cumsum(rng.normal(0, 0.0005, steps)))
    sides = ["long", "short"]
    t0 = time.perf_counter()
    frame = spot_vs_perpetual(prices, 1_000, LEVERAGES, sides=sides, maintenance=MMR)
    fast = time.perf_counter() - t0
    t0 = time.perf_counter()
    slow_out = python_loop(prices.tolist(), 1_000, LEVERAGES, sides)
    slow = time.perf_counter() - t0
    for col, values in slow_out.items():
        assert np.allclose(frame[col], values), col
    n = steps * len(LEVERAGES) * len(sides)
    print(f"{steps:,} steps x {len(LEVERAGES) * len(sides)} positions ({n:,} values)")
    print(f"vectorized {fast:.3f} s, plain Python {slow:.2f} s, ratio {slow / fast:.0f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
