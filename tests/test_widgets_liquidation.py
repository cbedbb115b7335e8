"""Explorer of section 04 (perpmath.widgets.liquidation)."""

from __future__ import annotations

import ipywidgets as w
from matplotlib.figure import Figure

from perpmath.example import RUNNING_EXAMPLE, TIER_DATE
from perpmath.liquidation import bankruptcy_price, liquidation_price
from perpmath.widgets._common import controls_of
from perpmath.widgets.liquidation import liquidation_explorer

# A 50x long of 1 BTC priced with the plain formula's flat 0.4%, as the tests below assume.
PLAIN_50X = {"leverage": 50, "size": 1.0, "tiers": "exchange default"}


def test_opens_on_the_running_example_and_names_its_maintenance(shown, capsys):
    liquidation_explorer()
    out = capsys.readouterr().out
    assert f"liquidation {RUNNING_EXAMPLE.liquidation_price():,.2f}" in out
    assert f"bankruptcy {RUNNING_EXAMPLE.bankruptcy_price():,.2f}" in out
    assert f"maintenance: {RUNNING_EXAMPLE.tier_label}" in out


def test_a_venue_is_priced_with_its_own_rates_unless_a_table_overrides_them(shown, capsys):
    box = liquidation_explorer(leverage=20, size=1.0)
    c = controls_of(box)
    c["exchange"].value = "hyperliquid"
    out = capsys.readouterr().out
    assert "in place of Hyperliquid's own" in out
    c["tiers"].value = "exchange default"
    out = capsys.readouterr().out
    lp = liquidation_price("long", 96_000, 20, 1.0, convention="hyperliquid")
    assert f"liquidation {lp:,.2f}" in out and "Hyperliquid's own" in out


def test_builds_and_shows_a_figure_and_the_prices(shown, capsys):
    box = liquidation_explorer(**PLAIN_50X)
    assert isinstance(box, w.VBox)
    assert any(isinstance(x, Figure) for x in shown)
    out = capsys.readouterr().out
    assert f"liquidation {liquidation_price('long', 96_000, 50):,.2f}" in out
    assert f"bankruptcy {bankruptcy_price('long', 96_000, 50):,.2f}" in out
    names = set(controls_of(box))
    assert {"side", "leverage", "size", "tiers", "margin_mode", "wallet", "exchange"} <= names


def test_controls_change_the_result(shown, capsys):
    box = liquidation_explorer(**PLAIN_50X)
    c = controls_of(box)
    capsys.readouterr()
    c["exchange"].value = "binance_usdm"
    out = capsys.readouterr().out
    lp = liquidation_price("long", 96_000, 50, 1.0, convention="binance_usdm")
    assert f"liquidation {lp:,.2f}" in out and "Binance" in out
    c["side"].value = "short"
    out = capsys.readouterr().out
    lp = liquidation_price("short", 96_000, 50, 1.0, convention="binance_usdm")
    assert f"liquidation {lp:,.2f}" in out
    c["margin_mode"].value = "cross"
    out = capsys.readouterr().out
    lp = liquidation_price(
        "short",
        96_000,
        50,
        1.0,
        convention="binance_usdm",
        margin_mode="cross",
        wallet_balance=5_000.0,
    )
    assert f"liquidation {lp:,.2f}" in out


def test_impossible_settings_give_a_message(shown, capsys):
    box = liquidation_explorer()
    c = controls_of(box)
    c["tiers"].value = f"Binance BTCUSDT tiers dated {TIER_DATE}"  # the running example's table
    c["size"].value = 130.0  # 12.5M USDT notional: at most 25x in that table
    capsys.readouterr()
    c["leverage"].value = 50
    c["size"].value = 131.0
    out = capsys.readouterr().out
    assert "Not possible with these settings" in out and "exceeds the maximum" in out
    c["exchange"].value = "bybit_inverse"
    assert "in USDT" in capsys.readouterr().out


def test_inverse_convention_converts_size_to_contracts(shown, capsys):
    box = liquidation_explorer(**PLAIN_50X)
    c = controls_of(box)
    capsys.readouterr()
    c["exchange"].value = "binance_coinm"
    out = capsys.readouterr().out
    contracts = 96_000 / 100.0  # 1 BTC in 100-USD contracts
    lp = liquidation_price("long", 96_000, 50, contracts, convention="binance_coinm")
    assert f"liquidation {lp:,.2f}" in out
