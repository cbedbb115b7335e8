"""The course's Chinese terms render on any machine: a shipped subset of Noto Sans CJK SC."""

from __future__ import annotations

import warnings
from pathlib import Path

from _scripts import load_script
from matplotlib.ft2font import FT2Font

from perpmath.plots.style import CJK_FAMILY, CJK_FONT, new_figure

ROOT = Path(__file__).resolve().parents[1]


def _maker():
    return load_script("scripts/make_cjk_font.py", "make_cjk_font")


def test_the_subset_has_every_chinese_character_the_course_uses():
    font = FT2Font(str(CJK_FONT))
    assert font.family_name == CJK_FAMILY
    used = _maker().course_characters()
    assert "穿" in used and "爆" in used
    missing = [ch for ch in used if font.get_char_index(ord(ch)) == 0]
    assert not missing, (
        f"run scripts/make_cjk_font.py (needs Debian's fonts-noto-cjk): the font lacks "
        f"{''.join(missing)}"
    )
    assert CJK_FONT.stat().st_size < 300_000, "the subset should stay small"
    licence = (CJK_FONT.parent / "OFL.txt").read_text()
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence


def test_a_figure_draws_chinese_terms_without_missing_glyphs():
    fig, ax = new_figure("穿仓 and 爆仓: negative balance", "强平价格 (USDT)", "资金费率")
    ax.plot([0, 1], [0, 1], label="保险基金")
    ax.legend()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        fig.canvas.draw()


def test_bold_titles_find_a_bold_face_without_a_logged_warning(caplog):
    import logging

    from matplotlib import font_manager

    font_manager.fontManager._findfont_cached.cache_clear()  # a fresh lookup, as in a kernel
    with caplog.at_level(logging.WARNING, logger="matplotlib.font_manager"):
        fig, _ = new_figure("爆仓 in bold", "x", "y")
        fig.canvas.draw()
    assert not [r for r in caplog.records if "Failed to find font" in r.getMessage()]


def test_the_site_serves_the_font_beside_its_pages():
    template = (ROOT / "site/templates/perpmath/index.html.j2").read_text()
    assert f"vendor/{CJK_FONT.name}" in template
    assert "CJK_FONT" in (ROOT / "scripts/build_site.py").read_text()
