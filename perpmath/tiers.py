"""Margin tiers (leverage brackets, risk limits): margin by position size, dated.

Exchanges charge a higher maintenance margin rate (MMR) and allow a lower
maximum leverage as a position's notional grows. Binance publishes each tier
with a *maintenance amount* so that the requirement is continuous:

    maintenance margin = notional x MMR(tier) - maintenance amount(tier)
    amount(tier k) = amount(tier k-1) + floor(k) x (MMR(k) - MMR(k-1))

A position whose notional lies in (floor, cap] belongs to that tier. The same
amounts reproduce a schedule charged slice by slice (Kraken: "2% for the
first 500,000 contracts and 4% for the next ..."), so one table type holds
both; Bybit calls the amount a "deduction", Hyperliquid a
"maintenance_deduction".

Tables change over time, so every shipped table carries the date it is in
force from (``TierTable.date``) and its source; ``load_tier_table(name,
date=...)`` picks the one in force at a date (default: the newest) and
``tier_tables()`` lists them all. A table also says in which unit its
notional is counted (``unit``: USDT, USDC, BTC, or USD of inverse
contracts) and in which currency margin is settled (``settlement``), so a
position of the wrong family is refused instead of priced on the wrong
notional.

Sources: Binance, "Leverage and Margin of USDⓈ-M Futures"
(https://www.binance.com/en/support/faq/360033162192); Bybit, "Risk Limit";
OKX, "Position tiers"; Hyperliquid docs, "Margin tiers"
(https://hyperliquid.gitbook.io/hyperliquid-docs/trading/margin-tiers);
Kraken, "Inverse Futures Margin Schedule & Maximum Leverage"
(https://support.kraken.com/hc/en-us/articles/15579128794772).
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from perpmath import _validate as v

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "TierTable",
    "available_tier_tables",
    "load_tier_table",
    "tier_tables",
]

#: Units counted as quote currency (notional of linear contracts).
QUOTE_UNITS = ("USDT", "USDC", "USD", "BUSD", "FDUSD")


def _read_only(arr: NDArray[np.float64]) -> NDArray[np.float64]:
    arr = arr.copy()  # the table owns its arrays and keeps them read-only
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True, eq=False)
class TierTable:
    """A margin tier table (one row per tier, 0 = smallest positions).

    ``floor``/``cap`` bound each tier's notional (in ``unit``: the quote
    currency for linear contracts, coin for Binance COIN-M, USD of contracts
    for Kraken's inverse schedule); ``max_leverage`` is the highest leverage
    of the tier (``inf`` when the source gives none: only maintenance is
    known); ``maintenance_rate`` and ``maintenance_amount`` give the
    maintenance margin. Optional: ``initial_rate`` (initial margin rate per
    tier when it is not 1 / max_leverage), ``max_position`` (the largest
    position allowed, below the last cap), ``date`` (ISO date the table is in
    force from), ``settlement`` (margin currency), ``contract``
    (``"linear"``/``"inverse"``) and ``source``.

    Construction checks that tiers are contiguous, that rates rise and
    maximum leverage falls, and that the maintenance amounts keep the
    requirement continuous at every tier edge.
    """

    floor: NDArray[np.float64]
    cap: NDArray[np.float64]
    max_leverage: NDArray[np.float64]
    maintenance_rate: NDArray[np.float64]
    maintenance_amount: NDArray[np.float64]
    name: str = "custom"
    unit: str = "USDT"
    meta: dict[str, Any] = field(default_factory=dict)
    initial_rate: NDArray[np.float64] | None = None
    max_position: float | None = None
    date: str | None = None
    settlement: str | None = None
    contract: str | None = None
    source: str = ""

    def __post_init__(self) -> None:
        v.text("name", self.name)
        v.text("unit", self.unit)
        arrays = self._arrays()
        floor, cap = arrays["floor"], arrays["cap"]
        rate, amount = arrays["maintenance_rate"], arrays["maintenance_amount"]
        self._check_edges(floor, cap)
        if np.any(rate <= 0) or np.any(rate >= 1) or np.any(np.diff(rate) < 0):
            raise ValueError(
                "maintenance_rate must lie in (0, 1) and must not fall from tier to tier, "
                f"got {rate.tolist()}"
            )
        lev = arrays["max_leverage"]
        self._check_leverage_column(lev, rate)
        self._check_initial(rate, lev)
        expected = np.concatenate([[0.0], np.cumsum(floor[1:] * np.diff(rate))])
        if not np.allclose(amount, expected, rtol=1e-9, atol=1e-6):
            bad = int(np.argmax(~np.isclose(amount, expected, rtol=1e-9, atol=1e-6)))
            raise ValueError(
                f"maintenance_amount of tier {bad + 1} is {float(amount[bad])!r} but continuity "
                f"requires {float(expected[bad])!r}"
            )
        self._check_labels(cap)

    def _arrays(self) -> dict[str, NDArray[np.float64]]:
        arrays = {}
        for attr in ("floor", "cap", "max_leverage", "maintenance_rate", "maintenance_amount"):
            if attr in ("cap", "max_leverage"):  # may be infinite (no limit / not given)
                arr = v.as_float_array(attr, getattr(self, attr), inf=True)
            else:
                arr = v.as_float_array(attr, getattr(self, attr))
            if arr.ndim != 1 or arr.size == 0:
                raise ValueError(
                    f"{attr} must be a non-empty one-dimensional array, got shape {arr.shape}"
                )
            arrays[attr] = arr
            object.__setattr__(self, attr, _read_only(arr))
        n = arrays["floor"].size
        if any(a.size != n for a in arrays.values()):
            sizes = {k: a.size for k, a in arrays.items()}
            raise ValueError(f"all tier columns must have the same length, got {sizes}")
        return arrays

    @staticmethod
    def _check_edges(floor: NDArray[np.float64], cap: NDArray[np.float64]) -> None:
        if floor[0] != 0:
            raise ValueError(f"the first tier must start at notional 0, got {float(floor[0])!r}")
        if not np.all(cap > floor):
            k = int(np.argmin(cap > floor))
            raise ValueError(
                f"cap must be greater than floor in every tier, got cap {float(cap[k])!r} <= "
                f"floor {float(floor[k])!r} in tier {k + 1}"
            )
        if not np.array_equal(floor[1:], cap[:-1]):
            k = int(np.argmax(floor[1:] != cap[:-1])) + 1
            raise ValueError(
                "tiers must be contiguous (each floor equal to the previous cap), got floor "
                f"{float(floor[k])!r} in tier {k + 1} after cap {float(cap[k - 1])!r}"
            )

    @staticmethod
    def _check_leverage_column(lev: NDArray[np.float64], rate: NDArray[np.float64]) -> None:
        finite = np.isfinite(lev)
        with np.errstate(invalid="ignore"):
            steps = np.diff(lev)
        if (
            np.any(lev <= 0)
            or np.any(np.isneginf(lev))
            or np.any(steps[np.isfinite(steps)] > 0)
            or np.any(finite[:-1] & ~finite[1:])
        ):
            raise ValueError(
                "max_leverage must be greater than 0 and must not rise from tier to tier, "
                f"got {lev.tolist()}"
            )
        over = finite & (rate * np.where(finite, lev, 0.0) > 1 + 1e-12)
        if np.any(over):
            k = int(np.argmax(over))
            raise ValueError(
                "maintenance_rate must not exceed the initial margin rate 1 / max_leverage, "
                f"got {float(rate[k])!r} > 1/{lev[k]:g} in tier {k + 1}"
            )

    def _check_initial(self, rate: NDArray[np.float64], lev: NDArray[np.float64]) -> None:
        if self.initial_rate is None:
            return
        im = v.as_float_array("initial_rate", self.initial_rate)
        if im.shape != rate.shape:
            raise ValueError(
                f"initial_rate must have one rate per tier ({rate.size}), got shape {im.shape}"
            )
        if np.any(im < rate - 1e-12) or np.any(im > 1) or np.any(np.diff(im) < 0):
            raise ValueError(
                "initial_rate must lie between the maintenance rate and 1 and must not fall "
                f"from tier to tier, got {im.tolist()}"
            )
        object.__setattr__(self, "initial_rate", _read_only(im))

    def _check_labels(self, cap: NDArray[np.float64]) -> None:
        if self.max_position is not None:
            mp = float(v.positive("max_position", self.max_position))
            if mp > cap[-1] or (len(cap) > 1 and mp <= self.floor[-1]):
                raise ValueError(
                    f"max_position must lie in the last tier ({self.floor[-1]:,.0f}, "
                    f"{cap[-1]:,.0f}], got {mp!r}"
                )
            object.__setattr__(self, "max_position", mp)
        if self.contract is not None:
            object.__setattr__(self, "contract", v.contract_type(self.contract))
        if self.date is not None:
            object.__setattr__(self, "date", _iso_date(self.date, "date"))
        if self.settlement is not None:
            v.text("settlement", self.settlement)
        v.text("source", self.source, empty=True)
        if not isinstance(self.unit, str) or not self.unit:
            raise ValueError(f"unit must be a currency name such as 'USDT', got {self.unit!r}")

    # construction -------------------------------------------------------
    @classmethod
    @v.no_overflow(inf=True)
    def from_rates(
        cls,
        caps: ArrayLike,
        max_leverage: ArrayLike | None = None,
        maintenance_rate: ArrayLike | None = None,
        name: str = "custom",
        unit: str = "USDT",
        **labels: Any,
    ) -> TierTable:
        """Build a table from tier caps and rates, computing floors and maintenance amounts.

        ``max_leverage`` may be None when only maintenance is wanted (then it
        is ``inf``: no leverage check). ``labels`` are the optional fields
        (``initial_rate``, ``max_position``, ``date``, ``settlement``,
        ``contract``, ``source``, ``meta``).
        """
        if maintenance_rate is None:
            raise ValueError("maintenance_rate is required: one rate per tier")
        cap = np.atleast_1d(v.positive("caps", caps, inf=True))
        if cap.ndim != 1 or np.any(np.diff(cap) <= 0) or np.isinf(cap[:-1]).any():
            raise ValueError(
                "caps must be a one-dimensional array of increasing tier caps (only the last may "
                f"be inf), got {caps!r}"
            )
        floor = np.concatenate([[0.0], cap[:-1]])
        rate = np.atleast_1d(v.as_float_array("maintenance_rate", maintenance_rate))
        v.text("name", name)
        v.text("unit", unit)
        if max_leverage is None:
            lev = np.full(cap.shape, np.inf)
        else:
            lev = np.atleast_1d(v.as_float_array("max_leverage", max_leverage))
        if rate.shape != cap.shape or lev.shape != cap.shape:
            raise ValueError(
                "caps, max_leverage and maintenance_rate must have the same length, got "
                f"{cap.size}, {lev.size} and {rate.size}"
            )
        amount = np.concatenate([[0.0], np.cumsum(floor[1:] * np.diff(rate))])
        return cls(floor, cap, lev, rate, amount, name, unit, **labels)

    @classmethod
    @v.no_overflow(inf=True)
    def flat(
        cls,
        maintenance_rate: float,
        max_leverage: float | None = None,
        name: str = "flat",
        unit: str = "USDT",
    ) -> TierTable:
        """One tier for every size: a constant maintenance rate (no maintenance amount).

        Its cap is ``inf``: one tier for every notional.
        """
        lev = None if max_leverage is None else [max_leverage]
        return cls.from_rates([np.inf], lev, [maintenance_rate], name, unit)

    @classmethod
    @v.no_overflow(inf=True)
    def bracket(
        cls, maintenance_rate: float, maintenance_amount: float, unit: str = "USDT"
    ) -> TierTable:
        """A single known bracket (rate and maintenance amount), as an exchange screen shows it.

        The bracket is taken to hold every notional (there is no tier search);
        use it when the page or API gives the rate and amount of the tier the
        position is in, e.g. Binance's "maintenance margin rate 2.5%,
        maintenance amount 16,300". The amount is not checked for continuity.
        Its cap is ``inf``: one bracket for every notional.
        """
        rate = v.scalar("maintenance_rate", v.in_range("maintenance_rate", maintenance_rate, 0, 1))
        if rate <= 0:
            raise ValueError(f"maintenance_rate must be greater than 0, got {maintenance_rate!r}")
        amount = v.scalar(
            "maintenance_amount", v.non_negative("maintenance_amount", maintenance_amount)
        )
        table = cls.flat(rate, None, name=f"bracket {rate:.4%} - {amount:,.2f}", unit=unit)
        object.__setattr__(table, "maintenance_amount", _read_only(np.array([amount])))
        return table

    # look-ups -----------------------------------------------------------
    def __len__(self) -> int:
        return int(self.floor.size)

    @property
    def position_cap(self) -> float:
        """Largest notional allowed: ``max_position`` if given, else the last cap."""
        return float(self.cap[-1] if self.max_position is None else self.max_position)

    @property
    def initial_rates(self) -> NDArray[np.float64]:
        """Initial margin rate per tier: ``initial_rate`` or 1 / max_leverage."""
        if self.initial_rate is not None:
            return self.initial_rate
        return 1.0 / self.max_leverage

    @v.no_overflow
    def counts_contracts(self, contract: str) -> bool:
        """Check the table suits a ``contract`` family; True if it counts USD of contracts.

        A linear position needs a table in a quote currency (USDT, USDC,
        USD); an inverse one a table in coin (Binance COIN-M) or in USD of
        contracts (Kraken: margin valued at entry), for which this returns
        True. A table labelled with the other family, or an inverse position
        with a stablecoin table, raises ValueError: its brackets would be
        compared with the wrong notional.
        """
        kind = v.contract_type(contract)
        if self.contract is not None and self.contract != kind:
            raise ValueError(
                f"tier table {self.name} ({self.date or 'undated'}) is for {self.contract} "
                f"contracts; this position is {kind}"
            )
        if kind == "linear":
            if self.unit not in QUOTE_UNITS:
                raise ValueError(
                    f"tier table {self.name} counts notional in {self.unit}; a linear position's "
                    f"notional is in the quote currency ({', '.join(QUOTE_UNITS)})"
                )
            return False
        if self.unit in QUOTE_UNITS and self.unit != "USD":
            raise ValueError(
                f"tier table {self.name} counts notional in {self.unit}; an inverse position is "
                "margined in coin: pass a table in coin (e.g. Binance COIN-M brackets in BTC) or "
                "in USD of contracts"
            )
        return self.unit == "USD"

    @v.no_overflow(inf=True)
    def describe(self) -> str:
        """One line naming the table, its date and unit (for screens and reports).

        A cap or a maximum leverage the source does not give is ``inf``.
        """
        date = self.date or "undated"
        return f"{self.name} ({date}, notional in {self.unit})"

    @v.no_overflow
    def tier_index(self, notional: ArrayLike) -> NDArray[np.intp] | int:
        """0-based tier of each notional: floor < notional <= cap (0 falls in tier 0)."""
        n = v.non_negative("notional", notional)
        cap = self.position_cap
        if np.any(n > cap * (1 + 1e-12)):
            bad = n[n > cap * (1 + 1e-12)] if n.ndim else n
            what = "the position cap" if self.max_position is not None else "the largest tier"
            raise ValueError(
                f"notional {float(np.ravel(bad)[0]):,.2f} {self.unit} exceeds {what} of "
                f"{self.name} (cap {cap:,.0f} {self.unit}); reduce the position size"
            )
        idx = np.minimum(np.searchsorted(self.cap, n, side="left"), len(self) - 1)
        return int(idx) if idx.ndim == 0 else idx

    @v.no_overflow
    def maintenance_rate_at(self, notional: ArrayLike) -> v.Float:
        """Maintenance margin rate of the tier each notional falls in."""
        return v.result(self.maintenance_rate[self.tier_index(notional)])

    @v.no_overflow
    def maintenance_amount_at(self, notional: ArrayLike) -> v.Float:
        """Maintenance amount of the tier each notional falls in."""
        return v.result(self.maintenance_amount[self.tier_index(notional)])

    @v.no_overflow(inf=True)
    def max_leverage_at(self, notional: ArrayLike) -> v.Float:
        """Highest leverage allowed for a position of this notional (inf if not given)."""
        return v.result(self.max_leverage[self.tier_index(notional)])

    @v.no_overflow
    def maintenance_margin(self, notional: ArrayLike) -> v.Float:
        """notional x MMR(tier) - maintenance amount(tier), in ``unit``."""
        n = v.non_negative("notional", notional)
        idx = self.tier_index(n)
        return v.result(n * self.maintenance_rate[idx] - self.maintenance_amount[idx])

    @v.no_overflow
    def initial_margin(self, notional: ArrayLike) -> v.Float:
        """Initial margin at the tier's rate, charged slice by slice (continuous), in ``unit``.

        With ``initial_rate`` given (Kraken: "2% for the first 500,000
        contracts and 4% for the next ..."): sum over the slices of the
        notional of slice x initial rate of its tier. Without it: notional /
        max leverage of the tier (what opening at the maximum leverage locks).
        """
        n = v.non_negative("notional", notional)
        idx = self.tier_index(n)
        rates = self.initial_rates
        amounts = np.concatenate([[0.0], np.cumsum(self.floor[1:] * np.diff(rates))])
        if self.initial_rate is None:
            return v.result(n * rates[idx])
        return v.result(n * rates[idx] - amounts[idx])

    def check_leverage(self, notional: ArrayLike, leverage: ArrayLike) -> None:
        """Raise ValueError if ``leverage`` exceeds the tier's maximum for ``notional``."""
        lev = v.leverage(leverage)
        n = v.non_negative("notional", notional)
        v.broadcastable(notional=n, leverage=lev)
        allowed = self.max_leverage[self.tier_index(n)]
        lev_b, n_b, allowed_b = np.broadcast_arrays(lev, n, allowed)
        bad = lev_b > allowed_b
        if bad.any():
            i = tuple(np.argwhere(bad)[0]) if bad.ndim else ()
            raise ValueError(
                f"leverage {lev_b[i]:g}x exceeds the maximum {allowed_b[i]:g}x allowed by "
                f"{self.name} for a notional of {n_b[i]:,.2f} {self.unit}; "
                f"lower the leverage or the position size"
            )

    @v.no_overflow(inf=True)
    def max_leverage_for_stake(self, stake: ArrayLike) -> v.Float:
        """Highest leverage a stake (margin, in ``unit``) can use: stake x L within L's tier.

        L = max over tiers k of min(max_leverage_k, cap_k / stake), keeping
        only tiers whose floor lies below stake x L (the position stake x L
        must fall in a tier allowing L). The position cap bounds the last
        tier. Returns ``inf`` for a table without maximum leverages. This is
        the question freqtrade's ``get_max_leverage(pair, stake_amount)``
        answers from an exchange's tiers.
        """
        s = v.positive("stake", stake)
        caps = np.minimum(self.cap, self.position_cap)
        lev = self.max_leverage
        cand = np.minimum(lev[None, :], caps[None, :] / np.ravel(s)[:, None])
        valid = np.ravel(s)[:, None] * cand > self.floor[None, :]
        valid[:, 0] = True
        best = np.where(valid, cand, 0.0).max(axis=1)
        return v.result(best.reshape(np.shape(s)))

    @v.no_overflow(inf=True)
    def to_frame(self) -> pd.DataFrame:
        """The table as a pandas DataFrame, one row per tier (1-based).

        A cap or a maximum leverage the source does not give is ``inf``.
        """
        import pandas as pd

        columns = {
            "floor": self.floor,
            "cap": self.cap,
            "max_leverage": self.max_leverage,
            "maintenance_rate": self.maintenance_rate,
            "maintenance_amount": self.maintenance_amount,
        }
        if self.initial_rate is not None:
            columns["initial_rate"] = self.initial_rate
        frame = pd.DataFrame(columns, index=pd.RangeIndex(1, len(self) + 1, name="tier"))
        frame.attrs.update({"name": self.name, "date": self.date, "unit": self.unit})
        return frame


def _iso_date(value: Any, name: str = "date") -> str:
    """An ISO date string (YYYY-MM-DD) from a string, date, datetime or numpy/pandas time."""
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return str(value.astype("datetime64[D]"))
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        return value.to_pydatetime().date().isoformat()
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip()[:10]).isoformat()
        except ValueError:
            pass
        raise ValueError(f"{name} must be a date such as '2024-06-28', got {value!r}")
    raise v.ArgumentTypeError(f"{name} must be a date such as '2024-06-28', got {value!r}")


