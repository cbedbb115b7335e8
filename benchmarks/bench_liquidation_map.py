"""Time the vectorized liquidation map against a plain-Python loop.

.venv/bin/python benchmarks/bench_liquidation_map.py [N]
"""

from __future__ import annotations

import sys
import time

from perpmath.liquidation_map import liquidation_map, random_population


def python_loop(side, entry, lev, size, mmr=0.004):
    out = []
    for s, e, L, q in zip(side, entry, lev, size, strict=True):
        sign = 1.0 if s == "long" else -1.0
        wb = q * e / L
        out.append(max((wb - sign * q * e) / (q * mmr - sign * q), 0.0))
    return out


def main(n: int = 1_000_000) -> None:
    pop = random_population(n, seed=0)
    cols = [pop[c].to_numpy() for c in ("side", "entry", "leverage", "size")]
    t0 = time.perf_counter()
    liquidation_map(*cols, bins=100)
    fast = time.perf_counter() - t0
    m = min(n, 200_000)
    t0 = time.perf_counter()
    python_loop(*(c[:m] for c in cols))
    slow = (time.perf_counter() - t0) * n / m
    print(f"{n:,} positions: vectorized {fast:.3f} s, plain Python ~{slow:.2f} s")
    print(f"ratio {slow / fast:.0f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
