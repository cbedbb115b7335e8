"""perpmath.funding_schedule: settlement grids, cut-off rules, funding over a holding period."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from perpmath.funding import funding_payment
from perpmath.funding_schedule import funding_over_period, funding_times, settlement_weights


def stamps(*texts):
    return np.array([np.datetime64(t, "ns") for t in texts])


def test_binance_and_bitmex_grids():
    # Binance: 00:00, 08:00, 16:00 UTC; BitMEX ("Perpetual Contracts Guide"): 04:00,
    # 12:00, 20:00 UTC; Binance 4-hour symbols: every 4 hours from 00:00.
    day = ("2024-03-01T05:00Z", "2024-03-02T05:00Z")
    assert (
        funding_times(*day).tolist()
        == stamps("2024-03-01T08:00", "2024-03-01T16:00", "2024-03-02T00:00").tolist()
    )
    assert (
        funding_times(*day, 8, 4).tolist()
        == stamps("2024-03-01T12:00", "2024-03-01T20:00", "2024-03-02T04:00").tolist()
    )
    assert len(funding_times("2024-03-01", "2024-03-02", 4)) == 7  # both ends included
    assert len(funding_times("2024-03-01T00:30Z", "2024-03-01T23:59Z", 1)) == 23
    with pytest.raises(ValueError, match=r"^interval_hours must divide 24"):
        funding_times("2024-03-01", "2024-03-02", 5)
    with pytest.raises(ValueError, match=r"^end must not be before start"):
        funding_times("2024-03-02", "2024-03-01")


def test_at_timestamp_rule_pays_settlements_the_position_is_open_at():
    t = funding_times("2024-03-01", "2024-03-02")  # 00, 08, 16, 24h
    w = settlement_weights("2024-03-01T07:59Z", "2024-03-01T16:00Z", t)
    # opened a minute before 08:00: pays it; closed exactly at 16:00: does not pay it
    assert w.tolist() == [0.0, 1.0, 0.0, 0.0]
    assert settlement_weights("2024-03-01T08:00Z", "2024-03-01T08:00:01Z", t).tolist() == [
        0.0,
        1.0,
        0.0,
        0.0,
    ]
    # held between two settlements: pays nothing
    assert settlement_weights("2024-03-01T09:00Z", "2024-03-01T15:00Z", t).sum() == 0


def test_pro_rata_rule_pays_the_share_held():
    # Kraken: funding accrues while held and settles at the end of each hour.
    t = funding_times("2024-03-01T00:00Z", "2024-03-01T04:00Z", 1)
    w = settlement_weights("2024-03-01T00:30Z", "2024-03-01T02:15Z", t, "pro_rata", 1)
    assert w.tolist() == pytest.approx([0.0, 0.5, 1.0, 0.25, 0.0])
    assert w.sum() == pytest.approx(1.75)  # hours held


def test_funding_over_period_total_and_rows():
    t = funding_times("2024-03-01", "2024-03-03")  # 7 settlements
    rates = np.array([0.0001, 0.0002, -0.0001, 0.0003, 0.0001, 0.0001, 0.0002])
    marks = np.linspace(96_000, 97_200, 7)
    f = funding_over_period("long", 0.5, "2024-03-01T06:00Z", "2024-03-02T10:00Z", t, rates, marks)
    paid = [1, 2, 3, 4]  # 08:00, 16:00, 00:00 and 08:00 of the next day
    expected = funding_payment("long", 0.5, marks[paid], rates[paid])
    assert f["payment"].to_numpy() == pytest.approx(expected)
    assert f.attrs["total"] == pytest.approx(expected.sum())
    assert f.attrs["settlements"] == 4 and f.attrs["rule"] == "at_timestamp"
    assert f["cumulative"].iloc[-1] == pytest.approx(f.attrs["total"])
    short = funding_over_period(
        "short", 0.5, "2024-03-01T06:00Z", "2024-03-02T10:00Z", t, rates, marks
    )
    assert short.attrs["total"] == pytest.approx(-f.attrs["total"])
    # a per-symbol cap clips each rate
    capped = funding_over_period(
        "long", 0.5, "2024-03-01", "2024-03-03", t, rates * 100, 96_000, cap=0.0025
    )
    assert capped["rate"].abs().max() == 0.0025


def test_kraken_convention_prorates_and_timestamps_are_flexible():
    t = pd.date_range("2024-03-01T01:00Z", periods=4, freq="h")
    f = funding_over_period(
        "long",
        1.0,
        "2024-03-01T00:30Z",
        "2024-03-01T03:30Z",
        t,
        [1e-5] * 4,
        96_000,
        convention="kraken",
    )
    assert f["share"].tolist() == pytest.approx([0.5, 1.0, 1.0, 0.5])
    assert f.attrs["total"] == pytest.approx(3 * 96_000 * 1e-5)
    assert f.attrs["rule"] == "pro_rata"


def test_no_settlement_held_gives_an_empty_frame_and_zero():
    t = funding_times("2024-03-01", "2024-03-02")
    f = funding_over_period(
        "long", 1.0, "2024-03-01T09:00Z", "2024-03-01T10:00Z", t, [1e-4] * 4, 9e4
    )
    assert f.empty and f.attrs["total"] == 0.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(entry_time="soon"), "entry_time must be ISO 8601 timestamps"),
        (dict(exit_time="2024-02-01"), "exit_time must not be before entry_time"),
        (dict(rates=[1e-4]), "rates must hold one rate per settlement time"),
        (dict(mark_prices=-1.0), "mark_prices must be greater than 0"),
        (dict(convention="ftx"), "convention must be one of"),
        (dict(rule="daily"), "rule must be one of"),
    ],
)
def test_bad_input(kwargs, match):
    args = dict(
        side="long",
        quantity=1.0,
        entry_time="2024-03-01",
        exit_time="2024-03-02",
        times=funding_times("2024-03-01", "2024-03-02"),
        rates=[1e-4] * 4,
        mark_prices=96_000.0,
    )
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        funding_over_period(**args)


# --- bad input that used to pass unchecked or fail unclearly -------------------------
def test_times_must_be_timestamps_and_interval_hours_belongs_to_pro_rata():
    t = funding_times("2024-03-01", "2024-03-02")
    # a bare number read as nanoseconds since 1970
    with pytest.raises(TypeError, match=r"^entry_time must be ISO 8601 timestamps such as"):
        settlement_weights(5, "2024-03-02", t)
    with pytest.raises(ValueError, match=r"^interval_hours applies only with rule='pro_rata'"):
        settlement_weights("2024-03-01", "2024-03-02", t, interval_hours=float("nan"))
    with pytest.raises(ValueError, match=r"^interval_hours must be a single number"):
        funding_times("2024-03-01", "2024-03-02", interval_hours=[8.0, 4.0])


def test_timestamps_of_any_iso_precision_mix_in_one_list():
    # Binance USDⓈ-M BTCUSDT funding history (course/data, Binance public market data)
    # stamps some settlements to the millisecond and others not; the first string's
    # format used to be imposed on the rest, refusing the list with a message about
    # timestamps in general
    times = ["2021-05-19T16:00:00.018Z", "2021-05-20T00:00Z", "2021-05-20T08:00:00Z"]
    w = settlement_weights("2021-05-19T10:00Z", "2021-05-20T10:00Z", times)
    assert w.tolist() == [1.0, 1.0, 1.0]
    reordered = ["2021-05-19T16:00:00Z", "2021-05-20T00:00:00.005Z", "2021-05-20 08:00"]
    assert settlement_weights("2021-05-19", "2021-05-21", reordered).tolist() == [1.0, 1.0, 1.0]
    # to the nanosecond, with an offset, or a date alone: each element is read on its own
    w = settlement_weights(
        "2021-05-19T16:00:00.000000001Z",
        "2021-05-20T08:00:00+08:00",  # = 00:00 UTC: that settlement is not held
        ["2021-05-19T16:00:00Z", "2021-05-19T16:00:00.000000002Z", "2021-05-20"],
    )
    assert w.tolist() == [0.0, 1.0, 0.0]
    f = funding_over_period(
        "short", 0.1, "2021-05-19T10:00Z", "2021-05-20T10:00Z", times, [-9e-4, 1e-4, 1e-4], 96_000
    )
    assert f.attrs["settlements"] == 3


@pytest.mark.parametrize(
    ("times", "error", "shown"),
    [
        (
            ["2021-05-19T16:00:00.018Z", "2021-05-19T24:30Z"],
            ValueError,
            "'2021-05-19T24:30Z' at index 1",
        ),
        (["2021-05-19T16:00Z", "19/05/2021 16:00"], ValueError, "'19/05/2021 16:00' at index 1"),
        (["2021-05-19T16:00Z", None], ValueError, "a missing timestamp at index 1"),
        (["2021-05-19T16:00Z", 1621440000], TypeError, "1621440000 at index 1"),
        ([1621440000018, 1621468800005], TypeError, "got numbers"),
        (["3000-01-01T00:00Z"], ValueError, "between the years 1677 and 2262"),
    ],
)
def test_a_bad_timestamp_is_shown_with_its_index(times, error, shown):
    with pytest.raises(error) as err:
        settlement_weights("2021-05-19", "2021-05-21", times)
    text = str(err.value)
    assert text.startswith("times must be ISO 8601 timestamps such as '2024-03-01T08:00Z'")
    assert shown in text
