"""Figures of section 04 (perpmath.plots.liquidation)."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from perpmath.liquidation import liquidation_price
from perpmath.liquidation_map import liquidation_map, random_population
from perpmath.markprice import wick_demo
from perpmath.plots.liquidation import (
    plot_liquidation_levels,
    plot_liquidation_map,
    plot_liquidation_vs_leverage,
    plot_stepwise_trace,
    plot_wick,
)
from perpmath.stepwise import liquidation_trace


def _labels(fig: Figure) -> list[str]:
    return [str(line.get_label()) for ax in fig.axes for line in ax.lines]


def _check_common(fig: Figure) -> None:
    assert isinstance(fig, Figure)
    assert fig._suptitle is not None and fig._suptitle.get_text()
    for ax in fig.axes:
        assert ax.get_xlabel() and ax.get_ylabel()
    fig._repr_png_()  # renders without error


def test_liquidation_vs_leverage_one_line_per_size_and_bankruptcy():
    fig = plot_liquidation_vs_leverage(96_000, [0.5, 5, 20])
    _check_common(fig)
    labels = _labels(fig)
    assert sum("BTC" in lab for lab in labels) == 3
    assert any("bankruptcy" in lab for lab in labels)
    ax = fig.axes[0]
    line = ax.lines[0]
    # the first size (tier 1) goes up to 125x; its values are the library's
    x, y = line.get_xdata(), line.get_ydata()
    assert x.max() == pytest.approx(125)
    assert y[0] == pytest.approx(liquidation_price("long", 96_000, x[0], 0.5, maintenance=None))


def test_liquidation_vs_leverage_stops_at_tier_max():
    fig = plot_liquidation_vs_leverage(96_000, [20.0])
    assert fig.axes[0].lines[0].get_xdata().max() <= 20


def test_wick_figure_states_verdicts_and_marks_liquidation():
    demo = wick_demo()
    fig = plot_wick(demo)
    _check_common(fig)
    assert "does not" in fig._suptitle.get_text()
    assert any(lab.startswith("liquidation") for lab in _labels(fig))
    assert {"mark price", "last price", "index (median)"} <= set(_labels(fig))


def test_stepwise_figure_two_panels():
    trace = liquidation_trace("long", 96_000, 30, 91_500, 144_000)
    fig = plot_stepwise_trace(trace)
    _check_common(fig)
    assert len(fig.axes) == 2
    assert len(fig.axes[0].patches) == len(trace)
    with pytest.raises(ValueError, match="liquidation_trace"):
        plot_stepwise_trace(trace[["action"]])


def test_liquidation_map_figure_bars_match_bins():
    pop = random_population(2_000, seed=5)
    m = liquidation_map(
        pop["side"], pop["entry"], pop["leverage"], pop["size"], price=96_000, bins=30
    )
    fig = plot_liquidation_map(m)
    _check_common(fig)
    assert len(fig.axes[0].patches) == 60
    assert any("current price" in lab for lab in _labels(fig))
    assert any("already liquidated" in lab for lab in _labels(fig))
    assert f"{int(m.live.sum()):,} open positions" in fig._suptitle.get_text()
    with pytest.raises(ValueError, match="LiquidationMap"):
        plot_liquidation_map(pop)


@pytest.mark.parametrize("side", ["long", "short"])
def test_levels_figure(side):
    lp = liquidation_price(side, 96_000, 50)
    bp = 94_080.0 if side == "long" else 97_920.0
    fig = plot_liquidation_levels(side, 96_000, lp, bp)
    _check_common(fig)
    labels = _labels(fig)
    assert any(lab.startswith("liquidation $") for lab in labels)
    assert any(lab.startswith("bankruptcy $") for lab in labels)
