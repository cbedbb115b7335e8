"""Explorers of sections 01-03: they build, react to their controls, and report
impossible settings as a message instead of a traceback."""

from __future__ import annotations

import ipywidgets as w
import pytest

from perpmath.widgets._common import controls_of
from perpmath.widgets.leverage import leverage_explorer
from perpmath.widgets.margin import isolated_vs_cross_explorer
from perpmath.widgets.spot import spot_vs_perpetual_explorer

EXPLORERS = {
    # name: (factory, kwargs, (control, new value), impossible settings)
    "spot": (
        spot_vs_perpetual_explorer,
        {},
        ("leverage", 20),
        {"capital": 1_000_000, "leverage": 125},
    ),
    "leverage": (leverage_explorer, {}, ("leverage", 25), {"margin": 100_000, "leverage": 125}),
    "margin": (isolated_vs_cross_explorer, {}, ("btc_move", -5.0), {"wallet": 500.0}),
}


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_explorer_builds_and_shows_something(name, screen):
    make, kwargs, _, _ = EXPLORERS[name]
    box = make(**kwargs)
    assert isinstance(box, w.VBox)
    assert isinstance(box.output, w.Output)
    state = screen.state()
    assert any(isinstance(p, tuple) for p in state), "the explorer drew no figure"
    assert "Not possible" not in screen.text


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_changing_a_control_changes_the_output(name, screen):
    make, kwargs, (control, value), _ = EXPLORERS[name]
    box = make(**kwargs)
    before = screen.state()
    controls = controls_of(box)
    assert controls[control].value != value
    controls[control].value = value
    after = screen.state()
    assert after and after != before


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_impossible_combination_shows_a_message(name, screen):
    make, kwargs, _, impossible = EXPLORERS[name]
    box = make(**kwargs)
    controls = controls_of(box)
    for key, value in impossible.items():
        controls[key].value = value
    screen.state()
    assert "Not possible with these settings" in screen.text
    assert "Traceback" not in screen.text


def test_spot_explorer_reports_liquidation(screen):
    box = spot_vs_perpetual_explorer()
    screen.state()
    assert "liquidated at hour" in screen.text  # 10x long on the scripted crash (hourly prices)
    controls_of(box)["side"].value = "short"
    screen.state()
    assert "never liquidated" in screen.text


def test_leverage_explorer_reports_distances(screen):
    box = leverage_explorer()
    screen.state()
    assert "liquidation comes 3.6% earlier than bankruptcy" in screen.text  # 10x, 1,000 USDT
    controls_of(box)["leverage"].value = 100
    screen.state()
    # 100,000 USDT of notional: tier 2 (0.5%) of the running example's table (2024-06-28);
    # the newest table (2025-12-26) would put it in tier 1 and show 39.8%
    assert "liquidation comes 44.7% earlier" in screen.text


def test_margin_explorer_cross_loses_everything_on_a_12_percent_fall(screen):
    box = isolated_vs_cross_explorer()
    screen.state()
    assert "isolated: final equity 1,000.00 USDT; liquidated: BTCUSDT" in screen.text
    assert "cross: final equity 0.00 USDT; liquidated: BTCUSDT, ETHUSDT" in screen.text
    controls_of(box)["btc_move"].value = -6.0
    screen.state()
    assert "cross: final equity 800.00 USDT; liquidated: none" in screen.text


def test_explorers_price_with_the_running_example_dated_table(screen):
    # 5,000 USDT at 75x is 375,000 USDT of notional: tier 2 (up to 100x) in the table
    # dated 2024-06-28, but over the 50x of tier 3 in the 2021-03-18 table
    from perpmath.example import RUNNING_EXAMPLE as ex
    from perpmath.liquidation import liquidation_price

    box = leverage_explorer()
    controls = controls_of(box)
    controls["margin"].value = 5_000.0
    controls["leverage"].value = 75
    screen.state()
    assert "Not possible" not in screen.text
    lp = liquidation_price("long", 96_000, 75, 5_000 * 75 / 96_000, maintenance=ex.tiers)
    assert f"{lp:,.2f}" in screen.text
    box = spot_vs_perpetual_explorer()
    controls = controls_of(box)
    controls["capital"].value = 5_000.0
    controls["leverage"].value = 75
    screen.state()
    assert "Not possible" not in screen.text
