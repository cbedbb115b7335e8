"""The exercise framework: tolerances that suit the question, hints in steps, solutions on
request, multiple choice with feedback, and predictions recorded before they are graded."""

from __future__ import annotations

import math
import re
import textwrap

import numpy as np
import pytest

from perpmath import exercises as exr
from perpmath.exercises import (
    _HINTS_SHOWN,
    _PREDICTIONS,
    _REGISTRY,
    check,
    exercise,
    hint,
    multiple_choice,
    predict,
    reveal,
    solution,
)


@pytest.fixture
def registered():
    """Register throwaway exercises under 'test-' keys and remove them afterwards."""
    exr.list_exercises()  # load the course's exercises first, so only ours are removed
    before = set(_REGISTRY)

    @exercise("test-ratio", "What is 2/3?", ["Think of thirds.", "Divide two by three."])
    def _ratio() -> float:
        share = 2 / 3
        return share

    @exercise("test-about", "About how much?", "Roughly.", rtol=0.05)
    def _about() -> float:
        return 0.447

    @exercise("test-count", "How many?", "Count them.")
    def _count() -> int:
        return 1500

    @exercise("test-old", "Old style", "A single hint.", rtol=1e-6)
    def _old() -> float:
        return 94_457.8313253

    @multiple_choice(
        "test-choice",
        "Which is larger?",
        {"a": "liquidation distance", "b": "bankruptcy distance"},
        ["Which one includes the maintenance margin?"],
        feedback={"a": "The engine acts before the margin is gone."},
        explanation="Bankruptcy lies further away.",
    )
    def _choice() -> str:
        return "b"

    @predict(
        "test-predict",
        "Guess the share.",
        explanation="Maintenance margin eats the room.",
    )
    def _guess() -> float:
        return 0.2

    @predict("test-predict-letter", "Rise or fall?", choices={"a": "rise", "b": "fall"})
    def _guess_letter() -> str:
        return "a"

    yield
    for key in set(_REGISTRY) - before:
        del _REGISTRY[key]
        _HINTS_SHOWN.pop(key, None)
        _PREDICTIONS.pop(key, None)


@pytest.mark.usefixtures("registered")
class TestNumbers:
    @pytest.mark.parametrize("answer", [2 / 3, 0.667, 0.6667, 0.66667, np.float64(0.6666)])
    def test_three_significant_figures_are_enough(self, answer):
        result = check("test-ratio", answer)
        assert result and "correct." in repr(result)
        # an exact answer is simply correct; a rounded one is told how it was judged
        assert repr(result) == "[test-ratio] correct." or "significant figures" in repr(result)

    @pytest.mark.parametrize("answer", [0.67, 0.66, 0.7, -0.667])
    def test_too_rough_or_wrong_is_refused_and_says_how_far(self, answer):
        result = check("test-ratio", answer)
        assert not result
        assert "%" in repr(result) and ("above" in repr(result) or "below" in repr(result))

    def test_about_questions_take_a_wider_tolerance(self):
        assert check("test-about", 0.45)
        assert "within 5%" in repr(check("test-about", 0.46))
        assert not check("test-about", 0.5)

    def test_exact_answers_get_the_short_verdict_old_notebooks_stored(self):
        assert repr(check("test-ratio", 2 / 3)) == "[test-ratio] correct."
        assert repr(check("test-count", 1500)) == "[test-count] correct."

    def test_whole_numbers_must_be_exact(self):
        assert check("test-count", 1500)
        assert check("test-count", 1500.0)
        assert not check("test-count", 1501)

    def test_explicit_rtol_of_old_registrations_is_kept(self):
        assert check("test-old", 94_457.8313)
        assert not check("test-old", 94_457.0)

    def test_non_numbers_are_refused_with_a_reason(self):
        for bad in ("abc", True, float("nan"), [1, 2]):
            result = check("test-ratio", bad)
            assert not result and "expected a finite number" in repr(result)

    def test_unanswered(self):
        assert "not answered yet" in repr(check("test-ratio", ...))
        assert "not answered yet" in repr(check("test-ratio", None))


