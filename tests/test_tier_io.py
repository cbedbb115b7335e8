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


# --- the other venues' responses, as their API docs show them --------------------------------
def test_binance_coinm_brackets_count_coin_and_say_inverse(tmp_path):
    # Binance COIN-M "Notional Bracket for Pair" (GET /dapi/v1/leverageBracket) response
    # example: pair BTCUSD, bracket 1 at 125x, qtyCap 50, qtylFloor (sic) 0, rate 0.004, cum 0
    # (a second bracket added to check the floor is read).
    data = [
        {
            "pair": "BTCUSD",
            "brackets": [
                {"bracket": 1, "initialLeverage": 125, "qtyCap": 50, "qtylFloor": 0,
                 "maintMarginRatio": 0.004, "cum": 0.0},
                {"bracket": 2, "initialLeverage": 100, "qtyCap": 100, "qtylFloor": 50,
                 "maintMarginRatio": 0.005, "cum": 0.05},
            ],
        }
    ]  # fmt: skip
    path = tmp_path / "coinm.json"
    path.write_text(json.dumps(data))
    table = read_tier_table(path)
    assert table.unit == "BTC" and table.contract == "inverse"
    assert table.floor.tolist() == [0, 50] and table.maintenance_amount.tolist() == [0, 0.05]
    from perpmath.liquidation import liquidation_price

    # usable for a COIN-M position, refused for a linear one
    liquidation_price("long", 96_000, 20, 10, convention="binance_coinm", maintenance=table)
    with pytest.raises(ValueError, match="is for inverse contracts"):
        liquidation_price("long", 96_000, 20, 1.0, maintenance=table)


def test_bybit_risk_limits_in_percent_or_fractions():
    # Bybit v5 "Get Risk Limit" docs example (inverse BTCUSD): riskLimitValue 150,
    # maintenanceMargin "0.5", initialMargin "1", maxLeverage "100.00": rates in percent.
    doc = {"retCode": 0, "result": {"category": "inverse", "list": [
        {"id": 1, "symbol": "BTCUSD", "riskLimitValue": "150", "maintenanceMargin": "0.5",
         "initialMargin": "1", "isLowestRisk": 1, "maxLeverage": "100.00"}]}}  # fmt: skip
    table = read_tier_table(doc, unit="BTC", contract="inverse")
    assert table.maintenance_rate.tolist() == [0.005] and table.initial_rate.tolist() == [0.01]
    # the same tiers in fractions, as the BTCUSDT rows of Bybit's "Margin Parameters" page
    # (deduction left empty in tier 1)
    rows = [
        {"symbol": "BTCUSDT", "riskLimitValue": "2000000", "maintenanceMargin": "0.005",
         "initialMargin": "0.01", "maxLeverage": "100.00", "mmDeduction": ""},
        {"symbol": "BTCUSDT", "riskLimitValue": "2600000", "maintenanceMargin": "0.0056",
         "initialMargin": "0.0111", "maxLeverage": "90.00", "mmDeduction": "1200"},
    ]  # fmt: skip
    table = read_tier_table({"result": {"list": rows}})
    assert table.maintenance_rate.tolist() == [0.005, 0.0056]
    assert table.maintenance_amount.tolist() == [0, 1_200]
    rows[1]["initialMargin"] = "0.05"  # neither 1/90 nor 100/90: refused, not guessed
    with pytest.raises(ValueError, match="initialMargin x maxLeverage must be 1"):
        read_tier_table({"result": {"list": rows}})


def test_bitget_and_gate_tier_rows():
    # Bitget API docs, "Get Position Tier" response example (requestTime 1695796884470)
    bitget = {"code": "00000", "msg": "success", "data": [
        {"symbol": "BTCUSDT", "level": "1", "startUnit": "0", "endUnit": "50000",
         "leverage": "125", "keepMarginRate": "0.004"},
        {"symbol": "BTCUSDT", "level": "2", "startUnit": "50000", "endUnit": "200000",
         "leverage": "100", "keepMarginRate": "0.005"}]}  # fmt: skip
    table = read_tier_table(bitget)
    assert table.cap.tolist() == [50_000, 200_000] and table.maintenance_amount.tolist() == [0, 50]
    assert table.max_leverage.tolist() == [125, 100]
    # Gate GET /futures/usdt/risk_limit_tiers rows for BTC_USDT (a capture dated 2026-08-09):
    # deductions 0, 250, 750 are continuous
    gate = [
        {"tier": 1, "risk_limit": "500000", "initial_rate": "0.005", "maintenance_rate": "0.003",
         "leverage_max": "200", "deduction": "0", "contract": "BTC_USDT"},
        {"tier": 2, "risk_limit": "1000000", "initial_rate": "0.006666",
         "maintenance_rate": "0.0035", "leverage_max": "150.01", "deduction": "250",
         "contract": "BTC_USDT"},
        {"tier": 3, "risk_limit": "1500000", "initial_rate": "0.008", "maintenance_rate": "0.004",
         "leverage_max": "125", "deduction": "750", "contract": "BTC_USDT"},
    ]  # fmt: skip
    table = read_tier_table(gate, date="2026-08-09")
    assert table.maintenance_amount.tolist() == [0, 250, 750] and table.date == "2026-08-09"
    assert table.initial_rate.tolist() == approx([0.005, 0.006666, 0.008])
    other = dict(gate[0], contract="ETH_USDT")
    with pytest.raises(ValueError, match="several symbols"):
        read_tier_table([*gate, other])
    assert len(read_tier_table([*gate, other], symbol="BTC_USDT")) == 3
