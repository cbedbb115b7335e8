"""Reading a tier table as an exchange's API or page gives it (JSON or CSV).

Brackets change more often than any package can ship them, so a trader can
load the table in force today from the exchange and pass it wherever a
``TierTable`` goes. Recognised layouts (one row per tier):

* Binance USDⓈ-M bracket API, GET /fapi/v1/leverageBracket: ``bracket``,
  ``initialLeverage``, ``notionalFloor``, ``notionalCap``,
  ``maintMarginRatio``, ``cum`` (a list of symbols with ``brackets``, one
  symbol's object, or the list of brackets). Binance, "Notional and
  Leverage Brackets" (https://developers.binance.com/docs/derivatives/
  usds-margined-futures/account/rest-api/Notional-and-Leverage-Brackets).
* ccxt's ``fetch_leverage_tiers``: ``minNotional``, ``maxNotional``,
  ``maxLeverage``, ``maintenanceMarginRate`` (the exchange's own row in
  ``info``: Binance's ``cum`` is read from there).
* Hyperliquid's ``marginTable``: ``marginTiers`` of ``lowerBound`` and
  ``maxLeverage`` (maintenance rate = half the initial rate at the tier's
  maximum leverage; Hyperliquid docs, "Margin tiers").
* Binance COIN-M bracket API, GET /dapi/v1/leverageBracket: ``qtyCap``,
  ``qtylFloor`` (sic) in coin; the table's unit becomes the pair's coin
  (BTCUSD -> BTC). Binance, "Notional Bracket for Pair"
  (https://developers.binance.com/docs/derivatives/coin-margined-futures/
  account/Notional-Bracket-for-Pair).
* Bybit v5 risk limits, GET /v5/market/risk-limit (``result.list``):
  ``riskLimitValue`` (cap), ``maintenanceMargin``, ``initialMargin``,
  ``maxLeverage``, ``mmDeduction``. Bybit's documented example gives the
  rates in percent ("0.5", "1" at 100x) while live responses have been
  seen in fractions ("0.005"): the unit is decided per row from
  initialMargin x maxLeverage (100 for percent, 1 for fractions), and a row
  where neither holds is refused. Bybit, "Get Risk Limit"
  (https://bybit-exchange.github.io/docs/v5/market/risk-limit).
* Gate risk-limit tiers, GET /futures/{settle}/risk_limit_tiers:
  ``risk_limit`` (cap), ``maintenance_rate``, ``initial_rate``,
  ``leverage_max``, ``deduction``. Gate API v4 docs.
* Bitget position tiers, GET /api/v2/mix/market/query-position-lever
  (``data``): ``startUnit``, ``endUnit``, ``leverage``,
  ``keepMarginRate``. Bitget API docs, "Get Position Tier".
* Plain columns, as a CSV header or JSON keys: ``floor``, ``cap``,
  ``max_leverage``, ``maintenance_rate`` and optionally
  ``maintenance_amount`` and ``initial_rate`` (rates as fractions, or with
  a % sign in a CSV).

A maintenance amount given by the exchange is kept and checked for
continuity; a missing one is computed. OKX's position tiers (GET
/api/v5/public/position-tiers) are not read: OKX charges a tier's rate on
the whole position, without a deduction, so its requirement jumps at each
tier edge and a continuous table would misstate it.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from perpmath import _validate as v
from perpmath.tiers import TierTable

__all__ = ["read_tier_table"]

_FLOOR = (
    "floor",
    "notionalFloor",
    "minNotional",
    "lowerBound",
    "qtyFloor",
    "qtylFloor",
    "startUnit",
)
_CAP = ("cap", "notionalCap", "maxNotional", "qtyCap", "riskLimitValue", "risk_limit", "endUnit")
_LEV = ("max_leverage", "initialLeverage", "maxLeverage", "leverage_max", "leverage")
_RATE = (
    "maintenance_rate",
    "maintMarginRatio",
    "maintenanceMarginRate",
    "maintenanceMargin",
    "keepMarginRate",
)
_AMOUNT = (
    "maintenance_amount",
    "cum",
    "maintAmt",
    "maintenance_deduction",
    "mmDeduction",
    "deduction",
)
_INITIAL = ("initial_rate", "initialMargin")


def _number(value: Any, where: str) -> float:
    if value is None:
        return float("nan")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace(",", "").replace("_", "")
    if text.lower() in ("", "inf", "infinity", "none", "null", "-"):
        return float("inf") if text.lower() in ("inf", "infinity") else float("nan")
    scale = 1.0
    if text.endswith("%"):
        text, scale = text[:-1], 0.01
    try:
        return float(text) * scale
    except ValueError:
        raise ValueError(f"{where} must be a number, got {value!r}") from None


def _pick(row: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if key in row and row[key] not in (None, ""):
            return row[key]
    info = row.get("info")
    if isinstance(info, dict):
        for key in keys:
            if key in info and info[key] not in (None, ""):
                return info[key]
    return None


def _rows(data: Any, symbol: str | None) -> tuple[list[dict[str, Any]], str]:
    """The list of tier rows and a layout label."""
    if isinstance(data, dict):
        if isinstance(data.get("result"), dict) and "list" in data["result"]:
            return _rows(data["result"]["list"], symbol)  # Bybit v5
        if isinstance(data.get("data"), list):
            return _rows(data["data"], symbol)  # Bitget (and other code/data envelopes)
        if "marginTiers" in data:
            return list(data["marginTiers"]), "hyperliquid"
        if "brackets" in data:
            return list(data["brackets"]), "binance"
        if "tiers" in data:
            return list(data["tiers"]), "plain"
        if symbol is not None and symbol in data:
            return _rows(data[symbol], None)
        if len(data) == 1:
            return _rows(next(iter(data.values())), None)
        raise ValueError(
            "the tier data holds several symbols or no known key (brackets, marginTiers, "
            "tiers); pass symbol= to pick one"
        )
    if isinstance(data, list) and data and isinstance(data[0], dict) and "brackets" in data[0]:
        if symbol is None:
            if len(data) > 1:
                raise ValueError("the bracket response lists several symbols; pass symbol=")
            return list(data[0]["brackets"]), "binance"
        for item in data:
            if item.get("symbol") == symbol or item.get("pair") == symbol:
                return list(item["brackets"]), "binance"
        raise ValueError(f"symbol {symbol!r} is not in the bracket response")
    if isinstance(data, list) and data and isinstance(data[0], dict):
        rows = list(data)
        key = "symbol" if "symbol" in rows[0] else "contract" if "contract" in rows[0] else None
        names = {r.get(key) for r in rows} if key else set()
        if len(names) > 1:
            if symbol is None:
                raise ValueError(
                    f"the tier rows hold several symbols ({', '.join(sorted(map(str, names)))}); "
                    "pass symbol= to pick one"
                )
            rows = [r for r in rows if r.get(key) == symbol]
            if not rows:
                raise ValueError(f"symbol {symbol!r} is not in the tier rows")
        if "riskLimitValue" in rows[0]:
            return rows, "bybit"
        return rows, "plain"
    raise ValueError("tier data must be a JSON object or a non-empty list of tier rows")


def _table_from_rows(
    rows: list[dict[str, Any]], layout: str, name: str, unit: str, **labels: Any
) -> TierTable:
    if layout == "hyperliquid":
        floors = np.array([_number(r.get("lowerBound"), "lowerBound") for r in rows])
        lev = np.array([_number(r.get("maxLeverage"), "maxLeverage") for r in rows])
        caps = np.concatenate([floors[1:], [np.inf]])
        rate = 1.0 / (2.0 * lev)
        return TierTable.from_rates(caps, lev, rate, name=name, unit=unit, **labels)
    floor = np.array([_number(_pick(r, _FLOOR), "floor") for r in rows])
    cap = np.array([_number(_pick(r, _CAP), "cap") for r in rows])
    lev = np.array([_number(_pick(r, _LEV), "max_leverage") for r in rows])
    rate = np.array([_number(_pick(r, _RATE), "maintenance_rate") for r in rows])
    amount = np.array([_number(_pick(r, _AMOUNT), "maintenance_amount") for r in rows])
    initial = np.array([_number(_pick(r, _INITIAL), "initial_rate") for r in rows])
    if np.isnan(rate).any() or np.isnan(cap).any():
        raise ValueError(
            "every tier needs a cap and a maintenance rate (columns cap/notionalCap/maxNotional "
            "and maintenance_rate/maintMarginRatio/maintenanceMarginRate)"
        )
    if layout == "bybit":
        rate, initial = _bybit_rates(rate, initial, lev)
    if np.isnan(floor).any():
        floor = np.concatenate([[0.0], cap[:-1]])
    lev = np.where(np.isnan(lev), np.inf, lev)
    if np.isnan(amount[0]) and amount.size > 1 and not np.isnan(amount[1:]).any():
        amount[0] = 0.0  # Bybit leaves the first tier's deduction empty
    if np.isnan(amount).any():
        amount = np.concatenate([[0.0], np.cumsum(floor[1:] * np.diff(rate))])
    if not np.isnan(initial).any():
        labels["initial_rate"] = initial
    return TierTable(floor, cap, lev, rate, amount, name, unit, **labels)


def _bybit_rates(
    rate: np.ndarray, initial: np.ndarray, lev: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Bybit's maintenance and initial margin rates as fractions (they come in % or not).

    initialMargin x maxLeverage is 1 when the rates are fractions and 100 when
    they are percent; anything else is refused rather than guessed.
    """
    product = initial * lev
    if np.isnan(product).any():
        raise ValueError(
            "Bybit risk-limit rows need initialMargin and maxLeverage to tell whether the rates "
            "are in percent or fractions"
        )
    if np.allclose(product, 100.0, rtol=0.02):
        return rate / 100.0, initial / 100.0
    if np.allclose(product, 1.0, rtol=0.02):
        return rate, initial
    raise ValueError(
        "Bybit risk-limit rows: initialMargin x maxLeverage must be 1 (fractions) or 100 "
        f"(percent) in every row, got {product.tolist()}"
    )


