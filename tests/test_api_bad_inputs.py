"""Every public function and method refuses bad input with a clear error.

The walk covers every callable named in ``perpmath.__all__`` and
``perpmath.exchange.__all__`` and the public methods of their classes, found
by introspection. Each needs a row in ``CASES`` below: keyword arguments that
make a valid call (the base), and which of the probes a parameter may
legitimately take. The walk then replaces one argument at a time with a bad
value (NaN, infinities, 0, a negative number, 1e300, an unknown name, a
wrong Python type, a boolean spelled as a string, ragged, empty and
mismatched arrays) and asserts:

* a probe the parameter does not allow raises ``ValueError`` (``TypeError``
  for a wrong Python type; ``OverflowError`` is tolerated for 1e300) whose
  message names the public argument and says what is allowed;
* a value that is allowed, or an absurd magnitude that is handled, returns a
  result without NaN, and without infinity unless the row says the function
  documents infinity (a position that is never liquidated).

Absurd magnitudes together: ``test_absurd_magnitudes_together_never_give_nan_or_inf``
feeds a callable's numeric parameters 1e300 and 1e-300 together (all of them
at once, each one tiny, and every pair: both huge, one tiny and the other
huge), which the one-at-a-time walk never does: ``notional(1e300, 1e300)``
overflows a float. Each call returns a result without NaN (or infinity the
row does not allow), or raises a clear error, an ``OverflowError`` naming an
argument given; no RuntimeWarning escapes. ``test_every_public_function_is_guarded``
checks that every public function and method wears
``perpmath._validate.no_overflow``, the one guard that turns such a result
into that error.

A public callable without a row fails ``test_every_public_callable_has_a_case``:
add a row for it here. ``KNOWN_PENDING_PROBES`` is empty and
``test_no_probe_is_pending`` keeps it empty: a failing probe is fixed, not listed.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import itertools
import math
import re
import types
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pytest

import perpmath
import perpmath.exchange
from perpmath import (
    CONVENTIONS,
    Account,
    OrderBook,
    Position,
    TierTable,
    VenueRules,
    deep_book,
    get_venue_rules,
    liquidation_map,
    market_order_fill,
    matched_population,
    simulate_exchange,
    simulate_exit,
)
from perpmath.exchange import Ledger

NAN = math.nan


# --- the table ------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """A valid call and what its parameters may legitimately take.

    ``args``: keyword arguments of a valid call (a ``Fresh`` value is rebuilt
    for every call). ``make``: for a method, builds the object it is called
    on. ``allow``: parameter -> probe names that are valid values for it
    (e.g. ``"negative zero"`` for a funding rate). ``inf_ok``: the function
    documents infinity as a result. ``skip``: parameter -> why it is not probed.
    """

    args: dict[str, Any] = field(default_factory=dict)
    make: Callable[[], Any] | None = None
    allow: dict[str, str] = field(default_factory=dict)
    inf_ok: bool = False
    skip: dict[str, str] = field(default_factory=dict)
    varargs: tuple[Any, ...] = ()  # values of a *args parameter (not probed)


@dataclass(frozen=True)
class Fresh:
    """An argument built anew for every call (the callee changes it in place)."""

    build: Callable[[], Any]


def rng() -> Fresh:
    return Fresh(lambda: np.random.default_rng(1))


def _table() -> TierTable:
    return TierTable.from_rates([50_000.0, np.inf], [125.0, 100.0], [0.004, 0.005])


def _book() -> OrderBook:
    return deep_book(100.0, levels=20)


def _account() -> Account:
    return Account(
        10_000.0,
        [
            Position("BTCUSDT", "long", 0.1, 96_000.0, 10.0, "cross"),
            Position("ETHUSDT", "short", 1.0, 3_000.0, 10.0, "isolated"),
        ],
    )


MARKS = {"BTCUSDT": 95_000.0, "ETHUSDT": 3_100.0}
NEG0 = "negative zero"  # a signed amount or rate: any finite number
MMR = "zero none"  # a maintenance rate: 0 means none, None the default of liquidation_price
FREE = "string empty"  # free text (a name or a label)
_FIELDS = {
    f.name: getattr(CONVENTIONS["binance_usdm"], f.name)
    for f in dataclasses.fields(CONVENTIONS["binance_usdm"])
}

CASES: dict[str, Case] = {
    # account
    "Position": Case(
        dict(
            symbol="BTCUSDT",
            side="long",
            quantity=0.1,
            entry_price=96_000.0,
            leverage=10.0,
            margin_mode="isolated",
            contract="linear",
            contract_size=1.0,
        ),
        allow={"symbol": "string"},
    ),
    "Position.initial_margin": Case(dict(mark=95_000.0), make=lambda: _account().positions[0]),
    "Position.maintenance_margin": Case(dict(mark=95_000.0), make=lambda: _account().positions[0]),
    "Position.notional": Case(dict(mark=95_000.0), make=lambda: _account().positions[0]),
    "Position.unrealized_pnl": Case(dict(mark=95_000.0), make=lambda: _account().positions[0]),
    "Account": Case(
        dict(
            wallet_balance=10_000.0,
            positions=Fresh(lambda: list(_account().positions)),
        )
    ),
    "Account.add_margin": Case(
        dict(symbol="ETHUSDT", amount=10.0), make=_account, allow={"amount": NEG0}
    ),
    "Account.available_balance": Case(dict(marks=MARKS), make=_account),
    "Account.initial_margin": Case(dict(marks=MARKS), make=_account),
    "Account.liquidated": Case(dict(marks=MARKS), make=_account),
    "Account.liquidation_price": Case(dict(symbol="BTCUSDT", marks=MARKS), make=_account),
    "Account.maintenance_margin": Case(dict(marks=MARKS), make=_account),
    "Account.margin_balance": Case(dict(marks=MARKS), make=_account),
    "Account.margin_ratio": Case(
        dict(marks=MARKS, definition="maintenance_to_balance"), make=_account, inf_ok=True
    ),
    "Account.summary": Case(
        dict(marks=MARKS, definition="maintenance_to_balance"), make=_account, inf_ok=True
    ),
    "Account.unrealized_pnl": Case(dict(marks=MARKS), make=_account),
    "Account.with_position": Case(dict(symbol="BTCUSDT", quantity=0.05), make=_account),
    # contracts
    "average_entry_price": Case(dict(quantities=[1.0, 2.0], prices=[100.0, 110.0])),
    "notional": Case(dict(quantity=2.0, price=100.0)),
    "price_return": Case(dict(entry_price=100.0, price=110.0)),
    "roe": Case(
        dict(
            side="long",
            quantity=2.0,
            entry_price=100.0,
            price=110.0,
            leverage=10.0,
            fee_to_close=0.1,
        ),
        allow={"fee_to_close": "zero"},
    ),
    "unrealized_pnl": Case(dict(side="long", quantity=2.0, entry_price=100.0, price=110.0)),
    # conventions
    "Convention": Case(
        dict(_FIELDS),
        allow={k: FREE for k in ("name", "exchange", "product", "source", "notes", "settlement")}
        | {
            "taker_fee": "zero",
            "tick_size": "zero",
            "maintenance_rate": "zero",
            "tier_table": "none",
            "maintenance_slope": "zero",
            "funding": "none",
        },
        skip={"meta": "free-form notes about the source", "sources": "free-form addresses"},
    ),
    "Convention.round_price": Case(
        dict(price=90_000.123, side="long"),
        make=lambda: CONVENTIONS["binance_usdm"],
        allow={"price": "zero inf"},
        inf_ok=True,
    ),
    "Convention.round_signed": Case(
        dict(price=90_000.123, sign=1.0),
        make=lambda: CONVENTIONS["binance_usdm"],
        allow={"price": "zero inf", "sign": "negative"},
        inf_ok=True,
    ),
    "Convention.summary": Case(make=lambda: CONVENTIONS["okx"]),
    "Convention.tiers": Case(make=lambda: CONVENTIONS["okx"], inf_ok=True),  # the last cap
    "Convention.with_changes": Case(
        dict(fee_in_bankruptcy=True), make=lambda: CONVENTIONS["binance_usdm"]
    ),
    "convention_names": Case(),
    "conventions_table": Case(),
    "get_convention": Case(dict(name="okx")),
    # funding
    "accumulated_funding": Case(
        dict(
            side="long",
            quantity=1.0,
            mark_prices=[100.0, 101.0, 102.0],
            rates=[0.0001, -0.0002, 0.0001],
        ),
        allow={"rates": NEG0},
    ),
    "annualized_funding_rate": Case(dict(rate=0.0001, interval_hours=8.0), allow={"rate": NEG0}),
    "average_premium_index": Case(
        dict(samples=[0.0001, 0.0002, -0.0001], convention="binance"), allow={"samples": NEG0}
    ),
    "funding_interest_rate": Case(
        dict(quote_rate=0.0006, base_rate=0.0003, intervals_per_day=3.0),
        allow={"quote_rate": NEG0, "base_rate": NEG0},
    ),
    "funding_over_time": Case(
        dict(side="long", entry_price=100.0, leverage=10.0, rates=[0.0001, 0.0002, -0.0001]),
        allow={"rates": NEG0, "maintenance": "zero"},
    ),
    "funding_payment": Case(
        dict(side="long", quantity=1.0, mark_price=100.0, rate=0.0001), allow={"rate": NEG0}
    ),
    "funding_rate": Case(
        dict(premium_index=0.0003, interest_rate=0.0001, clamp=0.0005, convention="binance"),
        allow={"premium_index": NEG0, "interest_rate": NEG0, "clamp": "zero"},
    ),
    "funding_settlements": Case(dict(hours=24.0, interval_hours=8.0), allow={"hours": "zero"}),
    "funding_share_of_margin": Case(
        dict(rate=0.0001, leverage=10.0, settlements=3.0),
        allow={"rate": NEG0, "settlements": "zero"},
    ),
    "holding_events": Case(dict(days=30.0, instrument="perpetual"), allow={"days": "zero"}),
    "premium_index": Case(dict(impact_bid=100.1, impact_ask=100.2, index_price=100.0)),
    # heatmap
    "liquidation_map": Case(
        dict(
            sides=["long", "short"],
            entries=[100.0, 100.0],
            leverages=[10.0, 10.0],
            sizes=[1.0, 1.0],
            bins=10,
        ),
        allow={"maintenance": MMR},
    ),
    "LiquidationMap.to_frame": Case(
        make=lambda: liquidation_map(["long", "short"], 100.0, 10.0, 1.0, bins=4)
    ),
    "random_population": Case(
        dict(n=10, seed=1),
        allow={
            "seed": "zero",
            "entry_spread": "zero",
            "long_share": "zero",
            "notional_sigma": "zero",
            "leverage_weights": "zero none",
        },
    ),
    # leveraged tokens
    "avellaneda_zhang_ratio": Case(
        dict(index_ratio=1.1, leverage=3.0, variance=0.01),
        allow={"leverage": "negative", "variance": "zero"},
    ),
    "leveraged_token_nav": Case(
        dict(prices=[100.0, 101.0, 99.0], leverage=3.0, nav0=1.0),
        allow={"leverage": "negative mismatched", "prices": "mismatched"},
    ),
    "realized_variance": Case(dict(prices=[100.0, 101.0, 99.0])),
    "volatility_drag": Case(
        dict(leverage=3.0, sigma=0.8, days=30.0),
        allow={"leverage": "negative", "sigma": "zero", "days": "zero"},
    ),
    # liquidation
    "bankruptcy_price": Case(
        dict(side="long", entry_price=100.0, leverage=10.0),
        allow={"other_unrealized_pnl": "zero"},  # its default in isolated mode
        inf_ok=True,
    ),
    "distance_to_bankruptcy": Case(
        dict(side="long", entry_price=100.0, leverage=10.0), inf_ok=True
    ),
    "distance_to_liquidation": Case(
        dict(side="long", entry_price=100.0, leverage=10.0, maintenance=0.004),
        allow={"maintenance": MMR},
        inf_ok=True,
    ),
    "hedge_liquidation_price": Case(
        dict(
            wallet_balance=1_000.0,
            long_quantity=1.0,
            long_entry_price=100.0,
            short_quantity=0.5,
            short_entry_price=100.0,
        ),
        allow={
            "long_quantity": "zero",
            "short_quantity": "zero",
            "other_maintenance": "zero",
            "other_unrealized_pnl": NEG0,
        },
        inf_ok=True,
    ),
    "liquidation_price": Case(
        dict(side="long", entry_price=100.0, leverage=10.0),
        allow={"other_maintenance": "zero", "other_unrealized_pnl": "zero"},  # isolated defaults
        inf_ok=True,
    ),
    "liquidation_price_after": Case(
        dict(side="long", entry_price=100.0, leverage=10.0, reduce_quantity=0.5),
        allow={"add_margin": NEG0, "reduce_quantity": "zero"},
        inf_ok=True,
    ),
    # margin
    "convert_margin_ratio": Case(
        dict(
            value=0.5,
            from_definition="maintenance_to_balance",
            to_definition="equity_to_maintenance",
            maintenance_margin=10.0,
        ),
        inf_ok=True,  # to "maintenance_to_balance" for a margin balance <= 0
    ),
    "initial_margin": Case(dict(quantity=1.0, price=100.0, leverage=10.0)),
    "is_liquidatable": Case(
        dict(margin_balance=50.0, maintenance_margin=10.0, position_value=1_000.0),
        allow={"margin_balance": NEG0},
    ),
    "liquidation_threshold": Case(
        dict(definition="margin_to_notional", maintenance_margin=10.0, position_value=1_000.0)
    ),
    "maintenance_margin": Case(dict(quantity=1.0, mark_price=100.0, maintenance=0.004)),
    "margin_balance": Case(
        dict(wallet_balance=100.0, unrealized_pnl=-20.0),
        allow={"wallet_balance": NEG0, "unrealized_pnl": NEG0},
    ),
    "margin_ratio": Case(
        dict(
            margin_balance=50.0,
            maintenance_margin=10.0,
            position_value=1_000.0,
            definition="maintenance_to_balance",
        ),
        allow={"margin_balance": NEG0},
        inf_ok=True,
    ),
    "margin_ratio_table": Case(
        dict(margin_balance=50.0, maintenance_margin=10.0, position_value=1_000.0),
        allow={"margin_balance": NEG0},
        inf_ok=True,
    ),
    "open_loss": Case(dict(side="long", quantity=1.0, order_price=101.0, mark_price=100.0)),
    "order_cost": Case(
        dict(side="long", quantity=1.0, order_price=101.0, mark_price=100.0, leverage=10.0)
    ),
    # mark price
    "funding_basis_price": Case(
        dict(index=100.0, funding_rate=0.0001, time_until_funding=4.0),
        allow={"funding_rate": NEG0, "time_until_funding": "zero"},
    ),
    "mark_price": Case(
        dict(
            index=100.0,
            convention="binance",
            last_price=100.5,
            funding_rate=0.0001,
            time_until_funding=4.0,
            basis=0.1,
        ),
        allow={"funding_rate": NEG0, "time_until_funding": "zero", "basis": NEG0},
    ),
    "moving_average_basis": Case(
        dict(bid=[100.0, 101.0], ask=[100.2, 101.2], index=[100.1, 101.1], window=2)
    ),
    "price_index": Case(
        dict(prices=[100.0, 101.0, 102.0], outlier_rule="exclude", band=0.05),
        allow={"band": "zero"},
    ),
    "wick_demo": Case(
        allow={
            "venues": "string",
            "spread": "zero",
            "funding_rate": NEG0,
            "hours_to_funding": "zero",
            "wick_start": "zero",
            "wick": "zero",
            "maintenance": MMR,
            "spot_wick_venue": "zero none",
        },
    ),
    # Monte Carlo and paths
    "first_passage_probability": Case(
        dict(barrier_ratio=0.9, sigma=0.8, days=30.0), allow={"barrier_ratio": "zero", "mu": NEG0}
    ),
    "liquidation_barrier": Case(dict(side="long", leverage=10.0), allow={"maintenance": MMR}),
    "liquidation_probability": Case(
        dict(side="long", leverage=10.0, sigma=0.8, days=5.0, rng=rng(), n_paths=50, n_steps=10),
        allow={"sigma": "zero", "mu": NEG0, "maintenance": MMR},
    ),
    "liquidation_probability_closed_form": Case(
        dict(side="long", leverage=10.0, sigma=0.8, days=30.0),
        allow={"mu": NEG0, "maintenance": MMR},
    ),
    "liquidation_probability_grid": Case(
        dict(
            side="long",
            leverages=[5.0, 10.0],
            sigmas=[0.5, 0.8],
            days=5.0,
            rng=rng(),
            n_paths=50,
            n_steps=10,
        ),
        allow={"leverages": "mismatched", "sigmas": "zero mismatched"},
    ),
    "normal_cdf": Case(dict(x=0.5), allow={"x": NEG0}),
    "sampling_error": Case(dict(probability=0.3, n_paths=1_000.0), allow={"probability": "zero"}),
    "survival_curve": Case(
        dict(side="long", leverage=10.0, sigma=0.8, days=5.0, rng=rng(), n_paths=50, n_steps=10),
        allow={"sigma": "zero", "mu": NEG0, "maintenance": MMR},
    ),
    "add_jumps": Case(
        dict(
            log_increments=Fresh(lambda: np.zeros((2, 10))),
            days=5.0,
            rng=rng(),
            jump_intensity=12.0,
            jump_mean=-0.05,
            jump_std=0.05,
        ),
        allow={
            "log_increments": NEG0,
            "jump_intensity": "zero",
            "jump_mean": NEG0,
            "jump_std": "zero",
        },
    ),
    "flash_crash_path": Case(
        dict(s0=100.0, n_steps=20, crash_at=5, drop=0.3),
        allow={"crash_at": "zero", "drop": "zero", "recovery": "zero"},
    ),
    "gbm_log_increments": Case(
        dict(sigma=0.8, days=5.0, n_steps=10, n_paths=2, rng=rng()),
        allow={"sigma": "zero", "mu": NEG0},
    ),
    "gbm_paths": Case(
        dict(s0=100.0, sigma=0.8, days=5.0, n_steps=10, n_paths=2, rng=rng()),
        allow={"sigma": "zero", "mu": NEG0},
    ),
    "jump_diffusion_paths": Case(
        dict(s0=100.0, sigma=0.8, days=5.0, n_steps=10, n_paths=2, rng=rng()),
        allow={
            "sigma": "zero",
            "mu": NEG0,
            "jump_intensity": "zero",
            "jump_mean": NEG0,
            "jump_std": "zero",
        },
    ),
    "merton_jump_compensator": Case(
        dict(jump_mean=-0.05, jump_std=0.05), allow={"jump_mean": NEG0, "jump_std": "zero"}
    ),
    "time_grid": Case(dict(days=5.0, n_steps=10)),
    # order book
    "OrderBook": Case(
        dict(
            bid_prices=[99.0, 98.0],
            bid_sizes=[1.0, 2.0],
            ask_prices=[101.0, 102.0],
            ask_sizes=[1.0, 2.0],
        ),
        allow={"bid_sizes": "zero", "ask_sizes": "zero"},
    ),
    "OrderBook.after": Case(
        dict(fill=Fresh(lambda: market_order_fill(_book(), "buy", 1.0))), make=_book
    ),
    "OrderBook.depth": Case(dict(side="bid", within=0.01), make=_book, allow={"within": "zero"}),
    "OrderBook.scaled": Case(dict(factor=2.0), make=_book),
    "OrderBook.shifted": Case(dict(new_mid=105.0), make=_book),
    "OrderBook.side_levels": Case(dict(side="ask"), make=_book),
    "OrderBook.to_frame": Case(make=_book),
    "OrderBook.with_gap": Case(dict(side="bid", start=99.0, end=98.0), make=_book),
    "OrderBook.without_levels": Case(
        dict(side="bid", count=1, start=0), make=_book, allow={"count": "zero", "start": "zero"}
    ),
    "Fill.cost_vs": Case(
        dict(reference_price=100.0), make=lambda: market_order_fill(_book(), "buy", 1.0)
    ),
    "deep_book": Case(dict(mid=100.0, levels=10), allow={"spread": "zero"}),
    "delayed_execution_price": Case(
        dict(path=[100.0, 99.0, 98.0, 97.0], trigger_step=1, delay=1),
        allow={"trigger_step": "zero", "delay": "zero"},
    ),
    "make_book": Case(dict(profile="deep", mid=100.0, levels=10)),
    "market_order_fill": Case(dict(book=Fresh(_book), side="buy", quantity=1.0)),
    "thin_book": Case(dict(mid=100.0, levels=10), allow={"spread": "zero"}),
    "thinning_book": Case(
        dict(mid=100.0, levels=10),
        allow={"spread": "zero", "decay": "zero", "exponent": "zero"},
    ),
    # risk
    "ExitResult.to_frame": Case(
        make=lambda: simulate_exit("long", 100.0, [100.0, 95.0, 90.0], stop=96.0)
    ),
    "gap_loss": Case(dict(side="long", stop_price=95.0, fill_price=90.0)),
    "implied_leverage": Case(dict(quantity=1.0, entry_price=100.0, capital=1_000.0)),
    "margin_ratio_alert_price": Case(
        dict(side="long", entry_price=100.0, leverage=10.0, alert=0.8),
        allow={"maintenance_rate": "zero"},
    ),
    "position_size": Case(
        dict(capital=1_000.0, risk_fraction=0.02, entry_price=100.0, stop_price=95.0, side="long")
    ),
    "risk_at_stop": Case(dict(quantity=1.0, entry_price=100.0, stop_price=95.0)),
    "scale_out": Case(
        dict(
            side="long",
            entry_price=100.0,
            prices=[100.0, 105.0, 110.0, 95.0],
            targets=[105.0, 110.0],
            fractions=[0.5, 0.5],
            stop=90.0,
        ),
        allow={"fractions": "zero"},
    ),
    "simulate_exit": Case(
        dict(
            side="long",
            entry_price=100.0,
            prices=[[100.0, 97.0, 112.0, 90.0]],
            stop=95.0,
            take_profit=110.0,
            trailing=0.1,
            liquidation=85.0,
            stop_limit=94.0,
        ),
    ),
    "trailing_stop_levels": Case(dict(side="long", prices=[100.0, 101.0, 99.0], trail=0.05)),
    # spot
    "account_equity_path": Case(
        dict(
            account=Fresh(_account),
            marks={"BTCUSDT": [96_000.0, 95_000.0], "ETHUSDT": [3_000.0, 3_100.0]},
        ),
    ),
    "scripted_path": Case(
        dict(anchors=(96_000.0, 101_000.0), steps_per_leg=5),
        allow={"wiggle": "zero", "seed": "zero none"},
    ),
    "spot_vs_perpetual": Case(
        dict(prices=[100.0, 95.0, 110.0], capital=1_000.0, maintenance=0.004),
        allow={"maintenance": "zero", "leverages": "mismatched"},
    ),
    # stepwise
    "liquidation_trace": Case(
        dict(side="long", entry_price=100_000.0, quantity=1.0, mark_price=99_400.0, margin=1_000.0),
        allow={"open_orders": "zero", "order_margin": "zero", "fee_rate": "zero", "margin": "zero"},
    ),
    # tiers
    "TierTable": Case(
        dict(
            floor=[0.0, 50_000.0],
            cap=[50_000.0, np.inf],
            max_leverage=[125.0, 100.0],
            maintenance_rate=[0.004, 0.005],
            maintenance_amount=[0.0, 50.0],
        ),
        allow={
            "floor": "zero",
            "cap": "inf",
            "maintenance_amount": "zero",
            "settlement": "string",
            "source": FREE,
            "name": FREE,
            "unit": FREE,
        },
        inf_ok=True,
        skip={"meta": "free-form notes about the source"},
    ),
    "TierTable.check_leverage": Case(
        dict(notional=1_000.0, leverage=10.0), make=_table, allow={"notional": "zero"}
    ),
    "TierTable.flat": Case(
        dict(maintenance_rate=0.005, max_leverage=100.0),
        make=lambda: TierTable,
        allow={"name": FREE, "unit": FREE},
        inf_ok=True,
    ),
    "TierTable.from_rates": Case(
        dict(caps=[50_000.0, np.inf], max_leverage=[125.0, 100.0], maintenance_rate=[0.004, 0.005]),
        make=lambda: TierTable,
        allow={"caps": "inf", "name": FREE, "unit": FREE},
        inf_ok=True,
    ),
    "TierTable.maintenance_amount_at": Case(
        dict(notional=1_000.0), make=_table, allow={"notional": "zero"}
    ),
    "TierTable.maintenance_margin": Case(
        dict(notional=1_000.0), make=_table, allow={"notional": "zero"}
    ),
    "TierTable.maintenance_rate_at": Case(
        dict(notional=1_000.0), make=_table, allow={"notional": "zero"}
    ),
    "TierTable.max_leverage_at": Case(
        dict(notional=1_000.0), make=_table, allow={"notional": "zero"}
    ),
    "TierTable.tier_index": Case(dict(notional=1_000.0), make=_table, allow={"notional": "zero"}),
    "TierTable.to_frame": Case(make=_table, inf_ok=True),
    "available_tier_tables": Case(),
    "load_tier_table": Case(dict(name="binance_usdm_btcusdt"), inf_ok=True),
    # added by the exactness work: fees, details, venues, schedules, tier input
    "LiquidationDetails.as_dict": Case(
        make=lambda: perpmath.liquidation_price_details("long", 100.0, 10.0), inf_ok=True
    ),
    "OrderCost.as_dict": Case(
        make=lambda: perpmath.bybit_order_cost_details("long", 1.0, 100.0, 10.0, 0.00055)
    ),
    "SubaccountMargin.as_dict": Case(
        make=lambda: perpmath.subaccount_margin(1_000.0, [1.0], [100.0], [0.05], [0.6])
    ),
    "TierTable.bracket": Case(
        dict(maintenance_rate=0.005, maintenance_amount=0.0),
        make=lambda: TierTable,
        allow={"maintenance_amount": "zero", "unit": FREE},
        inf_ok=True,
    ),
    "TierTable.counts_contracts": Case(dict(contract="linear"), make=_table),
    "TierTable.describe": Case(make=_table),
    "TierTable.initial_margin": Case(
        dict(notional=1_000.0), make=_table, allow={"notional": "zero"}
    ),
    "TierTable.max_leverage_for_stake": Case(dict(stake=100.0), make=_table),
    "break_even_price": Case(
        dict(side="long", entry_price=100.0, open_rate=0.0005, close_rate=0.0005, funding_paid=1.0),
        allow={"open_rate": "zero", "close_rate": "zero", "funding_paid": NEG0},
        inf_ok=True,  # an inverse long whose costs exceed the position never breaks even
    ),
    "bybit_order_cost": Case(
        dict(side="long", quantity=1.0, order_price=100.0, leverage=10.0, rate=0.00055),
        allow={"rate": "zero"},
    ),
    "bybit_order_cost_details": Case(
        dict(side="long", quantity=1.0, order_price=100.0, leverage=10.0, rate=0.00055),
        allow={"rate": "zero"},
    ),
    "close_fee_at_bankruptcy": Case(
        dict(side="long", quantity=1.0, order_price=100.0, leverage=10.0, rate=0.00055),
        allow={"rate": "zero"},
    ),
    "closed_pnl": Case(
        dict(
            side="long",
            quantity=1.0,
            entry_price=100.0,
            exit_price=110.0,
            open_rate=0.0005,
            close_rate=0.0005,
        ),
        allow={"open_rate": "zero", "close_rate": "zero", "funding_paid": NEG0},
    ),
    "dydx_funding_cap": Case(
        dict(initial_margin_fraction=0.05, maintenance_fraction=0.6),
        allow={"clamp_factor": "zero", "maintenance_fraction": "zero"},
    ),
    "dydx_funding_rate": Case(
        dict(premium=0.0001, initial_margin_fraction=0.05, maintenance_fraction=0.6),
        allow={
            "premium": NEG0,
            "default_funding": NEG0,
            "clamp_factor": "zero",
            "maintenance_fraction": "zero",
        },
    ),
    "fee_rate": Case(dict(convention="okx", liquidity="taker")),
    "funding_over_period": Case(
        dict(
            side="long",
            quantity=0.5,
            entry_time="2024-03-01T06:00Z",
            exit_time="2024-03-02T10:00Z",
            times=Fresh(lambda: perpmath.funding_times("2024-03-01", "2024-03-03")),
            rates=[0.0001, 0.0002, -0.0001, 0.0003, 0.0001, 0.0001, 0.0002],
            mark_prices=96_000.0,
        ),
        allow={"rates": NEG0},
    ),
    "funding_rate_details": Case(
        dict(premium_index=0.0003, interest_rate=0.0001, clamp=0.0005, convention="binance"),
        allow={"premium_index": NEG0, "interest_rate": NEG0, "clamp": "zero"},
    ),
    "funding_times": Case(
        dict(start="2024-03-01", end="2024-03-03"), allow={"first_hour_utc": "zero"}
    ),
    "hyperliquid_ema": Case(
        dict(samples=[0.1, 0.2], durations=[1.0, 2.0]), allow={"samples": NEG0}
    ),
    "hyperliquid_mark_price": Case(
        dict(
            oracle_price=100.0,
            ema_basis=0.1,
            best_bid=99.9,
            best_ask=100.1,
            last_price=100.0,
            external_mid=100.05,
        ),
        allow={"ema_basis": NEG0},
    ),
    "impact_notional": Case(dict(initial_margin_fraction=0.05)),
    "kraken_absolute_funding_rate": Case(
        dict(relative_rate=0.0001, price=100.0), allow={"relative_rate": NEG0}
    ),
    "kraken_funding_rate": Case(
        dict(premium=0.001, realisation_hours=8.0), allow={"premium": NEG0}
    ),
    "liquidation_price_details": Case(
        dict(side="long", entry_price=100.0, leverage=10.0), inf_ok=True
    ),
    "maintenance_margin_fraction": Case(
        dict(initial_margin_fraction=0.05, maintenance_fraction=0.6),
        allow={"maintenance_fraction": "zero", "initial_margin_fraction": "zero"},
    ),
    "margin_available": Case(
        dict(margin_balance=100.0, maintenance_margin=10.0),
        allow={"margin_balance": NEG0, "maintenance_margin": "zero"},
    ),
    "mark_price_details": Case(
        dict(index=100.0, last_price=100.5, funding_rate=0.0001, time_until_funding=4.0, basis=0.1),
        allow={"funding_rate": NEG0, "time_until_funding": "zero", "basis": NEG0},
    ),
    "max_leverage": Case(dict(tiers=Fresh(_table), notional=1_000.0), allow={"notional": "zero"}),
    "open_interest_initial_margin_fraction": Case(
        dict(base_fraction=0.05, open_notional=1e6, lower_cap=5e5, upper_cap=2e6),
        allow={
            "base_fraction": "zero",
            "open_notional": "zero",
            "lower_cap": "zero",
            "upper_cap": "zero",
        },
    ),
    "pnl_net_of_funding": Case(
        dict(side="long", quantity=1.0, entry_price=100.0, price=110.0, funding_paid=1.0),
        allow={"funding_paid": NEG0},
    ),
    "profit_ratio": Case(
        dict(side="long", quantity=1.0, entry_price=100.0, exit_price=110.0),
        allow={"open_rate": "zero", "close_rate": "zero", "funding_received": NEG0},
    ),
    "read_tier_table": Case(
        dict(
            source=Fresh(
                lambda: [
                    {
                        "bracket": 1,
                        "notionalFloor": 0,
                        "notionalCap": 50_000,
                        "maintMarginRatio": 0.004,
                        "initialLeverage": 125,
                        "cum": 0.0,
                    },
                    {
                        "bracket": 2,
                        "notionalFloor": 50_000,
                        "notionalCap": 250_000,
                        "maintMarginRatio": 0.005,
                        "initialLeverage": 100,
                        "cum": 50.0,
                    },
                ]
            )
        ),
        allow={"name": FREE, "unit": FREE, "symbol": "string"},
        inf_ok=True,
    ),
    "roi_with_close_fee": Case(
        dict(
            side="long", quantity=1.0, entry_price=100.0, price=110.0, leverage=10.0, rate=0.00055
        ),
        allow={"rate": "zero"},
    ),
    "settlement_weights": Case(
        dict(
            entry_time="2024-03-01T06:00Z",
            exit_time="2024-03-02T10:00Z",
            times=Fresh(lambda: perpmath.funding_times("2024-03-01", "2024-03-03")),
        ),
    ),
    "size_scaled_margin": Case(
        dict(size=1.0, price=100.0, base_rate=0.01, rate_per_unit=0.001),
        allow={"rate_per_unit": "zero", "base_rate": "zero"},
    ),
    "subaccount_bankruptcy_price": Case(
        dict(
            quote_balance=1_000.0,
            sizes=[1.0],
            oracle_prices=[100.0],
            initial_margin_fractions=[0.05],
            maintenance_fractions=[0.6],
            market=0,
        ),
        allow={"quote_balance": NEG0, "sizes": "negative", "market": "zero"},
    ),
    "subaccount_margin": Case(
        dict(
            quote_balance=1_000.0,
            sizes=[1.0],
            oracle_prices=[100.0],
            initial_margin_fractions=[0.05],
            maintenance_fractions=[0.6],
        ),
        allow={
            "quote_balance": NEG0,
            "sizes": NEG0,
            "initial_margin_fractions": "zero",
            "maintenance_fractions": "zero",
        },
    ),
    "tier_tables": Case(inf_ok=True),  # a table without a position cap
    "trading_fee": Case(dict(quantity=1.0, price=100.0, rate=0.0005), allow={"rate": NEG0}),
    # the course's running example, claims and checked prose
    "RunningExample": Case(
        allow={"symbol": "string", "venue": "string"},
    ),
    "RunningExample.bankruptcy_price": Case(dict(leverage=10.0), make=perpmath.RunningExample),
    "RunningExample.liquidation_price": Case(dict(leverage=10.0), make=perpmath.RunningExample),
    "RunningExample.quantity_at": Case(dict(leverage=10.0), make=perpmath.RunningExample),
    "RunningExample.summary": Case(make=perpmath.RunningExample),
    "RunningExample.with_changes": Case(dict(margin=2_000.0), make=perpmath.RunningExample),
    "claim": Case(dict(number=1)),
    "claims_table": Case(),
    "expect": Case(
        dict(value=1.0, relation=">"),
        varargs=(-10.0,),
        # a check may compare a verdict (True/False) with a bound
        allow={"value": "zero negative bool", "what": FREE, "rtol": "zero", "atol": "zero"},
    ),
    # venue protection rules
    "VenueRules": Case(
        {f.name: getattr(get_venue_rules("okx"), f.name) for f in dataclasses.fields(VenueRules)},
        allow={
            "name": FREE,
            "family": FREE,
            "fee_rate": "zero",
            "backstop_fraction": "zero",
            "fillable_spread": "zero",
            "partial_fraction": "zero",
            "partial_above": "zero",
            "adl_drawdown": "zero",
        },
        skip={
            "sources": "free-form addresses",
            "silent_on": "free-form notes",
            "venues": "free-form venue names",
        },
    ),
    "get_venue_rules": Case(dict(name="okx")),
    "venue_rules_table": Case(dict(names=("binance", "okx"))),
    # exchange
    "Ledger": Case(
        dict(deposits=100.0),
        allow={"deposits": "zero", "absolute_tolerance": "zero", "relative_tolerance": "zero"},
    ),
    "Ledger.check": Case(
        dict(step=0, components={"balances": 100.0}),
        make=lambda: Ledger(100.0),
        allow={"step": "zero", "gross": "zero"},
    ),
    # a party is a pool's name or an account number (5: account 5)
    "Ledger.net_flow": Case(
        dict(party="insurance_fund"), make=lambda: Ledger(100.0), allow={"party": "number"}
    ),
    "Ledger.record": Case(
        dict(step=0, source="insurance_fund", target=0, amount=1.0, reason="fee"),
        make=lambda: Ledger(100.0),
        allow={
            "step": "zero",
            "amount": "zero",
            "reason": FREE,
            "target": "zero",
            "source": "number",
        },
    ),
    "Ledger.record_many": Case(
        dict(step=0, parties=[0, 1], pool="insurance_fund", amounts=[1.0, -1.0], reason="fee"),
        make=lambda: Ledger(100.0),
        allow={"step": "zero", "parties": "zero", "amounts": NEG0, "reason": FREE},
    ),
    "Ledger.record_signed": Case(
        dict(step=0, party=0, pool="insurance_fund", amount=-1.0, reason="fee"),
        make=lambda: Ledger(100.0),
        allow={"step": "zero", "party": "zero", "amount": NEG0, "reason": FREE},
    ),
    "Ledger.to_frame": Case(make=lambda: Ledger(100.0)),
    "Ledger.tolerance": Case(dict(gross=0.0), make=lambda: Ledger(100.0), allow={"gross": "zero"}),
    "Ledger.totals": Case(make=lambda: Ledger(100.0)),
    # adl_score gives +-inf to a position past its bankruptcy price: it ranks first or last
    "adl_allocation": Case(
        dict(quantity=1.0, sizes=[1.0, 2.0, 3.0], scores=[0.1, 0.2, 0.3]),
        allow={"sizes": "zero", "scores": NEG0 + " inf -inf"},
    ),
    "adl_queue": Case(dict(scores=[0.5, 0.1, 0.3]), allow={"scores": NEG0 + " inf -inf"}),
    "adl_score": Case(
        dict(side="long", quantity=1.0, entry_price=100.0, mark_price=110.0, margin=10.0),
        allow={"margin": "zero"},
    ),
    "execute_liquidation": Case(
        dict(side="long", quantity=1.0, entry_price=100.0, book=Fresh(_book), leverage=10.0),
        allow={"fee_rate": "zero"},
    ),
    "insurance_fund_cover": Case(
        dict(deficit=5.0, fund=10.0), allow={"deficit": "zero", "fund": "zero"}
    ),
    "matched_population": Case(
        dict(n_pairs=2, rng=1),
        allow={"isolated_share": "zero", "extra_balance": "zero", "rng": "zero"},
    ),
    "simulate_exchange": Case(
        dict(accounts=Fresh(lambda: matched_population(2, rng=1)), mark_path=[100.0, 95.0, 90.0]),
        allow={
            "fee_rate": "zero",
            "insurance_fund": "zero",
            "delay": "zero",
            "maintenance": "zero",
            "absolute_tolerance": "zero",
            "relative_tolerance": "zero",
        },
    ),
    "SimulationResult.cascade": Case(
        make=lambda: simulate_exchange(matched_population(2, rng=1), [100.0, 95.0, 90.0])
    ),
    "PriceImpact": Case(
        dict(resilience=0.2, permanent=0.3, mark_smoothing=0.5),
        allow={"resilience": "zero", "permanent": "zero", "mark_smoothing": "zero"},
    ),
    "adl_haircuts": Case(
        dict(shortfall=10.0, profit=[5.0, 10.0, 20.0]),
        allow={"shortfall": "zero", "profit": "zero negative", "threshold": "zero"},
    ),
    "calibrated_population": Case(
        dict(n_pairs=4, price=100.0, rng=1),
        allow={
            "rng": "zero",
            "isolated_share": "zero",
            "extra_balance": "zero",
            "run_up": "zero",
            "maintenance": "zero",
            "notional_spread": "zero",
        },
    ),
    "compare_adl_policies": Case(
        dict(
            side="long",
            quantity=[1.0, 2.0],
            entry_price=[100.0, 100.0],
            mark_price=110.0,
            margin=[10.0, 10.0],
            bankrupt_quantity=1.0,
            bankruptcy_price=105.0,
        ),
        allow={"margin": "zero"},
    ),
    "market_calibration": Case(
        dict(accounts=Fresh(lambda: matched_population(2, rng=1)), price=100.0),
        allow={"exponent": "zero", "decay": "zero", "fund_to_open_interest": "zero"},
    ),
    "SimulationResult.waterfall": Case(
        make=lambda: simulate_exchange(matched_population(2, rng=1), [100.0, 95.0, 90.0])
    ),
}

RECORDS: dict[str, str] = {
    "Claim": "a description of a claim the course checks; claim(number) returns it",
    "FundingRateDetails": "a result of funding_rate_details",
    "LiquidationDetails": "a result of liquidation_price_details",
    "MarkPriceDetails": "a result of mark_price_details",
    "OrderCost": "a result of bybit_order_cost_details",
    "SubaccountMargin": "a result of subaccount_margin",
    "ConservationError": "an exception, raised by the ledger",
    "ExitResult": "a result of simulate_exit",
    "Fill": "a result of market_order_fill",
    "FundCover": "a result of insurance_fund_cover",
    "FundingConvention": "a description of a venue; functions take its name, never the record",
    "LiquidationMap": "a result of liquidation_map",
    "LiquidationOutcome": "a result of execute_liquidation",
    "MarginRatioDefinition": "a description of a definition; functions take its name",
    "SimulationResult": "a result of simulate_exchange",
    "WickDemo": "a result of wick_demo",
}
"""Classes whose constructor is not probed: perpmath builds them, callers read them."""

KNOWN_PENDING_PROBES: dict[tuple[str, str], str] = {}
"""Probes that still fail, by (callable, parameter): none.

