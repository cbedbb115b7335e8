"""Checked exercises for section 01 (spot vs contract trading)."""

from __future__ import annotations

from perpmath.contracts import price_return, unrealized_pnl
from perpmath.example import RUNNING_EXAMPLE
from perpmath.exercises import exercise, multiple_choice, predict
from perpmath.liquidation import distance_to_liquidation
from perpmath.spot import scripted_path, spot_vs_perpetual


@predict(
    "spot-predict-1",
    "Measured in bitcoin, does an inverse long lose more on a 10% fall than it gains on a "
    "10% rise (a), the same (b), or less (c)?",
    choices={"a": "more on the fall", "b": "the same", "c": "less on the fall"},
    explanation="Each contract is a fixed number of dollars, and a dollar buys more bitcoin "
    "when bitcoin is cheap: the fall costs 0.111 BTC, the rise earns 0.091 BTC.",
    quotes=lambda: dict(
        zip(
            ("PnL of the fall (BTC)", "PnL of the rise (BTC)"),
            unrealized_pnl("long", 96_000, 96_000, [86_400, 105_600], contract="inverse"),
            strict=True,
        )
    ),
)
def _spot_predict_1() -> str:
    fall, rise = unrealized_pnl("long", 96_000, 96_000, [86_400, 105_600], contract="inverse")
    lost, gained = -fall, rise
    return {True: "a", False: "c"}[lost > gained]


@exercise(
    "spot-1",
    "The running example's 10x long (1,000 USDT of margin, opened at 96,000) sees the price "
    "reach 99,000. What is its equity in USDT, with no fees or funding?",
    [
        "First find the size: how many bitcoin does a position worth 10 times the margin hold "
        "at the entry price?",
        "A linear long earns its size times the rise of the price, in USDT.",
        "Equity is the margin plus that profit.",
    ],
    unit="USDT",
)
def _spot_1() -> float:
    quantity = 1_000 * 10 / 96_000
    return 1_000 + unrealized_pnl("long", quantity, 96_000, 99_000)


@exercise(
    "spot-2",
    "A long of 96,000 inverse BTCUSD contracts worth 1 USD each is opened at 96,000. What is "
    "its PnL, in BTC, if the price falls to 80,000?",
    [
        "Each contract is worth 1 USD; what are 96,000 USD worth in BTC at the entry, and at "
        "80,000?",
        "The long's PnL in coin is what its dollars were worth in BTC at entry minus what they "
        "are worth now, Q x (1/entry - 1/price): the sign tells you it is a loss.",
    ],
    unit="BTC",
)
def _spot_2() -> float:
    return unrealized_pnl("long", 96_000, 96_000, 80_000, contract="inverse", contract_size=1.0)


@multiple_choice(
    "spot-3",
    "A miner holds 1 BTC and wants its dollar value to stay put for a month without selling. "
    "Which position does that?",
    {
        "a": "a 1x long linear perpetual of 1 BTC, margined with USDT",
        "b": "a 1x short inverse perpetual of 96,000 contracts of 1 USD, margined with the 1 BTC",
        "c": "a 10x short linear perpetual of 0.1 BTC, margined with USDT",
        "d": "none: a spot holding cannot lose more than what was paid",
    },
    [
        "The position must gain in dollars exactly what the coin loses in dollars.",
        "Which side gains when the price falls, and how big must it be to offset 1 BTC?",
    ],
    feedback={
        "a": "A long adds to the exposure: the miner would then lose twice as much on a fall.",
        "c": "A 10x short of 0.1 BTC offsets only a tenth of the coin's exposure.",
        "d": "The coin cannot fall below zero, but it can lose most of its dollar value.",
    },
    explanation="The short's coin PnL plus the 1 BTC margin is always worth 96,000 USD "
    "(section 01, the inverse hedge).",
)
def _spot_3() -> str:
    return "b"


@multiple_choice(
    "spot-4a",
    "A 5x long and a 5x short, 1,000 USDT each, on scripted_path(): which is liquidated?",
    {"a": "the long only", "b": "the short only", "c": "both", "d": "neither"},
    [
        "A 5x position is liquidated after a move of a little less than 1/5 of the entry price "
        "against it.",
        "Compare the lowest and the highest price of the path with 96,000.",
    ],
    feedback={
        "a": "The path's low is 84,000, 12.5% below the entry: a 5x long has about 19.7%.",
        "b": "The path's high is 101,124, about 5% above the entry: far from the short's 19.5%.",
        "c": "Neither move is large enough; look at the path's low and high.",
    },
    explanation="At 5x the long has about 19.7% of room and the short about 19.5%; the path "
    "moves 12.5% down and about 5% up from the entry, so neither position is liquidated.",
    quotes=lambda: _path_quotes(),
)
def _spot_4a() -> str:
    tiers = RUNNING_EXAMPLE.tiers
    pair = spot_vs_perpetual(
        scripted_path(), 1_000, [5], sides=["long", "short"], maintenance=tiers
    )
    long_dead = pair.attrs["liquidated_at"]["long 5x"] is not None
    short_dead = pair.attrs["liquidated_at"]["short 5x"] is not None
    letters = {(True, False): "a", (False, True): "b", (True, True): "c", (False, False): "d"}
    return letters[(long_dead, short_dead)]


@exercise(
    "spot-4b",
    "The same pair: what is the sum of the two final equities, in USDT?",
    [
        "What does the short gain when the long loses, if both have the same size?",
        "Add the two final equities of the frame (or reason it out: two margins, no net exposure).",
    ],
    unit="USDT",
    explanation="A long and a short of the same size cancel out: together they are a flat "
    "position, and their equities add up to the two margins (before fees and funding).",
)
def _spot_4b() -> float:
    tiers = RUNNING_EXAMPLE.tiers
    pair = spot_vs_perpetual(
        scripted_path(), 1_000, [5], sides=["long", "short"], maintenance=tiers
    )
    return float(pair["long 5x"].iloc[-1] + pair["short 5x"].iloc[-1])


def _path_quotes() -> dict[str, object]:
    """What exercise spot-4a's texts quote: the path's extremes and a 5x position's room."""
    path = scripted_path()
    entry = float(path[0])
    quantity = 1_000 * 5 / entry
    return {
        "entry (USDT)": entry,
        "low (USDT)": float(path.min()),
        "high (USDT)": float(path.max()),
        "fall to the low": price_return(entry, float(path.min())),
        "rise to the high": price_return(entry, float(path.max())),
        "room of a 5x long": float(
            distance_to_liquidation("long", entry, 5, quantity, maintenance=RUNNING_EXAMPLE.tiers)
        ),
        "room of a 5x short": float(
            distance_to_liquidation("short", entry, 5, quantity, maintenance=RUNNING_EXAMPLE.tiers)
        ),
    }
