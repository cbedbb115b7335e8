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
  of NumPy's "operands could not be broadcast"; ``first_where`` gives the
  values of the first offending element for a message;
* modes: ``unused`` refuses an argument that the chosen mode does not use
  unless it is left at its default (the rule is stated in CONTRIBUTING.md);
* objects: ``instance`` (an OrderBook, a TierTable, ...), ``generator`` (a
  Generator, a seed or None) and ``callback``;
* results: ``no_overflow``, the decorator every public function and method
  wears: a result holding NaN, or infinity where the function does not
  document it, computed from finite arguments of absurd size (1e300 x 1e300,
  1 / 1e-300), raises ``OutOfScale`` (an ``OverflowError``) naming the
  arguments that are out of scale, instead of being returned.
  ``infinite_where`` and ``ratio_or_inf`` write a documented infinity (a
  position never liquidated) and check that the values around it are
  finite; ``not_overflowed`` checks an intermediate before a clip hides it.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import numpy as np
import pandas as pd
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


def first_where(mask: ArrayLike, *arrays: ArrayLike) -> tuple[float, ...]:
    """The elements of ``arrays`` (broadcast together) at the first index where
    ``mask`` holds: the values a message about the first offending element shows."""
    arrs = np.broadcast_arrays(*arrays)
    shape = arrs[0].shape
    i = tuple(np.argwhere(np.broadcast_to(mask, shape))[0]) if len(shape) else ()
    return tuple(float(a[i]) for a in arrs)


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


# --- results: no NaN, no undocumented infinity ---------------------------
F = TypeVar("F", bound=Callable[..., Any])

_OUT_OF_SCALE = 15.0
"""Numbers beyond 1e15 or below 1e-15 in size are out of scale for any market
quantity (prices, sizes, rates, balances): they are named first when a result
overflows."""


class OutOfScale(OverflowError):
    """A result that does not fit in a float, computed from finite arguments.

    Raised by ``no_overflow``; the message names the public arguments whose
    size made the result overflow and says they must be of a realistic size.
    """


def no_overflow(func: F | None = None, *, inf: bool = False) -> Any:
    """Decorator: the function's result never holds NaN, nor infinity unless ``inf``.

    The function runs with NumPy's overflow, invalid and divide warnings off;
    its result (a number, an array, a DataFrame, a dataclass, a tuple, list or
    dict of them) is then searched, and a NaN, or an infinity when ``inf`` is
    False, raises ``OutOfScale`` (an ``OverflowError``) naming the arguments
    that are out of scale, e.g. ``notional(1e300, 1e300)``: "quantity 1e+300
    and price 1e+300 must be of a realistic size: the result of notional
    overflows a float". The arguments were validated finite, so a non-finite
    result can only come from their size. An ``OutOfScale`` raised by a
    public function called inside is raised again naming the outer
    function's arguments, the ones the caller gave. ``inf=True`` is the
    opt-in for functions whose docs say they return infinity (a short that is
    never liquidated); they write it with ``infinite_where``, which checks
    that the values around it are finite.
    """

    def wrap(f: F) -> F:
        @functools.wraps(f)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                    out = f(*args, **kwargs)
            except OutOfScale:
                raise OutOfScale(_overflow_message(f, args, kwargs, "")) from None
            where = _non_finite(out, inf, set())
            if where is not None:
                raise OutOfScale(_overflow_message(f, args, kwargs, where))
            return out

        guarded.no_overflow = True  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return wrap if func is None else wrap(func)


def not_overflowed(values: ArrayLike) -> NDArray[np.float64]:
    """``values`` as a float array, all finite: an intermediate that overflowed
    raises ``OutOfScale`` (named by the public function's ``no_overflow``)
    before a clip or a mask could hide it as a plausible number."""
    arr = np.asarray(values, dtype=float)
    if not np.isfinite(arr).all():
        raise OutOfScale("a value overflows a float")
    return arr


def infinite_where(never: ArrayLike, values: ArrayLike) -> NDArray[np.float64]:
    """+infinity where ``never`` holds (the documented "never reached"), ``values``
    elsewhere, which must be finite (``not_overflowed``): an overflow there is
    not passed off as a price that is never reached."""
    mask = np.asarray(never, dtype=bool)
    return np.where(mask, np.inf, not_overflowed(np.where(mask, 0.0, values)))


