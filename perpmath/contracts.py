"""Contracts and positions: notional value, unrealised PnL, ROE, average entry.

Two contract families are supported by name:

* ``"linear"`` (USDT- or USDC-margined, "USDⓈ-M"): quantity is in coin
  (e.g. 0.5 BTC), notional and PnL are in the quote currency (USDT). Venues
  that count linear contracts (OKX: 1 BTC-USDT-SWAP contract = 0.01 BTC)
  pass that face value as ``contract_size``; the default 1 means "quantity
  in coin" (Binance, Bybit).
* ``"inverse"`` (coin-margined, "COIN-M"): quantity is a number of contracts
  each worth ``contract_size`` US dollars (100 USD on Binance COIN-M BTCUSD,
  1 USD on Bybit and BitMEX), notional and PnL are in coin.

Quantities are sizes (greater than 0); the direction is the ``side``
(``"long"`` or ``"short"``).
"""

from __future__ import annotations

from numpy.typing import ArrayLike

from perpmath import _validate as v

__all__ = [
    "average_entry_price",
    "notional",
    "price_return",
    "roe",
    "unrealized_pnl",
]

ROE_BASES = ("entry", "mark")


@v.no_overflow
def notional(
    quantity: ArrayLike,
    price: ArrayLike,
    contract: str = "linear",
    contract_size: ArrayLike = 1.0,
) -> v.Float:
    """Position value at ``price``.

    linear:  notional = quantity x contract_size x price   (quote currency, e.g. USDT)
    inverse: notional = quantity x contract_size / price   (coin, e.g. BTC)

    Source: Binance, "USDⓈ-M Futures Contract Specifications" and "COIN-M
    Futures Contract Specifications" (notional value = contracts x multiplier
    / price for COIN-M); OKX, "Contract specifications" (face value).
    """
    kind = v.contract_type(contract)
    q = v.positive("quantity", quantity)
    p = v.positive("price", price)
    cs = v.positive("contract_size", contract_size)
    v.broadcastable(quantity=q, price=p, contract_size=cs)
    if kind == "linear":
        return v.result(q * cs * p)
    return v.result(q * cs / p)


@v.no_overflow
def unrealized_pnl(
    side: str | ArrayLike,
    quantity: ArrayLike,
    entry_price: ArrayLike,
    price: ArrayLike,
    contract: str = "linear",
    contract_size: ArrayLike = 1.0,
) -> v.Float:
    """Profit or loss of an open position marked at ``price``.

    linear:  PnL = s x quantity x contract_size x (price - entry_price)       (quote)
    inverse: PnL = s x quantity x contract_size x (1/entry_price - 1/price)  (coin)

    with s = +1 for a long and -1 for a short. Source: Binance, "How to
    Calculate Unrealized PnL" (USDⓈ-M and COIN-M); Bybit, "Profit and Loss
    calculations (Inverse Contract)".
    """
    s = v.side_sign(side)
    kind = v.contract_type(contract)
    q = v.positive("quantity", quantity)
    e = v.positive("entry_price", entry_price)
    p = v.positive("price", price)
    cs = v.positive("contract_size", contract_size)
    v.broadcastable(side=s, quantity=q, entry_price=e, price=p, contract_size=cs)
    if kind == "linear":
        return v.result(s * q * cs * (p - e))
    return v.result(s * q * cs * (1.0 / e - 1.0 / p))


@v.no_overflow
def roe(
    side: str | ArrayLike,
    quantity: ArrayLike,
    entry_price: ArrayLike,
    price: ArrayLike,
    leverage: ArrayLike,
    contract: str = "linear",
    contract_size: ArrayLike = 1.0,
    basis: str = "entry",
    *,
    fee_to_close: ArrayLike = 0.0,
) -> v.Float:
    """Return on equity: unrealised PnL divided by the initial margin.

    ROE = PnL / (notional(reference price) / leverage + fee_to_close)

    The reference price differs between exchanges, so it is named:

    * ``basis="entry"``: initial margin at the entry price,
      notional(entry) / leverage (Bybit "Unrealized P&L %", OKX; for an
      unleveraged long this is the price return times the leverage).
    * ``basis="mark"``: initial margin at the current mark price,
      notional(price) / leverage (Binance USDⓈ-M, "How to Calculate ROE":
      ROE = unrealised PnL / (quantity x mark price x IMR), IMR = 1/leverage).

    ``fee_to_close`` (margin currency, default 0) is added to the margin:
    Bybit's "position margin" includes the fee to close at the bankruptcy
    price (Bybit, "P&L calculations (USDT Contract)": ROI = 100 / (140 +
    0.693) = 71.07%). Returned as a fraction (0.25 means 25%).
    """
    b = v.choice("basis", basis, ROE_BASES)
    lev = v.leverage(leverage)
    fee = v.non_negative("fee_to_close", fee_to_close)
    v.broadcastable(
        side=v.side_sign(side),
        quantity=v.positive("quantity", quantity),
        entry_price=v.positive("entry_price", entry_price),
        price=v.positive("price", price),
        leverage=lev,
        contract_size=v.positive("contract_size", contract_size),
        fee_to_close=fee,
    )
    pnl = unrealized_pnl(side, quantity, entry_price, price, contract, contract_size)
    ref = entry_price if b == "entry" else price
    margin = v.positive("notional", notional(quantity, ref, contract, contract_size)) / lev
    return v.result(pnl / (margin + fee))


@v.no_overflow
def price_return(entry_price: ArrayLike, price: ArrayLike) -> v.Float:
    """Simple price return (price - entry_price) / entry_price, as a fraction."""
    e = v.positive("entry_price", entry_price)
    p = v.positive("price", price)
    v.broadcastable(entry_price=e, price=p)
    return v.result((p - e) / e)


@v.no_overflow
def average_entry_price(
    quantities: ArrayLike, prices: ArrayLike, contract: str = "linear"
) -> float:
    """Average entry price after several fills in the same direction.

    linear:  sum(q_i x p_i) / sum(q_i)      (quantity-weighted arithmetic mean)
    inverse: sum(q_i) / sum(q_i / p_i)      (contract-weighted harmonic mean,
             because each inverse contract is a fixed number of dollars)

    Source: Bybit, "Average entry price" (inverse: total contracts / total
    value in coin); BitMEX, "Average Entry Price".
    """
    kind = v.contract_type(contract)
    q = v.positive("quantities", quantities)
    p = v.positive("prices", prices)
    if q.ndim != 1 or p.shape != q.shape or q.size == 0:
        raise ValueError(
            "quantities and prices must be one-dimensional, non-empty and of equal length, "
            f"got shapes {q.shape} and {p.shape}"
        )
    if kind == "linear":
        return float((q * p).sum() / q.sum())
    return float(q.sum() / (q / p).sum())
