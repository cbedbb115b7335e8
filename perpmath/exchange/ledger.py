"""A ledger of every transfer and the conservation-of-money check.

Every movement of money inside the simulated venue is one row: step, source,
target, amount (>= 0), reason. Parties are trader accounts (integers 0, 1,
...) and named pools:

- ``insurance_fund``: the fund (seeded at the start, fed by surpluses);
- ``fees``: liquidation fees collected by the venue;
- ``venue``: the operator's own account; it pays what no layer covers
  (bad debt written off) and receives socialized-loss clawbacks, so its
  balance is <= 0 and equals minus the unrecovered losses;
- ``backstop``: a liquidator vault that takes positions over (Hyperliquid's
  HLP): it receives the margin of the accounts it takes over;
- ``positions``: the mark-to-market pool; a trader who closes a position
  receives (or pays) the realized PnL from it. Its counterpart is the
  unrealized PnL of the positions still open.

Identity checked after every step (all amounts in quote currency):

    balances (traders; negative = debt still owed by a trader)
  + unrealized PnL of all open positions (traders and liquidity providers)
  + insurance fund + fees + venue
  == deposits (traders' deposits + the fund's seed)

Why a float tolerance is sound: each balance is a float64 with relative
rounding error 2**-53 (about 1.1e-16) per operation, and sums use NumPy's
pairwise summation (error about log2(n) x 1.1e-16 x sum of magnitudes). The
tolerance is ``absolute + relative x gross`` (gross = deposits plus the
notional of all open and closed positions), by default 1e-6 + 1e-12 x gross:
for a venue with 1e9 of gross it is 0.001, below a cent, yet far above the
rounding error, so any real leak (a forgotten transfer, a double count)
raises.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from perpmath import _validate as v

__all__ = ["PARTIES", "ConservationError", "Ledger"]

PARTIES: dict[str, int] = {
    "insurance_fund": -1,
    "fees": -2,
    "venue": -3,
    "positions": -4,
    "liquidity_providers": -5,
    "deposits": -6,
    "backstop": -7,
}
"""Named parties and their codes (trader accounts are 0, 1, 2, ...)."""
_NAMES = {code: name for name, code in PARTIES.items()}


class ConservationError(AssertionError):
    """Money was created or destroyed: the ledger identity does not hold."""


_WHOLE = frozenset({int, np.int64, np.int32, np.intp})
_REAL = frozenset({float, np.float64})


def _code(party: str | int, name: str = "party", *, accounts: bool = True) -> int:
    """The code of a party: an account number (a whole number >= 0) or a pool's
    name; with ``accounts=False`` only a pool's name."""
    code = PARTIES.get(party) if type(party) is str else None
    if code is not None:
        return code
    if accounts and type(party) in _WHOLE and party >= 0:  # the common cases, checked fast
        return int(party)
    what = f"one of {list(PARTIES)}"
    if accounts:
        what = f"an account number (a whole number >= 0) or {what}"
        if not isinstance(party, str):
            try:
                return v.integer(name, party, 0)
            except v.ArgumentTypeError:
                raise v.ArgumentTypeError(f"{name} must be {what}, got {party!r}") from None
            except ValueError:
                raise ValueError(f"{name} must be {what}, got {party!r}") from None
    error = ValueError if isinstance(party, str) else v.ArgumentTypeError
    raise error(f"{name} must be {what}, got {party!r}")


def _amount(name: str, value: float, *, signed: bool = False) -> float:
    """One finite amount (>= 0 unless ``signed``); tolerances too (NaN would make
    every check pass)."""
    if type(value) in _REAL:  # the common case, checked fast
        if math.isfinite(value) and (signed or value >= 0):
            return float(value)
    check = v.finite if signed else v.non_negative
    return v.scalar(name, check(name, value))


def _step(step: int) -> int:
    if type(step) in _WHOLE and step >= 0:  # the common case, checked fast
        return int(step)
    return v.integer("step", step, 0)


def party_name(code: int) -> str:
    """'account 7' for accounts, the pool's name otherwise."""
    return _NAMES[code] if code < 0 else f"account {code}"