def ratio_or_inf(
    num: ArrayLike, den: ArrayLike, ok: ArrayLike | None = None
) -> NDArray[np.float64]:
    """``num / den`` where ``ok`` holds (default: where the ratio is positive), +inf
    elsewhere: a price that is never reached (an inverse short at 1x). ``num``
    and ``den`` must be finite and so must the ratio where it is kept
    (``infinite_where``)."""
    n, d = not_overflowed(num), not_overflowed(den)
    keep = np.sign(n) * np.sign(d) > 0 if ok is None else np.asarray(ok, dtype=bool)
    return infinite_where(~keep, n / np.where(keep, d, 1.0))


def _non_finite(value: Any, inf_ok: bool, seen: set[int]) -> str | None:
    """Where ``value`` holds NaN (or an infinity unless ``inf_ok``), else None."""
    if type(value) is float and math.isfinite(value):  # the common case, at once
        return None
    if isinstance(value, bool | np.bool_ | str | bytes | type) or value is None:
        return None
    if isinstance(value, float | int | np.number) or (
        not isinstance(value, np.ndarray) and isinstance(value, numbers.Real)
    ):
        x = float(value)
        return None if (math.isfinite(x) or (inf_ok and not math.isnan(x))) else repr(x)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "fc":
            return None
        bad = np.isnan(value) if inf_ok else ~np.isfinite(value)
        return f"{value[bad].ravel()[0].item()!r} in an array" if bad.any() else None
    if id(value) in seen:
        return None
    seen.add(id(value))
    if isinstance(value, pd.DataFrame):
        for col in value.columns:
            found = _non_finite(value[col].to_numpy(), inf_ok, seen)
            if found:
                return f"{found.removesuffix(' in an array')} in column {col!r}"
        return None
    if isinstance(value, pd.Series | pd.Index):
        return _non_finite(value.to_numpy(), inf_ok, seen)
    if isinstance(value, Mapping):
        items: Any = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    elif dataclasses.is_dataclass(value):
        items = ((f.name, getattr(value, f.name)) for f in dataclasses.fields(value))
    else:
        return None
    for key, item in items:
        found = _non_finite(item, inf_ok, seen)
        if found:
            return f"{found} at {key!r}"
    return None


def _overflow_message(func: Callable[..., Any], args: Any, kwargs: Any, where: str) -> str:
    """The message of ``OutOfScale``: the arguments farthest out of scale "must be of a
    realistic size: the result of FUNC overflows a float"."""
    given: dict[str, Any] = {}
    try:
        bound = inspect.signature(func).bind(*args, **kwargs)
    except TypeError:
        bound = None
    if bound is not None:
        for name, value in bound.arguments.items():
            if name in ("self", "cls"):
                if dataclasses.is_dataclass(value) and not isinstance(value, type):
                    owner = type(value).__name__
                    for f in dataclasses.fields(value):
                        given[f"the {owner}'s {f.name}"] = getattr(value, f.name)
                continue
            if isinstance(value, Mapping) and name == "kwargs":
                given.update(value)
            else:
                given[name] = value
    who = out_of_scale(given) or "the values given"
    at = f" (it holds {where})" if where else ""
    return (
        f"{who} must be of a realistic size: the result of {func.__qualname__} "
        f"overflows a float{at}"
    )


def out_of_scale(values: Mapping[str, Any], most: int = 4) -> str:
    """``"NAME VALUE, NAME VALUE and NAME VALUE"``: the numeric values farthest out
    of scale, farthest first ("" if none is a number).

    A value's scale is the largest |log10 |x||: 1e300 and 1e-300 are as far.
    Those beyond 1e15 (or below 1e-15) are all named, up to ``most``; if none
    is, the two farthest. Non-numeric values are passed over. The CLI names
    its flags with it.
    """
    scored = []
    for name, value in values.items():
        found = _farthest(value)
        if found is not None:
            scored.append((found[0], name, found[1]))
    scored.sort(key=lambda row: -row[0])
    far = [row for row in scored if row[0] >= _OUT_OF_SCALE] or scored[:2]
    names = [f"{name} {shown}" for _, name, shown in far[:most]]
    return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 2 else names)


def _farthest(value: Any) -> tuple[float, str] | None:
    """(scale, shown) of a number or array's element farthest out of scale."""
    if isinstance(value, bool | np.bool_ | str | bytes) or value is None:
        return None
    if isinstance(value, Mapping):
        value = list(value.values())
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    flat = arr.ravel()
    ok = np.isfinite(flat) & (flat != 0)
    if not ok.any():
        return None
    scale = np.abs(np.log10(np.abs(np.where(ok, flat, 1.0))))
    i = int(np.argmax(scale))
    at = f" at index {i}" if arr.ndim else ""
    return float(scale[i]), f"{flat[i]:g}{at}"
