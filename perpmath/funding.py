"""Funding: the periodic payment between longs and shorts that anchors a perpetual to spot.

A perpetual never expires, so nothing forces its price back to the index at a
settlement date (a dated future converges at expiry; rolling it over means
closing it and opening the next one). Instead, every funding interval the
side that pushed the contract away from the index pays the other side:

* positive rate: longs pay shorts; negative rate: shorts pay longs;
* payment = position notional at the mark price x rate (not the margin, not
  the unrealised PnL, independent of leverage).

The rate has an interest part and a premium part, joined by a clamp. The
8-hour form published by Binance, BitMEX and Hyperliquid is

    F8 = P + clamp(I - P, -c, +c)         (c = 0.05 %, I = 0.01 % per 8 h)

with P the (averaged) premium index

    P = [max(0, impact bid - index) - max(0, index - impact ask)] / index

and I = (quote interest - base interest) / intervals per day. The venues
differ in how often they pay and in caps, so :data:`FUNDING_CONVENTIONS`
names each one:

* ``"binance"`` ("Introduction to Binance Futures Funding Rates",
  https://www.binance.com/en/support/faq/360033525031): F = F8 / (8 / N)
  for an N-hour interval (8 by default), paid on the mark-price notional;
  the premium index is averaged with linearly rising weights.
* ``"bitmex"`` ("Perpetual Contracts Guide" and "Guide Examples",
  https://www.bitmex.com/app/perpetualContractsGuide): F = F8 every 8 hours
  (04:00, 12:00, 20:00 UTC), premium index averaged arithmetically.
* ``"hyperliquid"`` (Hyperliquid docs, "Funding",
  https://hyperliquid.gitbook.io/hyperliquid-docs/trading/funding): F8 is
  computed as above but paid every hour at one eighth of it, capped at 4 %
  per hour, on the oracle-price notional.
* ``"dydx_v4"`` (dYdX v4-chain, ``x/perpetuals``): the 8-hour rate is the
  hour's average premium plus the market's default funding, clamped to
  +/- 600 % x (initial - maintenance margin fraction), and paid hourly at
  one eighth (:func:`dydx_funding_rate`).
* ``"kraken"`` (Kraken, perpetual contract specifications): an hourly rate,
  the premium divided by the funding-rate realisation period, accrued while
  the position is held (:func:`kraken_funding_rate`).

Venues also differ in who pays: at Binance, Bybit, BitMEX, OKX,
Hyperliquid and dYdX a position pays a settlement only if it is open at the
funding time; Kraken accrues funding while the position is held and settles
it at the end of each hour or when the position changes. The ``cutoff`` of
each convention names the rule (``perpmath.funding_schedule`` applies it
over a holding period). The intermediate values of a rate (premium,
interest, clamp term, 8-hour rate, cap) are returned by
:func:`funding_rate_details`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from perpmath import _validate as v
from perpmath.contracts import notional as _notional
from perpmath.liquidation import liquidation_price as _liquidation_price
from perpmath.tiers import TierTable

__all__ = [
    "CUTOFF_RULES",
    "FUNDING_CONVENTIONS",
    "FundingConvention",
    "FundingRateDetails",
    "accumulated_funding",
    "annualized_funding_rate",
    "average_premium_index",
    "dydx_funding_cap",
    "dydx_funding_rate",
    "funding_interest_rate",
    "funding_over_time",
    "funding_payment",
    "funding_rate",
    "funding_rate_details",
    "funding_settlements",
    "funding_share_of_margin",
    "holding_events",
    "kraken_absolute_funding_rate",
    "kraken_funding_rate",
    "premium_index",
]

#: Who pays a settlement: a position open at the funding time ("at_timestamp"),
#: or every position in proportion to the time it was held ("pro_rata").
CUTOFF_RULES = ("at_timestamp", "pro_rata")


@dataclass(frozen=True)
class FundingConvention:
    """How one venue turns the 8-hour formula into a payment.

    ``interval_hours``: hours between payments; ``divisor``: the 8-hour rate is
    divided by this before it is paid (1 for an 8-hour venue, 8 for hourly
    payment of an 8-hour rate); ``cap``: largest absolute rate per payment
    (None: no cap beyond the clamp); ``averaging``: how premium samples are
    averaged; ``payment_price``: which price the notional is taken at;
    ``cutoff``: who pays a settlement (see :data:`CUTOFF_RULES`);
    ``first_hour_utc``: hour of the first settlement of a UTC day (BitMEX
    04:00, the others 00:00).
    """

    name: str
    interval_hours: float
    divisor: float
    cap: float | None
    averaging: str
    payment_price: str
    source: str
    cutoff: str = "at_timestamp"
    first_hour_utc: float = 0.0


FUNDING_CONVENTIONS: dict[str, FundingConvention] = {
    "binance": FundingConvention(
        "binance",
        8.0,
        1.0,
        None,
        "linear_weights",
        "mark",
        "Binance, Introduction to Binance Futures Funding Rates "
        "(https://www.binance.com/en/support/faq/360033525031)",
    ),
    "bitmex": FundingConvention(
        "bitmex",
        8.0,
        1.0,
        None,
        "mean",
        "mark",
        "BitMEX, Perpetual Contracts Guide (https://www.bitmex.com/app/perpetualContractsGuide)",
        first_hour_utc=4.0,
    ),
    "hyperliquid": FundingConvention(
        "hyperliquid",
        1.0,
        8.0,
        0.04,
        "mean",
        "oracle",
        "Hyperliquid docs, Funding (https://hyperliquid.gitbook.io/hyperliquid-docs/trading/funding)",
    ),
    "dydx_v4": FundingConvention(
        "dydx_v4",
        1.0,
        8.0,
        None,
        "mean",
        "oracle",
        "dYdX v4-chain, protocol/x/perpetuals (funding tick every hour; |R| <= 600% x "
        "(initial - maintenance margin)), https://github.com/dydxprotocol/v4-chain",
    ),
    "kraken": FundingConvention(
        "kraken",
        1.0,
        1.0,
        None,
        "mean",
        "mark",
        "Kraken, Inverse Crypto-Collateral Perpetual Contract Specifications "
        "(https://support.kraken.com/hc/en-us/articles/360022835911): funding accumulates as "
        "unrealised PnL and settles at the end of each hour or when the net position changes",
        cutoff="pro_rata",
    ),
}
_NAMES = tuple(FUNDING_CONVENTIONS)


def _convention(name: str) -> FundingConvention:
    return FUNDING_CONVENTIONS[v.choice("convention", name, _NAMES)]


@v.no_overflow
def premium_index(impact_bid: ArrayLike, impact_ask: ArrayLike, index_price: ArrayLike) -> v.Float:
    """Premium index from the impact bid/ask prices and the index (a fraction).

    P = [max(0, impact bid - index) - max(0, index - impact ask)] / index

    Zero while the index lies between the impact bid and ask; positive when
    even the impact bid is above the index (the perpetual trades rich).
    The impact prices are the average fill prices of a market order of the
    impact margin notional (Binance: 200 USDT of margin at the maximum
    leverage). Sources: Binance, "Introduction to Binance Futures Funding
    Rates"; Hyperliquid docs, "Funding" (impact_price_difference /
    oracle_px); BitMEX uses the mark price in place of the index.
    """
    bid = v.positive("impact_bid", impact_bid)
    ask = v.positive("impact_ask", impact_ask)
    idx = v.positive("index_price", index_price)
    v.broadcastable(impact_bid=bid, impact_ask=ask, index_price=idx)
    bad = bid > ask
    if np.any(bad):
        b, a = v.first_where(bad, bid, ask)
        raise ValueError(
            f"impact_bid must not exceed impact_ask, got impact_bid {b!r} above impact_ask {a!r}"
        )
    return v.result((np.maximum(0.0, bid - idx) - np.maximum(0.0, idx - ask)) / idx)


@v.no_overflow
def average_premium_index(samples: ArrayLike, convention: str = "binance") -> v.Float:
    """Average of premium-index samples over one funding interval (last axis).

    ``"binance"``: time-weighted with weights 1, 2, ..., n (later samples
    weigh more): sum(i x P_i) / sum(i) (Binance, "Introduction to Binance
    Futures Funding Rates"). ``"bitmex"``, ``"hyperliquid"``: arithmetic mean
    of the samples (BitMEX support, "Why is the Funding Rate for a contract
    higher or lower than I expect"; Hyperliquid docs, "Funding").
    """
    conv = _convention(convention)
    p = v.as_float_array("samples", samples)
    if p.ndim == 0 or p.shape[-1] == 0:
        raise ValueError(f"samples must be a non-empty array of premium indices, got {samples!r}")
    if conv.averaging == "linear_weights":
        w = np.arange(1, p.shape[-1] + 1, dtype=float)
        return v.result((p * w).sum(axis=-1) / w.sum())
    return v.result(p.mean(axis=-1))


@v.no_overflow
def funding_interest_rate(
    quote_rate: ArrayLike, base_rate: ArrayLike, intervals_per_day: ArrayLike = 3
) -> v.Float:
    """Interest component per funding interval from daily borrowing rates.

    I = (quote interest - base interest) / intervals per day

    Binance: (0.06 % - 0.03 %) / 3 = 0.01 % per 8 hours; BitMEX, "Perpetual
    Contracts Guide": (Interest Quote Index - Interest Base Index) / Funding
    Interval, with 3 intervals a day.
    """
    q = v.as_float_array("quote_rate", quote_rate)
    b = v.as_float_array("base_rate", base_rate)
    n = v.positive("intervals_per_day", intervals_per_day)
    v.broadcastable(quote_rate=q, base_rate=b, intervals_per_day=n)
    return v.result((q - b) / n)


def _rate_parts(
    premium_index: ArrayLike,
    interest_rate: ArrayLike,
    clamp: ArrayLike,
    convention: str,
    interval_hours: ArrayLike | None,
    cap: ArrayLike | None,
) -> dict[str, Any]:
    conv = _convention(convention)
    if conv.name in ("dydx_v4", "kraken"):
        raise ValueError(
            f"convention {conv.name!r} does not use the clamp formula; use "
            f"{conv.name.split('_')[0]}_funding_rate()"
        )
    p = v.as_float_array("premium_index", premium_index)
    i = v.as_float_array("interest_rate", interest_rate)
    c = v.non_negative("clamp", clamp)
    v.broadcastable(
        premium_index=p,
        interest_rate=i,
        clamp=c,
        interval_hours=0.0
        if interval_hours is None
        else v.positive("interval_hours", interval_hours),
        cap=0.0 if cap is None else v.non_negative("cap", cap),
    )
    clamp_term = np.clip(i - p, -c, c)
    f8 = p + clamp_term
    if conv.name == "binance":
        n = 8.0 if interval_hours is None else v.positive("interval_hours", interval_hours)
        rate = f8 / (8.0 / n)
    else:
        if interval_hours is not None:
            h = v.positive("interval_hours", interval_hours)
            if np.any(h != conv.interval_hours):
                raise ValueError(
                    f"interval_hours for convention {conv.name!r} must be "
                    f"{conv.interval_hours:g}, got {interval_hours!r}"
                )
        n = conv.interval_hours
        rate = f8 / conv.divisor
    limit = conv.cap if cap is None else v.non_negative("cap", cap)
    uncapped = rate
    if limit is not None:
        rate = np.clip(rate, -limit, limit)
    return {
        "premium": p,
        "interest": i,
        "clamp_term": clamp_term,
        "rate_8h": f8,
        "rate_uncapped": uncapped,
        "rate": rate,
        "cap": limit,
        "interval_hours": n,
        "convention": conv.name,
    }


@v.no_overflow
def funding_rate(
    premium_index: ArrayLike,
    interest_rate: ArrayLike = 0.0001,
    clamp: ArrayLike = 0.0005,
    convention: str = "binance",
    *,
    interval_hours: ArrayLike | None = None,
    cap: ArrayLike | None = None,
) -> v.Float:
    """Funding rate charged at one settlement of ``convention`` (a fraction).

    F8 = P + clamp(I - P, -clamp, +clamp), with ``interest_rate`` and
    ``clamp`` quoted per 8 hours, then per venue:

    * ``"binance"``: F = F8 / (8 / N), N = ``interval_hours`` (default 8;
      Binance also settles some symbols every 4, 2 or 1 hours);
    * ``"bitmex"``: F = F8 (8-hour interval);
    * ``"hyperliquid"``: F = F8 / 8, paid every hour, capped at +/-4 %.

    ``cap`` (optional) clips the result to +/-cap: venues publish a cap
    per symbol (Binance lists it with each contract's funding history and
    in GET /fapi/v1/fundingInfo, e.g. +/-2.5 % for HIFIUSDT at 4 hours,
    +/-3 % for contracts of 25x or less); pass that value. Hyperliquid's 4 %
    per hour applies by default. dYdX v4 and Kraken use other formulas
    (:func:`dydx_funding_rate`, :func:`kraken_funding_rate`). Sources: see
    :data:`FUNDING_CONVENTIONS`.
    """
    parts = _rate_parts(premium_index, interest_rate, clamp, convention, interval_hours, cap)
    return v.result(parts["rate"])


@dataclass(frozen=True)
class FundingRateDetails:
    """A funding rate and the values it is made of (fractions; scalars or arrays).

    ``clamp_term`` = clamp(I - P, -c, +c); ``rate_8h`` = P + clamp_term;
    ``rate_uncapped`` = the rate per interval before ``cap``; ``rate`` =
    what is charged at the settlement; ``capped`` says whether the cap bound.
    """

    premium: Any
    interest: Any
    clamp_term: Any
    rate_8h: Any
    rate_uncapped: Any
    rate: Any
    cap: Any
    capped: Any
    interval_hours: Any
    convention: str


@v.no_overflow
def funding_rate_details(
    premium_index: ArrayLike,
    interest_rate: ArrayLike = 0.0001,
    clamp: ArrayLike = 0.0005,
    convention: str = "binance",
    *,
    interval_hours: ArrayLike | None = None,
    cap: ArrayLike | None = None,
) -> FundingRateDetails:
    """``funding_rate`` with its intermediate values, to check against an exchange screen.

    Same arguments as :func:`funding_rate`; ``result.rate`` is the number it
    returns. BitMEX support's ONDOUSDT example: premium -0.184 %, interest
    0.01 %: clamp term +0.05 %, rate -0.134 %.
    """
    d = _rate_parts(premium_index, interest_rate, clamp, convention, interval_hours, cap)
    capped = np.asarray(d["rate"]) != np.asarray(d["rate_uncapped"])
    out = {
        k: (v.result(val) if k not in ("cap", "convention") and val is not None else val)
        for k, val in d.items()
    }
    if out["cap"] is not None:
        out["cap"] = v.result(out["cap"])
    return FundingRateDetails(capped=bool(capped) if capped.ndim == 0 else capped, **out)


@v.no_overflow
def dydx_funding_cap(
    initial_margin_fraction: ArrayLike,
    maintenance_fraction: ArrayLike,
    clamp_factor: ArrayLike = 6.0,
) -> v.Float:
    """Largest absolute 8-hour funding rate on dYdX v4: clamp factor x (IMF - MMF).

    MMF = IMF x maintenance fraction (the maintenance fraction may be up to
    100 %, which leaves no room for funding). Source: dYdX v4-chain,
    ``LiquidityTier.GetMaxAbsFundingClampPpm`` (protocol/x/perpetuals/types/
    liquidity_tier.go), default clamp factor 600 % (genesis.go); its test:
    600 % x (15 % - 15 % x 80 %) = 18 %.
    """
    imf = v.in_range(
        "initial_margin_fraction", initial_margin_fraction, 0.0, 1.0, high_inclusive=True
    )
    frac = v.in_range("maintenance_fraction", maintenance_fraction, 0.0, 1.0, high_inclusive=True)
    k = v.non_negative("clamp_factor", clamp_factor)
    v.broadcastable(initial_margin_fraction=imf, maintenance_fraction=frac, clamp_factor=k)
    if np.any(imf == 0):
        raise ValueError("initial_margin_fraction must be greater than 0 (a market's margin)")
    return v.result(k * (imf - imf * frac))


@v.no_overflow
def dydx_funding_rate(
    premium: ArrayLike,
    initial_margin_fraction: ArrayLike,
    maintenance_fraction: ArrayLike,
    default_funding: ArrayLike = 0.0,
    clamp_factor: ArrayLike = 6.0,
) -> v.Float:
    """Hourly funding rate on dYdX v4: clamp(P + default funding, +/- cap) / 8.

    ``premium`` is the hour's average premium (the median of validators'
    premium votes, sampled every minute), ``default_funding`` the market's
    8-hour default rate; the 8-hour rate is clamped to +/-
    :func:`dydx_funding_cap` and paid every hour at one eighth (the funding
    index grows by rate x hour / 8 hours x oracle price). Source: dYdX
    v4-chain, ``MaybeProcessNewFundingTickEpoch`` (protocol/x/perpetuals/
    keeper/perpetual.go: "funding rate = premium + default funding", "|R| <=
    clamp_factor * (initial margin - maintenance margin)").
    """
    p = v.as_float_array("premium", premium)
    d = v.as_float_array("default_funding", default_funding)
    v.broadcastable(
        premium=p,
        initial_margin_fraction=v.as_float_array(
            "initial_margin_fraction", initial_margin_fraction
        ),
        maintenance_fraction=v.as_float_array("maintenance_fraction", maintenance_fraction),
        default_funding=d,
        clamp_factor=v.as_float_array("clamp_factor", clamp_factor),
    )
    limit = np.asarray(
        dydx_funding_cap(initial_margin_fraction, maintenance_fraction, clamp_factor)
    )
    return v.result(np.clip(p + d, -limit, limit) / 8.0)


@v.no_overflow
def kraken_funding_rate(
    premium: ArrayLike, realisation_hours: ArrayLike, cap: ArrayLike | None = None
) -> v.Float:
    """Kraken's relative funding rate per hour: premium / realisation period (hours), capped.

    ``premium`` = (impact mid price - index) / index averaged over the
    rate-setting hour; the contract's funding-rate realisation period and
    cap are in its specification (Kraken, "Perpetual Contract
    Specifications": the rate for the next hour is calculated over the
    current hour; funding accrues while the position is held). The page's
    period length and cap values could not be retrieved for this package,
    so both are arguments. Convert to Kraken's absolute rate with
    :func:`kraken_absolute_funding_rate`.
    """
    p = v.as_float_array("premium", premium)
    h = v.positive("realisation_hours", realisation_hours)
    v.broadcastable(
        premium=p, realisation_hours=h, cap=None if cap is None else v.non_negative("cap", cap)
    )
    rate = p / h
    if cap is not None:
        c = v.non_negative("cap", cap)
        rate = np.clip(rate, -c, c)
    return v.result(rate)


@v.no_overflow
def kraken_absolute_funding_rate(relative_rate: ArrayLike, price: ArrayLike) -> v.Float:
    """Absolute funding rate: relative rate x price (USD per unit of the base per hour).

    Kraken's ticker reports the absolute rate (``fundingRate``, in quote
    currency per contract unit); dividing it by the price gives the relative
    rate its funding history reports (``relativeFundingRate``). Source: Kraken
    Futures API, tickers and historical funding rates.
    """
    r = v.as_float_array("relative_rate", relative_rate)
    p = v.positive("price", price)
    v.broadcastable(relative_rate=r, price=p)
    return v.result(r * p)


@v.no_overflow
def funding_payment(
    side: str | ArrayLike,
    quantity: ArrayLike,
    mark_price: ArrayLike,
    rate: ArrayLike,
    contract: str = "linear",
    contract_size: ArrayLike = 1.0,
) -> v.Float:
    """Funding paid by the holder at one settlement (positive: the trader pays).

    payment = s x notional(quantity, mark price) x rate, s = +1 long, -1 short

    so a long pays when the rate is positive and receives when it is
    negative. linear: notional = quantity x mark (quote currency); inverse:
    quantity x contract_size / mark (coin). It depends on neither leverage
    nor unrealised PnL. Sources: Binance, "Introduction to Binance Futures
    Funding Rates" (Funding Amount = Nominal Value of Positions x Funding
    Rate, nominal value = mark price x size); BitMEX, "Perpetual Contracts
    Guide Examples" (Funding Amount = Mark Value x Funding Rate).
    """
    s = v.side_sign(side)
    r = v.as_float_array("rate", rate)
    m = v.positive("mark_price", mark_price)
    value = np.asarray(_notional(quantity, m, contract, contract_size), dtype=float)
    v.broadcastable(side=s, quantity=quantity, mark_price=m, rate=r, contract_size=contract_size)
    return v.result(s * value * r)


@v.no_overflow
def funding_settlements(hours: ArrayLike, interval_hours: ArrayLike = 8.0) -> v.Float:
    """Number of funding settlements in a holding period of ``hours``.

    floor(hours / interval): a position opened just after a settlement and
    held ``hours`` crosses this many funding timestamps (only positions open
    at a funding timestamp pay or receive).
    """
    h = v.non_negative("hours", hours)
    n = v.positive("interval_hours", interval_hours)
    v.broadcastable(hours=h, interval_hours=n)
    return v.result(np.floor(h / n + 1e-9))


@v.no_overflow
def annualized_funding_rate(rate: ArrayLike, interval_hours: ArrayLike = 8.0) -> v.Float:
    """Simple annualisation: rate x (24 / interval) x 365 (a fraction per year).

    No compounding, as venues quote it (Binance's funding page shows a rate
    per interval; the annual figure is that rate times the settlements in a
    year, 3 x 365 at 8 hours). Source for the interval: Binance,
    "Introduction to Binance Futures Funding Rates"
    (https://www.binance.com/en/support/faq/360033525031).
    """
    r = v.as_float_array("rate", rate)
    n = v.positive("interval_hours", interval_hours)
    v.broadcastable(rate=r, interval_hours=n)
    return v.result(r * 24.0 / n * 365.0)


@v.no_overflow
def funding_share_of_margin(
    rate: ArrayLike, leverage: ArrayLike, settlements: ArrayLike = 1
) -> v.Float:
    """Funding paid over ``settlements`` as a share of the initial margin (price unchanged).

    cost / margin = rate x settlements x notional / (notional / leverage)
                  = rate x settlements x leverage

    The payment per unit of notional is the same at every leverage; relative
    to the margin it grows in proportion to leverage.
    """
    r = v.as_float_array("rate", rate)
    lev = v.leverage(leverage)
    n = v.non_negative("settlements", settlements)
    v.broadcastable(rate=r, leverage=lev, settlements=n)
    return v.result(r * n * lev)


@v.no_overflow
def accumulated_funding(
    side: str | ArrayLike,
    quantity: ArrayLike,
    mark_prices: ArrayLike,
    rates: ArrayLike,
    contract: str = "linear",
    contract_size: ArrayLike = 1.0,
) -> v.Float:
    """Cumulative funding paid along a sequence of settlements (last axis).

    cum_k = sum_{j<=k} s x notional(mark_j) x rate_j   (positive: paid)

    ``mark_prices`` and ``rates`` hold one value per settlement and
    broadcast against each other; the last element is the total.
    """
    m = v.positive("mark_prices", mark_prices)
    r = v.as_float_array("rates", rates)
    v.broadcastable(
        side=v.side_sign(side),
        quantity=v.positive("quantity", quantity),
        mark_prices=m,
        rates=r,
        contract_size=v.positive("contract_size", contract_size),
    )
    m, r = np.broadcast_arrays(m, r)
    if m.ndim == 0:
        m, r = m.reshape(1), r.reshape(1)
    each = np.asarray(funding_payment(side, quantity, m, r, contract, contract_size), dtype=float)
    return v.result(np.cumsum(each, axis=-1))


@v.no_overflow
def funding_over_time(
    side: str,
    entry_price: float,
    leverage: float,
    rates: ArrayLike,
    *,
    quantity: float = 1.0,
    mark_prices: ArrayLike | None = None,
    interval_hours: float | None = None,
    maintenance: TierTable | float = 0.004,
    margin: float | None = None,
    convention: str | None = None,
) -> pd.DataFrame:
    """Funding settlement by settlement, its drain on isolated margin, and the liquidation price.

    One row per settlement k = 1..n (``rates`` holds one rate per
    settlement; ``mark_prices`` defaults to the entry price): the payment,
    the cumulative funding, the isolated margin left (initial margin, or
    ``margin``, minus cumulative funding paid) and the liquidation price
    with that margin, from :func:`perpmath.liquidation.liquidation_price`
    (``margin=``). Paying funding moves a long's liquidation price up and a
    short's down, towards the entry; receiving it moves it away. The frame
    stops once the position is liquidated: at the settlement whose mark is
    past the liquidation price, or before the first settlement after which
    the margin left no longer covers the maintenance margin at the entry
    (funding alone would liquidate it there). ``frame.attrs`` holds
    ``initial_margin``, ``initial_liquidation_price`` and ``liquidated``.
    ``convention`` (a name in :data:`FUNDING_CONVENTIONS`) sets the interval
    between settlements (``"hyperliquid"``, ``"dydx_v4"``, ``"kraken"``:
    1 hour; ``"binance"``, ``"bitmex"``: 8 hours) unless ``interval_hours``
    is given; without either, 8 hours. Source: payment = position value x
    funding rate at each settlement (Binance, "Introduction to Binance
    Futures Funding Rates", https://www.binance.com/en/support/faq/360033525031);
    the liquidation price with the margin left follows Bybit's isolated
    formula, where margin taken out enters as negative extra margin.
    """
    s = v.side_sign(side)
    if not isinstance(s, float):
        raise ValueError(f"side must be a single 'long' or 'short', got {side!r}")
    e = v.scalar("entry_price", v.positive("entry_price", entry_price))
    lev = v.scalar("leverage", v.leverage(leverage))
    q = v.scalar("quantity", v.positive("quantity", quantity))
    r = np.atleast_1d(v.as_float_array("rates", rates))
    if r.ndim != 1 or r.size == 0:
        raise ValueError(f"rates must be a non-empty one-dimensional sequence, got {rates!r}")
    marks = np.full(r.shape, e) if mark_prices is None else v.positive("mark_prices", mark_prices)
    v.broadcastable(mark_prices=marks, rates=r)
    marks, r = np.broadcast_arrays(np.atleast_1d(marks), r)
    if interval_hours is None:
        interval_hours = 8.0 if convention is None else _convention(convention).interval_hours
    elif convention is not None:
        _convention(convention)
    hours = v.scalar("interval_hours", v.positive("interval_hours", interval_hours))
    m0 = q * e / lev if margin is None else v.scalar("margin", v.positive("margin", margin))
    paid = np.asarray(funding_payment(side, q, marks, r), dtype=float)
    cum = np.cumsum(paid)
    left = m0 - cum
    liq, n_end, liquidated = _liquidation_prices(side, s, e, lev, q, maintenance, marks, left)
    frame = pd.DataFrame(
        {
            "settlement": np.arange(1, r.size + 1),
            "hours": np.arange(1, r.size + 1) * float(hours),
            "rate": r,
            "mark_price": marks,
            "payment": paid,
            "cumulative_funding": cum,
            "margin_left": left,
            "liquidation_price": liq,
        }
    ).iloc[:n_end]
    frame.attrs["initial_liquidation_price"] = float(
        _liquidation_price(side, e, lev, q, maintenance=maintenance, margin=m0)
    )
    frame.attrs["initial_margin"] = m0
    frame.attrs["liquidated"] = liquidated
    frame.attrs["interval_hours"] = float(hours)
    frame.attrs["convention"] = convention
    return frame.reset_index(drop=True)


def _liquidation_prices(
    side: str,
    s: float,
    e: float,
    lev: float,
    q: float,
    maintenance: TierTable | float,
    marks: NDArray[np.float64],
    left: NDArray[np.float64],
) -> tuple[NDArray[np.float64], int, bool]:
    """Liquidation price with the margin ``left`` after each settlement, the number of
    rows to keep (up to and including the settlement that liquidates) and whether the
    position is liquidated: at a mark past its liquidation price, or once the margin
    left no longer covers the maintenance margin at the entry (NaN from there on)."""
    if isinstance(maintenance, TierTable):
        mm_entry = float(maintenance.maintenance_margin(q * e))
    else:
        mm_entry = q * e * v.scalar("maintenance", v.in_range("maintenance", maintenance, 0, 1))
    alive = left > mm_entry
    n_ok = left.size if alive.all() else int(np.argmin(alive))
    liq = np.full(left.shape, np.nan)
    if n_ok:
        liq[:n_ok] = _liquidation_price(
            side, e, lev, q, maintenance=maintenance, margin=left[:n_ok]
        )
    crossed = s * (marks[:n_ok] - liq[:n_ok]) <= 0
    n_end = int(np.argmax(crossed)) + 1 if crossed.any() else n_ok
    return liq, n_end, n_end < left.size or bool(crossed.any())


@v.no_overflow
def holding_events(
    days: float,
    instrument: str = "perpetual",
    *,
    interval_hours: float = 8.0,
    expiry_days: float = 91.0,
) -> dict[str, int]:
    """What holding a position for ``days`` involves: funding settlements and rollovers.

    ``"perpetual"``: no expiry, so no rollover; one funding settlement every
    ``interval_hours`` (:func:`funding_settlements`). ``"dated"`` (a
    quarterly future by default): no funding, but the contract expires every
    ``expiry_days`` and keeping the exposure means closing it and opening the
    next one (a rollover) at each expiry inside the period. Source: Binance,
    "What Are Perpetual Futures Contracts" and "Quarterly Futures" (delivery
    every quarter); BitMEX, "Perpetual Contracts Guide".
    """
    kind = v.choice("instrument", instrument, ("perpetual", "dated"))
    d = v.scalar("days", v.non_negative("days", days))
    if kind == "perpetual":
        v.unused("expiry_days", expiry_days, 91.0, applies="instrument='dated'")
        hours = v.scalar("interval_hours", v.positive("interval_hours", interval_hours))
        n = int(funding_settlements(d * 24.0, hours))
        return {"funding_settlements": n, "rollovers": 0}
    v.unused("interval_hours", interval_hours, 8.0, applies="instrument='perpetual'")
    e = v.scalar("expiry_days", v.positive("expiry_days", expiry_days))
    return {"funding_settlements": 0, "rollovers": int(np.floor(d / e + 1e-9))}
