"""Liquidation and bankruptcy prices, as exchanges compute them.

Bankruptcy price: where the position's loss (plus, on some venues, the fee
to close it) equals its margin: equity 0.
Liquidation price: where the margin balance falls to the maintenance margin,
so the engine acts before bankruptcy.

Linear (USDⓈ-M) position of size Q (coin: contracts x contract size), entry
price EP, side s (+1 long, -1 short), margin M (isolated margin, or for
cross margin the wallet balance minus the other positions' maintenance
margin plus their unrealised PnL, WB - TMM1 + UPNL1), maintenance rate MMR
and maintenance amount cum:

    LP = (M + cum - s x Q x EP) / (Q x MMR - s x Q)

Inverse (COIN-M) position of Q contracts of CS USD each (margin in coin):

    LP = Q x CS x (MMR + s) / (M + cum + s x Q x CS / EP)

Source: Binance, "How to Calculate Liquidation Price of USDⓈ-M Futures
Contracts" (https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93)
and "... of COIN-M Futures Contracts"
(https://www.binance.com/en/support/faq/ceccfcfb4e3a45e3b48b0b1bb1a8ae46).
With a tier table the rate and amount are those of the tier that holds the
notional *at the liquidation price*: each tier is tried and the one whose
bracket contains the resulting notional is kept, as those pages describe.
A known bracket can be passed directly (``maintenance=rate,
maintenance_amount=cum``), as an exchange screen or API shows it.

A tier table says in which unit it counts notional; a linear position needs
a table in a quote currency (USDT, USDC, USD) and an inverse position one in
coin (Binance COIN-M) or in USD of contracts (Kraken, margin valued at
entry). Any other pairing is refused: an inverse position priced with a
USDT table would silently use coin notional against USDT brackets.

Other venues differ in fees, in where the maintenance margin is valued and
in rounding; ``convention=`` applies them by name (``perpmath.conventions``).
Gate and Bitget add the taker fee rate to the maintenance rate, like OKX:
Gate, "Calculation of liquidation price" (LP = (EP -/+ margin / multiplier /
size) / [1 -/+ (MMR + taker rate)]); Bitget, "Estimated liquidation price"
(LP = (margin - size x EP x direction) / (size x (MMR + taker fee rate -
direction))). ``liquidation_price_details`` returns the price together with
every value that produced it (rate, amount, tier, margins, fee terms).

Special values (never NaN): a long that cannot be liquidated above a price of
0 returns 0.0 (Binance shows "--"); a short that can never be liquidated or
bankrupted (an inverse short at 1x or less: its equity in coin never reaches
zero however high the price goes) returns ``inf``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from perpmath import _validate as v
from perpmath.conventions import Convention, get_convention
from perpmath.tiers import TierTable

__all__ = [
    "LiquidationDetails",
    "bankruptcy_price",
    "distance_to_bankruptcy",
    "distance_to_liquidation",
    "hedge_liquidation_price",
    "liquidation_price",
    "liquidation_price_after",
    "liquidation_price_details",
]

MARGIN_MODES = ("isolated", "cross")
DEFAULT_MAINTENANCE_RATE = 0.004

Arr = NDArray[np.float64]


@dataclass(frozen=True)
class _Setup:
    kind: str
    cs: Arr  # USD per inverse contract; 1 for linear (quantities are converted to coin)
    size: Arr  # coin per linear contract (contract_size); 1 for inverse
    table: TierTable | None
    mmr: Arr | None
    cum: Arr  # maintenance amount of a known bracket (no table)
    usd_table: bool  # an inverse table counting contracts in USD (Kraken), amounts in USD
    fee_m: float  # added to the maintenance rate
    fee_b: float  # close fee rate inside the bankruptcy price
    fee_l: float  # close fee (at the bankruptcy price) reserved at liquidation
    fee: float  # the taker fee rate in force (0 without a convention)
    basis: str
    conv: Convention | None


def _contract_and_sizes(
    conv: Convention | None, contract: str | None, contract_size: ArrayLike | None
) -> tuple[str, Arr, Arr]:
    if contract is None:
        kind = conv.contract if conv else "linear"
    else:
        kind = v.contract_type(contract)
        if conv is not None and kind != conv.contract:
            raise ValueError(
                f"contract {contract!r} does not match convention {conv.name!r}, "
                f"whose contracts are {conv.contract!r}"
            )
    if contract_size is None:
        cs = np.asarray(conv.contract_size if conv else 1.0, dtype=float)
    else:
        cs = v.positive("contract_size", contract_size)
    one = np.ones(())
    return (kind, one, cs) if kind == "linear" else (kind, cs, one)


def _check_table(kind: str, table: TierTable) -> bool:
    """Refuse a table of the other contract family; True for a USD-of-contracts table."""
    return table.counts_contracts(kind)


def _setup(
    convention: str | Convention | None,
    contract: str | None,
    contract_size: ArrayLike | None,
    maintenance: TierTable | ArrayLike | None,
    taker_fee: float | None,
    maintenance_amount: ArrayLike | None = None,
    quantity: Arr | None = None,
) -> _Setup:
    conv = None if convention is None else get_convention(convention)
    kind, cs, size = _contract_and_sizes(conv, contract, contract_size)
    table: TierTable | None = None
    mmr: Arr | None = None
    if isinstance(maintenance, TierTable):
        if maintenance_amount is not None:
            raise ValueError(
                "maintenance_amount goes with a maintenance rate (a known bracket); "
                "a TierTable already holds its amounts"
            )
        table = maintenance
    elif maintenance is None:
        if conv is not None and conv.maintenance_model == "size_scaled":
            coin = np.ones(()) if quantity is None else quantity * size
            mmr = np.asarray(conv.maintenance_rate + conv.maintenance_slope * coin)
        elif conv is not None:
            table = conv.tiers()
        else:
            mmr = np.asarray(DEFAULT_MAINTENANCE_RATE)
    else:
        mmr = v.in_range("maintenance", maintenance, 0.0, 1.0)
    cum = np.zeros(())
    if maintenance_amount is not None:
        if mmr is None:
            raise ValueError("maintenance_amount needs maintenance= (the bracket's rate)")
        cum = v.non_negative("maintenance_amount", maintenance_amount)
    usd_table = _check_table(kind, table) if table is not None else False
    fee = 0.0
    if conv is not None:
        fee = (
            conv.taker_fee if taker_fee is None else float(v.in_range("taker_fee", taker_fee, 0, 1))
        )
    else:
        v.unused("taker_fee", taker_fee, None, applies="a convention (which says where fees enter)")
    return _Setup(
        kind=kind,
        cs=cs,
        size=size,
        table=table,
        mmr=mmr,
        cum=cum,
        usd_table=usd_table,
        fee_m=fee if conv is not None and conv.fee_in_maintenance else 0.0,
        fee_b=fee if conv is not None and conv.fee_in_bankruptcy else 0.0,
        fee_l=fee if conv is not None and conv.fee_in_liquidation else 0.0,
        fee=fee,
        basis=conv.maintenance_basis if conv is not None else "liquidation",
        conv=conv,
    )


def _notional(kind: str, q: Arr, price: Arr, cs: Arr) -> Arr:
    """Notional in the margin currency; 0 for a price of 0 (linear) or inf (inverse).

    ``q`` is coin for linear positions (contracts already multiplied by the
    contract size) and contracts for inverse ones.
    """
    p = np.asarray(price, dtype=float)
    if kind == "linear":
        return q * np.where(np.isfinite(p), np.maximum(p, 0.0), 0.0)
    ok = np.isfinite(p) & (p > 0)
    return np.where(ok, q * cs / np.where(ok, p, 1.0), 0.0)


def _table_notional(st: _Setup, q: Arr, price: Arr) -> Arr:
    """Notional in the table's unit (USD of contracts for a Kraken-style table)."""
    if st.usd_table:
        return np.broadcast_to(q * st.cs, np.broadcast_shapes(q.shape, np.shape(price)))
    return _notional(st.kind, q, price, st.cs)


