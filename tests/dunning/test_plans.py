"""Payment plans in the database: worked example 12, cancellation, exclusions (DOMAIN §7)."""

from datetime import date

import pytest
from tests.dunning.builders import invoice_of, parent, world
from tests.dunning.test_collection import open_of
from tests.dunning.test_reminders import run
from tests.payments.payment_builders import coda_file

from regie.core.daily import daily_run
from regie.core.errors import DomainError
from regie.dunning.letters import late_letter_lines, late_letter_of
from regie.dunning.models import Reminder
from regie.dunning.plan_models import PlanStatus
from regie.dunning.plans import instalment_states, late_instalments, plan_cancel, plan_create
from regie.dunning.selectors import run_preview
from regie.ledger.selectors import trial_balance
from regie.payments.imports import statements_import
from regie.payments.models import Payment
from regie.payments.services import payment_cancel, person_credit

pytestmark = pytest.mark.django_db


def example_12():
    setup, policy = world()
    person = parent()
    invoices = [
        invoice_of(setup, person, 3000, date(2026, 1, 31)),
        invoice_of(setup, person, 2000, date(2026, 2, 28)),
    ]
    plan = plan_create(
        person=person,
        invoices=invoices,
        frequency="monthly",
        first_due=date(2026, 4, 1),
        count=3,
        day=date(2026, 3, 25),
    )
    return setup, policy, person, invoices, plan


def pay(plan, cents: int, day: date, number: int):
    data = coda_file([(cents, plan.communication)], number=number, day=day)
    return statements_import(data=data, name=f"{number}.cod")


def test_example_12_schedule_payments_late_letter_and_completion(in_a):
    _setup, _policy, person, (first, second), plan = example_12()
    assert [(s.due_date, s.amount_cents) for s in instalment_states(plan)] == [
        (date(2026, 4, 1), 1667),
        (date(2026, 5, 1), 1667),
        (date(2026, 6, 1), 1666),
    ]
    assert pay(plan, 1667, date(2026, 4, 3), 1).accepted == 1
    assert open_of(first) == 1333 and open_of(second) == 2000
    assert late_instalments(date(2026, 5, 8)) == []
    [(instalment, state)] = late_instalments(date(2026, 5, 9))
    lines = late_letter_lines(late_letter_of(instalment, state, date(2026, 5, 9)), "fr")
    assert "Notification de retard de paiement" in lines
    assert "Montant dû : 16.67 €" in lines
    assert "Montant reçu : 0.00 €" in lines
    assert "Date d'échéance : 01-05-2026" in lines
    assert f"Communication structurée : {plan.formatted_communication}" in lines
    pay(plan, 4000, date(2026, 5, 12), 2)
    plan.refresh_from_db()
    assert open_of(first) == 0 and open_of(second) == 0
    assert person_credit(person.pk) == 667 and plan.status == PlanStatus.COMPLETED
    assert trial_balance(date(2026, 1, 1), date(2026, 12, 31)).balances


def test_invoices_in_an_active_plan_leave_reminder_runs_and_come_back_when_cancelled(in_a):
    setup, policy, person, invoices, plan = example_12()
    level = policy.levels.get(number=1)
    assert run_preview(level, date(2026, 4, 10)).planned == []
    with pytest.raises(DomainError) as error:
        plan_create(
            person=person,
            invoices=invoices[:1],
            frequency="weekly",
            first_due=date(2026, 4, 1),
            count=2,
            day=date(2026, 3, 26),
        )
    assert error.value.code == "plan.invoice_in_plan"
    pay(plan, 1000, date(2026, 4, 3), 1)
    plan_cancel(plan=plan, day=date(2026, 4, 20))
    [planned] = run_preview(level, date(2026, 4, 21)).planned
    assert planned.principal_cents == 4000  # what was paid stays paid


def test_a_plan_with_a_fee_and_a_cancelled_payment(in_a):
    """A reminded invoice with its fee in a plan; cancelling the payment reopens the plan."""
    setup, policy = world()
    person = parent()
    invoice = invoice_of(setup, person, 2500)
    run(policy, 1, date(2026, 3, 11))
    reminder = Reminder.objects.get(run=run(policy, 2, date(2026, 4, 1)))
    plan = plan_create(
        person=person,
        invoices=[invoice],
        reminders=[reminder],
        frequency="monthly",
        first_due=date(2026, 5, 1),
        amount_cents=2000,
        day=date(2026, 4, 20),
    )
    assert [s.amount_cents for s in instalment_states(plan)] == [2000, 1000]
    pay(plan, 3000, date(2026, 5, 2), 1)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.COMPLETED and open_of(invoice) == 0
    payment_cancel(payment=Payment.objects.get(person=person), day=date(2026, 5, 3))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE and open_of(invoice) == 2500
    assert person_credit(person.pk) == 0
    assert trial_balance(date(2026, 1, 1), date(2026, 12, 31)).balances


def test_the_daily_work_dates_late_letters_once_per_day_and_organisation(in_a, org_a):
    """`regie daily` twice the same day: the second finds the work done."""
    _setup, _policy, _person, _invoices, plan = example_12()
    assert daily_run(date(2026, 4, 9), [org_a]) == {
        org_a.name: {"late_instalments": 1, "sendings_interrupted": 0}
    }
    assert daily_run(date(2026, 4, 9), [org_a]) == {}
    assert daily_run(date(2026, 4, 10), [org_a])[org_a.name]["late_instalments"] == 0
    assert plan.instalments.get(number=1).late_letter_on == date(2026, 4, 9)
