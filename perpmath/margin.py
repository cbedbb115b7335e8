"""Margin: initial margin, margin balance, maintenance margin and the margin ratio.

Vocabulary (Binance, "Leverage and Margin of USDⓈ-M Futures",
https://www.binance.com/en/support/faq/360033162192):

* initial margin = position value / leverage (what opening the position locks);
* maintenance margin = position value x MMR(tier) - maintenance amount(tier)
  (see :mod:`perpmath.tiers`), measured at the mark price;
* margin balance = wallet balance + unrealised PnL.

A position (isolated) or an account (cross) is liquidated when its margin
balance falls to its maintenance margin. Exchanges report how close that is
with a "margin ratio", but under three different definitions that share the
name. :data:`MARGIN_RATIO_DEFINITIONS` names each one, with its threshold,
the direction of the comparison and who uses it, and
:func:`convert_margin_ratio` translates between them. All three agree on
*when* liquidation happens (margin balance <= maintenance margin); they
differ in the number shown and in which way it moves as risk grows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from perpmath import _validate as v
from perpmath.contracts import notional as _notional
from perpmath.tiers import TierTable

__all__ = [
    "MARGIN_RATIO_DEFINITIONS",
    "MarginRatioDefinition",
    "convert_margin_ratio",
    "initial_margin",
    "is_liquidatable",
    "liquidation_threshold",
    "maintenance_margin",
    "margin_available",
    "margin_balance",
    "margin_ratio",
    "margin_ratio_table",
    "max_leverage",
    "open_loss",
    "order_cost",
    "size_scaled_margin",
]


@dataclass(frozen=True)
class MarginRatioDefinition:
    """One exchange definition of the "margin ratio".

    ``liquidation_when`` is ``"<="`` if liquidation happens when the ratio
    falls to the threshold or below, ``">="`` if it happens when the ratio
    rises to it or above. ``threshold`` is the text form of the trigger
    level (:func:`liquidation_threshold` gives the number).
    """

    name: str
    formula: str
    threshold: str
    liquidation_when: str
    exchanges: tuple[str, ...]
    source: str
    rises_with_risk: bool


MARGIN_RATIO_DEFINITIONS: dict[str, MarginRatioDefinition] = {
    "margin_to_notional": MarginRatioDefinition(
        name="margin_to_notional",
        formula="margin balance / position value",
        threshold="the effective maintenance margin rate, maintenance margin / position value",
        liquidation_when="<=",
        exchanges=(
            "Bitget ('margin rate')",
            "OKEx futures before the unified account ('margin ratio')",
            "dYdX v3 and FTX ('margin fraction')",
            "Orderly ('futures margin ratio')",
        ),
        source=(
            "Bitget, 'Position Tier' (margin rate = (position margin + unrealised PnL) / "
            "position value; liquidation when it is at or below the maintenance margin "
            "rate), https://www.bitget.com/support/articles/360052911052; OKEx Academy, "
            "'USDT Sustainable Contracts: Tiered Maintenance Margin Ratio System' (fixed "
            "margin: (fixed margin + UPL) / position value); Orderly, 'Formulas and "
            "Definitions' (total collateral / sum of |position notional|), "
            "https://orderly.network/docs/introduction/trade-on-orderly/perpetual-futures/"
            "formulas-definitions"
        ),
        rises_with_risk=False,
    ),
    "maintenance_to_balance": MarginRatioDefinition(
        name="maintenance_to_balance",
        formula="maintenance margin / margin balance",
        threshold="100%",
        liquidation_when=">=",
        exchanges=("Binance USDⓈ-M and COIN-M futures", "Bybit unified account ('MMR')"),
        source=(
            "Binance, 'Margin Ratio' FAQ and 'Leverage and Margin of USDⓈ-M Futures' "
            "(margin ratio = maintenance margin / margin balance; liquidation when it "
            "reaches 100%), https://www.binance.com/en/support/faq/360033162192"
        ),
        rises_with_risk=True,
    ),
    "equity_to_maintenance": MarginRatioDefinition(
        name="equity_to_maintenance",
        formula="margin balance (equity) / maintenance margin",
        threshold="100%",
        liquidation_when="<=",
        exchanges=(
            "OKX ('maintenance margin ratio', isolated and cross)",
            "Polymarket perpetuals ('MarginRatio')",
        ),
        source=(
            "OKX help centre, margin ratio of an isolated position = (margin + unrealised "
            "PnL) / (maintenance margin + fees), liquidation when it falls to 100% or below, "
            "https://www.okx.com/help-center/6997123251341; Polymarket, 'Liquidation "
            "Mechanics' (MarginRatio = Equity / MaintenanceMargin), "
            "https://docs.polymarket.com/perps/learn-about-trading/liquidation-mechanics"
        ),
        rises_with_risk=False,
    ),
}

DEFINITION_NAMES = tuple(MARGIN_RATIO_DEFINITIONS)


def _definition(value: str, name: str = "definition") -> str:
    return v.choice(name, value, DEFINITION_NAMES)


@v.no_overflow
def initial_margin(
    quantity: ArrayLike,
    price: ArrayLike,
    leverage: ArrayLike,
    contract: str = "linear",
    contract_size: ArrayLike = 1.0,
) -> v.Float:
    """Margin locked to open a position: notional / leverage.

    linear:  IM = quantity x price / leverage                   (quote, e.g. USDT)
    inverse: IM = quantity x contract_size / price / leverage   (coin, e.g. BTC)

    The initial margin rate is 1 / leverage. Source: Binance, "Leverage and
    Margin of USDⓈ-M Futures" (initial margin = notional value / leverage);
    Bybit, "Initial Margin" (inverse: contracts / entry price / leverage).
    """
    lev = v.leverage(leverage)
    n = np.asarray(_notional(quantity, price, contract, contract_size))
    v.broadcastable(quantity=quantity, price=price, leverage=lev, contract_size=contract_size)
    return v.result(n / lev)


@v.no_overflow
def open_loss(
    side: str | ArrayLike,
    quantity: ArrayLike,
    order_price: ArrayLike,
    mark_price: ArrayLike,
    contract: str = "linear",
    contract_size: ArrayLike = 1.0,
) -> v.Float:
    """Loss a new order would show at once against the mark price (0 if none).

    linear:  open loss = quantity x size x |min(0, s x (mark - order price))|
    inverse: open loss = quantity x size x |min(0, s x (1/order price - 1/mark))|

    A long bought above the mark, or a short sold below it, starts with an
    unrealised loss; Binance charges it on top of the initial margin so the
    new position is not born close to liquidation. Source: Binance, "Cost
    Required to Open a Position in Perpetual Futures Contracts"
    (https://www.binance.com/en/support/faq/87fa7ee33b574f7084d42bd2ce2e463b).
    """
    s = v.side_sign(side)
    kind = v.contract_type(contract)
    q = v.positive("quantity", quantity)
    o = v.positive("order_price", order_price)
    m = v.positive("mark_price", mark_price)
    cs = v.positive("contract_size", contract_size)
    v.broadcastable(side=s, quantity=q, order_price=o, mark_price=m, contract_size=cs)
    move = (m - o) if kind == "linear" else (1.0 / o - 1.0 / m)
    return v.result(q * cs * np.abs(np.minimum(0.0, s * move)))


@v.no_overflow
def order_cost(
    side: str | ArrayLike,
    quantity: ArrayLike,
    order_price: ArrayLike,
    mark_price: ArrayLike,
    leverage: ArrayLike,
    contract: str = "linear",
    contract_size: ArrayLike = 1.0,
) -> v.Float:
    """Balance needed to open a position: initial margin at the order price + open loss.

    cost = notional(order price) / leverage + open_loss(...)

    This is the form of Binance's worked example, "Cost Required to Open a
    Position in Perpetual Futures Contracts" (2020 version; Binance has
    since priced short orders at max(order price, mark, last x 1.0015)).
    Fees are not included.
    """
    loss = np.asarray(open_loss(side, quantity, order_price, mark_price, contract, contract_size))
    v.broadcastable(order_price=order_price, mark_price=mark_price, leverage=v.leverage(leverage))
    im = np.asarray(initial_margin(quantity, order_price, leverage, contract, contract_size))
    return v.result(im + loss)


@v.no_overflow
def margin_balance(wallet_balance: ArrayLike, unrealized_pnl: ArrayLike) -> v.Float:
    """Margin balance (equity) = wallet balance + unrealised PnL.

    Both in the margin currency. The wallet balance may be negative after a
    loss beyond the margin (a negative balance), so only finiteness is
    checked. Source: Binance, "Margin Balance" in "Leverage and Margin of
    USDⓈ-M Futures"; OKX calls the same quantity equity.
    """
    wb = v.as_float_array("wallet_balance", wallet_balance)
    upnl = v.as_float_array("unrealized_pnl", unrealized_pnl)
    v.broadcastable(wallet_balance=wb, unrealized_pnl=upnl)
    return v.result(wb + upnl)


@v.no_overflow
def maintenance_margin(
    quantity: ArrayLike,
    mark_price: ArrayLike,
    maintenance: TierTable | ArrayLike = 0.004,
    contract: str = "linear",
    contract_size: ArrayLike = 1.0,
) -> v.Float:
    """Maintenance margin of a position valued at the mark price.

    With a rate:  MM = notional(mark) x rate
    With a table: MM = notional(mark) x MMR(tier) - maintenance amount(tier),
                  the tier being the one whose (floor, cap] holds the notional.

    Notional is in the quote currency for linear contracts and in coin for
    inverse ones; the table's unit must suit the contract (a USDT table is
    refused for an inverse position). With a table counting USD of
    contracts (Kraken's inverse schedule) the tier is that of quantity x
    contract size and the margin, in coin, is (USD value x MMR - amount) /
    mark price. Source: Binance, "Leverage and Margin of USDⓈ-M Futures"
    (maintenance margin = notional x MMR - maintenance amount); Kraken,
    "Inverse Futures Margin Schedule & Maximum Leverage".
    """
    v.positive("mark_price", mark_price)
    n = np.asarray(_notional(quantity, mark_price, contract, contract_size))
    if isinstance(maintenance, TierTable):
        if maintenance.counts_contracts(contract):
            usd = v.positive("quantity", quantity) * v.positive("contract_size", contract_size)
            mark = v.positive("mark_price", mark_price)
            return v.result(np.asarray(maintenance.maintenance_margin(usd)) / mark)
        return v.result(maintenance.maintenance_margin(n))
    rate = v.in_range("maintenance", maintenance, 0.0, 1.0)
    bad = rate <= 0
    if bad.any():
        first = float(np.ravel(rate)[np.argmax(np.ravel(bad))])
        raise ValueError(f"maintenance must be a rate in (0, 1) or a TierTable, got {first!r}")
    v.broadcastable(quantity=quantity, mark_price=mark_price, maintenance=rate)
    return v.result(n * rate)


def _checked(
    margin_balance: ArrayLike, maintenance_margin: ArrayLike, position_value: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    mb = v.as_float_array("margin_balance", margin_balance)
    mm = v.positive("maintenance_margin", maintenance_margin)
    pv = v.positive("position_value", position_value)
    v.broadcastable(margin_balance=mb, maintenance_margin=mm, position_value=pv)
    return mb, mm, pv


@v.no_overflow(inf=True)
def margin_ratio(
    margin_balance: ArrayLike,
    maintenance_margin: ArrayLike,
    position_value: ArrayLike,
    definition: str,
) -> v.Float:
    """Margin ratio under a named definition (a fraction: 1.0 means 100%).

    ``"margin_to_notional"``:     MB / position value; liquidation when it falls
                                  to MM / position value (the effective MMR).
    ``"maintenance_to_balance"``: MM / MB (Binance); liquidation at >= 1. When
                                  MB <= 0 the ratio is returned as +inf (the
                                  account is past liquidation; the quotient
                                  would be negative and misleading).
    ``"equity_to_maintenance"``:  MB / MM (OKX); liquidation at <= 1.

    ``margin_balance`` is wallet balance + unrealised PnL (any sign),
    ``maintenance_margin`` and ``position_value`` (notional at the mark price)
    must be greater than 0, all in the same currency. OKX and Bitget add the
    expected liquidation fee to the maintenance margin; pass MM + fee as
    ``maintenance_margin`` to reproduce their figure. Sources: see
    ``MARGIN_RATIO_DEFINITIONS[definition].source``.
    """
    d = _definition(definition)
    mb, mm, pv = _checked(margin_balance, maintenance_margin, position_value)
    if d == "margin_to_notional":
        out = mb / pv * np.ones_like(mm)
    elif d == "equity_to_maintenance":
        out = mb / mm * np.ones_like(pv)
    else:
        out = v.ratio_or_inf(mm, mb, ok=mb > 0) * np.ones_like(pv)
    return v.result(out)


@v.no_overflow
def liquidation_threshold(
    definition: str,
    maintenance_margin: ArrayLike | None = None,
    position_value: ArrayLike | None = None,
) -> v.Float:
    """The margin-ratio level at which liquidation is triggered.

    1.0 for ``"maintenance_to_balance"`` (reached from below) and
    ``"equity_to_maintenance"`` (reached from above); for
    ``"margin_to_notional"`` it is the effective maintenance margin rate
    MM / position value, so both arguments are then required.
    """
    d = _definition(definition)
    if d != "margin_to_notional":
        return 1.0
    if maintenance_margin is None or position_value is None:
        raise ValueError(
            "maintenance_margin and position_value are required for the "
            "'margin_to_notional' threshold (it is maintenance_margin / position_value), "
            f"got maintenance_margin={maintenance_margin!r}, position_value={position_value!r}"
        )
    mm = v.positive("maintenance_margin", maintenance_margin)
    pv = v.positive("position_value", position_value)
    v.broadcastable(maintenance_margin=mm, position_value=pv)
    return v.result(mm / pv)


@v.no_overflow
def is_liquidatable(
    margin_balance: ArrayLike,
    maintenance_margin: ArrayLike,
    position_value: ArrayLike,
    definition: str = "maintenance_to_balance",
) -> bool | NDArray[np.bool_]:
    """Whether the margin ratio has reached its liquidation threshold.

    Compares :func:`margin_ratio` with :func:`liquidation_threshold` in the
    direction of the definition (``>=`` for Binance's maintenance/balance,
    ``<=`` for the other two). All three definitions flag exactly the same
    cases, margin balance <= maintenance margin (reaching the threshold
    counts), so the choice only matters for how the ratio is reported.
    Returns a bool for scalar input and a boolean array otherwise.
    """
    d = _definition(definition)
    ratio = np.asarray(margin_ratio(margin_balance, maintenance_margin, position_value, d))
    thr = np.asarray(liquidation_threshold(d, maintenance_margin, position_value))
    out = ratio >= thr if MARGIN_RATIO_DEFINITIONS[d].liquidation_when == ">=" else ratio <= thr
    return bool(out) if out.ndim == 0 else out


@v.no_overflow(inf=True)
def margin_ratio_table(
    margin_balance: float, maintenance_margin: float, position_value: float
) -> pd.DataFrame:
    """One account's margin ratio under every named definition, side by side.

    One row per definition (index: its name) with the formula, the value,
    the liquidation threshold and its direction, whether the account is
    liquidatable, and who uses the definition. Scalars only. The three rows
    always agree on ``liquidated``; only the numbers differ, which is why a
    "margin ratio of 80%" means nothing until the definition is named.
    As in ``margin_ratio``, ``inf`` under ``"maintenance_to_balance"`` for a margin balance of 0
    or less.
    """
    inputs = {
        "margin_balance": margin_balance,
        "maintenance_margin": maintenance_margin,
        "position_value": position_value,
    }
    for name, value in inputs.items():
        v.scalar(name, value)
    mb, mm, pv = (float(a) for a in _checked(margin_balance, maintenance_margin, position_value))
    rows = []
    for name, d in MARGIN_RATIO_DEFINITIONS.items():
        rows.append(
            {
                "definition": name,
                "formula": d.formula,
                "value": margin_ratio(mb, mm, pv, name),
                "threshold": liquidation_threshold(name, mm, pv),
                "liquidation_when": d.liquidation_when,
                "liquidated": is_liquidatable(mb, mm, pv, name),
                "exchanges": "; ".join(d.exchanges),
            }
        )
    return pd.DataFrame(rows).set_index("definition")


@v.no_overflow(inf=True)
def convert_margin_ratio(
    value: ArrayLike,
    from_definition: str,
    to_definition: str,
    *,
    maintenance_margin: ArrayLike | None = None,
    position_value: ArrayLike | None = None,
) -> v.Float:
    """Translate a margin ratio from one named definition to another.

    The margin balance is recovered from ``value`` and re-expressed:

    margin_to_notional -> MB = value x position value
    maintenance_to_balance -> MB = MM / value   (value must be > 0; +inf means MB <= 0
                                                 and cannot be converted)
    equity_to_maintenance -> MB = value x MM

    ``maintenance_margin`` is needed whenever either side involves MM and
    ``position_value`` whenever either side is ``"margin_to_notional"``
    (between Binance's and OKX's forms the ratio is simply inverted).
    """
    f = _definition(from_definition, "from_definition")
    t = _definition(to_definition, "to_definition")
    val = v.as_float_array("value", value)
    needs_pv = "margin_to_notional" in (f, t)
    needs_mm = f != t and (f != "margin_to_notional" or t != "margin_to_notional")
    if needs_mm and maintenance_margin is None:
        raise ValueError(f"maintenance_margin is required to convert from {f!r} to {t!r}, got None")
    if needs_pv and position_value is None and f != t:
        raise ValueError(f"position_value is required to convert from {f!r} to {t!r}, got None")
    # the account's figures are checked whenever given, even if this conversion needs neither
    mm = (
        None if maintenance_margin is None else v.positive("maintenance_margin", maintenance_margin)
    )
    pv = None if position_value is None else v.positive("position_value", position_value)
    v.broadcastable(value=val, maintenance_margin=mm, position_value=pv)
    if f == t:
        if f == "maintenance_to_balance":
            v.positive("value", val)
        return v.result(val)
    if f == "maintenance_to_balance":
        val = v.positive("value", val)
        mb = mm / val
    elif f == "equity_to_maintenance":
        mb = val * mm
    else:
        mb = val * pv
    mb = v.not_overflowed(mb)
    if t == "margin_to_notional":
        return v.result(mb / pv)
    if t == "equity_to_maintenance":
        return v.result(mb / mm)
    return v.result(v.ratio_or_inf(mm, mb, ok=mb > 0))


@v.no_overflow
def margin_available(margin_balance: ArrayLike, maintenance_margin: ArrayLike) -> v.Float:
    """Margin left above maintenance: margin balance - maintenance margin (may be negative).

    Hyperliquid's ``margin_available``: isolated margin (including unrealised
    PnL) minus the maintenance margin required, or for cross margin the
    account value minus the maintenance margin of all cross positions. The
    position is liquidated when it reaches 0, which gives Hyperliquid's
    liq_price = price - side x margin_available / position_size / (1 - l x
    side), l = 1 / maintenance leverage. Source: Hyperliquid docs,
    "Liquidations" (https://hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations).
    """
    mb = v.as_float_array("margin_balance", margin_balance)
    mm = v.non_negative("maintenance_margin", maintenance_margin)
    v.broadcastable(margin_balance=mb, maintenance_margin=mm)
    return v.result(mb - mm)


@v.no_overflow
def size_scaled_margin(
    size: ArrayLike,
    price: ArrayLike,
    base_rate: ArrayLike,
    rate_per_unit: ArrayLike,
) -> v.Float:
    """Margin whose rate grows linearly with the position size (Deribit).

    rate = base_rate + size x rate_per_unit;  margin = size x price x rate

    ``size`` in coin, ``price`` the index price (margin in the quote
    currency). Deribit's linear perpetuals: BTC_USDC initial 2% + size in BTC
    x 0.005%, maintenance 1% + size x 0.005%; SOL_USDC initial 4% + size in
    SOL x 0.0005%. Source: Deribit, "Linear Perpetual"
    (https://support.deribit.com/hc/en-us/articles/25944738177565-Linear-Perpetual):
    25 BTC at 100,000 need 2.125% = 53,125 USDC initial and 1.125% = 28,125
    USDC maintenance margin.
    """
    q = v.positive("size", size)
    p = v.positive("price", price)
    base = v.in_range("base_rate", base_rate, 0.0, 1.0)
    per = v.non_negative("rate_per_unit", rate_per_unit)
    v.broadcastable(size=q, price=p, base_rate=base, rate_per_unit=per)
    return v.result(q * p * (base + q * per))  # no_overflow names arguments out of scale


@v.no_overflow(inf=True)
def max_leverage(
    tiers: TierTable, *, notional: ArrayLike | None = None, stake: ArrayLike | None = None
) -> v.Float:
    """Highest leverage a tier table allows for a position's notional or for a stake.

    ``notional``: the maximum leverage of the tier holding that notional
    (``TierTable.max_leverage_at``). ``stake`` (margin to commit): the largest
    L whose position stake x L lies in a tier allowing L
    (``TierTable.max_leverage_for_stake``, the question freqtrade's
    ``get_max_leverage(pair, stake_amount)`` answers). Give exactly one.
    Source: Binance, "Leverage and Margin of USDⓈ-M Futures" (each bracket's
    maximum leverage).
    ``inf`` for a table without maximum leverages.
    """
    v.instance("tiers", tiers, TierTable, "a TierTable")
    if stake is not None:
        v.positive("stake", stake)
    if notional is not None:
        v.non_negative("notional", notional)
    if (notional is None) == (stake is None):
        raise ValueError("give exactly one of notional= or stake=")
    if notional is not None:
        return tiers.max_leverage_at(notional)
    return tiers.max_leverage_for_stake(stake)