# shipped tables -------------------------------------------------------------
@cache
def _catalogue() -> tuple[tuple[str, str, str], ...]:
    """(name, date, file) of every shipped table, sorted by name then date."""
    folder = resources.files("perpmath") / "data"
    rows = []
    for p in folder.iterdir():
        if not p.name.endswith(".json"):
            continue
        raw = json.loads(p.read_text("utf-8"))
        if "tiers" not in raw:
            continue
        rows.append((raw["name"], _iso_date(raw.get("date") or raw["effective"]), p.name))
    return tuple(sorted(rows))


@v.no_overflow
def available_tier_tables() -> list[str]:
    """Names of the tier tables shipped with perpmath (each may exist at several dates)."""
    return sorted({name for name, _, _ in _catalogue()})


@v.no_overflow(inf=True)
def tier_tables() -> pd.DataFrame:
    """Every shipped table with its date, venue, symbol, unit and source (a DataFrame).

    One row per (name, date); ``load_tier_table(name, date=...)`` loads it.
    ``position_cap`` is ``inf`` for a table whose last tier has no cap.
    """
    import pandas as pd

    rows = []
    for name, date, _ in _catalogue():
        t = load_tier_table(name, date=date)
        rows.append(
            {
                "name": name,
                "date": date,
                "exchange": t.meta.get("exchange", ""),
                "symbol": t.meta.get("symbol", ""),
                "contract": t.contract,
                "unit": t.unit,
                "settlement": t.settlement,
                "tiers": len(t),
                "first_tier_mmr": float(t.maintenance_rate[0]),
                "max_leverage": float(t.max_leverage[0]),
                "position_cap": t.position_cap,
                "source": t.source,
            }
        )
    return pd.DataFrame(rows).set_index(["name", "date"])


