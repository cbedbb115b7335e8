"""perpmath._validate: every check names the argument, the value and what is allowed."""

from __future__ import annotations

import math
import warnings

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


# --- wrong Python types ----------------------------------------------------
@pytest.mark.parametrize(
    "bad", ["100", None, True, np.bool_(False), [1.0, "x"], [[1.0, 2.0], [3.0]], object(), 1j]
)
def test_as_float_array_refuses_non_numbers_as_a_type_error(bad):
    with pytest.raises(v.ArgumentTypeError) as err:
        v.as_float_array("price", bad)
    assert str(err.value).startswith("price must be a number or an array of numbers, got ")
    # both kinds of handler catch it: a wrong type is also a bad value
    assert isinstance(err.value, TypeError) and isinstance(err.value, ValueError)


def test_as_float_array_keeps_numeric_arrays_and_mixed_number_lists():
    arr = np.array([1.0, 2.0])
    assert v.as_float_array("x", arr) is arr  # no copy for a float array
    assert v.as_float_array("x", [1, 2.5, np.float32(3)]).tolist() == [1.0, 2.5, 3.0]
    assert v.as_float_array("x", np.arange(3)).dtype == float
    assert v.finite is v.as_float_array


def test_scalar_wants_one_number():
    assert v.scalar("tick", 0.5) == 0.5
    assert v.scalar("tick", v.positive("tick", 2)) == 2.0
    with pytest.raises(ValueError, match=r"^tick must be a single number, got \[1\.0, 2\.0\]$"):
        v.scalar("tick", [1.0, 2.0])
    with pytest.raises(ValueError, match=r"^tick must be a single number, got \[\]$"):
        v.scalar("tick", v.positive("tick", []))


@pytest.mark.parametrize("good, expected", [(3, 3), (np.int64(4), 4), (5.0, 5), (np.array(6), 6)])
def test_integer_accepts_whole_numbers(good, expected):
    out = v.integer("levels", good, minimum=1)
    assert out == expected and type(out) is int


@pytest.mark.parametrize(
    "bad, error",
    [
        (math.nan, ValueError),
        (math.inf, ValueError),  # not OverflowError
        (-math.inf, ValueError),
        (2.5, ValueError),
        (0, ValueError),
        (1e300, ValueError),
        (2**60, ValueError),
        ("10", v.ArgumentTypeError),
        (True, v.ArgumentTypeError),
        (None, v.ArgumentTypeError),
        ([1, 2], v.ArgumentTypeError),
    ],
)
def test_integer_refuses(bad, error):
    with pytest.raises(error) as err:
        v.integer("levels", bad, minimum=1)
    assert type(err.value) is error
    assert str(err.value).startswith("levels must be a whole number of at least 1, got ")


def test_integer_with_a_maximum_and_integers():
    assert v.integer("venue", 2, 0, 4) == 2
    with pytest.raises(ValueError, match=r"^venue must be a whole number in \[0, 4\], got 5$"):
        v.integer("venue", 5, 0, 4)
    assert v.integers("delay", [0, 2.0]).tolist() == [0, 2]
    with pytest.raises(ValueError, match=r"^delay must hold whole numbers of at least 0, got 1\.5"):
        v.integers("delay", [0, 1.5])
    with pytest.raises(ValueError, match="delay must be finite"):
        v.integers("delay", math.inf)


def test_choice_refuses_a_non_string_as_a_type_error():
    with pytest.raises(v.ArgumentTypeError, match=r"^basis must be one of 'entry', 'mark', got 5$"):
        v.choice("basis", 5, ("entry", "mark"))
    with pytest.raises(v.ArgumentTypeError, match="side must be 'long' or 'short', got 1"):
        v.side_sign(1)
    with pytest.raises(v.ArgumentTypeError, match="side must be 'long' or 'short', got 1 at index"):
        v.side_sign(["long", 1])
    with pytest.raises(v.ArgumentTypeError):
        v.side_sign([])