class Ledger:
    """Record of transfers and per-step totals, with the conservation check.

    ``deposits`` is the money put into the system at the start (traders'
    deposits plus the insurance fund's seed).
    """

    def __init__(
        self,
        deposits: float,
        *,
        absolute_tolerance: float = 1e-6,
        relative_tolerance: float = 1e-12,
    ) -> None:
        self.deposits = _amount("deposits", deposits)
        self.absolute_tolerance = _amount("absolute_tolerance", absolute_tolerance)
        self.relative_tolerance = _amount("relative_tolerance", relative_tolerance)
        self._chunks: list[tuple[np.ndarray, ...]] = []
        self._rows: list[tuple[int, int, int, float, str]] = []
        self._totals: list[tuple[int, dict[str, float], float, float]] = []
        self._flows: dict[int, float] = {}

    # --- recording ------------------------------------------------------
    def record(
        self, step: int, source: str | int, target: str | int, amount: float, reason: str
    ) -> None:
        """Append one transfer of ``amount`` (>= 0; zero amounts are skipped).

        ``source`` and ``target``: an account number or a pool's name (PARTIES)."""
        st = _step(step)
        a = _amount("amount", amount)
        s, t = _code(source, "source"), _code(target, "target")
        v.text("reason", reason, empty=True)
        if a == 0.0:
            return
        self._rows.append((st, s, t, a, reason))
        for code, sign in ((s, -1.0), (t, 1.0)):
            if code < 0:
                self._flows[code] = self._flows.get(code, 0.0) + sign * a

    def record_signed(
        self, step: int, party: str | int, pool: str, amount: float, reason: str
    ) -> None:
        """A transfer of ``amount`` from ``pool`` (a pool's name) to ``party`` (an
        account number or a pool's name); a negative amount flows the other way."""
        a = _amount("amount", amount, signed=True)
        _code(party, "party")  # named here: record() would call it source or target
        _code(pool, "pool", accounts=False)
        if a >= 0:
            self.record(step, pool, party, a, reason)
        else:
            self.record(step, party, pool, -a, reason)

    def record_many(
        self,
        step: int,
        parties: ArrayLike,
        pool: str,
        amounts: ArrayLike,
        reason: str,
    ) -> None:
        """Many transfers between accounts and one ``pool``, vectorized:
        amount > 0 flows from ``pool`` to the party, amount < 0 the other way
        (zero amounts are skipped)."""
        st = _step(step)
        raw = parties if isinstance(parties, np.ndarray) else None
        if raw is not None and raw.dtype.kind in "iu" and (raw.size == 0 or raw.min() >= 0):
            par = raw.astype(np.int64, copy=False).ravel()  # the engine's ids, checked fast
        else:
            par = v.integers("parties", parties, 0).ravel()
        amt = v.as_float_array("amounts", amounts).ravel()
        if par.shape != amt.shape:
            raise ValueError(
                f"parties and amounts must have the same length, got {par.size} and {amt.size}"
            )
        p = _code(pool, "pool", accounts=False)
        v.text("reason", reason, empty=True)
        keep = amt != 0
        par, amt = par[keep], amt[keep]
        if not par.size:
            return
        pool_arr = np.full(par.size, p)
        src = np.where(amt > 0, pool_arr, par)
        dst = np.where(amt > 0, par, pool_arr)
        self._chunks.append(
            (
                np.full(par.size, st),
                src,
                dst,
                np.abs(amt),
                np.full(par.size, reason, dtype=object),
            )
        )
        self._flows[p] = self._flows.get(p, 0.0) - float(amt.sum())

    # --- queries --------------------------------------------------------
    @v.no_overflow
    def net_flow(self, party: str | int) -> float:
        """Money received minus money sent by ``party`` over the whole ledger."""
        code = _code(party, "party")
        if code < 0:
            return self._flows.get(code, 0.0)
        total = sum(a for _, src, dst, a, _ in self._rows if dst == code)
        total -= sum(a for _, src, dst, a, _ in self._rows if src == code)
        for _, src, dst, amt, _ in self._chunks:
            total += float(amt[dst == code].sum()) - float(amt[src == code].sum())
        return total

    def __len__(self) -> int:
        return len(self._rows) + sum(c[0].size for c in self._chunks)

    @v.no_overflow
    def to_frame(self) -> pd.DataFrame:
        """All transfers: columns step, source, target, amount, reason (sorted by step)."""
        parts = []
        if self._rows:
            st, s, t, a, r = zip(*self._rows, strict=True)
            parts.append(
                (
                    np.array(st),
                    np.array(s),
                    np.array(t),
                    np.array(a, dtype=float),
                    np.array(r, dtype=object),
                )
            )
        parts.extend(self._chunks)
        if not parts:
            return pd.DataFrame(
                {
                    "step": pd.Series(dtype=int),
                    "source": pd.Series(dtype=object),
                    "target": pd.Series(dtype=object),
                    "amount": pd.Series(dtype=float),
                    "reason": pd.Series(dtype=object),
                }
            )
        cols = [np.concatenate([p[i] for p in parts]) for i in range(5)]
        codes = np.unique(np.concatenate([cols[1], cols[2]]))
        names = {c: party_name(int(c)) for c in codes}
        frame = pd.DataFrame(
            {
                "step": cols[0].astype(int),
                "source": [names[c] for c in cols[1]],
                "target": [names[c] for c in cols[2]],
                "amount": cols[3],
                "reason": cols[4],
            }
        )
        return frame.sort_values("step", kind="stable").reset_index(drop=True)

    # --- conservation ---------------------------------------------------
    @v.no_overflow
    def tolerance(self, gross: float = 0.0) -> float:
        """absolute + relative x (|deposits| + gross); ``gross`` is a finite amount >= 0."""
        g = _amount("gross", gross)
        return self.absolute_tolerance + self.relative_tolerance * (abs(self.deposits) + g)

    @v.no_overflow
    def check(self, step: int, components: Mapping[str, float], *, gross: float = 0.0) -> float:
        """Check sum(components) == deposits within the tolerance and store the row.

        Returns the difference (sum - deposits); raises ConservationError
        naming the step, every component and the difference otherwise.
        """
        st = _step(step)
        v.instance("components", components, Mapping, "a mapping of names to amounts")
        try:
            total = math.fsum(components.values())
        except TypeError:
            raise v.ArgumentTypeError(
                f"components must map names to numbers, got {dict(components)!r:.200}"
            ) from None
        tol = self.tolerance(gross)
        diff = total - self.deposits
        self._totals.append((st, dict(components), total, diff))
        if not np.isfinite(diff) or abs(diff) > tol:
            detail = ", ".join(f"{k}={float(x):.6f}" for k, x in components.items())
            raise ConservationError(
                f"money not conserved at step {step}: {detail}; sum {total:.6f} != deposits "
                f"{self.deposits:.6f} (difference {diff:.3e}, tolerance {tol:.1e})"
            )
        return diff

    @v.no_overflow
    def totals(self) -> pd.DataFrame:
        """One row per checked step: every component, their sum, deposits, difference."""
        rows = [
            {"step": st, **comps, "total": tot, "deposits": self.deposits, "difference": d}
            for st, comps, tot, d in self._totals
        ]
        return pd.DataFrame(rows)
