"""Exercises of sections 01-03: each solution is accepted and a wrong answer refused."""

from __future__ import annotations

import math

import pytest

from perpmath.exercises import _REGISTRY, check, list_exercises

TOPICS = ("spot", "leverage", "margin")
KEYS = [k for k in list_exercises() if k.split("-")[0] in TOPICS]


def test_each_topic_has_exercises():
    for topic in TOPICS:
        assert any(k.startswith(f"{topic}-") for k in KEYS), f"no exercise for {topic}"


@pytest.mark.parametrize("key", KEYS)
def test_solution_accepted(key):
    ex = _REGISTRY[key]
    assert ex.question and ex.hint
    result = check(key, ex.solve())
    assert result.correct, result.message
    assert "correct." in repr(result)


def _wrong(answer):
    if isinstance(answer, bool):
        return not answer
    if isinstance(answer, str):
        return answer + " (no)"
    if isinstance(answer, tuple | list):
        return type(answer)(_wrong(a) for a in answer)
    value = float(answer)
    return value * 1.1 + 1.0 if math.isfinite(value) else 0.0


@pytest.mark.parametrize("key", KEYS)
def test_wrong_answer_refused(key):
    answer = _REGISTRY[key].solve()
    result = check(key, _wrong(answer))
    assert not result.correct
    assert "Hint" in result.message


@pytest.mark.parametrize("key", KEYS)
def test_unanswered_is_not_correct(key):
    assert not check(key, ...).correct


def test_spot_values():
    # hand-checked: 1,000 USDT at 10x from 96,000 to 99,000 -> +312.50 USDT
    assert _REGISTRY["spot-1"].solve() == pytest.approx(1_312.5)
    # 96,000 x (1/96,000 - 1/80,000) = 1 - 1.2 = -0.2 BTC
    assert _REGISTRY["spot-2"].solve() == pytest.approx(-0.2)


def test_leverage_and_margin_values():
    # 25 x 2% = 50%; a 40% loss needs 0.4 / 0.6 = 66.7%
    assert _REGISTRY["leverage-1"].solve() == pytest.approx(0.5)
    assert _REGISTRY["leverage-2"].solve() == pytest.approx(2 / 3)
    assert _REGISTRY["leverage-3"].solve() < 1 / 50
    # 2,000 - 300 (loss) - 930 (initial margin at the mark) = 770 USDT
    assert _REGISTRY["margin-1"].solve() == pytest.approx(770.0)
    # Binance tier 3 (250k-1M): 300,000 x 1% - 1,300 = 1,700 USDT
    assert _REGISTRY["margin-2"].solve() == pytest.approx(1_700.0)
    assert _REGISTRY["margin-3"].solve() == pytest.approx(1.25)
