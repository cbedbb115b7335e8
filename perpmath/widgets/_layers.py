"""Redraw only what moves: an explorer's figure as a cached static layer plus its data.

While a control is dragged an explorer's axes stay fixed (``fixed_axes``), so
the frame, the ticks, the tick labels and the axis labels do not change from
one position to the next; drawing their text is most of the time matplotlib
spends on a figure. :class:`Layers` draws them once without the data (the
*static layer*, kept as an Agg buffer), and for each new position restores
that buffer and draws on top, in matplotlib's own order, only what can
change: each axes' background, grid lines and spines (which data may cover)
and its lines, collections, patches, texts, titles and legend, then the
figure's title and legends. The static layer is drawn again whenever its
key changes (limits, tick positions or labels, axis labels, size or dpi), so
a figure whose scale moves is still drawn correctly, only not faster.

The result is the same picture a full draw gives (``tests/test_widgets_follow.py``
compares the pixels). A figure with images, tables, inset axes or other
artists this module does not sort (``supported``) is always drawn in full.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.spines import Spine

__all__ = ["Layers", "png_of_canvas", "supported"]


def supported(fig: Figure) -> bool:
    """True when every artist of ``fig`` is one :class:`Layers` knows how to order."""
    return not fig.subfigs and all(
        not (ax.images or ax.tables or ax.artists or ax.child_axes) for ax in fig.axes
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_of_canvas(fig: Figure) -> bytes:
    """The pixels last drawn on ``fig``'s Agg canvas as PNG bytes, quickly.

    Truecolor without alpha (an explorer's figure is opaque), filter type 0
    on every row and zlib level 1: a few milliseconds where an encoder that
    tries every row filter takes several times longer, for a file a few
    percent larger. Format: W3C PNG specification, sections 11.2.2 (IHDR),
    9.2 (filter types) and 10 (zlib), https://www.w3.org/TR/png-3/.
    """
    rgba = np.asarray(fig.canvas.buffer_rgba())
    height, width = rgba.shape[:2]
    rows = np.zeros((height, 1 + 3 * width), dtype=np.uint8)  # leading 0: no filter
    rows[:, 1:] = rgba[:, :, :3].reshape(height, 3 * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 1))
        + _chunk(b"IEND", b"")
    )


def _axes_dynamic(ax: Axes) -> list[Artist]:
    legend = [ax.legend_] if ax.legend_ is not None else []
    return [*ax._children, ax.title, ax._left_title, ax._right_title, *legend]


def _dynamic(fig: Figure) -> list[Artist]:
    """Artists that may change between two positions of a control."""
    found = [*fig.texts, *fig.legends, *fig.lines, *fig.patches]
    for ax in fig.axes:
        found += _axes_dynamic(ax)
    return found


def _ticks(fig: Figure) -> dict[Axis, list]:
    """The ticks each axis draws now (positions and labels brought up to date)."""
    return {axis: axis._update_ticks() for ax in fig.axes for axis in ax._axis_map.values()}


def _static_key(fig: Figure, ticks: dict[Axis, list]) -> tuple:
    """Everything the static layer shows: when it differs, the layer is drawn again."""
    key: list[object] = [tuple(fig.bbox.bounds), fig.dpi]
    for ax in fig.axes:
        key += [tuple(ax.get_position().bounds), ax.get_xlim(), ax.get_ylim()]
        key += [ax.xaxis.label.get_text(), ax.yaxis.label.get_text(), ax.axison]
    for axis, shown in ticks.items():
        key.append(tuple((t.get_loc(), t.label1.get_text(), t.label2.get_text()) for t in shown))
        key.append(axis.offsetText.get_text())
    return tuple(key)


@contextmanager
def _hidden(fig: Figure) -> Iterator[None]:
    """Hide the dynamic artists; keep the titles where the last full draw put them
    (``Axes.draw`` places titles from their extent, which a hidden title lacks)."""
    artists = _dynamic(fig)
    titles = [t for ax in fig.axes for t in (ax.title, ax._left_title, ax._right_title)]
    visible = [a.get_visible() for a in artists]
    where = [t.get_position() for t in titles]
    for a in artists:
        a.set_visible(False)
    try:
        yield
    finally:
        for a, was in zip(artists, visible, strict=True):
            a.set_visible(was)
        for t, xy in zip(titles, where, strict=True):
            t.set_position(xy)


def _draw_axes_top(ax: Axes, ticks: dict[Axis, list], renderer) -> None:
    """Draw what of ``ax`` lies over its background, in the order ``Axes.draw`` uses."""
    if not ax.get_visible():
        return
    framed = ax.axison and ax._frameon
    artists = [a for a in ax.get_children() if a is not ax.patch and not a.get_animated()]
    artists.sort(key=lambda a: a.get_zorder())
    if framed:
        ax.patch.draw(renderer)
    for artist in artists:
        if isinstance(artist, Axis):
            if ax.axison:
                for tick in ticks[artist]:
                    tick.gridline.draw(renderer)
        elif isinstance(artist, Spine):
            if framed:
                artist.draw(renderer)
        else:
            artist.draw(renderer)


class Layers:
    """Draw ``fig`` on its canvas, reusing its static layer while the key holds."""

    def __init__(self, fig: Figure) -> None:
        self.fig = fig
        self.key: tuple | None = None
        self.background = None

    def draw(self) -> None:
        """Bring the canvas up to date with the figure's artists."""
        fig = self.fig
        if not supported(fig) or fig.get_layout_engine() is not None:
            fig.canvas.draw()
            self.key = None
            return
        ticks = _ticks(fig)
        key = _static_key(fig, ticks)
        if key != self.key:
            with _hidden(fig):
                fig.canvas.draw()
            self.background = fig.canvas.copy_from_bbox(fig.bbox)
            ticks = _ticks(fig)
            self.key = _static_key(fig, ticks)
        else:
            fig.canvas.restore_region(self.background)
        renderer = fig.canvas.get_renderer()
        dynamic = set(map(id, _dynamic(fig)))
        children = [a for a in fig.get_children() if a is not fig.patch and not a.get_animated()]
        for artist in sorted(children, key=lambda a: a.get_zorder()):
            if isinstance(artist, Axes):
                _draw_axes_top(artist, ticks, renderer)
            elif id(artist) in dynamic:
                artist.draw(renderer)
