"""An Agg canvas that remembers text it has laid out and glyphs it has rasterized.

Matplotlib 3.11 lays out each string with FreeType and rasterizes it glyph by
glyph on every draw: about a millisecond per label, most of an explorer's
redraw once the frame and ticks are cached (``perpmath.widgets._layers``).
:class:`GlyphCachingCanvas` draws the same pixels from two caches:

- the layout of a string (which glyph of which font goes where), by string,
  font properties, dpi, features and language;
- each glyph's bitmap, by font file, size, dpi, glyph, angle and the position
  of its origin within a pixel (FreeType positions glyphs to 1/64 pixel; a
  whole-pixel shift moves the same bitmap).

It overrides two private methods of ``RendererAgg`` written against
matplotlib 3.11 (the version ``binder/requirements.txt`` pins); where they are
missing it falls back to the plain renderer. ``tests/test_widgets_follow.py``
compares its pixels with a plain ``FigureCanvasAgg``.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.backends import backend_agg
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg

__all__ = ["SUPPORTED", "GlyphCachingCanvas"]

SUPPORTED = all(
    hasattr(RendererAgg, name) for name in ("_draw_text_glyphs_and_boxes", "_prepare_font")
) and hasattr(backend_agg, "RenderMode")

_LIMIT = 50_000  # entries per cache; both are emptied when one grows past it
_layouts: dict[tuple, tuple] = {}
_bitmaps: dict[tuple, tuple[np.ndarray, int, int]] = {}


def _remember(cache: dict, key: tuple, value: object) -> None:
    if len(cache) > _LIMIT:
        _layouts.clear()
        _bitmaps.clear()
    cache[key] = value


class _GlyphCachingRenderer(RendererAgg):
    """``RendererAgg`` that draws text from remembered layouts and glyph bitmaps."""

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath or not gc.get_antialiased():
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        size = prop.get_size_in_points()
        wanted = None if features is None else tuple(features)
        key = (s, hash(prop), size, self.dpi, wanted, language)
        items = _layouts.get(key)
        if items is None:
            font = self._prepare_font(prop)
            flags = backend_agg.get_hinting_flag()
            laid = font._layout(s, flags=flags, features=features, language=language)
            items = tuple((i.ft_object, i.glyph_index, i.x, i.y) for i in laid)
            _remember(_layouts, key, items)
        glyphs = ((font, size, index, 0, 1, dx, dy) for font, index, dx, dy in items)
        self._draw_text_glyphs_and_boxes(gc, x, y, angle, glyphs, [])
        return None

    def _draw_text_glyphs_and_boxes(self, gc, x, y, angle, glyphs, boxes):
        if boxes or not gc.get_antialiased():
            return super()._draw_text_glyphs_and_boxes(gc, x, y, angle, glyphs, boxes)
        cos = math.cos(math.radians(angle))
        sin = math.sin(math.radians(angle))
        flags = backend_agg.get_hinting_flag()
        height = self.height
        for font, size, index, slant, extend, dx, dy in glyphs:  # dy is upwards
            tx = round(0x40 * (x + dx * cos - dy * sin))
            ty = round(0x40 * (height - y + dx * sin + dy * cos))  # FreeType's y is upwards
            key = (font.fname, size, self.dpi, index, slant, extend, angle, flags, tx & 63, ty & 63)
            found = _bitmaps.get(key)
            if found is None:
                font.set_size(size, self.dpi)
                matrix = (
                    0x10000
                    * np.array([[cos, -sin], [sin, cos]])
                    @ [
                        [extend, extend * slant],
                        [0, 1],
                    ]
                )
                font._set_transform(matrix.round().astype(int), [tx, ty])
                bitmap = font._render_glyph(index, flags, backend_agg.RenderMode.NORMAL)
                found = (np.array(bitmap.buffer), bitmap.left - (tx >> 6), bitmap.top - (ty >> 6))
                _remember(_bitmaps, key, found)
            buffer, left, top = found
            # draw_text_image's y is downwards and names the bitmap's bottom side
            bottom = int(height) - (top + (ty >> 6)) + buffer.shape[0]
            self._renderer.draw_text_image(buffer, left + (tx >> 6), bottom, 0, gc)
        return None


class GlyphCachingCanvas(FigureCanvasAgg):
    """``FigureCanvasAgg`` whose renderer reuses text layouts and glyph bitmaps."""

    def get_renderer(self):
        width, height = self.get_width_height(physical=True)
        key = width, height, self.figure.dpi
        if self._lastKey != key:
            make = _GlyphCachingRenderer if SUPPORTED else RendererAgg
            self.renderer = make(width, height, self.figure.dpi)
            self._lastKey = key
        return self.renderer
