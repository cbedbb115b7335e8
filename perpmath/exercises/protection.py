"""Checked exercises for section 06 (protection mechanisms)."""

from __future__ import annotations

from perpmath.exchange import adl_haircuts, adl_queue, adl_score, insurance_fund_cover
from perpmath.exercises import exercise, multiple_choice, predict

_REGIMES = {
    "a": "insurance fund only (the venue writes off the rest)",
    "b": "fund, then ADL",
    "c": "fund, then socialized loss",
    "d": "no protection (the liquidated traders keep the debt)",
    "e": "all four: the crash is the same, so the loss is the same",
}


@predict(
    "protection-predict-1",
    "The section's crash runs under four regimes with the same accounts, path, book and fund. "
    "Which regime ends with the smallest total loss (fund, counterparties, winners, venue and "
    "debtors together)?",
    choices=_REGIMES,
    explanation="Fund, then ADL: once the fund is empty, ADL stops selling bankrupt positions "
    "into a book that thins as the price falls, so no new deficit arises. The other three "
    "regimes keep selling and differ only in who pays the same total.",
)
def _protection_predict_1() -> str:
    return "b"


@exercise(
    "protection-1",
    "A liquidation leaves a deficit of 12,500 USDT and the insurance fund holds 8,000 USDT. "
    "How much of the deficit (USDT) is left for the next layer (ADL or socialized loss)?",
    [
        "The fund pays what it can, never more than it holds and never more than the deficit.",
        "What is left is the deficit minus what the fund paid.",
    ],
    unit="USDT",
)
def _protection_1() -> float:
    return insurance_fund_cover(12_500, 8_000).uncovered


@exercise(
    "protection-2",
    "Three profitable shorts are open when the mark is 90,000: (0) 1 BTC from 96,000 with "
    "9,600 USDT of margin, (1) 0.5 BTC from 97,000 with 970 USDT, (2) 2 BTC from 95,000 with "
    "19,000 USDT. With the BitMEX ranking (PnL% x effective leverage), which one (0, 1 or 2) "
    "is deleveraged first?",
    [
        "For each short, the PnL% is its profit over its entry value: (entry - mark) / entry.",
        "Its effective leverage is its value at the mark over its equity, margin + profit.",
        "Multiply the two; the highest score is first in the queue.",
    ],
)
def _protection_2() -> int:
    scores = adl_score(
        "short",
        [1.0, 0.5, 2.0],
        [96_000, 97_000, 95_000],
        90_000,
        [9_600, 970, 19_000],
        convention="bitmex",
    )
    return int(adl_queue(scores)[0])


@multiple_choice(
    "protection-3",
    "In the section's crash, 'fund, then ADL' left a smaller total loss than the other "
    "regimes. Why?",
    {
        "a": "ADL is always the cheapest way to cover a deficit",
        "b": "once the fund was empty, ADL closed bankrupt positions against winners instead "
        "of selling them into a book that gave worse fills at every sale",
        "c": "the fund was larger under ADL",
        "d": "ADL counterparties pay nothing: they are closed at the mark",
    },
    [
        "Compare what happens to a bankrupt position after the fund is empty in each regime.",
        "Where does the deficit of a liquidation come from, and what does the book do as the "
        "price falls in this model?",
    ],
    feedback={
        "a": "It follows from the model, not from a law: in a book that refilled quickly the "
        "difference would shrink.",
        "c": "Every regime starts with the same fund, and it pays the same amount in every "
        "protected regime.",
        "d": "Binance-style ADL closes them at the bankruptcy price, not at the mark, and the "
        "difference is their cost.",
    },
    explanation="The book in the section thins as the price falls, so every further sale "
    "fills worse; ADL trades nothing in the book and creates no new deficit.",
)
def _protection_3() -> str:
    return "b"


@exercise(
    "protection-4a",
    "Problem in two steps, step 1. A long of 0.5 BTC with bankruptcy price 94,080 is sold "
    "into the book at an average of 93,500 on a Binance-style venue whose insurance fund "
    "holds 100 USDT. How much of the deficit (USDT) does the fund leave uncovered?",
    [
        "The deficit is what the fill falls short of the bankruptcy price, times the quantity.",
        "The fund pays what it holds; the rest is uncovered.",
    ],
    unit="USDT",
)
def _protection_4a() -> float:
    deficit = 0.5 * (94_080 - 93_500)
    return insurance_fund_cover(deficit, 100).uncovered


@exercise(
    "protection-4b",
    "Step 2. The venue socializes what is left over three profitable accounts with unrealized "
    "profits of 1,000, 3,000 and 6,000 USDT, in proportion to their profit (pro-rata). How "
    "much (USDT) does the largest winner pay?",
    [
        "Each winner pays the same fraction of its profit.",
        "That fraction is the uncovered deficit of step 1 over the total profit.",
    ],
    unit="USDT",
    explanation="114 USDT, 60% of the 190 USDT left, because it holds 60% of the profit. "
    "Under an ADL queue the first winner would instead lose its whole position.",
    quotes=lambda: {"largest winner's share of the profit": 6_000 / (1_000 + 3_000 + 6_000)},
)
def _protection_4b() -> float:
    uncovered = insurance_fund_cover(0.5 * (94_080 - 93_500), 100).uncovered
    haircuts = adl_haircuts(uncovered, [1_000, 3_000, 6_000], policy="pro_rata")
    return float(haircuts[2])
