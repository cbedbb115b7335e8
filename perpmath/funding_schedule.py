"""Funding over a holding period: which settlements a position pays, and the total.

A position held from ``entry_time`` to ``exit_time`` pays (or receives) the
settlements its venue's cut-off rule assigns to it:

* ``"at_timestamp"`` (Binance, Bybit, BitMEX, OKX, Hyperliquid, dYdX v4):
  a settlement at time t is paid by the positions open at t. Binance,
  "Introduction to Binance Futures Funding Rates": "you will only pay or
  receive funding if you hold a position at the funding time"; BitMEX,
  "Perpetual Contracts Guide": "you will only pay or receive funding if you
  hold a position at one of the funding timestamps". Here a position opened
  exactly at t counts and one closed exactly at t does not
  (entry <= t < exit); what a venue does within the same second is not
  documented.
* ``"pro_rata"`` (Kraken): funding accrues while the position is held and
  settles at the end of each hour, so the position pays the share of each
  period it was held (overlap of [entry, exit] with the period ending at t,
  divided by the period).

Settlement times come either from the venue's grid (:func:`funding_times`:
every 8 hours from 00:00 UTC at Binance and Bybit, from 04:00 at BitMEX;
every 4 or 1 hours for symbols Binance moved to shorter intervals; hourly at
Hyperliquid, dYdX v4 and Kraken) or from a venue's funding history (its
timestamped rates, whose interval may change over time).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from perpmath import _validate as v
from perpmath.funding import CUTOFF_RULES, FUNDING_CONVENTIONS, funding_payment

__all__ = [
    "funding_over_period",
    "funding_times",
    "settlement_weights",
]

_HOUR = np.timedelta64(3_600_000_000_000, "ns")


_ISO = "ISO 8601 timestamps such as '2024-03-01T08:00Z' or '2021-05-19T16:00:00.018Z'"
_TIME_TYPES = (str, dt.date, np.datetime64, list, tuple, np.ndarray, pd.Index, pd.Series)


def _times(name: str, value: Any) -> NDArray[np.datetime64]:
    """Timestamps as UTC datetime64[ns] (naive), from ISO 8601 strings, datetimes or
    pandas/NumPy time objects.

    Each string is read on its own as ISO 8601, so a list may mix precisions
    (a venue's history stamps some settlements to the millisecond:
    '2021-05-19T16:00:00.018Z' beside '2021-05-20T08:00:00Z'); a string
    without an offset is UTC. A bad element raises ValueError naming ``name``
    and showing the element and its index.
    """
    what = f"{name} must be {_ISO} (any precision)"
    if not isinstance(value, _TIME_TYPES):  # a bare number is no time: seconds? days?
        raise v.ArgumentTypeError(f"{what}, got {value!r}")
    try:
        arr = np.asarray(value) if isinstance(value, list | tuple | np.ndarray) else None
        if arr is not None and isinstance(value, list | tuple) and arr.dtype.kind == "U":
            arr = np.asarray(value, dtype=object)  # NumPy would turn a number into text
    except (TypeError, ValueError):  # ragged nesting
        raise v.ArgumentTypeError(f"{what}, got {value!r}") from None
    if arr is not None and arr.size == 0:
        return np.array([], dtype="datetime64[ns]")
    if arr is not None and arr.dtype.kind in "biufc":
        raise v.ArgumentTypeError(f"{what}, got numbers {value!r}")
    if arr is not None and arr.dtype.kind == "O" and any(map(_is_number, arr.ravel())):
        raise v.ArgumentTypeError(f"{what}, got {_first_bad_time(value)}")
    try:
        ts = pd.to_datetime(value, utc=True, format="ISO8601")
    except TypeError as err:
        raise v.ArgumentTypeError(f"{what}, got {_first_bad_time(value)}") from err
    except ValueError as err:  # including a date beyond the years 1677-2262 of datetime64[ns]
        raise ValueError(f"{what}, got {_first_bad_time(value)}") from err
    if isinstance(ts, pd.Timestamp) or ts is None or ts is pd.NaT:
        if ts is None or ts is pd.NaT:
            raise ValueError(f"{what}, got {value!r}")
        ts = pd.DatetimeIndex([ts])
        scalar = True
    else:
        ts, scalar = pd.DatetimeIndex(ts), False
    if ts.isna().any():
        i = int(np.argmax(ts.isna()))
        raise ValueError(f"{what}, got a missing timestamp at index {i} of {value!r:.200}")
    try:
        out = ts.tz_localize(None).as_unit("ns").to_numpy(dtype="datetime64[ns]")
    except (ValueError, OverflowError) as err:  # pandas keeps dates beyond the ns range
        raise ValueError(f"{what} between the years 1677 and 2262, got {value!r:.200}") from err
    return out.reshape(()) if scalar else out


def _is_number(x: Any) -> bool:
    return isinstance(x, bool | int | float | np.number)


def _first_bad_time(value: Any) -> str:
    """The first element of ``value`` that is not a timestamp, with its index."""
    if isinstance(value, str) or not isinstance(value, list | tuple | np.ndarray | pd.Index):
        return repr(value)
    items = list(np.ravel(np.asarray(value, dtype=object)))
    for i, x in enumerate(items):
        try:
            if _is_number(x) or x is None:
                raise TypeError
            pd.to_datetime(x, utc=True, format="ISO8601")
        except (TypeError, ValueError):
            return f"{x!r} at index {i}"
    return f"{value!r:.200}"


def _interval(interval_hours: ArrayLike) -> np.timedelta64:
    h = v.scalar("interval_hours", v.positive("interval_hours", interval_hours))
    ns = round(h * 3_600_000_000_000)
    if ns < 1:
        raise ValueError(
            f"interval_hours must be at least one nanosecond (the grid's resolution), got {h!r}"
        )
    return np.timedelta64(ns, "ns")


@v.no_overflow
def funding_times(
    start: Any, end: Any, interval_hours: float = 8.0, first_hour_utc: float = 0.0
) -> NDArray[np.datetime64]:
    """Settlement times in [start, end] on a venue's grid (UTC, datetime64[ns]).

    The grid is every ``interval_hours`` from ``first_hour_utc`` of each UTC
    day (Binance 8-hour symbols: 00:00, 08:00, 16:00; 4-hour symbols: 00:00,
    04:00, ... 20:00; BitMEX: 04:00, 12:00, 20:00). ``interval_hours`` must
    divide 24. Sources: Binance, "Introduction to Binance Futures Funding
    Rates"; BitMEX, "Perpetual Contracts Guide".
    """
    t0, t1 = _times("start", start), _times("end", end)
    if t1 < t0:
        raise ValueError(f"end must not be before start, got start {start!r} and end {end!r}")
    h = v.scalar("interval_hours", v.positive("interval_hours", interval_hours))
    if h > 24 or abs(24.0 / h - round(24.0 / h)) > 1e-9:
        raise ValueError(f"interval_hours must divide 24 hours, got {interval_hours!r}")
    first = v.scalar("first_hour_utc", v.in_range("first_hour_utc", first_hour_utc, 0.0, 24.0))
    step = _interval(h)
    day = t0.astype("datetime64[D]").astype("datetime64[ns]")
    origin = day + np.timedelta64(round(first * 3_600_000_000_000), "ns")
    origin = origin - step * int(np.ceil((origin - day) / step))  # earliest grid point of the day
    k0 = int(np.ceil((t0 - origin) / step))
    k1 = int(np.floor((t1 - origin) / step))
    return origin + step * np.arange(k0, k1 + 1)


@v.no_overflow
def settlement_weights(
    entry_time: Any,
    exit_time: Any,
    times: Any,
    rule: str = "at_timestamp",
    interval_hours: float | None = None,
) -> NDArray[np.float64]:
    """Share of each settlement the position pays: 1/0 at a timestamp, or the share held.

    ``"at_timestamp"``: 1.0 where entry <= t < exit, else 0.0.
    ``"pro_rata"``: overlap of [entry, exit] with the period (t - length, t]
    divided by its length; the length is the time since the previous
    settlement, or ``interval_hours`` for the first one (then required).
    See the module docstring for each venue's rule and its source.
    """
    r = v.choice("rule", rule, CUTOFF_RULES)
    t0, t1 = _times("entry_time", entry_time), _times("exit_time", exit_time)
    if t1 < t0:
        raise ValueError(
            f"exit_time must not be before entry_time, got {entry_time!r} and {exit_time!r}"
        )
    t = np.atleast_1d(_times("times", times))
    if np.any(np.diff(t) <= np.timedelta64(0, "ns")):
        raise ValueError("times must be strictly increasing settlement timestamps")
    if r == "at_timestamp":
        v.unused("interval_hours", interval_hours, None, applies="rule='pro_rata'")
        return ((t >= t0) & (t < t1)).astype(float)
    if interval_hours is None:
        if t.size < 2:
            raise ValueError("rule='pro_rata' needs interval_hours for a single settlement")
        first = t[1] - t[0]
    else:
        first = _interval(interval_hours)
    length = np.concatenate([[first], np.diff(t)])
    start = t - length
    overlap = np.minimum(t, t1) - np.maximum(start, t0)
    share = np.clip(overlap / length, 0.0, 1.0)
    return share.astype(float)


@v.no_overflow
def funding_over_period(
    side: str,
    quantity: float,
    entry_time: Any,
    exit_time: Any,
    times: Any,
    rates: ArrayLike,
    mark_prices: ArrayLike,
    *,
    convention: str = "binance",
    rule: str | None = None,
    interval_hours: float | None = None,
    cap: ArrayLike | None = None,
    contract: str = "linear",
    contract_size: float = 1.0,
) -> pd.DataFrame:
    """Funding a position pays over [entry_time, exit_time] from timestamped rates.

    ``times``, ``rates`` and ``mark_prices`` describe the venue's settlements
    (its funding history: one rate and mark price per settlement time;
    ``mark_prices`` may be a single price). Each settlement's payment is
    ``funding_payment(side, quantity, mark, rate) x share``, the share from
    :func:`settlement_weights` with the convention's cut-off rule (or
    ``rule``). ``cap`` clips each rate to +/-cap (a per-symbol cap, e.g.
    Binance's +/-2.5 % for a 4-hour symbol). One row per settlement the
    position pays (share > 0): time, rate, mark price, share, payment
    (positive: paid), cumulative. ``frame.attrs["total"]`` is the total paid
    (0.0 if none), with ``settlements`` (the count) and ``rule``.
    """
    name = v.choice("convention", convention, tuple(FUNDING_CONVENTIONS))
    conv = FUNDING_CONVENTIONS[name]
    r = conv.cutoff if rule is None else v.choice("rule", rule, CUTOFF_RULES)
    t = np.atleast_1d(_times("times", times))
    rate = np.atleast_1d(v.as_float_array("rates", rates))
    if rate.shape != t.shape:
        raise ValueError(
            f"rates must hold one rate per settlement time ({t.size}), got {rate.size}"
        )
    v.broadcastable(times=t, rates=rate, mark_prices=v.positive("mark_prices", mark_prices))
    marks = np.broadcast_to(v.positive("mark_prices", mark_prices), t.shape)
    if cap is not None:
        c = v.non_negative("cap", cap)
        rate = np.clip(rate, -c, c)
    if r == "pro_rata":
        hours = conv.interval_hours if interval_hours is None else interval_hours
    else:
        v.unused("interval_hours", interval_hours, None, applies="rule='pro_rata'")
        hours = None
    share = settlement_weights(entry_time, exit_time, t, r, hours)
    full = np.asarray(
        funding_payment(side, quantity, marks, rate, contract, contract_size), dtype=float
    )
    pay = full * share
    keep = share > 0
    frame = pd.DataFrame(
        {
            "time": t[keep],
            "rate": rate[keep],
            "mark_price": marks[keep],
            "share": share[keep],
            "payment": pay[keep],
        }
    )
    frame["cumulative"] = frame["payment"].cumsum()
    frame.attrs.update(
        {
            "total": float(pay[keep].sum()),
            "settlements": int(keep.sum()),
            "rule": r,
            "convention": name,
        }
    )
    return frame
