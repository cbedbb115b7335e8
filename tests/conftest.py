"""Fixtures shared by the explorer tests."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from perpmath.widgets import _common


class Screen:
    """Stands in for a person looking at the explorers: records the figures and
    tables each redraw shows, and prints its text (read back with capsys)."""

    def __init__(self, monkeypatch, capsys):
        self.shown: list[object] = []
        self.capsys = capsys
        self.text = ""
        monkeypatch.setattr(_common, "SHOWN_LISTENERS", [self._record])
        monkeypatch.setattr(_common, "display", lambda item: None)

    def _record(self, items: tuple) -> None:
        for item in items:
            if isinstance(item, str):
                print(item)
            else:
                self.shown.append(item)

    def state(self) -> tuple:
        """The printed text and a fingerprint of every displayed figure or table."""
        self.text = self.capsys.readouterr().out
        parts: list[object] = [self.text]
        for item in self.shown:
            if isinstance(item, Figure):
                parts.append(("figure", item._suptitle.get_text() if item._suptitle else ""))
                for ax in item.axes:
                    parts.append(ax.get_title())
                    parts.extend(
                        (line.get_label(), tuple(np.round(np.asarray(line.get_ydata(), float), 6)))
                        for line in ax.lines
                    )
                    for p in ax.patches:
                        if hasattr(p, "get_height"):
                            parts.append(round(float(p.get_height()), 6))
                        else:  # a StepPatch (stairs): its values
                            parts.append(tuple(np.round(np.asarray(p.get_data().values), 6)))
            else:
                parts.append(repr(item))
        self.shown.clear()
        return tuple(parts)


@pytest.fixture
def screen(monkeypatch, capsys) -> Screen:
    """What an explorer shows, read back after each redraw."""
    return Screen(monkeypatch, capsys)


@pytest.fixture
def shown(screen) -> list[object]:
    """Everything the explorers display (figures, tables), in order."""
    return screen.shown