def _bankruptcy(s: Any, e: Arr, q: Arr, m: Arr, kind: str, cs: Arr, fee: float) -> Arr:
    """Bankruptcy price for margin ``m`` (margin = loss + fee x notional at BP)."""
    if kind == "linear":
        bp = (e - s * m / q) / (1.0 - s * fee)
        return np.maximum(v.not_overflowed(bp), 0.0)
    # a ratio that is not positive: an inverse short whose equity never reaches 0, inf
    return v.ratio_or_inf(q * cs * (s + fee), m + s * q * cs / e)


def _solve(
    s: Any,
    e: Arr,
    q: Arr,
    m: Arr,
    mmr: Any,
    cum: Any,
    reserve: Arr,
    st: _Setup,
) -> Arr:
    """Liquidation price for one maintenance rate and amount (no tier search)."""
    rate = mmr + st.fee_m
    if st.kind == "linear":
        if st.basis == "liquidation":
            lp = (m + cum - reserve - s * q * e) / (q * rate - s * q)
        else:
            lp = e - s * (m + cum - reserve - q * e * rate) / q
        return np.maximum(v.not_overflowed(lp), 0.0)
    cs = st.cs
    usd_cum = cum if st.usd_table else 0.0  # amounts in USD of contracts (Kraken)
    coin_cum = 0.0 if st.usd_table else cum
    if st.basis == "liquidation":
        num = q * cs * (rate + s) - usd_cum
        denom = m + coin_cum - reserve + s * q * cs / e
    else:
        num = s * q * cs
        denom = m + coin_cum + usd_cum / e - reserve + s * q * cs / e - q * cs * rate / e
    # a positive ratio is a price; otherwise a short is never liquidated (inf) and a
    # long is liquidated at any price (inf too, rejected by _check_not_liquidated)
    return v.ratio_or_inf(num, denom)


