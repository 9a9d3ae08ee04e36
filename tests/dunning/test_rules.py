"""The pure collection rules: Book XIX, eligibility, fees, allocations, schedules (DOMAIN §7)."""

import doctest
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regie.dunning import rules, schedule
from regie.dunning.rules import Candidate, Level, capped_fee, exclusion, fee_cap, policy_errors
from regie.dunning.schedule import InstalmentState, PlanItem, allocate_plan_payment, instalments
from regie.payments.allocation import OpenItem

RAPPEL = Level(1, "Rappel", 10, 15)
SECOND = Level(2, "Second rappel", 5, 15, 500)
NOTICE = Level(3, "Mise en demeure", 5, 15, 1000, formal_notice=True)


@pytest.mark.parametrize("module", [rules, schedule])
def test_doctests_pass(module):
    assert doctest.testmod(module).failed == 0


def test_example_11_policy_is_accepted_and_a_fee_on_level_1_is_refused():
    """Worked example 11: the three levels are fine; a level 1 fee of 2.00 is refused."""
    assert policy_errors([RAPPEL, SECOND, NOTICE]) == []
    errors = policy_errors([RAPPEL._replace(fee_cents=200), SECOND, NOTICE])
    assert [e.code for e in errors] == ["dunning.first_reminder_fee"]
    assert "Rappel" in errors[0].english()


def test_policy_lists_every_broken_rule_at_once():
    errors = policy_errors(
        [Level(1, "R", -1, 7, 100), Level(3, "M", 5, 15, 300_000, True), Level(4, "X", 5, 15)]
    )
    codes = {e.code for e in errors}
    assert codes == {
        "dunning.level_numbers",
        "dunning.level_days",
        "dunning.level_fee",
        "dunning.first_reminder_fee",
        "dunning.first_reminder_days",
        "dunning.formal_notice_last",
    }


def test_example_11_eligibility_and_due_dates():
    """Due 2026-02-28: a level 1 run of 10/03 leaves it out, of 11/03 takes it, due 26/03."""
    invoice = Candidate(1, 7, 2500, 0, date(2026, 2, 28))
    assert exclusion(invoice, RAPPEL, date(2026, 3, 10), 0) == "too_early"
    assert exclusion(invoice, RAPPEL, date(2026, 3, 11), 0) == ""
    assert rules.reminder_due_date(date(2026, 3, 11), RAPPEL) == date(2026, 3, 26)
    after_level_1 = invoice._replace(reached_level=1, step_due_date=date(2026, 3, 26))
    assert exclusion(after_level_1, SECOND, date(2026, 4, 1), 0) == ""
    assert rules.reminder_due_date(date(2026, 4, 1), SECOND) == date(2026, 4, 16)
    assert exclusion(after_level_1, RAPPEL, date(2026, 4, 1), 0) == "other_level"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"in_plan": True}, "in_plan"),
        ({"in_order": True}, "in_order"),
        ({"suspended": True}, "suspended"),
        ({"open_cents": 0}, "paid"),
        ({"open_cents": 499}, "below_minimum"),
    ],
)
def test_invoices_left_out_of_a_run(change, reason):
    invoice = Candidate(1, 7, 2500, 0, date(2026, 2, 28))._replace(**change)
    assert exclusion(invoice, RAPPEL, date(2026, 4, 1), 500) == reason


def test_example_11_payment_and_fee_lowered_to_the_cap():
    """12.00 on the level 2 reminder leaves A open 13.00 and the fee 5.00; level 3 charges 15."""
    paid = rules.allocate_reminder_payment(1200, [OpenItem(1, date(2026, 2, 28), 2500)], 500)
    assert paid.invoices == {1: 1200} and paid.fee_cents == 0 and paid.credit_cents == 0
    assert 2500 - paid.invoices[1] == 1300
    fee = capped_fee(fee_cents=2000, principal_cents=2500, earlier_fees_cents=500, consumer=True)
    assert (fee.cents, fee.lowered, fee.cap_cents) == (1500, True, 2000)


