"""Explorers follow a drag: continuous sliders, fixed scales, figures redrawn in place
that show exactly what a fresh figure would, and a readable output before a kernel runs."""

from __future__ import annotations

import base64
from io import BytesIO

import ipywidgets as w
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from perpmath.plots import style
from perpmath.plots.style import new_figure, prepare_figure
from perpmath.widgets._common import Explorer, controls_of, explorer, named
from perpmath.widgets._glyphs import SUPPORTED, GlyphCachingCanvas
from perpmath.widgets._layers import png_of_canvas
from perpmath.widgets._reuse import reuse
from perpmath.widgets.case_study import case_study_explorer
from perpmath.widgets.funding import funding_explorer
from perpmath.widgets.leverage import leverage_explorer
from perpmath.widgets.liquidation import liquidation_explorer
from perpmath.widgets.margin import isolated_vs_cross_explorer
from perpmath.widgets.negative_balance import liquidation_fill_explorer
from perpmath.widgets.protection import protection_explorer
from perpmath.widgets.risk import stop_gap_explorer, survival_explorer
from perpmath.widgets.spot import spot_vs_perpetual_explorer

# Every explorer, with a control and the values a drag passes.
DRAGS = {
    "spot": (spot_vs_perpetual_explorer, "leverage", [11, 12, 20, 40]),
    "leverage": (leverage_explorer, "leverage", [50, 75, 100]),
    "margin": (isolated_vs_cross_explorer, "btc_move", [-11.5, -6.0, 4.0, 12.5]),
    "liquidation": (liquidation_explorer, "leverage", [51, 60, 90, 125]),
    "funding": (funding_explorer, "rate_pct", [0.02, 0.05, -0.05, 0.3]),
    "survival": (survival_explorer, "leverage", [21, 30, 60]),
    "stop_gap": (stop_gap_explorer, "drop_pct", [2.0, 5.0, 12.0, 25.0]),
    "liquidation_fill": (liquidation_fill_explorer, "gap", [50, 400, 1_000, 1_500]),
    "liquidation_fill_depth": (liquidation_fill_explorer, "depth", [0.5, 0.1, 3.0, 10.0]),
    "protection": (protection_explorer, "insurance_fund", [12_500, 30_000, 60_000, 0]),
    "protection_crash": (protection_explorer, "drop", [0.07, 0.1, 0.15, 0.01]),
    "case_study": (case_study_explorer, "drop", [0.35, 0.5, 0.05]),
    "case_study_depth": (case_study_explorer, "depth", [0.5, 0.1, 10.0]),
}


def _content(fig: Figure) -> list[object]:
    """What a reader sees in a figure: data, texts, legend entries, limits and tick labels."""
    found: list[object] = [fig._suptitle.get_text() if fig._suptitle else None]
    for ax in fig.axes:
        found += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        found += [np.round(ax.get_xlim(), 6).tolist(), np.round(ax.get_ylim(), 6).tolist()]
        for line in ax.lines:
            x, y = line.get_data(orig=True)
            found.append((line.get_label(), line.get_color(), line.get_linestyle()))
            found.append(np.round(np.asarray(y, float), 6).tolist())
            found.append(np.round(np.asarray(x, float), 6).tolist())
        for coll in ax.collections:
            found.append([np.round(p.vertices, 6).tolist() for p in coll.get_paths()])
        for patch in ax.patches:
            found.append(np.round(patch.get_path().vertices, 6).tolist())
        found += [t.get_text() for t in ax.texts]
        legend = ax.get_legend()
        found += [t.get_text() for t in legend.texts] if legend else []
        for axis in (ax.xaxis, ax.yaxis):
            ticks = axis.get_major_locator()()
            fmt = axis.get_major_formatter()
            fmt.set_locs(ticks)
            found.append([fmt(t, i) for i, t in enumerate(ticks)])
    return found


@pytest.mark.parametrize("name", sorted(DRAGS))
def test_every_slider_follows_the_drag(name):
    make, _, _ = DRAGS[name]
    sliders = [
        c for c in controls_of(make()).values() if isinstance(c, (w.IntSlider, w.FloatSlider))
    ]
    assert sliders, f"{name} has no slider"
    for slider in sliders:
        assert slider.continuous_update, f"{name}: {slider.description} redraws only on release"


@pytest.mark.parametrize("name", sorted(DRAGS))
def test_figure_redrawn_in_place_shows_what_a_fresh_one_would(name):
    make, control, values = DRAGS[name]
    box = make()
    first = box._view.shown
    for value in values:
        controls_of(box)[control].value = value
        fresh = box.render(**box.values())[0]
        assert box._view.shown is first or isinstance(box._view.shown, Figure)
        assert _content(box._view.shown) == _content(fresh), f"{name} at {control}={value}"
    assert bytes(box.image.value).startswith(b"\x89PNG"), "the Image widget holds a PNG"