def _search_tiers(
    s: Any, e: Arr, q: Arr, m: Arr, reserve: Arr, st: _Setup, table: TierTable, track: bool
) -> tuple[Arr, NDArray[np.intp] | None]:
    """Try each tier; keep the one whose bracket holds the notional at the result.

    Returns the price and the 0-based tier used. With the maintenance margin
    valued at entry, or a table counting contracts in USD, the tier is fixed.
    """
    shape = np.broadcast_shapes(np.shape(s), e.shape, q.shape, m.shape, reserve.shape, st.cs.shape)
    if st.basis == "entry" or st.usd_table:  # the tier does not depend on the price
        idx = np.asarray(table.tier_index(np.broadcast_to(_table_notional(st, q, e), shape)))
        lp = _solve(
            s, e, q, m, table.maintenance_rate[idx], table.maintenance_amount[idx], reserve, st
        )
        return lp, np.broadcast_to(idx, shape)
    lp = np.zeros(shape)
    tier = np.zeros(shape, dtype=np.intp) if track else None
    found = np.zeros(shape, dtype=bool)
    for k in range(len(table)):
        cand = _solve(
            s, e, q, m, table.maintenance_rate[k], table.maintenance_amount[k], reserve, st
        )
        n = _notional(st.kind, q, cand, st.cs)
        inside = (n <= table.cap[k] * (1 + 1e-12)) & ((n > table.floor[k]) | (k == 0))
        ok = ~found & inside
        lp = np.where(ok, cand, lp)
        if tier is not None:
            tier = np.where(ok, k, tier)
        found |= ok
        if found.all():
            break
    if not found.all():
        raise ValueError(
            f"the notional at the liquidation price exceeds the largest tier of {table.name} "
            f"(cap {table.cap[-1]:,.0f} {table.unit}); reduce the position size"
        )
    return lp, tier


@dataclass(frozen=True)
class _Result:
    lp: Arr
    bp: Arr
    tier: NDArray[np.intp] | None
    rate: Arr
    amount: Arr
    m_liq: Arr
    m_bank: Arr
    reserve: Arr
    n_entry: Arr
    q: Arr
    st: _Setup


def _compute(
    side: str | ArrayLike,
    entry_price: ArrayLike,
    leverage: ArrayLike | None,
    quantity: ArrayLike = 1.0,
    *,
    maintenance: TierTable | ArrayLike | None = None,
    maintenance_amount: ArrayLike | None = None,
    contract: str | None = None,
    margin: ArrayLike | None = None,
    convention: str | Convention | None = None,
    margin_mode: str = "isolated",
    wallet_balance: ArrayLike | None = None,
    other_maintenance: ArrayLike = 0.0,
    other_unrealized_pnl: ArrayLike = 0.0,
    contract_size: ArrayLike | None = None,
    taker_fee: float | None = None,
    with_bankruptcy: bool = False,
) -> _Result:
    """Every value behind a liquidation price: ``liquidation_price``'s arguments
    (but ``mark_price``), and the bankruptcy price too if ``with_bankruptcy``."""
    s = v.side_sign(side)
    e = v.positive("entry_price", entry_price)
    lev = None if leverage is None else v.leverage(leverage)
    q_in = v.positive("quantity", quantity)
    mode = v.choice("margin_mode", margin_mode, MARGIN_MODES)
    st = _setup(
        convention, contract, contract_size, maintenance, taker_fee, maintenance_amount, q_in
    )
    v.broadcastable(
        side=s,
        entry_price=e,
        leverage=lev,
        quantity=q_in,
        contract_size=st.cs,
        maintenance=0.0 if st.mmr is None else st.mmr,
    )
    q = q_in * st.size  # coin for linear contracts, contracts for inverse
    n_entry = _notional(st.kind, q, e, st.cs)
    if st.table is not None and lev is not None:
        st.table.check_leverage(_table_notional(st, q, e), lev)
    m_liq, m_bank = _margins(
        mode, n_entry, lev, margin, wallet_balance, other_maintenance, other_unrealized_pnl
    )
    reserve = np.zeros(())
    if st.fee_l:
        bp0 = _bankruptcy(s, e, q, m_bank, st.kind, st.cs, st.fee_b)
        reserve = st.fee_l * _notional(st.kind, q, bp0, st.cs)
    tier = None
    if st.table is not None:
        lp, tier = _search_tiers(s, e, q, m_liq, reserve, st, st.table, with_bankruptcy)
        if tier is None:  # the plain price only: the tier is not gathered
            rate = amount = np.zeros(())
        else:
            rate, amount = st.table.maintenance_rate[tier], st.table.maintenance_amount[tier]
    else:
        assert st.mmr is not None
        lp = _solve(s, e, q, m_liq, st.mmr, st.cum, reserve, st)
        rate, amount = st.mmr, st.cum
    lp = np.asarray(lp, dtype=float)
    _check_not_liquidated(s, e, lp, mode)
    bp = _bankruptcy(s, e, q, m_bank, st.kind, st.cs, st.fee_b) if with_bankruptcy else lp
    return _Result(lp, bp, tier, rate, amount, m_liq, m_bank, reserve, n_entry, q, st)