def test_reminder_payment_pays_invoices_oldest_first_then_the_fee_then_credit():
    invoices = [OpenItem(2, date(2026, 3, 31), 1000), OpenItem(1, date(2026, 2, 28), 2500)]
    paid = rules.allocate_reminder_payment(3800, invoices, 500)
    assert paid == rules.ReminderPayment({1: 2500, 2: 1000}, 300, 0)
    assert rules.allocate_reminder_payment(5000, invoices, 500).credit_cents == 1000


@pytest.mark.parametrize(
    ("principal", "cap"),
    [(0, 2000), (15000, 2000), (15100, 3010), (50000, 6500), (60000, 7000), (10**9, 200000)],
)
def test_fee_cap_by_open_principal(principal, cap):
    assert fee_cap(principal) == cap


@given(
    fee=st.integers(0, 300_000),
    principal=st.integers(0, 10**8),
    earlier=st.integers(0, 300_000),
)
def test_a_consumers_fees_never_pass_the_cap(fee, principal, earlier):
    charged = capped_fee(
        fee_cents=fee, principal_cents=principal, earlier_fees_cents=earlier, consumer=True
    )
    assert 0 <= charged.cents <= fee
    assert earlier + charged.cents <= max(fee_cap(principal), earlier)
    assert charged.lowered == (charged.cents < fee)


def test_example_12_schedule_and_payments():
    """Three monthly instalments from 01/04: 16.67, 16.67, 16.66; then the two payments."""
    plan = instalments(5000, first_due=date(2026, 4, 1), frequency="monthly", count=3)
    assert [(i.due_date, i.amount_cents) for i in plan] == [
        (date(2026, 4, 1), 1667),
        (date(2026, 5, 1), 1667),
        (date(2026, 6, 1), 1666),
    ]
    states = [InstalmentState(i.number, i.due_date, i.amount_cents, 0) for i in plan]
    items = [PlanItem("a", date(2026, 1, 31), 3000), PlanItem("b", date(2026, 2, 28), 2000)]
    first = allocate_plan_payment(1667, states, items)
    assert first.instalments == {1: 1667} and first.items == {"a": 1667}
    assert 3000 - first.items["a"] == 1333 and first.credit_cents == 0
    states = [states[0]._replace(paid_cents=1667), *states[1:]]
    assert schedule.is_late(states[1], date(2026, 5, 9), 7)
    assert not schedule.is_late(states[0], date(2026, 5, 9), 7)
    items = [PlanItem("a", date(2026, 1, 31), 1333), PlanItem("b", date(2026, 2, 28), 2000)]
    second = allocate_plan_payment(4000, [s for s in states if s.open_cents], items)
    assert second.instalments == {2: 1667, 3: 1666}
    assert second.items == {"a": 1333, "b": 2000} and second.credit_cents == 667


@given(
    total=st.integers(1, 10**7),
    count=st.integers(1, 120),
    frequency=st.sampled_from(schedule.FREQUENCIES),
)
def test_instalments_add_up_exactly(total, count, frequency):
    if count > total:
        return
    plan = instalments(total, first_due=date(2026, 1, 31), frequency=frequency, count=count)
    assert sum(i.amount_cents for i in plan) == total
    assert len({i.amount_cents for i in plan[:-1]}) <= 1 and all(i.amount_cents > 0 for i in plan)
    assert [i.due_date for i in plan] == sorted({i.due_date for i in plan})


def test_instalments_by_amount_and_refusals():
    plan = instalments(5000, first_due=date(2026, 4, 1), frequency="weekly", amount=2000)
    assert [i.amount_cents for i in plan] == [2000, 2000, 1000]
    assert plan[-1].due_date == date(2026, 4, 15)
    with pytest.raises(rules.DomainError) as error:
        schedule.amounts(5000, count=200)
    assert error.value.code == "plan.instalment_count"
    with pytest.raises(rules.DomainError):
        schedule.amounts(0, count=2)
