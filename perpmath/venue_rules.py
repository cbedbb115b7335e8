"""What each venue family does when a liquidation goes wrong, as data, by name.

``conventions.py`` says how venues compute liquidation and bankruptcy
prices; this module says what they do *after* the trigger: how the
liquidation order is priced, where the margin left over goes, who takes a
position the book cannot absorb, and when and at what price
auto-deleveraging (ADL) closes the other side. The exchange simulator
reads these records (``simulate_exchange(..., rules="hyperliquid")``) and
``venue_rules_table()`` prints them side by side for the course.

Families (sources in each record; what the pages do not say is listed in
``silent_on`` instead of being guessed):

- ``binance`` / ``bybit``: the liquidation order is priced at the
  bankruptcy price; margin left after a better fill goes to the insurance
  fund; a position the book cannot take at that price is taken by the fund
  while it can carry the loss, then closed by ADL against the top of the
  ADL ranking at the bankruptcy price.
- ``okx``: as above, but ADL also starts when the fund falls fast: a
  decline of 30% from its peak within 8 hours; ADL then matches at the
  mark price.
- ``hyperliquid``: market orders in the book; collateral left after a book
  liquidation stays with the trader; below 2/3 of the maintenance margin the
  liquidator vault (HLP) takes the position and its margin over (the
  maintenance margin is not returned); large positions (over $100k) are
  liquidated 20% at a time; ADL when an account's value turns negative, at
  the previous oracle price.
- ``dydx``: the liquidation order's limit is a "fillable price" up to
  1.5 x the maintenance margin fraction away from the oracle; the insurance
  fund takes the profit or loss of the liquidation and a liquidation penalty
  of up to 1.5%; the account keeps what is left after the penalty; when
  nothing fills within that spread and the account's value turns negative,
  it is deleveraged at once against opposite positions taken in turn from a
  pseudo-random start, at its bankruptcy price (while its value is still
  positive the position stays open and is tried again).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import pandas as pd

from perpmath import _validate as v

__all__ = [
    "LIQUIDATION_ORDERS",
    "VENUE_RULES",
    "VenueRules",
    "get_venue_rules",
    "venue_rules_table",
]

LIQUIDATION_ORDERS = ("bankruptcy", "market_then_backstop", "fillable_price")
"""How the liquidation order meets the book: priced at the bankruptcy price
(the fund carries a worse fill while it can), a market order that stops at
the bankruptcy price and hands the rest to a backstop, or a limit at the
fillable price (the fund pays the gap between bankruptcy and fillable price)."""
ADL_TRIGGERS = ("fund_exhausted", "fund_drawdown", "negative_equity")
ADL_PRICES = ("bankruptcy", "mark", "previous_index")
LEFTOVER = ("insurance_fund", "trader")


@dataclass(frozen=True)
class VenueRules:
    """One venue family's protection rules (see the module docstring).

    ``backstop_fraction``: a backstop vault takes a position over when its
    equity is below this fraction of the maintenance margin (None: no
    backstop). ``fillable_spread``: the fillable price sits this multiple of
    the maintenance margin fraction from the oracle (None: not used).
    ``adl_drawdown``: the fund decline from its peak that starts ADL under
    the ``fund_drawdown`` trigger. ``partial_fraction`` / ``partial_above``:
    share of a position closed per partial leg and the notional (quote
    currency) above which positions are liquidated partially (None: full).
    """

    name: str
    family: str
    venues: tuple[str, ...]
    liquidation_order: str
    leftover_margin: str
    fee_rate: float
    fee_destination: str
    backstop_fraction: float | None
    fillable_spread: float | None
    partial_fraction: float | None
    partial_above: float | None
    adl_trigger: str
    adl_drawdown: float | None
    adl_price: str
    adl_ranking: str
    waterfall: str
    sources: tuple[str, ...]
    silent_on: tuple[str, ...]

    def __post_init__(self) -> None:
        # the exchange modules that name rankings and fee destinations load before this one
        from perpmath.exchange.adl import ENGINE_RANKINGS
        from perpmath.exchange.engine import FEE_DESTINATIONS

        v.text("name", self.name)
        v.text("family", self.family)
        v.choice("liquidation_order", self.liquidation_order, LIQUIDATION_ORDERS)
        v.choice("leftover_margin", self.leftover_margin, LEFTOVER)
        v.choice("adl_trigger", self.adl_trigger, ADL_TRIGGERS)
        v.choice("adl_price", self.adl_price, ADL_PRICES)
        v.choice("adl_ranking", self.adl_ranking, ENGINE_RANKINGS)
        v.choice("fee_destination", self.fee_destination, FEE_DESTINATIONS)
        # the simulator defines the waterfalls and loads this module first: while it
        # does, the shipped records (checked by the tests) only get the type check
        waterfalls = getattr(sys.modules.get("perpmath.exchange.simulator"), "WATERFALLS", None)
        if waterfalls is None:
            v.text("waterfall", self.waterfall)
        else:
            v.choice("waterfall", self.waterfall, tuple(waterfalls))
        v.scalar("fee_rate", v.in_range("fee_rate", self.fee_rate, 0.0, 1.0))
        for name in ("backstop_fraction", "adl_drawdown", "partial_fraction"):
            value = getattr(self, name)
            if value is not None:
                v.scalar(name, v.in_range(name, value, 0.0, 1.0, high_inclusive=True))
        for name in ("fillable_spread", "partial_above"):
            value = getattr(self, name)
            if value is not None:
                v.scalar(name, v.non_negative(name, value))
        if self.adl_trigger == "fund_drawdown" and self.adl_drawdown is None:
            raise ValueError("adl_drawdown is required with adl_trigger='fund_drawdown'")
        if self.adl_trigger != "fund_drawdown":
            v.unused("adl_drawdown", self.adl_drawdown, None, applies="adl_trigger='fund_drawdown'")


_BINANCE_SOURCES = (
    "Binance, 'Insurance Fund' (https://www.binance.com/en/support/faq/360033525371)",
    "Binance, 'What Is Auto-Deleveraging (ADL) and How Does It Work' "
    "(https://www.binance.com/en/support/faq/360033525471)",
)

VENUE_RULES: dict[str, VenueRules] = {
    "binance": VenueRules(
        name="binance",
        family="Binance-style (liquidation at bankruptcy, fund, then ADL)",
        venues=("Binance USDⓈ-M",),
        liquidation_order="bankruptcy",
        leftover_margin="insurance_fund",
        fee_rate=0.0,
        fee_destination="fees",
        backstop_fraction=None,
        fillable_spread=None,
        partial_fraction=None,
        partial_above=None,
        adl_trigger="fund_exhausted",
        adl_drawdown=None,
        adl_price="bankruptcy",
        adl_ranking="binance",
        waterfall="fund_then_adl",
        sources=_BINANCE_SOURCES,
        silent_on=(
            "the clearance fee rate per contract (set fee_rate; default 0 here)",
            "how fast the fund unwinds positions it takes over (modeled as closed in "
            "the same step's book)",
            "what happens when the mark pushes an open position's notional past the "
            "last tier: 'Leverage and Margin of USDⓈ-M Futures' computes maintenance by "
            "the notional's bracket and caps only opening orders (modeled as the last "
            "tier's rate and amount; beyond_last_tier='raise' stops the run instead)",
        ),
    ),
    "bybit": VenueRules(
        name="bybit",
        family="Bybit (liquidation at bankruptcy, fund, then ADL)",
        venues=("Bybit USDT perpetual",),
        liquidation_order="bankruptcy",
        leftover_margin="insurance_fund",
        fee_rate=0.0,
        fee_destination="fees",
        backstop_fraction=None,
        fillable_spread=None,
        partial_fraction=None,
        partial_above=None,
        adl_trigger="fund_exhausted",
        adl_drawdown=None,
        adl_price="bankruptcy",
        adl_ranking="bitmex",
        waterfall="fund_then_adl",
        sources=(
            "Bybit, 'Insurance Fund' (https://www.bybit.com/en/help-center/article/Insurance-Fund)",
            "Bybit, 'Auto-Deleveraging (ADL) Mechanism' "
            "(https://www.bybit.com/en/help-center/article/Auto-Deleveraging-ADL)",
        ),
        silent_on=(
            "risk-limit reduction before full liquidation (use liquidation='partial')",
            "the ranking's current exact formula (the BitMEX-style PnL% x effective "
            "leverage of its earlier page is used)",
            "a secondary summary of the current ADL page says ADL settles at the mark when "
            "the bankruptcy price is more than 5% away from it; not confirmed on Bybit's own "
            "page here, so not modeled (ADL at the bankruptcy price)",
        ),
    ),
    "okx": VenueRules(
        name="okx",
        family="OKX (fund, with ADL on a fast fund drawdown)",
        venues=("OKX perpetual swaps",),
        liquidation_order="bankruptcy",
        leftover_margin="insurance_fund",
        fee_rate=0.0,
        fee_destination="fees",
        backstop_fraction=None,
        fillable_spread=None,
        partial_fraction=None,
        partial_above=None,
        adl_trigger="fund_drawdown",
        adl_drawdown=0.30,
        adl_price="mark",
        adl_ranking="okx",
        waterfall="fund_then_adl",
        sources=(
            "OKX, 'Automatic-Deleveraging: what it is and how it affects your positions' "
            "(https://www.okx.com/help/iv-introduction-to-auto-deleveraging-adl)",
            "OKX, 'What is the meaning and purpose of the early liquidation mechanism?' "
            "(OKX help centre): ADL when the fund falls 30% from its peak within 8 hours, "
            "matched at the current mark price",
        ),
        silent_on=(
            "the window is 8 hours of wall-clock time; the simulator measures the peak "
            "over the whole run (its steps have no fixed length)",
            "tier-by-tier partial liquidation (use liquidation='partial')",
        ),
    ),
    "hyperliquid": VenueRules(
        name="hyperliquid",
        family="Hyperliquid (book, liquidator vault, ADL at the previous price)",
        venues=("Hyperliquid perpetuals",),
        liquidation_order="market_then_backstop",
        leftover_margin="trader",
        fee_rate=0.0,
        fee_destination="fees",
        backstop_fraction=2.0 / 3.0,
        fillable_spread=None,
        partial_fraction=0.2,
        partial_above=100_000.0,
        adl_trigger="negative_equity",
        adl_drawdown=None,
        adl_price="previous_index",
        adl_ranking="hyperliquid",
        waterfall="fund_then_adl",
        sources=(
            "Hyperliquid Docs, 'Liquidations' "
            "(https://hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations)",
            "Hyperliquid Docs, 'Auto-deleveraging' "
            "(https://hyperliquid.gitbook.io/hyperliquid-docs/trading/auto-deleveraging)",
            "Hyperliquid community wiki, 'Liquidations' (20% partial liquidation above "
            "$100k, 30 s cooldown; secondary source)",
            "Hyperliquid Docs, 'Margin tiers' "
            "(https://hyperliquid.gitbook.io/hyperliquid-docs/trading/margin-tiers): the last "
            "tier is open-ended (BTC: >150M at 20x), so a notional past it keeps its rate",
        ),
        silent_on=(
            "the exact ADL ranking formula (the docs name 'unrealized pnl and leverage "
            "used'; PnL% x effective leverage is used here)",
            "how the liquidator vault unwinds what it takes over (held to the end here)",
            "the step's length: after a partial leg the venue sends orders for the whole "
            "position for 30 s (Hyperliquid announcement on partial liquidations); a step "
            "here is taken to be longer than that, so each new trigger sends a 20% leg",
            "a venue insurance fund: there is none; 'insurance_fund' seeds the vault's "
            "cash instead",
            "the official ADL page says previous oracle price, some HyperCore pages say "
            "previous mark price; the simulator uses the previous index (oracle) price",
        ),
    ),
    "dydx": VenueRules(
        name="dydx",
        family="dYdX v4 (fillable price, penalty to the fund, deleveraging)",
        venues=("dYdX Chain (v4)",),
        liquidation_order="fillable_price",
        leftover_margin="trader",
        fee_rate=0.015,
        fee_destination="insurance_fund",
        backstop_fraction=None,
        fillable_spread=1.5,
        partial_fraction=None,
        partial_above=None,
        adl_trigger="negative_equity",
        adl_drawdown=None,
        adl_price="bankruptcy",
        adl_ranking="random",
        waterfall="fund_then_adl",
        sources=(
            "dYdX, 'Liquidations on dYdX Chain' "
            "(https://help.dydx.exchange/en/articles/8580691-liquidations-on-dydx-chain)",
            "dYdX, 'Contract Loss Mechanisms on dYdX Chain' "
            "(https://help.dydx.trade/en/articles/166973-contract-loss-mechanisms-on-dydx-chain)",
            "dYdX v4 documentation, 'Contract Loss Mechanism' (deleveraging at the "
            "bankruptcy price, worked example)",
            "dydxprotocol/v4-chain, protocol/x/clob/keeper/deleveraging.go: deleverage "
            "only a subaccount with negative net collateral, the whole position, at its "
            "bankruptcy price, against opposite positions in turn from a pseudo-random start",
        ),
        silent_on=(
            "the fillable price's full formula has more terms (bankruptcy adjustment, "
            "position share); the simulator uses oracle x (1 - s x 1.5 x MMF)",
            "older help pages say the most profitable and leveraged accounts are "
            "deleveraged first; the current page and the chain's code take them in turn "
            "from a random start, which is used here",
            "the code offsets any opposite position whose bankruptcy price overlaps; the "
            "simulator, like the other venues, offsets only profitable ones",
            "how much of a position one liquidation closes (set by governance; full here)",
        ),
    ),
}
"""Protection rules by venue family name (see the module docstring)."""


@v.no_overflow
def get_venue_rules(name: str | VenueRules) -> VenueRules:
    """The record for ``name`` (a key of VENUE_RULES), or ``name`` itself if it is one."""
    if isinstance(name, VenueRules):
        return name
    return VENUE_RULES[v.choice("rules name", name, tuple(VENUE_RULES))]


def _describe(r: VenueRules) -> dict[str, str]:
    if r.liquidation_order == "bankruptcy":
        order = "limit at the bankruptcy price; the fund takes a worse fill"
    elif r.liquidation_order == "market_then_backstop":
        order = "market order in the book, stopped at the bankruptcy price"
    else:
        order = f"limit at the fillable price (oracle -/+ {r.fillable_spread:g} x MMF)"
    backstop = (
        "none"
        if r.backstop_fraction is None
        else f"vault takes position and margin below {r.backstop_fraction:.3g} of maintenance"
    )
    partial = (
        "no (whole position)"
        if r.partial_fraction is None
        else f"{r.partial_fraction:.0%} legs above {r.partial_above:,.0f} notional"
    )
    if r.adl_trigger == "fund_exhausted":
        trigger = "the fund cannot carry the loss"
    elif r.adl_trigger == "fund_drawdown":
        trigger = f"the fund cannot carry it, or falls {r.adl_drawdown:.0%} from its peak"
    else:
        trigger = "an account's value turns negative"
    price = {
        "bankruptcy": "bankruptcy price of the liquidated position",
        "mark": "mark price",
        "previous_index": "previous oracle (index) price",
    }[r.adl_price]
    fee = f"{r.fee_rate:.2%} to the {r.fee_destination.replace('_', ' ')}"
    return {
        "liquidation order": order,
        "margin left after the close goes to": r.leftover_margin.replace("_", " "),
        "liquidation fee (modeled)": fee,
        "backstop": backstop,
        "partial liquidation": partial,
        "ADL starts when": trigger,
        "ADL price": price,
        "ADL ranking": (
            "opposite positions in turn from a random start"
            if r.adl_ranking == "random"
            else r.adl_ranking
        ),
        "docs silent on": "; ".join(r.silent_on),
        "sources": "; ".join(r.sources),
    }


@v.no_overflow
def venue_rules_table(names: tuple[str, ...] | list[str] | None = None) -> pd.DataFrame:
    """'How venues differ': one column per venue family, one row per question,
    generated from VENUE_RULES (default: every family)."""
    if names is not None:
        v.instance("names", names, tuple | list, "a list of venue family names")
    chosen = list(VENUE_RULES) if names is None else [get_venue_rules(n).name for n in names]
    if not chosen:
        raise ValueError("names must hold at least one venue family name, got an empty list")
    return pd.DataFrame({name: _describe(VENUE_RULES[name]) for name in chosen})
