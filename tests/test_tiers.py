"""perpmath.tiers: the shipped Binance table, published tier examples, look-ups, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from perpmath.tiers import TierTable, available_tier_tables, load_tier_table, tier_tables

approx = pytest.approx

# Binance, "Updates to Leverage and Margin Tiers of Binance Futures Contracts
# (2021-03-18)", BTCUSDT 125x perpetual: (cap in USDT, max leverage, maintenance rate).
BINANCE_BTCUSDT_2021_03_18 = [
    (50_000, 125, 0.004),
    (250_000, 100, 0.005),
    (1_000_000, 50, 0.01),
    (10_000_000, 20, 0.025),
    (20_000_000, 10, 0.05),
    (50_000_000, 5, 0.10),
    (100_000_000, 4, 0.125),
    (200_000_000, 3, 0.15),
    (300_000_000, 2, 0.25),
    (500_000_000, 1, 0.50),
]
# Maintenance amounts ("cum") Binance shows for those brackets (the same numbers appear
# in the bracket data of Binance's web client, reproduced e.g. in the widely used
# "CLI Binance liquidation calculation formula" gist of 2021-03-26).
BINANCE_BTCUSDT_AMOUNTS = [
    0,
    50,
    1_300,
    16_300,
    266_300,
    1_266_300,
    2_516_300,
    5_016_300,
    25_016_300,
    100_016_300,
]


@pytest.fixture(scope="module")
def binance():
    return load_tier_table("binance_usdm_btcusdt", date="2021-03-18")


def bybit_xyz_table() -> TierTable:
    # Bybit, "Maintenance Margin (Inverse Contract)", XYZUSD illustration: risk limits
    # 0-10, >10-20, >20-30, >30-40, >40-50 XYZ at 1%, 2%, 3%, 4%, 5%. The example gives no
    # maximum leverage; 1 / MMR is used so that the table is valid.
    return TierTable.from_rates(
        [10, 20, 30, 40, 50], [100, 50, 33, 25, 20], [0.01, 0.02, 0.03, 0.04, 0.05], unit="XYZ"
    )


# shipped table ----------------------------------------------------------------------
def test_shipped_table_is_the_published_binance_table(binance):
    caps, levs, rates = zip(*BINANCE_BTCUSDT_2021_03_18, strict=True)
    assert binance.cap.tolist() == list(caps)
    assert binance.max_leverage.tolist() == list(levs)
    assert binance.maintenance_rate.tolist() == approx(list(rates))
    assert binance.floor.tolist() == [0, *caps[:-1]]
    assert binance.maintenance_amount.tolist() == approx(BINANCE_BTCUSDT_AMOUNTS)
    assert binance.unit == "USDT"
    assert binance.meta["effective"] == "2021-03-18"
    assert "binance.com" in binance.meta["source"]


def test_from_rates_recomputes_binance_maintenance_amounts():
    # Binance: amount(n) = floor(n) x (MMR(n) - MMR(n-1)) + amount(n-1).
    caps, levs, rates = zip(*BINANCE_BTCUSDT_2021_03_18, strict=True)
    table = TierTable.from_rates(caps, levs, rates)
    assert table.maintenance_amount.tolist() == approx(BINANCE_BTCUSDT_AMOUNTS)


def test_tables_are_shared_and_read_only(binance):
    assert load_tier_table("binance_usdm_btcusdt", date="2021-03-18") is binance
    with pytest.raises(ValueError, match="read-only"):
        binance.maintenance_rate[0] = 0.5
    caps = np.array([10.0, 20.0])
    table = TierTable.from_rates(caps, [10, 5], [0.01, 0.02])
    caps[0] = 99.0  # the caller's array stays writable and the table keeps its copy
    assert table.cap[0] == 10.0


def test_available_and_unknown_tables():
    assert "binance_usdm_btcusdt" in available_tier_tables()
    with pytest.raises(ValueError, match=r"^name must be one of .*'binance_usdm_btcusdt'"):
        load_tier_table("binance_btcusdt_2030")


# published maintenance margin examples -----------------------------------------------------
def test_bybit_tiered_maintenance_margin_example():
    # Bybit, "Maintenance Margin (Inverse Contract)": a 25 XYZ position needs
    # (10 x 1%) + (10 x 2%) + (5 x 3%) = 0.45 XYZ of maintenance margin.
    table = bybit_xyz_table()
    assert table.maintenance_margin(25) == approx(0.45)
    assert table.maintenance_rate_at(25) == approx(0.03)
    # the "deduction" form Bybit also publishes: 25 x 3% - 0.30
    assert table.maintenance_amount_at(25) == approx(0.30)


def test_binance_maintenance_margin_formula_in_each_tier(binance):
    # Binance, "Leverage and Margin of USDⓈ-M Futures": maintenance margin =
    # notional x MMR - maintenance amount, with the tier of the notional.
    for cap, _lev, rate in BINANCE_BTCUSDT_2021_03_18:
        n = cap * 0.9 if cap > 50_000 else 40_000
        k = binance.tier_index(n)
        expected = n * rate - BINANCE_BTCUSDT_AMOUNTS[k]
        assert binance.maintenance_margin(n) == approx(expected)


def test_binance_first_bracket_has_no_maintenance_amount(binance):
    # From the published table (no worked number is published for it): a position up to
    # 50,000 USDT pays 0.4% with no maintenance amount, so 40,000 USDT needs 160 USDT.
    assert binance.maintenance_margin(40_000) == approx(160)


# look-ups -------------------------------------------------------------------------
def test_tier_index_uses_floor_exclusive_cap_inclusive(binance):
    # Binance brackets read "50,000 < Position <= 250,000".
    assert binance.tier_index(0) == 0
    assert binance.tier_index(50_000) == 0
    assert binance.tier_index(50_000.01) == 1
    assert binance.tier_index(250_000) == 1
    assert binance.tier_index(500_000_000) == 9
    assert binance.tier_index([1, 60_000, 2e6]).tolist() == [0, 1, 3]


def test_rate_amount_leverage_at(binance):
    assert binance.maintenance_rate_at(60_000) == approx(0.005)
    assert binance.maintenance_amount_at(60_000) == approx(50)
    assert binance.max_leverage_at(60_000) == 100
    assert binance.max_leverage_at([1, 2e8]).tolist() == [125, 3]
    assert isinstance(binance.maintenance_margin(1.0), float)


def test_notional_beyond_last_tier_is_rejected(binance):
    with pytest.raises(ValueError, match=r"^notional 600,000,000.00 USDT exceeds the largest tier"):
        binance.maintenance_margin(6e8)


def test_check_leverage(binance):
    binance.check_leverage(50_000, 125)
    binance.check_leverage(60_000, 100)
    with pytest.raises(ValueError, match=r"^leverage 125x exceeds the maximum 100x"):
        binance.check_leverage(60_000, 125)
    with pytest.raises(ValueError, match=r"^leverage 10x exceeds the maximum 5x"):
        binance.check_leverage([1_000, 30_000_000], [10, 10])
    with pytest.raises(ValueError, match=r"^leverage must be greater than 0"):
        binance.check_leverage(1_000, 0)


def test_flat_table():
    flat = TierTable.flat(0.005, 100)
    assert len(flat) == 1
    assert flat.maintenance_margin(1e12) == approx(5e9)
    assert flat.max_leverage_at(1e12) == 100


def test_to_frame(binance):
    df = binance.to_frame()
    assert list(df.columns) == [
        "floor",
        "cap",
        "max_leverage",
        "maintenance_rate",
        "maintenance_amount",
    ]
    assert df.index.tolist() == list(range(1, 11))
    assert df.index.name == "tier"
    assert df.loc[4, "maintenance_amount"] == approx(16_300)


# bad input --------------------------------------------------------------------
@pytest.mark.parametrize(
    "caps, levs, rates, arg",
    [
        ([10, 5], [10, 5], [0.01, 0.02], "cap"),
        ([10, 20], [10, 20], [0.01, 0.02], "max_leverage"),
        ([10, 20], [10, 5], [0.02, 0.01], "maintenance_rate"),
        ([10, 20], [10, 5], [0.0, 0.01], "maintenance_rate"),
        ([10, 20], [10, 5], [0.2, 0.3], "maintenance_rate"),
        ([10, 20], [10, 5], [0.01], "caps"),
        ([10, math.nan], [10, 5], [0.01, 0.02], "caps"),
        ("abc", [10], [0.01], "caps"),
        ([10], [math.nan], [0.01], "max_leverage"),
        ([10], [0], [0.01], "max_leverage"),
        ([10], [10], ["x"], "maintenance_rate"),
    ],
)
def test_bad_tables_name_the_column(caps, levs, rates, arg):
    with pytest.raises(ValueError) as err:
        TierTable.from_rates(caps, levs, rates)
    assert str(err.value).startswith(arg), str(err.value)


def test_inconsistent_maintenance_amount_is_rejected():
    with pytest.raises(ValueError, match=r"^maintenance_amount of tier 2 is 10.0 but continuity"):
        TierTable(
            floor=[0, 10],
            cap=[10, 20],
            max_leverage=[10, 5],
            maintenance_rate=[0.01, 0.02],
            maintenance_amount=[0, 10],
        )


def test_non_contiguous_tiers_are_rejected():
    with pytest.raises(ValueError, match=r"^tiers must be contiguous"):
        TierTable(
            floor=[0, 12],
            cap=[10, 20],
            max_leverage=[10, 5],
            maintenance_rate=[0.01, 0.02],
            maintenance_amount=[0, 0.12],
        )


def test_first_floor_must_be_zero():
    with pytest.raises(ValueError, match=r"^the first tier must start at notional 0"):
        TierTable([5], [10], [10], [0.01], [0])


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf, "big"])
def test_lookups_reject_bad_notional(binance, bad):
    for lookup in (
        binance.maintenance_margin,
        binance.tier_index,
        binance.maintenance_rate_at,
        binance.maintenance_amount_at,
        binance.max_leverage_at,
    ):
        with pytest.raises(ValueError, match=r"^notional must"):
            lookup(bad)
    with pytest.raises(ValueError, match=r"^notional must"):
        binance.tier_index(np.array([1.0, bad], dtype=object))
    with pytest.raises(ValueError, match=r"^notional must"):
        binance.check_leverage(bad, 10)


@pytest.mark.parametrize(
    "rate, lev, arg",
    [(0.0, 10, "maintenance_rate"), (0.2, 10, "maintenance_rate"), (0.01, 0, "max_leverage")],
)
def test_flat_rejects_bad_values(rate, lev, arg):
    with pytest.raises(ValueError) as err:
        TierTable.flat(rate, lev)
    assert str(err.value).startswith(arg), str(err.value)


# --- bad input that used to pass unchecked or fail unclearly -------------------------
def test_a_bad_cap_in_from_rates_names_caps_not_floor():
    # was "cap must be greater than floor in every tier": neither is an argument here
    with pytest.raises(ValueError, match=r"^caps must be a one-dimensional array of increasing"):
        TierTable.from_rates([50_000, 10_000], [125, 100], [0.004, 0.005])
    with pytest.raises(ValueError, match=r"^caps must be greater than 0, got 0\.0 at index 0$"):
        TierTable.from_rates([0, 10_000], [125, 100], [0.004, 0.005])
    with pytest.raises(ValueError, match=r"^caps must be a number or \+inf"):
        TierTable.from_rates([math.nan], [125], [0.004])
    with pytest.raises(TypeError, match=r"^caps must be a number or an array of numbers"):
        TierTable.from_rates("10000", [125], [0.004])


def test_names_and_units_are_text():
    with pytest.raises(TypeError, match=r"^unit must be a string, got 5$"):
        TierTable.flat(0.005, 100, unit=5)
    with pytest.raises(TypeError, match=r"^name must be a string, got None$"):
        TierTable.from_rates([math.inf], [100], [0.005], name=None)


# dated tables -----------------------------------------------------------------
# Binance's bracket API (GET /fapi/v1/leverageBracket) for BTCUSDT as stored by freqtrade
# (freqtrade/exchange/binance_leverage_tiers.json): notionalCap, initialLeverage,
# maintMarginRatio, cum.
BINANCE_BTCUSDT_2024 = [
    (50_000, 125, 0.004, 0.0),
    (600_000, 100, 0.005, 50.0),
    (3_000_000, 75, 0.0065, 950.0),
    (12_000_000, 50, 0.01, 11_450.0),
    (70_000_000, 25, 0.02, 131_450.0),
    (100_000_000, 20, 0.025, 481_450.0),
    (230_000_000, 10, 0.05, 2_981_450.0),
    (480_000_000, 5, 0.10, 14_481_450.0),
    (600_000_000, 4, 0.125, 26_481_450.0),
    (800_000_000, 3, 0.15, 41_481_450.0),
    (1_200_000_000, 2, 0.25, 121_481_450.0),
    (1_800_000_000, 1, 0.50, 421_481_450.0),
]


# The same API as stored in a later copy of that file (ymcbzrgn/HydraQuant, commit
# b94b0926a7d2ecf1f30de231621408e92759fa20; it lists BTCUSDT_260327, not _251226): the first
# tier now runs to 300,000 USDT at 150x.
BINANCE_BTCUSDT_2025 = [
    (300_000, 150, 0.004, 0.0),
    (800_000, 100, 0.005, 300.0),
    (3_000_000, 75, 0.0065, 1_500.0),
    (12_000_000, 50, 0.01, 12_000.0),
    (70_000_000, 25, 0.02, 132_000.0),
    (100_000_000, 20, 0.025, 482_000.0),
    (230_000_000, 10, 0.05, 2_982_000.0),
    (480_000_000, 5, 0.10, 14_482_000.0),
    (600_000_000, 4, 0.125, 26_482_000.0),
    (800_000_000, 3, 0.15, 41_482_000.0),
    (1_200_000_000, 2, 0.25, 121_482_000.0),
    (1_800_000_000, 1, 0.50, 421_482_000.0),
]
# freqtrade/freqtrade freqtrade/exchange/binance_leverage_tiers.json at commit
# e73f215a67125640d73be66b72ff1a24a7a1d793 (lists BTCUSDT_230929, not _230630).
BINANCE_BTCUSDT_2023 = [
    (50_000, 125, 0.004, 0.0),
    (250_000, 100, 0.005, 50.0),
    (3_000_000, 50, 0.01, 1_300.0),
    (20_000_000, 20, 0.025, 46_300.0),
    (40_000_000, 10, 0.05, 546_300.0),
    (100_000_000, 5, 0.10, 2_546_300.0),
    (120_000_000, 4, 0.125, 5_046_300.0),
    (200_000_000, 3, 0.15, 8_046_300.0),
    (300_000_000, 2, 0.25, 28_046_300.0),
    (500_000_000, 1, 0.50, 103_046_300.0),
]


@pytest.mark.parametrize(
    ("date", "rows"),
    [
        ("2023-06-30", BINANCE_BTCUSDT_2023),
        ("2024-06-28", BINANCE_BTCUSDT_2024),
        ("2025-12-26", BINANCE_BTCUSDT_2025),
    ],
)
def test_binance_snapshots_keep_the_apis_columns(date, rows):
    table = load_tier_table("binance_usdm_btcusdt", date=date)
    assert table.date == date
    caps, levs, rates, cums = zip(*rows, strict=True)
    assert table.cap.tolist() == list(caps)
    assert table.max_leverage.tolist() == list(levs)
    assert table.maintenance_rate.tolist() == approx(list(rates))
    # the API's own cum column passes the continuity check unchanged
    assert table.maintenance_amount.tolist() == approx(list(cums))
    assert "leverageBracket" in table.source and table.meta["date_note"]


def test_default_is_the_newest_table_and_dates_select_older_ones(binance):
    newest = load_tier_table("binance_usdm_btcusdt")
    assert newest.date == "2025-12-26"
    assert newest.max_leverage_at(250_000) == 150
    # a date selects the table in force then; the 2021 table stays loadable exactly
    assert load_tier_table("binance_usdm_btcusdt", date="2022-01-01") is binance
    assert load_tier_table("binance_usdm_btcusdt", date="2025-08-01").date == "2024-06-28"
    assert load_tier_table("binance_usdm_btcusdt", date="2026-03-01") is newest
    assert binance.date == "2021-03-18"
    import datetime

    assert load_tier_table("binance_usdm_btcusdt", date=datetime.date(2021, 3, 18)) is binance
    with pytest.raises(ValueError, match=r"before the first shipped table .* 2021-03-18"):
        load_tier_table("binance_usdm_btcusdt", date="2020-01-01")
    with pytest.raises(ValueError, match=r"^date must be a date"):
        load_tier_table("binance_usdm_btcusdt", date="yesterday")


# Bybit, "Margin Parameters" (https://www.bybit.com/en/announcement-info/margin-parameters),
# BTCUSDT: risk limit, max leverage, MMR, maintenance margin deduction, as the page lists them.
BYBIT_BTCUSDT = [
    (2_000_000, 100, 0.005, 0),
    (2_600_000, 90, 0.0056, 1_200),
    (3_200_000, 80, 0.0063, 3_020),
    (3_800_000, 75, 0.0067, 4_300),
    (4_400_000, 70, 0.0071, 5_820),
    (5_000_000, 65, 0.0077, 8_460),
    (5_600_000, 55, 0.0091, 15_460),
    (8_500_000, 50, 0.01, 20_500),
    (10_000_000, 45, 0.013, 46_000),
    (14_000_000, 40, 0.015, 66_000),
    (20_000_000, 35, 0.016, 80_000),
    (28_000_000, 30, 0.02, 160_000),
    (38_000_000, 25, 0.025, 300_000),
    (50_000_000, 20, 0.029, 452_000),
    (55_000_000, 19, 0.03, 502_000),
    (60_000_000, 18, 0.035, 777_000),
    (65_000_000, 17, 0.036, 837_000),
    (70_000_000, 16, 0.038, 967_000),
    (75_000_000, 15, 0.04, 1_107_000),
    (80_000_000, 14, 0.045, 1_482_000),
]


def test_bybit_risk_limits_with_the_pages_deductions():
    table = load_tier_table("bybit_linear_btcusdt")
    caps, levs, rates, deductions = zip(*BYBIT_BTCUSDT, strict=True)
    assert table.cap.tolist() == list(caps) and table.max_leverage.tolist() == list(levs)
    assert table.maintenance_rate.tolist() == approx(list(rates))
    # the page's deductions are exactly Binance-style cumulative amounts
    assert table.maintenance_amount.tolist() == approx(list(deductions))
    # the API's initialMargin of tier 2 is 0.0111 = 1/90
    assert table.initial_rates[1] == approx(0.0111, abs=1e-4)
    # 3,000,000 USDT of position value: tier 3, MM = 3,000,000 x 0.63% - 3,020 = 15,880
    assert table.maintenance_margin(3_000_000) == approx(15_880.0)
    assert table.date == "2025-02-24" and "Margin Parameters" in table.source


def test_tier_tables_lists_every_table_with_its_date():
    frame = tier_tables()
    assert ("binance_usdm_btcusdt", "2021-03-18") in frame.index
    assert ("binance_usdm_btcusdt", "2024-06-28") in frame.index
    assert ("kraken_inverse_btcusd", "2019-03-05") in frame.index
    assert frame.loc[("hyperliquid_btc", "2026-09-27"), "unit"] == "USDC"
    assert set(frame.index.get_level_values(0)) == set(available_tier_tables())
    assert all(s for s in frame["source"])


def test_hyperliquid_btc_tiers_follow_the_docs():
    # Hyperliquid docs, "Margin tiers": BTC 40x up to 150M, 20x above; maintenance rate
    # = half the initial margin rate at the tier's maximum leverage ("at 20x max leverage,
    # maintenance_margin_rate = 2.5%"); deduction(1) = 150M x (2.5% - 1.25%).
    hl = load_tier_table("hyperliquid_btc")
    assert hl.maintenance_rate.tolist() == approx([0.0125, 0.025])
    assert hl.maintenance_amount[1] == approx(1_875_000)
    assert hl.maintenance_margin(200_000_000) == approx(200e6 * 0.025 - 1_875_000)
    assert hl.unit == "USDC" and hl.contract == "linear"


def test_kraken_schedule_charges_each_level_its_rate():
    # Kraken, "Inverse Futures Margin Schedule & Maximum Leverage": long 1,000,000
    # contracts of the Bitcoin-Dollar perpetual: the initial margin is 2% for the first
    # 500,000 contracts and 4% for the next (maintenance 1% and 2%), valued at entry.
    k = load_tier_table("kraken_inverse_btcusd")
    assert k.initial_margin(1_000_000) == approx(0.02 * 500_000 + 0.04 * 500_000)
    assert k.maintenance_margin(1_000_000) == approx(0.01 * 500_000 + 0.02 * 500_000)
    assert k.unit == "USD" and k.settlement == "BTC" and k.contract == "inverse"
    # Bitcoin-Dollar skips levels VI and X; the cap is the maximum position, 75,000,000
    assert k.initial_rate.tolist() == approx([0.02, 0.04, 0.06, 0.10, 0.15, 0.25, 0.30, 0.40])
    assert k.position_cap == 75_000_000
    with pytest.raises(ValueError, match="exceeds the position cap"):
        k.maintenance_margin(80_000_000)
    old = load_tier_table("kraken_inverse_btcusd", date="2024-12-31")
    assert old.date == "2019-03-05" and old.position_cap == 6_000_000 and len(old) == 4


# friction-free construction ------------------------------------------------------------
def test_from_rates_without_leverage_for_maintenance_only():
    table = TierTable.from_rates([10, 20], maintenance_rate=[0.01, 0.02], unit="XYZ")
    assert table.maintenance_margin(15) == approx(15 * 0.02 - 0.1)
    assert np.isinf(table.max_leverage_at(5))
    table.check_leverage(5, 1_000)  # no leverage limit known: nothing to refuse
    # no leverage limit: only the position cap bounds the stake's leverage
    assert table.max_leverage_for_stake(1.0) == approx(20)


def test_bracket_holds_a_known_rate_and_amount():
    # Binance's calc example bracket for a 3.56 M USDT BTCUSDT position: 2.5% and 16,300.
    b = TierTable.bracket(0.025, 16_300)
    assert b.maintenance_margin(3_556_387.02624) == approx(3_556_387.02624 * 0.025 - 16_300)
    with pytest.raises(ValueError, match=r"^maintenance_amount must be 0 or more"):
        TierTable.bracket(0.025, -1)


def test_max_leverage_for_stake(binance):
    # 1,000 USDT at 100x is 100,000 USDT, inside tier 2 (100x); 125x would need tier 1 to
    # hold 125,000 USDT, beyond its 50,000 cap.
    assert binance.max_leverage_for_stake(1_000) == 100
    assert binance.max_leverage_for_stake(10) == 125
    assert binance.max_leverage_for_stake([10, 1_000]).tolist() == [125, 100]
    # 100 M of stake: 2x gives 200 M, the top of tier 8 (3x allowed); any more leverage
    # takes the position into tier 9, which allows only 2x
    assert binance.max_leverage_for_stake(100_000_000) == approx(2)
    with pytest.raises(ValueError, match=r"^stake must be greater than 0"):
        binance.max_leverage_for_stake(0)


def test_labels_are_checked():
    with pytest.raises(ValueError, match=r"^contract must be one of"):
        TierTable.from_rates([10], [10], [0.01], contract="quanto")
    with pytest.raises(ValueError, match=r"^max_position must lie in the last tier"):
        TierTable.from_rates([10, 20], [10, 5], [0.01, 0.02], max_position=30)
    with pytest.raises(ValueError, match=r"^initial_rate must lie between"):
        TierTable.from_rates([10], [10], [0.05], initial_rate=[0.01])
    with pytest.raises(ValueError, match=r"^date must be a date"):
        TierTable.from_rates([10], [10], [0.01], date="soon")
