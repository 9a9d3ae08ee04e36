"""Reminder policies, runs and reminders in the database (DOMAIN §7, worked example 11)."""

from datetime import date

import pytest
from tests.dunning.builders import EXAMPLE_11, invoice_of, parent, policy_create, world
from tests.payments.payment_builders import setup_create

from regie.core.errors import DomainError
from regie.core.tenancy import scope
from regie.dunning.models import Reminder, RunStatus
from regie.dunning.reminders import reminder_cancel, run_create, run_start
from regie.dunning.selectors import run_preview
from regie.dunning.services import PolicyRefused, complaint_answer, complaint_record, debtor_set
from regie.ledger.models import EntryLine
from regie.payments.services import payment_create

pytestmark = pytest.mark.django_db


def run(policy, number: int, day: date):
    level = policy.levels.get(number=number)
    return run_create(run_start(level=level, run_date=day, due_date=None, user=None))


def fees_open(person) -> int:
    lines = EntryLine.objects.filter(person=person, account__role="fee_receivable")
    return sum(line.debit - line.credit for line in lines)


def test_a_level_1_fee_is_refused_when_the_policy_is_saved(in_a):
    """Worked example 11: a level 1 fee of 2.00 is refused, saying which rule."""
    levels = [{**EXAMPLE_11[0], "fee_cents": 200}, *EXAMPLE_11[1:]]
    with pytest.raises(PolicyRefused) as refused:
        policy_create(setup_create(), levels)
    assert [e.code for e in refused.value.errors] == ["dunning.first_reminder_fee"]
    assert "XIX.2" in refused.value.errors[0].english()


def test_example_11_runs_levels_1_2_and_3(in_a):
    """10/03 leaves A out; 11/03 reminds 25.00 due 26/03; 01/04 30.00 due 16/04; the notice
    charges 15.00 with a level 3 fee of 20.00 (cap 20.00) and says so."""
    setup, policy = world()
    person = parent()
    invoice_of(setup, person, 2500)
    assert run_preview(policy.levels.get(number=1), date(2026, 3, 10)).planned == []
    first = run(policy, 1, date(2026, 3, 11))
    reminder = Reminder.objects.get(run=first)
    assert (reminder.total_cents, reminder.due_date) == (2500, date(2026, 3, 26))
    assert reminder.number == "RAP/2026/00001" and reminder.communication.startswith("102")
    second = Reminder.objects.get(run=run(policy, 2, date(2026, 4, 1)))
    assert (second.total_cents, second.fee_cents, second.due_date) == (
        3000,
        500,
        date(2026, 4, 16),
    )
    assert fees_open(person) == 500
    notice_level = policy.levels.get(number=3)
    notice_level.fee_cents = 2000
    notice_level.save()
    notice = Reminder.objects.get(run=run(policy, 3, date(2026, 5, 1)))
    assert (notice.fee_cents, notice.fee_lowered, notice.fee_cap_cents) == (1500, True, 2000)
    assert fees_open(person) == 2000


def test_a_reminder_run_previews_every_problem_at_once(in_a):
    """No address for a letter, no e-mail for an e-mail: listed, and those persons skipped."""
    setup, policy = world()
    fine, no_mail, no_address = parent("Aa"), parent("Bb"), parent("Cc")
    for person in (fine, no_mail, no_address):
        invoice_of(setup, person, 4000)
    no_mail.delivery, no_mail.email = "email", ""
    no_mail.save()
    no_address.street = ""
    no_address.save()
    preview = run_preview(policy.levels.get(number=1), date(2026, 3, 11))
    assert [p.person for p in preview.planned] == [fine, no_mail, no_address]
    assert sorted(e.code for e in preview.problems) == ["dunning.no_address", "dunning.no_email"]
    created = run(policy, 1, date(2026, 3, 11))
    assert created.status == RunStatus.DONE and len(created.problems) == 2
    assert [r.person for r in Reminder.objects.filter(run=created)] == [fine]


def test_minimums_per_invoice_and_per_person(in_a):
    setup = setup_create()
    policy = policy_create(setup, min_invoice_cents=500, min_person_cents=1000)
    small, enough = parent("Small"), parent("Enough")
    invoice_of(setup, small, 400)
    invoice_of(setup, small, 800)
    invoice_of(setup, enough, 600)
    invoice_of(setup, enough, 600)
    planned = run_preview(policy.levels.get(number=1), date(2026, 3, 11)).planned
    assert [(p.person, p.principal_cents) for p in planned] == [(enough, 1200)]


def test_cancelling_a_reminder_reverses_its_fee_and_goes_back_a_level(in_a):
    setup, policy = world()
    person = parent()
    invoice_of(setup, person, 2500)
    run(policy, 1, date(2026, 3, 11))
    second = Reminder.objects.get(run=run(policy, 2, date(2026, 4, 1)))
    reminder_cancel(reminder=second, day=date(2026, 4, 2))
    assert fees_open(person) == 0
    with pytest.raises(DomainError) as error:
        reminder_cancel(reminder=second)
    assert error.value.code == "dunning.reminder_cancelled"
    again = Reminder.objects.get(run=run(policy, 2, date(2026, 4, 3)))
    assert again.fee_cents == 500


def test_a_complaint_suspends_reminders_until_answered(in_a):
    setup, policy = world()
    person = parent()
    invoice = invoice_of(setup, person, 2500)
    complaint = complaint_record(invoice=invoice, received_on=date(2026, 3, 5), text="Absent")
    level = policy.levels.get(number=1)
    assert run_preview(level, date(2026, 3, 11)).planned == []
    complaint_answer(complaint=complaint, answered_on=date(2026, 3, 20), answer="Corrigé")
    assert len(run_preview(level, date(2026, 3, 21)).planned) == 1


def test_companies_pay_the_level_fee_and_paid_invoices_leave(in_a):
    setup, policy = world()
    company, payer = parent("Company"), parent("Payer")
    debtor_set(person=company, kind="company")
    invoice_of(setup, company, 2500)
    invoice_of(setup, payer, 2500)
    payment_create(person=payer, day=date(2026, 3, 1), amount_cents=2500, mode="cash")
    run(policy, 1, date(2026, 3, 11))
    level = policy.levels.get(number=2)
    level.fee_cents = 5000
    level.save()
    reminder = Reminder.objects.get(run=run(policy, 2, date(2026, 4, 1)))
    assert (reminder.person, reminder.fee_cents, reminder.fee_lowered) == (company, 5000, False)


def test_a_run_due_date_gives_the_level_days_to_pay(in_a):
    _setup, policy = world()
    with pytest.raises(DomainError) as error:
        run_start(
            level=policy.levels.get(number=1),
            run_date=date(2026, 3, 11),
            due_date=date(2026, 3, 20),
            user=None,
        )
    assert error.value.code == "dunning.due_date_too_early"


def test_a_run_reminds_only_its_organisation(org_a, org_b):
    """The same policy and invoices in two organisations: each run sees its own only."""
    with scope(org_b):
        setup_b, _policy_b = world()
        invoice_of(setup_b, parent("Other"), 2500)
    with scope(org_a):
        setup, policy = world()
        invoice_of(setup, parent("Mine"), 2500)
        created = run(policy, 1, date(2026, 3, 11))
        assert [str(r.person) for r in Reminder.objects.filter(run=created)] == ["Mine Pierre"]
    with scope(org_b):
        assert not Reminder.objects.exists()
