"""Figures of sections 07 (funding) and 08 (risk management)."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from perpmath.funding import funding_over_time
from perpmath.leveraged_tokens import leveraged_token_nav
from perpmath.montecarlo import (
    liquidation_barrier,
    liquidation_probability_grid,
    survival_curve,
)
from perpmath.paths import flash_crash_path, gbm_paths, time_grid
from perpmath.plots.funding import (
    plot_funding_clamp,
    plot_funding_cost,
    plot_funding_history,
    plot_liquidation_drift,
)
from perpmath.plots.risk import (
    plot_leveraged_token,
    plot_liquidation_probability,
    plot_paths_to_liquidation,
    plot_stop_in_gap,
    plot_survival,
)
from perpmath.risk import simulate_exit


def _labelled(fig: Figure) -> None:
    assert isinstance(fig, Figure)
    assert fig._suptitle is not None and fig._suptitle.get_text()
    for ax in fig.axes:
        assert ax.get_xlabel() and ax.get_ylabel()


def test_funding_clamp_puts_hourly_and_8_hour_venues_on_one_8_hour_scale():
    fig = plot_funding_clamp(conventions=("binance", "hyperliquid"))
    _labelled(fig)
    assert fig.axes[0].get_ylabel() == "funding rate over 8 hours (%)"
    binance, hyperliquid = fig.axes[0].lines[:2]
    # inside the clamp both pay the 0.01 % interest rate over 8 hours
    np.testing.assert_allclose(binance.get_ydata()[200], 0.0001)
    np.testing.assert_allclose(hyperliquid.get_ydata()[200], 0.0001)
    assert "8 payments of 1/8" in hyperliquid.get_label()


def test_funding_figures():
    _labelled(plot_funding_clamp(conventions=("binance", "bitmex")))
    fig = plot_funding_cost(0.0001, [5, 50], days=30)
    _labelled(fig)
    steps = fig.axes[0].lines
    # last value of the 50x line: 0.01 % x 90 settlements x 50 = 45 % of margin
    assert steps[1].get_ydata()[-1] == pytest.approx(0.45)
    frame = funding_over_time("long", 96_000.0, 20, np.full(30, 0.0003))
    fig = plot_liquidation_drift(frame)
    _labelled(fig)
    labels = [line.get_label() for line in fig.axes[0].lines]
    assert any(label.startswith("entry") for label in labels)
    with pytest.raises(ValueError, match="funding_over_time"):
        plot_liquidation_drift(frame[["hours"]])


def test_risk_figures():
    path = flash_crash_path(96_000.0, 30, crash_at=10, drop=0.1)
    res = simulate_exit("long", 96_000.0, path, stop=93_000.0)
    fig = plot_stop_in_gap(path, res, entry=96_000.0, stop=93_000.0, liquidation=91_600.0)
    _labelled(fig)
    labels = [line.get_label() for line in fig.axes[0].lines]
    assert any("stop fill $86,400" in label for label in labels)
    assert any(label.startswith("liquidation") for label in labels)

    paths = gbm_paths(96_000.0, 0.6, 7, 56, 30, np.random.default_rng(0))
    liq = float(liquidation_barrier("long", 20)) * 96_000.0
    fan = plot_paths_to_liquidation(paths, time_grid(7, 56), entry=96_000.0, liquidation=liq)
    _labelled(fan)
    # a liquidated path stops at its first touch: none of its points lies beyond the level
    red = [
        ln
        for ln in fan.axes[0].lines
        if ln.get_color() == "#D55E00" and ln.get_linestyle() == "-" and len(ln.get_xdata()) > 1
    ]
    assert red, "some paths should reach the liquidation price"
    for ln in red:
        y = np.asarray(ln.get_ydata())
        assert (y[:-1] > liq).all() and y[-1] <= liq

    curve = survival_curve("long", [5, 20], 0.6, 7, rng=np.random.default_rng(0), n_paths=500)
    _labelled(plot_survival(curve))
    grid = liquidation_probability_grid(
        "long", [5, 20], [0.4, 0.8], 7, rng=np.random.default_rng(0), n_paths=500, n_steps=24
    )
    _labelled(plot_liquidation_probability(grid, closed_form=grid))

    p = gbm_paths(100.0, 0.8, 30, 30, 1, np.random.default_rng(1))[0]
    _labelled(plot_leveraged_token(p, {"3x": leveraged_token_nav(p, 3)}))


def test_funding_history_bars_by_sign_with_the_holding_period_shaded():
    times = ["2021-05-19T00:00Z", "2021-05-19T08:00Z", "2021-05-19T16:00Z"]
    fig = plot_funding_history(
        times, [0.0001, 0.00035813, -0.00089697], held=("2021-05-19T06:00Z", "2021-05-19T12:00Z")
    )
    _labelled(fig)
    ax = fig.axes[0]
    bars = list(ax.containers[0])  # the bar container; the shaded period is a separate patch
    assert [round(b.get_height(), 8) for b in bars] == [0.0001, 0.00035813, -0.00089697]
    assert bars[0].get_facecolor() != bars[2].get_facecolor()  # positive and negative differ
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "position held" in labels and "interest only, 0.01%" in labels
    with pytest.raises(ValueError, match="one rate per settlement"):
        plot_funding_history(times, [0.0001])
    with pytest.raises(ValueError, match="held must be"):
        plot_funding_history(times, [0.0, 0.0, 0.0], held=(times[2], times[0]))
