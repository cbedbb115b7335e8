"""Figures of sections 05, 06 and 09: each returns a titled Figure with labeled axes,
and refuses input it cannot draw."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from perpmath.exchange import execute_liquidation, matched_population, simulate_exchange
from perpmath.liquidation import bankruptcy_price
from perpmath.orderbook import make_book, market_order_fill, thin_book
from perpmath.paths import flash_crash_path
from perpmath.plots.case_study import plot_book_depth, plot_cascade, plot_fills_vs_bankruptcy
from perpmath.plots.negative_balance import (
    plot_book_fill,
    plot_delayed_fill,
    plot_fill_vs_bankruptcy,
)
from perpmath.plots.protection import (
    PAYERS,
    payers,
    plot_adl_victims,
    plot_fund_balance,
    plot_ledger_check,
    plot_loss_waterfall,
    plot_regime_comparison,
)


def _labelled(fig: Figure, title: str | None = None) -> None:
    assert isinstance(fig, Figure)
    assert fig._suptitle is not None and fig._suptitle.get_text()
    if title is not None:
        assert fig._suptitle.get_text() == title
    for ax in fig.axes:
        assert ax.get_xlabel() or ax.get_ylabel()


@pytest.fixture(scope="module")
def crash():
    population = matched_population(
        60, entry_price=96_000, leverage=(5.0, 75.0), quantity=(0.05, 1.0), rng=3
    )
    slide = flash_crash_path(96_000, 40, crash_at=3, drop=0.03, crash_steps=10, recovery=0.0)
    path = flash_crash_path(
        96_000, 40, crash_at=20, drop=0.08, crash_steps=2, recovery=0.5, base=slide
    )[0]
    kw = {"insurance_fund": 2_000, "book": "thinning"}
    return {
        "adl": simulate_exchange(population, path, waterfall="fund_then_adl", **kw),
        "social": simulate_exchange(population, path, waterfall="fund_then_socialized", **kw),
        "none": simulate_exchange(
            population, path, waterfall="none", negative_balance_protection=False, **kw
        ),
    }


# --- section 05 -----------------------------------------------------------
def test_book_fill_figure_marks_levels_and_consumed_size():
    book = thin_book(94_500, levels=300)
    fill = market_order_fill(book, "sell", 1.0)
    fig = plot_book_fill(book, fill, liquidation=94_500, bankruptcy=94_080, title="t")
    _labelled(fig, "t")
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.lines]
    assert any(label.startswith("bankruptcy $94,080") for label in labels)
    assert any(label.startswith("average fill (VWAP)") for label in labels)
    assert "$" in ax.yaxis.get_major_formatter()(94_000.0)


def test_book_fill_consumed_bars_add_up_to_the_order():
    book = thin_book(94_500, levels=300)
    fill = market_order_fill(book, "sell", 1.3)
    fig = plot_book_fill(book, fill)
    ax = fig.axes[0]
    resting, taken = ax.collections[:2]
    widths = [np.ptp(path.vertices[:, 0]) for path in taken.get_paths()]
    assert len(widths) == len(resting.get_paths())
    consumed = sum(widths)
    assert consumed == pytest.approx(1.3)


def test_book_fill_rejects_bad_input():
    book = thin_book(94_500)
    fill = market_order_fill(book, "sell", 1.0)
    with pytest.raises(ValueError, match="book"):
        plot_book_fill("not a book", fill)
    with pytest.raises(ValueError, match="fill"):
        plot_book_fill(book, 94_000.0)
    with pytest.raises(ValueError, match="max_levels"):
        plot_book_fill(book, fill, max_levels=0)


def test_fill_vs_bankruptcy_colours_deficits():
    gaps = np.arange(0, 1_001, 250)
    book = thin_book(94_500, levels=300)
    fills = np.array(
        [market_order_fill(book.with_gap("bid", 94_500, 94_500 - g), "sell", 1).vwap for g in gaps]
    )
    fig = plot_fill_vs_bankruptcy(gaps, fills, 94_080, liquidation=94_500, xlabel="gap (USDT)")
    _labelled(fig)
    left, right = fig.axes
    assert left.get_xlabel() == "gap (USDT)"
    heights = np.array([p.get_height() for p in right.patches])
    assert heights == pytest.approx(fills - 94_080)
    beyond = next(line for line in left.lines if line.get_label() == "beyond bankruptcy")
    assert np.all(np.asarray(beyond.get_ydata()) < 94_080)


def test_fill_vs_bankruptcy_rejects_bad_input():
    with pytest.raises(ValueError, match="equal length"):
        plot_fill_vs_bankruptcy([1, 2], [94_000.0], 94_080)
    with pytest.raises(ValueError, match="fills"):
        plot_fill_vs_bankruptcy([1], [float("nan")], 94_080)
    with pytest.raises(ValueError, match="bankruptcy"):
        plot_fill_vs_bankruptcy([1], [94_000.0], -1.0)
    with pytest.raises(ValueError, match="side"):
        plot_fill_vs_bankruptcy([1], [94_000.0], 94_080, side="up")


def test_delayed_fill_figure():
    path = flash_crash_path(96_000, 30, crash_at=2, drop=0.05, crash_steps=20, recovery=0.0)[0]
    fig = plot_delayed_fill(path, 10, 14, liquidation=94_500, bankruptcy=94_080, entry=96_000)
    _labelled(fig)
    labels = [line.get_label() for line in fig.axes[0].lines]
    assert "trigger (step 10)" in labels
    assert any(label.startswith("execution (step 14)") for label in labels)
    with pytest.raises(ValueError, match="execution_step"):
        plot_delayed_fill(path, 10, 99, liquidation=94_500, bankruptcy=94_080)


# --- section 06 -----------------------------------------------------------
def test_payers_relabels_the_waterfall(crash):
    paid = payers(crash["adl"])
    assert list(paid.index) == [label for label, _ in PAYERS.values()]
    table = crash["adl"].waterfall().set_index("item")["amount"]
    assert paid["insurance fund"] == pytest.approx(table["paid by insurance fund"], abs=1e-6)
    assert (paid >= 0).all()
    assert payers(crash["adl"].waterfall()).equals(paid)
    with pytest.raises(ValueError, match="SimulationResult"):
        payers(pd.DataFrame({"x": [1]}))


def test_no_protection_leaves_the_whole_deficit_with_traders(crash):
    paid = payers(crash["none"])
    assert paid["liquidated traders (debt)"] > 0
    assert paid.drop("liquidated traders (debt)").sum() == 0


def test_loss_waterfall_steps_down_to_zero(crash):
    fig = plot_loss_waterfall(crash["social"], title="w")
    _labelled(fig, "w")
    ax = fig.axes[0]
    bars = ax.patches
    total = bars[0].get_height()
    assert total == pytest.approx(payers(crash["social"]).sum())
    bottoms = [b.get_y() for b in bars[1:]]
    assert min(bottoms) == pytest.approx(0.0, abs=1e-6)
    assert next(t.get_text() for t in ax.get_xticklabels()) == "loss to cover"


def test_regime_comparison_has_one_bar_per_regime_and_payer(crash):
    fig = plot_regime_comparison(crash)
    _labelled(fig)
    ax = fig.axes[0]
    assert len(ax.patches) == len(crash) * len(PAYERS)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(crash)
    with pytest.raises(ValueError):
        plot_regime_comparison({})


def test_fund_balance_one_line_per_regime(crash):
    fig = plot_fund_balance(crash)
    _labelled(fig)
    _, ax_f = fig.axes
    assert [line.get_label() for line in ax_f.lines] == list(crash)
    assert ax_f.get_ylabel() == "insurance fund (USDT)"
    single = plot_fund_balance(crash["adl"])
    assert len(single.axes[1].lines) == 1
    with pytest.raises(ValueError, match="SimulationResult"):
        plot_fund_balance({"x": 1})


def test_adl_victims(crash):
    fig = plot_adl_victims(crash["adl"], top=5)
    _labelled(fig)
    ax_q, _ax_c = fig.axes
    assert 0 < len(ax_q.patches) <= 5
    first = crash["adl"].adl["counterparty"].iloc[0]
    assert ax_q.get_xticklabels()[0].get_text() == str(first)
    empty = plot_adl_victims(crash["none"])
    assert "no ADL" in empty.axes[0].texts[0].get_text()
    with pytest.raises(ValueError, match="top"):
        plot_adl_victims(crash["adl"], top=0)


def test_ledger_check_shows_a_difference_at_rounding_level(crash):
    fig = plot_ledger_check(crash["social"])
    _labelled(fig)
    _, ax_d = fig.axes
    assert np.max(np.abs(ax_d.lines[0].get_ydata())) < 1e-6
    with pytest.raises(ValueError, match="SimulationResult"):
        plot_ledger_check(crash["social"].history)


# --- section 09 -----------------------------------------------------------
def test_cascade_sums_liquidated_notional(crash):
    r = crash["adl"]
    fig = plot_cascade(r, title="c")
    _labelled(fig, "c")
    ax, ax2 = fig.axes
    assert ax.get_ylabel() == "mark price (USDT)"
    assert ax2.get_ylabel() == "notional liquidated per step (USDT)"
    drawn = sum(float(np.sum(p.get_data().values)) for p in ax2.patches)
    e = r.events
    assert drawn == pytest.approx(float((e["quantity"] * e["mark"]).sum()))


def test_fills_vs_bankruptcy_plots_book_fills_only(crash):
    r = crash["adl"]
    fig = plot_fills_vs_bankruptcy(r)
    _labelled(fig)
    ax = fig.axes[0]
    points = sum(len(c.get_offsets()) for c in ax.collections)
    e = r.events
    assert points == int((e["book_quantity"] > 0).sum())
    assert points < len(e)  # the positions ADL closed wholly are left out
    assert ax.get_xlabel() == "bankruptcy price (USDT)"


def test_book_depth_figure():
    marks = np.linspace(96_000, 80_000, 20)
    params = {
        "tick": 20.0,
        "levels": 200,
        "size": 2.0,
        "reference_price": 96_000.0,
        "exponent": 3.0,
    }
    depth = [make_book("thinning", m, **params).depth("bid", within=0.01) for m in marks]
    fig = plot_book_depth(np.arange(20), marks, depth)
    _labelled(fig)
    assert fig.axes[0].get_ylabel() == "bids within 1.0% of the mid (BTC)"
    with pytest.raises(ValueError, match="equal length"):
        plot_book_depth(np.arange(3), marks, depth)
    with pytest.raises(ValueError, match="depth"):
        plot_book_depth([0], [96_000.0], [-1.0])


def test_plots_accept_results_without_events():
    population = matched_population(5, entry_price=100.0, leverage=(2.0, 3.0), rng=1)
    calm = simulate_exchange(population, np.full(10, 100.0))
    assert calm.events.empty
    for fig in (plot_cascade(calm), plot_fills_vs_bankruptcy(calm), plot_loss_waterfall(calm)):
        _labelled(fig)


def test_bankruptcy_levels_match_the_engine():
    out = execute_liquidation("long", 1.0, 96_000, thin_book(94_500), leverage=50)
    assert out.bankruptcy_price == pytest.approx(bankruptcy_price("long", 96_000, 50))


def test_liquidations_by_side_counts_each_side_and_names_adl_by_the_bankrupt_side():
    from perpmath.plots.case_study import liquidations_by_side

    population = matched_population(40, entry_price=96_000, leverage=(5.0, 75.0), rng=3)
    path = flash_crash_path(96_000, 30, crash_at=5, drop=0.08, crash_steps=3, recovery=0.0)[0]
    result = simulate_exchange(population, path, book="thin", insurance_fund=50.0)
    times = pd.date_range("2025-10-10 12:00", periods=len(path), freq="5min", tz="UTC")
    summary = liquidations_by_side(result, times)
    e = result.events
    assert summary["longs liquidated"] == int((e["side"] == "long").sum()) > 0
    assert summary["shorts liquidated"] == int((e["side"] == "short").sum())
    # a fall bankrupts longs: ADL closes shorts for them, never longs
    assert result.adl["quantity"].sum() > 0
    assert summary["ADL: shorts closed for bankrupt longs (BTC)"] == pytest.approx(
        result.adl["quantity"].sum()
    )
    assert summary["ADL: longs closed for bankrupt shorts (BTC)"] == 0
    empty = result.fund.index[result.fund < 1.0]
    expected = f"{times[int(empty[0])]:%H:%M}" if len(empty) else None
    assert summary["fund empty at (UTC)"] == expected
    assert summary["mark above the real close, at most (USDT)"] == 0  # no feedback
    with pytest.raises(ValueError, match="times must have one entry per step"):
        liquidations_by_side(result, times[:-1])


def test_time_axes_give_minutes_when_a_step_has_a_length():
    population = matched_population(20, entry_price=96_000, leverage=(5.0, 75.0), rng=3)
    path = flash_crash_path(96_000, 20, crash_at=5, drop=0.08, crash_steps=3, recovery=0.0)[0]
    result = simulate_exchange(population, path, book="thin", insurance_fund=50.0)
    for fig in (
        plot_fund_balance({"run": result}, step_minutes=5.0),
        plot_ledger_check(result, step_minutes=5.0),
    ):
        _labelled(fig)
        assert fig.axes[0].get_xlabel() == "time (minutes, simulated 5-minute steps)"
        assert fig.axes[0].lines[0].get_xdata()[-1] == pytest.approx(5.0 * (len(path) - 1))
    assert plot_fund_balance(result).axes[0].get_xlabel() == (
        "simulation step (steps in order, not a time)"
    )
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="step_minutes"):
            plot_fund_balance(result, step_minutes=bad)