@pytest.mark.usefixtures("registered")
class TestHintsAndSolutions:
    def test_wrong_answers_reveal_hints_one_step_at_a_time(self):
        first = repr(check("test-ratio", 0.5))
        assert "Hint 1 of 2: Think of thirds." in first
        assert "Divide" not in first and "2 / 3" not in first
        second = repr(check("test-ratio", 0.5))
        assert "Hint 2 of 2: Divide two by three." in second
        assert "No more hints" in repr(check("test-ratio", 0.5))

    def test_hint_on_request(self):
        assert "Hint 1 of 2" in repr(hint("test-ratio"))
        assert "Hint 2 of 2" in repr(hint("test-ratio"))
        assert "No more hints" in repr(hint("test-ratio"))

    def test_solution_shows_the_solver_code_and_answer(self):
        text = repr(solution("test-ratio"))
        assert "Answer: 0.666667" in text
        assert "share = 2 / 3" in text and "answer = share" in text
        assert "return" not in text and "def " not in text

    def test_a_wrong_answer_never_shows_the_solution(self):
        text = repr(check("test-ratio", 0.1))
        assert "0.666667" not in text and "share = 2 / 3" not in text


@pytest.mark.usefixtures("registered")
class TestChoicesAndPredictions:
    def test_multiple_choice_feedback(self):
        right = check("test-choice", "B")
        assert right and "correct." in repr(right) and "further away" in repr(right)
        wrong = check("test-choice", "(a)")
        assert not wrong and "before the margin is gone" in repr(wrong) and "Hint 1" in repr(wrong)
        assert "one of the letters a, b" in repr(check("test-choice", "z"))

    def test_prediction_is_recorded_not_graded_then_revealed(self):
        assert "No prediction recorded" in repr(reveal("test-predict"))
        recorded = check("test-predict", 0.25)
        assert "Prediction recorded: 0.25" in repr(recorded)
        assert "correct" not in repr(recorded) and "0.2 " not in repr(recorded)
        shown = reveal("test-predict")
        assert "You predicted 0.25" in repr(shown) and "25.00% above" in repr(shown)
        assert not shown and "Maintenance margin" in repr(shown)
        check("test-predict", 0.21)
        assert reveal("test-predict")

    def test_letter_prediction(self):
        assert "one of the letters" in repr(check("test-predict-letter", "c"))
        check("test-predict-letter", "a")
        assert reveal("test-predict-letter") and "right" in repr(reveal("test-predict-letter"))
        with pytest.raises(ValueError, match="not a prediction"):
            reveal("test-ratio")


def test_registration_errors():
    exr.list_exercises()
    with pytest.raises(ValueError, match="registered twice"):
        exercise("spot-1", "q", "h")(lambda: 1.0)
    with pytest.raises(ValueError, match="hint must be"):
        exercise("test-x", "q", [])
    with pytest.raises(ValueError, match="single letters"):
        multiple_choice("test-y", "q", {"ab": "x", "c": "y"}, "h")
    with pytest.raises(ValueError, match="at least two"):
        multiple_choice("test-y", "q", {"a": "x"}, "h")
    with pytest.raises(ValueError, match="feedback for unknown"):
        multiple_choice("test-y", "q", {"a": "x", "b": "y"}, "h", feedback={"c": "?"})
    with pytest.raises(ValueError, match="rtol"):
        exercise("test-z", "q", "h", rtol=2.0)
    with pytest.raises(ValueError, match="sig_figs"):
        exercise("test-z", "q", "h", sig_figs=0)
    with pytest.raises(ValueError, match="no exercise named"):
        check("no-such-key", 1.0)
    with pytest.raises(TypeError, match="key must be"):
        hint(3)


def test_every_kind_is_named():
    assert set(exr.KINDS) == {"number", "choice", "predict"}


