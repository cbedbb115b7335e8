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


def _times(name: str, value: Any) -> NDArray[np.datetime64]:
    """Timestamps as UTC datetime64[ns] (naive), from strings, datetimes or pandas objects."""
    what = f"{name} must be timestamps such as '2024-03-01T08:00Z', got {value!r}"
    if value is None or isinstance(value, bool | int | float | np.number):
        raise v.ArgumentTypeError(what)  # a bare number is no time (seconds? days?)
    try:
        ts = pd.to_datetime(value, utc=True)
    except TypeError as err:
        raise v.ArgumentTypeError(what) from err
    except ValueError as err:
        raise ValueError(what) from err
    if ts is None or ts is pd.NaT:
        raise ValueError(f"{name} must be a timestamp, got {value!r}")
    if isinstance(ts, pd.Timestamp):
        if ts is pd.NaT:
            raise ValueError(f"{name} must be a timestamp, got {value!r}")
        return np.asarray(ts.tz_localize(None).to_datetime64(), dtype="datetime64[ns]")
    idx = pd.DatetimeIndex(ts)
    if idx.isna().any():
        raise ValueError(f"{name} must not contain missing timestamps, got {value!r}")
    return idx.tz_localize(None).to_numpy(dtype="datetime64[ns]")


def _interval(interval_hours: ArrayLike) -> np.timedelta64:
    h = v.scalar("interval_hours", v.positive("interval_hours", interval_hours))
    return np.timedelta64(round(h * 3_600_000_000_000), "ns")


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
