"""Liquidation and bankruptcy prices: published worked examples, identities, errors.

Every published number below is quoted with the page it comes from. Where a
venue publishes a formula but no worked number (OKX, BitMEX, Hyperliquid in
the pages we could find), the test checks the formula's defining identity
instead: at the liquidation price the margin balance equals the venue's
maintenance requirement.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from perpmath.conventions import get_convention
from perpmath.liquidation import (
    bankruptcy_price,
    distance_to_bankruptcy,
    distance_to_liquidation,
    hedge_liquidation_price,
    liquidation_price,
    liquidation_price_after,
    liquidation_price_details,
)
from perpmath.tiers import TierTable, load_tier_table

BTC = load_tier_table("binance_usdm_btcusdt", date="2021-03-18")


def linear_equity(side, qty, entry, price, margin):
    s = 1.0 if side == "long" else -1.0
    return margin + s * qty * (price - entry)


def inverse_equity(side, qty, cs, entry, price, margin):
    s = 1.0 if side == "long" else -1.0
    return margin + s * qty * cs * (1.0 / entry - 1.0 / price)


# --------------------------------------------------------------------------
# Published worked examples
# --------------------------------------------------------------------------


def test_binance_usdm_cross_example():
    # Binance FAQ "How to avoid liquidation" (25edcd7fe0e544839d0847b8cbb2e400):
    # wallet balance 500 USDT, long BTCUSDT worth 1,000 USDT at 50,000 with 20x
    # -> "your liquidation price will be $25,100.40".
    lp = liquidation_price(
        "long",
        50_000,
        20,
        1_000 / 50_000,
        margin_mode="cross",
        wallet_balance=500,
        convention="binance_usdm",
    )
    assert lp == pytest.approx(25_100.40, abs=0.005)
    # the plain formula (no rounding) with the same tier table agrees to the cent
    plain = liquidation_price(
        "long", 50_000, 20, 0.02, margin_mode="cross", wallet_balance=500, maintenance=BTC
    )
    assert round(plain, 2) == 25_100.40


def test_bybit_usdt_isolated_examples():
    # Bybit "Liquidation Price (USDT Contract)", Example 1: long 1 BTC at 20,000 USDT,
    # 50x, MMR 0.5%: IM 400, MM 100, LP = 20,000 - (400 - 100) = 19,700 USDT.
    assert liquidation_price("long", 20_000, 50, 1.0, convention="bybit_linear") == 19_700.0
    # Earlier version of the same page (Isolated Margin): long 1 BTC at 10,000 with 50x,
    # LP = 10,000 x (1 - 2% + 0.5%) = 9,850; short 1 BTC at 8,000 with 40x,
    # LP = 8,000 x (1 + 2.5% - 0.5%) = 8,160.
    assert liquidation_price("long", 10_000, 50, 1.0, convention="bybit_linear") == 9_850.0
    assert liquidation_price("short", 8_000, 40, 1.0, convention="bybit_linear") == 8_160.0


def test_bybit_usdt_extra_margin_moves_price_away():
    # Same page: "- Extra Margin Added / Position Size" for a long.
    base = liquidation_price("long", 20_000, 50, 2.0, convention="bybit_linear")
    more = liquidation_price("long", 20_000, 50, 2.0, convention="bybit_linear", margin=800 + 200)
    assert base == 19_700.0
    assert more == pytest.approx(19_700.0 - 200 / 2.0)


def test_bybit_usdt_bankruptcy_example():
    # Bybit "Bankruptcy Price (USDT Contract)": long 1 BTC at 10,000 USDT with 50x,
    # BP = 10,000 x (1 - 2%) = 9,800 USDT.
    assert bankruptcy_price("long", 10_000, 50, convention="bybit_linear") == 9_800.0
    assert bankruptcy_price("short", 10_000, 50) == 10_200.0


def test_bybit_inverse_cross_example_with_fee_in_bankruptcy():
    # Bybit "How to calculate Liquidation Price (Inverse Contract)", cross margin:
    # balance 0.5 BTC, long 10,000 contracts at 8,000 USD, MMR 0.5%, taker 0.075%:
    # BP = 1.00075 x 10,000 / (10,000/8,000 + 0.5) = 5,718.57 and LP = 5,739.50
    # (the liquidation price shown on the 0.5 USD tick, rounded up for a long).
    conv = dataclasses.replace(get_convention("bybit_inverse"), taker_fee=0.00075)
    kw = dict(margin_mode="cross", wallet_balance=0.5, convention=conv)
    bp = bankruptcy_price("long", 8_000, 50, quantity=10_000, **kw)
    assert bp == pytest.approx(5_718.57, abs=0.005)
    assert liquidation_price("long", 8_000, 50, 10_000, **kw) == 5_739.50
    # without the fee to close, the bankruptcy price is the plain inverse one
    plain = bankruptcy_price(
        "long", 8_000, 50, "inverse", quantity=10_000, margin_mode="cross", wallet_balance=0.5
    )
    assert plain == pytest.approx(10_000 / (10_000 / 8_000 + 0.5))
    assert plain < bp


def test_dydx_v4_isolated_example():
    # dYdX v4 docs, "Liquidations" (Isolated Liquidation Price): deposit 1,000 USD,
    # short 3 ETH at 3,000, MMF 5%: p' = (1000 + 9000) / (0.15 + 3) = 3,174.60.
    lp = liquidation_price(
        "short", 3_000, 9, 3.0, margin=1_000, maintenance=0.05, convention="dydx_v4"
    )
    assert lp == pytest.approx(3_174.60, abs=0.005)


def test_syllabus_claim_1_bankruptcy_at_50x():
    # A long at 96,000 with 50x is bankrupt at 96,000 x (1 - 1/50) = 94,080.
    assert bankruptcy_price("long", 96_000, 50) == pytest.approx(94_080.0)
    lp = liquidation_price("long", 96_000, 50, 1.0, maintenance=BTC)
    assert 94_080 < lp < 96_000


# --------------------------------------------------------------------------
# Identities for venues without a published worked number
# --------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["long", "short"])
def test_okx_taker_rate_added_to_maintenance(side):
    # OKX isolated margin ratio = (margin + PnL) / (notional x (MMR + fee rate)):
    # at the liquidation price that ratio is exactly 100%.
    conv = get_convention("okx")
    q, e, lev = 0.5, 96_000.0, 20
    lp = liquidation_price(side, e, lev, q, convention="okx")
    eq = linear_equity(side, q, e, lp, q * e / lev)
    assert eq == pytest.approx(q * lp * (conv.maintenance_rate + conv.taker_fee), rel=1e-12)
    plain = liquidation_price(side, e, lev, q, maintenance=conv.maintenance_rate)
    assert abs(lp - e) < abs(plain - e)  # the fee term liquidates a little earlier


@pytest.mark.parametrize("side", ["long", "short"])
def test_bitmex_inverse_maintenance_plus_taker(side):
    # BitMEX: maintenance requirement = value x (0.5% + 0.075% taker), value in XBT at
    # the mark; prices shown on the 0.5 USD tick, on the side of the entry.
    conv = get_convention("bitmex")
    q, e, lev = 10_000, 96_000.0, 25
    unrounded = liquidation_price(
        side, e, lev, q, convention=dataclasses.replace(conv, rounding="none")
    )
    eq = inverse_equity(side, q, 1.0, e, unrounded, q / e / lev)
    assert eq == pytest.approx(q / unrounded * (conv.maintenance_rate + conv.taker_fee))
    shown = liquidation_price(side, e, lev, q, convention="bitmex")
    assert shown % 0.5 == 0
    assert abs(shown - unrounded) < 0.5
    assert (shown >= unrounded) if side == "long" else (shown <= unrounded)


@pytest.mark.parametrize("side", ["long", "short"])
@pytest.mark.parametrize("lev", [3, 10, 40])
def test_hyperliquid_docs_formula(side, lev):
    # Hyperliquid docs "Liquidations":
    # liq_price = price - side x margin_available / position_size / (1 - l x side),
    # l = 1 / maintenance leverage, maintenance leverage = 2 x max leverage (40x for BTC),
    # margin_available = isolated margin - maintenance margin required.
    sgn = 1 if side == "long" else -1
    q, e = 2.0, 96_000.0
    inv_maint_lev = 1 / (2 * 40)
    margin_available = q * e / lev - q * e * inv_maint_lev
    docs = e - sgn * margin_available / q / (1 - inv_maint_lev * sgn)
    assert liquidation_price(side, e, lev, q, convention="hyperliquid") == pytest.approx(docs)


def test_binance_coinm_isolated_identity():
    # Binance COIN-M: LP = Q x CS x (MMR + side) / (WB + cum + side x Q x CS / EP),
    # BTCUSD 100 USD contracts; at LP the isolated balance equals the maintenance margin.
    q, e, lev = 50, 96_000.0, 20
    unrounded = dataclasses.replace(get_convention("binance_coinm"), rounding="none")
    lp = liquidation_price("long", e, lev, q, convention=unrounded)
    wb = q * 100 / e / lev
    eq = inverse_equity("long", q, 100, e, lp, wb)
    assert eq == pytest.approx(q * 100 / lp * 0.004, abs=q * 100 / lp * 0.004 * 1e-5)


# --------------------------------------------------------------------------
# Tiers chosen at the liquidation price
# --------------------------------------------------------------------------


def _bisect_root(f, lo, hi, n=200):
    flo = f(lo)
    for _ in range(n):
        mid = 0.5 * (lo + hi)
        if (f(mid) > 0) == (flo > 0):
            lo, flo = mid, f(mid)
        else:
            hi = mid
    return 0.5 * (lo + hi)


@pytest.mark.parametrize(
    ("side", "qty", "lev"),
    [
        ("long", 0.6, 3),  # 57,600 USDT at entry (tier 2), ~38,600 at LP (tier 1)
        ("long", 30.0, 10),  # 2.88 M at entry (tier 4), tier 4 at LP
        ("short", 0.5, 2),  # 48,000 at entry (tier 1), ~71,700 at LP (tier 2)
        ("short", 9.0, 20),  # 864,000 (tier 3) -> above 900,000 at LP (tier 3)
        ("long", 100.0, 5),  # 9.6 M (tier 4) -> 7.7 M at LP
    ],
)
def test_tier_found_at_liquidation_price_matches_brute_force(side, qty, lev):
    e = 96_000.0
    m = qty * e / lev
    lp = liquidation_price(side, e, lev, qty, maintenance=BTC)

    def gap(p):
        return linear_equity(side, qty, e, p, m) - BTC.maintenance_margin(qty * p)

    lo, hi = (1.0, e) if side == "long" else (e, 10 * e)
    assert lp == pytest.approx(_bisect_root(gap, lo, hi), rel=1e-9)


def test_tier_at_entry_would_be_wrong():
    # Entry notional 57,600 USDT is in tier 2 (MMR 0.5%, amount 50); at the
    # liquidation price the notional is in tier 1 (MMR 0.4%). Using the entry tier
    # gives a different price; the exchange's rule is the liquidation-price tier.
    lp = liquidation_price("long", 96_000, 3, 0.6, maintenance=BTC)
    entry_tier = liquidation_price(
        "long", 96_000, 3, 0.6, maintenance=TierTable.from_rates([1e9], [125], [0.005])
    )
    assert BTC.tier_index(0.6 * lp) == 0
    assert lp != pytest.approx(entry_tier, abs=1.0)


def test_continuity_across_tier_edge():
    # maintenance amounts make the requirement continuous, so the liquidation
    # price moves continuously as the size crosses a tier edge
    e, lev = 50_000.0, 10
    edge_qty = 50_000 / (e * (1 - 1 / lev) / (1 - 0.004))  # LP notional = 50,000 exactly
    below = liquidation_price("long", e, lev, edge_qty * (1 - 1e-9), maintenance=BTC)
    above = liquidation_price("long", e, lev, edge_qty * (1 + 1e-9), maintenance=BTC)
    assert above == pytest.approx(below, rel=1e-6)


# --------------------------------------------------------------------------
# Cross margin, hedge mode, inverse, margin changes
# --------------------------------------------------------------------------


def test_cross_other_positions_terms():
    # WB - TMM1 + UPNL1: other positions' maintenance margin brings the price closer,
    # their unrealised profit pushes it away.
    kw = dict(margin_mode="cross", wallet_balance=2_000, maintenance=BTC)
    alone = liquidation_price("long", 96_000, 10, 0.2, **kw)
    with_mm = liquidation_price("long", 96_000, 10, 0.2, other_maintenance=300, **kw)
    with_profit = liquidation_price("long", 96_000, 10, 0.2, other_unrealized_pnl=500, **kw)
    assert with_mm > alone > with_profit
    # other maintenance 300 and profit 300 cancel
    both = liquidation_price(
        "long", 96_000, 10, 0.2, other_maintenance=300, other_unrealized_pnl=300, **kw
    )
    assert both == pytest.approx(alone)


def test_cross_with_initial_margin_as_wallet_equals_isolated():
    iso = liquidation_price("short", 96_000, 25, 0.3, maintenance=BTC)
    cross = liquidation_price(
        "short",
        96_000,
        25,
        0.3,
        margin_mode="cross",
        wallet_balance=0.3 * 96_000 / 25,
        maintenance=BTC,
    )
    assert cross == pytest.approx(iso)


def test_hedge_mode_identity_and_one_sided_case():
    # Binance hedge mode (cross): one price for the LONG and the SHORT of a symbol.
    wb, ql, el, qs, es = 3_000.0, 0.5, 96_000.0, 0.3, 98_000.0
    lp = hedge_liquidation_price(wb, ql, el, qs, es, maintenance=BTC)
    equity = wb + ql * (lp - el) - qs * (lp - es)
    mm = BTC.maintenance_margin(ql * lp) + BTC.maintenance_margin(qs * lp)
    assert equity == pytest.approx(mm)
    # with no SHORT it is the one-way cross formula
    one = hedge_liquidation_price(wb, ql, el, 0.0, 1.0, maintenance=BTC)
    assert one == pytest.approx(
        liquidation_price(
            "long", el, 20, ql, margin_mode="cross", wallet_balance=wb, maintenance=BTC
        )
    )


def test_hedge_mode_inverse_identity():
    wb, ql, el, qs, es, cs = 0.2, 300, 96_000.0, 100, 97_000.0, 100.0
    lp = hedge_liquidation_price(
        wb, ql, el, qs, es, maintenance=0.004, contract="inverse", contract_size=cs
    )
    equity = wb + ql * cs * (1 / el - 1 / lp) - qs * cs * (1 / es - 1 / lp)
    assert equity == pytest.approx((ql + qs) * cs / lp * 0.004)


def test_inverse_short_at_1x_is_never_liquidated():
    # an inverse short at 1x holds exactly the coin it is short: its equity in coin
    # never reaches 0, so both prices are documented as inf (never NaN)
    assert bankruptcy_price("short", 96_000, 1, "inverse") == np.inf
    assert liquidation_price("short", 96_000, 1, 100, contract="inverse") == np.inf
    assert distance_to_bankruptcy("short", 96_000, 1, "inverse") == np.inf
    # at 2x the bankruptcy price is twice the entry
    assert bankruptcy_price("short", 96_000, 2, "inverse") == pytest.approx(192_000)


def test_inverse_bankruptcy_closed_forms():
    e = 96_000.0
    for lev in (2, 5, 10, 100):
        assert bankruptcy_price("long", e, lev, "inverse") == pytest.approx(e * lev / (lev + 1))
        assert bankruptcy_price("short", e, lev, "inverse") == pytest.approx(e * lev / (lev - 1))


def test_linear_long_at_1x_never_liquidated_returns_zero():
    assert bankruptcy_price("long", 96_000, 1) == 0.0
    assert liquidation_price("long", 96_000, 1, 1.0, maintenance=0.004) == pytest.approx(0.0)
    assert distance_to_liquidation("long", 96_000, 1, 1.0) == pytest.approx(1.0)


def test_distances_claim_2():
    # "The maximum adverse move is 100% / leverage": that is the distance to
    # bankruptcy; liquidation comes earlier by about the maintenance rate.
    for lev in (10, 50, 100):
        d_b = distance_to_bankruptcy("long", 96_000, lev)
        # 0.1 BTC stays in the first tier (MMR 0.4%, no maintenance amount)
        d_l = distance_to_liquidation("long", 96_000, lev, 0.1, maintenance=BTC)
        assert d_b == pytest.approx(1 / lev)
        assert d_l < d_b
        assert d_l == pytest.approx((1 / lev - 0.004) / (1 - 0.004))


def test_margin_keyword_adds_margin_and_moves_price_away():
    base = liquidation_price("long", 96_000, 20, 0.5)
    im = 0.5 * 96_000 / 20
    assert liquidation_price("long", 96_000, 20, 0.5, margin=im) == pytest.approx(base)
    more = liquidation_price("long", 96_000, 20, 0.5, margin=im + 1_000)
    assert more == pytest.approx(base - 1_000 / (0.5 * (1 - 0.004)))
    short_more = liquidation_price("short", 96_000, 20, 0.5, margin=im + 1_000)
    assert short_more > liquidation_price("short", 96_000, 20, 0.5)


def test_liquidation_price_after_margin_and_size_changes():
    args = ("long", 96_000, 20, 1.0)
    base = liquidation_price(*args)
    assert liquidation_price_after(*args, add_margin=500) < base
    # isolated, margin released with the size: same effective leverage, same price
    assert liquidation_price_after(*args, reduce_quantity=0.5) == pytest.approx(base)
    # isolated, margin kept on a smaller position: further away
    assert liquidation_price_after(*args, reduce_quantity=0.5, release_margin=False) < base
    # cross: the wallet now backs a smaller position
    cross = dict(margin_mode="cross", wallet_balance=10_000)
    c0 = liquidation_price(*args, **cross)
    assert liquidation_price_after(*args, reduce_quantity=0.5, **cross) < c0
    assert liquidation_price_after(*args, add_margin=1_000, **cross) < c0
    # closing part at a loss realises it: the remaining cross position is less safe
    # than closing the same part at entry
    at_loss = liquidation_price_after(*args, reduce_quantity=0.5, close_price=94_000, **cross)
    at_entry = liquidation_price_after(*args, reduce_quantity=0.5, **cross)
    assert at_loss > at_entry


def test_conventions_differ_by_name():
    prices = {
        name: liquidation_price("long", 96_000, 20, 0.1, convention=name)
        for name in ("binance_usdm", "bybit_linear", "okx", "hyperliquid", "dydx_v4")
    }
    assert len(set(prices.values())) == len(prices)
    plain = liquidation_price("long", 96_000, 20, 0.1)  # first tier: 0.4%, like the default
    assert prices["binance_usdm"] == pytest.approx(plain, abs=0.005)


def test_convention_contract_defaults_and_mismatch():
    inv = liquidation_price("long", 96_000, 20, 1_000, convention="bitmex")
    assert inv == liquidation_price(
        "long", 96_000, 20, 1_000, convention="bitmex", contract="inverse"
    )
    with pytest.raises(ValueError, match="does not match convention"):
        liquidation_price("long", 96_000, 20, 1.0, convention="bitmex", contract="linear")


# --------------------------------------------------------------------------
# Scalars and arrays
# --------------------------------------------------------------------------


def test_scalar_and_array_agree():
    sides = np.array(["long", "short", "long", "short"])
    entries = np.array([96_000.0, 96_000.0, 50_000.0, 3_000.0])
    levs = np.array([10.0, 50.0, 3.0, 20.0])
    qtys = np.array([0.5, 2.0, 40.0, 10.0])
    arr = liquidation_price(sides, entries, levs, qtys, maintenance=BTC)
    assert isinstance(arr, np.ndarray)
    for i in range(4):
        one = liquidation_price(sides[i], entries[i], levs[i], qtys[i], maintenance=BTC)
        assert isinstance(one, float)
        assert arr[i] == pytest.approx(one, rel=1e-15)
    bps = bankruptcy_price(sides, entries, levs)
    assert bps[1] == bankruptcy_price("short", 96_000.0, 50.0)


def test_broadcasting_over_leverage_grid():
    levs = np.arange(2, 101)
    lp = liquidation_price("long", 96_000, levs, 0.1, maintenance=BTC)
    assert lp.shape == levs.shape
    assert np.all(np.diff(lp) > 0)  # more leverage, closer liquidation


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(side="sideways"), "side"),
        (dict(entry_price=-1.0), "entry_price"),
        (dict(entry_price=float("nan")), "entry_price"),
        (dict(leverage=0.0), "leverage"),
        (dict(quantity=0.0), "quantity"),
        (dict(leverage=126.0, quantity=0.1, maintenance=BTC), "126x exceeds the maximum 125x"),
        (dict(quantity=30.0, leverage=50.0, maintenance=BTC), "exceeds the maximum 20x"),
        (dict(leverage=300.0), "liquidated at its own entry price"),
        (dict(maintenance=1.5), "maintenance"),
        (dict(contract="quanto"), "contract"),
        (dict(convention="ftx"), "convention"),
        (dict(margin=-5.0), "margin"),
        (dict(margin_mode="portfolio"), "margin_mode"),
        (dict(margin_mode="cross"), "wallet_balance"),
        (dict(wallet_balance=1_000.0), "margin_mode='cross'"),
        (dict(taker_fee=0.001), "taker_fee"),
        (dict(mark_price=90_000.0), "already at or past the liquidation price"),
    ],
)
def test_bad_input_raises_clear_errors(kwargs, match):
    args = dict(side="long", entry_price=96_000.0, leverage=20.0, quantity=1.0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        liquidation_price(
            args.pop("side"),
            args.pop("entry_price"),
            args.pop("leverage"),
            args.pop("quantity"),
            **args,
        )


def test_mark_price_on_the_safe_side_is_accepted():
    lp = liquidation_price("short", 96_000, 20, 1.0, mark_price=97_000)
    with pytest.raises(ValueError, match="already at or past"):
        liquidation_price("short", 96_000, 20, 1.0, mark_price=lp + 1)


def test_array_error_names_index():
    with pytest.raises(ValueError, match="index 1"):
        liquidation_price("long", [96_000, -1.0], 10)


def test_bad_input_other_functions():
    with pytest.raises(ValueError, match="reduce_quantity"):
        liquidation_price_after("long", 96_000, 10, 1.0, reduce_quantity=1.0)
    with pytest.raises(ValueError, match="both be 0"):
        hedge_liquidation_price(1_000, 0.0, 96_000, 0.0, 96_000)
    with pytest.raises(ValueError, match="contract"):
        bankruptcy_price("long", 96_000, 10, "quanto")
    with pytest.raises(ValueError, match="exceeds the largest tier"):
        # a short whose notional at the liquidation price leaves the table
        liquidation_price("short", 96_000, 1.0, 5_000.0, maintenance=BTC)


COIN_TABLE = TierTable.from_rates(
    [5, 10, 20, 50, 100],
    [125, 100, 50, 20, 10],
    [0.004, 0.005, 0.01, 0.025, 0.05],
    name="coin_tiers_example",
    unit="BTC",
)


@pytest.mark.parametrize(
    ("side", "contracts", "lev"),
    [
        ("long", 5_000, 10),  # 5.2 BTC at entry (tier 2) -> 5.7 BTC at LP (tier 2)
        ("long", 4_600, 3),  # 4.8 BTC at entry (tier 1) -> 6.4 BTC at LP (tier 2)
        ("short", 5_200, 4),  # 5.4 BTC at entry (tier 2) -> 4.1 BTC at LP (tier 1)
        ("short", 30_000, 20),  # 31 BTC (tier 4)
    ],
)
def test_inverse_tier_search_matches_brute_force(side, contracts, lev):
    # coin-margined: notional in BTC = contracts x 100 / price falls as the price rises,
    # so a long's notional grows towards its liquidation price and a short's shrinks
    e, cs = 96_000.0, 100.0
    m = contracts * cs / e / lev
    lp = liquidation_price(
        side, e, lev, contracts, maintenance=COIN_TABLE, contract="inverse", contract_size=cs
    )

    def gap(p):
        return inverse_equity(side, contracts, cs, e, p, m) - COIN_TABLE.maintenance_margin(
            contracts * cs / p
        )

    lo, hi = (e / 10, e) if side == "long" else (e, 10 * e)
    assert lp == pytest.approx(_bisect_root(gap, lo, hi), rel=1e-9)


# --- bad input that used to pass unchecked or fail unclearly -------------------------
def test_an_argument_of_the_other_margin_mode_is_refused_not_ignored():
    # isolated mode returned 90.36 for other_maintenance=nan, ignoring it
    with pytest.raises(ValueError) as err:
        liquidation_price("long", 100, 10, other_maintenance=np.nan)
    assert str(err.value) == (
        "other_maintenance applies only with margin_mode='cross'; leave it at 0.0 otherwise, "
        "got nan"
    )
    with pytest.raises(ValueError, match=r"^other_unrealized_pnl applies only with margin_mode="):
        liquidation_price("long", 100, 10, other_unrealized_pnl=-50.0)
    with pytest.raises(ValueError, match=r"^other_unrealized_pnl applies only with margin_mode="):
        bankruptcy_price("long", 100, 10, other_unrealized_pnl=np.inf)
    # left at its default it is fine; in cross mode it is checked like any other argument
    assert liquidation_price("long", 100, 10, other_maintenance=0.0) == liquidation_price(
        "long", 100, 10
    )
    with pytest.raises(ValueError, match=r"^other_maintenance must be 0 or more, got -1\.0$"):
        liquidation_price(
            "long", 100, 10, margin_mode="cross", wallet_balance=50, other_maintenance=-1.0
        )
    with pytest.raises(ValueError, match=r"^wallet_balance applies only with margin_mode='cross'"):
        liquidation_price_after("long", 100, 10, wallet_balance=np.nan)
    with pytest.raises(ValueError, match=r"^margin applies only with margin_mode='isolated'"):
        liquidation_price("long", 100, 10, margin_mode="cross", wallet_balance=50, margin=5)


def test_release_margin_is_a_flag_not_a_word():
    with pytest.raises(TypeError, match=r"^release_margin must be True or False, got 'no'$"):
        liquidation_price_after("long", 100, 10, reduce_quantity=0.5, release_margin="no")


def test_mismatched_lengths_name_the_arguments():
    with pytest.raises(ValueError, match=r"^entry_price and leverage must have matching lengths"):
        liquidation_price("long", [100, 101], [10, 20, 30])
    with pytest.raises(ValueError, match=r"^long_quantity and short_quantity must have matching"):
        hedge_liquidation_price(1_000, [1.0, 2.0], 100, [0.5, 0.5, 0.5], 100)


# --------------------------------------------------------------------------
# Contract size, table units, known brackets, cross without leverage
# --------------------------------------------------------------------------


def test_linear_contract_size_counts_contracts_in_coin():
    # Two contracts of 0.5 BTC are one BTC: long at 20,000 with 3,000 USDT of margin
    # (MMR 0.4%) is liquidated at (20,000 - 3,000) / 0.996 = 17,068.27, not at the
    # 18,574.30 of two whole BTC.
    lp = liquidation_price("long", 20_000, None, 2, margin=3_000, contract_size=0.5)
    assert lp == pytest.approx(17_068.27, abs=0.005)
    assert lp == liquidation_price("long", 20_000, None, 1, margin=3_000)
    bp = bankruptcy_price("long", 20_000, None, quantity=2, margin=3_000, contract_size=0.5)
    assert bp == pytest.approx(17_000.0)
    # with leverage, the margin is the notional of the coin held / leverage
    assert liquidation_price("short", 96_000, 10, 4, contract_size=0.25) == pytest.approx(
        liquidation_price("short", 96_000, 10, 1.0)
    )


def test_table_units_must_match_the_contract():
    # an inverse position priced with a USDT table would use coin notional against USDT
    # brackets: refused, whether the table says its family or only its unit
    with pytest.raises(ValueError, match=r"is for linear contracts; this position is inverse"):
        liquidation_price("long", 96_000, 10, 100, contract="inverse", maintenance=BTC)
    usdt = TierTable.from_rates([50_000, 250_000], [125, 100], [0.004, 0.005])
    with pytest.raises(ValueError, match=r"counts notional in USDT; an inverse position"):
        liquidation_price("long", 96_000, 10, 100, contract="inverse", maintenance=usdt)
    with pytest.raises(ValueError, match=r"counts notional in BTC; a linear position"):
        liquidation_price("long", 96_000, 10, 1.0, maintenance=COIN_TABLE)
    kraken = load_tier_table("kraken_inverse_btcusd")
    with pytest.raises(ValueError, match=r"is for inverse contracts; this position is linear"):
        liquidation_price("long", 96_000, 10, 1.0, maintenance=kraken)


@pytest.mark.parametrize(
    ("margin_mode", "wallet", "qty", "entry", "rate", "amount", "expected"),
    [
        # freqtrade tests/exchange/test_binance.py (test_liquidation_price_binance), from
        # Binance's published calculation example: isolated BTCUSDT, 109.488 BTC at
        # 32,481.98, wallet 1,535,443.01, MMR 2.5%, amount 16,300 -> 18,778.73;
        # ETHUSDT 3,683.979 ETH at 1,456.84, MMR 10%, amount 135,365 -> 1,114.78.
        ("isolated", 1_535_443.01, 109.488, 32_481.98, 0.025, 16_300.0, 18_778.73),
        ("isolated", 1_535_443.01, 3_683.979, 1_456.84, 0.10, 135_365.0, 1_114.78),
    ],
)
def test_binance_example_with_a_known_bracket(
    margin_mode, wallet, qty, entry, rate, amount, expected
):
    lp = liquidation_price(
        "long", entry, None, qty, margin=wallet, maintenance=rate, maintenance_amount=amount
    )
    assert round(lp, 2) == expected


def test_binance_cross_example_with_other_positions():
    # Same source, cross margin: the other position's maintenance margin (TMM1) and
    # unrealised PnL (UPNL1) at their mark prices 31,967.27 (BTC) and 1,335.18 (ETH).
    wb = 1_535_443.01
    btc = dict(qty=109.488, entry=32_481.98, mark=31_967.27, rate=0.025, amount=16_300.0)
    eth = dict(qty=3_683.979, entry=1_456.84, mark=1_335.18, rate=0.10, amount=135_365.0)

    def mm(p):
        return p["qty"] * p["mark"] * p["rate"] - p["amount"]

    def upnl(p):
        return p["qty"] * (p["mark"] - p["entry"])

    for this, other, expected in ((btc, eth, 26_316.89), (eth, btc, 1_153.26)):
        lp = liquidation_price(
            "long",
            this["entry"],
            None,  # leverage does not enter the cross formula
            this["qty"],
            margin_mode="cross",
            wallet_balance=wb,
            other_maintenance=mm(other),
            other_unrealized_pnl=upnl(other),
            maintenance=this["rate"],
            maintenance_amount=this["amount"],
        )
        assert round(lp, 2) == expected


def test_isolated_without_leverage_or_margin_is_refused():
    with pytest.raises(ValueError, match=r"needs leverage .* or margin="):
        liquidation_price("long", 96_000, None, 1.0)
    with pytest.raises(ValueError, match=r"maintenance_amount goes with a maintenance rate"):
        liquidation_price("long", 96_000, 10, maintenance=BTC, maintenance_amount=50)
    with pytest.raises(ValueError, match=r"^maintenance_amount must be 0 or more"):
        liquidation_price("long", 96_000, 10, maintenance=0.005, maintenance_amount=-1)


# --------------------------------------------------------------------------
# Gate, Bitget, Kraken, Deribit
# --------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["long", "short"])
def test_gate_formula_with_taker_fee_in_the_maintenance_term(side):
    # Gate, "Calculation of liquidation price": LP = (EP -/+ margin / multiplier / size) /
    # [1 -/+ (MMR + taker rate)], "-" for a long; BTC_USDT multiplier 0.0001 BTC.
    sgn = 1 if side == "long" else -1
    e, contracts, lev, mmr, fee = 96_000.0, 25_000, 25, 0.004, 0.0005
    margin = contracts * 0.0001 * e / lev
    expected = (e - sgn * margin / 0.0001 / contracts) / (1 - sgn * (mmr + fee))
    lp = liquidation_price(side, e, lev, contracts, convention="gate", maintenance=mmr)
    assert lp == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("side", ["long", "short"])
def test_bitget_formula_with_taker_fee(side):
    # Bitget, "Estimated liquidation price" (isolated): (margin - size x entry x direction)
    # / (size x (MMR + taker fee rate - direction)).
    d = 1 if side == "long" else -1
    e, size, margin, mmr, fee = 96_000.0, 0.8, 4_000.0, 0.004, 0.0006
    expected = (margin - size * e * d) / (size * (mmr + fee - d))
    lp = liquidation_price(side, e, None, size, margin=margin, convention="bitget", maintenance=mmr)
    assert lp == pytest.approx(expected, rel=1e-12)


def test_kraken_inverse_schedule_valued_at_entry():
    # Kraken: maintenance margin of each level's contracts valued in BTC at the entry price.
    # 1,000,000 contracts long at 96,000 with 20x: MM = (500,000 x 1% + 500,000 x 2%) / EP.
    q, e, lev = 1_000_000, 96_000.0, 20
    lp = liquidation_price("long", e, lev, q, convention="kraken_inverse")
    equity = q / e / lev + q * (1 / e - 1 / lp)
    assert equity == pytest.approx((500_000 * 0.01 + 500_000 * 0.02) / e)
    d = liquidation_price_details("long", e, lev, q, convention="kraken_inverse")
    assert d.tier == 2 and d.maintenance_amount == pytest.approx(5_000)  # 500,000 x 1%
    assert d.tier_table == "kraken_inverse_btcusd" and d.tier_table_date == "2025-04-04"


def test_deribit_maintenance_grows_with_size():
    # Deribit, "Linear Perpetual": maintenance margin 1% + size in BTC x 0.005%; a 25 BTC
    # position needs 1.125% (28,125 USDC at 100,000).
    lp = liquidation_price("long", 100_000, 10, 25, convention="deribit_linear")
    equity = 25 * 100_000 / 10 + 25 * (lp - 100_000)
    assert equity == pytest.approx(25 * lp * 0.01125)
    d = liquidation_price_details("long", 100_000, 10, 25, convention="deribit_linear")
    assert d.maintenance_rate == pytest.approx(0.01125)


# --------------------------------------------------------------------------
# Intermediate values by name, margin taken out
# --------------------------------------------------------------------------


def test_details_name_every_value_that_made_the_price():
    d = liquidation_price_details("long", 96_000, 20, 30.0, maintenance=BTC)
    assert d.liquidation_price == liquidation_price("long", 96_000, 20, 30.0, maintenance=BTC)
    assert d.tier == 4 and d.maintenance_rate == 0.025 and d.maintenance_amount == 16_300
    assert d.tier_table_date == "2021-03-18"
    assert d.initial_margin == pytest.approx(30 * 96_000 / 20)
    assert d.margin == pytest.approx(d.initial_margin)
    # at the liquidation price the margin balance equals the maintenance margin shown
    eq = d.margin + 30 * (d.liquidation_price - 96_000)
    assert eq == pytest.approx(d.maintenance_margin)
    assert d.as_dict()["settlement"] == "USDT"
    conv = liquidation_price_details("long", 96_000, 20, 1.0, convention="okx")
    assert conv.fee_in_maintenance == get_convention("okx").taker_fee
    fee = dataclasses.replace(get_convention("bybit_inverse"), taker_fee=0.00075)
    inv = liquidation_price_details(
        "long", 8_000, 50, 10_000, margin_mode="cross", wallet_balance=0.5, convention=fee
    )
    assert inv.liquidation_price == 5_739.50
    assert inv.bankruptcy_price == pytest.approx(5_718.57, abs=0.005)
    assert inv.close_fee_reserved == pytest.approx(10_000 / inv.bankruptcy_price * 0.00075)
    with pytest.raises(ValueError, match=r"^entry_price must be a single number"):
        liquidation_price_details("long", [96_000, 97_000], 20)


def test_funding_paid_out_of_margin_moves_the_price_towards_entry():
    base = liquidation_price("long", 96_000, 20, 1.0)
    paid = liquidation_price_after("long", 96_000, 20, 1.0, add_margin=-200)
    assert paid == pytest.approx(base + 200 / (1 - 0.004))
    with pytest.raises(ValueError, match="margin left after the change must be greater than 0"):
        liquidation_price_after("long", 96_000, 20, 1.0, add_margin=-5_000)


# --------------------------------------------------------------------------
# Other open projects' test tables, reproduced
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("convention", "side", "expected"),
    [
        # freqtrade tests/freqtradebot/test_freqtradebot.py (test_execute_entry), freqtrade/
        # freqtrade @ e703fec3aff4bab1344abf47bb66f017dfc21057: 30 coin of ETH/USDT at 10 with
        # 5x (margin 60), maintenance rate 1% and
        # amount 0.01, taker fee 0.06% (its market fixture), no liquidation buffer.
        (None, "short", 11.88151815181518),
        (None, "long", 8.080471380471382),
        # Gate and OKX add the taker rate to the maintenance rate (freqtrade ignores the
        # maintenance amount there, as Gate's and OKX's formulas have none)
        ("gate", "short", 11.87413417771621),
        ("gate", "long", 8.085708510208207),
        ("okx", "short", 11.87413417771621),
        ("okx", "long", 8.085708510208207),
    ],
)
def test_freqtrade_execute_entry_table(convention, side, expected):
    kwargs = dict(margin=60.0, maintenance=0.01)
    if convention is None:
        kwargs["maintenance_amount"] = 0.01
    else:
        kwargs.update(convention=convention, taker_fee=0.0006, contract_size=1.0)
    lp = liquidation_price(side, 10.0, None, 30.0, **kwargs)
    assert lp == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("side", "expected"), [("short", 11.9), ("long", 8.1)])
def test_freqtrade_execute_entry_table_bybit(side, expected):
    # same source, Bybit: LP = EP -/+ (IM - MM) / size with MM valued at entry, 5x
    assert liquidation_price(side, 10.0, 5, 30.0, maintenance=0.01, convention="bybit_linear") == (
        pytest.approx(expected, rel=1e-12)
    )


# freqtrade tests/exchange/test_hyperliquid.py (test_hyperliquid_dry_run_liquidation_price,
# freqtrade/freqtrade @ 3b1fb5af847863302393b0413321642d454e35a5): the liquidation prices
# Hyperliquid itself returned for these positions (entry, side, size, collateral), with the
# markets' maximum leverage of the time: BTC and ETH 50x, SOL and DOGE 20x, the HIP-3 stock
# markets 10x; maintenance = half the initial margin at that leverage. freqtrade compares
# with rel=1e-4 (the venue rounds collateral and sizes); so does this test.
HYPERLIQUID_POSITIONS = [
    ("ETH", 2458.5, "long", 0.015, 36.864593, 0.86915825),
    ("BTC", 63287.0, "long", 0.00039, 24.673292, 22.37166537),
    ("SOL", 146.82, "long", 0.16, 23.482979, 0.05269872),
    ("SOL", 145.83, "long", 0.33, 24.045107, 74.83696193),
    ("ETH", 2459.5, "long", 0.0199, 24.454895, 1243.0411908),
    ("BTC", 62739.0, "long", 0.00077, 24.137992, 31708.03843631),
    ("DOGE", 0.11586, "long", 437.0, 25.29769, 0.05945697),
    ("ETH", 2642.8, "short", 0.019, 25.091876, 3924.18322043),
    ("SOL", 155.89, "short", 0.32, 24.924941, 228.07847866),
    ("DOGE", 0.14333, "short", 351.0, 25.136807, 0.20970228),
    ("BTC", 68595.0, "short", 0.00069, 23.64871, 101849.99354283),
    ("BTC", 65536.0, "short", 0.00099, 21.604172, 86493.46174617),
    ("SOL", 173.06, "long", 0.6, 20.735658, 142.05186667),
    ("ETH", 2545.5, "long", 0.0329, 20.909894, 1929.23322895),
    ("BTC", 67400.0, "short", 0.00031, 20.887308, 133443.97317151),
    ("ETH", 2552.0, "short", 0.0327, 20.833393, 3157.53150453),
    ("BTC", 66930.0, "long", 0.0015, 20.043862, 54108.51043771),
    ("BTC", 67033.0, "long", 0.00121, 20.251817, 50804.00091827),
    ("ETH", 2521.9, "long", 0.0237, 19.902091, 1699.14071943),
    ("BTC", 68139.0, "short", 0.00145, 19.72573, 80933.61590987),
    ("SOL", 178.29, "short", 0.11, 19.605036, 347.82205322),
    ("SOL", 176.23, "long", 0.33, 19.364946, 120.56240404),
    ("SOL", 173.08, "short", 0.33, 19.01881, 225.08561715),
    ("BTC", 68240.0, "short", 0.00105, 17.887922, 84431.79820839),
    ("ETH", 2518.4, "short", 0.007, 17.62263, 4986.05799151),
    ("ETH", 2533.2, "long", 0.0347, 17.555195, 2047.7642302),
    ("DOGE", 0.13284, "long", 360.0, 15.943218, 0.09082388),
    ("SOL", 163.11, "short", 0.48, 15.650731, 190.94213618),
    ("BTC", 67141.0, "long", 0.00067, 14.979079, 45236.52992613),
    ("XYZ-AAPL", 250.0, "long", 0.5, 25.0, 210.5263157894737),
    ("XYZ-GOOGL", 190.0, "short", 0.5, 9.5, 199.04761904761904),
    ("XYZ-TSLA", 350.0, "long", 1.0, 50.0, 315.7894736842105),
]
HYPERLIQUID_MAX_LEVERAGE = {"BTC": 50, "ETH": 50, "SOL": 20, "DOGE": 20}


@pytest.mark.parametrize("margin_mode", ["isolated", "cross"])
def test_hyperliquid_liquidation_prices_from_freqtrades_table(margin_mode):
    coin, entry, side, size, collateral, expected = zip(*HYPERLIQUID_POSITIONS, strict=True)
    max_lev = np.array([HYPERLIQUID_MAX_LEVERAGE.get(c, 10) for c in coin], dtype=float)
    money = {"margin": collateral} if margin_mode == "isolated" else {"wallet_balance": collateral}
    lp = liquidation_price(
        list(side),
        list(entry),
        None,
        list(size),
        margin_mode=margin_mode,
        maintenance=1 / (2 * max_lev),
        convention="hyperliquid",
        **money,
    )
    assert lp == pytest.approx(np.array(expected), rel=1e-4)


def test_octobot_inverse_position_table():
    # OctoBot-Trading tests/personal_data/positions/types/test_inverse_position.py
    # (Drakkar-Software/OctoBot-Trading @ 063b8fd09628c6f3819ea84c10d8894a2a1fb910): 100
    # contracts of 1 USD at 100, maintenance rate 1%, no fee, Bybit's inverse rule
    # (maintenance valued at entry). Isolated liquidation at 1x: 50.2512..., short 10,000.
    octo = dataclasses.replace(
        get_convention("bybit_inverse"), name="octobot", taker_fee=0.0, rounding="none"
    )
    kw = dict(maintenance=0.01, convention=octo)
    assert liquidation_price("long", 100, 1, 100, **kw) == pytest.approx(
        50.25125628140703518113600205, rel=1e-15
    )
    assert liquidation_price("short", 100, 1, 100, **kw) == pytest.approx(10_000.0, rel=1e-15)
    # At 100x the initial margin (1%) equals the maintenance margin: OctoBot returns the
    # entry price, perpmath refuses the position (no venue opens it: at 1% maintenance the
    # risk limit allows less than 100x).
    with pytest.raises(ValueError, match="liquidated at its own entry price"):
        liquidation_price("long", 100, 100, 100, **kw)
    # bankruptcy prices: 50 and 99.0099... (long 1x, 100x), 101.0101... (short 100x)
    for side, lev, expected in (
        ("long", 1, 50.0),
        ("long", 100, 99.00990099009900990099009901),
        ("short", 100, 101.0101010101010101010101010),
    ):
        bp = bankruptcy_price(side, 100, lev, "inverse", quantity=100)
        assert bp == pytest.approx(expected, rel=1e-15)
    # an inverse short at 1x never goes bankrupt: OctoBot writes 0, perpmath inf
    assert bankruptcy_price("short", 100, 1, "inverse", quantity=100) == np.inf


def test_bankruptcy_price_names_its_keyword_only_quantity():
    with pytest.raises(TypeError, match=r"takes quantity by name"):
        bankruptcy_price("long", 96_000, 10, 2)


def test_details_of_a_position_never_liquidated_hold_no_nan():
    # an inverse short at 1x never reaches its liquidation price (infinite); the requirement
    # at that price is 0, where it used to be NaN
    d = liquidation_price_details("short", 96_000, 1, 100, contract="inverse")
    assert d.liquidation_price == np.inf and d.maintenance_margin == 0.0
    assert not any(isinstance(x, float) and np.isnan(x) for x in d.as_dict().values())
