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
    # --tiers NAME without --tiers-date: the newest table of that name
    lp = liquidation_price(
        "long", 96_000, 20, 30, maintenance=load_tier_table("binance_usdm_btcusdt"), margin=200_000
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
            "--entry",
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
                "200",
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


# --- the three screens, answered with their assumptions ------------------------------------
def assumption(out: str, key: str) -> str:
    _, _, tail = out.partition("Assumptions\n")
    return value(tail, key)


def test_screen_binance_isolated_with_the_bracket_shown(capsys):
    # Binance's published calculation example, as reproduced in freqtrade's tests: isolated
    # BTCUSDT long 109.488 BTC at 32,481.98 with 1,535,443.01 USDT of margin, bracket 2.5%
    # and maintenance amount 16,300 -> liquidation price 18,778.73. Pasted as shown.
    argv = ["liquidation-price", "--side", "buy", "--entry", "32,481.98", "--quantity"]
    argv += ["109.488", "--margin", "1,535,443.01", "--maintenance-rate", "2.5%"]
    argv += ["--maintenance-amount", "16,300"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert value(out, "liquidation price") == "18,778.73"
    assert value(out, "leverage") == "not needed"
    assert assumption(out, "maintenance rate") == "2.5000%"
    assert assumption(out, "maintenance amount") == "16,300.00 USDT"
    assert assumption(out, "isolated margin") == "1,535,443.01 USDT (given)"
    assert "the bracket given" in assumption(out, "tier table")
    assert "109.488 coin" in assumption(out, "contract")
    assert "none in the formula" in assumption(out, "fees")


def test_screen_bybit_with_fees_and_order_cost(capsys):
    # Bybit, "Liquidation Price (USDT Contract)" example 1: long 1 BTC at 20,000 with 50x,
    # MMR 0.5% -> 19,700; the fee to close is reserved in the order cost, not the price.
    argv = ["liquidation-price", "--side", "long", "--entry", "20,000", "--leverage", "50x"]
    assert main([*argv, "--exchange", "bybit_linear"]) == 0
    out = capsys.readouterr().out
    assert value(out, "liquidation price") == "19,700.00"
    assert assumption(out, "initial margin") == "400.00 USDT (notional / 50x)"
    assert assumption(out, "maintenance rate") == "0.5000%"
    assert "valued at the entry price" in assumption(out, "maintenance margin")
    assert assumption(out, "fees").startswith("taker 0.0550%: not in the liquidation price")
    assert assumption(out, "order cost (Bybit)").startswith("421.78 USDT")
    assert "toward_entry to 0.1" == assumption(out, "rounding")
    assert "bybit.com" in assumption(out, "source")
    # with the 0.075% fee of Bybit's order-cost page: 200 + 7.5 + 7.35 at 10,000
    argv = ["liquidation-price", "--side", "long", "--entry", "10000", "--leverage", "50"]
    assert main([*argv, "--exchange", "bybit_linear", "--taker-fee", "0.075%"]) == 0
    assert assumption(capsys.readouterr().out, "order cost (Bybit)").startswith("214.85 USDT")


def test_screen_cross_with_a_wallet(capsys):
    # Binance FAQ "How to avoid liquidation": wallet 500 USDT, long 1,000 USDT of BTCUSDT at
    # 50,000 with 20x -> 25,100.40.
    argv = ["liquidation-price", "--side", "long", "--entry", "50000", "--leverage", "20"]
    argv += ["--quantity", "0.02", "--margin-mode", "cross", "--wallet-balance", "500"]
    assert main([*argv, "--exchange", "binance_usdm"]) == 0
    out = capsys.readouterr().out
    assert value(out, "liquidation price") == "25,100.40"
    wallet = assumption(out, "wallet (cross)")
    assert wallet.startswith("500.00 USDT") and wallet.endswith("= 500.00 USDT in the formula")
    table = assumption(out, "tier table")
    assert table.startswith("binance_usdm_btcusdt dated 2025-12-26, tier 1 of 12")
    # the other positions' terms of Binance's cross example (freqtrade's table): 26,316.89
    argv = ["liquidation-price", "--side", "long", "--entry", "32481.98", "--quantity", "109.488"]
    argv += ["--margin-mode", "cross", "--wallet-balance", "1535443.01"]
    # ETH: 3,683.979 x 1,335.18 x 10% - 135,365 and 3,683.979 x (1,335.18 - 1,456.84)
    argv += ["--other-maintenance", "356,512.508122", "--other-upnl", "-448,192.88514"]
    argv += ["--maintenance-rate", "0.025", "--maintenance-amount", "16300"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert value(out, "liquidation price") == f"{26_316.89:,.2f}"


def test_json_output_holds_the_details(capsys):
    import json

    argv = ["liquidation-price", "--side", "short", "--entry", "96000", "--leverage", "10"]
    assert main([*argv, "--quantity", "30", "--tiers", "binance_usdm_btcusdt", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    expected = liquidation_price("short", 96_000, 10, 30, convention=None, maintenance=None)
    assert data["liquidation_price"] != expected  # the table, not the flat default
    # ~3.2 M USDT at the liquidation price: tier 4 (1 %, 12,000) of the newest table
    assert data["tier_table_date"] == "2025-12-26" and data["tier"] == 4
    assert data["maintenance_rate"] == 0.01 and data["maintenance_amount"] == 12_000
    assert "tier table" in data["assumptions"]


def test_shipped_tables_at_a_date_and_from_a_file(tmp_path, capsys):
    argv = ["liquidation-price", "--side", "long", "--entry", "96000", "--leverage", "10"]
    argv += ["--quantity", "30", "--tiers", "binance_usdm_btcusdt", "--tiers-date", "2021-03-18"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "dated 2021-03-18, tier 4 of 10" in assumption(out, "tier table")
    path = tmp_path / "tiers.csv"
    path.write_text("cap,max_leverage,maintenance_rate\n50000,125,0.4%\n250000,100,0.5%\n")
    argv = ["liquidation-price", "--side", "long", "--entry", "96000", "--leverage", "10"]
    assert main([*argv, "--quantity", "1", "--tiers-file", str(path)]) == 0
    assert "tiers undated (--tiers-date labels it), tier 2 of 2" in assumption(
        capsys.readouterr().out, "tier table"
    )


def test_funding_takes_the_venues_contract_size(capsys):
    # Binance COIN-M BTCUSD contracts are 100 USD: 10 contracts at 96,000 are 1/96 BTC, so a
    # 0.01% rate moves 0.00000104 BTC, not the 100 times smaller amount of 1 USD contracts.
    argv = ["funding", "--side", "long", "--quantity", "10", "--mark", "96,000", "--rate", "0.01%"]
    assert main([*argv, "--exchange", "binance_coinm"]) == 0
    out = capsys.readouterr().out
    expected = funding_payment("long", 10, 96_000, 0.0001, "inverse", 100)
    assert value(out, "payment") == f"{expected:,.8f} BTC: the trader pays"
    assert "of 100 USD" in assumption(out, "contract")
    assert assumption(out, "settlement") == "every 8 h on the mark price (at_timestamp)"
    assert main([*argv, "--exchange", "binance_coinm", "--contract", "linear"]) == 2
    assert "does not match --exchange" in capsys.readouterr().err


def test_conventions_and_tiers_commands(capsys):
    assert main(["conventions"]) == 0
    out = capsys.readouterr().out
    for name in ("binance_usdm", "gate", "bitget", "kraken_inverse", "deribit_linear", "dydx_v4"):
        assert name in out
    assert main(["conventions", "okx"]) == 0
    assert value(capsys.readouterr().out, "fee_in_maintenance") == "True"
    assert main(["tiers"]) == 0
    out = capsys.readouterr().out
    assert "2021-03-18" in out and "2024-06-28" in out and "kraken_inverse_btcusd" in out
    assert main(["tiers", "kraken_inverse_btcusd", "--date", "2020-01-01"]) == 0
    assert "dated 2019-03-05" in capsys.readouterr().out


def test_version_and_examples_in_every_help(capsys):
    from perpmath import __version__

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"perpmath {__version__}"
    for cmd in ("liquidation-price", "bankruptcy-price", "funding", "conventions", "tiers"):
        res = run(cmd, "--help")
        assert res.returncode == 0 and "examples:" in res.stdout, cmd
        assert "python -m perpmath " + cmd in res.stdout


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (
            ["--margin-mode", "cross", "--wallet-balance", "1000", "--other-maintenance", "-1"],
            "argument --other-maintenance: must be 0 or more",
        ),
        (["--leverage", "lots"], "argument --leverage: must be a number"),
        (["--maintenance-amount", "50"], "--maintenance-amount goes with --maintenance-rate"),
        (["--taker-fee", "0.1%"], "--taker-fee needs --exchange"),
        (["--maintenance-rate", "150%"], "argument --maintenance-rate: must be a rate"),
        (["--tiers-date", "2021-03-18"], "--tiers-date goes with --tiers"),
        (["--tiers", "binance_usdm_btcusdt", "--tiers-date", "2020-01-01"], "before the first"),
        (["--tiers-file", "/nonexistent.json"], "does not exist"),
        (["--wallet-balance", "100"], "--wallet-balance applies only with --margin-mode='cross'"),
        (["--contract", "inverse", "--tiers", "binance_usdm_btcusdt"], "is for linear contracts"),
        # a symbol with no file to pick it from was ignored in silence
        (["--tiers-symbol", "BTCUSDT"], "--tiers-symbol goes with --tiers-file"),
        (["--tiers", "binance_usdm", "--tiers-symbol", "BTCUSDT"], "--tiers-symbol goes with"),
        (["--tiers-file", ""], "argument --tiers-file: must not be empty, got ''"),
        (["--entry", "-inf"], "argument --entry: must be a finite number, got '-inf'"),
        # two absurd magnitudes overflow a float: refused, not printed as nan
        (["--entry", "1e300", "--quantity", "1e300"], "overflows a float: --entry 1e+300 and"),
    ],
)
def test_more_bad_values_exit_2_naming_the_flag(argv, needle, capsys):
    base = ["liquidation-price", "--side", "sell", "--entry", "96,000", "--leverage", "20x"]
    assert main([*base, *argv]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert captured.out == "" and len(lines) == 1 and needle in lines[0], lines


def test_json_is_strict_even_for_a_price_that_never_comes(capsys):
    import json

    # an inverse short at 1x is never liquidated: the price is infinite, written "inf"
    argv = ["liquidation-price", "--side", "short", "--entry", "96000", "--leverage", "1"]
    assert main([*argv, "--quantity", "100", "--contract", "inverse", "--json"]) == 0
    data = json.loads(capsys.readouterr().out, parse_constant=lambda c: pytest.fail(c))
    assert data["liquidation_price"] == "inf"


def test_every_help_example_runs_verbatim(tmp_path, monkeypatch, capsys):
    # the examples a trader copies from --help: each must run as printed (the bracket file of
    # the --tiers-file example is the exchange's own response, written first)
    import json
    import shlex

    from perpmath.cli import _EPILOGS
    from perpmath.tiers import load_tier_table

    t = load_tier_table("binance_usdm_btcusdt")
    brackets = [
        {"bracket": k + 1, "initialLeverage": int(t.max_leverage[k]), "notionalCap": t.cap[k],
         "notionalFloor": t.floor[k], "maintMarginRatio": t.maintenance_rate[k],
         "cum": t.maintenance_amount[k]}
        for k in range(len(t))
    ]  # fmt: skip
    (tmp_path / "brackets.json").write_text(
        json.dumps([{"symbol": "BTCUSDT", "brackets": brackets}])
    )
    monkeypatch.chdir(tmp_path)
    commands = []
    for text in _EPILOGS.values():
        joined = text.replace("\\\n", " ")
        commands += [line.strip() for line in joined.splitlines() if "python -m perpmath" in line]
    assert len(commands) >= 12
    for command in commands:
        argv = shlex.split(command)[3:]
        assert main(argv) == 0, command
        assert capsys.readouterr().out.strip(), command


def test_numbers_names_and_sides_as_people_paste_them(capsys):
    base = ["liquidation-price", "--entry", "$65,000", "--leverage", "20X"]
    assert main([*base, "--side", "LONG", "--quantity", "0.5 BTC", "--margin", "1,625 USDT"]) == 0
    pasted = value(capsys.readouterr().out, "liquidation price")
    assert main(["liquidation-price", "--side", "long", "--entry", "65000", "--leverage", "20",
                 "--quantity", "0.5", "--margin", "1625"]) == 0  # fmt: skip
    assert value(capsys.readouterr().out, "liquidation price") == pasted
    # exchange names in any case, with dashes, or by a unique prefix; the margin mode too
    argv = ["liquidation-price", "--side", "sell", "--entry", "65000", "--leverage", "20"]
    assert main([*argv, "--exchange", "Bybit-Linear", "--margin-mode", "Isolated"]) == 0
    assert "(bybit_linear, isolated margin)" in capsys.readouterr().out
    assert main([*argv, "--exchange", "dydx"]) == 0
    assert "(dydx_v4," in capsys.readouterr().out
    # an ambiguous name lists the candidates
    assert main([*argv, "--exchange", "Binance"]) == 2
    assert "'Binance' is ambiguous: binance_coinm or binance_usdm" in capsys.readouterr().err


def test_coinm_bracket_file_counts_coin(tmp_path, capsys):
    # Binance COIN-M bracket response (qtyCap/qtylFloor in BTC): the table counts coin, so a
    # COIN-M position can use it; without a date it says it is undated
    import json

    data = [{"pair": "BTCUSD", "brackets": [
        {"bracket": 1, "initialLeverage": 125, "qtyCap": 5, "qtylFloor": 0,
         "maintMarginRatio": 0.004, "cum": 0.0},
        {"bracket": 2, "initialLeverage": 100, "qtyCap": 10, "qtylFloor": 5,
         "maintMarginRatio": 0.005, "cum": 0.005}]}]  # fmt: skip
    path = tmp_path / "coinm.json"
    path.write_text(json.dumps(data))
    argv = ["liquidation-price", "--side", "long", "--entry", "96000", "--leverage", "10"]
    argv += ["--quantity", "30", "--exchange", "binance_coinm", "--tiers-file", str(path)]
    assert main(argv) == 0
    table = assumption(capsys.readouterr().out, "tier table")
    assert table.startswith("coinm undated (--tiers-date labels it), tier 1 of 2")
    assert table.endswith("<= 5 BTC)")


def test_json_holds_the_fee_numbers_distances_and_sources(capsys):
    import json

    argv = ["liquidation-price", "--side", "long", "--entry", "20000", "--leverage", "50"]
    assert main([*argv, "--exchange", "bybit_linear", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # Bybit's order cost example numbers at 0.055%: IM 400 + open 11 + close at 19,600 10.78
    assert data["fee_to_open"] == 11.0 and data["order_cost"] == 421.78
    assert data["distance_to_liquidation"] == 0.015 and data["distance_to_bankruptcy"] == 0.02
    assert "Margin Parameters" in data["tier_table_source"] and "bybit.com" in data["source"]


def test_negative_values_as_pasted(capsys):
    # a negative rate with a % sign and a negative PnL with its unit are values, not flags
    argv = ["funding", "--side", "long", "--quantity", "0.5 BTC", "--mark", "$96,000"]
    assert main([*argv, "--rate", "-0.0050%"]) == 0
    assert value(capsys.readouterr().out, "payment").startswith("2.40 USDT: the trader receives")
    argv = ["liquidation-price", "--side", "long", "--entry", "96000", "--quantity", "0.1"]
    argv += ["--margin-mode", "cross", "--wallet-balance", "10000"]
    assert main([*argv, "--other-upnl", "-2,000 USDT"]) == 0
    pasted = value(capsys.readouterr().out, "liquidation price")
    assert main([*argv, "--other-upnl", "-2000"]) == 0
    assert value(capsys.readouterr().out, "liquidation price") == pasted


# --- every flag of every command fed bad values ----------------------------------------------
# The commands and their flags are read from build_parser(), so a new flag of a known kind is
# walked without a change here. A new command needs a valid base in WALK_BASE; a new kind of
# value (a new type= function) needs a row in WALK_ALLOWED saying which probes it may take.
WALK_BASE = {
    "liquidation-price": ["--side", "long", "--entry", "96000", "--leverage", "10"],
    "bankruptcy-price": ["--side", "long", "--entry", "96000", "--leverage", "10"],
    "funding": ["--side", "long", "--quantity", "1", "--mark", "96000", "--rate", "0.01%"],
    "conventions": [],
    "tiers": [],
}
_CROSS = ["--margin-mode", "cross", "--wallet-balance", "1000"]
WALK_CONTEXT = {  # flags that apply only beside another one: walked in that mode
    "--wallet-balance": _CROSS,
    "--other-upnl": _CROSS,
    "--other-maintenance": _CROSS,
    "--maintenance-amount": ["--maintenance-rate", "0.5%"],
    "--tiers-date": ["--tiers", "binance_usdm_btcusdt"],
    "--tiers-symbol": ["--tiers-file", "{brackets}"],
    "--date": ["binance_usdm_btcusdt"],
}
WALK_PROBES = {
    "nan": ["nan", "NaN", "-nan"],
    "inf": ["inf", "-inf", "Infinity", "1e400"],  # 1e400 is infinity once read
    "negative": ["-1", "-2,000"],
    "zero": ["0", "0%"],
    "word": ["abc", "ten"],
    "empty": ["", "  "],
    "huge": ["1e300"],
}
WALK_ALLOWED = {  # type= function -> the probes it may take (anything else exits 2)
    "_positive": {"huge"},
    "_leverage": {"huge"},
    "_non_negative": {"zero", "huge"},
    "_number": {"zero", "negative", "huge"},  # an unrealised PnL of other positions
    "_funding_rate": {"zero", "negative"},
    "_rate_0_1": {"zero"},
    "_side": set(),
    "convert": set(),  # a name from a list (exchange, tier table, contract, margin mode)
    "_text": set(),  # in its context: no such file, no such date, no such symbol
}


def _walked_flags() -> list[tuple[str, str]]:
    import argparse

    from perpmath.cli import build_parser

    commands = next(
        a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)
    ).choices
    assert set(commands) == set(WALK_BASE), "add a valid base for the new command to WALK_BASE"
    out = []
    for command, sub in commands.items():
        for action in sub._actions:
            if action.nargs == 0:  # --help, --json: no value to spoil
                continue
            out.append(
                (command, action.option_strings[0] if action.option_strings else action.metavar)
            )
    return out


@pytest.mark.parametrize(("command", "flag"), _walked_flags())
def test_every_flag_refuses_bad_values_in_one_line(command, flag, tmp_path, capsys):
    import argparse
    import json
    import re

    from perpmath.cli import build_parser

    sub = next(
        a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)
    ).choices[command]
    action = next(a for a in sub._actions if flag in (*a.option_strings, a.metavar))
    kind = getattr(action.type, "__name__", None)
    assert kind in WALK_ALLOWED, f"{flag} reads its value with {kind!r}: add it to WALK_ALLOWED"
    brackets = tmp_path / "brackets.json"
    brackets.write_text(json.dumps([{"symbol": "BTCUSDT", "brackets": [
        {"bracket": 1, "initialLeverage": 125, "notionalCap": 50_000, "notionalFloor": 0,
         "maintMarginRatio": 0.004, "cum": 0.0},
        {"bracket": 2, "initialLeverage": 100, "notionalCap": 250_000, "notionalFloor": 50_000,
         "maintMarginRatio": 0.005, "cum": 50.0},
    ]}]))  # fmt: skip
    # the probe comes last, so it replaces a valid value of the same flag in the base
    base = list(WALK_BASE[command])
    context = [a.format(brackets=brackets) for a in WALK_CONTEXT.get(flag, [])]
    assert main([command, *base, *context]) == 0, f"the base of {flag} is not a valid call"
    capsys.readouterr()
    for probe_kind, probes in WALK_PROBES.items():
        for probe in probes:
            given = [flag, probe] if action.option_strings else [probe]
            argv = [command, *base, *context, *given]
            status = main(argv)
            out, err = capsys.readouterr()
            lines = err.strip().splitlines()
            label = f"python -m perpmath {' '.join(map(repr, argv))}"
            assert status in (0, 2) and len(lines) <= 1 and "Traceback" not in err, (label, err)
            if status == 0:
                assert probe_kind in WALK_ALLOWED[kind], f"{label} exited 0:\n{out}"
                assert not re.search(r"\bnan\b", out, re.IGNORECASE), f"{label} printed NaN"
                continue
            assert out == "" and lines[0].startswith("error: "), (label, err)
            if probe_kind not in WALK_ALLOWED[kind] and probe_kind != "huge":
                shown = flag in lines[0] or (probe.startswith("-") and probe in lines[0])
                assert shown, f"{label}: the error does not name {flag}: {lines[0]}"


def test_funding_rate_is_a_fraction_per_settlement(capsys):
    # "1" is 100% per settlement, most likely meant as 1%: refused with the forms that work
    argv = ["funding", "--side", "long", "--quantity", "1", "--mark", "96000", "--rate"]
    assert main([*argv, "1"]) == 2
    assert "argument --rate: must be a rate between -100% and 100% such as 0.01%" in (
        capsys.readouterr().err
    )
    assert main([*argv, "-0.75%"]) == 0
    assert "the trader receives" in capsys.readouterr().out
    assert main([*argv, "1e300"]) == 2
    assert "argument --rate: must be a rate between" in capsys.readouterr().err
    assert main(["funding", "--side", "long", "--quantity", "1e300", "--mark", "1e300",
                 "--rate", "0.01%"]) == 2  # fmt: skip
    assert "overflows a float: --quantity 1e+300 and --mark 1e+300" in capsys.readouterr().err


def test_a_position_never_liquidated_has_no_nan_in_its_json(capsys):
    import json

    argv = ["liquidation-price", "--side", "short", "--entry", "96000", "--leverage", "1"]
    assert main([*argv, "--quantity", "100", "--contract", "inverse", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["liquidation_price"] == "inf" and data["maintenance_margin"] == 0.0
    assert '"nan"' not in json.dumps(data).lower()
