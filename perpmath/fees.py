"""Trading fees and what they do to cost, return and profit.

A trading fee is a rate on the notional of the fill, whatever the leverage:

    fee = notional(quantity, fill price) x fee rate

(linear: quantity x contract size x price, in the quote currency; inverse:
quantity x contract size / price, in coin). The maker rate applies to an
order that rested in the book, the taker rate to one that took liquidity; a
negative maker rate is a rebate. Because the fee is on the notional and the
margin is the notional / leverage, a round trip costs (open rate + close
rate) x leverage of the margin.

Venues show fees in different places, so each function says which venue's
number it reproduces:

* Bybit reserves the **fee to close at the bankruptcy price** in the order
  cost and in the "position margin" that ROI divides by (``bybit_order_cost``,
  ``roi_with_close_fee``); its Closed P&L subtracts both fees and the funding
  paid (``closed_pnl``).
* BitMEX's realised PnL counts funding as it is paid (``pnl_net_of_funding``).
* freqtrade reports a profit ratio on the fee-inclusive open value, times
  the leverage (``profit_ratio``).
* ``break_even_price`` is the exit price where the closed PnL is zero. (The
  "Breakeven Price" Binance displays is the average entry price of the
  position, without fees or funding: Binance, "How to Visualize the
  Breakeven Price of Open Positions"; pass zero rates to get it.)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from perpmath import _validate as v
from perpmath.contracts import notional as _notional
from perpmath.contracts import roe as _roe
from perpmath.contracts import unrealized_pnl as _pnl
from perpmath.conventions import Convention, get_convention

__all__ = [
    "LIQUIDITY",
    "OrderCost",
    "break_even_price",
    "bybit_order_cost",
    "bybit_order_cost_details",
    "close_fee_at_bankruptcy",
    "closed_pnl",
    "fee_rate",
    "pnl_net_of_funding",
    "profit_ratio",
    "roi_with_close_fee",
    "trading_fee",
]

#: Sides of liquidity a fill can take.
LIQUIDITY = ("taker", "maker")


def _rate(name: str, value: ArrayLike) -> Any:
    """A fee rate: a fraction in (-1, 1) (negative for a maker rebate)."""
    r = v.as_float_array(name, value)
    bad = np.abs(r) >= 1
    if np.any(bad):
        raise ValueError(
            f"{name} must be a fraction in (-1, 1) such as 0.0005 for 0.05%, got "
            f"{float(np.ravel(r)[np.argmax(np.ravel(bad))])!r}"
        )
    return r


@v.no_overflow
def fee_rate(convention: str | Convention, liquidity: str = "taker") -> float:
    """The fee rate a convention records for ``"taker"`` or ``"maker"`` fills.

    Raises ValueError if the convention does not record a maker rate (the
    venues' fee schedules depend on the account's tier; pass the rate).
    """
    conv = get_convention(convention)
    side = v.choice("liquidity", liquidity, LIQUIDITY)
    if side == "taker":
        return conv.taker_fee
    if conv.maker_fee is None:
        raise ValueError(
            f"convention {conv.name!r} records no maker fee rate; pass the rate of your "
            "fee tier directly"
        )
    return conv.maker_fee


@v.no_overflow
def trading_fee(
    quantity: ArrayLike,
    price: ArrayLike,
    rate: ArrayLike,
    contract: str = "linear",
    contract_size: ArrayLike = 1.0,
) -> v.Float:
    """Fee charged on one fill: notional(quantity, price) x rate (margin currency).

    Positive: the trader pays; a negative (maker rebate) rate gives a
    negative fee. Sources: Binance, "USDⓈ-M Futures Trading Fees"
    (commission = notional value x fee rate); freqtrade's Gate fee test
    (1 contract of 0.0001 at 3,108.65, taker 0.05%: 0.0001554325 USDT).
    """
    r = _rate("rate", rate)
    n = np.asarray(_notional(quantity, price, contract, contract_size), dtype=float)
    v.broadcastable(quantity=quantity, price=price, rate=r, contract_size=contract_size)
    return v.result(n * r)


def _bankruptcy_no_fee(side: Any, price: Any, leverage: Any, kind: str) -> Any:
    """Bybit's bankruptcy price derived from the order price, fees aside."""
    s = np.asarray(side, dtype=float)
    if kind == "linear":
        return price * (1.0 - s / leverage)
    return v.ratio_or_inf(price * leverage, leverage + s, ok=leverage + s > 0)


