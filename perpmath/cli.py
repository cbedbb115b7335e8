"""Command-line calculator: check an exchange's liquidation, bankruptcy or funding number.

    python -m perpmath liquidation-price --side long --entry 96000 --leverage 50
    python -m perpmath bankruptcy-price --side short --entry 96000 --leverage 20 \
        --exchange bybit_linear
    python -m perpmath funding --side long --quantity 0.5 --mark 96000 --rate 0.0001

Every number comes from the library (``perpmath.liquidation``,
``perpmath.funding``); ``--exchange`` picks a named convention from
``perpmath.conventions``. Bad input exits with status 2 and one line on
standard error naming what is wrong.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence

__all__ = ["build_parser", "main"]

PROG = "python -m perpmath"


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, without the usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: {message} (see --help)")


class _UsageError(Exception):
    pass


def _conventions() -> list[str]:
    from perpmath.conventions import convention_names

    return convention_names()


def _tier_tables() -> list[str]:
    from perpmath.tiers import available_tier_tables

    return available_tier_tables()


def _money(x: float, unit: str) -> str:
    if math.isinf(x):
        return "never (infinite)"
    decimals = 2 if unit in ("USDT", "USD", "USDC") else 8
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


def _add_position_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--side", required=True, help="long or short")
    p.add_argument("--entry", required=True, type=float, help="entry price (quote per coin)")
    p.add_argument("--leverage", required=True, type=float, help="leverage, e.g. 50")
    p.add_argument(
        "--quantity",
        type=float,
        default=1.0,
        help="position size: coin for linear contracts, contracts for inverse (default 1)",
    )
    p.add_argument(
        "--exchange",
        choices=_conventions(),
        default=None,
        metavar="NAME",
        help="exchange convention (fees, maintenance, rounding): "
        + ", ".join(_conventions())
        + ". Default: the plain formula without fees or rounding",
    )
    p.add_argument(
        "--contract",
        choices=("linear", "inverse"),
        default=None,
        help="linear (USDT-margined) or inverse (coin-margined); default: the exchange's",
    )
    p.add_argument(
        "--margin",
        type=float,
        default=None,
        help="isolated margin (USDT linear, coin inverse); default: the initial margin",
    )
    p.add_argument(
        "--margin-mode",
        choices=("isolated", "cross"),
        default="isolated",
        help="isolated (default) or cross",
    )
    p.add_argument(
        "--wallet-balance",
        type=float,
        default=None,
        help="cross margin: the account's wallet balance",
    )
    p.add_argument(
        "--other-upnl",
        type=float,
        default=0.0,
        help="cross margin: unrealised PnL of the account's other positions (default 0)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m perpmath``."""
    parser = _Parser(
        prog=PROG,
        description="Check an exchange's liquidation price, bankruptcy price or funding "
        "payment with perpmath.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    liq = sub.add_parser(
        "liquidation-price",
        help="price at which the position is liquidated",
        description="Liquidation price (and bankruptcy price and distances) of one position.",
    )
    _add_position_arguments(liq)
    group = liq.add_mutually_exclusive_group()
    group.add_argument(
        "--maintenance-rate",
        type=float,
        default=None,
        help="flat maintenance margin rate, e.g. 0.004 (default: the exchange's, else 0.004)",
    )
    group.add_argument(
        "--tiers",
        choices=_tier_tables(),
        default=None,
        help="tier table by name: " + ", ".join(_tier_tables()),
    )
    liq.add_argument(
        "--other-maintenance",
        type=float,
        default=0.0,
        help="cross margin: maintenance margin of the other positions (default 0)",
    )
    liq.add_argument(
        "--mark",
        type=float,
        default=None,
        help="current mark price: refuse a position already past its liquidation price",
    )

    bank = sub.add_parser(
        "bankruptcy-price",
        help="price at which the position's margin is used up",
        description="Bankruptcy price (equity 0) of one position.",
    )
    _add_position_arguments(bank)

    fund = sub.add_parser(
        "funding",
        help="funding payment at one settlement",
        description="Funding payment = position notional at the mark price x funding rate "
        "(positive: the trader pays; a long pays when the rate is positive).",
    )
    fund.add_argument("--side", required=True, help="long or short")
    fund.add_argument(
        "--quantity", required=True, type=float, help="coin (linear) or contracts (inverse)"
    )
    fund.add_argument("--mark", required=True, type=float, help="mark price at settlement")
    fund.add_argument(
        "--rate", required=True, type=float, help="funding rate as a fraction, e.g. 0.0001"
    )
    fund.add_argument("--contract", choices=("linear", "inverse"), default="linear")
    fund.add_argument(
        "--contract-size", type=float, default=1.0, help="USD per inverse contract (default 1)"
    )
    return parser


