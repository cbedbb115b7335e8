"""Redraw an explorer's figure in place: copy a new figure's data into the one on screen.

An explorer's ``render`` builds a new figure on every change (with the same
``perpmath.plots`` functions a notebook uses), which keeps one plotting style
across the course. Drawing a brand-new figure is the slow part of a redraw:
matplotlib creates every tick and measures every label again, and constrained
layout draws it twice. When the new figure has the same structure as the
previous one (same axes, and per axes the same kinds and numbers of lines,
collections, patches, texts and legend entries), :func:`reuse` copies the
data, labels, limits and tick formatting of the new artists into the old
ones and the old figure is drawn again; anything it does not know how to copy
makes it answer ``False``, and the new figure is shown instead.
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon, Rectangle, StepPatch
from matplotlib.text import Annotation, Text

__all__ = ["reuse", "structure"]

_LINE_PROPS = (
    "color",
    "linestyle",
    "linewidth",
    "marker",
    "markersize",
    "markerfacecolor",
    "markeredgecolor",
    "alpha",
    "label",
    "visible",
    "drawstyle",
    "zorder",
)
_STYLE_PROPS = ("facecolor", "edgecolor", "alpha", "label", "visible", "linewidth", "zorder")
_COLLECTIONS = (PolyCollection, PathCollection, LineCollection)
_PATCHES = (Rectangle, Polygon, StepPatch)


def _kind(artist: object) -> str:
    return type(artist).__name__


def _axes_structure(ax: Axes) -> tuple:
    legend = ax.get_legend()
    return (
        ax.get_xscale(),
        ax.get_yscale(),
        tuple((_kind(ln), ln.get_transform() is ax.transData) for ln in ax.lines),
        tuple(_kind(c) for c in ax.collections),
        tuple(_kind(p) for p in ax.patches),
        tuple(_kind(t) for t in ax.texts),
        len(ax.images) + len(ax.tables) + len(ax.artists) + len(ax.child_axes),
        None if legend is None else len(legend.texts),
    )


def structure(fig: Figure) -> tuple:
    """What must match for one figure to be redrawn with another's data."""
    supported = all(isinstance(c, _COLLECTIONS) for ax in fig.axes for c in ax.collections) and all(
        isinstance(p, _PATCHES) for ax in fig.axes for p in ax.patches
    )
    return (
        supported,
        tuple(fig.get_size_inches()),
        fig._suptitle is not None,
        tuple(_axes_structure(ax) for ax in fig.axes),
    )


def _copy(old: object, new: object, props: tuple[str, ...]) -> None:
    for prop in props:
        getter = getattr(new, f"get_{prop}", None)
        setter = getattr(old, f"set_{prop}", None)
        if getter is not None and setter is not None:
            setter(getter())


def _copy_line(old: Line2D, new: Line2D) -> None:
    old.set_data(*new.get_data(orig=True))
    _copy(old, new, _LINE_PROPS)


def _copy_collection(old, new) -> None:
    if isinstance(new, PathCollection):
        old.set_offsets(new.get_offsets())
        old.set_sizes(new.get_sizes())
    elif isinstance(new, LineCollection):
        old.set_segments(new.get_segments())
    else:
        old.set_verts([p.vertices for p in new.get_paths()], closed=False)
    _copy(old, new, _STYLE_PROPS)


def _copy_patch(old, new) -> None:
    if isinstance(new, Rectangle):
        old.set_xy(new.get_xy())
        old.set_width(new.get_width())
        old.set_height(new.get_height())
    elif isinstance(new, StepPatch):
        data = new.get_data()
        old.set_data(data.values, data.edges, data.baseline)
    else:
        old.set_xy(new.get_xy())
    _copy(old, new, _STYLE_PROPS)


def _copy_text(old: Text, new: Text) -> None:
    old.set_text(new.get_text())
    old.set_position(new.get_position())
    old.set_color(new.get_color())
    if isinstance(new, Annotation):
        old.xy = new.xy


def _copy_axes(old: Axes, new: Axes) -> None:
    for o, n in zip(old.lines, new.lines, strict=True):
        _copy_line(o, n)
    for o, n in zip(old.collections, new.collections, strict=True):
        _copy_collection(o, n)
    for o, n in zip(old.patches, new.patches, strict=True):
        _copy_patch(o, n)
    for o, n in zip(old.texts, new.texts, strict=True):
        _copy_text(o, n)
    for o, n in ((old.title, new.title), (old.xaxis.label, new.xaxis.label)):
        o.set_text(n.get_text())
    old.yaxis.label.set_text(new.yaxis.label.get_text())
    for side in ("_left_title", "_right_title"):
        getattr(old, side).set_text(getattr(new, side).get_text())
    for axis_old, axis_new in ((old.xaxis, new.xaxis), (old.yaxis, new.yaxis)):
        axis_old.set_major_locator(axis_new.get_major_locator())
        axis_old.set_major_formatter(axis_new.get_major_formatter())
        axis_old.set_minor_locator(axis_new.get_minor_locator())
        axis_old.set_minor_formatter(axis_new.get_minor_formatter())
    old.set_xlim(new.get_xlim(), auto=None)
    old.set_ylim(new.get_ylim(), auto=None)
    legend_old, legend_new = old.get_legend(), new.get_legend()
    if legend_new is not None:
        for o, n in zip(legend_old.texts, legend_new.texts, strict=True):
            o.set_text(n.get_text())
        for o, n in zip(legend_old.legend_handles, legend_new.legend_handles, strict=True):
            if isinstance(o, Line2D) and isinstance(n, Line2D):
                _copy(o, n, ("color", "linestyle", "marker", "alpha"))
            elif o is not None and n is not None and hasattr(n, "get_facecolor"):
                _copy(o, n, ("facecolor", "edgecolor", "alpha"))


def reuse(shown: Figure | None, new: Figure) -> bool:
    """Copy ``new`` into ``shown`` when they have the same structure; True if it did."""
    if shown is None or structure(shown) != structure(new) or not structure(new)[0]:
        return False
    if new._suptitle is not None:
        shown._suptitle.set_text(new._suptitle.get_text())
    for old_ax, new_ax in zip(shown.axes, new.axes, strict=True):
        _copy_axes(old_ax, new_ax)
    return True