@v.no_overflow
def close_fee_at_bankruptcy(
    side: str | ArrayLike,
    quantity: ArrayLike,
    order_price: ArrayLike,
    leverage: ArrayLike,
    rate: ArrayLike,
    contract: str = "linear",
    contract_size: ArrayLike = 1.0,
) -> v.Float:
    """Fee to close charged at the bankruptcy price derived from the order price.

    linear:  Q x CS x BP x f,  BP = P x (1 - s / L): Q x CS x P x (1 - s/L) x f
    inverse: Q x CS / BP x f,  BP = P x L / (L + s):  (Q x CS / P) x (1 + s/L) x f

    The factor has the opposite sign in the two families: a long's fee to
    close is smaller than its fee to open in a linear contract (it closes
    lower, on a smaller USDT value) and larger in an inverse one (a lower
    price means more coin per contract). Source: Bybit, "Order Cost (USDT
    Contract)" and "Order Cost (Inverse Contract)" (fee to close, buy order
    = (Q / P) x [1 + 1/L] x taker rate).
    """
    s = v.side_sign(side)
    kind = v.contract_type(contract)
    p = v.positive("order_price", order_price)
    lev = v.leverage(leverage)
    r = _rate("rate", rate)
    q = v.positive("quantity", quantity)
    cs = v.positive("contract_size", contract_size)
    v.broadcastable(side=s, quantity=q, order_price=p, leverage=lev, rate=r, contract_size=cs)
    bp = _bankruptcy_no_fee(s, p, lev, kind)
    if kind == "linear":
        return v.result(np.asarray(_notional(quantity, p, kind, contract_size)) * (1 - s / lev) * r)
    ok = np.isfinite(bp)
    n = np.asarray(_notional(quantity, np.where(ok, bp, 1.0), kind, contract_size))
    return v.result(np.where(ok, n, 0.0) * r)


@dataclass(frozen=True)
class OrderCost:
    """The parts of Bybit's order cost (margin currency) and the bankruptcy price used."""

    initial_margin: float
    fee_to_open: float
    fee_to_close: float
    bankruptcy_price: float
    order_cost: float

    @v.no_overflow
    def as_dict(self) -> dict[str, float]:
        """The parts as a plain dict."""
        return asdict(self)


@v.no_overflow
def bybit_order_cost(
    side: str | ArrayLike,
    quantity: ArrayLike,
    order_price: ArrayLike,
    leverage: ArrayLike,
    rate: ArrayLike,
    contract: str = "linear",
    contract_size: ArrayLike = 1.0,
) -> v.Float:
    """Bybit's order cost: initial margin + fee to open + fee to close at bankruptcy.

    order cost = notional(P) / L + notional(P) x f + close fee at BP
    (``close_fee_at_bankruptcy``). It is what the order locks, so an order
    larger than the available balance minus this is refused. Sources: Bybit,
    "Order Cost (USDT Contract)": 1 BTC at 8,000 with 50x and 0.075%: 160 +
    6 + 5.88 = 171.88 USDT; "Order Cost (Inverse Contract)": 10,000 BTCUSD
    contracts at 6,400 with 25x: 0.0625 + 0.00117188 + 0.00121872 BTC.
    (Binance's cost to open, without fees, is ``perpmath.margin.order_cost``.)
    """
    v.positive("order_price", order_price)  # named here, not as the inner "price"
    n = np.asarray(_notional(quantity, order_price, contract, contract_size), dtype=float)
    lev = v.leverage(leverage)
    r = _rate("rate", rate)
    close = np.asarray(
        close_fee_at_bankruptcy(side, quantity, order_price, lev, r, contract, contract_size)
    )
    return v.result(n / lev + n * r + close)


@v.no_overflow
def bybit_order_cost_details(
    side: str,
    quantity: float,
    order_price: float,
    leverage: float,
    rate: float,
    contract: str = "linear",
    contract_size: float = 1.0,
) -> OrderCost:
    """``bybit_order_cost`` of one order with its parts (an OrderCost), scalars only."""
    v.scalar("quantity", v.positive("quantity", quantity))
    v.scalar("order_price", v.positive("order_price", order_price))
    v.scalar("leverage", v.leverage(leverage))
    v.scalar("rate", _rate("rate", rate))
    v.scalar("contract_size", v.positive("contract_size", contract_size))
    total = float(
        bybit_order_cost(side, quantity, order_price, leverage, rate, contract, contract_size)
    )
    kind = v.contract_type(contract)
    n = float(_notional(quantity, order_price, kind, contract_size))
    lev = float(v.leverage(leverage))
    bp = float(_bankruptcy_no_fee(v.side_sign(side), float(order_price), lev, kind))
    fee_close = float(
        close_fee_at_bankruptcy(side, quantity, order_price, lev, rate, kind, contract_size)
    )
    return OrderCost(n / lev, n * float(rate), fee_close, bp, total)


