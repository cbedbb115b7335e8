"""Checked exercises for section 03 (margin)."""

from __future__ import annotations

from perpmath.account import Account, Position
from perpmath.example import RUNNING_EXAMPLE
from perpmath.exercises import exercise, multiple_choice, predict
from perpmath.margin import convert_margin_ratio


@predict(
    "margin-predict-1",
    "Two longs (BTC 20x and ETH 5x, 1,000 USDT each, 2,000 USDT wallet); BTC falls 12%, ETH "
    "does not move. Which account has more equity left: isolated (a), cross (b), the same (c)?",
    choices={"a": "the isolated account", "b": "the cross account", "c": "both the same"},
    explanation="Isolated margin lost only the BTC position's 1,000 USDT; the cross pool "
    "was liquidated as a whole, ETH margin included.",
)
def _margin_predict_1() -> str:
    return "a"


@exercise(
    "margin-1",
    "A cross-margin account holds 2,000 USDT and a 10x long of 0.1 BTC opened at 96,000. What "
    "is its available balance, in USDT, when the mark price is 93,000?",
    [
        "Available balance = margin balance - initial margin, both at the mark price.",
        "The margin balance is the wallet plus the (negative) PnL of the fall from 96,000 to "
        "93,000.",
        "Binance computes the initial margin at the mark price: 0.1 x 93,000 / 10.",
    ],
    unit="USDT",
)
def _margin_1() -> float:
    account = Account(2_000, [Position("BTCUSDT", "long", 0.1, 96_000, 10)])
    return float(account.available_balance({"BTCUSDT": 93_000}))


@exercise(
    "margin-2",
    "Using the running example's tier table, what is the maintenance margin, in USDT, of a "
    "position with a notional of 300,000 USDT?",
    [
        "Find the tier whose band of notional holds 300,000.",
        "Maintenance margin = notional x that tier's rate - that tier's maintenance amount.",
    ],
    unit="USDT",
)
def _margin_2() -> float:
    tiers = RUNNING_EXAMPLE.tiers
    return float(tiers.maintenance_margin(300_000))


@exercise(
    "margin-3",
    "Binance shows a margin ratio of 80% (maintenance margin / margin balance) for a position "
    "whose maintenance margin is 40 USDT. What is OKX's ratio (margin balance / maintenance "
    "margin) for the same state, as a fraction?",
    [
        "From Binance's ratio, work out the margin balance: 40 / 0.8.",
        "OKX's ratio divides that margin balance by the maintenance margin; it is the "
        "reciprocal of Binance's.",
    ],
)
def _margin_3() -> float:
    return float(
        convert_margin_ratio(
            0.8,
            "maintenance_to_balance",
            "equity_to_maintenance",
            maintenance_margin=40.0,
            position_value=10_000.0,
        )
    )


@multiple_choice(
    "margin-4",
    "On Binance Ana's margin ratio is 85%; on OKX Ben's is 115%. Who is closer to liquidation?",
    {
        "a": "Ana",
        "b": "Ben",
        "c": "they are equally close",
        "d": "it cannot be told without the position values",
    },
    [
        "Write both states on one scale: margin balance divided by maintenance margin.",
        "Binance's ratio is maintenance margin / margin balance: invert 85%.",
    ],
    feedback={
        "a": "Binance's ratio rises towards 100% as liquidation nears; 85% still leaves "
        "1 / 0.85 = 1.18 times the maintenance margin.",
        "c": "Put both on OKX's scale: 1 / 0.85 = 1.18 against 1.15.",
        "d": "Both definitions compare the margin balance with the maintenance margin; the "
        "position value is not needed.",
    },
    explanation="Ben's margin balance is 1.15 times his maintenance margin, Ana's 1 / 0.85 = "
    "1.18 times: Ben is closer.",
    quotes=lambda: {"Ana's margin balance / maintenance margin": 1 / 0.85},
)
def _margin_4() -> str:
    ana = 1 / 0.85  # margin balance / maintenance margin
    ben = 1.15
    return "b" if ben < ana else "a"


@exercise(
    "margin-5a",
    "An isolated 10x long of 3 BTC is opened at 96,000 with the running example's tier table. "
    "What is its maintenance margin at entry, in USDT?",
    [
        "The notional at entry is 3 x 96,000; which tier holds it?",
        "Rate times notional, minus the tier's maintenance amount.",
    ],
    unit="USDT",
)
def _margin_5a() -> float:
    tiers = RUNNING_EXAMPLE.tiers
    return float(tiers.maintenance_margin(3 * 96_000))


@exercise(
    "margin-5b",
    "How much margin must be added to its 28,800 USDT so that the liquidation price falls to "
    "85,000?",
    [
        "At the liquidation price the margin balance equals the maintenance margin: "
        "M + 3 x (85,000 - 96,000) = 3 x 85,000 x rate - amount.",
        "Take the rate and amount of the tier that holds 3 x 85,000 = 255,000 USDT.",
        "Solve for M and subtract the initial margin.",
    ],
    unit="USDT",
    quotes=lambda: {"notional at 85,000 (USDT)": 3 * 85_000.0},
)
def _margin_5b() -> float:
    tiers = RUNNING_EXAMPLE.tiers
    tier = int(tiers.tier_index(3 * 85_000))
    rate, amount = tiers.maintenance_rate[tier], tiers.maintenance_amount[tier]
    needed = 3 * 85_000 * rate - amount - 3 * (85_000 - 96_000)
    return float(needed - 28_800)
