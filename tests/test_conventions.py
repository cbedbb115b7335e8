"""The registry of exchange conventions."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from perpmath.conventions import (
    CONVENTIONS,
    Convention,
    convention_names,
    conventions_table,
    get_convention,
)
from perpmath.liquidation import bankruptcy_price, liquidation_price
from perpmath.tiers import TierTable

REQUIRED = (
    "binance_usdm",
    "binance_coinm",
    "bybit_linear",
    "bybit_inverse",
    "okx",
    "bitmex",
    "hyperliquid",
    "dydx_v4",
)


def test_registry_has_every_required_venue():
    assert set(REQUIRED) <= set(CONVENTIONS)
    assert convention_names() == sorted(CONVENTIONS)
    for name, conv in CONVENTIONS.items():
        assert conv.name == name
        assert conv.source.startswith("https://")
        assert all(s.startswith("https://") for s in conv.sources)
        assert isinstance(conv.tiers(), TierTable)


def test_contract_families_and_triggers():
    kinds = {n: get_convention(n).contract for n in REQUIRED}
    assert kinds["binance_coinm"] == kinds["bybit_inverse"] == kinds["bitmex"] == "inverse"
    assert kinds["binance_usdm"] == kinds["bybit_linear"] == kinds["okx"] == "linear"
    assert get_convention("dydx_v4").trigger == "oracle"
    assert get_convention("binance_usdm").trigger == "mark"
    assert get_convention("binance_coinm").contract_size == 100.0


def test_fee_rules_differ_by_venue():
    # Bybit inverse: the fee to close at the bankruptcy price is inside it;
    # OKX and BitMEX: the taker rate is added to the maintenance rate.
    assert get_convention("bybit_inverse").fee_in_bankruptcy
    assert get_convention("okx").fee_in_maintenance
    assert get_convention("bitmex").fee_in_maintenance
    binance = get_convention("binance_usdm")
    assert not (
        binance.fee_in_bankruptcy or binance.fee_in_maintenance or binance.fee_in_liquidation
    )


def test_maintenance_models():
    # Hyperliquid: maintenance = half the initial margin at maximum leverage
    hl = get_convention("hyperliquid")
    assert hl.tiers().maintenance_rate[0] == pytest.approx(1 / (2 * hl.max_leverage))
    # dYdX v4: a maintenance margin fraction
    assert get_convention("dydx_v4").tiers().maintenance_rate[0] == 0.03
    # Binance: the shipped tier table with maintenance amounts
    table = get_convention("binance_usdm").tiers()
    assert len(table) > 1 and table.maintenance_amount[1] == 300  # the 2025-12-26 snapshot
    # Bybit: the risk-limit table of its "Margin Parameters" page, with deductions
    bybit = get_convention("bybit_linear").tiers()
    assert bybit.name == "bybit_linear_btcusdt" and bybit.maintenance_amount[1] == 1_200


def test_get_convention_accepts_objects_and_rejects_unknown_names():
    conv = get_convention("okx")
    assert get_convention(conv) is conv
    assert get_convention(" OKX ") is conv
    with pytest.raises(ValueError, match="convention name must be one of"):
        get_convention("ftx")


def test_convention_validates_its_fields():
    with pytest.raises(ValueError, match="trigger"):
        dataclasses.replace(get_convention("okx"), trigger="index")
    with pytest.raises(ValueError, match="rounding"):
        dataclasses.replace(get_convention("okx"), rounding="up")
    with pytest.raises(ValueError, match="taker_fee"):
        dataclasses.replace(get_convention("okx"), taker_fee=-0.1)


def test_round_price_directions():
    conv = dataclasses.replace(get_convention("bitmex"), tick_size=0.5)
    # toward the entry: a long's price up, a short's down (liquidates a little earlier)
    assert conv.round_price(100.2, "long") == 100.5
    assert conv.round_price(100.2, "short") == 100.0
    assert conv.round_price(100.5, "long") == 100.5
    assert conv.round_price(np.inf, "short") == np.inf
    nearest = dataclasses.replace(conv, rounding="nearest", tick_size=0.1)
    assert nearest.round_price(0.30000000000000004, "long") == 0.3
    out = nearest.round_price(np.array([1.04, 1.06]), np.array(["long", "short"]))
    np.testing.assert_allclose(out, [1.0, 1.1])
    away = dataclasses.replace(conv, rounding="away_from_entry")
    assert away.round_price(100.2, "long") == 100.0


@pytest.mark.parametrize("name", REQUIRED)
@pytest.mark.parametrize("side", ["long", "short"])
def test_each_convention_gives_an_ordered_set_of_prices(name, side):
    conv: Convention = get_convention(name)
    qty = 0.1 if conv.contract == "linear" else 10.0
    lp = liquidation_price(side, 96_000, 10, qty, convention=name)
    bp = bankruptcy_price(side, 96_000, 10, quantity=qty, convention=name)
    if side == "long":
        assert bp < lp < 96_000
    else:
        assert 96_000 < lp < bp


def test_conventions_table_lists_every_venue():
    table = conventions_table()
    assert set(REQUIRED) <= set(table.index)
    assert table.loc["hyperliquid", "first_tier_mmr"] == pytest.approx(1 / 80)
    assert table.loc["okx", "fee_in_maintenance"]
    assert table.loc["dydx_v4", "trigger"] == "oracle"


# --- bad input that used to pass unchecked or fail unclearly -------------------------
def test_a_flag_spelled_as_a_word_is_refused():
    # bool("no") is True: fee_in_bankruptcy="no" used to switch the fee on
    with pytest.raises(TypeError, match=r"^fee_in_bankruptcy must be True or False, got 'no'$"):
        dataclasses.replace(get_convention("bybit_inverse"), fee_in_bankruptcy="no")
    with pytest.raises(TypeError, match=r"^fee_in_maintenance must be True or False, got 1$"):
        dataclasses.replace(get_convention("okx"), fee_in_maintenance=1)


def test_convention_fields_are_checked_for_type_and_name():
    okx = get_convention("okx")
    with pytest.raises(ValueError, match=r"^tier_table must be one of 'binance_usdm_btcusdt'"):
        dataclasses.replace(okx, tier_table="okx_btcusdt")
    with pytest.raises(TypeError, match=r"^exchange must be a string, got None$"):
        dataclasses.replace(okx, exchange=None)
    with pytest.raises(ValueError, match=r"^taker_fee must be a single number"):
        dataclasses.replace(okx, taker_fee=[0.0005, 0.0002])


def test_round_price_refuses_nan_instead_of_returning_it():
    conv = get_convention("binance_usdm")
    with pytest.raises(ValueError, match=r"^price must be a number or \+inf \(no NaN or -inf\)"):
        conv.round_price(math.nan, "long")
    with pytest.raises(ValueError, match=r"^price must be 0 or more, got -1\.0$"):
        conv.round_price(-1.0, "long")
    # the documented special values still pass through
    assert conv.round_price(math.inf, "short") == math.inf
    assert conv.round_price(0.0, "long") == 0.0
    with pytest.raises(ValueError, match=r"^sign must be \+1 \(long\) or -1 \(short\), got 0"):
        conv.round_signed(100.0, 0)


def test_with_changes_gives_a_validated_what_if_copy():
    binance = get_convention("binance_usdm")
    inside = binance.with_changes(fee_in_bankruptcy=True)
    assert inside.fee_in_bankruptcy and not binance.fee_in_bankruptcy
    assert inside.taker_fee == binance.taker_fee and inside.name == binance.name
    # Bybit's USDT-contract formula with Binance's fee: BP = (EP - M/Q) / (1 - f) for a long
    # (Bybit, "Bankruptcy Price (USDT Contract)"); 50x from 96,000, margin = initial margin
    from perpmath.liquidation import bankruptcy_price

    expected = (96_000 - 96_000 / 50) / (1 - binance.taker_fee)
    assert bankruptcy_price("long", 96_000, 50, convention=inside) == pytest.approx(expected)
    with pytest.raises(ValueError, match=r"unknown field\(s\) \['fee_inside'\]"):
        binance.with_changes(fee_inside=True)
    with pytest.raises(TypeError, match=r"^fee_in_bankruptcy must be True or False, got 'no'$"):
        binance.with_changes(fee_in_bankruptcy="no")
