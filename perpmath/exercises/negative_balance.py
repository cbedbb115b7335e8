"""Checked exercises for section 05 (negative balance).

The section's book is ``thin_book(liq, levels=300)`` around the running
example's liquidation price at 50x; the questions reuse it so that a learner
can answer from the cells above.
"""

from __future__ import annotations

from perpmath.example import RUNNING_EXAMPLE as ex
from perpmath.exchange import execute_liquidation
from perpmath.exercises import exercise, multiple_choice, predict
from perpmath.fees import trading_fee
from perpmath.orderbook import make_book, market_order_fill, thin_book


@predict(
    "negative-balance-predict-1",
    "A 15 BTC market sell goes into the section's thin book (0.2 BTC every 10 USDT below "
    "the liquidation price of the running example at 50x). How many USDT below the "
    "liquidation price will its average fill be?",
    unit="USDT",
    explanation="375 USDT: 15 BTC takes 75 levels of 0.2 BTC, reaching 750 USDT down, and "
    "the average of evenly spaced levels is halfway. The same order loses 1.5 USDT in the deep "
    "book and about 20 in the thinning one: size costs most where the book is thin.",
    quotes=lambda: _predict_1_quotes(),
)
def _negative_balance_predict_1() -> float:
    liq = ex.liquidation_price(50)
    book = thin_book(liq, levels=300)
    return float(liq - market_order_fill(book, "sell", 15).vwap)


@exercise(
    "negative-balance-1",
    "The running example (1,000 USDT of isolated margin, long from 96,000) is opened at 25x "
    "instead of 50x, without fees. Below which price (USDT) does its loss exceed its margin?",
    [
        "The loss equals the margin at the price where the position's equity is zero.",
        "Opened with its initial margin, a linear long loses its whole margin after a fall "
        "of 1/leverage from the entry.",
    ],
    unit="USDT",
)
def _negative_balance_1() -> float:
    return ex.bankruptcy_price(25)


@exercise(
    "negative-balance-2",
    "A market order sells 3 BTC into thin_book(94_000): 0.2 BTC bid at 93,995, 93,985, "
    "93,975 and so on, every 10 USDT. What is its average fill price (USDT)?",
    [
        "Count the levels the order needs: each holds 0.2 BTC.",
        "3 BTC takes 15 levels, from 93,995 down to 93,855; every level has the same size.",
        "The volume-weighted average of equal sizes is the plain average of the prices.",
    ],
    unit="USDT",
    quotes=lambda: {
        "levels taken": round(3 / float(thin_book(94_000).bid_sizes[0])),
        "last price reached (USDT)": market_order_fill(thin_book(94_000), "sell", 3).worst_price,
    },
)
def _negative_balance_2() -> float:
    return market_order_fill(thin_book(94_000), "sell", 3).vwap


@multiple_choice(
    "negative-balance-3",
    "The running example at 50x (0.5208 BTC, liquidation price 94,457.83, bankruptcy price "
    "94,080) is liquidated when the mark reaches its liquidation price. Which of these, on "
    "its own, can leave a deficit?",
    {
        "a": "a liquidation fee of 0.5% of the notional",
        "b": "a gap of 500 USDT in the bids below the liquidation price",
        "c": "a deep book (5 BTC every 1 USDT)",
        "d": "the taker fee of 0.05% on the closing trade",
    },
    [
        "A deficit needs a fill below the bankruptcy price, 378 USDT below the trigger here.",
        "Which choices move the fill itself, and which only take money out of what is left?",
    ],
    feedback={
        "a": "The venues of the course cap a liquidation fee at the margin left: it can take "
        "the rest of the margin but never creates debt.",
        "c": "A deep book fills half a bitcoin within a dollar of the trigger.",
        "d": "About 25 USDT on 49,197 USDT of notional, far less than the roughly 197 USDT "
        "left at the trigger.",
    },
    explanation="A 500 USDT gap starts the sell below the bankruptcy price (the section "
    "finds that 400 USDT is already enough in its thin book).",
    quotes=lambda: _negative_balance_3_quotes(),
)
def _negative_balance_3() -> str:
    return "b"


