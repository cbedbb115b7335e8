"""Index price, mark price, and why liquidations watch the mark price.

An exchange does not liquidate on its own last traded price, which one large
order in a thin book can push far for a moment. It builds a **price index**
from several spot venues and a **mark price** from that index, and compares
the mark price with each position's liquidation price.

Price index (Binance, "What Are Mark Price and Price Index in USDⓈ-M
Futures?", https://www.binance.com/en/support/faq/360033525071):

    index = sum_i w_i x p_i / sum_i w_i

over the venues that are currently valid. Two published protections against a
bad venue are supported by name (``outlier_rule``):

* ``"exclude"``: a venue more than ``band`` (5 %) from the median of all
  venues gets weight 0; if more than one venue deviates, the index is the
  median of all venues (Binance, "Price Index",
  https://www.binance.com/en/support/faq/547ba48141474ab3bddc5d7898f97928).
* ``"cap"``: a venue's price is clipped to median x (1 +/- band), 3 % in
  general and 1 % for BTC and ETH (Binance's current rule, with the worked
  example "median 20,000 and +7 % -> counted as 20,600; -6 % -> 19,400").

A venue whose last update is older than ``stale_after`` gets weight 0
(Binance: no update for 5 minutes in the current rule, 10 seconds in 2020).

Mark price by exchange (``convention``):

* ``"binance"`` (USDⓈ-M and COIN-M perpetuals; Binance, "Mark Price in
  Coin-Margined Futures", https://www.binance.com/en/support/faq/fff6ec1b3f5845d19f1fb924644a0877)
  and ``"bybit"`` (Bybit, "Mark Price Calculation (Perpetual Contract)",
  https://testnet.bybit.com/en-US/help-center/s/article/What-is-Dual-Price-mechanism):

      mark = median(P1, P2, last price)
      P1 = index x (1 + last funding rate x time until funding / interval)
      P2 = index + moving average of ((bid1 + ask1) / 2 - index)

  (Binance averages the basis over 2.5 minutes of 5-second samples, Bybit
  over 5 minutes of 1-second samples.)
* ``"bitmex"`` (BitMEX, "Fair Price Marking",
  https://www.bitmex.com/app/fairPriceMarking):
  mark = fair price = index x (1 + funding rate x time until funding / interval).
* ``"deribit_futures"`` (Deribit, "Calculation of BTC mark price for
  calculating unrealised P/L",
  https://deribit.freshdesk.com/support/solutions/articles/1000199659):
  the last price moved into [best bid, best ask], then kept within 3 % of
  the index.
* ``"okx"`` (OKX, "III. Mark Price",
  https://support.okexcn.com/hc/en-us/articles/360035846251-III-Mark-Price):
  mark = index + moving average of the basis.
* Hyperliquid (docs, "Robust price indices",
  https://hyperliquid.gitbook.io/hyperliquid-docs/trading/robust-price-indices),
  :func:`hyperliquid_mark_price`: the median of (1) the oracle price plus a
  150-second EMA of (Hyperliquid mid - oracle), (2) the median of best bid,
  best ask and last trade on Hyperliquid, (3) the median of external
  venues' perpetual mid prices; if only two exist, a 30-second EMA of (2)
  joins them. The EMA is :func:`hyperliquid_ema`.

``mark_price_details`` returns Binance's and Bybit's inputs by name (Price 1,
Price 2, last price) with the one the median picked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from perpmath import _validate as v
from perpmath.tiers import TierTable

__all__ = [
    "INDEX_OUTLIER_RULES",
    "MARK_PRICE_CONVENTIONS",
    "MarkPriceDetails",
    "WickDemo",
    "funding_basis_price",
    "hyperliquid_ema",
    "hyperliquid_mark_price",
    "mark_price",
    "mark_price_details",
    "moving_average_basis",
    "price_index",
    "wick_demo",
]

#: Ways of treating a venue far from the others (see the module docstring).
INDEX_OUTLIER_RULES = ("none", "exclude", "cap")

#: Mark-price formulas by exchange name (see the module docstring).
MARK_PRICE_CONVENTIONS = ("binance", "bybit", "bitmex", "okx", "deribit_futures")


@v.no_overflow
def price_index(
    prices: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    method: str = "weighted",
    outlier_rule: str = "none",
    band: float = 0.05,
    age: ArrayLike | None = None,
    stale_after: float | None = None,
) -> v.Float:
    """Spot price index from several venues (last axis = venues).

    ``prices`` has shape ``(..., n_venues)``: one row per time step, one column
    per venue. ``method="weighted"``: sum(w x p) / sum(w) over valid venues
    (``weights`` default to equal); ``method="median"``: median of the valid
    venues. ``outlier_rule`` is ``"none"``, ``"exclude"`` (weight 0 beyond
    ``band`` from the median; median of all if two or more deviate) or
    ``"cap"`` (clip to median x (1 +/- band)). ``age`` (same shape as
    ``prices``, seconds since each venue's last update) with ``stale_after``
    drops stale venues. Sources: Binance USDⓈ-M price index rules (module
    docstring). Returns a float for one row, an array for several.
    """
    p = v.positive("prices", prices)
    if p.ndim == 0 or p.shape[-1] == 0:
        raise ValueError(
            f"prices must have at least one venue along the last axis, got shape {p.shape}"
        )
    kind = v.choice("method", method, ("weighted", "median"))
    rule = v.choice("outlier_rule", outlier_rule, INDEX_OUTLIER_RULES)
    if rule == "none":
        v.unused("band", band, 0.05, applies="outlier_rule='exclude' or 'cap'")
    width = v.scalar("band", v.in_range("band", band, 0.0, 1.0))
    if weights is None:
        w = np.ones(p.shape[-1])
    else:
        w = v.non_negative("weights", weights)
        if w.shape != p.shape[-1:] and w.shape != p.shape:
            raise ValueError(
                f"weights must have one value per venue ({p.shape[-1]}), got shape {w.shape}"
            )
    w = np.broadcast_to(w, p.shape).astype(float)
    valid = w > 0
    if age is None:
        v.unused("stale_after", stale_after, None, applies="age= (seconds since each update)")
    else:
        a = v.non_negative("age", age)
        if stale_after is None:
            raise ValueError("stale_after must be given (seconds) when age is given")
        if a.shape != p.shape:
            raise ValueError(f"age must have the shape of prices {p.shape}, got {a.shape}")
        limit = v.scalar("stale_after", v.positive("stale_after", stale_after))
        valid = valid & (a <= limit)
    if not np.all(valid.any(axis=-1)):
        raise ValueError("every venue is stale or has weight 0: no price index can be formed")
    masked = np.where(valid, p, np.nan)
    med = np.nanmedian(masked, axis=-1, keepdims=True)
    use = masked
    fallback = np.zeros(p.shape[:-1], dtype=bool)
    if rule == "cap":
        use = np.clip(masked, med * (1 - width), med * (1 + width))
    elif rule == "exclude":
        far = valid & (np.abs(p / med - 1) > width)
        fallback = far.sum(axis=-1) > 1
        valid = valid & ~far
        use = np.where(valid, p, np.nan)
    if kind == "median":
        out = np.nanmedian(use, axis=-1)
    else:
        ww = np.where(valid, w, 0.0)
        out = np.nansum(np.where(valid, use, 0.0) * ww, axis=-1) / ww.sum(axis=-1)
    out = np.where(fallback, med[..., 0], out)
    return v.result(out)


@v.no_overflow
def moving_average_basis(
    bid: ArrayLike, ask: ArrayLike, index: ArrayLike, window: int = 30
) -> v.Float:
    """Trailing moving average of the basis (bid1 + ask1) / 2 - index, in price units.

    One value per sample along the last axis; the first ``window - 1``
    samples average what exists so far. Binance: 30 samples 5 s apart
    (2.5 min); Bybit: 300 samples 1 s apart (5 min). Source: Binance, "Mark
    Price in Coin-Margined Futures" (module docstring).
    """
    b = v.positive("bid", bid)
    a = v.positive("ask", ask)
    i = v.positive("index", index)
    window = v.integer("window", window, minimum=1)
    v.broadcastable(bid=b, ask=a, index=i)
    basis = (b + a) / 2 - i
    if basis.ndim == 0:
        return float(basis)
    c = np.cumsum(basis, axis=-1)
    n = basis.shape[-1]
    shifted = np.zeros_like(c)
    if window < n:
        shifted[..., window:] = c[..., :-window]
    counts = np.minimum(np.arange(1, n + 1), window)
    return v.result((c - shifted) / counts)


@v.no_overflow
def funding_basis_price(
    index: ArrayLike,
    funding_rate: ArrayLike,
    time_until_funding: ArrayLike,
    funding_interval: float = 8.0,
) -> v.Float:
    """index x (1 + funding rate x time until funding / interval).

    Binance's and Bybit's "Price 1" and BitMEX's "Fair Price" (times in
    hours; the basis decays to 0 at the funding time). Source: BitMEX, "Fair
    Price Marking"; Binance, "Mark Price in Coin-Margined Futures".
    """
    i = v.positive("index", index)
    r = v.as_float_array("funding_rate", funding_rate)
    interval = v.scalar("funding_interval", v.positive("funding_interval", funding_interval))
    t = v.in_range("time_until_funding", time_until_funding, 0.0, interval, high_inclusive=True)
    v.broadcastable(index=i, funding_rate=r, time_until_funding=t)
    return v.result(i * (1 + r * t / interval))


@v.no_overflow
def mark_price(
    index: ArrayLike,
    *,
    convention: str = "binance",
    last_price: ArrayLike | None = None,
    funding_rate: ArrayLike = 0.0,
    time_until_funding: ArrayLike = 0.0,
    funding_interval: float = 8.0,
    basis: ArrayLike = 0.0,
    bid: ArrayLike | None = None,
    ask: ArrayLike | None = None,
    band: float = 0.03,
) -> v.Float:
    """Mark price from the index, as each exchange publishes it.

    ``basis`` is the moving-average basis in price units (see
    ``moving_average_basis``). ``"binance"``/``"bybit"``: median(P1, P2,
    last_price) with P1 = ``funding_basis_price(...)`` and P2 = index + basis
    (``last_price`` required); ``"bitmex"``: P1; ``"okx"``: P2;
    ``"deribit_futures"``: clip(clip(last, bid, ask), index x (1 - band),
    index x (1 + band)) (``last_price``, ``bid``, ``ask`` required). Sources:
    module docstring.
    """
    conv = v.choice("convention", convention, MARK_PRICE_CONVENTIONS)
    i = v.positive("index", index)
    # market data are checked whenever given, even where this venue's formula skips them
    last = None if last_price is None else v.positive("last_price", last_price)
    bid_ = None if bid is None else v.positive("bid", bid)
    ask_ = None if ask is None else v.positive("ask", ask)
    b = v.as_float_array("basis", basis)
    v.broadcastable(index=i, last_price=last, bid=bid_, ask=ask_, basis=b)
    if conv != "deribit_futures":
        v.unused("band", band, 0.03, applies="convention='deribit_futures'")
    else:
        futures = "a perpetual's convention (a dated future pays no funding)"
        v.unused("funding_rate", funding_rate, 0.0, applies=futures)
        v.unused("time_until_funding", time_until_funding, 0.0, applies=futures)
        v.unused("funding_interval", funding_interval, 8.0, applies=futures)
    if conv == "deribit_futures":
        if last_price is None or bid is None or ask is None:
            raise ValueError(
                "last_price, bid and ask are required for convention 'deribit_futures'"
            )
        last = v.positive("last_price", last_price)
        b = v.positive("bid", bid)
        a = v.positive("ask", ask)
        if np.any(b > a):
            raise ValueError("bid must not exceed ask (a crossed book has no mark price here)")
        width = v.scalar("band", v.in_range("band", band, 0.0, 1.0))
        inside = np.clip(last, b, a)
        return v.result(np.clip(inside, i * (1 - width), i * (1 + width)))
    p1 = np.asarray(funding_basis_price(i, funding_rate, time_until_funding, funding_interval))
    p2 = i + b
    if conv == "bitmex":
        return v.result(p1)
    if conv == "okx":
        return v.result(v.positive("index + basis", p2))
    if last_price is None:
        raise ValueError(f"last_price is required for convention {conv!r} (median of three)")
    last = v.positive("last_price", last_price)
    stacked = np.stack(np.broadcast_arrays(p1, p2, last), axis=-1)
    return v.result(np.median(stacked, axis=-1))


@dataclass(frozen=True)
class MarkPriceDetails:
    """A median-of-three mark price and its inputs (Binance, Bybit).

    ``price_1`` = index x (1 + funding rate x time until funding / interval);
    ``price_2`` = index + moving-average basis; ``last_price``; ``mark_price``
    is their median and ``chosen`` names which input it is (``"price_1"``,
    ``"price_2"`` or ``"last_price"``).
    """

    index: float
    price_1: float
    price_2: float
    last_price: float
    mark_price: float
    chosen: str


@v.no_overflow
def mark_price_details(
    index: float,
    *,
    last_price: float,
    funding_rate: float = 0.0,
    time_until_funding: float = 0.0,
    funding_interval: float = 8.0,
    basis: float = 0.0,
    convention: str = "binance",
) -> MarkPriceDetails:
    """Binance's or Bybit's mark price with Price 1, Price 2 and the last price by name.

    Scalars only; ``result.mark_price`` equals :func:`mark_price` with the
    same arguments. Source: Binance, "Mark Price in Coin-Margined Futures"
    (Price 1, Price 2, contract price; mark = median of the three); Bybit,
    "Mark Price Calculation (Perpetual Contract)".
    """
    conv = v.choice("convention", convention, ("binance", "bybit"))
    for name, val in (
        ("index", index),
        ("last_price", last_price),
        ("basis", basis),
        ("funding_rate", funding_rate),
        ("time_until_funding", time_until_funding),
    ):
        v.scalar(name, val)
    mark = float(
        mark_price(
            index,
            convention=conv,
            last_price=last_price,
            funding_rate=funding_rate,
            time_until_funding=time_until_funding,
            funding_interval=funding_interval,
            basis=basis,
        )
    )
    p1 = float(funding_basis_price(index, funding_rate, time_until_funding, funding_interval))
    p2 = float(index) + float(basis)
    last = float(last_price)
    names = {"price_1": p1, "price_2": p2, "last_price": last}
    chosen = min(names, key=lambda k: abs(names[k] - mark))
    return MarkPriceDetails(float(index), p1, p2, last, mark, chosen)


@v.no_overflow
def hyperliquid_ema(samples: ArrayLike, durations: ArrayLike, timescale: float = 150.0) -> v.Float:
    """Hyperliquid's time-weighted EMA, updated sample by sample (last axis).

    For a sample observed ``t`` seconds after the previous update:
    numerator <- numerator x exp(-t / timescale) + sample x t,
    denominator <- denominator x exp(-t / timescale) + t, EMA = numerator /
    denominator. Returns the EMA after each sample. ``timescale``: 150 s
    ("2.5 minutes") for the mark price's basis, 30 s for the fallback.
    Source: Hyperliquid docs, "Robust price indices".
    """
    x = v.as_float_array("samples", samples)
    t = v.positive("durations", durations)
    tau = v.scalar("timescale", v.positive("timescale", timescale))
    v.broadcastable(samples=x, durations=t)
    if x.size == 0 or t.size == 0:
        raise ValueError("samples and durations must hold at least one sample each")
    x, t = np.broadcast_arrays(np.atleast_1d(x), np.atleast_1d(t))
    decay = np.exp(-t / tau)
    num = np.zeros(x.shape[:-1])
    den = np.zeros(x.shape[:-1])
    out = np.empty(x.shape)
    for k in range(x.shape[-1]):
        num = num * decay[..., k] + x[..., k] * t[..., k]
        den = den * decay[..., k] + t[..., k]
        out[..., k] = num / den
    return v.result(out)


@v.no_overflow
def hyperliquid_mark_price(
    oracle_price: ArrayLike,
    ema_basis: ArrayLike,
    best_bid: ArrayLike,
    best_ask: ArrayLike,
    last_price: ArrayLike,
    external_mid: ArrayLike | None = None,
    local_ema: ArrayLike | None = None,
) -> v.Float:
    """Hyperliquid's mark price: the median of three inputs.

    inputs: (1) oracle_price + ema_basis (the 150-second EMA of Hyperliquid's
    mid minus the oracle, :func:`hyperliquid_ema`); (2) median(best_bid,
    best_ask, last_price); (3) ``external_mid``, the median of Binance,
    OKX, Bybit, Gate and MEXC perpetual mids (weights 3, 2, 2, 1, 1: pass
    the weighted median). Without (3), ``local_ema`` (the 30-second EMA of
    input 2) is required and the median is taken of (1), (2) and it.
    Source: Hyperliquid docs, "Robust price indices".
    """
    o = v.positive("oracle_price", oracle_price)
    b = v.as_float_array("ema_basis", ema_basis)
    bid = v.positive("best_bid", best_bid)
    ask = v.positive("best_ask", best_ask)
    last = v.positive("last_price", last_price)
    v.broadcastable(
        oracle_price=o,
        ema_basis=b,
        best_bid=bid,
        best_ask=ask,
        last_price=last,
        external_mid=None if external_mid is None else v.positive("external_mid", external_mid),
        local_ema=None if local_ema is None else v.positive("local_ema", local_ema),
    )
    if external_mid is not None:
        v.unused("local_ema", local_ema, None, applies="external_mid=None (it stands in for it)")
    if np.any(bid > ask):
        raise ValueError("best_bid must not exceed best_ask (a crossed book has no mark price)")
    first = v.positive("oracle_price + ema_basis", o + b)
    book = np.median(np.stack(np.broadcast_arrays(bid, ask, last), axis=-1), axis=-1)
    if external_mid is not None:
        third = v.positive("external_mid", external_mid)
    elif local_ema is not None:
        third = v.positive("local_ema", local_ema)
    else:
        raise ValueError(
            "external_mid (the external perpetual mids' median) or, when it does not exist, "
            "local_ema (the 30-second EMA of the book median) is required"
        )
    stacked = np.stack(np.broadcast_arrays(first, book, third), axis=-1)
    return v.result(np.median(stacked, axis=-1))


@dataclass(frozen=True)
class WickDemo:
    """A wick on the last price, seen by last-price and mark-price triggers.

    ``frame`` has one row per second: each spot venue, the index, the
    perpetual's last price, the mark price. The verdicts say whether a
    trigger on each price would have reached ``liquidation_price``.
    """

    frame: pd.DataFrame
    side: str
    entry_price: float
    leverage: float
    liquidation_price: float
    liquidated_on_last: bool
    liquidated_on_mark: bool

    @property
    def lowest(self) -> dict[str, float]:
        """Lowest index, last and mark price during the episode."""
        return {k: float(self.frame[k].min()) for k in ("index", "last", "mark")}

    @property
    def highest(self) -> dict[str, float]:
        """Highest index, last and mark price during the episode."""
        return {k: float(self.frame[k].max()) for k in ("index", "last", "mark")}


@v.no_overflow
def wick_demo(
    side: str = "long",
    entry_price: float = 96_000.0,
    leverage: float = 50.0,
    *,
    wick: float = 0.03,
    wick_start: int = 120,
    wick_length: int = 3,
    spot_wick_venue: int | None = 0,
    n_seconds: int = 300,
    venues: tuple[str, ...] = ("venue A", "venue B", "venue C", "venue D", "venue E"),
    spread: float = 0.0002,
    funding_rate: float = 0.0001,
    hours_to_funding: float = 4.0,
    window: int = 30,
    convention: str = "binance",
    maintenance: float = 0.004,
) -> WickDemo:
    """A deterministic episode: the perpetual's last price wicks, the index does not.

    Spot venues quote the entry price with small fixed offsets (``spread``
    apart); at ``wick_start`` the perpetual's last price (and, if
    ``spot_wick_venue`` is set, that one spot venue) jumps by ``wick`` against
    the position for ``wick_length`` seconds and comes back. The index is the
    median of the venues; the mark price is ``mark_price(convention=...)``
    with a ``window``-sample moving-average basis (the perpetual's mid taken
    as its last price). The liquidation price comes from
    ``perpmath.liquidation.liquidation_price`` (isolated, maintenance rate
    ``maintenance``). Returns a ``WickDemo`` with both verdicts.
    """
    from perpmath.liquidation import liquidation_price

    s = v.side_sign(side)
    if not isinstance(s, float):
        raise ValueError(f"side must be a single 'long' or 'short', got {side!r}")
    e = v.scalar("entry_price", v.positive("entry_price", entry_price))
    lev = v.scalar("leverage", v.leverage(leverage))
    depth = v.scalar("wick", v.in_range("wick", wick, 0.0, 1.0))
    n_seconds = v.integer("n_seconds", n_seconds, minimum=1)
    wick_length = v.integer("wick_length", wick_length, minimum=1)
    window = v.integer("window", window, minimum=1)
    wick_start = v.integer("wick_start", wick_start, 0, n_seconds - 1)
    spot_wick_venue, spread = _spot_venues(venues, spot_wick_venue, spread)
    funding_rate = v.scalar("funding_rate", funding_rate)
    hours_to_funding = v.scalar(
        "hours_to_funding",
        v.in_range("hours_to_funding", hours_to_funding, 0.0, 8.0, high_inclusive=True),
    )
    if maintenance is not None and not isinstance(maintenance, TierTable):
        v.scalar("maintenance", v.in_range("maintenance", maintenance, 0.0, 1.0))
    lp = float(liquidation_price(side, e, lev, maintenance=maintenance))
    t = np.arange(n_seconds)
    offsets = (np.arange(len(venues)) - (len(venues) - 1) / 2) * spread
    spot = e * (1 + offsets)[None, :] * np.ones((n_seconds, 1))
    in_wick = (t >= wick_start) & (t < wick_start + wick_length)
    shock = np.where(in_wick, 1 - s * depth, 1.0)
    if spot_wick_venue is not None:
        spot[:, spot_wick_venue] *= shock
    index = np.asarray(price_index(spot, method="median"))
    last = e * shock
    basis = moving_average_basis(last, last, index, window)
    mark = np.asarray(
        mark_price(
            index,
            convention=convention,
            last_price=last,
            funding_rate=funding_rate,
            time_until_funding=np.maximum(hours_to_funding - t / 3600, 0.0),
            basis=basis,
        )
    )
    frame = pd.DataFrame(spot, columns=list(venues))
    frame["index"], frame["last"], frame["mark"] = index, last, mark
    frame.index = pd.Index(t, name="second")
    if s > 0:
        on_last, on_mark = bool(last.min() <= lp), bool(mark.min() <= lp)
    else:
        on_last, on_mark = bool(last.max() >= lp), bool(mark.max() >= lp)
    return WickDemo(frame, side.strip().lower(), e, lev, lp, on_last, on_mark)


def _spot_venues(
    venues: tuple[str, ...] | list[str], spot_wick_venue: int | None, spread: float
) -> tuple[int | None, float]:
    """The wick demo's spot venues checked: at least 3 names, the venue that wicks
    (or None) one of them, and a spread that keeps every venue's quote above 0."""
    v.instance("venues", venues, tuple | list, "a list of venue names")
    for k, name in enumerate(venues):
        v.text(f"venues[{k}]", name)
    if len(venues) < 3:
        raise ValueError(f"venues must name at least 3 spot venues, got {len(venues)}")
    if spot_wick_venue is not None:
        spot_wick_venue = v.integer("spot_wick_venue", spot_wick_venue, 0, len(venues) - 1)
    spread = v.scalar("spread", v.non_negative("spread", spread))
    widest = 2.0 / (len(venues) - 1)
    if spread >= widest:
        raise ValueError(
            f"spread must be smaller than {widest:g} so that every one of the {len(venues)} "
            f"venues quotes a price above 0, got {spread!r}"
        )
    return spot_wick_venue, spread
