"""The ledger: transfers, net flows, and the loud conservation check."""

from __future__ import annotations

import math

import pytest

from perpmath.exchange import ConservationError, Ledger


def test_record_and_net_flows():
    led = Ledger(100.0)
    led.record(0, 3, "insurance_fund", 5.0, "liquidation_surplus")
    led.record(1, "insurance_fund", 4, 2.0, "fund_cover")
    led.record(1, 4, "fees", 0.0, "skipped")  # zero amounts are not rows
    led.record_signed(2, 7, "positions", -1.5, "realized_pnl")  # 7 pays 1.5
    led.record_many(3, [1, 2], "venue", [-1.0, 2.0], "mixed")
    assert len(led) == 5
    assert led.net_flow("insurance_fund") == 3.0
    assert led.net_flow(4) == 2.0 and led.net_flow(3) == -5.0 and led.net_flow(7) == -1.5
    assert led.net_flow(1) == -1.0 and led.net_flow(2) == 2.0 and led.net_flow("venue") == -1.0
    frame = led.to_frame()
    assert list(frame.columns) == ["step", "source", "target", "amount", "reason"]
    assert frame.iloc[0].tolist() == [0, "account 3", "insurance_fund", 5.0, "liquidation_surplus"]
    assert (frame.amount > 0).all()


def test_check_passes_within_tolerance_and_fails_loudly():
    led = Ledger(1_000.0)
    assert led.check(0, {"balances": 900.0, "fund": 100.0 + 1e-9}) == pytest.approx(1e-9)
    with pytest.raises(
        ConservationError, match=r"step 1.*balances=900\.010000.*difference 1\.000e-02"
    ):
        led.check(1, {"balances": 900.01, "fund": 100.0})
    totals = led.totals()
    assert totals["difference"].tolist() == pytest.approx([1e-9, 0.01])
    # a cent is far above the default tolerance even for a large venue
    assert Ledger(1e9).tolerance(gross=1e9) < 0.01


def test_bad_records():
    led = Ledger(0.0)
    with pytest.raises(ValueError, match="amount must be 0 or more"):
        led.record(0, 1, 2, -1.0, "x")
    with pytest.raises(ValueError, match=r"source must be an account number .* or one of"):
        led.record(0, "bank", 2, 1.0, "x")
    with pytest.raises(ValueError, match="deposits must be finite"):
        Ledger(float("nan"))


@pytest.mark.parametrize(
    "call, message",
    [
        # NumPy's and int()'s messages named no argument here
        (lambda led: led.record(2.5, 0, 1, 1.0, "x"), "step must be a whole number"),
        (lambda led: led.record(math.nan, 0, 1, 1.0, "x"), "step must be a whole number"),
        (lambda led: led.record(0, 0, -1, 1.0, "x"), "target must be an account number"),
        (lambda led: led.record(0, 0, 1, "1", "x"), "amount must be a number"),
        (lambda led: led.record(0, 0, 1, 1.0, None), "reason must be a string"),
        (lambda led: led.record_signed(0, 0, 3, 1.0, "x"), "pool must be one of"),
        (lambda led: led.record_signed(0, 0, "fees", [1.0], "x"), "amount must be a single"),
        (lambda led: led.record_many(0, [0, math.nan], "fees", [1.0, 1.0], "x"), "parties must"),
        (lambda led: led.record_many(0, [0, 1], "fees", ["a", 1.0], "x"), "amounts must be"),
        (lambda led: led.record_many(0, [0, 1], "fees", [1.0], "x"), "parties and amounts must"),
        (lambda led: led.net_flow(None), "party must be an account number"),
        (lambda led: led.check(0, "balances"), "components must be a mapping"),
        (lambda led: led.check(0, {"balances": "100"}), "components must map names to numbers"),
        (lambda led: led.check(0, {"balances": 100.0}, gross=math.nan), "gross must be finite"),
        (lambda led: led.tolerance(-1.0), "gross must be 0 or more"),
        (lambda led: Ledger(-1.0), "deposits must be 0 or more"),
        (lambda led: Ledger(100.0, absolute_tolerance=[1e-6, 1e-6]), "must be a single number"),
    ],
)
def test_bad_arguments_are_named(call, message):
    led = Ledger(100.0)
    with pytest.raises(ValueError, match=message):
        call(led)
    assert len(led) == 0 and led.totals().empty  # nothing half-recorded


def test_a_nan_gross_cannot_switch_the_check_off():
    led = Ledger(100.0)
    with pytest.raises(ValueError, match="gross"):
        led.check(0, {"balances": 1e9}, gross=math.nan)  # NaN tolerance: every check passed
