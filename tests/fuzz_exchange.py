"""Many generated crashes, each audited from its result tables (exchange_audit.py).

Run: .venv/bin/python tests/fuzz_exchange.py [RUNS] [FIRST_SEED]
Prints one line per broken run (seed, settings, broken promises) and a summary;
exits 1 if any run broke a promise or raised. Every run is reproducible from
its seed: ``scenario(seed)`` rebuilds its accounts, path and settings.
"""

from __future__ import annotations

import sys
import traceback
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from exchange_audit import audit

from perpmath.exchange import (
    ADL_RANKINGS,
    WATERFALLS,
    PriceImpact,
    calibrated_population,
    matched_population,
    simulate_exchange,
)
from perpmath.orderbook import OrderBook
from perpmath.tiers import TierTable
from perpmath.venue_rules import VENUE_RULES

GAP = OrderBook([92.0, 91.0], [100.0, 100.0], [108.0, 109.0], [100.0, 100.0])
TIERS = TierTable(
    floor=[0.0, 50.0, 200.0], cap=[50.0, 200.0, 400.0], max_leverage=[50.0, 20.0, 10.0],
    maintenance_rate=[0.01, 0.025, 0.05], maintenance_amount=[0.0, 0.75, 5.75],
)  # fmt: skip


def _path(g: np.random.Generator, steps: int) -> np.ndarray:
    """A crash or a rally with noise and, sometimes, gaps (jumps of up to 25%)."""
    drift = g.uniform(-0.06, 0.06)
    vol = g.uniform(0.0, 0.08)
    moves = drift + vol * g.standard_normal(steps)
    if g.random() < 0.5:
        gaps = g.random(steps) < 0.1
        moves[gaps] += g.uniform(-0.25, 0.25, gaps.sum())
    moves[0] = 0.0
    return np.clip(100.0 * np.exp(np.cumsum(moves)), 1.0, None)


def scenario(seed: int) -> tuple:
    """(accounts, path, keyword arguments, rules, nbp) of run ``seed``."""
    g = np.random.default_rng(seed)
    n = int(g.integers(1, 12))
    if g.random() < 0.25:
        acc = calibrated_population(n, price=100.0, rng=g)
    else:
        lev_hi = float(g.uniform(2.0, 100.0))
        acc = matched_population(
            n, leverage=(1.5, max(lev_hi, 1.5)), isolated_share=float(g.random()),
            extra_balance=(0.0, float(g.uniform(0.0, 2.0))), rng=g,
        )  # fmt: skip
    if g.random() < 0.2:
        acc = acc.iloc[g.permutation(len(acc))].reset_index(drop=True)
        acc["account"] = g.choice(10_000, len(acc), replace=False)
    steps = int(g.integers(2, 40))
    path = _path(g, steps)
    rules = str(g.choice(sorted(VENUE_RULES)))
    nbp = bool(g.random() < 0.8)
    profile = str(g.choice(["deep", "thin", "thinning", "gap"]))
    feedback = bool(g.random() < 0.5)
    kw = {
        "rules": rules,
        "adl_ranking": g.choice([None, *sorted(ADL_RANKINGS)]),
        "waterfall": g.choice([None, *sorted(WATERFALLS)]),
        "liquidation": g.choice([None, "full", "partial"]),
        "partial_fraction": float(g.uniform(0.05, 1.0)),
        "maintenance": TIERS if g.random() < 0.2 else float(g.uniform(0.002, 0.05)),
        "fee_rate": g.choice([None, 0.0, 0.005, 0.02]),
        "fee_destination": g.choice([None, "fees", "insurance_fund"]),
        "insurance_fund": float(g.choice([0.0, g.uniform(0, 50), g.uniform(0, 2000)])),
        "negative_balance_protection": nbp,
        "delay": int(g.integers(0, 3)),
        "feedback": PriceImpact(*g.uniform(0.0, 1.0, 2), float(g.uniform(0.05, 1.0)))
        if feedback
        else False,
        "record_states": range(steps),
    }
    if profile == "gap":
        kw["book"] = lambda mark, step: GAP.shifted(mark)
    else:
        kw["book"] = profile
        kw["book_params"] = {"tick": 0.2, "levels": 300, "size": float(g.uniform(0.001, 2.0))}
        if profile == "thinning":
            kw["book_params"].update(decay=0.01, reference_price=100.0, exponent=3.0)
    if feedback and g.random() < 0.3:
        kw["market_flow"] = g.normal(0.0, 0.5, steps)
    kw = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in kw.items()}
    return acc, path, kw, rules, nbp


def run(seed: int) -> list[str]:
    acc, path, kw, rules, nbp = scenario(seed)
    r = simulate_exchange(acc, path, **kw)
    return audit(acc, r, nbp=nbp, rules=rules)


def main(runs: int, first: int) -> int:
    broken: Counter[str] = Counter()
    failed = 0
    for seed in range(first, first + runs):
        try:
            bad = run(seed)
        except Exception as exc:
            bad = [f"raised {type(exc).__name__}: {exc}"]
            if failed < 3:
                traceback.print_exc()
        if bad:
            failed += 1
            kw = scenario(seed)[2]
            short = {k: kw[k] for k in ("rules", "adl_ranking", "waterfall", "liquidation",
                                        "negative_balance_protection", "delay")}  # fmt: skip
            print(f"seed {seed} {short}: {bad}")
            for b in bad:
                broken[b.split(":")[0][:60]] += 1
    print(f"{runs} runs, {failed} broke a promise or raised")
    for what, k in broken.most_common():
        print(f"  {k:6d}  {what}")
    return 1 if failed else 0


if __name__ == "__main__":
    args = [int(x) for x in sys.argv[1:3]]
    sys.exit(main(*(args + [1000, 0][len(args) :])))
