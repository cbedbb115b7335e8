"""Input checks shared by every perpmath function: one function per kind of check.

Every public function accepts Python floats or NumPy arrays (which broadcast
against each other) and raises ``ValueError`` naming the argument, the value
and what is allowed, instead of returning NaN or a silently wrong number. A
value of the wrong Python type (a string or an object where a number is
expected, a number where a name is expected, ``"no"`` for a flag) raises
``ArgumentTypeError``, which is both a ``TypeError`` and a ``ValueError``, so
``except ValueError`` still catches every bad input.

The kinds of check, each in one place:

* numbers: ``as_float_array`` (finite numbers; ``finite`` is the same check),
  ``positive``, ``non_negative``, ``in_range``, ``leverage``, ``scalar``
  where a single number is expected, and ``ranks`` (numbers that only order
  things, where +-infinity ranks first or last);
* whole numbers: ``integer`` (finite, whole, at least a minimum; NaN and
  infinity give ``ValueError``, never ``OverflowError``) and ``integers``;
* names: ``choice`` (one of a fixed set), ``side_sign`` (``one_side`` where
  one position is meant), ``contract_type``,
  ``text`` (free text such as a symbol), ``flag`` (True or False only);
* shapes: ``same_length`` and ``broadcastable`` name both arguments instead
  of NumPy's "operands could not be broadcast";
* modes: ``unused`` refuses an argument that the chosen mode does not use
  unless it is left at its default (the rule is stated in CONTRIBUTING.md);
* objects: ``instance`` (an OrderBook, a TierTable, ...), ``generator`` (a
  Generator, a seed or None) and ``callback``.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

SIDES = ("long", "short")
CONTRACTS = ("linear", "inverse")

Float = float | NDArray[np.float64]

_LARGEST_WHOLE = 2**53
"""Beyond this a float cannot tell whole numbers apart, and no count is that large."""


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong Python type.

    A ``TypeError`` (the kind of mistake) that is also a ``ValueError``, so code
    that catches ``ValueError`` for bad input keeps catching it.
    """


def _first_bad(arr: NDArray[Any], bad: NDArray[np.bool_]) -> str:
    if arr.ndim == 0:
        return repr(arr.item())
    idx = np.argwhere(bad)[0]
    where = idx[0] if len(idx) == 1 else tuple(int(i) for i in idx)
    return f"{arr[tuple(idx)].item()!r} at index {where}"


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool | np.bool_)


def _numbers(name: str, value: Any) -> NDArray[np.float64]:
    """``value`` as a float array, or ArgumentTypeError if it is not numbers."""
    if isinstance(value, bool | np.bool_ | str | bytes) or value is None:
        arr = None
    else:
        try:
            raw = np.asarray(value)
        except (TypeError, ValueError):  # ragged nesting
            raw = None
        if raw is None or raw.dtype.kind in "bUSc":
            arr = None
        elif raw.dtype.kind == "O":  # mixed objects: only plain numbers convert
            items = raw.ravel() if raw.ndim else [raw.item()]
            arr = raw.astype(float) if all(_is_number(x) for x in items) else None
        else:
            arr = raw.astype(float, copy=False)
    if arr is None:
        raise ArgumentTypeError(
            f"{name} must be a number or an array of numbers, got {_show(value)}"
        )
    return arr


def as_float_array(name: str, value: ArrayLike, *, inf: bool = False) -> NDArray[np.float64]:
    """Convert to a float array, rejecting NaN, infinities and non-numbers.

    Strings, None, booleans, ragged lists and other objects raise
    ``ArgumentTypeError``: "NAME must be a number or an array of numbers".
    ``inf=True`` lets +infinity through where it means "no limit" (the cap of
    the last tier, a liquidation price that is never reached).
    """
    arr = _numbers(name, value)
    bad = np.isnan(arr) | (arr == -np.inf) if inf else ~np.isfinite(arr)
    if bad.any():
        what = "a number or +inf (no NaN or -inf)" if inf else "finite (no NaN or infinity)"
        raise ValueError(f"{name} must be {what}, got {_first_bad(arr, bad)}")
    return arr


