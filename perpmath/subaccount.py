"""dYdX v4 margining: a quote-balance subaccount and its liquidity tiers.

A dYdX v4 subaccount holds one USDC (quote) balance and signed perpetual
positions (size > 0 long, < 0 short), all valued at the oracle price:

    total net collateral (account value) TNC = quote balance + sum(size x oracle)
    initial margin requirement  IMR = sum(|size| x oracle x IMF)
    maintenance margin requirement MMR = sum(|size| x oracle x IMF x MF)
    free collateral = TNC - IMR

where IMF is the market's initial margin fraction (scaled up with open
interest, :func:`open_interest_initial_margin_fraction`) and MF its
maintenance fraction (the maintenance margin as a share of the initial
margin, up to 100 %). A subaccount is liquidatable when MMR > 0 and TNC <
MMR. Its positions are closed at the bankruptcy price, which exists even
when the account value is already zero or negative
(:func:`subaccount_bankruptcy_price`).

Sources: dYdX v4-chain (https://github.com/dydxprotocol/v4-chain),
``protocol/x/perpetuals/types/liquidity_tier.go`` (maintenance margin =
initial margin x maintenance fraction; open-interest scaling of the initial
margin), ``protocol/x/clob/keeper/liquidations.go`` (``IsLiquidatable``,
``GetBankruptcyPriceInQuoteQuantums``) and their tests.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from perpmath import _validate as v

__all__ = [
    "SubaccountMargin",
    "impact_notional",
    "maintenance_margin_fraction",
    "open_interest_initial_margin_fraction",
    "subaccount_bankruptcy_price",
    "subaccount_margin",
]


@v.no_overflow
def impact_notional(
    initial_margin_fraction: ArrayLike, impact_margin: ArrayLike = 500.0
) -> v.Float:
    """Impact notional of a market: 500 USDC / initial margin fraction.

    The size of the market order whose average fill defines the impact bid
    and ask of the funding premium. Source: dYdX v4-chain, simulation genesis
    ``calculateImpactNotional`` ("500 USDC / initial margin fraction"); its
    liquidity-tier test pairs a 15 % initial margin with 3,333 USDC.
    """
    imf = v.in_range(
        "initial_margin_fraction", initial_margin_fraction, 0.0, 1.0, high_inclusive=True
    )
    m = v.positive("impact_margin", impact_margin)
    v.broadcastable(initial_margin_fraction=imf, impact_margin=m)
    if np.any(imf == 0):
        raise ValueError("initial_margin_fraction must be greater than 0 for an impact notional")
    return v.result(m / imf)


@v.no_overflow
def maintenance_margin_fraction(
    initial_margin_fraction: ArrayLike, maintenance_fraction: ArrayLike
) -> v.Float:
    """Maintenance margin fraction = initial margin fraction x maintenance fraction.

    The maintenance fraction may be anything from 0 to 100 % (at 100 % the
    maintenance margin equals the initial margin). Source: dYdX v4-chain,
    ``LiquidityTier.GetMaintenanceMarginPpm``; its tests: 15 % x 80 % = 12 %,
    45 % x 77 % = 34.65 %, 100 % x 100 % = 100 %.
    """
    imf = v.in_range(
        "initial_margin_fraction", initial_margin_fraction, 0.0, 1.0, high_inclusive=True
    )
    mf = v.in_range("maintenance_fraction", maintenance_fraction, 0.0, 1.0, high_inclusive=True)
    v.broadcastable(initial_margin_fraction=imf, maintenance_fraction=mf)
    return v.result(imf * mf)


@v.no_overflow
def open_interest_initial_margin_fraction(
    base_fraction: ArrayLike,
    open_notional: ArrayLike,
    lower_cap: ArrayLike,
    upper_cap: ArrayLike,
) -> v.Float:
    """Initial margin fraction raised with the market's open interest (dYdX v4 "OIMF").

    scaling = (open notional - lower cap) / (upper cap - lower cap)
    IMF = min(base + max(scaling, 0) x (1 - base), 1)

    i.e. the base fraction up to the lower cap, rising linearly to 100 % at
    the upper cap (1:1 collateral). An upper cap of 0 switches the scaling
    off. ``open_notional`` = open interest x oracle price (USDC). Source: dYdX
    v4-chain, ``LiquidityTier.GetInitialMarginQuoteQuantums``; its tests:
    base 20 %, caps 1 M and 2 M, 1.5 M open -> 60 %.
    """
    base = v.in_range("base_fraction", base_fraction, 0.0, 1.0, high_inclusive=True)
    oi = v.non_negative("open_notional", open_notional)
    lo = v.non_negative("lower_cap", lower_cap)
    hi = v.non_negative("upper_cap", upper_cap)
    v.broadcastable(base_fraction=base, open_notional=oi, lower_cap=lo, upper_cap=hi)
    if np.any((hi > 0) & (lo > hi)):
        raise ValueError(
            f"lower_cap must not exceed upper_cap, got {float(np.max(lo))!r} > "
            f"{float(np.min(hi))!r}"
        )
    span = np.where(hi > lo, hi - lo, 1.0)
    scaling = np.where(hi > 0, np.maximum(oi - lo, 0.0) / span, 0.0)
    scaling = np.where((hi > 0) & (oi >= hi), 1.0, scaling)
    return v.result(np.minimum(base + scaling * (1 - base), 1.0))


@dataclass(frozen=True)
class SubaccountMargin:
    """A dYdX v4 subaccount's account value and requirements (USDC).

    ``per_position_maintenance`` holds each position's maintenance margin
    requirement (same order as the sizes given).
    """

    account_value: float
    initial_margin_requirement: float
    maintenance_margin_requirement: float
    free_collateral: float
    liquidatable: bool
    per_position_maintenance: tuple[float, ...]

    @v.no_overflow
    def as_dict(self) -> dict[str, Any]:
        """The values as a plain dict."""
        return asdict(self)


def _positions(
    sizes: ArrayLike,
    oracle_prices: ArrayLike,
    initial_margin_fractions: ArrayLike,
    maintenance_fractions: ArrayLike,
) -> tuple[NDArray[np.float64], ...]:
    size = np.atleast_1d(v.as_float_array("sizes", sizes))
    if size.ndim != 1 or size.size == 0:
        raise ValueError(f"sizes must be one-dimensional (one per market), got {sizes!r}")
    v.broadcastable(
        sizes=size,
        oracle_prices=v.positive("oracle_prices", oracle_prices),
        initial_margin_fractions=v.as_float_array(
            "initial_margin_fractions", initial_margin_fractions
        ),
        maintenance_fractions=v.as_float_array("maintenance_fractions", maintenance_fractions),
    )
    for name, value in (
        ("oracle_prices", oracle_prices),
        ("initial_margin_fractions", initial_margin_fractions),
        ("maintenance_fractions", maintenance_fractions),
    ):
        if np.size(value) == 0:
            raise ValueError(f"{name} must hold one value per market (or one for all), got []")
    price = np.broadcast_to(v.positive("oracle_prices", oracle_prices), size.shape)
    imf = np.broadcast_to(
        v.in_range(
            "initial_margin_fractions", initial_margin_fractions, 0.0, 1.0, high_inclusive=True
        ),
        size.shape,
    )
    mf = np.broadcast_to(
        v.in_range("maintenance_fractions", maintenance_fractions, 0.0, 1.0, high_inclusive=True),
        size.shape,
    )
    return size, price, imf, mf


@v.no_overflow
def subaccount_margin(
    quote_balance: float,
    sizes: ArrayLike,
    oracle_prices: ArrayLike,
    initial_margin_fractions: ArrayLike,
    maintenance_fractions: ArrayLike,
) -> SubaccountMargin:
    """Account value, initial and maintenance requirements, free collateral, liquidatable.

    ``sizes`` signed (long > 0, short < 0), one per market, with the
    markets' oracle prices, initial margin fractions (already scaled for open
    interest if it applies) and maintenance fractions. Liquidatable when the
    maintenance requirement is above 0 and above the account value
    (``IsLiquidatable``: "MMR > 0 && MMR > NC"). Source: module docstring.
    """
    qb = v.scalar("quote_balance", quote_balance)
    size, price, imf, mf = _positions(
        sizes, oracle_prices, initial_margin_fractions, maintenance_fractions
    )
    value = np.abs(size) * price  # a sum beyond a float: no_overflow names the arguments
    tnc = qb + float((size * price).sum())
    imr = float((value * imf).sum())
    mm_each = value * imf * mf
    mmr = float(mm_each.sum())
    return SubaccountMargin(
        account_value=tnc,
        initial_margin_requirement=imr,
        maintenance_margin_requirement=mmr,
        free_collateral=tnc - imr,
        liquidatable=bool(mmr > 0 and mmr > tnc),
        per_position_maintenance=tuple(float(x) for x in mm_each),
    )


@v.no_overflow
def subaccount_bankruptcy_price(
    quote_balance: float,
    sizes: ArrayLike,
    oracle_prices: ArrayLike,
    initial_margin_fractions: ArrayLike,
    maintenance_fractions: ArrayLike,
    market: int,
) -> float:
    """Price at which closing (part of) position ``market`` leaves the account no worse off.

    The quote exchanged for closing a delta of the position is
    -DNNV - TNC x |DMMR| / TMMR (dYdX v4-chain,
    ``GetBankruptcyPriceInQuoteQuantums``): the position's value at the
    oracle less the share of the account value its maintenance margin
    carries. Per coin, for the whole position (the same price for any part):

        BP = oracle - sign(size) x TNC x MMR_position / (TMMR x |size|)

    It is defined whatever the account value: with TNC = 0 it is the oracle
    price; with TNC < 0 (a long under water) it lies above the oracle, so the
    liquidation order must fill better than the oracle for the insurance fund
    not to pay. A negative result (a long whose quote balance exceeds its
    loss) means the account cannot go bankrupt closing it. The chain rounds
    the quote towards positive infinity; this is the exact value. Source:
    v4-chain liquidations_test.go: 0.1 BTC long at an oracle of 50,000 with
    -5,100 USDC of quote balance (TNC -100): sold for at least 5,100 USDC.
    """
    v.scalar("quote_balance", quote_balance)
    size, price, imf, mf = _positions(
        sizes, oracle_prices, initial_margin_fractions, maintenance_fractions
    )
    if isinstance(market, bool) or not isinstance(market, int | np.integer):
        raise TypeError(f"market must be the index of a position, got {market!r}")
    if not 0 <= market < size.size:
        raise ValueError(f"market must be an index in [0, {size.size}), got {market!r}")
    if size[market] == 0:
        raise ValueError(
            f"sizes[{market}] must not be 0: there is no position in market {market} to close"
        )
    state = subaccount_margin(quote_balance, size, price, imf, mf)
    tmmr = state.maintenance_margin_requirement
    if tmmr <= 0:
        raise ValueError(
            "the subaccount has no maintenance margin requirement: initial_margin_fractions and "
            "maintenance_fractions must not be 0, or its bankruptcy price is undefined"
        )
    mm_i = state.per_position_maintenance[market]
    s = float(np.sign(size[market]))
    # beyond a float: no_overflow names the arguments out of scale
    return float(price[market] - s * state.account_value * mm_i / (tmmr * abs(size[market])))
