"""Explorers of sections 07 and 08: they build, redraw and report what they show."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from perpmath.widgets._common import controls_of
from perpmath.widgets.funding import funding_explorer
from perpmath.widgets.risk import stop_gap_explorer, survival_explorer


def test_funding_explorer_reacts(shown, capsys):
    funding_explorer()  # the running example: 10x, 10,000 USDT of notional
    assert "A 10x long of 0.104167 BTC pays 1.00 USDT per settlement" in capsys.readouterr().out
    box = funding_explorer(leverage=20, quantity=1.0, maintenance=0.004)
    assert any(isinstance(x, Figure) for x in shown)
    out = capsys.readouterr().out
    assert "pays 9.60 USDT per settlement" in out and "18.0%" in out
    controls = controls_of(box)
    controls["side"].value = "short"
    assert "receives" in capsys.readouterr().out
    controls["side"].value = "long"
    controls["rate_pct"].value = 0.3
    controls["leverage"].value = 100
    assert "liquidates it" in capsys.readouterr().out


def test_survival_explorer_progress_and_redraw(shown, capsys):
    box = survival_explorer()
    assert box.progress.value == pytest.approx(1.0)
    assert "simulated paths" in capsys.readouterr().out
    controls_of(box)["leverage"].value = 50
    assert "50x long" in capsys.readouterr().out
    controls_of(box)["jumps"].value = True
    assert box.progress.value == pytest.approx(1.0)


def test_stop_gap_explorer_stop_and_liquidation(shown, capsys):
    box = stop_gap_explorer()
    assert "the stop fills at" in capsys.readouterr().out
    controls_of(box)["leverage"].value = 50
    assert "liquidation price" in capsys.readouterr().out
