"""perpmath.account: isolated and cross margin against published examples and formulas."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from perpmath.account import Account, Position
from perpmath.contracts import unrealized_pnl
from perpmath.tiers import TierTable, load_tier_table

approx = pytest.approx
BINANCE = load_tier_table("binance_usdm_btcusdt", date="2021-03-18")


def toobit_eve() -> Position:
    # Toobit, "Liquidation Introduction of Perpetual Contract", isolated example: Eve is
    # long 10 ETH/USDT at 1,500 with 50x; maintenance margin rate 1%.
    return Position(
        "ETHUSDT", "long", 10, 1_500, 50, margin_mode="isolated", tiers=TierTable.flat(0.01, 50)
    )


def bybit_xyz() -> Position:
    # Bybit, "Maintenance Margin (Inverse Contract)": long 10,000 XYZUSD contracts at 400
    # USD with 10x; tiers of 10 XYZ at 1%, 2%, 3%, 4%, 5% (maximum leverage not given,
    # 1 / MMR used).
    xyz = TierTable.from_rates(
        [10, 20, 30, 40, 50], [100, 50, 33, 25, 20], [0.01, 0.02, 0.03, 0.04, 0.05], unit="XYZ"
    )
    return Position(
        "XYZUSD", "long", 10_000, 400, 10, margin_mode="isolated", contract="inverse", tiers=xyz
    )


# published examples ---------------------------------------------------------------------
def test_toobit_isolated_example():
    # Toobit: isolated margin = 1,500 x 10 / 50 = 300 USDT; at a mark of 1,483 the PnL is
    # (1,483 - 1,500) x 10 = -170 USDT and the position is liquidated. (Toobit charges the
    # maintenance margin at the entry price, 150 USDT, giving a ratio of 115.38%; perpmath
    # follows Binance and values it at the mark, 148.3 USDT: liquidated all the same.)
    eve = toobit_eve()
    acct = Account(1_000, [eve])
    marks = {"ETHUSDT": 1_483}
    assert eve.isolated_margin == approx(300)
    assert acct.unrealized_pnl(marks) == approx(-170)
    assert acct.maintenance_margin(marks) == approx(148.3)
    assert acct.liquidated(marks) == {"ETHUSDT": True}
    assert acct.margin_ratio(marks, "maintenance_to_balance") == approx(148.3 / 130)
    # at the entry price the position is safe
    assert acct.liquidated({"ETHUSDT": 1_500}) == {"ETHUSDT": False}


def test_bybit_inverse_isolated_example():
    # Bybit: position value 10,000 / 400 = 25 XYZ, initial margin 2.5 XYZ, maintenance
    # margin 0.45 XYZ, so the position can lose 2.5 - 0.45 = 2.05 XYZ before liquidation.
    pos = bybit_xyz()
    acct = Account(10, [pos])
    marks = {"XYZUSD": 400}
    assert pos.notional(400) == approx(25)
    assert pos.isolated_margin == approx(2.5)
    assert acct.maintenance_margin(marks) == approx(0.45)
    assert acct.margin_ratio(marks, "equity_to_maintenance") == approx(2.5 / 0.45)
    # liquidation where 2.5 + PnL(mark) = MM(mark); find it on a fine grid of marks
    grid = np.linspace(300, 400, 100_001)
    liq = acct.liquidated({"XYZUSD": grid})["XYZUSD"]
    first_safe = grid[np.argmin(liq)]
    pnl = unrealized_pnl("long", 10_000, 400, first_safe, "inverse")
    assert 2.5 + pnl == approx(pos.maintenance_margin(first_safe), abs=1e-4)


def test_binance_cross_liquidation_price_formula():
    # Binance, "How to Calculate Liquidation Price of USDⓈ-M Futures Contracts" (cross,
    # one-way mode): LP1 = (WB - TMM1 + UPNL1 + cum1 - side1 x Q1 x EP1)
    #                      / (Q1 x MMR1 - side1 x Q1),
    # TMM1 and UPNL1 being the other positions' maintenance margin and PnL. At that mark
    # the cross margin balance equals the cross maintenance margin.
    btc = Position("BTCUSDT", "long", 2, 60_000, 20)
    eth = Position("ETHUSDT", "short", 30, 3_000, 20, tiers=TierTable.flat(0.005, 100))
    wb = 7_000.0
    acct = Account(wb, [btc, eth])
    eth_mark = 3_050.0
    tmm1 = 30 * eth_mark * 0.005
    upnl1 = -30 * (eth_mark - 3_000)
    k = BINANCE.tier_index(2 * 56_000)  # the tier at the liquidation notional
    mmr1, cum1 = BINANCE.maintenance_rate[k], BINANCE.maintenance_amount[k]
    lp1 = (wb - tmm1 + upnl1 + cum1 - 1 * 2 * 60_000) / (2 * mmr1 - 1 * 2)
    assert BINANCE.tier_index(2 * lp1) == k
    marks = {"BTCUSDT": lp1, "ETHUSDT": eth_mark}
    assert acct.margin_balance(marks) == approx(acct.maintenance_margin(marks))
    assert acct.liquidation_price("BTCUSDT", {"ETHUSDT": eth_mark}) == approx(lp1, rel=1e-12)
    assert acct.liquidated({"BTCUSDT": lp1 * (1 - 1e-9), "ETHUSDT": eth_mark}) == {
        "BTCUSDT": True,
        "ETHUSDT": True,
    }
    assert acct.liquidated({"BTCUSDT": lp1 * (1 + 1e-9), "ETHUSDT": eth_mark}) == {
        "BTCUSDT": False,
        "ETHUSDT": False,
    }


def test_binance_isolated_liquidation_price_formula():
    # Same Binance page, isolated mode: TMM = UPNL = 0 and WB is the isolated margin.
    pos = Position("BTCUSDT", "short", 0.5, 80_000, 50, margin_mode="isolated")
    acct = Account(2_000, [pos])
    wb, q, ep = pos.isolated_margin, 0.5, 80_000
    lp = (wb + 0 - (-1) * q * ep) / (q * 0.004 - (-1) * q)
    assert acct.liquidation_price("BTCUSDT", {}) == approx(lp, rel=1e-12)
    assert acct.liquidated({"BTCUSDT": lp * (1 + 1e-9)}) == {"BTCUSDT": True}
    assert acct.liquidated({"BTCUSDT": lp * (1 - 1e-9)}) == {"BTCUSDT": False}


def test_liquidation_price_agrees_with_the_liquidation_module():
    from perpmath.liquidation import liquidation_price

    for side in ("long", "short"):
        for q, lev in ((0.5, 100), (0.5, 50), (3, 50), (3, 20), (30, 20), (30, 5)):
            pos = Position("BTCUSDT", side, q, 96_000, lev, margin_mode="isolated")
            got = Account(1e6, [pos]).liquidation_price("BTCUSDT", {})
            want = liquidation_price(side, 96_000, lev, q, maintenance=BINANCE)
            assert got == approx(want, rel=1e-12), (side, q, lev)


def test_liquidation_price_inverse_and_flip():
    pos = bybit_xyz()
    acct = Account(10, [pos])
    lp = acct.liquidation_price("XYZUSD", {})
    # at that mark the isolated margin + PnL equals the maintenance margin
    pnl = unrealized_pnl("long", 10_000, 400, lp, "inverse")
    assert 2.5 + pnl == approx(pos.maintenance_margin(lp), rel=1e-9)
    assert acct.liquidated({"XYZUSD": lp * (1 - 1e-9)})["XYZUSD"]
    assert not acct.liquidated({"XYZUSD": lp * (1 + 1e-9)})["XYZUSD"]


def test_liquidation_price_in_a_higher_tier_and_along_other_marks():
    # 30 BTC at 96,000 is a 2.88M USDT position (2.5% bracket); the ETH short's mark moves
    acct = Account(
        200_000,
        [
            Position("BTCUSDT", "long", 30, 96_000, 20),
            Position("ETHUSDT", "short", 10, 3_000, 10, tiers=TierTable.flat(0.005, 100)),
        ],
    )
    eth = np.array([2_900.0, 3_000.0, 3_100.0])
    lp = acct.liquidation_price("BTCUSDT", {"ETHUSDT": eth})
    assert lp.shape == (3,) and np.all(np.diff(lp) > 0)  # an ETH loss brings BTC's closer
    for j in range(3):
        marks = {"BTCUSDT": lp[j], "ETHUSDT": eth[j]}
        assert acct.margin_balance(marks) == approx(acct.maintenance_margin(marks), rel=1e-9)
        assert BINANCE.tier_index(30 * lp[j]) == 3


def test_liquidation_price_degenerate_cases():
    # a 1x linear long cannot be liquidated at a positive price; a 1x inverse short never
    one_x = Position("BTCUSDT", "long", 1, 96_000, 1, margin_mode="isolated")
    assert Account(96_000, [one_x]).liquidation_price("BTCUSDT", {}) == 0.0
    flat = TierTable.flat(0.005, 100, unit="BTC")
    short = Position(
        "BTCUSD", "short", 100, 50_000, 1, margin_mode="isolated", contract="inverse", tiers=flat
    )
    assert Account(1, [short]).liquidation_price("BTCUSD", {}) == math.inf


def test_add_margin_and_smaller_position_move_liquidation_away():
    acct = two_positions("isolated")
    lp = acct.liquidation_price("BTCUSDT", {"ETHUSDT": 3_000})
    more = acct.add_margin("BTCUSDT", 1_000)
    assert more.positions[0].isolated_margin == approx(4_800 + 1_000)
    assert more.cross_wallet_balance == approx(acct.cross_wallet_balance - 1_000)
    assert more.liquidation_price("BTCUSDT", {"ETHUSDT": 3_000}) < lp
    smaller = acct.with_position("BTCUSDT", quantity=0.5)
    assert smaller.liquidation_price("BTCUSDT", {"ETHUSDT": 3_000}) < lp
    back = acct.add_margin("BTCUSDT", -4_800)
    assert back.positions[0].isolated_margin == 0
    as_cross = acct.with_position("BTCUSDT", margin_mode="cross")
    assert as_cross.positions[0].isolated_margin is None


def test_add_margin_rejects():
    acct = two_positions("isolated")
    with pytest.raises(ValueError, match=r"^amount -5000\.0 would leave a negative"):
        acct.add_margin("BTCUSDT", -5_000)
    with pytest.raises(ValueError, match=r"^amount 1000000\.0 exceeds the cross wallet"):
        acct.add_margin("BTCUSDT", 1e6)
    with pytest.raises(ValueError, match=r"^amount must be finite"):
        acct.add_margin("BTCUSDT", math.nan)
    with pytest.raises(ValueError, match=r"^symbol 'BTCUSDT' is a cross position"):
        two_positions("cross").add_margin("BTCUSDT", 10)
    with pytest.raises(ValueError, match=r"^symbol must be one of"):
        acct.add_margin("SOLUSDT", 10)
    with pytest.raises(ValueError, match=r"^leverage 150x exceeds"):
        acct.with_position("BTCUSDT", leverage=150)
    with pytest.raises(ValueError, match=r"^symbol must be one of"):
        acct.liquidation_price("SOLUSDT", {"BTCUSDT": 1, "ETHUSDT": 1})
    with pytest.raises(ValueError, match=r"^marks must give a mark price"):
        acct.liquidation_price("BTCUSDT", {})
    with pytest.raises(ValueError, match=r"^marks must be a mapping"):
        acct.liquidation_price("BTCUSDT", [3_000])


# cross vs isolated ----------------------------------------------------------------------
def two_positions(mode: str) -> Account:
    btc = Position("BTCUSDT", "long", 1, 96_000, 20, margin_mode=mode)
    eth = Position(
        "ETHUSDT", "long", 10, 3_000, 10, margin_mode=mode, tiers=TierTable.flat(0.005, 100)
    )
    return Account(10_000, [btc, eth])


def test_one_loss_takes_down_every_cross_position():
    marks = {"BTCUSDT": 86_000, "ETHUSDT": 3_000}  # BTC -10.4%, ETH flat
    cross = two_positions("cross")
    iso = two_positions("isolated")
    assert cross.liquidated(marks) == {"BTCUSDT": True, "ETHUSDT": True}
    assert iso.liquidated(marks) == {"BTCUSDT": True, "ETHUSDT": False}
    # but cross survives a drop that kills the isolated BTC position alone
    mild = {"BTCUSDT": 91_000, "ETHUSDT": 3_000}
    assert cross.liquidated(mild) == {"BTCUSDT": False, "ETHUSDT": False}
    assert iso.liquidated(mild) == {"BTCUSDT": True, "ETHUSDT": False}


def test_isolated_loss_is_capped_at_its_margin():
    iso = two_positions("isolated")
    assert iso.cross_wallet_balance == approx(10_000 - 96_000 / 20 - 30_000 / 10)
    assert iso.available_balance({"BTCUSDT": 50_000, "ETHUSDT": 3_000}) == approx(2_200)


def test_margin_ratio_per_pool():
    iso = two_positions("isolated")
    marks = {"BTCUSDT": 95_000, "ETHUSDT": 2_900}
    r_btc = iso.margin_ratio(marks, "maintenance_to_balance", position="BTCUSDT")
    mb = 4_800 - 1_000
    assert r_btc == approx(BINANCE.maintenance_margin(95_000) / mb)
    with pytest.raises(ValueError, match=r"^position is required"):
        iso.margin_ratio(marks, "maintenance_to_balance")
    cross = two_positions("cross")
    whole = cross.margin_ratio(marks, "equity_to_maintenance")
    assert whole == approx(cross.margin_balance(marks) / cross.maintenance_margin(marks))
    assert cross.margin_ratio(marks, "equity_to_maintenance", position="ETHUSDT") == whole


def test_added_isolated_margin_moves_liquidation_away():
    base = Position("BTCUSDT", "long", 1, 96_000, 50, margin_mode="isolated")
    more = Position("BTCUSDT", "long", 1, 96_000, 50, margin_mode="isolated", isolated_margin=4_000)
    marks = {"BTCUSDT": 94_500}
    assert Account(5_000, [base]).liquidated(marks)["BTCUSDT"]
    assert not Account(5_000, [more]).liquidated(marks)["BTCUSDT"]


# account totals -------------------------------------------------------------------------
def test_totals_and_available_balance():
    acct = two_positions("cross")
    marks = {"BTCUSDT": 97_000, "ETHUSDT": 3_100}
    assert acct.unrealized_pnl(marks) == approx(1_000 + 1_000)
    assert acct.margin_balance(marks) == approx(12_000)
    assert acct.initial_margin(marks) == approx(97_000 / 20 + 31_000 / 10)
    assert acct.maintenance_margin(marks) == approx(97_000 * 0.005 - 50 + 31_000 * 0.005)
    # Binance availableBalance: cross wallet + cross PnL - cross initial margin, >= 0
    assert acct.available_balance(marks) == approx(12_000 - 4_850 - 3_100)
    assert acct.available_balance({"BTCUSDT": 92_000, "ETHUSDT": 2_900}) == 0.0


def test_vectorized_marks_match_scalar_marks():
    acct = two_positions("cross")
    path = np.linspace(80_000, 100_000, 41)
    eth = 3_000 + (path - 96_000) / 40
    vec = acct.liquidated({"BTCUSDT": path, "ETHUSDT": eth})["BTCUSDT"]
    ratios = acct.margin_ratio({"BTCUSDT": path, "ETHUSDT": eth}, "maintenance_to_balance")
    for i in range(path.size):
        marks = {"BTCUSDT": float(path[i]), "ETHUSDT": float(eth[i])}
        assert acct.liquidated(marks)["BTCUSDT"] == vec[i]
        assert acct.margin_ratio(marks, "maintenance_to_balance") == approx(ratios[i])
    assert acct.margin_balance({"BTCUSDT": path, "ETHUSDT": 3_000}).shape == path.shape


def test_summary_frame():
    acct = two_positions("isolated")
    df = acct.summary({"BTCUSDT": 95_000, "ETHUSDT": 3_100})
    assert isinstance(df, pd.DataFrame)
    assert df.index.tolist() == ["BTCUSDT", "ETHUSDT"]
    assert df.loc["ETHUSDT", "unrealized_pnl"] == approx(1_000)
    assert df.loc["BTCUSDT", "margin"] == approx(4_800)
    assert df.loc["BTCUSDT", "margin_ratio_definition"] == "maintenance_to_balance"
    assert not df["liquidated"].any()
    with pytest.raises(ValueError, match=r"^summary needs one scalar mark"):
        acct.summary({"BTCUSDT": [1.0, 2.0], "ETHUSDT": 3_000})


def test_default_tiers_is_binance_btcusdt_and_position_helpers():
    pos = Position("BTCUSDT", "short", 2, 50_000, 10)
    assert pos.tiers.name == "binance_usdm_btcusdt"
    assert pos.margin == approx(10_000)
    assert pos.initial_margin(40_000) == approx(8_000)
    assert pos.unrealized_pnl(40_000) == approx(20_000)
    assert pos.maintenance_margin(40_000) == approx(80_000 * 0.005 - 50)


def test_marks_may_be_a_series():
    acct = two_positions("cross")
    marks = {"BTCUSDT": 97_000.0, "ETHUSDT": 3_100.0}
    assert acct.margin_balance(pd.Series(marks)) == acct.margin_balance(marks)


def test_empty_account():
    acct = Account(100)
    assert acct.unrealized_pnl({}) == 0
    assert acct.margin_balance({}) == 100
    assert acct.liquidated({}) == {}


# bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make, arg",
    [
        (lambda: Position("BTCUSDT", "buy", 1, 100, 10), "side"),
        (lambda: Position("BTCUSDT", "long", -1, 100, 10), "quantity"),
        (lambda: Position("BTCUSDT", "long", 1, math.nan, 10), "entry_price"),
        (lambda: Position("BTCUSDT", "long", 1, -100, 10), "entry_price"),
        (lambda: Position("BTCUSDT", "long", 1, 100, 0), "leverage"),
        (lambda: Position("BTCUSDT", "long", 1, 100, 150), "leverage"),
        (lambda: Position("BTCUSDT", "long", 1, 60_000, 125), "leverage"),
        (lambda: Position("BTCUSDT", "long", 1, 100, 10, margin_mode="portfolio"), "margin_mode"),
        (lambda: Position("BTCUSDT", "long", 1, 100, 10, contract="swap"), "contract"),
        (
            lambda: Position("B", "long", 1, 100, 10, margin_mode="isolated", isolated_margin=-1),
            "isolated_margin",
        ),
        (lambda: Position("B", "long", 1, 100, 10, isolated_margin=5), "isolated_margin"),
        (lambda: Position("B", "long", 1, 100, 10, contract="inverse"), "tiers"),
        (lambda: Position("B", "long", 1, 100, 10, contract="inverse", tiers=BINANCE), "tiers"),
        (lambda: Position("B", "long", 1, 100, 10, tiers=0.004), "tiers"),
        (lambda: Position("", "long", 1, 100, 10), "symbol"),
        (lambda: Account(math.nan, []), "wallet_balance"),
        (
            lambda: Account(5, [Position("B", "long", 1, 100, 10, margin_mode="isolated")]),
            "wallet_balance",
        ),
        (
            lambda: Account(
                1e6, [Position("B", "long", 1, 100, 10), Position("B", "short", 1, 100, 10)]
            ),
            "positions",
        ),
        (
            lambda: Account(
                1e6,
                [
                    Position("B", "long", 1, 100, 10),
                    Position("C", "long", 1, 100, 10, contract="inverse", tiers=TierTable.flat(
                        0.01, 50, unit="BTC"
                    )),
                ],
            ),
            "positions",
        ),
        (lambda: Account(100, ["BTCUSDT"]), "positions[0]"),
    ],
)  # fmt: skip
def test_bad_construction_names_the_argument(make, arg):
    with pytest.raises(ValueError) as err:
        make()
    assert str(err.value).startswith(arg), str(err.value)


@pytest.mark.parametrize(
    "marks, text",
    [
        ({"BTCUSDT": 90_000}, "marks must give a mark price for every position"),
        ({"BTCUSDT": 90_000, "ETHUSDT": 3_000, "SOLUSDT": 1}, "marks has symbols"),
        ({"BTCUSDT": -1, "ETHUSDT": 3_000}, "marks['BTCUSDT'] must be greater than 0"),
        ({"BTCUSDT": math.nan, "ETHUSDT": 3_000}, "marks['BTCUSDT'] must be finite"),
        ({"BTCUSDT": [1.0, 2.0], "ETHUSDT": [1.0, 2.0, 3.0]}, "marks must broadcast"),
        ([90_000, 3_000], "marks must be a mapping"),
    ],
)
def test_bad_marks(marks, text):
    acct = two_positions("cross")
    with pytest.raises(ValueError) as err:
        acct.margin_balance(marks)
    assert str(err.value).startswith(text), str(err.value)


def test_bad_definition_and_position_names():
    acct = two_positions("cross")
    marks = {"BTCUSDT": 90_000, "ETHUSDT": 3_000}
    with pytest.raises(ValueError, match=r"^definition must be one of"):
        acct.margin_ratio(marks, "binance")
    with pytest.raises(ValueError, match=r"^position must be one of"):
        acct.margin_ratio(marks, "margin_to_notional", position="SOLUSDT")
    with pytest.raises(ValueError, match=r"^definition must be one of"):
        acct.summary(marks, definition="okx")


# --- bad input that used to pass unchecked or fail unclearly -------------------------
def test_account_errors_name_the_public_argument_and_types():
    acct = two_positions("cross")
    marks = {"BTCUSDT": 90_000, "ETHUSDT": 3_000}
    # Account._index used to say "position must be one of" for an argument called symbol
    with pytest.raises(ValueError, match=r"^symbol must be one of \['BTCUSDT', 'ETHUSDT'\]"):
        acct.with_position("SOLUSDT", quantity=1.0)
    with pytest.raises(TypeError, match=r"^symbol must be one of"):
        acct.liquidation_price(5, marks)
    with pytest.raises(TypeError, match=r"^marks must be a mapping from symbol to mark price"):
        acct.margin_balance([90_000, 3_000])
    with pytest.raises(TypeError, match=r"^positions must be a list of Position objects"):
        Account(10_000, positions=None)
    with pytest.raises(TypeError, match=r"^symbol must be a string, got 5$"):
        Position(5, "long", 1.0, 100.0, 10.0)
