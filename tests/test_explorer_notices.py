"""Each explorer's **Notice** line holds when a learner does what its **Try** line says.

The notebooks print these sentences above the explorers; the explorers print
their numbers under the figure. Each test follows the Try line of one section
with the explorer's own controls and checks the Notice against the text the
explorer shows, so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

import html
import re

import pytest
from matplotlib.figure import Figure

from perpmath.example import RUNNING_EXAMPLE
from perpmath.widgets._common import controls_of
from perpmath.widgets.case_study import case_study_explorer
from perpmath.widgets.funding import funding_explorer
from perpmath.widgets.leverage import leverage_explorer
from perpmath.widgets.liquidation import liquidation_explorer
from perpmath.widgets.margin import isolated_vs_cross_explorer
from perpmath.widgets.negative_balance import liquidation_fill_explorer
from perpmath.widgets.protection import protection_explorer
from perpmath.widgets.risk import stop_gap_explorer, survival_explorer
from perpmath.widgets.spot import spot_vs_perpetual_explorer


def _set(screen, box, **values) -> str:
    """Set the named controls one by one (as a learner does); the text under the figure now."""
    controls = controls_of(box)
    for name, value in values.items():
        controls[name].value = value
    return html.unescape(re.sub(r"<[^>]+>", "\n", box.text.value))


def _figure(screen) -> Figure:
    """The figure of the last redraw."""
    return next(item for item in reversed(screen.shown) if isinstance(item, Figure))


def _number(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in {text!r}"
    return float(match.group(1).replace(",", ""))


def test_01_a_larger_position_dies_earlier_and_21x_is_refused(screen):
    box = spot_vs_perpetual_explorer()
    hours = {}
    for leverage in range(2, 12):
        text = _set(screen, box, leverage=leverage)
        if "liquidated at hour" in text:
            hours.setdefault("lowest", leverage)
    assert hours["lowest"] == 8  # the lowest leverage the dip ends
    small = _number(r"liquidated at hour (\d+)", _set(screen, box, leverage=10))
    large = _number(r"liquidated at hour (\d+)", _set(screen, box, capital=5_000_000))
    assert large < small
    assert "Not possible" not in _set(screen, box, leverage=20)
    assert "exceeds the maximum" in _set(screen, box, leverage=21)


def test_02_the_lost_room_and_the_tier_change_at_100x(screen):
    box = leverage_explorer()
    at_10 = _number(r"comes ([\d.]+)% earlier", _set(screen, box, leverage=10))
    text = _set(screen, box, leverage=100)
    at_100 = _number(r"comes ([\d.]+)% earlier", text)
    assert at_10 < 5 and 40 < at_100 < 50  # a sliver, then almost half
    tier_2 = _number(r"liquidation at ([\d,.]+)", text)
    tier_1 = _number(r"liquidation at ([\d,.]+)", _set(screen, box, margin=100))
    assert tier_1 != tier_2  # same leverage, another tier


def test_03_isolated_keeps_the_eth_margin_and_a_wallet_moves_only_cross(screen):
    box = isolated_vs_cross_explorer()
    text = _set(screen, box, btc_move=-10)
    assert "isolated: final equity 1,000.00" in text and "cross: final equity 0.00" in text
    text = _set(screen, box, wallet=10_000)
    assert "cross: final equity 8,000.00 USDT; liquidated: none" in text
    assert "isolated: final equity 9,000.00 USDT; liquidated: BTCUSDT" in text


def test_04_tiers_widen_the_gap_cross_moves_it_and_hyperliquid_liquidates_earlier(screen):
    box = liquidation_explorer()
    assert f"liquidation {RUNNING_EXAMPLE.liquidation_price():,.2f}" in _set(screen, box)
    gaps = []
    for size in (1, 10, 100):
        text = _set(screen, box, leverage=50, size=size)
        lp = _number(r"liquidation ([\d,.]+) ", text)
        bp = _number(r"bankruptcy ([\d,.]+) ", text)
        gaps.append(lp - bp)
    assert gaps == sorted(gaps) and gaps[0] < gaps[-1]
    assert "Not possible" not in _set(screen, box, size=125)
    assert "exceeds the maximum" in _set(screen, box, size=126)
    isolated_bp = 96_000 * (1 - 1 / 50)
    text = _set(screen, box, size=1, margin_mode="cross")
    assert _number(r"liquidation ([\d,.]+) ", text) < isolated_bp
    _set(screen, box, margin_mode="isolated", tiers="exchange default", leverage=20)
    moves = {
        venue: _number(r"\(([\d.]+)% from entry\), bank", _set(screen, box, exchange=venue))
        for venue in ("binance_usdm", "bybit_linear", "hyperliquid")
    }
    assert moves["hyperliquid"] < min(moves["binance_usdm"], moves["bybit_linear"])
    long_text = _set(screen, box, exchange="binance_coinm")
    short_text = _set(screen, box, side="short")
    assert "bankruptcy 91,428.57 (4.76% from entry)" in long_text
    assert "bankruptcy 101,052.63 (5.26% from entry)" in short_text


def test_05_the_deficit_appears_once_the_gap_passes_the_cushion_in_either_book(screen):
    box = liquidation_fill_explorer(quantity=RUNNING_EXAMPLE.quantity_at(50), leverage=50)
    first = next(g for g in range(0, 1_001, 50) if "deficit" in _set(screen, box, gap=g))
    assert first == 400  # the cushion is about 378 USDT
    assert "deficit" in _set(screen, box, profile="deep")
    assert "deficit" not in _set(screen, box, gap=350)
    cushions = []
    for leverage in (50, 20, 10):
        text = _set(screen, box, leverage=leverage)
        cushions.append(
            _number(r"liquidation \$([\d,.]+)", text) - _number(r"bankruptcy \$([\d,.]+)", text)
        )
    assert max(cushions) - min(cushions) < 0.1 * max(cushions)  # about as wide


def test_06_a_larger_fund_pays_more_and_the_loss_to_cover_grows(screen):
    box = protection_explorer()
    deleveraged, to_cover = [], []
    for fund in (0, 10_000, 20_000, 40_000):
        text = _set(screen, box, insurance_fund=fund)
        deleveraged.append(_number(r"(\d+) accounts deleveraged", text))
        to_cover.append(float(_figure(screen).axes[0].patches[0].get_height()))
    assert deleveraged == sorted(deleveraged, reverse=True) and deleveraged[-1] == 0
    assert to_cover == sorted(to_cover) and to_cover[-1] > 1.3 * to_cover[0]
    assert _number(r"-> ([\d,]+) USDT", _set(screen, box, insurance_fund=60_000, drop=0.08)) == 0


def test_07_the_same_drift_at_every_leverage_liquidates_sooner_when_the_margin_is_thin(screen):
    box = funding_explorer()
    _set(screen, box, rate_pct=0.05)
    shares = {}
    for leverage in (5, 20):
        text = _set(screen, box, leverage=leverage)
        shares[leverage] = _number(r"= ([\d.]+)% of", text)
    assert shares[20] == pytest.approx(4 * shares[5])  # the same payment, a quarter of the margin
    assert "liquidates it after 10.3 days" in _set(screen, box, leverage=50)
    assert "receives" in _set(screen, box, rate_pct=-0.05)
    assert "pays" in _set(screen, box, side="short")
    assert "receives" in _set(screen, box, rate_pct=0.05)


def test_08_the_fill_follows_the_gap_until_the_liquidation_price_is_inside_it(screen):
    box = stop_gap_explorer()
    fills = [_number(r"stop fills at ([\d,]+)", _set(screen, box, drop_pct=g)) for g in (5, 10, 15)]
    assert fills == sorted(fills, reverse=True)  # at 5x the stop fills, lower as the gap grows
    assert "the stop never acts" in _set(screen, box, leverage=10)


def test_08_survival_jumps_matter_most_at_low_leverage(screen):
    box = survival_explorer()
    at_25 = _number(r"on ([\d.]+)% of", _set(screen, box, leverage=25, days=30))
    at_3 = _number(r"on ([\d.]+)% of", _set(screen, box, leverage=3))
    at_3_jumps = _number(r"on ([\d.]+)% of", _set(screen, box, jumps=True))
    at_25_jumps = _number(r"on ([\d.]+)% of", _set(screen, box, leverage=25))
    assert at_3_jumps - at_3 > 2 * abs(at_25_jumps - at_25)


def test_09_a_thinner_book_parts_the_mark_from_the_outside_price_by_a_few_hundred(screen):
    box = case_study_explorer()

    def gap(text: str) -> float:
        return _number(r"outside price of ([\d,]+)", text) - _number(r"lowest mark ([\d,]+)", text)

    thin = gap(_set(screen, box, depth=0.1))
    assert gap(_set(screen, box, depth=1.0)) < thin and 150 < thin < 300
    binance_thin = _number(r"lowest mark ([\d,]+)", _set(screen, box, depth=0.1))
    assert _number(r"lowest mark ([\d,]+)", _set(screen, box, rules="hyperliquid")) > binance_thin
    assert gap(_set(screen, box, feedback=False)) == 0
