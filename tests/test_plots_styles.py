"""One series, one look: a trader or a leverage keeps its color and line style in a
section's static figure and in its explorer, and no axis counts bare steps."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from perpmath import (
    flash_crash_path,
    matched_population,
    scripted_path,
    simulate_exchange,
    spot_vs_perpetual,
)
from perpmath.account import Account, Position
from perpmath.example import RUNNING_EXAMPLE as ex
from perpmath.plots.case_study import (
    FEEDBACK_STYLES,
    plot_book_depth,
    plot_cascade,
    plot_feedback_comparison,
)
from perpmath.plots.margin import plot_isolated_vs_cross
from perpmath.plots.negative_balance import plot_delayed_fill
from perpmath.plots.protection import plot_fund_balance, plot_ledger_check
from perpmath.plots.risk import plot_leveraged_token, plot_stop_in_gap, plot_survival
from perpmath.plots.spot import plot_spot_vs_perpetual
from perpmath.plots.style import (
    LEVERAGE_COLOURS,
    PALETTE,
    leverage_style,
    trader_style,
)
from perpmath.plots.welcome import plot_life_of_a_trade
from perpmath.risk import simulate_exit
from perpmath.widgets.case_study import case_study_explorer
from perpmath.widgets.risk import survival_explorer
from perpmath.widgets.spot import spot_vs_perpetual_explorer


def _look(fig: Figure) -> dict[str, tuple[str, str]]:
    """(color, line style) of every labelled line of a figure, by label."""
    return {
        line.get_label(): (to_hex(line.get_color()), line.get_linestyle())
        for ax in fig.axes
        for line in ax.lines
        if not line.get_label().startswith("_")
    }


def _figure(screen) -> Figure:
    figures = [item for item in screen.shown if isinstance(item, Figure)]
    assert figures, "the explorer drew no figure"
    return figures[-1]


def test_leverage_style_is_fixed_per_leverage():
    assert leverage_style(10) == {"color": PALETTE["orange"], "linestyle": "-"}
    assert len({leverage_style(k)["color"] for k in (1, 2, 5, 10, 20, 50, 100)}) == 7
    assert set(LEVERAGE_COLOURS.values()) <= set(PALETTE.values())
    # a leverage between listed ones: the color below it, dashed, never mistaken for it
    assert leverage_style(7) == {"color": PALETTE["green"], "linestyle": "--"}
    assert leverage_style(125)["linestyle"] == "--"
    for bad in (0, -5, float("nan")):
        with pytest.raises(ValueError, match="leverage"):
            leverage_style(bad)


def test_trader_style_tells_a_long_from_a_short_of_the_same_leverage():
    assert trader_style("long 10x") == leverage_style(10)
    assert trader_style("short 10x") == {"color": PALETTE["vermillion"], "linestyle": "--"}
    assert trader_style("long 10x")["color"] != trader_style("short 10x")["color"]
    for bad in ("10x", "long ten", "flat 10x", ""):
        with pytest.raises(ValueError, match="name"):
            trader_style(bad)


def test_the_running_example_trader_looks_the_same_in_00_01_and_the_explorer(screen):
    path = scripted_path()
    frame = spot_vs_perpetual(
        path, ex.margin, [1, 10], sides=["long", "short"], maintenance=ex.tiers
    )
    static = _look(plot_spot_vs_perpetual(frame.drop(columns="short 1x")))
    welcome = _look(
        plot_life_of_a_trade(
            frame, "long 10x", liquidation=ex.liquidation_price(), bankruptcy=ex.bankruptcy_price()
        )
    )
    spot_vs_perpetual_explorer()
    explored = _look(_figure(screen))
    key = "perpetual long 10x"
    assert static[key] == explored[key] == welcome[key] == (PALETTE["orange"].lower(), "-")
    assert static["perpetual short 10x"] != static[key]


def test_survival_curves_keep_their_leverage_colors_in_the_explorer(screen):
    days = np.linspace(0.0, 7.0, 8)
    curve = pd.DataFrame({f"{k}x": np.linspace(1.0, 0.5, 8) for k in (5, 10, 20, 50)}, index=days)
    static = _look(plot_survival(curve))
    survival_explorer(n_paths=200)
    explored = _look(_figure(screen))
    shared = set(static) & set(explored)
    assert shared >= {"5x", "10x"}
    for label in shared:
        assert static[label] == explored[label], label


@pytest.fixture(scope="module")
def small_runs():
    population = matched_population(20, entry_price=96_000, leverage=(5.0, 75.0), rng=3)
    path = flash_crash_path(96_000, 20, crash_at=5, drop=0.08, crash_steps=3, recovery=0.0)[0]
    calm = simulate_exchange(population, path, book="thin", insurance_fund=50.0)
    cascade = simulate_exchange(population, path, book="thin", insurance_fund=50.0, feedback=True)
    return calm, cascade


def test_a_run_is_drawn_in_its_feedback_style_in_comparison_and_cascade(small_runs):
    calm, cascade = small_runs
    compared = _look(plot_feedback_comparison({"without": calm, "with": cascade}))
    want = {k: (to_hex(s["color"]), s["linestyle"]) for k, s in FEEDBACK_STYLES.items()}
    assert compared["mark: without"] == want[False]
    assert compared["mark: with"] == want[True]
    assert _look(plot_cascade(cascade))["mark price (with feedback)"] == want[True]
    assert _look(plot_cascade(calm))["mark price (without feedback)"] == want[False]


def test_the_case_study_explorer_draws_its_mark_like_the_comparison(screen):
    case_study_explorer()
    look = _look(_figure(screen))
    style = FEEDBACK_STYLES[True]  # the explorer starts with feedback on
    assert look["mark price (with feedback)"] == (to_hex(style["color"]), style["linestyle"])


#: A step axis must give a time unit or say that a step is not a time.
_TIME = re.compile(r"time \((seconds|minutes|hours|days|UTC)")


def _step_axes_are_honest(fig: Figure) -> None:
    for ax in fig.axes:
        label = ax.get_xlabel()
        if not label:  # a twin axis shares its neighbour's label
            continue
        assert label.strip().lower() not in {"step", "day", "steps"}, label
        if "step" in label or "day" in label:
            assert _TIME.search(label) or "not a time" in label, label


def test_no_figure_counts_bare_steps(small_runs):
    calm, cascade = small_runs
    figures = [
        plot_cascade(cascade),
        plot_cascade(cascade, step_minutes=12.0),
        plot_feedback_comparison({"run": calm}),
        plot_feedback_comparison({"run": calm}, step_minutes=1.0),
        plot_fund_balance({"run": calm}),
        plot_ledger_check(calm, step_minutes=1.0),
        plot_book_depth([0, 1, 2], [96_000, 95_000, 94_000], [5.0, 3.0, 1.0]),
        plot_book_depth([0, 1, 2], [96_000, 95_000, 94_000], [5.0, 3.0, 1.0], step_minutes=1.0),
        plot_delayed_fill(
            [96_000, 95_000, 94_000, 93_000], 1, 2, liquidation=94_500, bankruptcy=94_000
        ),
        plot_leveraged_token([100.0, 110.0, 100.0], {"+3x": [1.0, 1.3, 1.03]}),
    ]
    prices = np.array([96_000.0, 95_000.0, 90_000.0, 89_000.0])
    exit_ = simulate_exit("long", 96_000.0, prices, stop=93_000.0)
    figures.append(plot_stop_in_gap(prices, exit_, entry=96_000.0, stop=93_000.0))
    positions = [Position("BTCUSDT", "long", 0.1, 96_000, 10, tiers=ex.tiers)]
    account = Account(2_000.0, positions)
    figures.append(
        plot_isolated_vs_cross(account, account, {"BTCUSDT": np.linspace(96_000, 90_000, 5)})
    )
    for fig in figures:
        _step_axes_are_honest(fig)
    assert "12-minute" in plot_cascade(cascade, step_minutes=12.0).axes[1].get_ylabel()