@pytest.mark.parametrize("name", sorted(DRAGS))
def test_layered_redraw_shows_the_pixels_of_a_full_draw(name):
    make, control, values = DRAGS[name]
    box = make()
    layered = 0
    for value in values:
        controls_of(box)[control].value = value
        layered += box._view.layers.key is not None
        shown = box._view.shown
        sent = np.asarray(Image.open(BytesIO(bytes(box.image.value))).convert("RGB"))
        canvas = shown.canvas
        FigureCanvasAgg(shown).draw()  # everything again, the way matplotlib draws a figure
        full = np.asarray(shown.canvas.buffer_rgba())[:, :, :3].copy()
        shown.set_canvas(canvas)
        assert sent.shape == full.shape
        assert np.array_equal(sent, full), f"{name} at {control}={value}"
    assert layered, f"{name}: no redraw used the static layer"


def test_glyph_caching_canvas_draws_the_pixels_of_a_plain_canvas():
    assert SUPPORTED, "the pinned matplotlib lacks what GlyphCachingCanvas overrides"
    fig, ax = new_figure("Liquidation at $87,623 (穿仓)", "price (USDT)", "equity (USDT)")
    ax.plot([0, 1], [0, 1], label="entry $96,000")
    ax.text(0.5, 0.5, "rotated 30°", rotation=30)
    ax.legend()
    FigureCanvasAgg(fig).draw()
    plain = np.asarray(fig.canvas.buffer_rgba()).copy()
    GlyphCachingCanvas(fig)
    for _ in range(2):  # the first draw fills the caches, the second reads them
        fig.canvas.draw()
        assert np.array_equal(np.asarray(fig.canvas.buffer_rgba()), plain)


def test_a_spare_figure_draws_as_a_fresh_one():
    def drawn() -> np.ndarray:
        fig, (left, right) = new_figure("t", "x", "y", figsize=(9.0, 4.0), ncols=2)
        left.plot([0, 1], [0, 1])
        right.plot([0, 1], [1, 0])
        fig.canvas.draw()
        return np.asarray(fig.canvas.buffer_rgba()).copy()

    fresh = drawn()
    prepare_figure(((9.0, 4.0), 2, 1))
    assert ((9.0, 4.0), 2, 1) in style._SPARES
    assert np.array_equal(drawn(), fresh)
    assert ((9.0, 4.0), 2, 1) not in style._SPARES  # a spare is used once


def test_png_of_canvas_is_a_png_of_the_canvas():
    fig, ax = new_figure("t", "x", "y")
    ax.plot([0, 1], [0, 1])
    fig.canvas.draw()
    image = Image.open(BytesIO(png_of_canvas(fig)))
    assert image.format == "PNG" and image.mode == "RGB"
    assert np.array_equal(np.asarray(image), np.asarray(fig.canvas.buffer_rgba())[:, :, :3])


# The funding and survival explorers scale with the leverage, which their drags leave alone.
@pytest.mark.parametrize("name", sorted(set(DRAGS) - {"funding", "survival"}))
def test_scales_stay_fixed_while_dragging(name):
    make, control, values = DRAGS[name]
    box = make()
    limits = [(ax.get_xlim(), ax.get_ylim()) for ax in box._view.shown.axes]
    for value in values:
        controls_of(box)[control].value = value
        assert [(ax.get_xlim(), ax.get_ylim()) for ax in box._view.shown.axes] == limits, value


def test_leverage_explorer_shows_50x_and_100x_differently():
    box = leverage_explorer(leverage=50)
    before = bytes(box.image.value)
    controls_of(box)["leverage"].value = 100
    assert bytes(box.image.value) != before
    ax = box._view.shown.axes[0]
    levels = {ln.get_label().split()[0]: ln.get_xdata()[0] for ln in ax.lines[3:]}
    width = ax.get_xlim()[1] - ax.get_xlim()[0]
    assert abs(levels["entry"] - levels["bankruptcy"]) / width < 0.05  # 1% of a 30% range


def test_a_figure_of_another_structure_is_shown_as_it_is():
    def figure(lines: int) -> Figure:
        fig, ax = new_figure("t", "x", "y")
        for i in range(lines):
            ax.plot([0, 1], [i, i + 1], label=str(i))
        return fig

    old = figure(2)
    assert not reuse(old, figure(3))
    assert not reuse(None, figure(2))
    new = figure(2)
    new.axes[0].lines[1].set_ydata([5, 6])
    assert reuse(old, new)
    assert list(old.axes[0].lines[1].get_ydata()) == [5, 6]


def test_before_a_kernel_runs_the_output_reads_as_a_sentence_and_a_figure():
    box = leverage_explorer()
    bundle = box._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    text = bundle["text/plain"]
    assert not text.startswith(("VBox(", "Explorer(")), text
    assert "run this notebook to explore" in text and "\n" not in text
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")


def test_an_impossible_setting_hides_the_figure_and_says_why():
    def render(x: int):
        if x > 1:
            raise ValueError("x must be at most 1")
        fig, ax = new_figure("t", "x", "y")
        ax.plot([0, 1], [0, x])
        return fig, "fine"

    slider = named(w.IntSlider(value=0, min=0, max=3), "x")
    box = explorer([slider], render, title="test")
    assert isinstance(box, Explorer) and box.image.layout.display is None
    slider.value = 2
    assert box.image.layout.display == "none"
    assert "Not possible with these settings: x must be at most 1" in box.text.value
    slider.value = 1
    assert box.image.layout.display is None and "fine" in box.text.value
