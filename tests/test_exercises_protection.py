"""Exercises of sections 05, 06 and 09: registered, solved by perpmath, checked, and
their answers agree with a hand computation where one is short enough to write down."""

from __future__ import annotations

import pytest

from perpmath.exercises import _REGISTRY, check, list_exercises

KEYS = [
    "negative-balance-1",
    "negative-balance-2",
    "negative-balance-3",
    "protection-1",
    "protection-2",
    "protection-3",
    "case-study-1",
    "case-study-2",
    "case-study-3",
]


def test_all_registered():
    assert set(KEYS) <= set(list_exercises())


@pytest.mark.parametrize("key", KEYS)
def test_solution_is_checked_correct_and_a_wrong_answer_is_not(key):
    ex = _REGISTRY[key]
    assert ex.question and ex.hint
    answer = ex.solve()
    assert check(key, answer)
    assert "correct" in repr(check(key, answer))
    wrong = check(key, answer + 1 if isinstance(answer, int) else answer * 1.01 + 1)
    assert not wrong and "Hint" in repr(wrong)
    assert "not answered yet" in repr(check(key, ...))


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        # 96,000 x (1 - 1/20)
        ("negative-balance-1", 91_200.0),
        # bids 93,995, 93,985, ..., 93,855 (15 levels of 0.2 BTC): their mean
        ("negative-balance-2", 93_925.0),
        # 10 levels of 0.2 BTC below the gap, 93,695 ... 93,605 (mean 93,650);
        # 2 x (94,080 - 93,650)
        ("negative-balance-3", 860.0),
        # 12,500 - 8,000
        ("protection-1", 4_500.0),
    ],
)
def test_answers_match_a_hand_computation(key, expected):
    assert _REGISTRY[key].solve() == pytest.approx(expected)


def test_adl_exercise_by_hand():
    # BitMEX ranking, shorts at mark 90,000: PnL% = (EP - mark) / EP, effective leverage =
    # mark value / (margin + PnL); account 1 has the most leverage behind a large PnL%.
    rows = [(1.0, 96_000, 9_600), (0.5, 97_000, 970), (2.0, 95_000, 19_000)]
    scores = []
    for q, ep, margin in rows:
        pnl = q * (ep - 90_000)
        scores.append(pnl / (q * ep) * (q * 90_000) / (margin + pnl))
    assert _REGISTRY["protection-2"].solve() == scores.index(max(scores)) == 1


def test_case_study_answers_compare_runs():
    # section 09: feedback multiplies liquidations; a small fund keeps the mark higher;
    # the vault takes a share (between 0 and 1) of what Hyperliquid-style rules liquidate
    assert _REGISTRY["case-study-1"].solve() > 4
    assert _REGISTRY["case-study-2"].solve() > 0
    assert 0 < _REGISTRY["case-study-3"].solve() < 1
