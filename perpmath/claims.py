"""The eight claims from the source articles that the course checks, numbered once.

Each claim is stated in the course's own words, belongs to one section and
is checked there, in one place, under the heading "Claim N". Section 00
indexes them; this table is what the index and the tests compare against.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from perpmath import _validate as v

__all__ = ["CLAIMS", "Claim", "claim", "claims_table"]


@dataclass(frozen=True)
class Claim:
    """One claim: its number, the statement (our wording) and the notebook that checks it."""

    number: int
    statement: str
    notebook: str

    @property
    def section(self) -> str:
        """Two-digit section number, e.g. '02'."""
        return self.notebook[:2]

    @property
    def heading(self) -> str:
        """The heading the checking section uses: 'Claim N: statement'."""
        return f"Claim {self.number}: {self.statement}"


CLAIMS: tuple[Claim, ...] = (
    Claim(
        1,
        "a 50x long from $96,000, liquidated at $95,000 and filled at $94,200 in a thin "
        "book, loses more than its margin",
        "05_negative_balance.ipynb",
    ),
    Claim(
        2,
        "the largest adverse move a position survives is 100% divided by its leverage",
        "02_leverage.ipynb",
    ),
    Claim(
        3,
        "at 10x, a 10% fall takes 1,000 USDT of margin to exactly zero",
        "02_leverage.ipynb",
    ),
    Claim(
        7,
        '"margin ratio = margin / position value" and "liquidation when the margin ratio '
        'falls to 100%"',
        "03_margin.ipynb",
    ),
    Claim(4, "a positive funding rate benefits longs", "07_funding.ipynb"),
    Claim(5, "funding is charged on unrealized PnL", "07_funding.ipynb"),
    Claim(6, "funding applies equally whatever the leverage", "07_funding.ipynb"),
    Claim(8, "perpetual futures must be rolled over periodically", "07_funding.ipynb"),
)
CLAIMS = tuple(sorted(CLAIMS, key=lambda c: c.number))


@v.no_overflow
def claim(number: int) -> Claim:
    """The claim with this number (1 to 8)."""
    if isinstance(number, bool) or not isinstance(number, int):
        raise TypeError(f"number must be a whole number from 1 to {len(CLAIMS)}, got {number!r}")
    for c in CLAIMS:
        if c.number == number:
            return c
    raise ValueError(f"number must be a claim number from 1 to {len(CLAIMS)}, got {number!r}")


@v.no_overflow
def claims_table() -> pd.DataFrame:
    """All claims, one row each: statement and the notebook that checks it."""
    return pd.DataFrame(
        {"claim": [c.statement for c in CLAIMS], "checked in": [c.notebook for c in CLAIMS]},
        index=pd.Index([c.number for c in CLAIMS], name="number"),
    )
