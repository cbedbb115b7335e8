"""Input checks shared by every perpmath function.

Every public function accepts Python floats or NumPy arrays (which broadcast
against each other) and raises ``ValueError`` naming the argument, the value
and what is allowed, instead of returning NaN or a silently wrong number.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

SIDES = ("long", "short")
CONTRACTS = ("linear", "inverse")

Float = float | NDArray[np.float64]


def _first_bad(arr: NDArray[Any], bad: NDArray[np.bool_]) -> str:
    if arr.ndim == 0:
        return repr(arr.item())
    idx = np.argwhere(bad)[0]
    where = idx[0] if len(idx) == 1 else tuple(int(i) for i in idx)
    return f"{arr[tuple(idx)].item()!r} at index {where}"


def as_float_array(name: str, value: ArrayLike) -> NDArray[np.float64]:
    """Convert to a float array, rejecting NaN, infinities and non-numbers."""
    if value is None or isinstance(value, str | bytes):
        raise ValueError(f"{name} must be a number or an array of numbers, got {value!r}")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number or an array of numbers, got {value!r}") from None
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(f"{name} must be finite (no NaN or infinity), got {_first_bad(arr, bad)}")
    return arr


def positive(name: str, value: ArrayLike) -> NDArray[np.float64]:
    """A strictly positive finite number or array (prices, sizes, leverage)."""
    arr = as_float_array(name, value)
    bad = arr <= 0
    if bad.any():
        raise ValueError(f"{name} must be greater than 0, got {_first_bad(arr, bad)}")
    return arr


def non_negative(name: str, value: ArrayLike) -> NDArray[np.float64]:
    """A finite number or array that is zero or more (balances, fees, rates)."""
    arr = as_float_array(name, value)
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
    arr = np.asarray(side)
    if arr.ndim == 0:
        raise ValueError(f"{name} must be 'long' or 'short', got {side!r}")
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
        raise ValueError(f"{name} must be 'long' or 'short', got {item!r} at index {where}")
    return np.where(long, 1.0, -1.0)


def choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    """One of a fixed set of names (contract type, convention, definition)."""
    if isinstance(value, str) and value.strip().lower() in allowed:
        return value.strip().lower()
    options = ", ".join(repr(a) for a in allowed)
    raise ValueError(f"{name} must be one of {options}, got {value!r}")


def contract_type(value: Any) -> str:
    """'linear' (USDT-margined, quantity in coin) or 'inverse' (coin-margined)."""
    return choice("contract", value, CONTRACTS)


def result(value: ArrayLike) -> Float:
    """Return a Python float for 0-d results and an ndarray otherwise."""
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return float(arr)
    return arr
