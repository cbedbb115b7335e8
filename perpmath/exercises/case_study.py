"""Checked exercises for section 09 (case study: a cascade, and a real crash replayed).

The questions are analysis questions: each numeric answer compares two runs
(a ratio or a difference), and each multiple choice asks why a result of the
section came out as it did. ``scenario`` and ``run`` rebuild the section's
simulated venue and shock, so the answers are the section's own.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from perpmath.exchange import (
    SimulationResult,
    calibrated_population,
    market_calibration,
    simulate_exchange,
)
from perpmath.exercises import exercise, multiple_choice, predict
from perpmath.paths import flash_crash_path, gbm_paths

#: The section's simulated venue and shock (the notebook builds the same inputs step by step).
PRICE = 120_000.0


@lru_cache(maxsize=1)
def scenario() -> tuple[pd.DataFrame, np.ndarray, dict[str, Any]]:
    """(population, simulated shock path, settings) of section 09."""
    population = calibrated_population(1_500, price=PRICE, rng=2025)
    noise = gbm_paths(PRICE, 0.5, 1 / 365, 240, 1, np.random.default_rng(5))
    shock = flash_crash_path(
        PRICE, 240, crash_at=60, drop=0.08, crash_steps=10, recovery=0.5, recovery_steps=60,
        base=noise,
    )[0]  # fmt: skip
    settings = {"maintenance": 0.005, **market_calibration(population, PRICE)}
    return population, shock, settings


@lru_cache(maxsize=8)
def run(rules: str, feedback: bool, fund_to_open_interest: float = 0.01) -> SimulationResult:
    """The section's shock through its venue under ``rules``, with or without feedback."""
    population, shock, settings = scenario()
    settings = dict(settings)
    settings.update(
        market_calibration(population, PRICE, fund_to_open_interest=fund_to_open_interest)
    )
    return simulate_exchange(population, shock, rules=rules, feedback=feedback, **settings)


def _first_empty_step(result: SimulationResult) -> int:
    """The first step at which the run's insurance fund is below 1 USDT (as the section finds)."""
    fund = result.fund
    return int(fund.index[fund < 1.0][0])


@predict(
    "case-study-predict-1",
    "With feedback and Binance-style rules, the venue's insurance fund is raised from 1% to "
    "5% of open interest. Compared with the 1% fund, the lowest mark of the crash will be:",
    choices={
        "a": "higher: a larger fund absorbs more of the crash",
        "b": "about the same (within 500 USDT): the fund pays deficits, it does not trade",
        "c": "lower: the crash goes deeper",
    },
    explanation="Lower, by several thousand USDT. While the fund can pay, the engine keeps "
    "selling bankrupt positions into the book it is emptying; each sale lowers the mark and "
    "triggers more accounts. A small fund hands the rest to ADL early, and ADL trades "
    "nothing in the book.",
)
def _case_study_predict_1() -> str:
    return "c"


@exercise(
    "case-study-1",
    "Under Binance-style rules, how many times as many liquidations does the section's shock "
    "cause with feedback as without? (a ratio, e.g. 2.5)",
    [
        "Run the same shock through the same venue twice, changing only whether liquidations "
        "move the price.",
        "Each run lists one row per liquidation; count the rows of each run and divide.",
    ],
    explanation="About 4.6: more than three quarters of the liquidations were caused by the "
    "venue's own selling, not by the outside price.",
)
def _case_study_1() -> float:
    return len(run("binance", True).events) / len(run("binance", False).events)


@exercise(
    "case-study-2",
    "With feedback and Binance-style rules, give the venue a fund of 0.1% of open interest "
    "instead of 1%. How much higher (USDT) is the lowest mark with the small fund than with "
    "the large one?",
    [
        "Calibrate the venue twice, with the fund at 0.1% and at 1% of open interest, and run "
        "the same shock with feedback through each.",
        "Take the lowest mark of each run's history and subtract: small fund minus large fund.",
    ],
    unit="USDT",
    explanation="Several thousand USDT: the small fund is empty early, ADL takes over and "
    "the engine stops selling into the book, so the cascade stops sooner.",
)
def _case_study_2() -> float:
    small = run("binance", True, 0.001).history["mark"].min()
    return float(small - run("binance", True).history["mark"].min())


