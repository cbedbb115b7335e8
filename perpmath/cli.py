"""Command-line calculator: check an exchange's number, with every assumption shown.

    python -m perpmath liquidation-price --side buy --entry 65,000 --leverage 20x \\
        --quantity 0.5 --exchange binance_usdm
    python -m perpmath liquidation-price --side long --entry 20000 --leverage 50 \\
        --exchange bybit_linear
    python -m perpmath liquidation-price --side long --entry 50000 --leverage 20 \\
        --quantity 0.02 --margin-mode cross --wallet-balance 500 --exchange binance_usdm
    python -m perpmath funding --side long --quantity 10 --mark 96000 --rate 0.01% \\
        --exchange binance_coinm
    python -m perpmath conventions
    python -m perpmath tiers

Every number comes from the library (``perpmath.liquidation``,
``perpmath.funding``, ``perpmath.fees``); ``--exchange`` picks a named
convention from ``perpmath.conventions``. Each answer is followed by what
was assumed to get it (maintenance rate, tier and amount, margins, fees and
where they enter, the tier table and its date, contract size and units, the
wallet under cross margin); ``--json`` prints the same as one JSON object.
Numbers may be pasted as exchanges show them ("65,000", "20x", "0.01%"),
sides as "buy"/"sell". Bad input exits with status 2 and one line on
standard error naming the flag, and so does a result that overflows a float
(two absurd magnitudes): no NaN is ever printed as an answer.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["build_parser", "main"]

PROG = "python -m perpmath"


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, without the usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: {message} (see --help)")


class _UsageError(Exception):
    pass


# --- values as people paste them -------------------------------------------------------------
#: Units people paste after a number ("0.5 BTC", "1,000 USDT"); they are dropped.
_UNITS = frozenset(
    "USDT USDC USD BUSD BTC XBT ETH COIN COINS CONT CONTS CONTRACT CONTRACTS".split()
)
_UNIT_SUFFIX = re.compile(r"^(.*\d\.?)([A-Za-z]+)$")


def _clean(text: str) -> str:
    """A pasted number without thousands separators, spaces, a leading $ or a unit."""
    t = str(text).strip().replace(",", "").replace("_", "").replace(" ", "")
    if t.startswith("$"):
        t = t[1:]
    m = _UNIT_SUFFIX.match(t)
    if m and m.group(2).upper() in _UNITS:
        t = m.group(1)
    return t


def _number(text: str) -> float:
    try:
        value = float(_clean(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number such as 65,000, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def _positive(text: str) -> float:
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text!r}")
    return value


def _non_negative(text: str) -> float:
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text!r}")
    return value


def _leverage(text: str) -> float:
    t = _clean(text)
    return _positive(t[:-1] if t.lower().endswith("x") else t)


def _fraction(text: str) -> float:
    """A rate: 0.0004 or 0.04% (a signed fraction)."""
    t = _clean(text)
    if t.endswith("%"):
        return _number(t[:-1]) / 100.0
    return _number(t)


def _funding_rate(text: str) -> float:
    """A funding rate per settlement: a signed fraction strictly between -100% and 100%
    (venues cap it at a few percent; "1" is 100%, not 1%)."""
    value = _fraction(text)
    if not -1 < value < 1:
        raise argparse.ArgumentTypeError(
            f"must be a rate between -100% and 100% such as 0.01% or 0.0001, got {text!r}"
        )
    return value


def _text(text: str) -> str:
    """Free text (a path, a date, a symbol): anything but blank."""
    if not str(text).strip():
        raise argparse.ArgumentTypeError(f"must not be empty, got {text!r}")
    return str(text).strip()


def _rate_0_1(text: str) -> float:
    value = _fraction(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be a rate from 0 to 100%, got {text!r}")
    return value


_NEGATIVE = re.compile(r"^-\$?\d[\d,_]*(\.\d*)?(x|%|\s*[A-Za-z]+)?$")


def _negative(text: str) -> str:
    """A negative number as pasted ("-2,000 USDT", "-0.005%") in a form argparse takes."""
    t = _clean(text.replace("-$", "-", 1))
    if t.endswith("%"):
        try:
            # fixed-point: argparse takes "-0.00005" as a value but "-5e-05" as a flag
            return f"{float(t[:-1]) / 100.0:.15f}".rstrip("0").rstrip(".")
        except ValueError:
            return t
    return t


_NOT_A_NUMBER = re.compile(r"^-(inf(inity)?|nan)$", re.IGNORECASE)


def _values_of_flags(args: list[str]) -> list[str]:
    """``--entry -inf`` as ``--entry=-inf``: argparse takes "-inf" for a flag and would
    answer "expected one argument" instead of saying what is wrong with the value."""
    out: list[str] = []
    for a in args:
        if _NOT_A_NUMBER.match(a) and out and out[-1].startswith("--") and "=" not in out[-1]:
            out[-1] = f"{out[-1]}={a}"
        else:
            out.append(a)
    return out


_SIDES = {"long": "long", "buy": "long", "short": "short", "sell": "short"}


def _side(text: str) -> str:
    key = str(text).strip().lower()
    if key not in _SIDES:
        raise argparse.ArgumentTypeError(f"must be long, short, buy or sell, got {text!r}")
    return _SIDES[key]


def _lower(choices: Callable[[], list[str]] | tuple[str, ...]) -> Callable[[str], str]:
    """A name as typed ("Binance-USDM", "Cross") -> the registered one (binance_usdm, cross).

    A unique prefix is accepted ("dydx" -> dydx_v4); an ambiguous one ("binance") is
    refused with the candidates.
    """

    def convert(text: str) -> str:
        names = choices() if callable(choices) else list(choices)
        key = re.sub(r"[\s\-.]+", "_", str(text).strip().lower())
        key = _ALIASES.get(key, key)
        if key in names:
            return key
        hits = [n for n in names if n.startswith(key)] if key else []
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise argparse.ArgumentTypeError(f"{text!r} is ambiguous: {' or '.join(hits)}")
        raise argparse.ArgumentTypeError(f"must be one of {', '.join(names)}, got {text!r}")

    return convert


_ALIASES = {"gateio": "gate", "gate_io": "gate", "binance_futures": "binance_usdm"}


# --- library names -> flags --------------------------------------------------------------
_FLAGS = {
    "entry_price": "--entry",
    "wallet_balance": "--wallet-balance",
    "other_maintenance": "--other-maintenance",
    "other_unrealized_pnl": "--other-upnl",
    "mark_price": "--mark",
    "maintenance_amount": "--maintenance-amount",
    "contract_size": "--contract-size",
    "taker_fee": "--taker-fee",
    "margin_mode": "--margin-mode",
    "convention": "--exchange",
}
_LEADING = {
    "leverage": "--leverage",
    "quantity": "--quantity",
    "margin": "--margin",
    "maintenance": "--maintenance-rate",
    "side": "--side",
    "rate": "--rate",
    "contract": "--contract",
}


#: Names that mean a different flag in one command (the library's ``date`` of a tier table).
_LEADING_BY_COMMAND = {
    "liquidation-price": {
        "source": "--tiers-file",
        "date": "--tiers-date",
        "symbol": "--tiers-symbol",
    },
    "tiers": {"date": "--date", "name": "NAME"},
    "conventions": {"name": "NAME"},
}


def _flag_names(message: str, command: str | None = None) -> str:
    """Replace the library's parameter names in an error message by the CLI's flags."""
    message = message.replace("pass symbol=", "pass --tiers-symbol")
    for name, flag in _FLAGS.items():
        message = re.sub(rf"\b{name}\b", flag, message)
    for name, flag in (_LEADING | _LEADING_BY_COMMAND.get(command or "", {})).items():
        message = re.sub(rf"^{name}(?= must| is| =|=| ')", flag, message)
    return message


def _conventions() -> list[str]:
    from perpmath.conventions import convention_names

    return convention_names()


def _tier_tables() -> list[str]:
    from perpmath.tiers import available_tier_tables

    return available_tier_tables()


# --- formatting ---------------------------------------------------------------------------
def _money(x: float, unit: str) -> str:
    if math.isinf(x):
        return "never (infinite)"
    decimals = 2 if unit in ("USDT", "USD", "USDC", "BUSD") else 8
    return f"{x:,.{decimals}f} {unit}"


def _price(x: float) -> str:
    if math.isinf(x):
        return "never (no finite price)"
    if x == 0:
        return "0 (never liquidated above a price of 0)"
    return f"{x:,.2f}"


def _lines(title: str, rows: list[tuple[str, str]]) -> str:
    width = max(len(k) for k, _ in rows)
    body = "\n".join(f"  {k.ljust(width)}  {val}" for k, val in rows)
    return f"{title}\n{body}"


# --- parser -------------------------------------------------------------------------------
_EPILOGS = {
    "liquidation-price": """examples:
  Binance isolated, with the bracket the position screen shows (rate and amount):
    python -m perpmath liquidation-price --side buy --entry 32,481.98 --quantity 109.488 \\
      --margin 1,535,443.01 --maintenance-rate 2.5% --maintenance-amount 16,300
  Bybit USDT perpetual, its convention (maintenance at entry, tick rounding):
    python -m perpmath liquidation-price --side long --entry 20,000 --leverage 50x \\
      --exchange bybit_linear
  Cross margin with a wallet (other positions' maintenance and unrealised PnL optional):
    python -m perpmath liquidation-price --side long --entry 50000 --leverage 20 \\
      --quantity 0.02 --margin-mode cross --wallet-balance 500 --exchange binance_usdm
  A tier table from the exchange's bracket API, or a shipped one at a date:
    python -m perpmath liquidation-price --side short --entry 96000 --leverage 10 \\
      --quantity 30 --tiers-file brackets.json --tiers-symbol BTCUSDT
    python -m perpmath liquidation-price --side short --entry 96000 --leverage 10 \\
      --quantity 30 --tiers binance_usdm_btcusdt --tiers-date 2021-03-18
""",
    "bankruptcy-price": """examples:
    python -m perpmath bankruptcy-price --side long --entry 10000 --leverage 50
    python -m perpmath bankruptcy-price --side long --entry 8000 --leverage 50 \\
      --quantity 10000 --exchange bybit_inverse --taker-fee 0.075%
""",
    "funding": """examples:
    python -m perpmath funding --side long --quantity 0.5 --mark 96,000 --rate 0.01%
  COIN-M: the venue's contract size (100 USD per BTCUSD contract) is taken from --exchange:
    python -m perpmath funding --side short --quantity 10 --mark 96000 --rate 0.0001 \\
      --exchange binance_coinm
""",
    "conventions": """examples:
    python -m perpmath conventions
    python -m perpmath conventions okx
    python -m perpmath conventions --json
""",
    "tiers": """examples:
    python -m perpmath tiers
    python -m perpmath tiers binance_usdm_btcusdt --date 2021-03-18
""",
}


def _sub(sub: Any, name: str, help_: str, description: str) -> argparse.ArgumentParser:
    return sub.add_parser(
        name,
        help=help_,
        description=description,
        epilog=_EPILOGS[name],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _add_position_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--side", required=True, type=_side, help="long/buy or short/sell")
    p.add_argument("--entry", required=True, type=_positive, help="entry price, e.g. 65,000")
    p.add_argument(
        "--leverage",
        type=_leverage,
        default=None,
        help="leverage, e.g. 20 or 20x; may be left out with --margin or under cross margin",
    )
    p.add_argument(
        "--quantity",
        type=_positive,
        default=1.0,
        help="number of contracts: coin for linear contracts of size 1 (default 1)",
    )
    p.add_argument(
        "--exchange",
        type=_lower(_conventions),
        choices=_conventions(),
        default=None,
        metavar="NAME",
        help="exchange convention (fees, maintenance, rounding): "
        + ", ".join(_conventions())
        + ". Default: the plain formula without fees or rounding",
    )
    p.add_argument(
        "--contract",
        type=_lower(("linear", "inverse")),
        choices=("linear", "inverse"),
        default=None,
        help="linear (USDT-margined) or inverse (coin-margined); default: the exchange's",
    )
    p.add_argument(
        "--contract-size",
        type=_positive,
        default=None,
        help="coin per linear contract (OKX 0.01, Gate 0.0001) or USD per inverse contract "
        "(Binance COIN-M 100); default: the exchange's, else 1",
    )
    p.add_argument(
        "--margin",
        type=_positive,
        default=None,
        help="isolated margin (USDT linear, coin inverse); default: the initial margin",
    )
    p.add_argument(
        "--margin-mode",
        type=_lower(("isolated", "cross")),
        choices=("isolated", "cross"),
        default="isolated",
        help="isolated (default) or cross",
    )
    p.add_argument(
        "--wallet-balance",
        type=_positive,
        default=None,
        help="cross margin: the account's wallet balance",
    )
    p.add_argument(
        "--other-upnl",
        type=_number,
        default=0.0,
        help="cross margin: unrealised PnL of the account's other positions (default 0)",
    )
    p.add_argument(
        "--taker-fee",
        type=_rate_0_1,
        default=None,
        help="taker fee rate, e.g. 0.055%% (default: the exchange's)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _add_maintenance_arguments(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--maintenance-rate",
        type=_rate_0_1,
        default=None,
        help="maintenance margin rate of the position's bracket, e.g. 0.5%% or 0.005 "
        "(default: the exchange's, else 0.4%%)",
    )
    group.add_argument(
        "--tiers",
        type=_lower(_tier_tables),
        choices=_tier_tables(),
        default=None,
        metavar="NAME",
        help="shipped tier table: " + ", ".join(_tier_tables()) + " (see the tiers command)",
    )
    group.add_argument(
        "--tiers-file",
        type=_text,
        default=None,
        metavar="PATH",
        help="tier table as the exchange gives it: Binance bracket API or ccxt JSON, "
        "Hyperliquid marginTable, or CSV columns floor,cap,max_leverage,maintenance_rate",
    )
    p.add_argument(
        "--maintenance-amount",
        type=_non_negative,
        default=None,
        help="maintenance amount (cum) of the bracket, with --maintenance-rate",
    )
    p.add_argument(
        "--tiers-date",
        type=_text,
        default=None,
        help="date of the shipped table (default: the newest)",
    )
    p.add_argument(
        "--tiers-symbol", type=_text, default=None, help="symbol to pick from a --tiers-file"
    )
    p.add_argument(
        "--other-maintenance",
        type=_non_negative,
        default=0.0,
        help="cross margin: maintenance margin of the other positions (default 0)",
    )
    p.add_argument(
        "--mark",
        type=_positive,
        default=None,
        help="current mark price: refuse a position already past its liquidation price",
    )


def _add_info_commands(sub: Any) -> None:
    conv = _sub(
        sub,
        "conventions",
        "list the exchange conventions and their rules",
        "Exchange conventions: contract family, maintenance model, where fees enter, "
        "rounding, tier table and its date, source.",
    )
    conv.add_argument(
        "name", nargs="?", type=_lower(_conventions), choices=_conventions(), metavar="NAME"
    )
    conv.add_argument("--json", action="store_true", help="print JSON")
    tiers = _sub(
        sub,
        "tiers",
        "list the shipped tier tables with their dates, or show one",
        "Tier tables shipped with perpmath, each with the date it is in force from.",
    )
    tiers.add_argument(
        "name", nargs="?", type=_lower(_tier_tables), choices=_tier_tables(), metavar="NAME"
    )
    tiers.add_argument("--date", type=_text, default=None, help="the table in force at this date")
    tiers.add_argument("--json", action="store_true", help="print JSON")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m perpmath``."""
    parser = _Parser(
        prog=PROG,
        description="Check an exchange's liquidation price, bankruptcy price or funding "
        "payment with perpmath, with every assumption shown.",
        epilog="run a command with --help for its examples",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    liq = _sub(
        sub,
        "liquidation-price",
        "price at which the position is liquidated",
        "Liquidation price (and bankruptcy price and distances) of one position, "
        "followed by the values assumed.",
    )
    _add_position_arguments(liq)
    _add_maintenance_arguments(liq)
    bank = _sub(
        sub,
        "bankruptcy-price",
        "price at which the position's margin is used up",
        "Bankruptcy price (equity 0) of one position.",
    )
    _add_position_arguments(bank)
    fund = _sub(
        sub,
        "funding",
        "funding payment at one settlement",
        "Funding payment = position notional at the mark price x funding rate "
        "(positive: the trader pays; a long pays when the rate is positive).",
    )
    fund.add_argument("--side", required=True, type=_side, help="long/buy or short/sell")
    fund.add_argument(
        "--quantity", required=True, type=_positive, help="contracts (coin for linear of size 1)"
    )
    fund.add_argument("--mark", required=True, type=_positive, help="mark price at settlement")
    fund.add_argument(
        "--rate",
        required=True,
        type=_funding_rate,
        help="funding rate per settlement, e.g. 0.01%% or 0.0001 (between -100%% and 100%%)",
    )
    fund.add_argument(
        "--exchange", type=_lower(_conventions), choices=_conventions(), metavar="NAME"
    )
    fund.add_argument(
        "--contract", type=_lower(("linear", "inverse")), choices=("linear", "inverse")
    )
    fund.add_argument(
        "--contract-size",
        type=_positive,
        default=None,
        help="USD per inverse contract or coin per linear contract (default: the "
        "exchange's, else 1)",
    )
    fund.add_argument("--json", action="store_true", help="print one JSON object")
    _add_info_commands(sub)
    return parser


# --- liquidation and bankruptcy -------------------------------------------------------------
def _maintenance(args: argparse.Namespace) -> Any:
    from perpmath.tier_io import read_tier_table
    from perpmath.tiers import load_tier_table

    if args.tiers is not None:
        if args.tiers_symbol is not None:
            raise ValueError("--tiers-symbol goes with --tiers-file (the symbol to pick from it)")
        return load_tier_table(args.tiers, date=args.tiers_date)
    if args.tiers_file is not None:
        return read_tier_table(args.tiers_file, symbol=args.tiers_symbol, date=args.tiers_date)
    if args.tiers_symbol is not None:
        raise ValueError("--tiers-symbol goes with --tiers-file (the symbol to pick from it)")
    if args.tiers_date is not None:
        raise ValueError("--tiers-date goes with --tiers (a shipped table) or --tiers-file")
    if args.maintenance_amount is not None and args.maintenance_rate is None:
        raise ValueError("--maintenance-amount goes with --maintenance-rate (the bracket's rate)")
    return args.maintenance_rate


def _position_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    if args.margin_mode == "cross" and args.wallet_balance is None:
        raise ValueError("--wallet-balance is required with --margin-mode cross")
    if args.margin_mode == "isolated" and args.leverage is None and args.margin is None:
        raise ValueError("an isolated position needs --leverage or --margin (its margin)")
    kw: dict[str, Any] = {
        "margin": args.margin,
        "convention": args.exchange,
        "margin_mode": args.margin_mode,
        "wallet_balance": args.wallet_balance,
        "other_unrealized_pnl": args.other_upnl,
        "contract_size": args.contract_size,
        "taker_fee": args.taker_fee,
    }
    if args.taker_fee is not None and args.exchange is None:
        raise ValueError("--taker-fee needs --exchange (the convention says where fees enter)")
    if args.contract is not None:
        kw["contract"] = args.contract
    return kw


def _settlement(conv: Any, details: Any) -> str:
    if conv is not None:
        return conv.settlement
    return "USDT" if details.contract == "linear" else "coin"


def _fee_numbers(args: argparse.Namespace, d: Any, conv: Any) -> dict[str, float]:
    """Fee to open, fee to close at the liquidation price, Bybit's order cost (by name)."""
    from perpmath.fees import bybit_order_cost, trading_fee

    if conv is None:
        return {}
    fee, size = d.taker_fee, d.contract_size
    out = {"fee_to_open": trading_fee(d.quantity, d.entry_price, fee, d.contract, size)}
    if math.isfinite(d.liquidation_price) and d.liquidation_price > 0:
        out["fee_to_close_at_liquidation"] = trading_fee(
            d.quantity, d.liquidation_price, fee, d.contract, size
        )
    if conv.exchange == "Bybit" and d.leverage is not None:
        out["order_cost"] = bybit_order_cost(
            args.side, d.quantity, d.entry_price, d.leverage, fee, d.contract, size
        )
    return out


def _fee_rows(d: Any, conv: Any, fees: dict[str, float], unit: str) -> list[tuple[str, str]]:
    if conv is None:
        return [("fees", "none in the formula (plain); --exchange adds a venue's fee terms")]
    where = []
    if conv.fee_in_maintenance:
        where.append("added to the maintenance rate")
    if conv.fee_in_bankruptcy:
        where.append("charged at the bankruptcy price, inside the bankruptcy price")
    if conv.fee_in_liquidation:
        where.append(f"fee to close reserved at liquidation: {_money(d.close_fee_reserved, unit)}")
    text = f"taker {d.taker_fee:.4%}: " + (
        "; ".join(where) if where else "not in the liquidation price"
    )
    rows = [("fees", text), ("fee to open at entry", _money(fees["fee_to_open"], unit))]
    if "fee_to_close_at_liquidation" in fees:
        close = fees["fee_to_close_at_liquidation"]
        rows.append(("fee to close at liquidation", _money(close, unit)))
    if "order_cost" in fees:
        cost = _money(fees["order_cost"], unit)
        rows.append(
            ("order cost (Bybit)", cost + " = IM + fee to open + fee to close at bankruptcy")
        )
    return rows


def _margin_rows(args: argparse.Namespace, d: Any, unit: str) -> list[tuple[str, str]]:
    rows = [("notional at entry", _money(d.notional_at_entry, unit))]
    if d.initial_margin is not None:
        rows.append(
            ("initial margin", f"{_money(d.initial_margin, unit)} (notional / {d.leverage:g}x)")
        )
    if d.margin_mode == "cross":
        rows.append(
            (
                "wallet (cross)",
                f"{_money(args.wallet_balance, unit)} - other maintenance "
                f"{_money(args.other_maintenance, unit)} + other unrealised PnL "
                f"{_money(args.other_upnl, unit)} = {_money(d.margin, unit)} in the formula",
            )
        )
    else:
        given = "given" if args.margin is not None else "the initial margin"
        rows.append(("isolated margin", f"{_money(d.margin, unit)} ({given})"))
    return rows


def _dated(date: str | None) -> str:
    return f"dated {date}" if date else "undated (--tiers-date labels it)"


def _maintenance_rows(d: Any, table: Any, unit: str) -> list[tuple[str, str]]:
    if d.tier_table is not None and table is not None:
        k = d.tier - 1
        where = (
            f"{d.tier_table} {_dated(d.tier_table_date)}, tier {d.tier} of "
            f"{len(table)} ({table.floor[k]:,.0f} < notional <= {table.cap[k]:,.0f} {table.unit})"
        )
    elif d.maintenance_amount:
        where = "none: the bracket given (--maintenance-rate, --maintenance-amount)"
    elif d.convention is not None and table is None:
        where = (
            f"none shipped for {d.convention}: its first-tier rate; for a larger position pass "
            "--maintenance-rate/--maintenance-amount or --tiers-file"
        )
    else:
        where = "none: one flat rate"
    rate = f"{d.maintenance_rate:.4%}"
    if d.fee_in_maintenance:
        rate += f" + taker {d.fee_in_maintenance:.4%} in the maintenance term"
    at = "entry" if d.maintenance_basis == "entry" else "liquidation"
    return [
        ("tier table", where),
        ("maintenance rate", rate),
        ("maintenance amount", _money(d.maintenance_amount, unit)),
        ("maintenance margin", f"{_money(d.maintenance_margin, unit)} (valued at the {at} price)"),
    ]


def _contract_row(d: Any, unit: str) -> tuple[str, str]:
    if d.contract == "linear":
        coin = d.quantity * d.contract_size
        text = (
            f"linear: {d.quantity:g} contract(s) of {d.contract_size:g} coin = {coin:g} coin; "
            f"margin and PnL in {unit}"
        )
    else:
        text = (
            f"inverse: {d.quantity:g} contract(s) of {d.contract_size:g} USD; margin and PnL "
            f"in {unit}"
        )
    return ("contract", text)


def _liquidation(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    from perpmath.conventions import get_convention
    from perpmath.liquidation import liquidation_price_details
    from perpmath.tiers import TierTable

    kw = _position_kwargs(args)
    maintenance = _maintenance(args)
    d = liquidation_price_details(
        args.side,
        args.entry,
        args.leverage,
        args.quantity,
        maintenance=maintenance,
        maintenance_amount=args.maintenance_amount,
        other_maintenance=args.other_maintenance,
        mark_price=args.mark,
        **kw,
    )
    conv = None if args.exchange is None else get_convention(args.exchange)
    table = maintenance if isinstance(maintenance, TierTable) else None
    if table is None and conv is not None and d.tier_table is not None:
        table = conv.tiers()
    unit = _settlement(conv, d) if table is None or not table.settlement else table.settlement
    rows = [
        ("side", d.side),
        ("entry price", _price(d.entry_price)),
        ("leverage", "not needed" if d.leverage is None else f"{d.leverage:g}x"),
        ("quantity", f"{d.quantity:g}"),
        ("liquidation price", _price(d.liquidation_price)),
        ("bankruptcy price", _price(d.bankruptcy_price)),
    ]
    numbers: dict[str, Any] = {}
    for label, price in (("liquidation", d.liquidation_price), ("bankruptcy", d.bankruptcy_price)):
        if math.isfinite(price):
            distance = abs(price - d.entry_price) / d.entry_price
            numbers[f"distance_to_{label}"] = distance
            rows.append((f"distance to {label}", f"{distance:.2%} of entry"))
    assumed = [
        _contract_row(d, unit),
        *_margin_rows(args, d, unit),
        *_maintenance_rows(d, table, unit),
    ]
    fees = _fee_numbers(args, d, conv)
    numbers.update(fees)
    assumed += _fee_rows(d, conv, fees, unit)
    if table is not None:
        numbers["tier_table_source"] = table.source
    if conv is not None:
        numbers["source"] = conv.source
    if conv is not None:
        rounding = (
            "none"
            if conv.rounding == "none" or not conv.tick_size
            else f"{conv.rounding} to {conv.tick_size:g}"
        )
        assumed += [("rounding", rounding), ("source", conv.source)]
    text = _lines(_header(args, "Liquidation price"), rows) + "\n" + _lines("Assumptions", assumed)
    data = {
        "command": "liquidation-price",
        **d.as_dict(),
        **numbers,
        "assumptions": dict(assumed),
    }
    return text, data


def _header(args: argparse.Namespace, what: str) -> str:
    venue = args.exchange or "plain formula, no fees"
    return f"{what} ({venue}, {args.margin_mode} margin)"


def _bankruptcy(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    from perpmath.conventions import get_convention
    from perpmath.liquidation import bankruptcy_price

    kw = _position_kwargs(args)
    bp = float(bankruptcy_price(args.side, args.entry, args.leverage, quantity=args.quantity, **kw))
    conv = None if args.exchange is None else get_convention(args.exchange)
    rows = [
        ("side", args.side),
        ("entry price", _price(args.entry)),
        ("leverage", "not needed" if args.leverage is None else f"{args.leverage:g}x"),
        ("quantity", f"{args.quantity:g}"),
        ("bankruptcy price", _price(bp)),
    ]
    if math.isfinite(bp):
        rows.append(("distance to bankruptcy", f"{abs(bp - args.entry) / args.entry:.2%} of entry"))
    fee = "none"
    if conv is not None:
        rate = conv.taker_fee if args.taker_fee is None else args.taker_fee
        fee = (
            f"taker {rate:.4%} to close, inside the bankruptcy price"
            if conv.fee_in_bankruptcy
            else f"taker {rate:.4%}: not in the bankruptcy price"
        )
    kind = args.contract or (conv.contract if conv else "linear")
    size = args.contract_size or (conv.contract_size if conv else 1.0)
    assumed = [
        ("contract", f"{kind}, contract size {size:g} {'coin' if kind == 'linear' else 'USD'}"),
        (
            "margin",
            "given"
            if args.margin
            else ("wallet (cross)" if args.margin_mode == "cross" else "initial margin"),
        ),
        ("fees", fee),
    ]
    text = _lines(_header(args, "Bankruptcy price"), rows) + "\n" + _lines("Assumptions", assumed)
    data = {
        "command": "bankruptcy-price",
        "bankruptcy_price": bp,
        **dict(rows[:4]),
        "assumptions": dict(assumed),
    }
    return text, data


# --- funding, conventions, tiers ----------------------------------------------------------
def _funding(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    from perpmath.contracts import notional
    from perpmath.conventions import get_convention
    from perpmath.funding import FUNDING_CONVENTIONS, funding_payment

    conv = None if args.exchange is None else get_convention(args.exchange)
    kind = args.contract or (conv.contract if conv else "linear")
    if conv is not None and kind != conv.contract:
        raise ValueError(
            f"--contract {kind} does not match --exchange {conv.name} ({conv.contract})"
        )
    size = args.contract_size or (conv.contract_size if conv else 1.0)
    unit = conv.settlement if conv else ("USDT" if kind == "linear" else "coin")
    pay = float(funding_payment(args.side, args.quantity, args.mark, args.rate, kind, size))
    value = float(notional(args.quantity, args.mark, kind, size))
    verdict = (
        "the trader pays"
        if pay > 0
        else "the trader receives"
        if pay < 0
        else "nothing changes hands"
    )
    rows = [
        ("side", args.side),
        ("quantity", f"{args.quantity:g}"),
        ("mark price", _price(args.mark)),
        ("funding rate", f"{args.rate:.4%}"),
        ("payment", f"{_money(abs(pay), unit)}: {verdict}"),
    ]
    per = "coin" if kind == "linear" else "USD"
    assumed = [
        ("contract", f"{kind}, {args.quantity:g} contract(s) of {size:g} {per}"),
        ("notional at the mark", _money(value, unit)),
        ("who pays", "longs pay shorts when the rate is positive, shorts pay longs when negative"),
    ]
    if conv is not None and conv.funding is not None:
        fc = FUNDING_CONVENTIONS[conv.funding]
        assumed.append(
            (
                "settlement",
                f"every {fc.interval_hours:g} h on the {fc.payment_price} price ({fc.cutoff})",
            )
        )
    text = (
        _lines(f"Funding at one settlement ({kind})", rows) + "\n" + _lines("Assumptions", assumed)
    )
    data = {
        "command": "funding",
        "payment": pay,
        "unit": unit,
        "contract_size": size,
        "contract": kind,
        "notional": value,
        "assumptions": dict(assumed),
    }
    return text, data


def _conventions_cmd(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    from perpmath.conventions import conventions_table, get_convention

    table = conventions_table()
    if args.name is not None:
        conv = get_convention(args.name)
        row = {k: ("" if val is None else val) for k, val in conv.summary().items()}
        rows = [(k, str(val)) for k, val in row.items()] + [("notes", conv.notes)]
        return _lines(f"Convention {conv.name}", rows), {
            "command": "conventions",
            args.name: conv.summary() | {"notes": conv.notes},
        }
    cols = [
        "exchange",
        "contract",
        "settlement",
        "maintenance_model",
        "first_tier_mmr",
        "taker_fee",
        "fee_in_maintenance",
        "fee_in_bankruptcy",
        "maintenance_basis",
        "tier_table_date",
    ]
    text = "Exchange conventions (python -m perpmath conventions NAME for one, with its source)\n"
    text += table[cols].fillna("-").to_string()
    records = {
        name: {
            k: (None if isinstance(val, float) and math.isnan(val) else val)
            for k, val in rec.items()
        }
        for name, rec in table.to_dict(orient="index").items()
    }
    return text, {"command": "conventions", "conventions": records}


def _tiers_cmd(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    from perpmath.tiers import load_tier_table, tier_tables

    if args.name is None:
        if args.date is not None:
            raise ValueError("--date goes with a table NAME")
        frame = tier_tables()
        cols = ["exchange", "symbol", "contract", "unit", "tiers", "first_tier_mmr", "max_leverage"]
        text = "Shipped tier tables (python -m perpmath tiers NAME [--date D] to show one)\n"
        text += frame[cols].to_string()
        recs = [
            {"name": n, "date": d, **rec} for (n, d), rec in frame.to_dict(orient="index").items()
        ]
        return text, {"command": "tiers", "tables": recs}
    t = load_tier_table(args.name, date=args.date)
    frame = t.to_frame()
    head = (
        f"{t.name} dated {t.date}: notional in {t.unit}, margin in {t.settlement}; "
        f"position cap {t.position_cap:,.0f}\nsource: {t.source}\n"
    )
    data = {
        "command": "tiers",
        "name": t.name,
        "date": t.date,
        "unit": t.unit,
        "source": t.source,
        "tiers": json.loads(frame.to_json(orient="records")),
    }
    return head + frame.to_string(), data


def _version() -> str:
    from perpmath import __version__

    return f"perpmath {__version__}"


_COMMANDS: dict[str, Callable[[argparse.Namespace], tuple[str, dict[str, Any]]]] = {
    "liquidation-price": _liquidation,
    "bankruptcy-price": _bankruptcy,
    "funding": _funding,
    "conventions": _conventions_cmd,
    "tiers": _tiers_cmd,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the calculator; return the exit status (0 ok, 2 bad input)."""
    parser = build_parser()
    args_in = sys.argv[1:] if argv is None else list(argv)
    # "-448,164.48" is a negative number to a person; argparse only knows "-448164.48"
    args_in = _values_of_flags([_negative(a) if _NEGATIVE.match(a) else a for a in args_in])
    try:
        args = parser.parse_args(args_in)
        if args.version:
            print(_version())
            return 0
        if args.command is None:
            raise _UsageError(f"{PROG}: the following arguments are required: COMMAND (see --help)")
        text, data = _computed(args)
    except _UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except (ValueError, TypeError) as err:
        print(f"error: {_flag_names(str(err).splitlines()[0], args.command)}", file=sys.stderr)
        return 2
    except ArithmeticError:  # OverflowError, or NumPy's FloatingPointError below
        print(f"error: {_too_large(args)}", file=sys.stderr)
        return 2
    try:
        if getattr(args, "json", False):
            print(json.dumps(_finite(data), indent=1, default=_jsonable, allow_nan=False))
        else:
            print(text)
    except BrokenPipeError:  # the reader (e.g. head) stopped early
        sys.stderr.close()
    return 0


def _computed(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """The command's answer; a float that overflows, or a NaN anywhere in it, raises
    ArithmeticError instead of being printed as a number."""
    import numpy as np

    with np.errstate(over="raise", invalid="raise"):
        text, data = _COMMANDS[args.command](args)
    if _has_nan(data):
        raise FloatingPointError("a result is not a number")
    return text, data


def _has_nan(x: Any) -> bool:
    if isinstance(x, dict):
        return any(_has_nan(val) for val in x.values())
    if isinstance(x, list | tuple):
        return any(_has_nan(val) for val in x)
    return isinstance(x, float) and math.isnan(x)


def _too_large(args: argparse.Namespace) -> str:
    """One line naming the largest numbers given, for a result that overflows a float."""
    from perpmath import _validate as v

    given = {f"--{k.replace('_', '-')}": x for k, x in vars(args).items() if isinstance(x, float)}
    largest = v.out_of_scale(given)  # the flags farthest out of scale
    return (
        f"the result overflows a float: {largest or 'the values given'} must be of a realistic size"
    )


def _finite(x: Any) -> Any:
    """Replace infinite or NaN floats (never liquidated, no price) by strings: valid JSON."""
    if isinstance(x, dict):
        return {k: _finite(val) for k, val in x.items()}
    if isinstance(x, list | tuple):
        return [_finite(val) for val in x]
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    return x


def _jsonable(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    try:
        return float(x)
    except (TypeError, ValueError):
        return str(x)
