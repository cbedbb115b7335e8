"""Explorers of sections 05, 06 and 09: they build, react to their controls, stay quick,
and report impossible settings as a message instead of a traceback."""

from __future__ import annotations

import ipywidgets as w
import pytest

from perpmath.exchange import matched_population, simulate_exchange
from perpmath.plots.protection import payers
from perpmath.venue_rules import VENUE_RULES
from perpmath.widgets._common import controls_of
from perpmath.widgets.case_study import NOTIONAL_SCALE, case_study_explorer, small_replay_inputs
from perpmath.widgets.negative_balance import liquidation_fill_explorer, liquidation_fill_summary
from perpmath.widgets.protection import (
    _PAIRS,
    LOSS_SCALE,
    REGIMES,
    protection_crash,
    protection_explorer,
)

# name -> (factory, control to change and its new value)
EXPLORERS = {
    "negative_balance": (liquidation_fill_explorer, ("gap", 1_000)),
    "negative_balance_depth": (liquidation_fill_explorer, ("depth", 0.1)),
    "negative_balance_leverage": (liquidation_fill_explorer, ("leverage", 20)),
    "protection_fund": (protection_explorer, ("insurance_fund", 40_000)),
    "protection_regime": (protection_explorer, ("regime", "no protection")),
    "protection_crash": (protection_explorer, ("drop", 0.12)),
    "case_study_drop": (case_study_explorer, ("drop", 0.1)),
    "case_study_delay": (case_study_explorer, ("delay", 4)),
}


@pytest.mark.parametrize(
    "make", [liquidation_fill_explorer, protection_explorer, case_study_explorer]
)
def test_explorer_builds_and_draws_a_figure(make, screen):
    box = make()
    assert isinstance(box, w.VBox)
    assert isinstance(box.output, w.Output)
    state = screen.state()
    assert any(isinstance(p, tuple) for p in state), "the explorer drew no figure"
    assert "Not possible" not in screen.text


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_changing_a_control_changes_the_output(name, screen):
    make, (control, value) = EXPLORERS[name]
    box = make()
    before = screen.state()
    controls = controls_of(box)
    assert controls[control].value != value
    controls[control].value = value
    after = screen.state()
    assert after and after != before


def test_negative_balance_explorer_reports_the_deficit(screen):
    box = liquidation_fill_explorer()
    screen.state()
    assert "left over (Binance-style venues pay it into the insurance fund" in screen.text
    controls_of(box)["gap"].value = 1_000
    screen.state()
    assert "worse than bankruptcy" in screen.text


def test_negative_balance_explorer_reports_a_book_too_small(screen):
    box = liquidation_fill_explorer(quantity=5.0, profile="thinning")
    controls = controls_of(box)
    controls["depth"].value = controls["depth"].min
    controls["gap"].value = controls["gap"].max
    screen.state()
    assert "Not possible with these settings" in screen.text
    assert "Choose a deeper book" in screen.text and "allow_partial" not in screen.text
    assert "Traceback" not in screen.text


def test_liquidation_fill_summary_agrees_with_the_bankruptcy_price():
    out, book, lp = liquidation_fill_summary(profile="thin", gap=1_000)
    assert out.bankruptcy_price == pytest.approx(94_080.0)
    assert out.deficit == pytest.approx(max(0.0, 94_080.0 - out.vwap))
    assert book.best_bid < lp - 1_000
    with pytest.raises(ValueError, match="profile"):
        liquidation_fill_summary(profile="bottomless")


def test_protection_explorer_regimes_and_crash():
    assert set(REGIMES) == {
        "insurance fund only",
        "fund, then ADL",
        "fund, then socialized loss",
        "no protection",
    }
    path = protection_crash(0.06)
    assert path[0] == pytest.approx(96_000.0)
    assert path.min() == pytest.approx(96_000.0 * 0.97 * 0.94)


def test_protection_explorer_text_changes_with_regime(screen):
    box = protection_explorer()
    screen.state()
    assert "accounts deleveraged" in screen.text
    assert "0 accounts deleveraged" not in screen.text  # ADL fires in the default crash
    controls_of(box)["regime"].value = "no protection"
    screen.state()
    assert "0 accounts deleveraged" in screen.text


def test_small_replay_inputs_is_a_crash():
    population, path = small_replay_inputs(0.3)
    assert len(population) == 200
    assert path.size == 61
    assert path.min() < 0.75 * path[0]


def _regime_loss(regime: str, rules: str) -> float:
    population = matched_population(
        _PAIRS, entry_price=96_000.0, leverage=(5.0, 75.0), quantity=(0.05, 1.0), rng=11
    )
    crash = protection_crash(0.15)  # the crash slider's deepest setting
    result = simulate_exchange(
        population, crash, insurance_fund=0.0, book="thinning", rules=rules, **REGIMES[regime]
    )
    return float(payers(result).sum())


def test_protection_scale_holds_the_deepest_crash_of_every_regime_and_venue():
    losses = [_regime_loss(regime, rules) for regime in REGIMES for rules in VENUE_RULES]
    assert max(losses) <= LOSS_SCALE
    assert max(losses) > 0.8 * LOSS_SCALE  # not so tall that the bars are lost


@pytest.mark.parametrize(
    "settings",
    [
        {"drop": 0.5, "depth": 10.0},
        {"drop": 0.5, "depth": 0.1},
        {"drop": 0.5, "depth": 0.1, "delay": 10},
        {"drop": 0.5, "depth": 0.1, "rules": "hyperliquid"},
        {"drop": 0.5, "depth": 10.0, "rules": "hyperliquid"},
    ],
)
def test_case_study_scales_hold_the_sliders_extremes(settings):
    box = case_study_explorer(**settings)
    history = box._view.shown.axes[0].lines[0].get_ydata()
    low, high = box._view.shown.axes[0].get_ylim()
    assert low <= min(history) and max(history) <= high
    notional = box._view.shown.axes[1]
    tallest = max(max(p.get_data().values) for p in notional.patches)
    assert tallest <= notional.get_ylim()[1] == NOTIONAL_SCALE