@v.no_overflow(inf=True)
def load_tier_table(name: str = "binance_usdm_btcusdt", date: Any = None) -> TierTable:
    """Load a tier table shipped as package data, as in force at ``date``.

    ``date=None`` gives the newest table of that name; a date (ISO string,
    ``datetime.date``, pandas Timestamp) gives the newest table dated on or
    before it, and an error if the first table of that name is later.
    ``load_tier_table("binance_usdm_btcusdt", date="2021-03-18")`` is the
    table the course's published examples of that period use. The table's
    ``date``, ``source`` and ``meta`` (exchange, symbol, notes) say where it
    comes from. Tables are read once and shared (their arrays are read-only).
    See ``tier_tables()`` for the list.
    The last tier's cap is ``inf`` where the source gives none.
    """
    key = v.choice("name", name, tuple(available_tier_tables()))
    dates = [(d, f) for n, d, f in _catalogue() if n == key]
    if date is None:
        return _load(dates[-1][1])
    when = _iso_date(date)
    ok = [f for d, f in dates if d <= when]
    if not ok:
        first = dates[0][0]
        raise ValueError(
            f"date {when!r} is before the first shipped table of {key!r} ({first}); "
            f"tables of {key!r} are dated {', '.join(d for d, _ in dates)}"
        )
    return _load(ok[-1])