@pytest.mark.parametrize("key", exr.list_exercises())
def test_worked_solution_is_plain_code_ending_in_the_answer(key):
    # every section's exercises: solution(key) prints the solver as a learner's cell
    text = repr(solution(key))
    code = textwrap.dedent(text.split("Computed by:\n", 1)[1])
    compile(code, key, "exec")
    assert not re.search(r"^\s*return\b", code, re.M), f"{key}: it should read like a cell"
    last = code.rstrip().rsplit("\nanswer = ", 1)
    assert len(last) == 2 or code.startswith("answer = "), f"{key}: it should end by setting answer"
    assert "_pair" not in code and "RUNNING_EXAMPLE._" not in code


# --- every exercise of the course -------------------------------------------
# One set of checks for all sections' registered exercises (each section's own
# file keeps only its hand-checked values).
SECTIONS = (
    "spot", "leverage", "margin", "liquidation", "funding", "risk",
    "negative-balance", "protection", "case-study",
)  # fmt: skip
ALL_KEYS = exr.list_exercises()
GRADED = [k for k in ALL_KEYS if _REGISTRY[k].kind != "predict"]
PREDICTIONS = [k for k in ALL_KEYS if _REGISTRY[k].kind == "predict"]


def _section(key: str) -> str:
    return next(t for t in SECTIONS if key.startswith(f"{t}-"))


def test_every_exercise_belongs_to_a_section():
    assert ALL_KEYS and all(_section(k) for k in ALL_KEYS)


def test_each_section_has_every_kind_and_a_problem_in_two_steps():
    for section in SECTIONS:
        keys = [k for k in ALL_KEYS if _section(k) == section]
        kinds = {_REGISTRY[k].kind for k in keys}
        assert kinds == {"number", "choice", "predict"}, f"{section}: only {sorted(kinds)}"
        steps = [k for k in keys if re.search(r"-\d+[ab]$", k)]
        assert {k[-1] for k in steps} == {"a", "b"}, f"{section}: no problem in two steps"
        assert len([k for k in keys if _REGISTRY[k].kind == "number"]) >= 3, section


@pytest.mark.parametrize("key", GRADED)
def test_solution_accepted(key):
    ex = _REGISTRY[key]
    assert ex.question and ex.hint
    result = check(key, ex.solve())
    assert result.correct, result.message
    assert "correct." in repr(result)


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
    if isinstance(answer, int):
        return answer + 1
    value = float(answer)
    return value * 1.1 + 1.0 if math.isfinite(value) else 0.0


@pytest.mark.parametrize("key", GRADED)
def test_wrong_answer_refused_with_a_hint_not_the_solution(key):
    result = check(key, _wrong_for(key))
    assert not result.correct
    assert "Hint" in result.message or "No more hints" in result.message
    assert "Computed by" not in result.message


@pytest.mark.parametrize("key", ALL_KEYS)
def test_unanswered_is_not_correct(key):
    assert not check(key, ...).correct


@pytest.mark.parametrize("key", GRADED)
def test_hints_come_in_steps_that_never_name_a_perpmath_call(key):
    import perpmath as pm
    import perpmath.exchange as pe

    ex = _REGISTRY[key]
    calls = {
        name
        for module in (pm, pe)
        for name in dir(module)
        if not name.startswith("_") and "_" in name and callable(getattr(module, name))
    } | {"with_gap", "run", "scenario", "cascade", "waterfall"}
    for step in ex.hints:
        named = [c for c in calls if f"{c}(" in step or f".{c}" in step or f"pm.{c}" in step]
        assert not named, f"{key}: hint names {named}: {step}"
    if ex.kind == "number":
        assert len(ex.hints) >= 2, f"{key}: give hints in steps"


@pytest.mark.parametrize("key", PREDICTIONS)
def test_prediction_recorded_then_revealed(key):
    ex = _REGISTRY[key]
    truth = ex.solve()
    assert "Prediction recorded" in repr(check(key, truth))
    assert reveal(key).correct
    assert ex.explanation
