"""Exercises of sections 01-04, 07 and 08: each solution is accepted, a wrong answer refused
with a hint, predictions recorded and then revealed, and every section has each kind."""

from __future__ import annotations

import math

import pytest

from perpmath.exercises import _REGISTRY, check, list_exercises, reveal

TOPICS = ("spot", "leverage", "margin", "liquidation", "funding", "risk")
KEYS = [k for k in list_exercises() if k.split("-")[0] in TOPICS]
GRADED = [k for k in KEYS if _REGISTRY[k].kind != "predict"]
PREDICTIONS = [k for k in KEYS if _REGISTRY[k].kind == "predict"]


def test_each_topic_has_every_kind_of_question():
    for topic in TOPICS:
        kinds = {_REGISTRY[k].kind for k in KEYS if k.startswith(f"{topic}-")}
        assert kinds == {"number", "choice", "predict"}, f"{topic}: only {sorted(kinds)}"


@pytest.mark.parametrize("key", GRADED)
def test_solution_accepted(key):
    ex = _REGISTRY[key]
    assert ex.question and ex.hint
    result = check(key, ex.solve())
    assert result.correct, result.message
    assert "correct." in repr(result)


@pytest.mark.parametrize("key", KEYS)
def test_hints_come_in_steps_that_never_name_a_perpmath_call(key):
    import perpmath as pm

    ex = _REGISTRY[key]
    if ex.kind == "predict":
        return
    calls = {
        name
        for name in dir(pm)
        if not name.startswith("_") and "_" in name and callable(getattr(pm, name))
    }
    for step in ex.hints:
        named = [c for c in calls if f"{c}(" in step or f"pm.{c}" in step]
        assert not named, f"{key}: hint names {named}: {step}"
    if ex.kind == "number":
        assert len(ex.hints) >= 2, f"{key}: give hints in steps"


@pytest.mark.parametrize("key", PREDICTIONS)
def test_prediction_recorded_then_revealed(key):
    ex = _REGISTRY[key]
    truth = ex.solve()
    recorded = check(key, truth)
    assert "Prediction recorded" in repr(recorded)
    assert reveal(key).correct


def _wrong_for(key):
    ex = _REGISTRY[key]
    answer = ex.solve()
    if ex.choices:
        return next(letter for letter in ex.choices if letter != answer)
    return _wrong(answer)


def _wrong(answer):
    if isinstance(answer, bool):
        return not answer
    if isinstance(answer, str):
        return answer + " (no)"
    if isinstance(answer, tuple | list):
        return type(answer)(_wrong(a) for a in answer)
    value = float(answer)
    return value * 1.1 + 1.0 if math.isfinite(value) else 0.0


@pytest.mark.parametrize("key", GRADED)
def test_wrong_answer_refused(key):
    result = check(key, _wrong_for(key))
    assert not result.correct
    assert "Hint" in result.message or "No more hints" in result.message


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