@v.no_overflow(inf=True)
def liquidation_price(
    side: str | ArrayLike,
    entry_price: ArrayLike,
    leverage: ArrayLike | None,
    quantity: ArrayLike = 1.0,
    *,
    maintenance: TierTable | ArrayLike | None = None,
    maintenance_amount: ArrayLike | None = None,
    contract: str | None = None,
    margin: ArrayLike | None = None,
    convention: str | Convention | None = None,
    margin_mode: str = "isolated",
    wallet_balance: ArrayLike | None = None,
    other_maintenance: ArrayLike = 0.0,
    other_unrealized_pnl: ArrayLike = 0.0,
    contract_size: ArrayLike | None = None,
    taker_fee: float | None = None,
    mark_price: ArrayLike | None = None,
) -> v.Float:
    """Price at which the position is liquidated (quote currency per coin).

    Parameters
    ----------
    side, entry_price, leverage, quantity:
        ``"long"``/``"short"``, entry price, leverage (> 0) and size: number
        of contracts (coin when ``contract_size`` is 1, the default for
        linear contracts). ``leverage`` may be None when ``margin`` is given
        or under cross margin, where it does not enter the formula (it is
        then not checked against the tier table either).
    maintenance, maintenance_amount:
        Maintenance margin rate (fraction, may be an array) or a TierTable
        (rate and maintenance amount of the tier holding the notional at the
        liquidation price). None: 0.004, or the convention's model. With a
        rate, ``maintenance_amount`` (cum, settlement currency) makes it a
        known bracket, e.g. Binance's "2.5%, 16,300".
    contract, contract_size:
        ``"linear"``/``"inverse"`` (None: linear or the convention's) and the
        contract size: coin per contract for linear contracts (OKX 0.01 BTC,
        Gate 0.0001 BTC) or USD per contract for inverse ones (None: 1 or the
        convention's).
    margin:
        Isolated margin in the settlement currency (USDT linear, coin
        inverse). None: the initial margin, notional at entry / leverage.
        More margin moves the liquidation price away from the entry.
    convention:
        Venue name (see ``perpmath.conventions``) or a Convention: fees,
        maintenance model and basis, rounding to the tick. None: the plain
        formula without fees or rounding.
    margin_mode, wallet_balance, other_maintenance, other_unrealized_pnl:
        ``"cross"`` uses M = WB - TMM1 + UPNL1 (wallet balance, maintenance
        margin and unrealised PnL of the account's other positions) instead of
        the isolated margin (Binance's cross formula).
    taker_fee:
        Overrides the convention's taker fee rate.
    mark_price:
        If given, a position already at or past its liquidation price at this
        mark raises ValueError.

    Formula (see the module docstring): linear
    LP = (M + cum - s Q EP) / (Q (MMR + fee_m) - s Q); inverse
    LP = Q CS (MMR + fee_m + s) / (M + cum + s Q CS / EP), with the
    convention's fee terms. Returns 0.0 for a long that is never liquidated
    and ``inf`` for a short that is never liquidated.

    Sources: Binance USDⓈ-M and COIN-M liquidation price pages (see module
    docstring); each convention's page (``get_convention(name).source``).
    """
    args = dict(locals())  # the arguments, by name, as _compute takes them
    del args["mark_price"]
    r = _compute(**args)
    lp = r.lp
    if mark_price is not None:
        _check_mark(v.side_sign(side), lp, mark_price)
    if r.st.conv is not None:
        lp = np.asarray(r.st.conv.round_signed(lp, v.side_sign(side)), dtype=float)
    return v.result(lp)


def _check_mark(s: Any, lp: Arr, mark_price: ArrayLike) -> None:
    mark = v.positive("mark_price", mark_price)
    v.broadcastable(position=lp, mark_price=mark)
    past = np.where(np.asarray(s) > 0, mark <= lp, mark >= lp)
    if np.any(past):
        mb, lb = v.first_where(past, mark, lp)
        raise ValueError(
            f"mark_price {mb:,.2f} is already at or past the liquidation price "
            f"{lb:,.2f}: the position would be liquidated now"
        )


@dataclass(frozen=True)
class LiquidationDetails:
    """One position's liquidation price and every value that produced it.

    Prices are quote currency per coin; margins in the settlement currency
    (``settlement``: USDT for linear, coin for inverse, or the table's).
    ``maintenance_rate`` and ``maintenance_amount`` are those of the tier
    used (``tier``, 1-based, None without a table); ``fee_in_maintenance`` is
    the taker rate the convention adds to that rate; ``close_fee_reserved``
    is the fee to close at the bankruptcy price the convention reserves in
    the liquidation condition. ``maintenance_margin`` is the requirement at
    the liquidation price (at entry for conventions valuing it there); 0 for
    a position that is never liquidated (an infinite liquidation price).
    """

    liquidation_price: float
    liquidation_price_unrounded: float
    bankruptcy_price: float
    side: str
    entry_price: float
    quantity: float
    contract: str
    contract_size: float
    settlement: str
    margin_mode: str
    margin: float
    initial_margin: float | None
    leverage: float | None
    notional_at_entry: float
    maintenance_rate: float
    maintenance_amount: float
    maintenance_margin: float
    fee_in_maintenance: float
    close_fee_reserved: float
    taker_fee: float
    tier: int | None
    tier_table: str | None
    tier_table_date: str | None
    maintenance_basis: str
    convention: str | None

    @v.no_overflow(inf=True)  # the prices of a position never liquidated
    def as_dict(self) -> dict[str, Any]:
        """The details as a plain dict (for JSON or a table).

        The prices of a position never liquidated are ``inf``.
        """
        return asdict(self)