finite = as_float_array
"""A finite number or array of numbers (any sign): the same check as ``as_float_array``."""


def ranks(name: str, value: ArrayLike) -> NDArray[np.float64]:
    """Numbers that only order things (ADL scores): +infinity and -infinity are
    allowed (they rank first and last), NaN is not (it has no place in an order)."""
    arr = _numbers(name, value)
    bad = np.isnan(arr)
    if bad.any():
        raise ValueError(
            f"{name} must be numbers or +-inf (no NaN: it has no rank), got {_first_bad(arr, bad)}"
        )
    return arr


def scalar(name: str, value: ArrayLike) -> float:
    """A single number: ``value`` itself, or an array that ``as_float_array`` (or
    ``positive``, ...) has already checked. A list or array of several values
    raises ValueError "NAME must be a single number"."""
    arr = value if isinstance(value, np.ndarray) else as_float_array(name, value)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a single number, got {_show(value)}")
    return float(arr)


def _show(value: Any) -> str:
    if isinstance(value, np.ndarray):
        text = np.array2string(value, threshold=6, separator=", ")
        return text if value.ndim else repr(value.item())
    return repr(value)


def positive(name: str, value: ArrayLike, *, inf: bool = False) -> NDArray[np.float64]:
    """A strictly positive finite number or array (prices, sizes, leverage);
    ``inf=True`` also accepts +infinity (see ``as_float_array``)."""
    arr = as_float_array(name, value, inf=inf)
    bad = arr <= 0
    if bad.any():
        raise ValueError(f"{name} must be greater than 0, got {_first_bad(arr, bad)}")
    return arr


def non_negative(name: str, value: ArrayLike, *, inf: bool = False) -> NDArray[np.float64]:
    """A finite number or array that is zero or more (balances, fees, rates);
    ``inf=True`` also accepts +infinity (see ``as_float_array``)."""
    arr = as_float_array(name, value, inf=inf)
    bad = arr < 0
    if bad.any():
        raise ValueError(f"{name} must be 0 or more, got {_first_bad(arr, bad)}")
    return arr


def in_range(
    name: str, value: ArrayLike, low: float, high: float, *, high_inclusive: bool = False
) -> NDArray[np.float64]:
    """A finite number or array in [low, high) (or [low, high])."""
    arr = as_float_array(name, value)
    bad = (arr < low) | ((arr > high) if high_inclusive else (arr >= high))
    if bad.any():
        bracket = "]" if high_inclusive else ")"
        raise ValueError(
            f"{name} must lie in [{low:g}, {high:g}{bracket}, got {_first_bad(arr, bad)}"
        )
    return arr


def leverage(value: ArrayLike, name: str = "leverage") -> NDArray[np.float64]:
    """Leverage: a finite number greater than 0 (1 means unleveraged)."""
    return positive(name, value)


def side_sign(side: Any, name: str = "side") -> NDArray[np.float64] | float:
    """Return +1.0 for 'long' and -1.0 for 'short' (also for arrays of sides).

    Strings are matched case-insensitively; anything else raises ValueError.
    """
    if isinstance(side, str):
        key = side.strip().lower()
        if key == "long":
            return 1.0
        if key == "short":
            return -1.0
        raise ValueError(f"{name} must be 'long' or 'short', got {side!r}")
    try:
        arr = np.asarray(side)
    except (TypeError, ValueError):  # ragged nesting
        arr = np.asarray(None)
    if arr.ndim == 0 or arr.size == 0:
        raise ArgumentTypeError(f"{name} must be 'long' or 'short', got {side!r}")
    if arr.dtype.kind == "U":
        keys = arr
    else:  # mixed objects: anything that is not a string is refused below
        arr = arr.astype(object)
        is_str = np.frompyfunc(lambda x: isinstance(x, str), 1, 1)(arr).astype(bool)
        keys = np.where(is_str, arr, "").astype(str)
    long, short = keys == "long", keys == "short"
    if not (long | short).all():
        keys = np.char.lower(np.char.strip(keys))
        long, short = keys == "long", keys == "short"
    bad = ~(long | short)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        where = idx[0] if len(idx) == 1 else idx
        item = np.asarray(side, dtype=object)[idx]  # the caller's own object, for the message
        error = ValueError if isinstance(item, str) else ArgumentTypeError
        raise error(f"{name} must be 'long' or 'short', got {item!r} at index {where}")
    return np.where(long, 1.0, -1.0)