@pytest.mark.parametrize("bad", ["no", "False", 0, 1, None, math.nan])
def test_flag_is_true_or_false_only(bad):
    # "no" would read as True if converted with bool()
    with pytest.raises(v.ArgumentTypeError, match=r"^fee_in_bankruptcy must be True or False"):
        v.flag("fee_in_bankruptcy", bad)


def test_flag_and_text():
    assert v.flag("x", np.bool_(True)) is True and v.flag("x", False) is False
    assert v.text("symbol", "BTCUSDT") == "BTCUSDT"
    assert v.text("notes", "", empty=True) == ""
    with pytest.raises(ValueError, match=r"^symbol must be a non-empty string, got ' '$"):
        v.text("symbol", " ")
    with pytest.raises(v.ArgumentTypeError, match=r"^symbol must be a string, got 5$"):
        v.text("symbol", 5)


def test_instance_and_callback():
    gen = np.random.default_rng(1)
    assert v.instance("rng", gen, np.random.Generator, "a numpy.random.Generator") is gen
    with pytest.raises(v.ArgumentTypeError) as err:
        v.instance("rng", 7, np.random.Generator, "a numpy.random.Generator")
    assert str(err.value) == "rng must be a numpy.random.Generator, got int 7"
    assert v.callback("progress", print) is print and v.callback("progress", None) is None
    with pytest.raises(v.ArgumentTypeError, match=r"^progress must be a function or None"):
        v.callback("progress", "bar")


def test_same_length_names_both_arguments():
    v.same_length("sizes", [1, 2], "scores", [0.1, 0.2])
    with pytest.raises(ValueError) as err:
        v.same_length("sizes", [1, 2], "scores", [0.1, 0.2, 0.3])
    assert str(err.value) == (
        "sizes and scores must be one-dimensional and of the same length, got length 2 and length 3"
    )
    with pytest.raises(ValueError, match="got length 2 and shape \\(\\)"):
        v.same_length("sizes", [1, 2], "scores", 0.1)


def test_broadcastable_names_the_arguments_instead_of_numpy():
    assert v.broadcastable(quantity=[1, 2, 3], entry_price=100, price=[[1], [2]]) == (2, 3)
    with pytest.raises(ValueError) as err:
        v.broadcastable(side="long", quantity=[1, 2, 3], entry_price=100, price=[110, 120])
    assert str(err.value) == (
        "quantity and price must have matching lengths (or one of them a single value) to be "
        "combined element by element, got shapes (3,) and (2,)"
    )


def test_unused_refuses_anything_but_the_default():
    v.unused("other_maintenance", 0.0, 0.0, applies="margin_mode='cross'")
    v.unused("other_maintenance", 0, 0.0, applies="margin_mode='cross'")  # equal value
    v.unused("bid", None, None, applies="convention='deribit_futures'")
    with pytest.raises(ValueError) as err:
        v.unused("other_maintenance", math.nan, 0.0, applies="margin_mode='cross'")
    assert str(err.value) == (
        "other_maintenance applies only with margin_mode='cross'; leave it at 0.0 otherwise, "
        "got nan"
    )
    with pytest.raises(ValueError, match=r"^bid applies only with .*; leave it out otherwise"):
        v.unused("bid", 100.0, None, applies="convention='deribit_futures'")
    with pytest.raises(ValueError, match=r"got \[1\.0, 2\.0\]"):
        v.unused("band", [1.0, 2.0], 0.05, applies="outlier_rule='exclude' or 'cap'")


def test_ranks_lets_infinities_order_but_refuses_nan():
    assert v.ranks("scores", [1.0, math.inf, -math.inf]).tolist() == [1.0, math.inf, -math.inf]
    with pytest.raises(ValueError, match=r"^scores must be numbers or \+-inf .*got nan at index 1"):
        v.ranks("scores", [1.0, math.nan])
    with pytest.raises(TypeError, match=r"^scores must be a number or an array of numbers"):
        v.ranks("scores", ["a", "b"])