@v.no_overflow(inf=True)
def liquidation_price_details(
    side: str,
    entry_price: float,
    leverage: float | None,
    quantity: float = 1.0,
    **kwargs: Any,
) -> LiquidationDetails:
    """``liquidation_price`` of one position with its intermediate values (a LiquidationDetails).

    Same arguments as ``liquidation_price``, scalars only. The returned
    ``liquidation_price`` is the same number ``liquidation_price`` gives.
    Its prices are ``inf`` for a short that is never liquidated.
    """
    args = {"entry_price": entry_price, "quantity": quantity, "leverage": leverage}
    for name, value in args.items():
        if value is not None:
            v.scalar(name, value)
    if not isinstance(side, str):
        raise v.ArgumentTypeError(f"side must be a single 'long' or 'short', got {side!r}")
    lp = float(liquidation_price(side, entry_price, leverage, quantity, **kwargs))
    kwargs.pop("mark_price", None)
    r = _compute(side, entry_price, leverage, quantity, **kwargs, with_bankruptcy=True)
    st = r.st
    raw = float(r.lp)
    rate, amount = float(r.rate), float(r.amount)
    basis_price = float(entry_price) if st.basis == "entry" else raw
    if st.usd_table:
        mm = (float(r.q * st.cs) * rate - amount) / basis_price
    else:
        n_basis = float(_notional(st.kind, r.q, np.asarray(basis_price), st.cs))
        mm = n_basis * rate - amount if np.isfinite(raw) else 0.0  # never liquidated: none
    settlement = "USDT" if st.kind == "linear" else "coin"
    if st.table is not None and st.table.settlement:
        settlement = st.table.settlement
    lev = None if leverage is None else float(leverage)
    shipped = st.table is not None and not (
        st.conv is not None and kwargs.get("maintenance") is None and st.conv.tier_table is None
    )  # a convention without a shipped table uses one flat rate: no tier to name
    return LiquidationDetails(
        liquidation_price=lp,
        liquidation_price_unrounded=raw,
        bankruptcy_price=float(r.bp),
        side=side.strip().lower(),
        entry_price=float(entry_price),
        quantity=float(quantity),
        contract=st.kind,
        contract_size=float(st.size if st.kind == "linear" else st.cs),
        settlement=settlement,
        margin_mode=kwargs.get("margin_mode", "isolated").strip().lower(),
        margin=float(r.m_liq),
        initial_margin=None if lev is None else float(r.n_entry) / lev,
        leverage=lev,
        notional_at_entry=float(r.n_entry),
        maintenance_rate=rate,
        maintenance_amount=amount,
        maintenance_margin=mm,
        fee_in_maintenance=st.fee_m,
        close_fee_reserved=float(r.reserve),
        taker_fee=st.fee,
        tier=None if r.tier is None or not shipped else int(r.tier) + 1,
        tier_table=st.table.name if shipped else None,
        tier_table_date=st.table.date if shipped else None,
        maintenance_basis=st.basis,
        convention=None if st.conv is None else st.conv.name,
    )


def _margins(
    mode: str,
    n_entry: Arr,
    lev: Arr | None,
    margin: ArrayLike | None,
    wallet_balance: ArrayLike | None,
    other_maintenance: ArrayLike,
    other_unrealized_pnl: ArrayLike,
) -> tuple[Arr, Arr]:
    """(margin for the liquidation condition, margin for bankruptcy)."""
    if mode == "isolated":
        cross = "margin_mode='cross'"
        hint = "an isolated position takes margin=, the isolated margin"
        v.unused("wallet_balance", wallet_balance, None, applies=cross, hint=hint)
        v.unused("other_maintenance", other_maintenance, 0.0, applies=cross)
        v.unused("other_unrealized_pnl", other_unrealized_pnl, 0.0, applies=cross)
        if margin is None:
            if lev is None:
                raise ValueError(
                    "an isolated position needs leverage (its margin is notional / leverage) "
                    "or margin= (the isolated margin); got neither"
                )
            m = n_entry / lev
        else:
            m = v.positive("margin", margin)
        v.broadcastable(entry_price=n_entry, margin=m)
        return m, m
    if wallet_balance is None:
        raise ValueError("margin_mode='cross' needs wallet_balance= (the cross wallet balance)")
    hint = "margin= is the isolated margin; with margin_mode='cross' pass wallet_balance="
    v.unused("margin", margin, None, applies="margin_mode='isolated'", hint=hint)
    wb = v.positive("wallet_balance", wallet_balance)
    tmm = v.non_negative("other_maintenance", other_maintenance)
    upnl = v.as_float_array("other_unrealized_pnl", other_unrealized_pnl)
    v.broadcastable(
        entry_price=n_entry, wallet_balance=wb, other_maintenance=tmm, other_unrealized_pnl=upnl
    )
    return wb - tmm + upnl, wb + upnl


def _check_not_liquidated(s: Any, e: Arr, lp: Arr, mode: str) -> None:
    bad = np.where(np.asarray(s) > 0, lp >= e, lp <= e)
    if np.any(bad):
        eb, lb = np.broadcast_arrays(e, lp)
        i = tuple(np.argwhere(np.broadcast_to(bad, lb.shape))[0]) if lb.ndim else ()
        what = "margin" if mode == "isolated" else "wallet balance"
        raise ValueError(
            f"the position would be liquidated at its own entry price {eb[i]:,.2f} "
            f"(liquidation price {lb[i]:,.2f}): its {what} does not cover the maintenance "
            "margin; lower the leverage or add margin"
        )