def _column(rows: list[dict[str, Any]], key: str, default: float) -> NDArray[np.float64]:
    return np.array(
        [default if r.get(key) is None else r[key] for r in rows],
        dtype=float,
    )


@cache
def _load(filename: str) -> TierTable:
    raw = json.loads((resources.files("perpmath") / "data" / filename).read_text("utf-8"))
    rows = raw["tiers"]
    meta = {k: val for k, val in raw.items() if k != "tiers"}
    meta.setdefault("effective", raw.get("date"))  # the key older code reads
    initial = None
    if any("initial_rate" in r for r in rows):
        initial = _column(rows, "initial_rate", np.nan)
    rate = _column(rows, "maintenance_rate", np.nan)
    floor = _column(rows, "floor", np.nan)
    amount = (
        _column(rows, "maintenance_amount", np.nan)
        if all("maintenance_amount" in r for r in rows)
        else np.concatenate([[0.0], np.cumsum(floor[1:] * np.diff(rate))])
    )
    return TierTable(
        floor=floor,
        cap=_column(rows, "cap", np.inf),
        max_leverage=_column(rows, "max_leverage", np.inf),
        maintenance_rate=rate,
        maintenance_amount=amount,
        name=raw["name"],
        unit=raw.get("unit", "USDT"),
        meta=meta,
        initial_rate=initial,
        max_position=raw.get("max_position"),
        date=raw.get("date") or raw.get("effective"),
        settlement=raw.get("settlement", raw.get("unit", "USDT")),
        contract=raw.get("contract"),
        source=raw.get("source", ""),
    )
