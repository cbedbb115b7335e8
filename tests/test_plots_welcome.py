"""The opening figure of section 00: the life of a liquidated trade."""

from __future__ import annotations

import pytest

import perpmath as pm
from perpmath.example import RUNNING_EXAMPLE as ex
from perpmath.plots.style import LEVEL_STYLES
from perpmath.plots.welcome import plot_life_of_a_trade


def _frame():
    return pm.spot_vs_perpetual(
        pm.scripted_path(), ex.margin, [ex.leverage], sides=[ex.side], maintenance=ex.tiers
    )


def test_two_stacked_panels_with_levels_and_numbered_story():
    fig = plot_life_of_a_trade(
        _frame(), "long 10x", liquidation=ex.liquidation_price(), bankruptcy=ex.bankruptcy_price()
    )
    ax_p, ax_e = fig.axes
    assert fig._suptitle.get_text().endswith("(simulated price path)")
    assert ax_e.get_xlabel() == "time (hours)" and ax_p.get_ylabel() == "BTC price (USDT)"
    assert ax_e.get_ylabel() == "equity (USDT)"
    labels = [ln.get_label() for ln in ax_p.lines]
    assert "liquidation $86,747" in labels and "bankruptcy $86,400" in labels
    for level in ("entry", "liquidation", "bankruptcy"):
        style = LEVEL_STYLES[level]
        assert any(
            ln.get_color() == style["color"] and ln.get_linestyle() == style["linestyle"]
            for ln in ax_p.lines
        )
    notes = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert sorted(n[0] for n in notes) == ["1", "2", "3", "4"]
    assert ax_p.yaxis.get_major_formatter()(96_000.0, 0) == "$96,000"
    assert fig._repr_png_()[:4] == b"\x89PNG"


def test_bad_input():
    frame = _frame()
    with pytest.raises(ValueError, match="spot_vs_perpetual"):
        plot_life_of_a_trade(frame[["price"]], "long 10x", liquidation=1.0, bankruptcy=1.0)
    with pytest.raises(ValueError, match="one of"):
        plot_life_of_a_trade(frame, "spot", liquidation=1.0, bankruptcy=1.0)
    calm = pm.spot_vs_perpetual([96_000.0, 97_000.0], 1_000, [10])
    with pytest.raises(ValueError, match="never liquidated"):
        plot_life_of_a_trade(calm, "long 10x", liquidation=1.0, bankruptcy=1.0)
    with pytest.raises(ValueError, match="hours_per_step"):
        plot_life_of_a_trade(frame, "long 10x", liquidation=1.0, bankruptcy=1.0, hours_per_step=0)