def test_one_side_is_one_position():
    assert v.one_side("Short") == -1.0 and isinstance(v.one_side("long"), float)
    with pytest.raises(TypeError, match=r"^side must be 'long' or 'short' \(one side\)"):
        v.one_side(["long", "short"])
    with pytest.raises(ValueError, match=r"^side must be 'long' or 'short', got 'up'"):
        v.one_side("up")


def test_generator_takes_a_generator_a_seed_or_none():
    g = np.random.default_rng(3)
    assert v.generator("rng", g) is g
    assert v.generator("rng", 3).random() == np.random.default_rng(3).random()
    assert v.generator("rng", np.int64(3)).random() == np.random.default_rng(3).random()
    assert isinstance(v.generator("rng", None), np.random.Generator)
    for bad in (2.5, 3.0, "7", True, [1, 2], np.random.RandomState(1)):
        with pytest.raises(TypeError, match=r"^rng must be a numpy\.random\.Generator, a whole"):
            v.generator("rng", bad)
    with pytest.raises(ValueError, match=r"^rng must be .* seed >= 0 or None, got int -1"):
        v.generator("rng", -1)


# --- results: no NaN, no undocumented infinity, whatever the magnitudes ------------
@v.no_overflow
def _product(quantity, price):
    return v.result(np.asarray(quantity, dtype=float) * price)


@v.no_overflow
def _outer(size):
    return _product(size, size)


@v.no_overflow(inf=True)
def _never_below(num, den):
    return v.result(v.ratio_or_inf(num, den))


def test_an_overflowing_result_raises_naming_the_arguments_out_of_scale():
    assert _product(2.0, 3.0) == 6.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NumPy's RuntimeWarning does not escape
        with pytest.raises(OverflowError, match=r"^quantity 1e\+300 and price 1e\+300 must be"):
            _product(1e300, 1e300)
    # only the argument out of scale is named; an array's element with its index
    with pytest.raises(OverflowError, match=r"^price 1e\+300 at index 1 must be of a realistic"):
        _product(1e10, [1.0, 1e300])
    with pytest.raises(v.OutOfScale, match=r"\(it holds inf in an array\)$"):
        _product(1e10, [1.0, 1e300])


def test_an_inner_overflow_is_named_by_the_outer_arguments():
    with pytest.raises(OverflowError, match=r"^size 1e\+200 must be .* of _outer overflows"):
        _outer(1e200)


def test_documented_infinity_passes_but_an_overflow_does_not():
    assert _never_below(1.0, -2.0) == math.inf  # a ratio that is not positive: never
    assert _never_below(1.0, 2.0) == 0.5
    with pytest.raises(OverflowError, match=r"^num 1e\+300 and den 1e-300 must be"):
        _never_below(1e300, 1e-300)  # inf here is an overflow, not "never"
    with pytest.raises(v.OutOfScale):
        v.infinite_where([True, False], [1.0, np.inf])
    np.testing.assert_array_equal(v.infinite_where([True, False], [np.nan, 2.0]), [np.inf, 2.0])


def test_out_of_scale_names_the_farthest_first():
    assert v.out_of_scale({"a": 1e-300, "b": 5.0, "c": 1e300}) == "a 1e-300 and c 1e+300"
    assert v.out_of_scale({"a": 10.0, "b": 1e9, "c": 2.0}) == "b 1e+09 and a 10"  # two farthest
    assert v.out_of_scale({"a": 1e20, "b": 1e30, "c": 1e40}) == "c 1e+40, b 1e+30 and a 1e+20"
    assert v.out_of_scale({"side": "long", "flag": True, "x": 0.0}) == ""


def test_first_where_gives_the_values_of_the_first_offending_element():
    assert v.first_where([False, True, True], [1.0, 2.0, 3.0], 9.0) == (2.0, 9.0)
    assert v.first_where(True, 4.0, 5.0) == (4.0, 5.0)
