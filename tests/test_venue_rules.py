"""Venue protection rules as data: every record is valid, sourced, and tabulated."""

from __future__ import annotations

import dataclasses

import pytest

from perpmath.venue_rules import VENUE_RULES, VenueRules, get_venue_rules, venue_rules_table


def test_every_family_is_sourced_and_says_what_its_docs_do_not():
    for name, r in VENUE_RULES.items():
        assert r.name == name and r.sources and r.silent_on
        assert all("(" in s or "," in s for s in r.sources)


def test_the_rules_the_course_teaches():
    # Hyperliquid Docs, "Liquidations": remaining collateral stays with the trader,
    # backstop below 2/3 of maintenance; "Auto-deleveraging": previous oracle price
    hl = get_venue_rules("hyperliquid")
    assert hl.leftover_margin == "trader" and hl.backstop_fraction == pytest.approx(2 / 3)
    assert hl.adl_price == "previous_index" and hl.partial_fraction == 0.2
    # OKX: ADL on a 30% fund drawdown, at the mark
    okx = get_venue_rules("okx")
    assert okx.adl_trigger == "fund_drawdown" and okx.adl_drawdown == 0.3
    # dYdX v4: 1.5% maximum liquidation penalty to the fund; fillable price spread 1.5 x MMF
    dydx = get_venue_rules("dydx")
    assert dydx.fee_rate == 0.015 and dydx.fee_destination == "insurance_fund"
    assert dydx.fillable_spread == 1.5 and dydx.adl_price == "bankruptcy"
    assert get_venue_rules("binance").leftover_margin == "insurance_fund"


def test_table_has_a_column_per_family_and_a_row_per_question():
    table = venue_rules_table()
    assert list(table.columns) == list(VENUE_RULES)
    assert "ADL price" in table.index and table.notna().all().all()
    assert list(venue_rules_table(["dydx"]).columns) == ["dydx"]


def test_bad_input():
    with pytest.raises(ValueError, match="rules name must be one of"):
        get_venue_rules("hope")
    with pytest.raises(ValueError, match="names must hold at least one"):
        venue_rules_table([])
    with pytest.raises(ValueError, match="adl_price must be one of"):
        dataclasses.replace(VENUE_RULES["binance"], adl_price="whatever")
    with pytest.raises(ValueError, match="backstop_fraction must lie in"):
        dataclasses.replace(VENUE_RULES["binance"], backstop_fraction=1.5)
    assert isinstance(get_venue_rules(VENUE_RULES["okx"]), VenueRules)


# --- bad input that used to pass unchecked or fail unclearly -------------------------
def test_a_record_refuses_unknown_names_and_wrong_types():
    okx = get_venue_rules("okx")
    with pytest.raises(ValueError, match=r"^adl_ranking must be one of 'binance', 'bitmex'"):
        dataclasses.replace(okx, adl_ranking="fifo")
    with pytest.raises(ValueError, match=r"^waterfall must be one of 'fund_then_adl'"):
        dataclasses.replace(okx, waterfall="fund_first")
    with pytest.raises(TypeError, match=r"^name must be a string, got None$"):
        dataclasses.replace(okx, name=None)
    with pytest.raises(ValueError, match=r"^fillable_spread must be finite"):
        dataclasses.replace(okx, fillable_spread=float("nan"))
    with pytest.raises(ValueError, match=r"^adl_drawdown is required with adl_trigger="):
        dataclasses.replace(okx, adl_drawdown=None)
    # every shipped record passes the same checks (the simulator's waterfalls included)
    for rules in VENUE_RULES.values():
        assert dataclasses.replace(rules) == rules
