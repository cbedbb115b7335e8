"""Command-line calculator (perpmath.cli, python -m perpmath)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from perpmath.cli import main
from perpmath.funding import funding_payment
from perpmath.liquidation import bankruptcy_price, liquidation_price


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "perpmath", *args], capture_output=True, text=True, timeout=60
    )


def value(out: str, key: str) -> str:
    for line in out.splitlines():
        if line.strip().startswith(key):
            return line.strip()[len(key) :].strip()
    raise AssertionError(f"{key!r} not in output:\n{out}")


def test_subprocess_liquidation_price_matches_library():
    res = run("liquidation-price", "--side", "long", "--entry", "96000", "--leverage", "50")
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    expected = liquidation_price("long", 96_000, 50)
    assert value(res.stdout, "liquidation price") == f"{expected:,.2f}"
    assert value(res.stdout, "bankruptcy price") == "94,080.00"
    assert value(res.stdout, "distance to bankruptcy") == "2.00% of entry"


def test_subprocess_bad_input_one_line_no_traceback():
    res = run("liquidation-price", "--side", "sideways", "--entry", "96000", "--leverage", "50")
    assert res.returncode == 2
    assert res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr
    assert "side" in lines[0] and "sideways" in lines[0]


def test_help_lists_subcommands_and_exchanges():
    res = run("--help")
    assert res.returncode == 0
    for cmd in ("liquidation-price", "bankruptcy-price", "funding"):
        assert cmd in res.stdout
    res = run("liquidation-price", "--help")
    assert "--exchange" in res.stdout and "binance_usdm" in res.stdout


@pytest.mark.parametrize("exchange", ["binance_usdm", "bybit_linear", "okx", "hyperliquid"])
def test_exchange_convention_is_passed_through(exchange, capsys):
    argv = ["liquidation-price", "--side", "short", "--entry", "96000", "--leverage", "20"]
    assert main([*argv, "--exchange", exchange]) == 0
    out = capsys.readouterr().out
    expected = liquidation_price("short", 96_000, 20, convention=exchange)
    assert value(out, "liquidation price") == f"{expected:,.2f}"
    assert exchange in out.splitlines()[0]


def test_tiers_margin_and_quantity(capsys):
    from perpmath.tiers import load_tier_table

    argv = ["liquidation-price", "--side", "long", "--entry", "96000", "--leverage", "20"]
    argv += ["--quantity", "30", "--tiers", "binance_usdm_btcusdt", "--margin", "200000"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    lp = liquidation_price(
        "long",
        96_000,
        20,
        30,
        maintenance=load_tier_table("binance_usdm_btcusdt", date="2021-03-18"),
        margin=200_000,
    )
    assert value(out, "liquidation price") == f"{lp:,.2f}"


def test_cross_margin_requires_wallet(capsys):
    argv = ["liquidation-price", "--side", "long", "--entry", "96000", "--leverage", "20"]
    assert main([*argv, "--margin-mode", "cross"]) == 2
    assert "--wallet-balance" in capsys.readouterr().err
    assert main([*argv, "--margin-mode", "cross", "--wallet-balance", "10000"]) == 0
    out = capsys.readouterr().out
    lp = liquidation_price("long", 96_000, 20, margin_mode="cross", wallet_balance=10_000)
    assert value(out, "liquidation price") == f"{lp:,.2f}"


def test_bankruptcy_price_inverse(capsys):
    argv = ["bankruptcy-price", "--side", "long", "--entry", "96000", "--leverage", "10"]
    assert main([*argv, "--exchange", "bybit_inverse", "--quantity", "1000"]) == 0
    out = capsys.readouterr().out
    bp = bankruptcy_price("long", 96_000, 10, convention="bybit_inverse", quantity=1000)
    assert value(out, "bankruptcy price") == f"{bp:,.2f}"


def test_funding_payment_sign(capsys):
    argv = ["funding", "--side", "long", "--quantity", "0.5", "--mark", "96000", "--rate", "0.0001"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert (
        value(out, "payment")
        == f"{funding_payment('long', 0.5, 96_000, 0.0001):,.2f} USDT: the trader pays"
    )
    argv[2] = "short"
    assert main(argv) == 0
    assert "the trader receives" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, needle",
    [
        (
            ["liquidation-price", "--side", "long", "--entry", "96000", "--leverage", "0"],
            "leverage",
        ),
        (
            ["liquidation-price", "--side", "long", "--entry", "-1", "--leverage", "5"],
            "entry_price",
        ),
        (["liquidation-price", "--side", "long", "--entry", "x", "--leverage", "5"], "--entry"),
        (
            [
                "liquidation-price",
                "--side",
                "long",
                "--entry",
                "96000",
                "--leverage",
                "150",
                "--tiers",
                "binance_usdm_btcusdt",
            ],
            "exceeds the maximum",
        ),
        (
            [
                "liquidation-price",
                "--side",
                "long",
                "--entry",
                "96000",
                "--leverage",
                "50",
                "--mark",
                "94000",
            ],
            "past the liquidation price",
        ),
        (
            [
                "liquidation-price",
                "--side",
                "long",
                "--entry",
                "1",
                "--leverage",
                "5",
                "--exchange",
                "nowhere",
            ],
            "--exchange",
        ),
        (
            ["funding", "--side", "long", "--quantity", "1", "--mark", "nan", "--rate", "0.01"],
            "finite",
        ),
        ([], "COMMAND"),
    ],
)
def test_bad_input_exits_2_with_one_line(argv, needle, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert needle in lines[0]