def _unit(args: argparse.Namespace) -> str:
    from perpmath.conventions import get_convention

    contract = args.contract
    if contract is None and args.exchange is not None:
        contract = get_convention(args.exchange).contract
    return "coin" if contract == "inverse" else "USDT"


def _common_kwargs(args: argparse.Namespace) -> dict[str, object]:
    kwargs: dict[str, object] = {
        "quantity": args.quantity,
        "margin": args.margin,
        "convention": args.exchange,
        "margin_mode": args.margin_mode,
        "wallet_balance": args.wallet_balance,
        "other_unrealized_pnl": args.other_upnl,
    }
    if args.contract is not None:
        kwargs["contract"] = args.contract
    if args.margin_mode == "cross" and args.wallet_balance is None:
        raise ValueError("--wallet-balance is required with --margin-mode cross")
    return kwargs


def _header(args: argparse.Namespace, what: str) -> str:
    venue = args.exchange or "plain formula, no fees"
    return f"{what} ({venue}, {args.margin_mode} margin)"


def _liquidation(args: argparse.Namespace) -> str:
    from perpmath.liquidation import bankruptcy_price, liquidation_price
    from perpmath.tiers import load_tier_table

    kw = _common_kwargs(args)
    maintenance: object = None
    if args.tiers is not None:
        maintenance = load_tier_table(args.tiers)
    elif args.maintenance_rate is not None:
        maintenance = args.maintenance_rate
    lp = float(
        liquidation_price(
            args.side,
            args.entry,
            args.leverage,
            maintenance=maintenance,
            other_maintenance=args.other_maintenance,
            mark_price=args.mark,
            **kw,
        )
    )
    bp_kw = {k: val for k, val in kw.items() if k != "quantity"}
    bp = float(
        bankruptcy_price(args.side, args.entry, args.leverage, quantity=args.quantity, **bp_kw)
    )
    rows = [
        ("side", args.side.strip().lower()),
        ("entry price", _price(args.entry)),
        ("leverage", f"{args.leverage:g}x"),
        ("quantity", f"{args.quantity:g}"),
        ("liquidation price", _price(lp)),
        ("bankruptcy price", _price(bp)),
    ]
    if math.isfinite(lp):
        rows.append(
            ("distance to liquidation", f"{abs(lp - args.entry) / args.entry:.2%} of entry")
        )
    if math.isfinite(bp):
        rows.append(("distance to bankruptcy", f"{abs(bp - args.entry) / args.entry:.2%} of entry"))
    if maintenance is not None:
        rows.append(("maintenance", args.tiers or f"{args.maintenance_rate:.4%} flat"))
    return _lines(_header(args, "Liquidation price"), rows)


def _bankruptcy(args: argparse.Namespace) -> str:
    from perpmath.liquidation import bankruptcy_price

    kw = _common_kwargs(args)
    quantity = kw.pop("quantity")
    bp = float(bankruptcy_price(args.side, args.entry, args.leverage, quantity=quantity, **kw))
    rows = [
        ("side", args.side.strip().lower()),
        ("entry price", _price(args.entry)),
        ("leverage", f"{args.leverage:g}x"),
        ("quantity", f"{args.quantity:g}"),
        ("bankruptcy price", _price(bp)),
    ]
    if math.isfinite(bp):
        rows.append(("distance to bankruptcy", f"{abs(bp - args.entry) / args.entry:.2%} of entry"))
    return _lines(_header(args, "Bankruptcy price"), rows)


def _funding(args: argparse.Namespace) -> str:
    from perpmath.funding import funding_payment

    pay = float(
        funding_payment(
            args.side, args.quantity, args.mark, args.rate, args.contract, args.contract_size
        )
    )
    unit = "coin" if args.contract == "inverse" else "USDT"
    if pay > 0:
        verdict = "the trader pays"
    elif pay < 0:
        verdict = "the trader receives"
    else:
        verdict = "nothing changes hands"
    rows = [
        ("side", args.side.strip().lower()),
        ("quantity", f"{args.quantity:g}"),
        ("mark price", _price(args.mark)),
        ("funding rate", f"{args.rate:.4%}"),
        ("payment", f"{_money(abs(pay), unit)}: {verdict}"),
    ]
    return _lines(f"Funding at one settlement ({args.contract})", rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the calculator; return the exit status (0 ok, 2 bad input)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "liquidation-price":
            text = _liquidation(args)
        elif args.command == "bankruptcy-price":
            text = _bankruptcy(args)
        else:
            text = _funding(args)
    except _UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except ValueError as err:
        print(f"error: {str(err).splitlines()[0]}", file=sys.stderr)
        return 2
    print(text)
    return 0
