"""The course's running example, defined once: one position, one venue, one dated tier table.

Section 00 presents it and every later section imports it, so the same
position has the same prices on every page::

    from perpmath.example import RUNNING_EXAMPLE as ex
    ex.liquidation_price()        # 86,746.99 USDT with the table dated 2024-06-28
    ex.liquidation_price(50)      # the same 1,000 USDT margin at 50x

The example: a long BTCUSDT perpetual on Binance USDⓈ-M opened at 96,000 USDT
with 1,000 USDT of isolated margin at 10x. Where a section varies the
leverage it keeps the margin, so the quantity is margin x leverage / entry.

The model: Binance's isolated-margin liquidation price for USDⓈ-M contracts
(``perpmath.liquidation.liquidation_price`` with the tier table, no fees,
isolated margin = initial margin), with the maintenance rate and amount of
the tier that holds the notional at the liquidation price. Source: Binance,
"How to Calculate Liquidation Price of USDⓈ-M Futures Contracts",
https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93, and
"Leverage and Margin of USDⓈ-M Futures",
https://www.binance.com/en/support/faq/360033162192.

The tier table is the one contemporary with the example's price (BTC near
96,000 USDT, late 2024): Binance's BTCUSDT brackets as its API listed them in
mid-2024 (dated 2024-06-28; ``ex.tier_date_note`` says what the date means).
The older 2021-03-18 table starts with the same two rates (0.4% and 0.5%),
so the example's own prices are the same under both, but charges large
positions more: 2.5% from 1,000,000 USDT of notional, where the 2024 table
asks 0.65% up to 3,000,000. The date is shown wherever a tier drives a
number. Switching the whole course to another shipped table is a one-line
change of ``TIER_DATE`` below (the table of ``TIER_TABLE`` in force on that date;
``perpmath.tiers.tier_tables()`` lists the dates shipped).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd
from numpy.typing import ArrayLike

from perpmath import _validate as v
from perpmath.conventions import get_convention
from perpmath.liquidation import bankruptcy_price, liquidation_price
from perpmath.margin import initial_margin, maintenance_margin
from perpmath.tiers import TierTable, available_tier_tables, load_tier_table

__all__ = ["RUNNING_EXAMPLE", "TIER_DATE", "TIER_TABLE", "RunningExample"]

#: The shipped tier table every section uses (``load_tier_table`` name) ...
TIER_TABLE = "binance_usdm_btcusdt"
#: ... as in force on this date (``load_tier_table(TIER_TABLE, date=TIER_DATE)``).
TIER_DATE = "2024-06-28"


@dataclass(frozen=True)
class RunningExample:
    """The position every section returns to, and the model that prices it.

    Attributes: ``side``, ``entry_price`` (USDT per BTC), ``margin`` (USDT of
    isolated margin), ``leverage``, ``symbol``, ``venue`` (display name),
    ``convention`` (``perpmath.conventions`` name of the venue),
    ``tier_table`` (name of the shipped table) and ``tier_table_date`` (the
    table in force on that date is used).
    """

    side: str = "long"
    entry_price: float = 96_000.0
    margin: float = 1_000.0
    leverage: float = 10.0
    symbol: str = "BTCUSDT"
    venue: str = "Binance USDⓈ-M"
    convention: str = "binance_usdm"
    tier_table: str = TIER_TABLE
    tier_table_date: str = TIER_DATE

    def __post_init__(self) -> None:
        if not isinstance(v.side_sign(self.side), float):
            raise ValueError(f"side must be a single 'long' or 'short', got {self.side!r}")
        v.scalar("entry_price", v.positive("entry_price", self.entry_price))
        v.scalar("margin", v.positive("margin", self.margin))
        v.scalar("leverage", v.leverage(self.leverage))
        v.text("symbol", self.symbol)
        v.text("venue", self.venue)
        get_convention(self.convention)
        v.choice("tier_table", self.tier_table, tuple(available_tier_tables()))
        v.text("tier_table_date", self.tier_table_date)
        try:
            load_tier_table(self.tier_table, date=self.tier_table_date)
        except ValueError as err:
            raise ValueError(f"tier_table_date: {err}") from None

    # the position ------------------------------------------------------
    @property
    def quantity(self) -> float:
        """Size in BTC: margin x leverage / entry price."""
        return self.margin * self.leverage / self.entry_price

    @property
    def notional(self) -> float:
        """Notional at entry (USDT): margin x leverage."""
        return self.margin * self.leverage

    @v.no_overflow
    def quantity_at(self, leverage: ArrayLike) -> v.Float:
        """Size in BTC of the same margin at another leverage (vectorized)."""
        lev = v.leverage(leverage)
        return v.result(self.margin * lev / self.entry_price)

    @v.no_overflow
    def with_changes(self, **changes: object) -> RunningExample:
        """A copy with some fields changed (validated like the original)."""
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise ValueError(f"unknown field(s) {unknown}; fields are {sorted(names)}")
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    # the model ---------------------------------------------------------
    @property
    def tiers(self) -> TierTable:
        """The dated tier table (``load_tier_table(tier_table, date=tier_table_date)``)."""
        return load_tier_table(self.tier_table, date=self.tier_table_date)

    @property
    def tier_date(self) -> str:
        """Date from which the tier table is in force (ISO format), as the table gives it."""
        meta = self.tiers.meta
        return str(meta.get("date") or meta.get("effective") or "undated")

    @property
    def tier_date_note(self) -> str:
        """What the table's date means: the table's own note, or 'in force from <date>'."""
        meta = self.tiers.meta
        return str(meta.get("date_note") or f"in force from {self.tier_date}")

    @property
    def tier_label(self) -> str:
        """The table named with its date, e.g. 'Binance BTCUSDT tiers dated 2024-06-28'."""
        meta = self.tiers.meta
        return f"{meta.get('exchange', '')} {meta.get('symbol', '')} tiers dated {self.tier_date}"

    @property
    def model(self) -> str:
        """One sentence naming the model that prices the example."""
        return (
            f"{self.venue} isolated margin: Binance's liquidation-price formula without fees, "
            f"isolated margin = initial margin, {self.tier_label}"
        )

    @v.no_overflow
    def liquidation_price(self, leverage: ArrayLike | None = None) -> v.Float:
        """Liquidation price (USDT) of the example, or of its margin at ``leverage``."""
        lev = self.leverage if leverage is None else leverage
        qty = self.quantity_at(lev)
        return liquidation_price(self.side, self.entry_price, lev, qty, maintenance=self.tiers)

    @v.no_overflow
    def bankruptcy_price(self, leverage: ArrayLike | None = None) -> v.Float:
        """Bankruptcy price (USDT): equity zero, entry x (1 - s / leverage)."""
        lev = self.leverage if leverage is None else leverage
        return bankruptcy_price(self.side, self.entry_price, lev)

    @v.no_overflow
    def summary(self) -> pd.DataFrame:
        """The example's main quantities: one row each, the value as text, its unit and section.

        Values are formatted for reading (prices to the cent, BTC to six
        decimals); compute with the properties and methods, not with this table.
        """
        qty = self.quantity
        rows = [
            ("side", self.side, "", "01"),
            ("entry price", f"{self.entry_price:,.2f}", "USDT per BTC", "01"),
            ("margin", f"{self.margin:,.2f}", "USDT", "02"),
            ("leverage", f"{self.leverage:g}", "x", "02"),
            ("quantity", f"{qty:.6f}", "BTC", "02"),
            ("notional", f"{self.notional:,.2f}", "USDT", "02"),
            (
                "initial margin",
                f"{float(initial_margin(qty, self.entry_price, self.leverage)):,.2f}",
                "USDT",
                "03",
            ),
            (
                "maintenance margin at entry",
                f"{float(maintenance_margin(qty, self.entry_price, self.tiers)):,.2f}",
                "USDT",
                "03",
            ),
            ("liquidation price", f"{float(self.liquidation_price()):,.2f}", "USDT per BTC", "04"),
            ("bankruptcy price", f"{float(self.bankruptcy_price()):,.2f}", "USDT per BTC", "02"),
            ("tier table", self.tier_label, "", "03"),
        ]
        frame = pd.DataFrame(rows, columns=["item", "value", "unit", "section"])
        frame = frame.set_index("item")
        frame.index.name = None
        return frame


#: The running example of the course.
RUNNING_EXAMPLE = RunningExample()