def _coin_of(data: Any, symbol: str | None) -> str | None:
    """The coin of a Binance COIN-M bracket response (pair BTCUSD -> BTC), if it is one."""
    items = data if isinstance(data, list) else [data]
    for item in items:
        if not isinstance(item, dict) or "brackets" not in item:
            continue
        name = str(item.get("pair") or item.get("symbol") or "")
        if symbol is not None and symbol not in (item.get("pair"), item.get("symbol")):
            continue
        if item["brackets"] and "qtyCap" in item["brackets"][0]:
            coin = name.split("_")[0]
            return coin[:-3] if coin.endswith("USD") else coin or None
    return None


def _parse_csv(text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    rows = [{k.strip(): val for k, val in row.items() if k is not None} for row in reader]
    if not rows:
        raise ValueError("the CSV has no tier rows under its header")
    return rows


@v.no_overflow(inf=True)
def read_tier_table(
    source: str | Path | dict[str, Any] | list[Any],
    *,
    name: str | None = None,
    unit: str | None = None,
    date: Any = None,
    symbol: str | None = None,
    contract: str | None = None,
) -> TierTable:
    """A TierTable from an exchange's bracket data: a .json/.csv file or parsed JSON.

    ``symbol`` picks one symbol from a response listing several (Binance's
    bracket API without a symbol, ccxt's dict of symbols, Gate's or Bybit's
    rows). ``unit`` is the currency the notional is counted in (USDT, USDC,
    or the coin for a COIN-M table); by default USDT, or the pair's coin for
    Binance COIN-M brackets (``contract`` then defaults to "inverse").
    ``date`` is the day the data was taken (shown wherever the table drives
    a number), ``contract`` "linear"/"inverse" if known. See the module
    docstring for the layouts read.
    The last tier's cap is ``inf`` where the source gives none.
    """
    label = name
    for arg, value in (("name", name), ("symbol", symbol)):
        if value is not None:
            v.text(arg, value)
    v.instance("source", source, str | Path | dict | list, "a .json/.csv path or parsed JSON")
    data: Any = source
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise ValueError(f"source must be an existing tier file, {str(path)!r} does not exist")
        text = path.read_text("utf-8")
        label = label or path.stem
        if path.suffix.lower() == ".csv":
            data = None
            rows, layout = _parse_csv(text), "plain"
        else:
            try:
                data = json.loads(text)
            except json.JSONDecodeError as err:
                raise ValueError(f"tier file {str(path)!r} is not valid JSON: {err}") from None
            rows, layout = _rows(data, symbol)
    else:
        rows, layout = _rows(source, symbol)
    coin = _coin_of(data, symbol) if data is not None else None
    if unit is None:
        unit = coin or "USDT"
    if coin is not None and contract is None:
        contract = "inverse"
    labels: dict[str, Any] = {"date": date, "contract": contract, "source": str(source)[:200]}
    if isinstance(source, dict | list):
        labels["source"] = "exchange data passed in"
    label = label or symbol or "exchange data"
    return _table_from_rows(rows, layout, label, unit, **labels)