@v.no_overflow
def roi_with_close_fee(
    side: str | ArrayLike,
    quantity: ArrayLike,
    entry_price: ArrayLike,
    price: ArrayLike,
    leverage: ArrayLike,
    rate: ArrayLike,
    contract: str = "linear",
    contract_size: ArrayLike = 1.0,
) -> v.Float:
    """Bybit's unrealised P&L %: PnL / (initial margin + fee to close at bankruptcy).

    The denominator is Bybit's "position margin". Source: Bybit, "P&L
    Calculations (USDT Contract)": long 0.2 BTC at 7,000 with 10x, last
    price 7,500, taker 0.055%: 100 / (140 + 6,300 x 0.2 x 0.055%) = 71.07%.
    A fraction (0.7107 is 71.07%).
    """
    v.positive("entry_price", entry_price)  # named here, not as the inner "order_price"
    fee = close_fee_at_bankruptcy(
        side, quantity, entry_price, leverage, rate, contract, contract_size
    )
    return _roe(
        side, quantity, entry_price, price, leverage, contract, contract_size, fee_to_close=fee
    )


@v.no_overflow
def closed_pnl(
    side: str | ArrayLike,
    quantity: ArrayLike,
    entry_price: ArrayLike,
    exit_price: ArrayLike,
    open_rate: ArrayLike,
    close_rate: ArrayLike,
    funding_paid: ArrayLike = 0.0,
    contract: str = "linear",
    contract_size: ArrayLike = 1.0,
) -> v.Float:
    """Bybit's Closed P&L: position PnL - fee to open - fee to close - funding paid.

    Fees at the entry and exit prices (``trading_fee``); ``funding_paid`` is
    the net funding paid while the position was open (negative if received),
    in the margin currency. Source: Bybit, "P&L Calculations (USDT
    Contract)", Closed P&L: short 0.4 BTC at 6,000 closed at 5,000, fees 1.32
    and 1.10 USDT (0.055%), funding paid 2.10: 400 - 1.32 - 1.10 - 2.10 =
    395.48 USDT; "Why did my Closed P&L record a loss despite a green
    unrealised profit": both fees and the funding are included.
    """
    v.broadcastable(  # named here, not as the inner "price" and "rate"
        exit_price=v.positive("exit_price", exit_price),
        open_rate=_rate("open_rate", open_rate),
        close_rate=_rate("close_rate", close_rate),
        funding_paid=v.as_float_array("funding_paid", funding_paid),
        entry_price=v.positive("entry_price", entry_price),
        quantity=v.positive("quantity", quantity),
        contract_size=v.positive("contract_size", contract_size),
    )
    pnl = np.asarray(_pnl(side, quantity, entry_price, exit_price, contract, contract_size))
    fo = np.asarray(trading_fee(quantity, entry_price, open_rate, contract, contract_size))
    fc = np.asarray(trading_fee(quantity, exit_price, close_rate, contract, contract_size))
    f = v.as_float_array("funding_paid", funding_paid)
    return v.result(pnl - fo - fc - f)


@v.no_overflow
def pnl_net_of_funding(
    side: str | ArrayLike,
    quantity: ArrayLike,
    entry_price: ArrayLike,
    price: ArrayLike,
    funding_paid: ArrayLike,
    contract: str = "linear",
    contract_size: ArrayLike = 1.0,
) -> v.Float:
    """Position PnL minus the funding paid since entry (negative ``funding_paid``: received).

    BitMEX books each funding payment into the position's realised PnL when
    it is exchanged, so its PnL of a held position is the price PnL net of
    funding. Source: BitMEX, "Perpetual Contracts Guide" and "Guide
    Examples" (long 15,000 XBTUSD at 750 pays 0.05 XBT at a 0.25% rate).
    """
    pnl = np.asarray(_pnl(side, quantity, entry_price, price, contract, contract_size))
    f = v.as_float_array("funding_paid", funding_paid)
    v.broadcastable(position=pnl, funding_paid=f)
    return v.result(pnl - f)


