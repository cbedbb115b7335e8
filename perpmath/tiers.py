"""Margin tiers (leverage brackets, risk limits): maintenance margin by position size.

Exchanges charge a higher maintenance margin rate (MMR) and allow a lower
maximum leverage as a position's notional grows. Binance publishes each tier
with a *maintenance amount* so that the requirement is continuous:

    maintenance margin = notional x MMR(tier) - maintenance amount(tier)
    amount(tier k) = amount(tier k-1) + floor(k) x (MMR(k) - MMR(k-1))

A position whose notional lies in (floor, cap] belongs to that tier.

Sources: Binance, "Leverage and Margin of USDⓈ-M Futures"
(https://www.binance.com/en/support/faq/360033162192); Bybit, "Risk Limit";
OKX, "Position tiers".
"""

from __future__ import annotations

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
]


@dataclass(frozen=True, eq=False)
class TierTable:
    """A maintenance-margin tier table.

    Arrays are indexed by tier (0 = smallest positions). Notional is in
    ``unit`` (the quote currency for linear contracts, coin for inverse).
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

    def __post_init__(self) -> None:
        arrays = {}
        for attr in ("floor", "cap", "max_leverage", "maintenance_rate", "maintenance_amount"):
            if attr == "cap":  # the last cap may be infinite (no upper limit)
                arr = v.as_float_array(attr, getattr(self, attr), inf=True)
            else:
                arr = v.as_float_array(attr, getattr(self, attr))
            if arr.ndim != 1 or arr.size == 0:
                raise ValueError(
                    f"{attr} must be a non-empty one-dimensional array, got shape {arr.shape}"
                )
            arrays[attr] = arr
            arr = arr.copy()  # the table owns its arrays and keeps them read-only
            arr.flags.writeable = False
            object.__setattr__(self, attr, arr)
        v.text("name", self.name)
        v.text("unit", self.unit)
        n = arrays["floor"].size
        if any(a.size != n for a in arrays.values()):
            sizes = {k: a.size for k, a in arrays.items()}
            raise ValueError(f"all tier columns must have the same length, got {sizes}")
        floor, cap = arrays["floor"], arrays["cap"]
        rate, amount = arrays["maintenance_rate"], arrays["maintenance_amount"]
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
        if np.any(rate <= 0) or np.any(rate >= 1) or np.any(np.diff(rate) < 0):
            raise ValueError(
                "maintenance_rate must lie in (0, 1) and must not fall from tier to tier, "
                f"got {rate.tolist()}"
            )
        lev = arrays["max_leverage"]
        if np.any(lev <= 0) or np.any(np.diff(lev) > 0):
            raise ValueError(
                "max_leverage must be greater than 0 and must not rise from tier to tier, "
                f"got {lev.tolist()}"
            )
        if np.any(rate * lev > 1 + 1e-12):
            k = int(np.argmax(rate * lev > 1 + 1e-12))
            raise ValueError(
                "maintenance_rate must not exceed the initial margin rate 1 / max_leverage, "
                f"got {float(rate[k])!r} > 1/{lev[k]:g} in tier {k + 1}"
            )
        expected = np.concatenate([[0.0], np.cumsum(floor[1:] * np.diff(rate))])
        if not np.allclose(amount, expected, rtol=1e-9, atol=1e-6):
            bad = int(np.argmax(~np.isclose(amount, expected, rtol=1e-9, atol=1e-6)))
            raise ValueError(
                f"maintenance_amount of tier {bad + 1} is {float(amount[bad])!r} but continuity "
                f"requires {float(expected[bad])!r}"
            )

    # construction -------------------------------------------------------
    @classmethod
    def from_rates(
        cls,
        caps: ArrayLike,
        max_leverage: ArrayLike,
        maintenance_rate: ArrayLike,
        name: str = "custom",
        unit: str = "USDT",
    ) -> TierTable:
        """Build a table from tier caps, computing floors and maintenance amounts."""
        cap = np.atleast_1d(v.positive("caps", caps, inf=True))
        if cap.ndim != 1 or np.any(np.diff(cap) <= 0) or np.isinf(cap[:-1]).any():
            raise ValueError(
                "caps must be a one-dimensional array of increasing tier caps (only the last may "
                f"be inf), got {caps!r}"
            )
        floor = np.concatenate([[0.0], cap[:-1]])
        rate = np.atleast_1d(v.as_float_array("maintenance_rate", maintenance_rate))
        lev = np.atleast_1d(v.as_float_array("max_leverage", max_leverage))
        v.text("name", name)
        v.text("unit", unit)
        if rate.shape != cap.shape or lev.shape != cap.shape:
            raise ValueError(
                "caps, max_leverage and maintenance_rate must have the same length, got "
                f"{cap.size}, {lev.size} and {rate.size}"
            )
        amount = np.concatenate([[0.0], np.cumsum(floor[1:] * np.diff(rate))])
        return cls(floor, cap, lev, rate, amount, name, unit)

    @classmethod
    def flat(
        cls, maintenance_rate: float, max_leverage: float, name: str = "flat", unit: str = "USDT"
    ) -> TierTable:
        """One tier for every size: a constant maintenance rate (no maintenance amount)."""
        return cls.from_rates([np.inf], [max_leverage], [maintenance_rate], name, unit)

    # look-ups -----------------------------------------------------------
    def __len__(self) -> int:
        return int(self.floor.size)

    def tier_index(self, notional: ArrayLike) -> NDArray[np.intp] | int:
        """0-based tier of each notional: floor < notional <= cap (0 falls in tier 0)."""
        n = v.non_negative("notional", notional)
        if np.any(n > self.cap[-1]):
            bad = n[n > self.cap[-1]] if n.ndim else n
            raise ValueError(
                f"notional {float(np.ravel(bad)[0])!r} exceeds the largest tier of {self.name} "
                f"(cap {self.cap[-1]:,.0f} {self.unit})"
            )
        idx = np.searchsorted(self.cap, n, side="left")
        return int(idx) if idx.ndim == 0 else idx

    def maintenance_rate_at(self, notional: ArrayLike) -> v.Float:
        """Maintenance margin rate of the tier each notional falls in."""
        return v.result(self.maintenance_rate[self.tier_index(notional)])

    def maintenance_amount_at(self, notional: ArrayLike) -> v.Float:
        """Maintenance amount of the tier each notional falls in."""
        return v.result(self.maintenance_amount[self.tier_index(notional)])

    def max_leverage_at(self, notional: ArrayLike) -> v.Float:
        """Highest leverage allowed for a position of this notional."""
        return v.result(self.max_leverage[self.tier_index(notional)])

    def maintenance_margin(self, notional: ArrayLike) -> v.Float:
        """notional x MMR(tier) - maintenance amount(tier), in ``unit``."""
        n = v.non_negative("notional", notional)
        idx = self.tier_index(n)
        return v.result(n * self.maintenance_rate[idx] - self.maintenance_amount[idx])

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

    def to_frame(self) -> pd.DataFrame:
        """The table as a pandas DataFrame, one row per tier (1-based)."""
        import pandas as pd

        return pd.DataFrame(
            {
                "floor": self.floor,
                "cap": self.cap,
                "max_leverage": self.max_leverage,
                "maintenance_rate": self.maintenance_rate,
                "maintenance_amount": self.maintenance_amount,
            },
            index=pd.RangeIndex(1, len(self) + 1, name="tier"),
        )


def available_tier_tables() -> list[str]:
    """Names of the tier tables shipped with perpmath."""
    return list(_shipped())


@cache
def _shipped() -> tuple[str, ...]:
    folder = resources.files("perpmath") / "data"
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json")))


def load_tier_table(name: str = "binance_usdm_btcusdt") -> TierTable:
    """Load a tier table shipped as package data (see ``available_tier_tables()``).

    The returned table's ``meta`` holds the exchange, symbol, effective date
    and source of the published table. Tables are read once and shared (their
    arrays are read-only).
    """
    names = available_tier_tables()
    key = v.choice("name", name, tuple(names))
    return _load(key)


@cache
def _load(key: str) -> TierTable:
    raw = json.loads((resources.files("perpmath") / "data" / f"{key}.json").read_text("utf-8"))
    rows = raw["tiers"]
    meta = {k: val for k, val in raw.items() if k != "tiers"}
    return TierTable(
        floor=np.array([r["floor"] for r in rows], float),
        cap=np.array([r["cap"] for r in rows], float),
        max_leverage=np.array([r["max_leverage"] for r in rows], float),
        maintenance_rate=np.array([r["maintenance_rate"] for r in rows], float),
        maintenance_amount=np.array([r["maintenance_amount"] for r in rows], float),
        name=key,
        unit=raw.get("unit", "USDT"),
        meta=meta,
    )
