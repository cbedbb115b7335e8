"""The running example (perpmath.example) and the claims index (perpmath.claims)."""

from __future__ import annotations

import numpy as np
import pytest

import perpmath as pm
from perpmath.claims import CLAIMS, claim, claims_table
from perpmath.example import RUNNING_EXAMPLE as ex
from perpmath.example import TIER_DATE, TIER_TABLE, RunningExample


def test_the_example_is_one_thousand_usdt_long_at_ten_times_from_96000():
    assert (ex.side, ex.entry_price, ex.margin, ex.leverage) == ("long", 96_000.0, 1_000.0, 10.0)
    assert ex.quantity == pytest.approx(10_000 / 96_000)
    assert ex.notional == pytest.approx(10_000.0)
    assert ex.tier_table == TIER_TABLE and ex.tier_table_date == TIER_DATE
    assert pm.get_convention(ex.convention).exchange == "Binance"


def test_prices_follow_binance_formula_with_the_dated_table():
    # Binance USDⓈ-M isolated long, tier 1 (0.4 %, amount 0): LP = (WB - Q EP) / (Q MMR - Q)
    q = 1_000 * 10 / 96_000
    by_hand = (1_000 - q * 96_000) / (q * 0.004 - q)
    assert ex.liquidation_price() == pytest.approx(by_hand)
    assert ex.liquidation_price() == pytest.approx(86_746.988, abs=1e-3)
    assert ex.bankruptcy_price() == pytest.approx(86_400.0)
    # the same margin at 100x sits in tier 2 (0.5 %, amount 50)
    q100 = 1_000 * 100 / 96_000
    assert ex.liquidation_price(100) == pytest.approx(
        (1_000 + 50 - q100 * 96_000) / (q100 * 0.005 - q100)
    )
    levs = np.array([10, 50, 100])
    np.testing.assert_allclose(ex.liquidation_price(levs), [ex.liquidation_price(x) for x in levs])


def test_the_table_is_the_one_contemporary_with_the_price_and_named_on_screen():
    # BTC at about 96,000 USDT is late 2024: the newest shipped Binance table dated 2024
    assert TIER_DATE.startswith("2024") and ex.tier_date == TIER_DATE == "2024-06-28"
    dated_2024 = [d for n, d in pm.tier_tables().index if n == TIER_TABLE and d.startswith("2024")]
    assert ex.tier_date == max(dated_2024)
    assert ex.tier_label == "Binance BTCUSDT tiers dated 2024-06-28"
    assert "2024-06-28" in ex.model and "snapshot" in ex.tier_date_note
    older = ex.with_changes(tier_table_date="2021-03-18")
    assert older.tier_date_note == "in force from 2021-03-18"
    summary = ex.summary()
    assert summary.loc["liquidation price", "value"] == "86,746.99"
    assert summary.loc["tier table", "value"] == ex.tier_label
    assert set(summary["section"]) <= {"01", "02", "03", "04"}


def test_switching_the_table_is_the_date_alone():
    # a newer table of the same name is shipped; the running example keeps the dated one
    newest = pm.load_tier_table(TIER_TABLE)
    if newest.meta.get("date") != TIER_DATE:
        later = ex.with_changes(tier_table_date=newest.meta["date"])
        assert later.tier_date == newest.meta["date"] and later.tier_date != ex.tier_date
    with pytest.raises(ValueError, match="before the first"):
        ex.with_changes(tier_table_date="2001-01-01")


def test_with_changes_validates():
    assert ex.with_changes(leverage=50).quantity == pytest.approx(50_000 / 96_000)
    with pytest.raises(ValueError, match="unknown field"):
        ex.with_changes(size=2)
    with pytest.raises(ValueError, match="leverage"):
        ex.with_changes(leverage=0)
    with pytest.raises(ValueError, match=r"^tier_table must be one of"):
        RunningExample(tier_table="no_such_table")
    with pytest.raises(ValueError, match="side"):
        RunningExample(side="up")
    with pytest.raises(ValueError, match="leverage"):
        ex.quantity_at(-1)


def test_claims_are_numbered_one_to_eight_once():
    assert [c.number for c in CLAIMS] == list(range(1, 9))
    assert claim(2).section == "02" and claim(2).heading.startswith("Claim 2: ")
    assert list(claims_table().index) == list(range(1, 9))
    with pytest.raises(ValueError, match="claim number"):
        claim(9)
    with pytest.raises(TypeError, match="whole number"):
        claim("2")


# --- bad input that used to pass unchecked or fail unclearly -------------------------
def test_the_running_example_names_its_fields():
    # a bad tier table date was reported as load_tier_table's "date"
    with pytest.raises(ValueError, match=r"^tier_table_date: "):
        RunningExample(tier_table_date="someday")
    with pytest.raises(TypeError, match=r"^symbol must be a string, got 5$"):
        RunningExample(symbol=5)
    with pytest.raises(ValueError, match=r"^convention name must be one of"):
        RunningExample(convention="ftx")
