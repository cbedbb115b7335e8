"""perpmath._validate: every check names the argument, the value and what is allowed."""

from __future__ import annotations

import math

import numpy as np
import pytest

from perpmath import _validate as v


def test_as_float_array_accepts_numbers_and_arrays():
    assert v.as_float_array("x", 3).dtype == float
    assert v.as_float_array("x", [1, 2]).tolist() == [1.0, 2.0]
    assert v.as_float_array("x", -2.5) == -2.5


@pytest.mark.parametrize(
    "value, text",
    [
        ("abc", "x must be a number or an array of numbers, got 'abc'"),
        (None, "x must be a number or an array of numbers, got None"),
        (math.nan, "x must be finite (no NaN or infinity), got nan"),
        ([1.0, math.inf], "x must be finite (no NaN or infinity), got inf at index 1"),
    ],
)
def test_as_float_array_rejects(value, text):
    with pytest.raises(ValueError) as err:
        v.as_float_array("x", value)
    assert str(err.value) == text


def test_positive_reports_the_first_bad_element_with_its_index():
    with pytest.raises(ValueError) as err:
        v.positive("price", [[1.0, 2.0], [0.0, -1.0]])
    assert str(err.value) == "price must be greater than 0, got 0.0 at index (1, 0)"
    with pytest.raises(ValueError, match=r"^price must be greater than 0, got -3\.0$"):
        v.positive("price", -3)
    assert v.positive("price", 1e-300) == 1e-300


def test_non_negative():
    assert v.non_negative("fee", 0) == 0
    with pytest.raises(ValueError, match=r"^fee must be 0 or more, got -0\.1$"):
        v.non_negative("fee", -0.1)


def test_in_range_half_open_and_closed():
    assert v.in_range("rate", 0.0, 0.0, 1.0) == 0.0
    with pytest.raises(ValueError, match=r"^rate must lie in \[0, 1\), got 1\.0$"):
        v.in_range("rate", 1.0, 0.0, 1.0)
    assert v.in_range("rate", 1.0, 0.0, 1.0, high_inclusive=True) == 1.0
    with pytest.raises(ValueError, match=r"^rate must lie in \[0, 1\], got -0\.5$"):
        v.in_range("rate", -0.5, 0.0, 1.0, high_inclusive=True)


@pytest.mark.parametrize("bad", [0, -1, math.nan, math.inf, "10x"])
def test_leverage_rejects(bad):
    with pytest.raises(ValueError, match=r"^leverage must"):
        v.leverage(bad)
    with pytest.raises(ValueError, match=r"^max_leverage must"):
        v.leverage(bad, name="max_leverage")


def test_side_sign():
    assert v.side_sign("long") == 1.0
    assert v.side_sign(" SHORT ") == -1.0
    assert v.side_sign(["long", "Short"]).tolist() == [1.0, -1.0]
    assert v.side_sign(np.array([["long"], ["short"]])).shape == (2, 1)


@pytest.mark.parametrize(
    "bad, text",
    [
        ("buy", "side must be 'long' or 'short', got 'buy'"),
        (1, "side must be 'long' or 'short', got 1"),
        (None, "side must be 'long' or 'short', got None"),
        (["long", "sell"], "side must be 'long' or 'short', got 'sell' at index 1"),
        (["long", 1], "side must be 'long' or 'short', got 1 at index 1"),
    ],
)
def test_side_sign_rejects(bad, text):
    with pytest.raises(ValueError) as err:
        v.side_sign(bad)
    assert str(err.value) == text


def test_choice_and_contract_type():
    assert v.choice("basis", " Entry ", ("entry", "mark")) == "entry"
    with pytest.raises(ValueError) as err:
        v.choice("basis", "exit", ("entry", "mark"))
    assert str(err.value) == "basis must be one of 'entry', 'mark', got 'exit'"
    assert v.contract_type("INVERSE") == "inverse"
    with pytest.raises(ValueError, match=r"^contract must be one of 'linear', 'inverse'"):
        v.contract_type("quanto")
    with pytest.raises(ValueError, match=r"^contract must be one of"):
        v.contract_type(None)


def test_result_float_for_scalars_array_otherwise():
    assert type(v.result(np.float64(2.0))) is float
    assert type(v.result(np.array(2.0))) is float
    out = v.result([1, 2])
    assert isinstance(out, np.ndarray) and out.dtype == float