@v.no_overflow(inf=True)
def bankruptcy_price(
    side: str | ArrayLike,
    entry_price: ArrayLike,
    leverage: ArrayLike | None,
    contract: str | None = None,
    *,
    quantity: ArrayLike = 1.0,
    margin: ArrayLike | None = None,
    convention: str | Convention | None = None,
    margin_mode: str = "isolated",
    wallet_balance: ArrayLike | None = None,
    other_unrealized_pnl: ArrayLike = 0.0,
    contract_size: ArrayLike | None = None,
    taker_fee: float | None = None,
) -> v.Float:
    """Price at which the position's margin is used up (equity 0).

    linear:  BP = (EP - s x M / Q) / (1 - s x f)     = EP x (1 - s / leverage) for M = IM, f = 0
    inverse: BP = Q x CS x (s + f) / (M + s x Q x CS / EP) = EP x leverage / (leverage + s)

    M is the isolated margin (default: initial margin) or, with
    ``margin_mode="cross"``, the wallet balance plus the other positions'
    unrealised PnL. Q is coin for linear contracts (contracts x
    ``contract_size``). f is the taker fee rate if the convention charges the
    fee to close inside the bankruptcy price (Bybit inverse: BP = 1.00075 x Q
    / (Q/EP + margin) for a long at a 0.075% fee), otherwise 0. ``leverage``
    may be None when ``margin`` is given or under cross margin.

    Returns 0.0 for a linear long that cannot go bankrupt above 0 (1x or less)
    and ``inf`` for an inverse short that never does (1x or less).

    Sources: Bybit, "Bankruptcy Price (USDT Contract)" and "What is Bankruptcy
    Price? (Inverse Contract)", https://www.bybit.com/en/help-center/article/Bankruptcy-Price-USDT-Contract.
    """
    if contract is not None and not isinstance(contract, str):
        raise TypeError(
            f"contract must be 'linear' or 'inverse', got {contract!r}; bankruptcy_price takes "
            "quantity by name (quantity=...), unlike liquidation_price's fourth argument"
        )
    s = v.side_sign(side)
    e = v.positive("entry_price", entry_price)
    lev = None if leverage is None else v.leverage(leverage)
    q_in = v.positive("quantity", quantity)
    mode = v.choice("margin_mode", margin_mode, MARGIN_MODES)
    st = _setup(convention, contract, contract_size, DEFAULT_MAINTENANCE_RATE, taker_fee)
    v.broadcastable(side=s, entry_price=e, leverage=lev, quantity=q_in, contract_size=st.cs)
    q = q_in * st.size
    n_entry = _notional(st.kind, q, e, st.cs)
    _, m_bank = _margins(mode, n_entry, lev, margin, wallet_balance, 0.0, other_unrealized_pnl)
    if mode == "cross" and np.any(m_bank <= 0):
        raise ValueError(
            "wallet_balance + other_unrealized_pnl must be greater than 0 (the account is "
            "already bankrupt)"
        )
    return v.result(_bankruptcy(s, e, q, m_bank, st.kind, st.cs, st.fee_b))


@v.no_overflow(inf=True)
def hedge_liquidation_price(
    wallet_balance: ArrayLike,
    long_quantity: ArrayLike,
    long_entry_price: ArrayLike,
    short_quantity: ArrayLike,
    short_entry_price: ArrayLike,
    *,
    maintenance: TierTable | ArrayLike | None = None,
    other_maintenance: ArrayLike = 0.0,
    other_unrealized_pnl: ArrayLike = 0.0,
    contract: str = "linear",
    contract_size: ArrayLike = 1.0,
) -> v.Float:
    """Shared liquidation price of a LONG and a SHORT position in one symbol (hedge mode, cross).

    Binance's cross formula with its hedge-mode terms (L = LONG, S = SHORT):

    linear:  LP = (WB - TMM1 + UPNL1 + cumL + cumS - QL x EPL + QS x EPS)
                  / (QL x MMRL + QS x MMRS - QL + QS)
    inverse: LP = CS x (QL x MMRL + QS x MMRS + QL - QS)
                  / (WB - TMM1 + UPNL1 + cumL + cumS + QL x CS / EPL - QS x CS / EPS)

    Each leg's rate and amount come from the tier holding that leg's notional
    at the liquidation price. Quantities may be 0 (then that leg is absent).
    Quantities are contracts: coin x ``contract_size`` for linear contracts,
    ``contract_size`` USD each for inverse ones.
    Returns 0.0 if the result is not positive (Binance shows "--": no
    liquidation price) and ``inf`` if the account can never be liquidated.

    Source: Binance, "How to Calculate Liquidation Price of USDⓈ-M Futures
    Contracts" (https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93)
    and the COIN-M page: "under cross margin, the long and short position of
    the same symbol share the same liquidation price".
    """
    kind = v.contract_type(contract)
    wb = v.positive("wallet_balance", wallet_balance)
    ql = v.non_negative("long_quantity", long_quantity)
    qs = v.non_negative("short_quantity", short_quantity)
    el = v.positive("long_entry_price", long_entry_price)
    es = v.positive("short_entry_price", short_entry_price)
    cs = v.positive("contract_size", contract_size)
    tmm = v.non_negative("other_maintenance", other_maintenance)
    upnl = v.as_float_array("other_unrealized_pnl", other_unrealized_pnl)
    v.broadcastable(
        wallet_balance=wb,
        long_quantity=ql,
        long_entry_price=el,
        short_quantity=qs,
        short_entry_price=es,
        other_maintenance=tmm,
        other_unrealized_pnl=upnl,
        contract_size=cs,
    )
    if kind == "linear":  # quantities in coin from here on
        ql, qs, cs = ql * cs, qs * cs, np.ones(())
    if np.any((ql == 0) & (qs == 0)):
        raise ValueError("long_quantity and short_quantity must not both be 0")
    brackets = _hedge_brackets(kind, maintenance)
    lp = _hedge_search(kind, wb - tmm + upnl, ql, el, qs, es, cs, brackets)
    return v.result(lp)


