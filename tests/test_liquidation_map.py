"""Liquidation map (perpmath.liquidation_map)."""

from __future__ import annotations

import numpy as np
import pytest

from perpmath.liquidation import liquidation_price
from perpmath.liquidation_map import liquidation_map, random_population


def test_single_positions_land_in_their_bins():
    lp_long = liquidation_price("long", 96_000, 10, 2.0)
    lp_short = liquidation_price("short", 96_000, 10, 1.0)
    h = liquidation_map(["long", "short"], 96_000, 10, [2.0, 1.0], bins=[80_000, 96_000, 110_000])
    assert h.long == pytest.approx([2.0 * lp_long, 0.0])
    assert h.short == pytest.approx([0.0, 1.0 * lp_short])
    assert h.outside == 0
    np.testing.assert_allclose(h.liquidation_prices, [lp_long, lp_short])


def test_totals_match_population_and_bins_split_sides():
    pop = random_population(20_000, seed=7)
    h = liquidation_map(pop["side"], pop["entry"], pop["leverage"], pop["size"], bins=50)
    lp = h.liquidation_prices
    total = float((pop["size"].to_numpy() * lp).sum())
    assert h.long.sum() + h.short.sum() == pytest.approx(total)
    assert h.outside == 0
    # longs are liquidated below their entries, shorts above
    longs = pop["side"].to_numpy() == "long"
    assert np.all(lp[longs] < pop["entry"].to_numpy()[longs])
    assert np.all(lp[~longs] > pop["entry"].to_numpy()[~longs])
    frame = h.to_frame()
    assert list(frame.columns) == ["low", "high", "long_notional", "short_notional"]
    assert len(frame) == 50 and len(h.centers) == 50


def test_price_range_counts_outside():
    pop = random_population(5_000, seed=3)
    h = liquidation_map(
        pop["side"],
        pop["entry"],
        pop["leverage"],
        pop["size"],
        bins=10,
        price_range=(94_000, 98_000),
    )
    lp = h.liquidation_prices
    assert h.outside == int(((lp < 94_000) | (lp > 98_000)).sum())


def test_seeded_population_is_reproducible():
    a = random_population(100, seed=1)
    b = random_population(100, seed=np.random.default_rng(1))
    assert a.equals(b)
    assert set(a["side"]) <= {"long", "short"}


def test_equals_scalar_calls():
    pop = random_population(30, seed=11)
    h = liquidation_map(pop["side"], pop["entry"], pop["leverage"], pop["size"])
    for i in (0, 9, 29):
        row = pop.iloc[i]
        assert h.liquidation_prices[i] == pytest.approx(
            liquidation_price(row["side"], row["entry"], row["leverage"], row["size"])
        )


def test_errors():
    with pytest.raises(ValueError, match="sides"):
        liquidation_map(["long", "up"], 96_000, 10, 1.0)
    with pytest.raises(ValueError, match="leverages"):
        liquidation_map("long", 96_000, 0.0, 1.0)
    with pytest.raises(ValueError, match="bins"):
        liquidation_map("long", 96_000, 10, 1.0, bins=[3, 2, 1])
    with pytest.raises(ValueError, match="price_range"):
        liquidation_map("long", 96_000, 10, 1.0, bins=5, price_range=(2.0, 1.0))
    with pytest.raises(ValueError, match="seed"):
        random_population(10, seed="x")
    with pytest.raises(ValueError, match="n must"):
        random_population(0, seed=1)


def test_convention_is_passed_to_the_liquidation_price():
    pop = random_population(500, seed=9, leverages=(5, 10, 20), leverage_weights=None)
    h = liquidation_map(
        pop["side"],
        pop["entry"],
        pop["leverage"],
        pop["size"],
        maintenance=None,
        convention="bybit_linear",
    )
    i = 17
    row = pop.iloc[i]
    expected = liquidation_price(
        row["side"], row["entry"], row["leverage"], row["size"], convention="bybit_linear"
    )
    assert h.liquidation_prices[i] == pytest.approx(expected)


# --- bad input that used to pass unchecked or fail unclearly -------------------------
def test_population_lengths_and_parameters_are_named():
    with pytest.raises(ValueError, match=r"^sides and leverages must have matching lengths"):
        liquidation_map(["long", "short"], [100.0, 101.0], [10.0, 20.0, 30.0], 1.0)
    with pytest.raises(ValueError, match=r"^maintenance must be a single number"):
        liquidation_map("long", 100.0, 10.0, 1.0, maintenance=[0.004, 0.005])
    with pytest.raises(ValueError, match=r"^price_range must be greater than 0"):
        liquidation_map("long", 100.0, 10.0, 1.0, price_range=(-1.0, 200.0))
    with pytest.raises(ValueError, match=r"^seed must be a whole number of at least 0, got -1$"):
        random_population(10, seed=-1)
    with pytest.raises(ValueError, match=r"^entry_spread must be at most 10"):
        random_population(10, seed=1, entry_spread=1e300)  # overflowed to inf entries


def test_only_live_positions_are_on_the_map():
    # at 96,000 a long opened at 99,000 with 50x (liquidation about 97,400) is already gone
    gone_long = liquidation_price("long", 99_000, 50)
    gone_short = liquidation_price("short", 93_000, 50)
    assert gone_long > 96_000 > gone_short
    m = liquidation_map(
        ["long", "long", "short", "short"],
        [99_000, 96_000, 93_000, 96_000],
        [50, 10, 50, 10],
        1.0,
        price=96_000,
        bins=[80_000, 96_000, 112_000],
    )
    assert m.already_liquidated == 2 and m.price == 96_000
    assert m.live.tolist() == [False, True, False, True]
    assert m.long == pytest.approx([liquidation_price("long", 96_000, 10), 0.0])
    assert m.short == pytest.approx([0.0, liquidation_price("short", 96_000, 10)])


def test_random_population_map_has_longs_below_and_shorts_above_the_price():
    pop = random_population(20_000, seed=2024)
    m = liquidation_map(
        pop["side"], pop["entry"], pop["leverage"], pop["size"], price=96_000.0, bins=40
    )
    assert m.already_liquidated > 0
    assert m.long[m.edges[:-1] >= 96_000].sum() == 0.0
    assert m.short[m.edges[1:] <= 96_000].sum() == 0.0
    total = (pop["size"].to_numpy() * m.liquidation_prices)[m.live].sum()
    assert m.long.sum() + m.short.sum() == pytest.approx(total)


def test_a_price_that_liquidated_everyone_is_refused():
    with pytest.raises(ValueError, match="already liquidated every position"):
        liquidation_map("long", 96_000, 10, 1.0, price=50_000)
    with pytest.raises(ValueError, match="price must be greater than 0"):
        liquidation_map("long", 96_000, 10, 1.0, price=-1.0)
