"""Plot helpers of sections 01-03: every figure is titled, labelled with units,
formats prices, marks levels in the course style, and rejects bad input."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

import perpmath as pm
from perpmath.plots.leverage import (
    plot_liquidation_distance,
    plot_loss_asymmetry,
    plot_position_roe,
    plot_roe_vs_price_move,
)
from perpmath.plots.margin import (
    plot_isolated_vs_cross,
    plot_liquidation_price_changes,
    plot_margin_ratios,
    plot_tier_table,
)
from perpmath.plots.spot import plot_linear_vs_inverse, plot_spot_vs_perpetual
from perpmath.plots.style import LEVEL_STYLES

TIERS = pm.load_tier_table("binance_usdm_btcusdt", date="2021-03-18")
BTC, ETH = 96_000.0, 3_600.0


def _two_accounts():
    def make(mode):
        return pm.Account(
            2_000.0,
            [
                pm.Position("BTCUSDT", "long", 1_000 * 20 / BTC, BTC, 20, margin_mode=mode),
                pm.Position("ETHUSDT", "long", 1_000 * 5 / ETH, ETH, 5, margin_mode=mode),
            ],
        )

    return make("isolated"), make("cross")


def _marks():
    t = np.linspace(0, 1, 61)
    return {"BTCUSDT": BTC * (1 - 0.12 * t), "ETHUSDT": np.full(t.size, ETH)}


def _spot_frame():
    return pm.spot_vs_perpetual(pm.scripted_path(), 1_000, [1, 10], sides=["long", "short"])


FIGURES = {
    "spot_vs_perpetual": lambda: plot_spot_vs_perpetual(
        _spot_frame(), liquidation_prices={"long 10x": 86_747.0}
    ),
    "linear_vs_inverse": lambda: plot_linear_vs_inverse(96_000, np.linspace(50_000, 150_000, 50)),
    "roe_vs_price_move": lambda: plot_roe_vs_price_move(),
    "loss_asymmetry": lambda: plot_loss_asymmetry(),
    "liquidation_distance": lambda: plot_liquidation_distance(maintenance=TIERS),
    "position_roe": lambda: plot_position_roe("long", 96_000, 10, 1_000, maintenance=TIERS),
    "tier_table": lambda: plot_tier_table(TIERS),
    "margin_ratios": lambda: plot_margin_ratios("long", 96_000, 10, 1_000, maintenance=TIERS),
    "isolated_vs_cross": lambda: plot_isolated_vs_cross(*_two_accounts(), _marks()),
    "liquidation_price_changes": lambda: plot_liquidation_price_changes(
        "long", 96_000, 10, 1_000 * 10 / 96_000, maintenance=TIERS
    ),
}


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_is_titled_and_labelled(name):
    fig = FIGURES[name]()
    assert isinstance(fig, Figure)
    assert fig._suptitle is not None and fig._suptitle.get_text()
    for ax in fig.axes:
        assert ax.get_xlabel() and ax.get_ylabel(), f"{name}: unlabelled axis"
    # a figure must render to PNG (what the notebook stores)
    assert fig._repr_png_()[:4] == b"\x89PNG"


PRICE_AXES = {
    # figure name -> (axis index, "x" or "y") holding prices in USDT
    "spot_vs_perpetual": (0, "y"),
    "linear_vs_inverse": (0, "x"),
    "position_roe": (0, "x"),
    "margin_ratios": (0, "x"),
    "liquidation_price_changes": (0, "y"),
}


@pytest.mark.parametrize("name", sorted(PRICE_AXES))
def test_prices_are_formatted(name):
    fig = FIGURES[name]()
    i, which = PRICE_AXES[name]
    axis = fig.axes[i].xaxis if which == "x" else fig.axes[i].yaxis
    assert axis.get_major_formatter()(96_000.0, 0) == "$96,000"


def _lines(fig):
    return [line for ax in fig.axes for line in ax.lines]


@pytest.mark.parametrize(
    ("name", "levels"),
    [
        ("spot_vs_perpetual", ["entry"]),
        ("position_roe", ["entry", "liquidation", "bankruptcy"]),
        ("margin_ratios", ["liquidation"]),
        ("linear_vs_inverse", ["entry"]),
        ("liquidation_price_changes", ["entry"]),
    ],
)
def test_levels_drawn_in_course_style(name, levels):
    lines = _lines(FIGURES[name]())
    for level in levels:
        style = LEVEL_STYLES[level]
        assert any(
            line.get_color() == style["color"] and line.get_linestyle() == style["linestyle"]
            for line in lines
        ), f"{name}: no {level} line in the course style"


def test_spot_vs_perpetual_tells_two_liquidation_levels_apart():
    frame = _spot_frame()
    fig = plot_spot_vs_perpetual(
        frame, liquidation_prices={"long 10x": 86_747.0, "short 10x": 105_179.0}
    )
    ax_p, ax_e = fig.axes
    assert ax_p.get_xlabel() == "time (hours)"
    levels = [ln for ln in ax_p.lines if ln.get_label().startswith("liquidation")]
    assert len(levels) == 2
    assert levels[0].get_color() != levels[1].get_color()
    assert all(ln.get_linestyle() == LEVEL_STYLES["liquidation"]["linestyle"] for ln in levels)
    equity = {ln.get_label(): ln.get_color() for ln in ax_e.lines}
    for ln in levels:
        name = ln.get_label().split(":")[0].removeprefix("liquidation ")
        assert equity[f"perpetual {name}"] == ln.get_color()
    with pytest.raises(ValueError, match="not a column"):
        plot_spot_vs_perpetual(frame, liquidation_prices={"long 3x": 1.0})


def test_position_roe_levels_are_the_right_prices():
    fig = plot_position_roe("long", 96_000, 10, 1_000, maintenance=TIERS)
    labels = [line.get_label() for line in fig.axes[0].lines]
    assert "liquidation $86,747" in labels
    assert "bankruptcy $86,400" in labels
    assert "entry $96,000" in labels


def test_tier_table_shows_continuity():
    fig = plot_tier_table(TIERS)
    ax_mm = fig.axes[0]
    full = next(line for line in ax_mm.lines if line.get_label() == "notional x MMR - amount")
    x, y = np.asarray(full.get_xdata()), np.asarray(full.get_ydata())
    assert np.allclose(y, TIERS.maintenance_margin(x))
    # continuous: no relative jump larger than the grid step anywhere
    assert np.max(np.diff(np.log(y))) < 0.05


def test_isolated_vs_cross_marks_liquidations():
    fig = plot_isolated_vs_cross(*_two_accounts(), _marks())
    texts = [t.get_text() for t in fig.axes[1].texts]
    assert "isolated: BTCUSDT liquidated" in texts
    assert "cross: BTCUSDT, ETHUSDT liquidated" in texts


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: plot_spot_vs_perpetual(pm.scripted_path()), ["frame", "spot_vs_perpetual"]),
        (lambda: plot_linear_vs_inverse(-1, [1.0, 2.0]), ["entry_price", "-1"]),
        (lambda: plot_linear_vs_inverse(96_000, [0.0, 2.0]), ["prices", "0.0"]),
        (lambda: plot_roe_vs_price_move(leverages=(10, 0)), ["leverages", "0"]),
        (lambda: plot_roe_vs_price_move(max_move=0.0), ["max_move"]),
        (lambda: plot_loss_asymmetry(max_loss=1.0), ["max_loss", "1"]),
        (lambda: plot_liquidation_distance([10, 125], maintenance=TIERS), ["125x", "100x"]),
        (lambda: plot_position_roe("up", 96_000, 10, 1_000), ["side", "'up'"]),
        (lambda: plot_position_roe("long", 96_000, 0, 1_000), ["leverage", "0"]),
        (lambda: plot_tier_table("binance"), ["tiers", "TierTable"]),
        (lambda: plot_margin_ratios("long", 96_000, 1, 1_000), ["never liquidated"]),
        (
            lambda: plot_liquidation_price_changes("long", 96_000, 10, float("nan")),
            ["quantity", "nan"],
        ),
    ],
)
def test_bad_input_raises_value_error(call, words):
    with pytest.raises(ValueError) as err:
        call()
    for word in words:
        assert word in str(err.value), (word, str(err.value))


def test_position_roe_stops_at_the_liquidation_price():
    # past the liquidation price the position is closed: its ROE is drawn only as a dashed ghost
    fig = plot_position_roe("short", 96_000, 50, 1_000, maintenance=TIERS)
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.lines}
    lp = pm.liquidation_price("short", 96_000, 50, 1_000 * 50 / 96_000, maintenance=TIERS)
    assert max(lines["ROE"].get_xdata()) <= lp
    ghost = lines["past liquidation (never reached)"]
    assert min(ghost.get_xdata()) > lp and ghost.get_linestyle() == "--"