_Brackets = tuple[Arr, Arr, Arr, Arr, str]


def _hedge_brackets(kind: str, maintenance: TierTable | ArrayLike | None) -> _Brackets:
    """Rates, amounts, floors and caps of the brackets a hedge-mode leg can fall in,
    and the table's name; a single rate (default 0.004) is one bracket, "flat"."""
    if isinstance(maintenance, TierTable):
        if _check_table(kind, maintenance):
            raise ValueError(
                f"tier table {maintenance.name} counts contracts in USD (margin valued at "
                "entry); hedge mode takes a table in the position's notional unit"
            )
        t = maintenance
        return t.maintenance_rate, t.maintenance_amount, t.floor, t.cap, t.name
    rate = DEFAULT_MAINTENANCE_RATE if maintenance is None else maintenance
    r = v.in_range("maintenance", rate, 0.0, 1.0)
    if r.ndim:
        raise ValueError("maintenance must be a single rate or a TierTable here")
    return np.array([float(r)]), np.array([0.0]), np.array([0.0]), np.array([np.inf]), "flat"


def _hedge_search(
    kind: str, m: Arr, ql: Arr, el: Arr, qs: Arr, es: Arr, cs: Arr, brackets: _Brackets
) -> Arr:
    """The shared price for each pair of brackets (long leg, short leg), kept where
    both legs' notionals at that price lie in their brackets."""
    rates, amounts, floors, caps, name = brackets

    def solve(mr_l: float, cum_l: float, mr_s: float, cum_s: float) -> Arr:
        if kind == "linear":
            num = m + cum_l + cum_s - ql * el + qs * es
            den = ql * mr_l + qs * mr_s - ql + qs
        else:
            num = cs * (ql * mr_l + qs * mr_s + ql - qs)
            den = m + cum_l + cum_s + ql * cs / el - qs * cs / es
        out = v.ratio_or_inf(num, den, ok=den != 0)
        return np.where(out > 0, out, 0.0)

    def inside(qty: Arr, price: Arr, k: int) -> NDArray[np.bool_]:
        n = _notional(kind, qty, price, cs)
        return (n <= caps[k] * (1 + 1e-12)) & ((n > floors[k]) | (k == 0))

    shape = np.broadcast_shapes(m.shape, ql.shape, qs.shape, el.shape, es.shape, cs.shape)
    lp = np.zeros(shape)
    found = np.zeros(shape, dtype=bool)
    for kl in range(len(rates)):
        for ks in range(len(rates)):
            cand = solve(rates[kl], amounts[kl], rates[ks], amounts[ks])
            ok = ~found & inside(ql, cand, kl) & inside(qs, cand, ks)
            lp = np.where(ok, cand, lp)
            found |= ok
    if not found.all():
        raise ValueError(
            f"the notional at the liquidation price exceeds the largest tier of {name}; "
            "reduce the position sizes"
        )
    return lp


@v.no_overflow(inf=True)
def distance_to_liquidation(
    side: str | ArrayLike,
    entry_price: ArrayLike,
    leverage: ArrayLike,
    quantity: ArrayLike = 1.0,
    **kwargs: Any,
) -> v.Float:
    """|LP - EP| / EP: the adverse price move, as a fraction of the entry price, that liquidates.

    Takes the same keywords as ``liquidation_price``. A long never
    liquidated gives 1.0 (price 0); a short never liquidated gives ``inf``.
    Roughly 1/leverage - MMR for an isolated linear position, shorter than the
    distance to bankruptcy (1/leverage).
    """
    lp = np.asarray(liquidation_price(side, entry_price, leverage, quantity, **kwargs))
    e = v.positive("entry_price", entry_price)
    return v.result(np.abs(lp - e) / e)


@v.no_overflow(inf=True)
def distance_to_bankruptcy(
    side: str | ArrayLike,
    entry_price: ArrayLike,
    leverage: ArrayLike,
    contract: str | None = None,
    **kwargs: Any,
) -> v.Float:
    """|BP - EP| / EP as a fraction of the entry price (1/leverage for linear, no fees).

    Inverse: 1/(leverage + 1) for a long, 1/(leverage - 1) for a short
    (``inf`` at 1x or less). Same keywords as ``bankruptcy_price``.
    """
    bp = np.asarray(bankruptcy_price(side, entry_price, leverage, contract, **kwargs))
    e = v.positive("entry_price", entry_price)
    return v.result(np.abs(bp - e) / e)