def one_side(side: Any, name: str = "side") -> float:
    """+1.0 for 'long', -1.0 for 'short', where one position is meant: a list of
    sides raises ArgumentTypeError instead of NumPy's "only length-1 arrays"."""
    s = side_sign(side, name)
    if np.ndim(s) != 0:
        raise ArgumentTypeError(f"{name} must be 'long' or 'short' (one side), got {_show(side)}")
    return float(s)


def choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    """One of a fixed set of names (contract type, convention, definition).

    Matched case-insensitively; an unknown name raises ValueError and a value
    that is not a string ``ArgumentTypeError``, both listing the names allowed.
    """
    if isinstance(value, str) and value.strip().lower() in allowed:
        return value.strip().lower()
    options = ", ".join(repr(a) for a in allowed)
    error = ValueError if isinstance(value, str) else ArgumentTypeError
    raise error(f"{name} must be one of {options}, got {value!r}")


def contract_type(value: Any) -> str:
    """'linear' (USDT-margined, quantity in coin) or 'inverse' (coin-margined)."""
    return choice("contract", value, CONTRACTS)


def integer(name: str, value: Any, minimum: int = 0, maximum: int | None = None) -> int:
    """A whole number of at least ``minimum`` (and at most ``maximum``): counts, steps, seeds.

    A whole float (``10.0``) is accepted; NaN, infinity, fractions and values
    beyond 2**53 raise ValueError (never OverflowError); strings, booleans,
    None and arrays raise ``ArgumentTypeError``.
    """
    bound = f"of at least {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
    what = f"{name} must be a whole number {bound}, got {_show(value)}"
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if not _is_number(value):
        raise ArgumentTypeError(what)
    x = float(value) if not isinstance(value, int | np.integer) else value
    if isinstance(x, float) and (not np.isfinite(x) or x != int(x) or abs(x) > _LARGEST_WHOLE):
        raise ValueError(what)
    n = int(x)
    if n < minimum or (maximum is not None and n > maximum) or abs(n) > _LARGEST_WHOLE:
        raise ValueError(what)
    return n


def integers(name: str, value: ArrayLike, minimum: int = 0) -> NDArray[np.int64]:
    """An array (or single value) of whole numbers of at least ``minimum``."""
    arr = as_float_array(name, value)
    bad = (arr != np.round(arr)) | (arr < minimum) | (np.abs(arr) > _LARGEST_WHOLE)
    if bad.any():
        raise ValueError(
            f"{name} must hold whole numbers of at least {minimum}, got {_first_bad(arr, bad)}"
        )
    return arr.astype(np.int64)


