"""ADL rankings by exchange and the allocation of a liquidated quantity.

Published examples reproduced:
- BitMEX, "Auto-Deleveraging Examples" (https://www.bitmex.com/app/autoDeleveragingExamples):
  six longs with quantities 10, 10, 20, 30, 20, 10 and PnL rankings 3, 6, 1,
  4, 5, 2; a short of 20 contracts liquidated at bankruptcy price 650 closes
  all 10 of account 2 and 10 of account 5's 20.
- BitMEX, "Auto-Deleveraging" (https://www.bitmex.com/app/autoDeleveraging):
  the ranking formula, checked here on a position worked by hand.
- Binance, "What Is Auto-Deleveraging (ADL) and How Does It Work"
  (https://www.binance.com/en/support/faq/360033525471) publishes the
  LeveragePnL formula but no numeric example. The numbers below are those a
  user worked with that formula on Binance's developer forum
  (https://dev.binance.vision/t/how-to-caculating-leverage-pnl-quantile/17801):
  unrealized profit 40.2, wallet balance 4.27, margin ratio 13.42% ->
  PnL percent 9.41 and LeveragePnL 1.26.
"""

from __future__ import annotations

import numpy as np
import pytest

from perpmath.exchange import ADL_RANKINGS, adl_allocation, adl_queue, adl_score


def test_bitmex_published_allocation():
    quantity = [10, 10, 20, 30, 20, 10]  # accounts 1..6
    ranking = [3, 6, 1, 4, 5, 2]
    np.testing.assert_array_equal(
        adl_queue(ranking), [1, 4, 3, 0, 5, 2]
    )  # accounts 2, 5, 4, 1, 6, 3
    take = adl_allocation(20, quantity, ranking)
    np.testing.assert_array_equal(take, [0, 10, 0, 0, 10, 0])


def test_bitmex_formula_by_hand():
    # long 2 @ 100, mark 110, margin 20: BP = 100 - 20/2 = 90
    # mark value 220, bankrupt value 180, entry value 200
    # effective leverage = 220 / 40 = 5.5; PnL% = 20/200 = 0.1 -> 0.55
    assert adl_score("long", 2, 100, 110, 20, convention="bitmex") == pytest.approx(0.55)
    # losing: short 1 @ 100, mark 105, margin 10 -> BP 110; MV -105, BV -110, EV -100
    # effective leverage = 105 / 5 = 21; PnL% = -5/100 -> -0.05 / 21
    assert adl_score("short", 1, 100, 105, 10, convention="bitmex") == pytest.approx(-0.05 / 21)


def test_binance_formula_forum_numbers():
    upnl, wallet, ratio = 40.2, 4.27, 0.1342
    mm = ratio * (wallet + upnl)
    # a long whose unrealized PnL is 40.2 (1 coin from 100 to 140.2)
    score = adl_score("long", 1, 100, 140.2, wallet, maintenance_margin=mm, convention="binance")
    assert upnl / wallet == pytest.approx(9.41, abs=0.005)
    assert score == pytest.approx(1.26, abs=0.005)


def test_binance_losing_positions_score_zero_and_floors():
    assert adl_score("long", 1, 100, 90, 20) == 0.0  # no profit: PnL percent 0
    # wallet below 1 is floored at 1 in the PnL percent
    s = adl_score("long", 1, 100, 101, 0.5, maintenance_margin=0.3)
    assert s == pytest.approx(1.0 / 1.0 * 0.3 / 1.5)


def test_rankings_order_profit_and_leverage():
    # same profit, more leverage (less margin) ranks first under both conventions
    for name in ADL_RANKINGS:
        scores = adl_score("short", [1, 1], [100, 100], 90, [5, 20], convention=name)
        assert scores[0] > scores[1] > 0
    with pytest.raises(ValueError, match="convention must be one of"):
        adl_score("long", 1, 100, 110, 10, convention="coin flip")


def test_queue_filters_and_allocation_edge_cases():
    # losing positions never queue by default; ties broken by index
    np.testing.assert_array_equal(adl_queue([1.0, -1.0, 1.0, 0.0]), [0, 2])
    np.testing.assert_array_equal(adl_queue([1.0, 2.0], pnl=[5.0, -1.0]), [0])
    # a queue smaller than the quantity closes everything in it
    np.testing.assert_array_equal(adl_allocation(100, [1, 2], [2, 1]), [1, 2])
    with pytest.raises(ValueError, match="NaN"):
        adl_queue([np.nan])


def test_infinite_scores_rank_and_bad_scores_are_named():
    # adl_score gives -inf to a losing position past its bankruptcy price (unbounded
    # effective leverage): it ranks last, and the queue takes it as it is
    past = adl_score("long", [1, 1, 1], [100, 100, 80], 90, [5, 20, 5], convention="bitmex")
    assert past[0] == -np.inf and np.isfinite(past[1:]).all()
    np.testing.assert_array_equal(adl_queue(past, profitable_only=False), [2, 1, 0])
    np.testing.assert_array_equal(adl_queue(past), [2])
    np.testing.assert_array_equal(adl_queue([1.0, np.inf]), [1, 0])  # +inf first
    np.testing.assert_array_equal(adl_allocation(1.5, [1, 1], [1.0, np.inf]), [0.5, 1.0])
    for bad, message in (
        ([[1.0, 2.0], [3.0]], "scores must be a number or an array of numbers"),
        ("abc", "scores must be a number or an array of numbers"),
        (True, "scores must be a number or an array of numbers"),
        ([[1.0, 2.0], [3.0, 4.0]], "scores must be one-dimensional"),
    ):
        with pytest.raises(ValueError, match=message):
            adl_queue(bad)
    with pytest.raises(TypeError, match="scores must be a number"):
        adl_allocation(1.0, [1.0, 2.0], [0.1, object()])
    with pytest.raises(TypeError, match="profitable_only must be True or False"):
        adl_queue([1.0], profitable_only="no")
