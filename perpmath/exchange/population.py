"""Populations of accounts for the exchange simulator.

``matched_population``: long/short pairs at one entry price (a toy).
``calibrated_population``: pairs whose entries are spread over a run-up,
with a stated leverage mix and position sizes, and ``market_calibration``:
the insurance fund and the book depth scaled to that population's open
interest. Every number below is an assumption of the course, stated with
what it rests on:

- leverage mix (``LEVERAGE_MIX``): no venue publishes the distribution of
  its users' leverage. The mix spreads accounts from 2x to 100x with most
  between 5x and 20x, and a tail at 50-100x (the maximum Binance allows on
  BTCUSDT's first tier is 125x). Replays of 10 October 2025 on Hyperliquid
  (FACTS.md: ConejoCapital/HyperMultiAssetedADL) find the median
  *deleveraged* account at 0.2x: the winners are mostly unlevered, which is
  why shorts here get the same spread as longs.
- entries spread over a run-up: each pair opens at a price drawn from a
  seeded, rising path (``run_up`` from start to the last price), so early
  entrants sit on profit and late ones near the top, as before a crash.
- sizes: notional lognormal with median ``median_notional`` (quote currency).
- the fund (``fund_to_open_interest``, default 1% of open interest): venues
  publish fund balances (Binance, "Insurance Fund" FAQ, with the balance of
  BTCUSDT's own fund on its funding-history page; BitMEX's largest daily
  fund decline in March 2020 was 2,606 XBT, FACTS.md), rarely beside the
  same day's open interest. The one same-day pair found: BitMEX on 6
  February 2020, Skew's figures as reported in the press (secondary): a
  fund of about $320 million (34,000 BTC) and open interest above $1.5
  billion, about 20%, from what was then the largest fund in the industry.
  BitMEX's fund held 26,388 BTC on 20 May 2019 (The Block, "BitMEX's
  Insurance Fund now holds over $200 million"). No such pair was found for
  Binance, Bybit, OKX, Hyperliquid or dYdX, so the ratio is a setting: the
  course varies it (0.1%, 1%, 5%). The previous 0.07% emptied in three
  steps (course review, item 1).
- book depth (``depth_to_open_interest``, default 1% of open interest within
  1% of the mid, per side): aggregate BTC 1% depth was reported at about
  $0.6B in 2025 (secondary, citing Kaiko) against BTC futures open interest in
  the tens of billions; Kaiko's "When October Surprise Meets Crypto Liquidity
  Drought" (13 October 2025) reports books with almost nothing near the mid
  on 10 October 2025, which the 'thinning' profile's exponent imitates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from perpmath import _validate as v

__all__ = [
    "LEVERAGE_MIX",
    "MARGIN_MODES",
    "account_arrays",
    "calibrated_population",
    "market_calibration",
    "matched_population",
    "whole_number",
]

MARGIN_MODES = ("isolated", "cross")

LEVERAGE_MIX: dict[float, float] = {
    2.0: 0.10, 3.0: 0.10, 5.0: 0.20, 10.0: 0.25, 20.0: 0.17, 25.0: 0.06, 50.0: 0.07,
    75.0: 0.03, 100.0: 0.02,
}  # fmt: skip
"""Leverage -> share of accounts (an assumption; see the module docstring)."""


def whole_number(name: str, value: Any, low: int) -> int:
    """An integer argument: a whole, finite number >= ``low`` (inf and NaN refused;
    ``_validate.integer``)."""
    return v.integer(name, value, low)


def _generator(rng: Any) -> np.random.Generator:
    """``rng`` itself if it is a Generator, else one seeded with it (a whole number
    >= 0, or None for fresh entropy); anything else raises naming ``rng``."""
    return v.generator("rng", rng)


def _range(name: str, value: Any) -> tuple[float, float]:
    """A (low, high) pair of numbers >= 0 with low <= high."""
    pair = v.non_negative(name, value)
    if pair.shape != (2,):
        raise ValueError(f"{name} must be a (low, high) pair of numbers, got {value!r}")
    lo, hi = float(pair[0]), float(pair[1])
    if hi < lo:
        raise ValueError(f"{name} must be (low, high) with low <= high, got {value!r}")
    return lo, hi


@v.no_overflow
def matched_population(
    n_pairs: int,
    *,
    entry_price: float = 100.0,
    leverage: ArrayLike | tuple[float, float] = (2.0, 50.0),
    quantity: ArrayLike | tuple[float, float] = (0.1, 1.0),
    isolated_share: float = 0.5,
    extra_balance: tuple[float, float] = (0.0, 1.0),
    rng: np.random.Generator | int | None = None,
) -> pd.DataFrame:
    """Accounts in long/short pairs: account 2k is long and 2k+1 short, with the
    same quantity and entry price, so open interest is balanced and the
    pair's PnL sums to zero.

    ``leverage`` and ``quantity``: a (low, high) pair drawn uniformly per
    account (quantity per pair), or arrays of length 2 x n_pairs (quantity:
    n_pairs). Margin = quantity x entry / leverage. ``isolated_share``: the
    fraction of accounts in isolated mode. ``extra_balance``: (low, high)
    multiple of the margin held on top of it (isolated: outside the
    position; cross: extra collateral, lowering the effective leverage).
    Columns: account, side, quantity, entry_price, leverage, margin_mode,
    margin, balance.
    """
    n = whole_number("n_pairs", n_pairs, 1)
    g = _generator(rng)
    e = v.scalar("entry_price", v.positive("entry_price", entry_price))
    share = v.scalar(
        "isolated_share",
        v.in_range("isolated_share", isolated_share, 0.0, 1.0, high_inclusive=True),
    )

    def draw(name: str, spec: Any, size: int) -> NDArray[np.float64]:
        if isinstance(spec, tuple) and len(spec) == 2:
            lo, hi = (float(x) for x in v.positive(name, spec))
            if hi < lo:
                raise ValueError(f"{name} range must be (low, high) with low <= high, got {spec!r}")
            return g.uniform(lo, hi, size)
        arr = np.atleast_1d(v.positive(name, spec))
        if arr.size != size:
            raise ValueError(f"{name} must be a (low, high) pair or {size} values, got {arr.size}")
        return arr.astype(float)

    lev = draw("leverage", leverage, 2 * n)
    q = np.repeat(draw("quantity", quantity, n), 2)
    lo, hi = _range("extra_balance", extra_balance)
    extra = g.uniform(lo, hi, 2 * n)
    isolated = g.random(2 * n) < share
    margin = q * e / lev
    return pd.DataFrame(
        {
            "account": np.arange(2 * n),
            "side": np.tile(["long", "short"], n),
            "quantity": q,
            "entry_price": e,
            "leverage": lev,
            "margin_mode": np.where(isolated, "isolated", "cross"),
            "margin": margin,
            "balance": margin * (1.0 + extra),
        }
    )


def account_arrays(accounts: pd.DataFrame) -> dict[str, NDArray]:
    """Validated per-account arrays of an accounts table (see simulate_exchange)."""
    v.instance("accounts", accounts, pd.DataFrame, "a pandas DataFrame of accounts")
    if len(accounts) == 0:
        raise ValueError("accounts must hold at least one account, got an empty table")
    missing = [c for c in ("side", "quantity", "entry_price", "balance") if c not in accounts]
    if missing:
        raise ValueError(
            f"accounts is missing columns {missing}; needed: side, quantity, entry_price, "
            "balance (optional: margin_mode, margin, leverage)"
        )
    sgn = np.asarray(v.side_sign(accounts["side"].to_numpy(dtype=object)), dtype=float)
    q = np.atleast_1d(v.positive("quantity", accounts["quantity"].to_numpy(dtype=float)))
    ep = np.atleast_1d(v.positive("entry_price", accounts["entry_price"].to_numpy(dtype=float)))
    bal = np.atleast_1d(v.non_negative("balance", accounts["balance"].to_numpy(dtype=float)))
    if "margin_mode" in accounts:
        raw = accounts["margin_mode"]
        is_str = raw.map(lambda x: isinstance(x, str)).to_numpy(dtype=bool)
        modes = raw.astype(str).str.strip().str.lower().to_numpy()
        bad = ~is_str | ~np.isin(modes, MARGIN_MODES)
        if bad.any():
            v.choice("margin_mode", raw.iloc[int(np.argmax(bad))], MARGIN_MODES)  # raises
    else:
        modes = np.full(q.size, "cross")
    iso = modes == "isolated"
    if "margin" in accounts:
        mg = np.atleast_1d(v.non_negative("margin", accounts["margin"].to_numpy(dtype=float)))
    elif "leverage" in accounts:
        mg = q * ep / np.atleast_1d(v.leverage(accounts["leverage"].to_numpy(dtype=float)))
    else:
        mg = bal.copy()
    mg = np.where(iso, mg, bal)
    over = iso & (mg > bal * (1 + 1e-12))
    if over.any():
        i = int(np.argmax(over))
        raise ValueError(
            f"margin of isolated account at row {i} ({mg[i]!r}) "
            f"must not exceed its balance ({bal[i]!r})"
        )
    if "account" in accounts:
        raw_ids = accounts["account"].to_numpy()
        ids = np.asarray(raw_ids, dtype=np.int64) if raw_ids.dtype.kind in "iu" else None
        if ids is None or (ids < 0).any() or np.unique(ids).size != ids.size:
            raise ValueError(
                "account must hold distinct whole numbers >= 0 (they name the accounts "
                f"in the ledger), got {raw_ids[:5].tolist()}..."
            )
    else:
        ids = np.arange(q.size, dtype=np.int64)
    return {
        "sign": sgn,
        "q": q,
        "ep": ep,
        "bal": bal,
        "mg": np.minimum(mg, bal),
        "iso": iso,
        "ids": ids,
    }


@v.no_overflow
def calibrated_population(
    n_pairs: int,
    *,
    price: float,
    run_up: float = 0.25,
    leverage_mix: dict[float, float] | None = None,
    median_notional: float = 10_000.0,
    notional_spread: float = 1.0,
    isolated_share: float = 0.5,
    extra_balance: tuple[float, float] = (0.0, 0.5),
    maintenance: float = 0.005,
    rng: np.random.Generator | int | None = None,
) -> pd.DataFrame:
    """Long/short pairs with entries spread over a run-up (see the module docstring).

    Pair k opens at entry_k drawn uniformly from a seeded path that rises by
    ``run_up`` (0.25 = +25%) to ``price`` over 240 steps; both accounts of a
    pair share the entry and quantity, so open interest is balanced. Each
    account's leverage is drawn from ``leverage_mix`` (default LEVERAGE_MIX);
    notional = lognormal(median ``median_notional``, sigma ``notional_spread``).
    Survivorship: the venue at the top holds only positions the run-up did not
    liquidate, so an account whose drawn leverage would have hit
    ``maintenance`` (rate of notional) at the run-up's extreme after its entry
    gets the highest leverage that survived it (x 0.9, at least 1x).
    Columns as matched_population, plus entry_step (where on the run-up).
    """
    n = whole_number("n_pairs", n_pairs, 1)
    g = _generator(rng)
    p = v.scalar("price", v.positive("price", price))
    up = v.scalar("run_up", v.in_range("run_up", run_up, 0.0, 10.0))
    if leverage_mix is not None:
        v.instance("leverage_mix", leverage_mix, Mapping, "a mapping of leverage -> share")
    mix = LEVERAGE_MIX if leverage_mix is None else dict(leverage_mix)
    if not mix:
        raise ValueError("leverage_mix must hold at least one leverage, got an empty mix")
    levs = v.leverage(list(mix), "leverage_mix")
    weights = v.non_negative("leverage_mix weights", list(mix.values()))
    if weights.sum() <= 0:
        raise ValueError(f"leverage_mix weights must not all be 0, got {list(mix.values())}")
    med = v.scalar("median_notional", v.positive("median_notional", median_notional))
    spread = v.scalar("notional_spread", v.non_negative("notional_spread", notional_spread))
    steps = 240
    drift = np.log1p(up) / steps
    walk = np.cumsum(drift + 0.004 * g.standard_normal(steps))
    path = p * np.exp(walk - walk[-1])  # ends exactly at price
    k = g.integers(0, steps, n)
    entry = np.round(path[k], 2)
    if not (entry > 0).all():
        raise ValueError(
            f"price must be large enough that every entry, rounded to the cent, is above 0, "
            f"got {p!r}"
        )
    # drawn beyond a float's range (or to 0): no_overflow names the arguments
    qty = v.not_overflowed(med * np.exp(spread * g.standard_normal(n)) / entry)
    if not (qty > 0).all():
        raise v.OutOfScale("a quantity underflows to 0")
    mmr = v.scalar("maintenance", v.in_range("maintenance", maintenance, 0.0, 1.0))
    high = np.maximum.accumulate(path[::-1])[::-1][k]  # worst price after entry, for shorts
    low = np.minimum.accumulate(path[::-1])[::-1][k]  # and for longs
    lev = g.choice(levs, 2 * n, p=weights / weights.sum())
    # margin needed to survive: q x adverse move + maintenance at that price
    long_cap = entry / (entry - low + mmr * low)
    short_cap = entry / (high - entry + mmr * high)
    caps = np.column_stack([long_cap, short_cap]).ravel()
    lev = np.where(lev > caps, np.maximum(0.9 * caps, 1.0), lev)
    out = matched_population(
        n, entry_price=1.0, leverage=lev,
        quantity=qty, isolated_share=isolated_share, extra_balance=extra_balance, rng=g,
    )  # fmt: skip
    out["entry_price"] = np.repeat(entry, 2)
    out["margin"] = out["quantity"] * out["entry_price"] / out["leverage"]
    extra = out["balance"] / (out["quantity"] / out["leverage"]) - 1.0
    out["balance"] = out["margin"] * (1.0 + extra)
    out["entry_step"] = np.repeat(k, 2)
    return out


@v.no_overflow
def market_calibration(
    accounts: pd.DataFrame,
    price: float,
    *,
    fund_to_open_interest: float = 0.01,
    depth_to_open_interest: float = 0.01,
    tick_fraction: float = 0.0005,
    levels: int = 400,
    decay: float = 0.01,
    exponent: float = 3.0,
) -> dict[str, Any]:
    """The insurance fund and a 'thinning' book scaled to ``accounts``' open interest.

    open interest OI = sum of long quantities (coin); fund =
    ``fund_to_open_interest`` x OI x ``price``; the book's bid depth within 1%
    of the mid = ``depth_to_open_interest`` x OI at ``price`` (level k holds
    size x exp(-decay k), ticks of ``tick_fraction`` x price). Returns keyword
    arguments for simulate_exchange: insurance_fund, book, book_params.
    """
    a = account_arrays(accounts)
    p = v.scalar("price", v.positive("price", price))
    f_ratio = v.scalar(
        "fund_to_open_interest", v.non_negative("fund_to_open_interest", fund_to_open_interest)
    )
    d_ratio = v.scalar(
        "depth_to_open_interest", v.positive("depth_to_open_interest", depth_to_open_interest)
    )
    tick = float(
        v.not_overflowed(v.scalar("tick_fraction", v.positive("tick_fraction", tick_fraction)) * p)
    )
    if tick <= 0:  # underflowed: no_overflow names the arguments
        raise v.OutOfScale("the tick underflows to 0")
    n_levels = whole_number("levels", levels, 1)
    d = v.scalar("decay", v.non_negative("decay", decay))
    oi = float(a["q"][a["sign"] > 0].sum())
    within = max(int(np.floor(0.01 * p / tick)), 1)
    shape = np.exp(-d * np.arange(min(within, n_levels))).sum()
    size = d_ratio * max(oi, 1e-12) / shape
    expo = v.scalar("exponent", v.non_negative("exponent", exponent))
    return {
        "insurance_fund": f_ratio * oi * p,
        "book": "thinning",
        "book_params": {
            "tick": tick, "levels": n_levels, "size": size, "decay": d,
            "reference_price": p, "exponent": expo,
        },
    }  # fmt: skip
