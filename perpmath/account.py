"""A futures account under isolated and cross margin.

An :class:`Account` holds a wallet balance and :class:`Position` objects,
each in ``"isolated"`` or ``"cross"`` margin mode:

* an isolated position owns a fixed margin carved out of the wallet (by
  default its initial margin at entry); only that margin can be lost, and
  it is liquidated on its own when its margin + unrealised PnL falls to its
  maintenance margin;
* all cross positions share the rest of the wallet (the cross wallet
  balance) and each other's unrealised PnL. They are liquidated together
  when the cross margin balance falls to the sum of their maintenance
  margins, so one losing position can take every cross position down with
  it.

Every method takes ``marks``, a mapping (or pandas Series) from symbol to
mark price. A mark may be a NumPy array (for example a whole price path);
results then have that shape, so an account can be evaluated along a path
without a loop.

Sources: Binance, "Leverage and Margin of USDⓈ-M Futures"
(https://www.binance.com/en/support/faq/360033162192: margin balance,
maintenance margin with tiers, margin ratio); Binance, "What Are Isolated
and Cross Margin Modes" (isolated margin is limited to the position, cross
margin shares the whole balance); Binance, "How to Calculate Liquidation
Price of USDⓈ-M Futures Contracts" (cross: wallet balance - maintenance
margin and unrealised PnL of the other positions); BitMEX, "UPs / DOWNs
Worked Example" (wallet balance, margin balance = wallet + unrealised PnL,
available balance = wallet + unrealised PnL - order margin - position
margin).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from perpmath import _validate as v
from perpmath.margin import (
    MARGIN_RATIO_DEFINITIONS,
)
from perpmath.margin import (
    margin_ratio as _margin_ratio,
)
from perpmath.tiers import TierTable, load_tier_table

__all__ = ["MARGIN_MODES", "Account", "Position"]

#: Margin modes a position can use.
MARGIN_MODES = ("cross", "isolated")

_STABLE_UNITS = ("USDT", "USDC", "USD", "BUSD")


@dataclass(frozen=True, eq=False)
class Position:
    """One open position.

    ``quantity`` is a size (> 0): coin for linear contracts, number of
    contracts of ``contract_size`` USD for inverse ones; the direction is
    ``side``. ``tiers`` is the maintenance-margin table (``None``: the
    shipped Binance BTCUSDT table, linear only). ``isolated_margin`` is the
    margin of an isolated position (``None``: the initial margin at entry,
    notional(entry) / leverage; a larger value means margin was added). The
    leverage is checked against the table's maximum for the entry notional.
    """

    symbol: str
    side: str
    quantity: float
    entry_price: float
    leverage: float
    margin_mode: str = "cross"
    contract: str = "linear"
    tiers: TierTable | None = field(default=None, repr=False)
    isolated_margin: float | None = None
    contract_size: float = 1.0
    sign: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        v.text("symbol", self.symbol)
        sign = v.side_sign(self.side)
        if not isinstance(sign, float):
            raise ValueError(f"side must be 'long' or 'short', got {self.side!r}")
        set_ = object.__setattr__
        set_(self, "sign", sign)
        set_(self, "side", self.side.strip().lower())
        set_(self, "margin_mode", v.choice("margin_mode", self.margin_mode, MARGIN_MODES))
        set_(self, "contract", v.contract_type(self.contract))
        for name in ("quantity", "entry_price", "leverage", "contract_size"):
            arr = v.positive(name, getattr(self, name))
            if arr.ndim != 0:
                raise ValueError(f"{name} of a Position must be a single number, got {arr!r}")
            set_(self, name, float(arr))
        tiers = self.tiers
        if tiers is None:
            if self.contract == "inverse":
                raise ValueError(
                    "tiers is required for an inverse position: the default table "
                    "(binance_usdm_btcusdt) is in USDT, an inverse notional is in coin; "
                    "pass e.g. TierTable.flat(0.005, 100, unit='BTC')"
                )
            tiers = load_tier_table("binance_usdm_btcusdt", date="2021-03-18")
        else:
            v.instance("tiers", tiers, TierTable, "a TierTable or None")
        if self.contract == "inverse" and tiers.unit.upper() in _STABLE_UNITS:
            raise ValueError(
                f"tiers {tiers.name!r} is in {tiers.unit}, but an inverse position's notional "
                "is in coin; use a table whose unit is the coin"
            )
        set_(self, "tiers", tiers)
        tiers.check_leverage(self.entry_notional, self.leverage)
        if self.margin_mode == "cross":
            if self.isolated_margin is not None:
                raise ValueError(
                    f"isolated_margin applies only to margin_mode='isolated', got "
                    f"isolated_margin={self.isolated_margin!r} for a cross position"
                )
        else:
            if self.isolated_margin is None:
                set_(self, "isolated_margin", self.entry_notional / self.leverage)
            else:
                arr = v.non_negative("isolated_margin", self.isolated_margin)
                if arr.ndim != 0:
                    raise ValueError(f"isolated_margin must be a single number, got {arr!r}")
                set_(self, "isolated_margin", float(arr))

    # values at entry ---------------------------------------------------
    @property
    def entry_notional(self) -> float:
        """Notional at the entry price (quote for linear, coin for inverse)."""
        if self.contract == "linear":
            return self.quantity * self.contract_size * self.entry_price
        return self.quantity * self.contract_size / self.entry_price

    @property
    def margin(self) -> float:
        """Margin committed at entry: the isolated margin, or notional(entry) / leverage."""
        if self.isolated_margin is not None:
            return self.isolated_margin
        return self.entry_notional / self.leverage

    # values at a mark price (vectorized over the mark) -------------------
    @v.no_overflow
    def notional(self, mark: ArrayLike) -> v.Float:
        """Position value at ``mark`` (linear: q x size x mark; inverse: q x size / mark)."""
        m = v.positive(f"marks[{self.symbol!r}]", mark)
        return v.result(self._notional(m))

    @v.no_overflow
    def unrealized_pnl(self, mark: ArrayLike) -> v.Float:
        """Unrealised PnL at ``mark`` in the margin currency (see contracts.unrealized_pnl)."""
        m = v.positive(f"marks[{self.symbol!r}]", mark)
        return v.result(self._pnl(m))

    @v.no_overflow
    def initial_margin(self, mark: ArrayLike) -> v.Float:
        """Position initial margin at ``mark``: notional(mark) / leverage (Binance)."""
        m = v.positive(f"marks[{self.symbol!r}]", mark)
        return v.result(self._notional(m) / self.leverage)

    @v.no_overflow
    def maintenance_margin(self, mark: ArrayLike) -> v.Float:
        """notional(mark) x MMR(tier) - maintenance amount(tier), from ``tiers``."""
        m = v.positive(f"marks[{self.symbol!r}]", mark)
        return v.result(self.tiers.maintenance_margin(self._notional(m)))

    def _notional(self, m: NDArray[np.float64]) -> NDArray[np.float64]:
        if self.contract == "linear":
            return self.quantity * self.contract_size * m
        return self.quantity * self.contract_size / m

    def _pnl(self, m: NDArray[np.float64]) -> NDArray[np.float64]:
        if self.contract == "linear":
            return self.sign * self.quantity * self.contract_size * (m - self.entry_price)
        return self.sign * self.quantity * self.contract_size * (1 / self.entry_price - 1 / m)


class Account:
    """A wallet balance and the positions it margins.

    ``wallet_balance`` is the account's whole wallet (deposits + realised
    PnL) in the margin currency. The isolated positions' margins are carved
    out of it; what remains is the cross wallet balance shared by the cross
    positions, and it must not be negative. Symbols must be unique (one-way
    mode: one position per symbol) and all positions must be of the same
    contract type (one margin currency).
    """

    def __init__(self, wallet_balance: float, positions: Sequence[Position] = ()) -> None:
        wb = v.as_float_array("wallet_balance", wallet_balance)
        if wb.ndim != 0:
            raise ValueError(f"wallet_balance must be a single number, got {wallet_balance!r}")
        if isinstance(positions, Position):
            positions = [positions]
        v.instance("positions", positions, list | tuple, "a list of Position objects")
        positions = list(positions)
        for i, p in enumerate(positions):
            if not isinstance(p, Position):
                raise ValueError(f"positions[{i}] must be a Position, got {p!r}")
        symbols = [p.symbol for p in positions]
        dup = sorted({s for s in symbols if symbols.count(s) > 1})
        if dup:
            raise ValueError(
                f"positions must have distinct symbols (one position per symbol), "
                f"got duplicates {dup}"
            )
        kinds = sorted({p.contract for p in positions})
        if len(kinds) > 1:
            raise ValueError(
                "positions must share one contract type (one margin currency), got "
                f"{kinds}; use one Account per margin currency"
            )
        self.wallet_balance = float(wb)
        self.positions: tuple[Position, ...] = tuple(positions)
        iso = sum(p.isolated_margin for p in positions if p.margin_mode == "isolated")
        if self.wallet_balance - iso < -1e-9 * max(1.0, abs(self.wallet_balance)):
            raise ValueError(
                f"wallet_balance {self.wallet_balance!r} is smaller than the isolated margins "
                f"it must fund ({iso!r}); wallet_balance must be at least the sum of the "
                "isolated positions' margins"
            )
        self._iso_mask = np.array([p.margin_mode == "isolated" for p in positions], dtype=bool)

    def __repr__(self) -> str:
        return (
            f"Account(wallet_balance={self.wallet_balance!r}, positions={list(self.positions)!r})"
        )

    # structure ------------------------------------------------------------
    @property
    def symbols(self) -> list[str]:
        """Symbols of the positions, in order."""
        return [p.symbol for p in self.positions]

    @property
    def cross_positions(self) -> list[Position]:
        """The positions that share the cross wallet balance."""
        return [p for p in self.positions if p.margin_mode == "cross"]

    @property
    def isolated_positions(self) -> list[Position]:
        """The positions that each hold their own isolated margin."""
        return [p for p in self.positions if p.margin_mode == "isolated"]

    @property
    def cross_wallet_balance(self) -> float:
        """Wallet balance minus the isolated positions' margins."""
        iso = sum(p.isolated_margin for p in self.isolated_positions)
        return max(self.wallet_balance - iso, 0.0)

    # vectorized core ----------------------------------------------------------
    def _marks(self, marks: Mapping[str, ArrayLike]) -> NDArray[np.float64]:
        """Stack the marks into an array of shape (n_positions, *path_shape)."""
        if isinstance(marks, pd.Series):
            marks = marks.to_dict()
        v.instance("marks", marks, Mapping, "a mapping from symbol to mark price")
        unknown = sorted(set(marks) - set(self.symbols))
        if unknown:
            raise ValueError(
                f"marks has symbols that are not positions of the account: {unknown}; "
                f"allowed: {self.symbols}"
            )
        missing = [s for s in self.symbols if s not in marks]
        if missing:
            raise ValueError(f"marks must give a mark price for every position, missing {missing}")
        arrays = [v.positive(f"marks[{s!r}]", marks[s]) for s in self.symbols]
        if not arrays:
            return np.zeros((0,))
        try:
            shape = np.broadcast_shapes(*(a.shape for a in arrays))
        except ValueError:
            raise ValueError(
                f"marks must broadcast to one shape, got shapes {[a.shape for a in arrays]}"
            ) from None
        return np.stack([np.broadcast_to(a, shape) for a in arrays])

    def _columns(self, attr: str) -> NDArray[np.float64]:
        return np.array([getattr(p, attr) for p in self.positions], dtype=float)

    def _reshape(self, col: NDArray[np.float64], m: NDArray[np.float64]) -> NDArray[np.float64]:
        return col.reshape((-1,) + (1,) * (m.ndim - 1))

    def _per_position(self, m: NDArray[np.float64]) -> dict[str, NDArray[np.float64]]:
        """Notional, PnL, IM and MM of every position, shape (n, *path_shape)."""
        q = self._reshape(self._columns("quantity"), m)
        e = self._reshape(self._columns("entry_price"), m)
        s = self._reshape(self._columns("sign"), m)
        lev = self._reshape(self._columns("leverage"), m)
        cs = self._reshape(self._columns("contract_size"), m)
        if self.positions and self.positions[0].contract == "inverse":
            notional = q * cs / m
            pnl = s * q * cs * (1 / e - 1 / m)
        else:
            notional = q * cs * m
            pnl = s * q * cs * (m - e)
        mm = np.empty_like(notional)
        tables: dict[int, list[int]] = {}
        for i, p in enumerate(self.positions):
            tables.setdefault(id(p.tiers), []).append(i)
        for idx in tables.values():
            table = self.positions[idx[0]].tiers
            mm[idx] = np.asarray(table.maintenance_margin(notional[idx]))
        return {"notional": notional, "pnl": pnl, "im": notional / lev, "mm": mm}

    def _pools(self, marks: Mapping[str, ArrayLike]) -> dict[str, Any]:
        m = self._marks(marks)
        per = self._per_position(m)
        iso = self._reshape(self._iso_mask, m) if m.size else self._iso_mask
        cross = ~iso
        path_shape = m.shape[1:]
        cross_mb = self.cross_wallet_balance + np.where(cross, per["pnl"], 0.0).sum(axis=0)
        pools = {
            "per": per,
            "cross": cross,
            "iso": iso,
            "cross_mb": np.broadcast_to(cross_mb, path_shape),
            "cross_mm": np.where(cross, per["mm"], 0.0).sum(axis=0),
            "cross_pv": np.where(cross, per["notional"], 0.0).sum(axis=0),
        }
        margins = self._reshape(
            np.array([p.isolated_margin or 0.0 for p in self.positions], dtype=float), m
        )
        pools["iso_mb"] = margins + per["pnl"]
        return pools

    # account totals ------------------------------------------------------------
    @v.no_overflow
    def unrealized_pnl(self, marks: Mapping[str, ArrayLike]) -> v.Float:
        """Sum of the positions' unrealised PnL at ``marks``."""
        per = self._per_position(self._marks(marks))
        return v.result(per["pnl"].sum(axis=0))

    @v.no_overflow
    def margin_balance(self, marks: Mapping[str, ArrayLike]) -> v.Float:
        """Wallet balance + unrealised PnL of every position (Binance "Margin Balance")."""
        return v.result(self.wallet_balance + np.asarray(self.unrealized_pnl(marks)))

    @v.no_overflow
    def initial_margin(self, marks: Mapping[str, ArrayLike]) -> v.Float:
        """Sum of position initial margins at the mark, notional(mark) / leverage.

        This is Binance's "position initial margin", which moves with the
        mark price; the isolated margins actually held are in
        ``Position.isolated_margin``.
        """
        per = self._per_position(self._marks(marks))
        return v.result(per["im"].sum(axis=0))

    @v.no_overflow
    def maintenance_margin(self, marks: Mapping[str, ArrayLike]) -> v.Float:
        """Sum of the positions' maintenance margins from their tier tables at the mark."""
        per = self._per_position(self._marks(marks))
        return v.result(per["mm"].sum(axis=0))

    @v.no_overflow
    def available_balance(self, marks: Mapping[str, ArrayLike]) -> v.Float:
        """Balance free for new orders or withdrawal (no open orders assumed).

        available = max(0, cross wallet balance + cross unrealised PnL
                           - cross position initial margin at the mark)

        with cross wallet balance = wallet balance - isolated margins.
        Source: Binance USDⓈ-M Futures API, "Account Information"
        (availableBalance = crossWalletBalance + cross unrealised PnL - cross
        initial margin - open order initial margin, floored at 0); BitMEX's
        worked example uses the same form, wallet + unrealised PnL - position
        margin - order margin.
        """
        pools = self._pools(marks)
        per, cross = pools["per"], pools["cross"]
        im = np.where(cross, per["im"], 0.0).sum(axis=0)
        return v.result(np.maximum(pools["cross_mb"] - im, 0.0))

    @v.no_overflow(inf=True)
    def margin_ratio(
        self,
        marks: Mapping[str, ArrayLike],
        definition: str,
        position: str | None = None,
    ) -> v.Float:
        """Margin ratio of the cross pool, or of one isolated position.

        ``definition`` names the exchange definition (see
        ``perpmath.margin.MARGIN_RATIO_DEFINITIONS``). With ``position=None``
        the ratio is that of all cross positions together (cross margin
        balance, summed maintenance margin and position value); if the account
        has no cross position and exactly one isolated one, that one is used.
        ``position=<symbol>`` gives the ratio of that position's margin pool
        (its own for an isolated position, the cross pool for a cross one).
        As in ``perpmath.margin.margin_ratio``, ``"maintenance_to_balance"``
        gives +inf for a pool whose margin balance is 0 or less.
        """
        v.choice("definition", definition, tuple(MARGIN_RATIO_DEFINITIONS))
        pools = self._pools(marks)
        if position is None:
            if self.cross_positions:
                return _margin_ratio(
                    pools["cross_mb"], pools["cross_mm"], pools["cross_pv"], definition
                )
            if len(self.positions) == 1:
                position = self.positions[0].symbol
            else:
                raise ValueError(
                    "position is required: the account has no cross positions and "
                    f"{len(self.positions)} isolated ones; allowed: {self.symbols}"
                )
        i = self._index(position, "position")
        if self.positions[i].margin_mode == "cross":
            return _margin_ratio(
                pools["cross_mb"], pools["cross_mm"], pools["cross_pv"], definition
            )
        per = pools["per"]
        return _margin_ratio(pools["iso_mb"][i], per["mm"][i], per["notional"][i], definition)

    def _index(self, symbol: str, name: str = "symbol") -> int:
        if symbol not in self.symbols:
            error = ValueError if isinstance(symbol, str) else v.ArgumentTypeError
            raise error(f"{name} must be one of {self.symbols}, got {symbol!r}")
        return self.symbols.index(symbol)

    @v.no_overflow
    def liquidated(self, marks: Mapping[str, ArrayLike]) -> dict[str, bool | NDArray[np.bool_]]:
        """Which positions the exchange would liquidate at ``marks``.

        isolated: its margin + its unrealised PnL <= its maintenance margin;
        cross: cross wallet + all cross unrealised PnL <= sum of the cross
        maintenance margins, and then every cross position is liquidated.
        Reaching the maintenance margin exactly counts as liquidation
        (Binance: margin ratio >= 100%). Values are bools for scalar marks
        and boolean arrays for array marks.
        """
        pools = self._pools(marks)
        per = pools["per"]
        cross_liq = pools["cross_mb"] <= pools["cross_mm"]
        out: dict[str, bool | NDArray[np.bool_]] = {}
        for i, p in enumerate(self.positions):
            if p.margin_mode == "cross":
                flag = np.asarray(cross_liq)
            else:
                flag = np.asarray(pools["iso_mb"][i] <= per["mm"][i])
            out[p.symbol] = bool(flag) if flag.ndim == 0 else flag
        return out

    @v.no_overflow(inf=True)
    def liquidation_price(self, symbol: str, marks: Mapping[str, ArrayLike]) -> v.Float:
        """Mark of ``symbol`` at which its margin pool is liquidated, other marks held.

        Solves margin balance = maintenance margin for the mark ``m`` of the
        position, with every other position at its mark in ``marks`` (the
        mark of ``symbol`` itself, if given, is ignored). For the position's
        tier k (MMR r_k, maintenance amount c_k), with W the rest of the pool
        (isolated: its margin; cross: cross wallet balance + the other cross
        positions' PnL - their maintenance margin) and s = +1 long, -1 short:

        linear:  m = (W + c_k - s x Q x EP) / (Q x r_k - s x Q)
        inverse: 1/m = (W + s x Q / EP + c_k) / (Q x (r_k + s))

        (Q = quantity x contract_size). The tier is the one whose bracket
        holds the notional at that mark, as Binance prescribes. This is
        Binance's "How to Calculate Liquidation Price of USDⓈ-M Futures
        Contracts" (cross: WB - TMM1 + UPNL1; isolated: TMM = UPNL = 0) and
        the COIN-M page for inverse contracts. A long that cannot be
        liquidated at any positive mark returns 0.0; a position whose pool is
        short of its maintenance margin at every mark returns +inf for an
        inverse long and 0.0 for a linear short; an inverse short that cannot
        be liquidated returns +inf.
        """
        v.instance("marks", marks, Mapping | pd.Series, "a mapping from symbol to mark price")
        i = self._index(symbol)
        pos = self.positions[i]
        full = dict(marks.to_dict() if isinstance(marks, pd.Series) else marks)
        full[symbol] = pos.entry_price  # placeholder; this position's own terms are solved for
        pools = self._pools(full)
        per = pools["per"]
        if pos.margin_mode == "isolated":
            w = np.asarray(pos.isolated_margin, dtype=float)
        else:
            w = pools["cross_mb"] - per["pnl"][i] - (pools["cross_mm"] - per["mm"][i])
        table, s = pos.tiers, pos.sign
        q = pos.quantity * pos.contract_size
        e = pos.entry_price
        price = np.full(np.shape(w), np.nan)
        last_m = last_n = price
        for k in range(len(table)):
            r, c = table.maintenance_rate[k], table.maintenance_amount[k]
            with np.errstate(divide="ignore", invalid="ignore"):
                if pos.contract == "linear":
                    m = v.not_overflowed((w + c - s * q * e) / (q * r - s * q))
                    valid = m > 0
                    n = q * m
                else:
                    x = v.not_overflowed((w + s * q / e + c) / (q * (r + s)))
                    valid = x > 0
                    m = v.not_overflowed(1.0 / np.where(valid, x, 1.0))
                    n = q * x
            # the root counts only if it is a positive price whose notional is in this tier
            ok = np.isnan(price) & valid & (n >= table.floor[k]) & (n <= table.cap[k])
            if k > 0:
                ok &= n > table.floor[k]
            price = np.where(ok, m, price)
            last_m, last_n = np.where(valid, m, np.nan), np.where(valid, n, np.nan)
        # beyond the last tier: extend its line
        price = np.where(np.isnan(price) & (last_n > table.cap[-1]), last_m, price)
        # no positive root: a linear position gets 0.0, an inverse one +inf (see above)
        return v.result(
            np.where(np.isnan(price), 0.0 if pos.contract == "linear" else np.inf, price)
        )

    @v.no_overflow
    def add_margin(self, symbol: str, amount: float) -> Account:
        """A new account with ``amount`` moved into an isolated position's margin.

        A negative ``amount`` removes margin. The wallet balance is unchanged:
        the margin moves between the cross wallet and the position. Source:
        Binance, "How to Adjust Margin in Isolated Margin Mode" (adding margin
        lowers a long's liquidation price and raises a short's).
        """
        i = self._index(symbol)
        pos = self.positions[i]
        if pos.margin_mode != "isolated":
            raise ValueError(
                f"symbol {symbol!r} is a cross position; margin can be added only to "
                "isolated positions (a cross position uses the whole cross wallet)"
            )
        amt = v.as_float_array("amount", amount)
        if amt.ndim != 0:
            raise ValueError(f"amount must be a single number, got {amount!r}")
        new_margin = pos.isolated_margin + float(amt)
        if new_margin < 0:
            raise ValueError(
                f"amount {float(amt)!r} would leave a negative isolated margin "
                f"({new_margin!r}); at most {pos.isolated_margin!r} can be removed"
            )
        if float(amt) > self.cross_wallet_balance * (1 + 1e-12):
            raise ValueError(
                f"amount {float(amt)!r} exceeds the cross wallet balance "
                f"{self.cross_wallet_balance!r} it is taken from"
            )
        return self.with_position(symbol, isolated_margin=new_margin)

    @v.no_overflow
    def with_position(self, symbol: str, **changes: Any) -> Account:
        """A new account in which position ``symbol`` has some fields changed.

        For example ``acct.with_position("BTCUSDT", quantity=0.5)`` (a smaller
        position that keeps its isolated margin, so its liquidation price moves
        away) or ``margin_mode="isolated"`` (margin defaults to the initial
        margin). The new position is validated like any other; the wallet
        balance is unchanged (no PnL is realised).
        """
        i = self._index(symbol)
        if "sign" in changes:
            raise ValueError("sign cannot be changed; change side instead")
        if changes.get("margin_mode") == "cross" and "isolated_margin" not in changes:
            changes["isolated_margin"] = None
        positions = list(self.positions)
        positions[i] = replace(positions[i], **changes)
        return Account(self.wallet_balance, positions)

    @v.no_overflow(inf=True)  # the margin ratio column, as in margin_ratio
    def summary(
        self, marks: Mapping[str, ArrayLike], definition: str = "maintenance_to_balance"
    ) -> pd.DataFrame:
        """One row per position at scalar ``marks``.

        Columns: side, margin mode, quantity, entry and mark price, leverage,
        notional, unrealised PnL, initial margin (at the mark), maintenance
        margin, the margin and margin balance of the pool the position belongs
        to (its isolated margin, or the cross wallet balance), the margin
        ratio of that pool under ``definition`` (named in the column
        ``margin_ratio_definition``) and whether it is liquidated.
        The margin ratio is ``inf`` for a pool whose margin balance is 0 or less, as in
        ``margin_ratio``.
        """
        d = v.choice("definition", definition, tuple(MARGIN_RATIO_DEFINITIONS))
        m = self._marks(marks)
        if m.ndim != 1:
            raise ValueError("summary needs one scalar mark per symbol, got arrays")
        pools = self._pools(marks)
        per = pools["per"]
        liq = self.liquidated(marks)
        rows = []
        for i, p in enumerate(self.positions):
            if p.margin_mode == "cross":
                pool_margin = self.cross_wallet_balance
                pool_mb, pool_mm, pool_pv = pools["cross_mb"], pools["cross_mm"], pools["cross_pv"]
            else:
                pool_margin = p.isolated_margin
                pool_mb, pool_mm, pool_pv = pools["iso_mb"][i], per["mm"][i], per["notional"][i]
            rows.append(
                {
                    "symbol": p.symbol,
                    "side": p.side,
                    "margin_mode": p.margin_mode,
                    "quantity": p.quantity,
                    "entry_price": p.entry_price,
                    "mark_price": float(m[i]),
                    "leverage": p.leverage,
                    "notional": float(per["notional"][i]),
                    "unrealized_pnl": float(per["pnl"][i]),
                    "initial_margin": float(per["im"][i]),
                    "maintenance_margin": float(per["mm"][i]),
                    "margin": float(pool_margin),
                    "margin_balance": float(pool_mb),
                    "margin_ratio": float(_margin_ratio(pool_mb, pool_mm, pool_pv, d)),
                    "margin_ratio_definition": d,
                    "liquidated": bool(liq[p.symbol]),
                }
            )
        columns = [
            "symbol", "side", "margin_mode", "quantity", "entry_price", "mark_price",
            "leverage", "notional", "unrealized_pnl", "initial_margin",
            "maintenance_margin", "margin", "margin_balance", "margin_ratio",
            "margin_ratio_definition", "liquidated",
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=columns).set_index("symbol")
