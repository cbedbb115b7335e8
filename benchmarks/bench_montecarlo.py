"""Time the vectorized Monte Carlo liquidation probability against a plain-Python loop.

    .venv/bin/python benchmarks/bench_montecarlo.py [--paths 100000] [--steps 1000]

Both estimate the probability that a long (20x by default) is liquidated within 30 days
at 60 % annual volatility (first passage through the liquidation price,
checked at every step). The vectorized run does the full size; the Python
loop runs a slice of the paths and its time is scaled up to the full size. The
loop stops a path at its first touch, so it is fastest at high leverage; try
``--leverage 5`` for a case where most paths run to the end.
"""

from __future__ import annotations

import argparse
import math
import random
import time

import numpy as np

from perpmath.montecarlo import liquidation_barrier, liquidation_probability
from perpmath.paths import DAYS_PER_YEAR


def python_loop(n_paths: int, n_steps: int, sigma: float, days: float, barrier: float) -> float:
    """One path at a time, one step at a time, with the standard library only."""
    rnd = random.Random(1)
    dt = days / n_steps / DAYS_PER_YEAR
    drift = -0.5 * sigma * sigma * dt
    vol = sigma * math.sqrt(dt)
    log_b = math.log(barrier)
    hits = 0
    for _ in range(n_paths):
        x = 0.0
        for _ in range(n_steps):
            x += drift + vol * rnd.gauss(0.0, 1.0)
            if x <= log_b:
                hits += 1
                break
    return hits / n_paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=1_000)
    parser.add_argument("--loop-paths", type=int, default=2_000)
    parser.add_argument("--leverage", type=float, default=20.0)
    args = parser.parse_args()
    sigma, days, leverage = 0.6, 30.0, args.leverage
    barrier = float(liquidation_barrier("long", leverage))

    start = time.perf_counter()
    p_vec = liquidation_probability(
        "long",
        leverage,
        sigma,
        days,
        rng=np.random.default_rng(1),
        n_paths=args.paths,
        n_steps=args.steps,
    )
    t_vec = time.perf_counter() - start

    start = time.perf_counter()
    p_loop = python_loop(args.loop_paths, args.steps, sigma, days, barrier)
    t_loop = (time.perf_counter() - start) * args.paths / args.loop_paths

    print(f"paths x steps           {args.paths:,} x {args.steps:,}")
    print(f"vectorized (float32)    {t_vec:8.2f} s   P(liquidated) = {p_vec:.4f}")
    print(
        f"plain Python loop       {t_loop:8.2f} s   P(liquidated) = {p_loop:.4f} "
        f"(timed on {args.loop_paths:,} paths, scaled)"
    )
    print(f"speed-up                {t_loop / t_vec:8.1f} x")


if __name__ == "__main__":
    main()
