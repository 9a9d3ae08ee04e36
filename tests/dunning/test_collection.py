"""Payments with a reminder's communication: CODA import, allocation, cancellation (DOMAIN §7)."""

from datetime import date

import pytest
from tests.dunning.builders import invoice_of, parent, world
from tests.dunning.test_reminders import fees_open, run
from tests.payments.payment_builders import coda_file

from regie.billing.models import Invoice
from regie.billing.selectors import with_balance
from regie.core.errors import DomainError
from regie.dunning.collection import fee_open, reminder_open
from regie.dunning.models import Reminder
from regie.dunning.reminders import reminder_cancel
from regie.ledger.selectors import trial_balance
from regie.payments.imports import statements_import
from regie.payments.models import Payment
from regie.payments.services import payment_cancel, person_credit

pytestmark = pytest.mark.django_db


def open_of(invoice) -> int:
    return with_balance(Invoice.objects.filter(pk=invoice.pk)).get().open_cents


def reminded_twice(amounts=(2500,)):
    setup, policy = world()
    person = parent()
    invoices = [invoice_of(setup, person, cents) for cents in amounts]
    run(policy, 1, date(2026, 3, 11))
    reminder = Reminder.objects.get(run=run(policy, 2, date(2026, 4, 1)))
    return person, invoices, reminder


def test_example_11_coda_pays_the_reminder_principal_first(in_a):
    """12.00 with the level 2 reminder's communication: A open 13.00, the fee open 5.00."""
    person, (invoice,), reminder = reminded_twice()
    result = statements_import(data=coda_file([(1200, reminder.communication)]), name="a.cod")
    assert result.accepted == 1 and result.rejected == 0
    assert open_of(invoice) == 1300 and fee_open(reminder) == 500
    assert reminder_open(reminder) == 1800
    statements_import(data=coda_file([(1800, reminder.communication)], number=2), name="b.cod")
    assert open_of(invoice) == 0 and fee_open(reminder) == 0 and fees_open(person) == 0
    assert person_credit(person.pk) == 0
    again = statements_import(
        data=coda_file([(100, reminder.communication)], number=3), name="c.cod"
    )
    assert again.rejected == 1  # already paid


def test_more_than_the_reminder_becomes_credit_and_a_paid_reminder_cannot_be_cancelled(in_a):
    person, invoices, reminder = reminded_twice((2500, 1000))
    statements_import(data=coda_file([(4000, reminder.communication)]), name="a.cod")
    assert [open_of(i) for i in invoices] == [0, 0]
    assert fee_open(reminder) == 0 and person_credit(person.pk) == 0
    with pytest.raises(DomainError) as error:
        reminder_cancel(reminder=reminder)
    assert error.value.code == "dunning.reminder_paid"
    statements_import(data=coda_file([(900, reminder.communication)], number=2), name="b")
    assert person_credit(person.pk) == 0  # rejected: nothing open, on the suspense account


def test_cancelling_a_reminder_payment_restores_invoices_and_fee(in_a):
    person, (invoice,), reminder = reminded_twice()
    statements_import(data=coda_file([(3200, reminder.communication)]), name="a.cod")
    assert person_credit(person.pk) == 200
    payment = Payment.objects.get(person=person)
    payment_cancel(payment=payment, day=date(2026, 4, 20))
    assert open_of(invoice) == 2500 and fee_open(reminder) == 500
    assert person_credit(person.pk) == 0 and fees_open(person) == 500
    reminder_cancel(reminder=reminder, day=date(2026, 4, 21))
    assert fees_open(person) == 0


def test_the_invoice_communication_still_pays_the_invoice_and_the_ledger_balances(in_a):
    person, (invoice,), reminder = reminded_twice()
    statements_import(data=coda_file([(2500, invoice.communication)]), name="a.cod")
    assert open_of(invoice) == 0 and reminder_open(reminder) == 500
    assert trial_balance(date(2026, 1, 1), date(2026, 12, 31)).balances
    assert fees_open(person) == 500 and person_credit(person.pk) == 0
