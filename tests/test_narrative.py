"""perpmath.narrative.expect: a sentence that states a result fails loudly when untrue."""

from __future__ import annotations

import numpy as np
import pytest

from perpmath.narrative import RELATIONS, expect


@pytest.mark.parametrize(
    ("value", "relation", "bounds"),
    [
        (1.0, "<", (2.0,)),
        (2.0, "<=", (2.0,)),
        (3.0, ">", (2.0,)),
        (2.0, ">=", (2.0,)),
        (0.2, "between", (0.15, 0.25)),
        (0.1 + 0.2, "==", (0.3,)),
        (True, "is", (True,)),
        (np.bool_(False), "is", (False,)),
        (np.array([1.0, 2.0]), "<", (3.0,)),
        (np.array([1.0, 2.0]), "<", (np.array([1.5, 2.5]),)),
    ],
)
def test_true_statements_return_the_value(value, relation, bounds):
    assert expect(value, relation, *bounds) is value


@pytest.mark.parametrize(
    ("value", "relation", "bounds", "message"),
    [
        (3.0, "<", (2.0,), "expected value < 2, got 3"),
        (0.3, "between", (0.15, 0.25), "between 0.15 and 0.25"),
        (0.46, "==", (0.45,), "equal to 0.45"),
        (False, "is", (True,), "to be True"),
        (np.array([1.0, 4.0]), "<", (3.0,), "got [1., 4.]"),
    ],
)
def test_false_statements_raise_assertion_error(value, relation, bounds, message):
    with pytest.raises(AssertionError, match=message.replace("[", r"\[").replace("]", r"\]")):
        expect(value, relation, *bounds)


def test_about_uses_a_wider_relative_tolerance():
    assert expect(0.447, "==", 0.45, rtol=0.01) == 0.447
    with pytest.raises(AssertionError):
        expect(0.40, "==", 0.45, rtol=0.01)


def test_what_names_the_quantity():
    with pytest.raises(AssertionError, match="distance at 50x"):
        expect(0.5, "<", 0.1, what="distance at 50x")


def test_bad_input_raises_value_error():
    with pytest.raises(ValueError, match="relation must be one of"):
        expect(1.0, "about", 1.0)
    with pytest.raises(ValueError, match="takes 2 bound"):
        expect(1.0, "between", 1.0)
    with pytest.raises(ValueError, match="low <= high"):
        expect(1.0, "between", 2.0, 1.0)
    with pytest.raises(ValueError, match="must be finite"):
        expect(float("nan"), "<", 1.0)
    with pytest.raises(ValueError, match="True, False or None"):
        expect(1, "is", 1)
    with pytest.raises(ValueError, match="rtol must be 0 or more"):
        expect(1.0, "==", 1.0, rtol=-1.0)
    with pytest.raises(TypeError, match="what must be a string"):
        expect(1.0, "<", 2.0, what=3)


def test_every_relation_is_documented():
    import perpmath.narrative as narrative

    for name in RELATIONS:
        assert f'``"{name}"``' in narrative.__doc__