@v.no_overflow(inf=True)
def liquidation_price_after(
    side: str | ArrayLike,
    entry_price: ArrayLike,
    leverage: ArrayLike | None,
    quantity: ArrayLike = 1.0,
    *,
    add_margin: ArrayLike = 0.0,
    reduce_quantity: ArrayLike = 0.0,
    close_price: ArrayLike | None = None,
    release_margin: bool = True,
    margin: ArrayLike | None = None,
    margin_mode: str = "isolated",
    wallet_balance: ArrayLike | None = None,
    **kwargs: Any,
) -> v.Float:
    """Liquidation price after adding margin and/or closing part of the position.

    * ``add_margin`` (settlement currency) is added to the isolated margin,
      or to the wallet balance under cross margin: the price moves away. A
      negative amount takes margin out, e.g. funding paid from the isolated
      margin (the price moves towards the entry); what is left must stay
      above 0.
    * ``reduce_quantity`` closes that much at ``close_price`` (default: the
      entry price, so no PnL is realised). Isolated: with ``release_margin``
      (what exchanges do) the margin shrinks in proportion to the size, the
      effective leverage is unchanged and so is the price, apart from tier
      effects; without it the whole margin stays on the smaller position and
      the price moves away. The realised PnL stays in the position's margin
      when margin is kept and goes to the wallet when released. Cross: the
      realised PnL goes to the wallet balance, which now backs a smaller
      position, so the price moves away.

    Other keywords as in ``liquidation_price``. Sources: Bybit, "Liquidation
    Price (USDT Contract)" (LP = EP -/+ (IM - MM) / size -/+ extra margin added
    / size, https://www.bybit.com/en/help-center/article/Liquidation-Price-USDT-Contract);
    Binance, "How to Calculate Liquidation Price of USDⓈ-M Futures Contracts"
    (the isolated wallet balance WB holds the margin added).
    Like ``liquidation_price``, ``inf`` for a short that is never liquidated.
    """
    s = v.side_sign(side)
    e = v.positive("entry_price", entry_price)
    lev = None if leverage is None else v.leverage(leverage)
    q = v.positive("quantity", quantity)
    add = v.as_float_array("add_margin", add_margin)
    red = v.non_negative("reduce_quantity", reduce_quantity)
    release_margin = v.flag("release_margin", release_margin)
    v.broadcastable(
        side=s, entry_price=e, leverage=lev, quantity=q, add_margin=add, reduce_quantity=red
    )
    if np.any(red >= q):
        raise ValueError(
            f"reduce_quantity must be smaller than quantity (closing everything leaves no "
            f"liquidation price), got {np.max(red)!r} for quantity {np.min(q)!r}"
        )
    mode = v.choice("margin_mode", margin_mode, MARGIN_MODES)
    st = _setup(
        kwargs.get("convention"),
        kwargs.get("contract"),
        kwargs.get("contract_size"),
        0.0,
        kwargs.get("taker_fee"),
    )
    close = e if close_price is None else v.positive("close_price", close_price)
    realized = _realized_pnl(st, s, red, e, close)
    q_after = q - red
    if mode == "isolated":
        v.unused("wallet_balance", wallet_balance, None, applies="margin_mode='cross'")
        m0 = _isolated_margin(st, e, q, lev, margin)
        m1 = _margin_after(m0, q_after / q if release_margin else None, realized, add)
        return liquidation_price(side, e, lev, q_after, margin=m1, margin_mode="isolated", **kwargs)
    if wallet_balance is None:
        raise ValueError("margin_mode='cross' needs wallet_balance= (the cross wallet balance)")
    v.unused("margin", margin, None, applies="margin_mode='isolated'")
    wb = v.positive("wallet_balance", wallet_balance) + realized + add
    if np.any(wb <= 0):
        raise ValueError("the wallet balance left after the change must be greater than 0")
    return liquidation_price(
        side, e, lev, q_after, margin_mode="cross", wallet_balance=wb, **kwargs
    )


def _isolated_margin(st: _Setup, e: Arr, q: Arr, lev: Arr | None, margin: ArrayLike | None) -> Arr:
    """The isolated margin: ``margin`` if given, else the initial margin notional / leverage."""
    if margin is None and lev is None:
        raise ValueError("an isolated position needs leverage or margin= (its margin)")
    if margin is None:
        return _notional(st.kind, q * st.size, e, st.cs) / lev
    return v.positive("margin", margin)


def _margin_after(m0: Arr, kept: Arr | None, realized: Arr, add: Arr) -> Arr:
    """Isolated margin after the change: the share ``kept`` of it (margin released in
    proportion to the size closed), or all of it plus the realised PnL (``kept`` None),
    plus ``add``; it must stay above 0."""
    m1 = (m0 * kept if kept is not None else m0 + realized) + add
    if np.any(m1 <= 0):
        raise ValueError(
            "the margin left after the change must be greater than 0; add_margin "
            f"{float(np.min(add)):,.2f} takes out more than the position holds"
        )
    return m1


def _realized_pnl(st: _Setup, s: Any, red: Arr, e: Arr, close: Arr) -> Arr:
    """PnL realised by closing ``red`` contracts at ``close`` (contracts.unrealized_pnl)."""
    if st.kind == "linear":
        return s * red * st.size * (close - e)
    return s * red * st.cs * (1.0 / e - 1.0 / close)