@v.no_overflow
def profit_ratio(
    side: str | ArrayLike,
    quantity: ArrayLike,
    entry_price: ArrayLike,
    exit_price: ArrayLike,
    leverage: ArrayLike = 1.0,
    open_rate: ArrayLike = 0.0,
    close_rate: ArrayLike = 0.0,
    funding_received: ArrayLike = 0.0,
) -> v.Float:
    """freqtrade's profit ratio of a linear futures trade, fees and funding included.

    open value  = Q x EP x (1 + s x f_open)
    close value = Q x XP x (1 - s x f_close) + s x funding received
    ratio       = s x (close value / open value - 1) x leverage

    (a long: close / open - 1; a short: 1 - close / open). ``funding_received``
    is the net funding the trade received (negative if it paid), in USDT.
    Source: freqtrade, ``LocalTrade.calc_profit_ratio`` and
    ``calc_close_trade_value`` (freqtrade/persistence/trade_model.py); its
    test table (30 at 2.0, fee 0.25%, funding +1): long closed at 2.1 ->
    3.6925 USDT, ratio 0.06138820 at 1x.
    """
    s = v.side_sign(side)
    q = v.positive("quantity", quantity)
    e = v.positive("entry_price", entry_price)
    x = v.positive("exit_price", exit_price)
    lev = v.leverage(leverage)
    fo = _rate("open_rate", open_rate)
    fc = _rate("close_rate", close_rate)
    fund = v.as_float_array("funding_received", funding_received)
    v.broadcastable(
        side=s,
        quantity=q,
        entry_price=e,
        exit_price=x,
        leverage=lev,
        open_rate=fo,
        close_rate=fc,
        funding_received=fund,
    )
    open_value = q * e * (1 + s * fo)
    close_value = q * x * (1 - s * fc) + s * fund
    return v.result(s * (close_value / open_value - 1) * lev)


@v.no_overflow(inf=True)
def break_even_price(
    side: str | ArrayLike,
    entry_price: ArrayLike,
    open_rate: ArrayLike = 0.0,
    close_rate: ArrayLike = 0.0,
    funding_paid: ArrayLike = 0.0,
    quantity: ArrayLike = 1.0,
    contract: str = "linear",
    contract_size: ArrayLike = 1.0,
) -> v.Float:
    """Exit price at which ``closed_pnl`` is zero: fees (and funding paid) recovered.

    linear (Q coin):   long  BE = (EP x (1 + fo) + F / Q) / (1 - fc)
                       short BE = (EP x (1 - fo) - F / Q) / (1 + fc)
    inverse (Q x CS USD): long  BE = (1 + fc) / ((1 - fo) / EP - F / (Q CS))
                          short BE = (1 - fc) / ((1 + fo) / EP + F / (Q CS))

    F is the funding paid (margin currency; negative if received). With no
    fees and no funding this is the entry price, which is what Binance shows
    as "Breakeven Price" (its FAQ leaves fees and funding out). A long that
    can never recover (inverse, costs above the whole position) returns
    ``inf``; a short that would need a price at or below 0 returns 0.0.
    Derived by setting ``closed_pnl`` to 0; the fee terms are those of
    Bybit's Closed P&L.
    """
    s = v.side_sign(side)
    kind = v.contract_type(contract)
    e = v.positive("entry_price", entry_price)
    fo = _rate("open_rate", open_rate)
    fc = _rate("close_rate", close_rate)
    f = v.as_float_array("funding_paid", funding_paid)
    v.broadcastable(
        side=s,
        entry_price=e,
        open_rate=fo,
        close_rate=fc,
        funding_paid=f,
        quantity=v.positive("quantity", quantity),
        contract_size=v.positive("contract_size", contract_size),
    )
    q = v.positive("quantity", quantity) * v.positive("contract_size", contract_size)
    if kind == "linear":
        be = (e * (1 + s * fo) + s * f / q) / (1 - s * fc)
        return v.result(np.maximum(v.not_overflowed(be), 0.0))
    num = 1 + s * fc
    den = (1 - s * fo) / e - s * f / q
    return v.result(v.ratio_or_inf(num, den, ok=den > 0))
