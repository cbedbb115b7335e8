"""Exchange conventions for liquidation and bankruptcy prices, by name.

Venues agree on the idea (a position is taken over when its margin balance
falls to the maintenance margin) but not on the details, and the details
move the price by tens of dollars on a BTC position:

* the contract family: linear (USDT/USDC-margined, quantity in coin) or
  inverse (coin-margined, quantity in contracts of ``contract_size`` USD);
* which price triggers liquidation: a mark price (Binance, Bybit, OKX,
  BitMEX "fair price", Hyperliquid) or an oracle price (dYdX v4);
* the maintenance model: a tier table with maintenance amounts (Binance,
  Bybit, OKX, BitMEX risk limits, Hyperliquid's margin tiers, Kraken's
  schedule), half the initial margin at the maximum leverage (Hyperliquid),
  a maintenance margin fraction (dYdX v4) or a rate growing with the
  position size (Deribit: 1% + 0.005% per BTC);
* whether the maintenance margin is valued at the liquidation price
  (Binance, OKX, ...) or at the entry price (Bybit's published isolated and
  cross formulas use the position value at entry);
* fees: OKX, BitMEX, Gate and Bitget add the taker fee rate to the
  maintenance rate; Bybit's
  inverse formulas reserve the fee to close at the bankruptcy price, which
  therefore enters both the bankruptcy and the liquidation price;
* rounding of the displayed liquidation price to the tick, and in which
  direction.

``perpmath.liquidation.liquidation_price(..., convention=name)`` applies a
convention; ``convention=None`` uses the plain formula without fees or
rounding. Each convention carries the address of the page it follows.
Parameters that change over time (fee rates, first-tier rates, maximum
leverage) are given for the BTC contract and can be overridden with
``dataclasses.replace(get_convention(name), taker_fee=...)``.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from perpmath import _validate as v
from perpmath.tiers import TierTable, available_tier_tables, load_tier_table

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CONVENTIONS",
    "Convention",
    "convention_names",
    "conventions_table",
    "get_convention",
]

TRIGGERS = ("mark", "last", "oracle")
MAINTENANCE_MODELS = ("tiers", "half_initial_at_max_leverage", "fraction", "size_scaled")
MAINTENANCE_BASES = ("liquidation", "entry")
ROUNDINGS = ("none", "nearest", "toward_entry", "away_from_entry")

_TIER_CACHE: dict[tuple[object, ...], TierTable] = {}


@dataclass(frozen=True)
class Convention:
    """How one venue computes liquidation and bankruptcy prices.

    Attributes
    ----------
    name, exchange, product:
        Registry key, venue, and the product family it describes.
    contract:
        ``"linear"`` or ``"inverse"``.
    contract_size:
        USD per contract for inverse products (100 on Binance COIN-M BTCUSD,
        1 on Bybit and BitMEX); 1 for linear products (quantity in coin).
    trigger:
        Price compared with the liquidation price: ``"mark"``, ``"last"`` or
        ``"oracle"``.
    maintenance_model:
        ``"tiers"`` (table with maintenance amounts), ``"half_initial_at_max_leverage"``
        (rate = 1 / (2 x max_leverage)), ``"fraction"`` (a maintenance
        margin fraction) or ``"size_scaled"`` (rate = maintenance_rate +
        maintenance_slope x position size in coin).
    maintenance_rate:
        First-tier maintenance margin rate (fraction) used when no table is
        shipped; for ``half_initial_at_max_leverage`` it equals
        1 / (2 x max_leverage).
    max_leverage:
        Highest leverage of the first tier.
    tier_table:
        Name of a table shipped with perpmath (``load_tier_table``) or None.
    maintenance_basis:
        ``"liquidation"``: maintenance margin = notional at the liquidation
        price x rate - amount; ``"entry"``: notional at the entry price.
    taker_fee:
        Taker fee rate (fraction) used by the fee terms below.
    fee_in_maintenance:
        True if the taker rate is added to the maintenance rate.
    fee_in_bankruptcy:
        True if the fee to close at the bankruptcy price is part of the
        bankruptcy price (margin = loss + fee).
    fee_in_liquidation:
        True if that fee to close is reserved in the liquidation condition
        (margin balance = maintenance margin + fee to close).
    tick_size, rounding:
        Tick of the liquidation price and the rounding direction:
        ``"none"``, ``"nearest"``, ``"toward_entry"`` (a long's price rounded
        up, a short's down: liquidation slightly earlier) or ``"away_from_entry"``.
    source:
        Public page the convention follows; ``sources`` holds further pages.
    maker_fee:
        Maker fee rate (fraction; negative for a rebate) of the venue's base
        fee tier.
    maintenance_slope:
        For ``"size_scaled"``: added maintenance rate per coin of position.
    settlement:
        Margin currency (``"USDT"``, ``"USDC"``, ``"BTC"``, ...).
    funding:
        Name in ``perpmath.funding.FUNDING_CONVENTIONS`` of the venue's
        funding rule, or None if not modeled.
    """

    name: str
    exchange: str
    product: str
    contract: str
    contract_size: float
    trigger: str
    maintenance_model: str
    maintenance_rate: float
    max_leverage: float
    tier_table: str | None
    maintenance_basis: str
    taker_fee: float
    fee_in_maintenance: bool
    fee_in_bankruptcy: bool
    fee_in_liquidation: bool
    tick_size: float
    rounding: str
    source: str
    sources: tuple[str, ...] = ()
    notes: str = ""
    meta: dict[str, str] = field(default_factory=dict, compare=False)
    maker_fee: float | None = None
    maintenance_slope: float = 0.0
    settlement: str = ""
    funding: str | None = None

    def __post_init__(self) -> None:
        for name in ("name", "exchange", "product", "source"):
            v.text(name, getattr(self, name))
        v.text("notes", self.notes, empty=True)
        for i, page in enumerate(
            v.instance("sources", self.sources, tuple, "a tuple of addresses")
        ):
            v.text(f"sources[{i}]", page)
        if self.tier_table is not None:
            v.choice("tier_table", self.tier_table, tuple(available_tier_tables()))
        for name in ("fee_in_maintenance", "fee_in_bankruptcy", "fee_in_liquidation"):
            v.flag(name, getattr(self, name))  # "no" would read as True
        for name in ("contract_size", "maintenance_rate", "max_leverage", "taker_fee", "tick_size"):
            v.scalar(name, getattr(self, name))
        v.contract_type(self.contract)
        v.choice("trigger", self.trigger, TRIGGERS)
        v.choice("maintenance_model", self.maintenance_model, MAINTENANCE_MODELS)
        v.choice("maintenance_basis", self.maintenance_basis, MAINTENANCE_BASES)
        v.choice("rounding", self.rounding, ROUNDINGS)
        v.positive("contract_size", self.contract_size)
        v.in_range("maintenance_rate", self.maintenance_rate, 0.0, 1.0)
        v.positive("max_leverage", self.max_leverage)
        v.in_range("taker_fee", self.taker_fee, 0.0, 1.0)
        if self.maker_fee is not None:
            v.in_range("maker_fee", self.maker_fee, -1.0, 1.0)
        v.scalar("maintenance_slope", v.non_negative("maintenance_slope", self.maintenance_slope))
        v.non_negative("tick_size", self.tick_size)
        v.text("settlement", self.settlement, empty=True)
        if self.funding is not None:
            # perpmath.funding imports this module: while it does, the shipped records
            # (checked by the tests) only get the type check
            rules = getattr(sys.modules.get("perpmath.funding"), "FUNDING_CONVENTIONS", None)
            if rules is None:
                v.text("funding", self.funding)
            else:
                v.choice("funding", self.funding, tuple(rules))
        if not self.settlement:
            object.__setattr__(self, "settlement", "USDT" if self.contract == "linear" else "BTC")

    @v.no_overflow(inf=True)
    def tiers(self) -> TierTable:
        """The maintenance model as a TierTable (one flat tier if no table is shipped).

        The last tier's cap is ``inf`` where the venue publishes none.
        """
        key = (
            self.name,
            self.tier_table,
            self.maintenance_model,
            self.maintenance_rate,
            self.max_leverage,
            self.contract,
        )
        if key not in _TIER_CACHE:
            unit = self.settlement if self.contract == "linear" else "BTC"
            if self.tier_table is not None:
                table = load_tier_table(self.tier_table)
            else:
                if self.maintenance_model == "half_initial_at_max_leverage":
                    rate = 1.0 / (2.0 * self.max_leverage)
                else:
                    rate = self.maintenance_rate
                table = TierTable.flat(rate, self.max_leverage, name=self.name, unit=unit)
            _TIER_CACHE[key] = table
        return _TIER_CACHE[key]

    @v.no_overflow
    def with_changes(self, **changes: object) -> Convention:
        """A copy with some fields changed, validated like a new record.

        For a what-if that keeps the rest of a venue's rules, e.g. Binance's
        taker fee charged inside the bankruptcy price as Bybit's inverse
        contracts do: ``get_convention("binance_usdm").with_changes(fee_in_bankruptcy=True)``.
        The name is kept; the record is not registered under any name.
        """
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise ValueError(f"unknown field(s) {unknown}; fields are {sorted(names)}")
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @v.no_overflow
    def summary(self) -> dict[str, object]:
        """The convention's main fields as a flat dict (one row of ``conventions_table``)."""
        table = self.tiers()
        return {
            "exchange": self.exchange,
            "product": self.product,
            "contract": self.contract,
            "contract_size": self.contract_size,
            "settlement": self.settlement,
            "trigger": self.trigger,
            "maintenance_model": self.maintenance_model,
            "first_tier_mmr": float(table.maintenance_rate[0]),
            "max_leverage": float(table.max_leverage[0]),
            "tier_table": self.tier_table,
            "tier_table_date": table.date if self.tier_table else None,
            "maintenance_basis": self.maintenance_basis,
            "maker_fee": self.maker_fee,
            "taker_fee": self.taker_fee,
            "fee_in_maintenance": self.fee_in_maintenance,
            "fee_in_bankruptcy": self.fee_in_bankruptcy,
            "fee_in_liquidation": self.fee_in_liquidation,
            "tick_size": self.tick_size,
            "rounding": self.rounding,
            "funding": self.funding,
            "source": self.source,
        }

    @v.no_overflow(inf=True)
    def round_price(self, price: ArrayLike, side: str | ArrayLike) -> v.Float:
        """Round a liquidation price to the tick in this venue's direction.

        ``inf`` (never liquidated) and 0 stay as they are.
        """
        return self.round_signed(price, v.side_sign(side))

    @v.no_overflow(inf=True)
    def round_signed(self, price: ArrayLike, sign: ArrayLike) -> v.Float:
        """``round_price`` with the side given as +1 (long) / -1 (short).

        ``inf`` (never liquidated) stays ``inf``.
        """
        p = v.non_negative("price", price, inf=True)
        s = v.as_float_array("sign", sign)
        if np.any((s != 1) & (s != -1)):
            raise ValueError(f"sign must be +1 (long) or -1 (short), got {sign!r}")
        v.broadcastable(price=p, sign=s)
        if self.rounding == "none" or self.tick_size == 0:
            return v.result(p)
        t = self.tick_size
        finite = np.isfinite(p)
        q = np.where(finite, p, 0.0) / t
        # guard against representation noise (9.999999 ticks is 10 ticks)
        q = np.where(np.abs(q - np.round(q)) < 1e-9, np.round(q), q)
        if self.rounding == "nearest":
            r = np.floor(q + 0.5)
        elif self.rounding == "toward_entry":
            r = np.where(np.asarray(s) > 0, np.ceil(q), np.floor(q))
        else:
            r = np.where(np.asarray(s) > 0, np.floor(q), np.ceil(q))
        # fix the decimals of the tick (0.1 x 3 is 0.30000000000000004)
        decimals = max(0, -math.floor(math.log10(t)) + 2)
        out = np.where(finite, np.round(r * t, decimals), p)
        return v.result(np.maximum(out, 0.0))


_BINANCE_USDM = "https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93"
_BINANCE_COINM = "https://www.binance.com/en/support/faq/ceccfcfb4e3a45e3b48b0b1bb1a8ae46"

CONVENTIONS: dict[str, Convention] = {
    c.name: c
    for c in (
        Convention(
            name="binance_usdm",
            exchange="Binance",
            product="USDⓈ-M perpetual (BTCUSDT)",
            contract="linear",
            contract_size=1.0,
            trigger="mark",
            maintenance_model="tiers",
            maintenance_rate=0.004,
            max_leverage=125.0,
            tier_table="binance_usdm_btcusdt",
            maintenance_basis="liquidation",
            taker_fee=0.0005,
            fee_in_maintenance=False,
            fee_in_bankruptcy=False,
            fee_in_liquidation=False,
            tick_size=0.01,
            rounding="nearest",
            source=_BINANCE_USDM,
            funding="binance",
            sources=(
                "https://www.binance.com/en/support/faq/360033162192",
                "https://www.binance.com/en/support/faq/25edcd7fe0e544839d0847b8cbb2e400",
            ),
            notes=(
                "Liquidation price formula with wallet balance, other positions' maintenance "
                "margin (TMM1) and unrealised PnL (UPNL1), maintenance amounts cumB/cumL/cumS; "
                "tier taken at the liquidation price. No fees in the formula. A negative "
                "result is shown as '--' (never liquidated)."
            ),
        ),
        Convention(
            name="binance_coinm",
            exchange="Binance",
            product="COIN-M perpetual (BTCUSD, 100 USD per contract)",
            contract="inverse",
            contract_size=100.0,
            trigger="mark",
            maintenance_model="tiers",
            maintenance_rate=0.004,
            max_leverage=125.0,
            tier_table=None,
            maintenance_basis="liquidation",
            taker_fee=0.0005,
            fee_in_maintenance=False,
            fee_in_bankruptcy=False,
            fee_in_liquidation=False,
            tick_size=0.1,
            rounding="nearest",
            source=_BINANCE_COINM,
            funding="binance",
            notes=(
                "LP = [Q x CS x (MMR + side)] / [WB + cum + side x Q x CS / EP] for one position "
                "(hedge terms analogous). The page's example places a 0.4 BTC BTCUSD position in "
                "level 1 with MMR 0.4%. No COIN-M bracket table is shipped: Binance's 'Leverage "
                "and Margin in Coin-Margined Futures Contracts' page lists only the largest "
                "position (in BTC) per leverage, not the maintenance rates, and no dated copy of "
                "the bracket API (GET /dapi/v1/leverageBracket) for BTCUSD was found; load one "
                "with read_tier_table (it reads that response, in coin) and pass it as "
                "maintenance= for larger positions."
            ),
        ),
        Convention(
            name="bybit_linear",
            exchange="Bybit",
            product="USDT perpetual (BTCUSDT)",
            contract="linear",
            contract_size=1.0,
            trigger="mark",
            maintenance_model="tiers",
            maintenance_rate=0.005,
            max_leverage=100.0,
            tier_table="bybit_linear_btcusdt",
            maintenance_basis="entry",
            taker_fee=0.00055,
            fee_in_maintenance=False,
            fee_in_bankruptcy=False,
            fee_in_liquidation=False,
            tick_size=0.1,
            rounding="toward_entry",
            source="https://www.bybit.com/en/help-center/article/Liquidation-Price-USDT-Contract",
            sources=(
                "https://www.bybit.com/en/help-center/article/Bankruptcy-Price-USDT-Contract",
                "https://www.bybit.com/en/help-center/article/"
                "Liquidation-Price-Calculation-under-Isolated-Mode-Unified-Trading-Account",
            ),
            notes=(
                "Isolated: LP = EP -/+ (IM - MM)/size -/+ extra margin/size with IM = value/lev "
                "and MM = value x MMR - deduction, value at the ENTRY price. Bankruptcy price "
                "EP x (1 -/+ 1/lev): the estimated fee to close is reserved in the position "
                "margin on top of IM, so it does not move either price. Risk limits: the shipped "
                "table bybit_linear_btcusdt (first tier MMR 0.5% up to 2,000,000 USDT, with "
                "maintenance deductions), from Bybit's 'Margin Parameters' page."
            ),
        ),
        Convention(
            name="bybit_inverse",
            exchange="Bybit",
            product="Inverse perpetual (BTCUSD, 1 USD per contract)",
            contract="inverse",
            contract_size=1.0,
            trigger="mark",
            maintenance_model="tiers",
            maintenance_rate=0.005,
            max_leverage=100.0,
            tier_table=None,
            maintenance_basis="entry",
            taker_fee=0.00055,
            fee_in_maintenance=False,
            fee_in_bankruptcy=True,
            fee_in_liquidation=True,
            tick_size=0.5,
            rounding="toward_entry",
            source=(
                "https://help.bybit.com/hc/en-us/articles/"
                "360039261334-How-to-calculate-Liquidation-Price-Inverse-Contract-"
            ),
            sources=(
                "https://www.bybit.com/en/help-center/article/Bankruptcy-Price-Inverse-Contract",
            ),
            notes=(
                "Bankruptcy price (long) = (1 + fee) x Q / (Q/EP + margin); liquidation where "
                "Q x (1/EP - 1/LP) = -(margin - Q/EP x MMR - Q x fee / BP). The page's example "
                "uses the 0.075% taker fee of the time; the current fee is 0.055%."
            ),
        ),
        Convention(
            name="okx",
            exchange="OKX",
            product="USDT-margined perpetual swap (BTC-USDT-SWAP)",
            contract="linear",
            contract_size=1.0,
            trigger="mark",
            maintenance_model="tiers",
            maintenance_rate=0.004,
            max_leverage=100.0,
            tier_table=None,
            maintenance_basis="liquidation",
            taker_fee=0.0005,
            fee_in_maintenance=True,
            fee_in_bankruptcy=False,
            fee_in_liquidation=False,
            tick_size=0.1,
            rounding="none",
            source="https://www.okx.com/help/iii-isolated-margin-mode",
            sources=("https://www.okx.com/help/v-tiered-maintenance-margin-ratio-rules",),
            notes=(
                "Isolated margin ratio = (margin balance + PnL) / (face value x |contracts| x "
                "mark price x (tiered MMR + fee rate)); liquidation at 100%, so the taker rate "
                "adds to the maintenance rate. Bankruptcy: maintenance margin 0. No tier table "
                "is shipped: OKX's position tiers (GET /api/v5/public/position-tiers) charge a "
                "tier's rate on the whole position, with no deduction, so the requirement jumps "
                "at each tier edge, which a TierTable (continuous by construction) does not "
                "hold; no dated BTC-USDT-SWAP tier list was found either."
            ),
        ),
        Convention(
            name="bitmex",
            exchange="BitMEX",
            product="XBTUSD inverse perpetual (1 USD per contract)",
            contract="inverse",
            contract_size=1.0,
            trigger="mark",
            maintenance_model="tiers",
            maintenance_rate=0.005,
            max_leverage=100.0,
            tier_table=None,
            maintenance_basis="liquidation",
            taker_fee=0.00075,
            fee_in_maintenance=True,
            fee_in_bankruptcy=False,
            fee_in_liquidation=False,
            tick_size=0.5,
            rounding="toward_entry",
            source="https://www.bitmex.com/app/liquidation",
            funding="bitmex",
            sources=(
                "https://www.bitmex.com/app/riskLimits",
                "https://www.bitmex.com/app/fairPriceMarking",
            ),
            notes=(
                "Maintenance requirement of XBTUSD = 0.5% x value + taker fee x value (BitMEX "
                "support), so the 0.075% taker rate is added to the maintenance rate; "
                "positions are marked at the Fair Price. BitMEX also reserves the next funding "
                "payment, not modeled here."
            ),
        ),
        Convention(
            name="hyperliquid",
            exchange="Hyperliquid",
            product="USDC-margined perpetual (BTC)",
            contract="linear",
            contract_size=1.0,
            trigger="mark",
            maintenance_model="tiers",
            maintenance_rate=1.0 / 80.0,
            max_leverage=40.0,
            tier_table="hyperliquid_btc",
            settlement="USDC",
            funding="hyperliquid",
            maintenance_basis="liquidation",
            taker_fee=0.00045,
            fee_in_maintenance=False,
            fee_in_bankruptcy=False,
            fee_in_liquidation=False,
            tick_size=0.0,
            rounding="none",
            source="https://hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations",
            sources=(
                "https://hyperliquid.gitbook.io/hyperliquid-docs/trading/margining",
                "https://hyperliquid.gitbook.io/hyperliquid-docs/trading/margin-tiers",
            ),
            notes=(
                "Maintenance margin = half the initial margin at the tier's maximum leverage "
                "(1.25% for BTC at 40x up to 150M USDC, 2.5% at 20x above, with a maintenance "
                "deduction: the shipped table hyperliquid_btc). liq_price = price - side x "
                "margin_available / position_size / (1 - l x side) with l = 1 / maintenance "
                "leverage."
            ),
        ),
        Convention(
            name="dydx_v4",
            exchange="dYdX v4",
            product="USDC-margined perpetual (BTC-USD)",
            contract="linear",
            contract_size=1.0,
            trigger="oracle",
            maintenance_model="fraction",
            maintenance_rate=0.03,
            settlement="USDC",
            funding="dydx_v4",
            max_leverage=20.0,
            tier_table=None,
            maintenance_basis="liquidation",
            taker_fee=0.0005,
            fee_in_maintenance=False,
            fee_in_bankruptcy=False,
            fee_in_liquidation=False,
            tick_size=0.0,
            rounding="none",
            source="https://docs.dydx.exchange/api_integration-trading/liquidations",
            sources=("https://docs.dydx.exchange/api_integration-trading/margin",),
            notes=(
                "A subaccount is liquidatable when its total net collateral falls below its "
                "maintenance margin requirement (|size| x oracle price x maintenance margin "
                "fraction); BTC-USD: initial fraction 5% (20x), maintenance 3%. The "
                "liquidation fee is charged on the fill, not in the trigger price."
            ),
        ),
        Convention(
            name="gate",
            exchange="Gate",
            product="USDT-margined perpetual (BTC_USDT, 0.0001 BTC per contract)",
            contract="linear",
            contract_size=0.0001,
            trigger="mark",
            maintenance_model="tiers",
            maintenance_rate=0.004,
            max_leverage=125.0,
            tier_table=None,
            maintenance_basis="liquidation",
            taker_fee=0.0005,
            fee_in_maintenance=True,
            fee_in_bankruptcy=False,
            fee_in_liquidation=False,
            tick_size=0.1,
            rounding="none",
            source="https://www.gate.io/help/futures/perpetual/22160/calculation-of-liquidation-price",
            sources=(
                "https://www.gate.io/help/futures/futures/27724/liquidation-price-bankruptcy-price",
            ),
            notes=(
                "LP = (EP -/+ margin / multiplier / size) / [1 -/+ (MMR + taker rate)] ('-' for "
                "a long): the taker rate adds to the maintenance rate. Quantity in contracts of "
                "the contract multiplier (0.0001 BTC for BTC_USDT). Gate publishes no BTC_USDT "
                "tier page; its contract API (GET /futures/usdt/contracts/BTC_USDT, field "
                "maintenance_rate) gave 0.4% at 125x in a public capture dated 2026-10-10, the "
                "rate used here, while a capture of its risk-limit tiers dated 2026-08-09 shows "
                "0.3% at 200x up to 500,000 USDT: pass the contract's current rate as "
                "maintenance=. Gate's inverse form: LP = size x EP x (1 +/- MMR +/- taker) / "
                "(size +/- margin x EP)."
            ),
        ),
        Convention(
            name="bitget",
            exchange="Bitget",
            product="USDT-M perpetual (BTCUSDT)",
            contract="linear",
            contract_size=1.0,
            trigger="mark",
            maintenance_model="tiers",
            maintenance_rate=0.004,
            max_leverage=125.0,
            tier_table=None,
            maintenance_basis="liquidation",
            taker_fee=0.0006,
            fee_in_maintenance=True,
            fee_in_bankruptcy=False,
            fee_in_liquidation=False,
            tick_size=0.1,
            rounding="none",
            source="https://www.bitget.com/support/articles/12560603808759",
            sources=(
                "https://www.bitget.com/api-doc/contract/position/Get-Query-Position-Lever",
                "https://www.bitget.com/support/articles/360052911052",
                "https://www.bitget.com/news/detail/12560604115513",
            ),
            notes=(
                "Estimated isolated liquidation price = (position margin - size x entry x "
                "direction) / (size x (MMR + taker fee rate - direction)), direction +1 long, "
                "-1 short: the taker rate adds to the maintenance rate. Bitget's liquidation "
                "fee rate is 0.06% (announcement of 2024-07-24). First position tier of "
                "BTCUSDT: 0 to 50,000 USDT at 125x, maintenance rate 0.4% (Bitget API docs, "
                "'Get Position Tier', GET /api/v2/mix/market/query-position-lever, example "
                "response of 2023-09-27; a BTCUSDT position response of 2025-02-15 shows "
                "keepMarginRate 0.004); second tier 50,000 to 200,000 at 100x, 0.5%."
            ),
        ),
        Convention(
            name="kraken_inverse",
            exchange="Kraken",
            product="Inverse perpetual (PI_XBTUSD, 1 USD per contract)",
            contract="inverse",
            contract_size=1.0,
            trigger="mark",
            maintenance_model="tiers",
            maintenance_rate=0.01,
            max_leverage=50.0,
            tier_table="kraken_inverse_btcusd",
            maintenance_basis="entry",
            taker_fee=0.0005,
            fee_in_maintenance=False,
            fee_in_bankruptcy=False,
            fee_in_liquidation=False,
            tick_size=0.5,
            rounding="none",
            source=(
                "https://support.kraken.com/hc/en-us/articles/"
                "15579128794772-Inverse-Futures-Margin-Schedule-Maximum-Leverage"
            ),
            sources=(
                "https://support.kraken.com/hc/en-us/articles/"
                "360022835911-Inverse-Crypto-Collateral-Perpetual-Contract-Specifications",
            ),
            funding="kraken",
            notes=(
                "Initial and maintenance margin by level of contracts (1%, 2%, 3%, ... "
                "maintenance), each level's rate on the contracts within it, valued in BTC at "
                "the entry price; maximum position 75,000,000 contracts. Liquidation when the "
                "margin balance falls below the maintenance margin. Kraken does not publish a "
                "liquidation price formula; this is the maintenance condition solved for the "
                "price. The 0.05% taker fee is not in the condition."
            ),
        ),
        Convention(
            name="deribit_linear",
            exchange="Deribit",
            product="USDC linear perpetual (BTC_USDC)",
            contract="linear",
            contract_size=1.0,
            trigger="mark",
            maintenance_model="size_scaled",
            maintenance_rate=0.01,
            max_leverage=50.0,
            tier_table=None,
            maintenance_basis="liquidation",
            taker_fee=0.0005,
            fee_in_maintenance=False,
            fee_in_bankruptcy=False,
            fee_in_liquidation=False,
            tick_size=0.0,
            rounding="none",
            source="https://support.deribit.com/hc/en-us/articles/25944738177565-Linear-Perpetual",
            maintenance_slope=0.00005,
            settlement="USDC",
            notes=(
                "Initial margin 2% + position size in BTC x 0.005%, maintenance margin 1% + "
                "size x 0.005%, in USDC at the index price (so the rate grows with the size, "
                "not in tiers). Positions are reduced step by step once equity falls below "
                "the maintenance margin; the price here is where that first happens. Quantity "
                "in BTC."
            ),
        ),
    )
}


@v.no_overflow
def convention_names() -> list[str]:
    """Names accepted by ``get_convention`` and by ``convention=`` arguments."""
    return sorted(CONVENTIONS)


@v.no_overflow
def get_convention(name: str | Convention) -> Convention:
    """The Convention registered under ``name`` (a Convention is returned as is)."""
    if isinstance(name, Convention):
        return name
    key = v.choice("convention name", name, tuple(convention_names()))
    return CONVENTIONS[key]


@v.no_overflow
def conventions_table() -> pd.DataFrame:
    """All registered conventions side by side, one row per name (a pandas DataFrame)."""
    import pandas as pd

    rows = {name: CONVENTIONS[name].summary() for name in convention_names()}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "convention"
    return frame