Every probe of the walk passes, ``perpmath.exchange`` included, and
``test_no_probe_is_pending`` keeps it so: a probe that fails is fixed where
the argument is read (with ``perpmath._validate``), or, if the value is in
fact valid, allowed in its row of ``CASES`` with the reason; it is never
listed here. (A probe listed here runs as a strict expected failure.)"""
KNOWN_PENDING: set[tuple[str, str, str]] = {
    (qualname, name, probe)
    for (qualname, name), probes in KNOWN_PENDING_PROBES.items()
    for probe in probes.split()
}


# --- the probes -----------------------------------------------------------
class _Wrong:
    """An object of a type no perpmath function accepts."""

    def __repr__(self) -> str:
        return "<wrong type>"


WRONG = _Wrong()
MUST_RAISE = {
    "nan", "inf", "-inf", "zero", "negative", "string", "wrong_type", "bool", "none", "ragged",
    "fraction", "number", "mixed", "mismatched",
}  # fmt: skip
# "huge", "empty" and "list" may raise or return a clean result


def _numeric(value: Any) -> bool:
    if isinstance(value, bool | np.bool_):
        return False
    if isinstance(value, int | float | np.integer | np.floating):
        return True
    if isinstance(value, list | tuple | np.ndarray):
        arr = np.asarray(value, dtype=object).ravel()
        return arr.size > 0 and all(_numeric(x) for x in arr)
    return False


def _kind(value: Any, annotation: str) -> str:
    words = set(re.findall(r"\w+", annotation))
    if value is None:
        return "optional"
    if isinstance(value, bool | np.bool_):
        return "bool"
    if isinstance(value, str):
        return "text"
    if isinstance(value, np.ndarray) and value.dtype.kind in "mM":
        return "object"  # timestamps: probed with wrong types, not numbers
    if isinstance(value, int | np.integer) and "int" in words and "float" not in words:
        return "integer"
    if _numeric(value):
        return "numbers" if np.ndim(value) else "number"
    if isinstance(value, list | tuple) and value and all(isinstance(x, str) for x in value):
        return "texts"
    if isinstance(value, Mapping):
        return "mapping"
    return "object"


def _with(value: Any, bad: float) -> Any:
    """``bad`` in place of the number, or of the last element of an array."""
    if np.ndim(value) == 0:
        return bad
    arr = np.array(value, dtype=float)
    arr.reshape(-1)[-1] = bad
    return arr


def _probes(kind: str, value: Any, has_default_none: bool) -> list[tuple[str, Any]]:
    if kind in ("number", "numbers", "integer"):
        out = [
            ("nan", _with(value, NAN)),
            ("inf", _with(value, math.inf)),
            ("-inf", _with(value, -math.inf)),
            ("zero", _with(value, 0.0) if kind != "integer" else 0),
            ("negative", _with(value, -1.0) if kind != "integer" else -1),
            ("huge", _with(value, 1e300)),
            ("string", "abc"),
            ("wrong_type", WRONG),
            ("bool", True),
            ("ragged", [[1.0, 2.0], [3.0]]),
            ("empty", []),
        ]
        if kind == "integer":
            out.append(("fraction", 2.5))
        elif kind == "number":
            out.append(("list", [value, value]))
        if not has_default_none:
            out.append(("none", None))
        return out
    if kind == "text":
        out = [("string", "no-such-name"), ("number", 5), ("wrong_type", WRONG), ("empty", "")]
        return out + ([] if has_default_none else [("none", None)])
    if kind == "bool":
        return [("string", "no"), ("number", 2), ("nan", NAN), ("none", None)]
    if kind == "optional":
        return [("nan", NAN), ("string", "abc"), ("wrong_type", WRONG)]
    if kind == "texts":
        return [("empty", []), ("wrong_type", WRONG), ("mixed", [*value, 5])]
    if kind == "mapping":
        return [("wrong_type", WRONG), ("string", "abc")]
    return [("wrong_type", WRONG), ("string", "abc"), ("nan", NAN)]


def _target(qualname: str) -> tuple[Callable[..., Any], inspect.Signature]:
    owner, _, method = qualname.partition(".")
    obj = getattr(perpmath, owner)
    func = getattr(obj, method) if method else obj
    return func, inspect.signature(func)


@functools.cache
def _parameters(qualname: str) -> dict[str, tuple[str, Any, bool]]:
    """parameter -> (kind, base value, default is None) for every probed parameter."""
    case = CASES[qualname]
    _, sig = _target(qualname)
    out: dict[str, tuple[str, Any, bool]] = {}
    for p in sig.parameters.values():
        if p.name == "self" or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
            continue
        if p.name in case.skip:
            continue
        value = case.args.get(p.name, p.default)
        if value is inspect.Parameter.empty:
            raise AssertionError(f"CASES[{qualname!r}] needs a value for {p.name!r}")
        ann = p.annotation if isinstance(p.annotation, str) else repr(p.annotation)
        if isinstance(value, Fresh):
            value = value.build()
        out[p.name] = (_kind(value, ann), value, p.default is None)
    for name, value in case.args.items():  # keywords passed on through **kwargs
        if name not in out and name not in case.skip:
            value = value.build() if isinstance(value, Fresh) else value
            out[name] = (_kind(value, ""), value, False)
    return out


def _partner(qualname: str, name: str) -> str | None:
    """Another numeric parameter to give a different length (mismatched arrays)."""
    for other, (kind, _, _) in _parameters(qualname).items():
        if other != name and kind in ("number", "numbers"):
            return other
    return None


def _all_probes() -> list[tuple[str, str, str]]:
    out = []
    for qualname in sorted(CASES):
        if qualname not in _public():
            continue
        for name, (kind, value, none_default) in _parameters(qualname).items():
            for probe, _ in _probes(kind, value, none_default):
                out.append((qualname, name, probe))
            if kind in ("number", "numbers") and _partner(qualname, name):
                out.append((qualname, name, "mismatched"))
    return out


def _call(qualname: str, **changes: Any) -> Any:
    case = CASES[qualname]
    func, _ = _target(qualname)
    if case.make is not None:
        func = getattr(case.make(), qualname.partition(".")[2])
    args = {k: (v.build() if isinstance(v, Fresh) else v) for k, v in case.args.items()}
    args.update(changes)
    if case.varargs:  # the parameters before *args go by position
        before = []
        for p in inspect.signature(func).parameters.values():
            if p.kind == p.VAR_POSITIONAL:
                break
            before.append(args.pop(p.name))
        return func(*before, *case.varargs, **args)
    return func(**args)


def _bad_numbers(value: Any, inf_ok: bool, seen: set[int] | None = None) -> str | None:
    """Where ``value`` holds NaN (or infinity, unless allowed), else None."""
    seen = set() if seen is None else seen
    if isinstance(value, bool | np.bool_ | str | type | types.FunctionType):
        return None
    if isinstance(value, int | float | np.number):
        x = float(value)
        if math.isnan(x) or (math.isinf(x) and not inf_ok):
            return repr(x)
        return None
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "fc":
            bad = np.isnan(value) | (np.isinf(value) if not inf_ok else False)
            if np.any(bad):
                return f"{value.ravel()[np.argmax(np.ravel(bad))]!r} in an array"
        return None
    # containers only: the arrays of a frame's columns are temporaries whose ids recur
    if id(value) in seen:
        return None
    seen.add(id(value))
    if isinstance(value, pd.DataFrame):
        for col in value.columns:
            found = _bad_numbers(value[col].to_numpy(), inf_ok, seen)
            if found:
                return f"{found} in column {col!r}"
        return None
    if isinstance(value, pd.Series):
        return _bad_numbers(value.to_numpy(), inf_ok, seen)
    if isinstance(value, Mapping):
        items = value.values()
    elif isinstance(value, list | tuple):
        items = value
    elif dataclasses.is_dataclass(value):
        items = [getattr(value, f.name) for f in dataclasses.fields(value)]
    else:
        return None
    for item in items:
        found = _bad_numbers(item, inf_ok, seen)
        if found:
            return found
    return None


_SAYS_WHAT_IS_ALLOWED = re.compile(
    r"must|one of|only|needs|require|allowed|expected|at most|at least|lower the|reduce|"
    r"pass |exceeds|too (low|high|large|small)|larger than|smaller than"
)
_DOES_NOT_APPLY = "applies only with"  # _validate.unused: refused whatever its type


def _check(qualname: str, name: str, probe: str) -> None:
    case = CASES[qualname]
    kind, value, none_default = _parameters(qualname)[name]
    changes: dict[str, Any]
    if probe == "mismatched":
        partner = _partner(qualname, name)
        assert partner is not None
        p_value = _parameters(qualname)[partner][1]
        changes = {
            name: np.resize(np.asarray(value, dtype=float), 2),
            partner: np.resize(np.asarray(p_value, dtype=float), 3),
        }
        names = (name, partner)
    else:
        bad = dict(_probes(kind, value, none_default))[probe]
        changes = {name: bad}
        names = (name,)
    allowed = set(case.allow.get(name, "").split())
    label = f"{qualname}({name}={changes[name]!r})"
    try:
        result = _call(qualname, **changes)
    except (ValueError, TypeError, OverflowError) as err:
        msg = str(err)
        if isinstance(err, OverflowError) and probe != "huge":
            pytest.fail(f"{label} raised OverflowError: {msg}")
        if probe == "wrong_type" and not isinstance(err, TypeError) and _DOES_NOT_APPLY not in msg:
            pytest.fail(f"{label} raised {type(err).__name__}, not TypeError: {msg}")
        # a message about one element may name a plural argument in the singular
        names = (*names, *(n[:-1] for n in names if n.endswith("s")))
        # an absurd magnitude may fail where it leads (a notional beyond the largest tier)
        assert probe == "huge" or any(n in msg for n in names), (
            f"{label} raised {type(err).__name__} whose message does not name "
            f"{' or '.join(names)}: {msg}"
        )
        assert _SAYS_WHAT_IS_ALLOWED.search(msg), (
            f"{label}: the message does not say what is allowed: {msg}"
        )
        assert "could not be broadcast" not in msg, f"{label}: numpy's message: {msg}"
        return
    except Exception as err:
        pytest.fail(f"{label} raised {type(err).__name__}: {err}")
    if probe in MUST_RAISE and probe not in allowed:
        pytest.fail(f"{label} returned {result!r:.200} instead of raising")
    found = _bad_numbers(result, case.inf_ok)
    assert found is None, f"{label} returned {found}"


# --- the tests ------------------------------------------------------------
def _public() -> dict[str, Any]:
    """Every public callable: functions, classes (their constructors) and their methods."""
    names = set(perpmath.__all__) | set(perpmath.exchange.__all__)
    out: dict[str, Any] = {}
    for name in sorted(names):
        obj = getattr(perpmath, name)
        if isinstance(obj, type):
            if name not in RECORDS:
                out[name] = obj
            for attr, member in vars(obj).items():
                if attr.startswith("_") or isinstance(member, property):
                    continue
                if callable(member) or isinstance(member, classmethod | staticmethod):
                    out[f"{name}.{attr}"] = member
        elif callable(obj):
            out[name] = obj
    return out


def test_every_public_callable_has_a_case():
    missing = sorted(set(_public()) - set(CASES))
    assert not missing, (
        f"add a row to CASES in tests/test_api_bad_inputs.py for {missing} (valid keyword "
        "arguments and the probes each parameter may take)"
    )
    stale = sorted(set(CASES) - set(_public()))
    assert not stale, f"CASES has rows for names that are not public: {stale}"


@pytest.mark.parametrize("qualname", sorted(CASES))
def test_base_call_is_valid(qualname):
    if qualname not in _public():
        pytest.skip(f"{qualname} is not public")
    result = _call(qualname)
    found = _bad_numbers(result, CASES[qualname].inf_ok)
    assert found is None, f"{qualname} with its base arguments returned {found}"


_PROBES = _all_probes()


@pytest.mark.parametrize(
    "qualname, name, probe",
    [
        pytest.param(*p, marks=pytest.mark.xfail(strict=True, reason="perpmath.exchange pending"))
        if p in KNOWN_PENDING
        else p
        for p in _PROBES
    ],
)
def test_bad_input_is_refused_clearly(qualname, name, probe):
    _check(qualname, name, probe)


def test_no_probe_is_pending():
    """The walk holds for the whole public API, perpmath.exchange included."""
    assert not KNOWN_PENDING_PROBES, (
        f"fix these probes instead of listing them: {sorted(KNOWN_PENDING_PROBES)}"
    )


def test_known_pending_are_exchange_probes_that_exist():
    exchange = set(perpmath.exchange.__all__)
    for qualname, name, probe in KNOWN_PENDING:
        assert qualname.partition(".")[0] in exchange, f"{qualname} is not in perpmath.exchange"
        assert (qualname, name, probe) in _PROBES, f"no probe {(qualname, name, probe)}"


# --- absurd magnitudes together -------------------------------------------
HUGE, TINY = 1e300, 1e-300


def _filled(value: Any, x: float) -> Any:
    """``x`` in place of the number, or of every element of an array."""
    return x if np.ndim(value) == 0 else np.full(np.shape(value), x)


TOLERANCES = {"absolute_tolerance", "relative_tolerance"}
"""Left at their base values: a tolerance of 1e-300 asks the ledger for a check
tighter than float arithmetic, and the run fails it as it should (ConservationError)."""


def _magnitude_probes(qualname: str) -> list[tuple[str, dict[str, Any]]]:
    """All numeric parameters 1e300, or 1e-300; each one 1e-300; every pair both
    1e300, or one 1e-300 (a divisor) and the other 1e300."""
    params = _parameters(qualname)
    numeric = [
        n
        for n, (kind, _, _) in params.items()
        if kind in ("number", "numbers") and n not in TOLERANCES
    ]
    if not numeric:
        return []

    def with_(**sizes: float) -> dict[str, Any]:
        return {n: _filled(params[n][1], x) for n, x in sizes.items()}

    out = [
        ("all 1e300", with_(**dict.fromkeys(numeric, HUGE))),
        ("all 1e-300", with_(**dict.fromkeys(numeric, TINY))),
    ]
    out += [(f"{n} 1e-300", with_(**{n: TINY})) for n in numeric]
    for a, b in itertools.combinations(numeric, 2):
        out.append((f"{a} and {b} 1e300", with_(**{a: HUGE, b: HUGE})))
        out.append((f"{a} 1e-300, {b} 1e300", with_(**{a: TINY, b: HUGE})))
        out.append((f"{a} 1e300, {b} 1e-300", with_(**{a: HUGE, b: TINY})))
    return out


def _magnitude_failure(qualname: str, label: str, changes: dict[str, Any]) -> str | None:
    case = CASES[qualname]
    where = f"{qualname} with {label}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            result = _call(qualname, **changes)
    except (ValueError, OverflowError) as err:
        msg = str(err)
        if not _SAYS_WHAT_IS_ALLOWED.search(msg) or "could not be broadcast" in msg:
            return f"{where} raised {type(err).__name__} that does not say what is allowed: {msg}"
        # a message about one element may name a plural argument in the singular
        names = [*changes, *(n[:-1] for n in changes if n.endswith("s"))]
        if isinstance(err, OverflowError) and not any(n in msg for n in names):
            return f"{where} raised OverflowError naming none of {sorted(changes)}: {msg}"
        return None
    except Exception as err:
        return f"{where} raised {type(err).__name__}: {err}"
    found = _bad_numbers(result, case.inf_ok)
    return None if found is None else f"{where} returned {found}"


@pytest.mark.parametrize("qualname", sorted(CASES))
def test_absurd_magnitudes_together_never_give_nan_or_inf(qualname):
    if qualname not in _public():
        pytest.skip(f"{qualname} is not public")
    failures = [
        found
        for label, changes in _magnitude_probes(qualname)
        if (found := _magnitude_failure(qualname, label, changes))
    ]
    assert not failures, "\n".join(failures)


def test_the_reported_overflows_raise_and_name_their_arguments():
    # each gave inf or NaN with a RuntimeWarning before the guard
    with pytest.raises(OverflowError, match=r"^quantity 1e\+300 and price 1e\+300 must be of"):
        perpmath.notional(1e300, 1e300)
    with pytest.raises(OverflowError, match=r"entry_price 1e\+300 and quantity 1e\+300 must be"):
        perpmath.liquidation_price("long", 1e300, 10, 1e300)
    # a linear short is always liquidated somewhere: inf here would be an overflow
    with pytest.raises(OverflowError, match=r"entry_price 1e\+300 and quantity 1e\+300 must be"):
        perpmath.liquidation_price("short", 1e300, 10, 1e300)
    # a divisor out of scale
    with pytest.raises(OverflowError, match=r"^entry_price 1e-300 must be of a realistic size"):
        perpmath.price_return(1e-300, 1e10)


def test_documented_infinity_is_still_returned():
    # an inverse short at 1x is never bankrupt (liquidation module docstring)
    assert perpmath.bankruptcy_price("short", 100.0, 1.0, contract="inverse") == math.inf
    assert perpmath.margin_ratio(-1.0, 10.0, 100.0, definition="maintenance_to_balance") == math.inf


def test_every_public_function_is_guarded():
    unguarded = []
    for qualname, obj in _public().items():
        if isinstance(obj, type):
            continue  # a record's constructor stores validated arguments
        func = obj.__func__ if isinstance(obj, classmethod | staticmethod) else obj
        if inspect.signature(func).return_annotation in ("None", None):
            continue  # a procedure (the ledger's record): no result to search
        if not getattr(func, "no_overflow", False):
            unguarded.append(qualname)
    assert not unguarded, f"decorate with perpmath._validate.no_overflow: {sorted(unguarded)}"