def flag(name: str, value: Any) -> bool:
    """True or False, and nothing else: ``"no"``, 0, 1 or None raise ArgumentTypeError."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    raise ArgumentTypeError(f"{name} must be True or False, got {value!r}")


def text(name: str, value: Any, *, empty: bool = False) -> str:
    """Free text such as a symbol or a label: a string (non-empty unless ``empty``)."""
    if not isinstance(value, str):
        raise ArgumentTypeError(f"{name} must be a string, got {value!r}")
    if not empty and not value.strip():
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    return value


def instance(name: str, value: Any, kind: type | tuple[type, ...], what: str) -> Any:
    """``value`` if it is an instance of ``kind``; otherwise ArgumentTypeError
    "NAME must be WHAT, got TYPE" (``what`` says it in words, e.g. "an OrderBook")."""
    if not isinstance(value, kind):
        raise ArgumentTypeError(f"{name} must be {what}, got {_type_and_value(value)}")
    return value


def generator(name: str, value: Any) -> np.random.Generator:
    """A source of randomness: a ``numpy.random.Generator`` (used as it is), a
    whole-number seed >= 0 (``numpy.random.default_rng(seed)``) or None (fresh
    entropy). Anything else, a float, a string, a legacy ``RandomState``, raises
    ArgumentTypeError naming the argument instead of reaching NumPy."""
    if isinstance(value, np.random.Generator):
        return value
    if value is None:
        return np.random.default_rng()
    what = (
        f"{name} must be a numpy.random.Generator, a whole-number seed >= 0 or None, "
        f"got {_type_and_value(value)}"
    )
    if isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_):
        if 0 <= value <= _LARGEST_WHOLE:
            return np.random.default_rng(int(value))
        raise ValueError(what)
    raise ArgumentTypeError(what)


def callback(name: str, value: Any) -> Callable[..., Any] | None:
    """None or a callable (a progress hook ...)."""
    if value is not None and not callable(value):
        raise ArgumentTypeError(f"{name} must be a function or None, got {_type_and_value(value)}")
    return value


def _type_and_value(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def same_length(name_a: str, a: ArrayLike, name_b: str, b: ArrayLike) -> None:
    """Two one-dimensional arguments that pair element by element."""
    na, nb = np.size(a), np.size(b)
    if np.ndim(a) != 1 or np.ndim(b) != 1 or na != nb:
        raise ValueError(
            f"{name_a} and {name_b} must be one-dimensional and of the same length, got "
            f"{_length(a)} and {_length(b)}"
        )


def _length(a: ArrayLike) -> str:
    return f"shape {np.shape(a)}" if np.ndim(a) != 1 else f"length {np.size(a)}"


def broadcastable(**arrays: ArrayLike) -> tuple[int, ...]:
    """The common shape of arguments that broadcast against each other.

    Raises ValueError naming the first two arguments that do not, with their
    shapes, instead of NumPy's "operands could not be broadcast together".
    """
    shapes = {k: np.shape(a) for k, a in arrays.items()}
    try:
        return np.broadcast_shapes(*shapes.values())
    except ValueError:
        pass
    names = list(shapes)
    for i, a in enumerate(names):
        for b in names[:i]:
            try:
                np.broadcast_shapes(shapes[b], shapes[a])
            except ValueError:
                raise ValueError(
                    f"{b} and {a} must have matching lengths (or one of them a single value) "
                    f"to be combined element by element, got shapes {shapes[b]} and {shapes[a]}"
                ) from None
    raise ValueError(f"the arguments {names} do not broadcast together, shapes {shapes}")


def unused(name: str, value: Any, default: Any, *, applies: str, hint: str = "") -> None:
    """Refuse an argument the chosen mode does not use, unless left at its default.

    ``applies`` says where it is used, e.g. "margin_mode='cross'". Passing
    ``other_maintenance=500`` to an isolated position would otherwise be
    ignored in silence; here it raises ValueError "other_maintenance applies
    only with margin_mode='cross' ...". ``hint`` is added to the message.
    """
    if value is default:
        return
    try:
        same = bool(np.ndim(value) == 0 and np.ndim(default) == 0 and value == default)
    except (TypeError, ValueError):
        same = False
    if not same:
        keep = "leave it out" if default is None else f"leave it at {default!r}"
        raise ValueError(
            f"{name} applies only with {applies}; {keep} otherwise, got {_show(value)}"
            + (f" ({hint})" if hint else "")
        )


def result(value: ArrayLike) -> Float:
    """Return a Python float for 0-d results and an ndarray otherwise."""
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return float(arr)
    return arr