@exercise(
    "case-study-3",
    "With feedback and Hyperliquid-style rules, what share of the quantity of all full "
    "liquidations did the liquidator vault take over (a fraction between 0 and 1)?",
    [
        "Keep only the full liquidations: a partial leg, or a book fill that left the rest "
        "open, is not one.",
        "Of the quantity they closed, some went to the book, some to the vault and some to "
        "ADL; divide the vault's part by the total.",
    ],
    explanation="About a quarter, about as much as the book took; ADL closed about half. "
    "Hyperliquid's book orders may not go past the bankruptcy price, so in a falling, "
    "thinning book the rest goes to the vault (which holds it without selling) or to ADL.",
)
def _case_study_3() -> float:
    e = run("hyperliquid", True).events
    full = e[e["kind"].str.startswith("full")]
    return float(full["backstop_quantity"].sum() / full["quantity"].sum())


@multiple_choice(
    "case-study-4",
    "In the cascade's step-by-step table, more than a hundred accounts are liquidated at "
    "step 70 and nothing is sold into the book; no account is triggered in the ten steps "
    "after it. What explains both?",
    {
        "a": "the book was empty, so there was nobody to sell to",
        "b": "the insurance fund was empty, so the bankrupt positions were closed against "
        "profitable shorts by ADL, which trades nothing in the book and so moves no price",
        "c": "the engine was delayed and acted only after the fall",
        "d": "the outside price had turned up, so the mark stopped falling by itself",
    },
    [
        "Look at the fund's balance around step 70.",
        "Which layer closes a bankrupt position without an order in the book?",
    ],
    feedback={
        "a": "The book refills at its resilience rate every step; a thin book still fills a "
        "sell, at a worse price.",
        "c": "The section's runs have no engine delay.",
        "d": "The shock keeps falling until step 70; and with feedback the mark is pushed by "
        "the venue's own selling, whatever the outside price does.",
    },
    explanation="The fund is empty from step 69, so the venue's rules hand what is left to "
    "ADL: no coin is sold, the mark follows the outside price again, and the cascade ends, at "
    "the cost of the shorts ADL closes.",
    quotes=lambda: {"fund empty from step": _first_empty_step(run("binance", True))},
)
def _case_study_4() -> str:
    return "b"


@exercise(
    "case-study-5a",
    "Problem in two steps, step 1. With feedback, how many USDT lower is the lowest mark "
    "under Binance-style rules than under Hyperliquid-style rules?",
    [
        "Run the section's shock with feedback under each venue's rules.",
        "Subtract the lowest mark of the Binance-style run from that of the Hyperliquid-style run.",
    ],
    unit="USDT",
)
def _case_study_5a() -> float:
    binance = run("binance", True).history["mark"].min()
    return float(run("hyperliquid", True).history["mark"].min() - binance)


@exercise(
    "case-study-5b",
    "Step 2. How many times as much coin did Binance's engine sell into the book as "
    "Hyperliquid's, in the same two runs? (a ratio)",
    [
        "Each run's history records what was sold into the book at each step.",
        "Add it up over the run for each venue and divide Binance's total by Hyperliquid's.",
    ],
    explanation="About five times as much: the venue that sells more into a book that "
    "refills slowly pushes its own mark lower, which is step 1's difference. Hyperliquid's "
    "vault takes positions over instead of selling them.",
)
def _case_study_5b() -> float:
    sold = run("binance", True).history["sold"].sum()
    return float(sold / run("hyperliquid", True).history["sold"].sum())


@multiple_choice(
    "case-study-6",
    "In the replay of 10 October 2025, fewer than a third as many longs are liquidated in the "
    "evening fall with feedback as without. Why?",
    {
        "a": "with feedback the venue's mark fell less than the real price in the evening",
        "b": "the afternoon's short squeeze emptied the fund, and ADL closed profitable longs "
        "against the bankrupt shorts, so many longs were gone before the fall",
        "c": "the longs of the population had lower leverage in the run with feedback",
        "d": "with feedback the insurance fund paid for the longs' deficits",
    },
    [
        "Both runs use the same population; compare what happened to it before the evening.",
        "Whose positions does ADL close when the bankrupt accounts are shorts?",
    ],
    feedback={
        "a": "With feedback the liquidations sell into the book and push the mark below the "
        "real close, not above it.",
        "c": "The population is built once, with the same seed, for both runs.",
        "d": "With feedback the fund was empty in the early afternoon, hours before the "
        "fall (the section's replay gives the time).",
    },
    explanation="Feedback turned a small upward move into a squeeze of the venue's own "
    "making; the ADL that covered it closed the profitable longs, which then could not be "
    "liquidated in the evening.",
)
def _case_study_6() -> str:
    return "b"
