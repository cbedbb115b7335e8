"""Building blocks shared by the explorers."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w
from IPython.display import display


def explorer(
    controls: list[w.Widget],
    render: Callable[..., object],
    *,
    title: str | None = None,
) -> w.VBox:
    """Wire ``controls`` to ``render`` and return a VBox (controls + output).

    ``render(**values)`` receives each control's value under its
    ``description``-independent ``name`` (set as ``control.name``) and returns
    what to show (a Figure, a DataFrame, text, or a tuple of these). The
    output is drawn once at construction and again on every change; errors
    from the core (a ValueError for an impossible combination) are shown as a
    message instead of a traceback.
    """
    out = w.Output()

    def values() -> dict[str, object]:
        return {c.name: c.value for c in controls if hasattr(c, "name")}

    def redraw(_change: object = None) -> None:
        with out:
            out.clear_output(wait=True)
            try:
                shown = render(**values())
            except ValueError as err:
                print(f"Not possible with these settings: {err}")
                return
            for item in shown if isinstance(shown, tuple) else (shown,):
                if isinstance(item, str):
                    print(item)
                else:
                    display(item)

    for control in controls:
        control.observe(redraw, names="value")
    redraw()
    children: list[w.Widget] = []
    if title:
        children.append(w.HTML(f"<b>{title}</b>"))
    children += [w.HBox(controls[i : i + 3]) for i in range(0, len(controls), 3)]
    children.append(out)
    box = w.VBox(children)
    box.redraw = redraw  # used by tests to force a redraw
    box.output = out
    return box


def named(widget: w.Widget, name: str) -> w.Widget:
    """Attach the keyword name under which ``render`` receives this control's value."""
    widget.name = name
    return widget


def side_toggle(value: str = "long") -> w.ToggleButtons:
    """Long/short buttons; ``render`` receives the choice as ``side``."""
    return named(
        w.ToggleButtons(options=["long", "short"], value=value, description="side"), "side"
    )


def leverage_slider(
    value: int, *, low: int = 1, high: int = 125, name: str = "leverage"
) -> w.IntSlider:
    """Integer leverage slider that redraws on release (each redraw renders a figure)."""
    slider = w.IntSlider(
        value=value,
        min=low,
        max=high,
        step=1,
        description="leverage (x)",
        continuous_update=False,
    )
    return named(slider, name)


def usdt_amount(
    value: float,
    name: str,
    *,
    label: str | None = None,
    low: float = 10.0,
    high: float = 10_000_000.0,
    step: float = 100.0,
) -> w.BoundedFloatText:
    """A box for an amount in USDT (margin, capital, wallet), bounded to [low, high]."""
    box = w.BoundedFloatText(
        value=value, min=low, max=high, step=step, description=f"{label or name} USDT"
    )
    return named(box, name)


def controls_of(box: w.Widget) -> dict[str, w.Widget]:
    """Every named control inside an explorer, by the name ``render`` receives it under."""
    found: dict[str, w.Widget] = {}

    def walk(widget: w.Widget) -> None:
        if hasattr(widget, "name") and hasattr(widget, "value"):
            found[widget.name] = widget
        for child in getattr(widget, "children", ()):
            walk(child)

    walk(box)
    return found
