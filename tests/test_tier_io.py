"""perpmath.tier_io: tier tables read as exchanges publish them."""

from __future__ import annotations

import json

import pytest

from perpmath.tier_io import read_tier_table
from perpmath.tiers import load_tier_table

approx = pytest.approx

# freqtrade tests/exchange/test_binance.py (test_fill_leverage_tiers_binance): ccxt's
# fetch_leverage_tiers for ADA/BUSD with Binance's own bracket rows in "info".
ADA = [
    (1, 0, 100_000, 0.025, 20, 0.0),
    (2, 100_000, 500_000, 0.05, 10, 2_500.0),
    (3, 500_000, 1_000_000, 0.1, 5, 27_500.0),
    (4, 1_000_000, 2_000_000, 0.15, 3, 77_500.0),
    (5, 2_000_000, 5_000_000, 0.25, 2, 277_500.0),
    (6, 5_000_000, 30_000_000, 0.5, 1, 1_527_500.0),
]


def ccxt_rows():
    return [
        {
            "tier": t,
            "minNotional": lo,
            "maxNotional": hi,
            "maintenanceMarginRate": r,
            "maxLeverage": lev,
            "info": {
                "bracket": str(t),
                "initialLeverage": str(lev),
                "maxNotional": str(hi),
                "minNotional": str(lo),
                "maintMarginRatio": str(r),
                "cum": str(cum),
            },
        }
        for t, lo, hi, r, lev, cum in ADA
    ]


def test_ccxt_leverage_tiers_keep_binances_maintenance_amounts():
    table = read_tier_table({"ADA/BUSD": ccxt_rows()}, symbol="ADA/BUSD", unit="BUSD")
    assert table.maintenance_amount.tolist() == approx([row[5] for row in ADA])
    assert table.max_leverage.tolist() == [20, 10, 5, 3, 2, 1]
    assert table.name == "ADA/BUSD" and table.unit == "BUSD"


def test_binance_bracket_api_file(tmp_path):
    shipped = load_tier_table("binance_usdm_btcusdt")
    brackets = [
        {
            "bracket": k + 1,
            "initialLeverage": int(shipped.max_leverage[k]),
            "notionalCap": shipped.cap[k],
            "notionalFloor": shipped.floor[k],
            "maintMarginRatio": shipped.maintenance_rate[k],
            "cum": shipped.maintenance_amount[k],
        }
        for k in range(len(shipped))
    ]
    path = tmp_path / "brackets.json"
    path.write_text(json.dumps([{"symbol": "BTCUSDT", "brackets": brackets}]))
    table = read_tier_table(path, symbol="BTCUSDT", date="2026-12-01")
    assert table.cap.tolist() == shipped.cap.tolist()
    assert table.maintenance_amount.tolist() == approx(shipped.maintenance_amount.tolist())
    assert table.date == "2026-12-01"
    with pytest.raises(ValueError, match="symbol 'ETHUSDT' is not in the bracket response"):
        read_tier_table(path, symbol="ETHUSDT")


def test_hyperliquid_margin_table_matches_the_shipped_table():
    data = {
        "description": "tiered 40x",
        "marginTiers": [
            {"lowerBound": "0.0", "maxLeverage": 40},
            {"lowerBound": "150000000.0", "maxLeverage": 20},
        ],
    }
    table = read_tier_table(data, unit="USDC", name="hl")
    shipped = load_tier_table("hyperliquid_btc")
    assert table.maintenance_rate.tolist() == approx(shipped.maintenance_rate.tolist())
    assert table.maintenance_amount.tolist() == approx(shipped.maintenance_amount.tolist())


def test_plain_csv_with_percent_signs_and_computed_amounts(tmp_path):
    path = tmp_path / "my_tiers.csv"
    path.write_text(
        "floor,cap,max_leverage,maintenance_rate\n"
        "0,50000,125,0.4%\n"
        "50000,250000,100,0.5%\n"
        "250000,1000000,50,1%\n"
    )
    table = read_tier_table(path)
    assert table.name == "my_tiers"
    assert table.maintenance_amount.tolist() == approx([0, 50, 1_300])


@pytest.mark.parametrize(
    ("content", "suffix", "match"),
    [
        ("not json", ".json", "is not valid JSON"),
        ("floor,cap\n0,10\n", ".csv", "every tier needs a cap and a maintenance rate"),
        ("cap,maintenance_rate\n10,abc\n", ".csv", "maintenance_rate must be a number"),
        ('{"a": 1, "b": 2}', ".json", "pass symbol="),
        ("cap,maintenance_rate,maintenance_amount\n10,0.01,0\n20,0.02,5\n", ".csv", "continuity"),
    ],
)
def test_bad_files_say_what_is_wrong(tmp_path, content, suffix, match):
    path = tmp_path / f"t{suffix}"
    path.write_text(content)
    with pytest.raises(ValueError, match=match):
        read_tier_table(path)


def test_missing_file():
    with pytest.raises(ValueError, match="does not exist"):
        read_tier_table("/nonexistent/tiers.json")
