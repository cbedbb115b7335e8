"""Exercises of sections 05, 06 and 09: answers that agree with a hand computation where one
is short enough to write down. 09's questions are analysis questions: its numbers compare
two runs, its choices explain. The checks every exercise of the course passes are in
test_exercises_framework.py."""

from __future__ import annotations

import inspect
import math
import re

import pytest

from perpmath.exercises import _REGISTRY, list_exercises

TOPICS = ("negative-balance", "protection", "case-study")
KEYS = [k for k in list_exercises() if k.startswith(TOPICS)]
GRADED = [k for k in KEYS if _REGISTRY[k].kind != "predict"]


def test_case_study_numbers_are_analysis_not_lookups():
    # each answer is a ratio or a difference, and most compare two runs of the venue
    numbers = [k for k in GRADED if k.startswith("case-study") and _REGISTRY[k].kind == "number"]
    two_runs = 0
    for key in numbers:
        body = inspect.getsource(_REGISTRY[key].solve).split("def ", 1)[1]
        assert re.search(r"\S / \S| - ", body), f"{key} looks up a single value"
        two_runs += len(re.findall(r"\brun\(", body)) >= 2
    assert two_runs >= 3 and two_runs >= len(numbers) - 1


@pytest.mark.parametrize(
    "key", [k for k in KEYS if k.startswith("case-study") and _REGISTRY[k].kind == "choice"]
)
def test_case_study_choices_explain_a_result_and_answer_each_wrong_option(key):
    ex = _REGISTRY[key]
    assert ex.question.rstrip().endswith(("?", ":")) and ex.explanation
    assert set(ex.feedback) == set(ex.choices) - {ex.solve()}, f"{key}: feedback per wrong option"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        # the running example at 25x: 96,000 x (1 - 1/25)
        ("negative-balance-1", 92_160.0),
        # bids 93,995, 93,985, ..., 93,855 (15 levels of 0.2 BTC): their mean
        ("negative-balance-2", 93_925.0),
        # 15 BTC = 75 levels of 0.2 BTC, 5 to 745 USDT below the liquidation price: mean 375
        ("negative-balance-predict-1", 375.0),
        # 12,500 - 8,000
        ("protection-1", 4_500.0),
        # 0.5 x (94,080 - 93,500) = 290, of which the fund pays 100
        ("protection-4a", 190.0),
        # 190 x 6,000 / (1,000 + 3,000 + 6,000)
        ("protection-4b", 114.0),
    ],
)
def test_answers_match_a_hand_computation(key, expected):
    assert _REGISTRY[key].solve() == pytest.approx(expected)


def test_gap_problem_by_hand():
    # the running example at 50x: Q = 1,000 x 50 / 96,000 BTC, bankruptcy price 96,000 x 0.98;
    # the thin book's bids sit 5, 15, 25, ... USDT below the liquidation price LP. With the
    # bids down to LP - 600 gone, the sell takes 0.2 BTC at LP - 605 and at LP - 615 and the
    # rest at LP - 625.
    from perpmath.example import RUNNING_EXAMPLE as ex

    q, lp = 1_000 * 50 / 96_000, ex.liquidation_price(50)
    fill = (0.2 * (lp - 605) + 0.2 * (lp - 615) + (q - 0.4) * (lp - 625)) / q
    assert _REGISTRY["negative-balance-4a"].solve() == pytest.approx(fill)
    assert _REGISTRY["negative-balance-4b"].solve() == pytest.approx(q * (fill - 94_080))
    assert _REGISTRY["negative-balance-4b"].solve() < 0  # a debt


def test_adl_exercise_by_hand():
    # BitMEX ranking, shorts at mark 90,000: PnL% = (EP - mark) / EP, effective leverage =
    # mark value / (margin + PnL); account 1 has the most leverage behind a large PnL%.
    rows = [(1.0, 96_000, 9_600), (0.5, 97_000, 970), (2.0, 95_000, 19_000)]
    scores = []
    for q, ep, margin in rows:
        pnl = q * (ep - 90_000)
        scores.append(pnl / (q * ep) * (q * 90_000) / (margin + pnl))
    assert _REGISTRY["protection-2"].solve() == scores.index(max(scores)) == 1


def test_case_study_answers_agree_with_the_section():
    from perpmath.exercises.case_study import run

    # feedback multiplies liquidations; a small fund keeps the mark higher; the vault
    # takes a share (between 0 and 1) of what Hyperliquid-style rules liquidate
    assert _REGISTRY["case-study-1"].solve() > 4
    assert _REGISTRY["case-study-2"].solve() > 0
    assert 0 < _REGISTRY["case-study-3"].solve() < 1
    # Binance-style rules sell more and push the mark lower than Hyperliquid's
    assert _REGISTRY["case-study-5a"].solve() > 5_000
    assert _REGISTRY["case-study-5b"].solve() > 3
    # the prediction: a 5% fund gives a lower mark than a 1% fund
    deeper = (
        run("binance", True).history["mark"].min()
        - run("binance", True, 0.05).history["mark"].min()
    )
    assert _REGISTRY["case-study-predict-1"].solve() == "c" and deeper > 500
    # the fund is empty before step 70, where the step's liquidations sell nothing
    cascade = run("binance", True)
    assert cascade.fund.loc[69] < 1.0 and cascade.history.loc[70, "sold"] == 0
    assert math.isfinite(_REGISTRY["case-study-5a"].solve())
