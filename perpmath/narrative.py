"""Narrative checks: a sentence of the course that states a result is asserted in code.

A notebook that says "liquidation comes about a fifth earlier at 50x" computes
the number in a code cell; ``expect`` in that cell turns the sentence into a
test, so strict nbval fails the day the prose and the output disagree::

    expect(earlier_at_50x, "between", 0.15, 0.25, what="share lost at 50x")
    expect(lp, ">", bp, what="liquidation price of the long")

Relations (``value`` may be an array: every element must satisfy it):

* ``"<"``, ``"<="``, ``">"``, ``">="``: compare with one bound;
* ``"between"``: ``low <= value <= high`` (two bounds);
* ``"=="``: equal to one bound within ``rtol`` (relative, default 1e-9) and
  ``atol`` (absolute, default 1e-9); use a wider ``rtol`` for "about";
* ``"is"``: identical to ``True``, ``False`` or ``None`` (booleans of a verdict).

A failed expectation raises ``AssertionError`` (it is a broken sentence, not
bad input); an unknown relation or a wrong number of bounds raises
``ValueError``. The value is returned unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from perpmath import _validate as v

__all__ = ["RELATIONS", "expect"]

#: Relations ``expect`` understands, with the number of bounds each takes.
RELATIONS = {"<": 1, "<=": 1, ">": 1, ">=": 1, "==": 1, "between": 2, "is": 1}


def _shown(x: Any) -> str:
    arr = np.asarray(x)
    if arr.dtype.kind in "fiu" and arr.ndim == 0:
        return f"{float(arr):,.6g}"
    if arr.dtype.kind in "fiu":
        return np.array2string(arr, precision=6, separator=", ", threshold=8)
    return repr(x)


def _truth_as_number(value: Any) -> Any:
    """True/False (or arrays of them) as 1.0/0.0: a check may compare verdicts with True."""
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        return value
    return arr.astype(float) if arr.dtype.kind == "b" else value


@v.no_overflow
def expect(
    value: Any,
    relation: str,
    *bounds: Any,
    rtol: float = 1e-9,
    atol: float = 1e-9,
    what: str = "value",
) -> Any:
    """Return ``value`` if it satisfies ``relation`` with ``bounds``; else raise AssertionError.

    ``what`` names the quantity in the message, e.g. "distance to liquidation
    at 50x". See the module docstring for the relations.
    """
    if not isinstance(relation, str) or relation not in RELATIONS:
        error = ValueError if isinstance(relation, str) else v.ArgumentTypeError
        raise error(f"relation must be one of {sorted(RELATIONS)}, got {relation!r}")
    if len(bounds) != RELATIONS[relation]:
        raise ValueError(
            f"relation {relation!r} takes {RELATIONS[relation]} bound(s), got {len(bounds)}"
        )
    if not isinstance(what, str):
        raise TypeError(f"what must be a string naming the quantity, got {what!r}")
    if relation == "is":
        if not any(bounds[0] is b for b in (True, False, None)):
            raise ValueError(f"relation 'is' compares with True, False or None, got {bounds[0]!r}")
        given = value.item() if isinstance(value, np.generic) else value
        if given is not bounds[0]:
            raise AssertionError(f"expected {what} to be {bounds[0]!r}, got {value!r}")
        return value
    rel = v.scalar("rtol", v.non_negative("rtol", rtol))
    ab = v.scalar("atol", v.non_negative("atol", atol))
    x = v.as_float_array(what, _truth_as_number(value))
    lims = [v.as_float_array(f"bound of {what}", _truth_as_number(b)) for b in bounds]
    if relation == "<":
        ok, text = x < lims[0], f"< {_shown(bounds[0])}"
    elif relation == "<=":
        ok, text = x <= lims[0], f"<= {_shown(bounds[0])}"
    elif relation == ">":
        ok, text = x > lims[0], f"> {_shown(bounds[0])}"
    elif relation == ">=":
        ok, text = x >= lims[0], f">= {_shown(bounds[0])}"
    elif relation == "between":
        if np.any(lims[0] > lims[1]):
            raise ValueError(f"between needs low <= high, got {bounds[0]!r} and {bounds[1]!r}")
        ok = (x >= lims[0]) & (x <= lims[1])
        text = f"between {_shown(bounds[0])} and {_shown(bounds[1])}"
    else:
        ok = np.abs(x - lims[0]) <= ab + rel * np.abs(lims[0])
        text = f"equal to {_shown(bounds[0])} (relative tolerance {rel:g})"
    if not np.all(ok):
        raise AssertionError(f"expected {what} {text}, got {_shown(value)}")
    return value