@exercise(
    "negative-balance-4a",
    "Problem in two steps, step 1. The running example at 50x is liquidated into the "
    "section's thin book after every bid from the liquidation price down to 600 USDT below "
    "it has vanished. What is the average fill price (USDT)?",
    [
        "Take the book of the section and remove its bids between the liquidation price and "
        "600 USDT below it.",
        "The sell of 0.5208 BTC then starts at the first bid below the gap and needs three "
        "levels of 0.2 BTC.",
    ],
    unit="USDT",
    quotes=lambda: {
        "quantity at 50x (BTC)": ex.quantity_at(50),
        "size of a level (BTC)": float(
            thin_book(ex.liquidation_price(50), levels=300).bid_sizes[0]
        ),
    },
)
def _negative_balance_4a() -> float:
    liq = ex.liquidation_price(50)
    gapped = thin_book(liq, levels=300).with_gap("bid", liq, liq - 600)
    return market_order_fill(gapped, "sell", ex.quantity_at(50)).vwap


@exercise(
    "negative-balance-4b",
    "Step 2. The venue settles the trader at the bankruptcy price and this account has no "
    "negative-balance protection. What is the trader's balance after the liquidation (USDT, "
    "negative for a debt)?",
    [
        "The margin is gone at the bankruptcy price, 94,080; the fill of step 1 is below it.",
        "Without protection the shortfall stays with the trader: quantity x (fill - "
        "bankruptcy price).",
    ],
    quotes=lambda: {"bankruptcy price at 50x (USDT)": ex.bankruptcy_price(50)},
    unit="USDT",
    explanation="About -123 USDT: the trader owes it. With protection on, the balance stops "
    "at zero and the same 123 USDT becomes the venue's deficit (section 06).",
)
def _negative_balance_4b() -> float:
    liq = ex.liquidation_price(50)
    gapped = thin_book(liq, levels=300).with_gap("bid", liq, liq - 600)
    outcome = execute_liquidation(
        "long", ex.quantity_at(50), 96_000, gapped, leverage=50, negative_balance_protection=False
    )
    return outcome.trader_balance_after


def _predict_1_quotes() -> dict[str, object]:
    """What the predict-1 explanation quotes: levels and depth taken, the other books' cost."""
    liq = ex.liquidation_price(50)
    book = make_book("thin", liq)
    size, step = float(book.bid_sizes[0]), float(book.bid_prices[0] - book.bid_prices[1])
    levels = round(15 / size)
    return {
        "levels taken": levels,
        "depth reached (USDT)": levels * step,
        "deep book: below the liquidation price (USDT)": liq
        - market_order_fill(make_book("deep", liq), "sell", 15).vwap,
        "thinning book: below the liquidation price (USDT)": liq
        - market_order_fill(make_book("thinning", liq), "sell", 15).vwap,
    }


def _negative_balance_3_quotes() -> dict[str, object]:
    """What exercise negative-balance-3 quotes, computed on the section's thin book."""
    liq, bank, qty = ex.liquidation_price(50), ex.bankruptcy_price(50), ex.quantity_at(50)
    book = make_book("thin", liq)
    gaps = range(0, 1_001, 100)  # the section's gaps
    first = next(
        g
        for g in gaps
        if market_order_fill(book.with_gap("bid", liq, liq - g), "sell", qty).vwap < bank
    )
    return {
        "trigger to bankruptcy (USDT)": liq - bank,
        "smallest gap with a deficit (USDT)": first,
        "taker fee (USDT)": trading_fee(qty, liq, 0.0005),
        "notional at the trigger (USDT)": qty * liq,
        "margin left at the trigger (USDT)": qty * (liq - bank),
    }
