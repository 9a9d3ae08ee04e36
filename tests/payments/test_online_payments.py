"""Online payments (DOMAIN §8, issue 16): recorded once per provider id, allocated like a bank
payment with the same communication, booked on the payment provider's clearing account."""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import F, Sum
from tests.conftest import make_organisation
from tests.fees import builders as b
from tests.payments.payment_builders import PREPAYMENT, coda_file, world
from tests.submissions import concurrent, together

from regie.billing.selectors import with_balance
from regie.core.errors import DomainError
from regie.core.tenancy import scope
from regie.fees.models import FileState
from regie.fees.services import file_push
from regie.ledger.models import Entry, EntryLine
from regie.ledger.services import chain_verify
from regie.payments.imports import statements_import
from regie.payments.models import BankMovement, MovementStatus, OnlinePayment, Payment
from regie.payments.online import record_online_payment
from regie.payments.services import payment_cancel, person_credit

DAY = date(2026, 5, 4)


def balance(role: str) -> int:
    lines = EntryLine.objects.filter(account__role=role)
    return lines.aggregate(t=Sum(F("debit") - F("credit")))["t"] or 0


def open_of(invoice) -> int:
    return with_balance(type(invoice).objects.filter(pk=invoice.pk)).get().open_cents


def pay(reference: str, cents: int, provider_id: str = "tr_1", **more) -> Payment:
    return record_online_payment(
        provider_payment_id=provider_id,
        amount_cents=cents,
        communication=reference,
        paid_on=DAY,
        method="bancontact",
        **more,
    )


def test_an_online_payment_of_an_invoice_pays_it_and_goes_to_the_clearing_account(in_a):
    _, invoices = world()
    invoice = invoices[0]  # 2.50
    payment = pay(invoice.communication, 250)
    assert (payment.mode, payment.amount_cents, payment.date) == ("online", 250, DAY)
    assert open_of(invoice) == 0
    assert balance("provider_clearing") == 250
    assert balance("bank") == 0
    assert OnlinePayment.objects.get().payment == payment
    assert chain_verify() is None


def test_the_webhook_three_times_records_one_payment_and_one_entry(in_a):
    """Worked example 13: the webhook arrives three times; one payment of 30.00, one entry."""
    service = b.service()
    file, _ = file_push(service=service, data=b.container())
    entries = Entry.objects.count()
    first = pay(file.communication, 3000, "tr_WDqYK6vllg")
    again = [pay(file.communication, 3000, "tr_WDqYK6vllg") for _ in range(2)]
    assert all(p.pk == first.pk for p in again)
    file.refresh_from_db()
    assert file.state == FileState.PAID
    assert Payment.objects.count() == 1
    # the payment and its allocation to the file: the clearing account receives 30.00 once
    assert balance("provider_clearing") == 3000
    assert Entry.objects.count() - entries == 2  # the payment, the file's revenue
    assert person_credit(file.person_id) == 0


def test_the_communication_may_be_written_with_pluses_and_slashes(in_a):
    _, invoices = world()
    reference = invoices[0].communication
    formatted = f"+++{reference[:3]}/{reference[3:7]}/{reference[7:]}+++"
    pay(formatted, 250)
    assert open_of(invoices[0]) == 0


def test_more_than_open_becomes_the_persons_credit(in_a):
    (anne, *_), invoices = world()
    pay(invoices[0].communication, 1000)
    assert open_of(invoices[0]) == 0
    assert person_credit(anne.pk) == 750
    assert balance("provider_clearing") == 1000


def test_an_invoice_paid_by_bank_first_is_not_paid_twice_online(in_a):
    (anne, *_), invoices = world()
    statements_import(data=coda_file([(250, invoices[0].communication)]), name="a.cod")
    assert open_of(invoices[0]) == 0
    pay(invoices[0].communication, 250)
    assert open_of(invoices[0]) == 0
    assert person_credit(anne.pk) == 250  # to use or refund, as any over-payment
    assert balance("provider_clearing") == 250


def test_a_bank_transfer_after_the_online_payment_is_rejected_as_already_paid(in_a):
    _, invoices = world()
    pay(invoices[0].communication, 250)
    statements_import(data=coda_file([(250, invoices[0].communication)]), name="a.cod")
    movement = BankMovement.objects.get()
    assert (movement.status, movement.reject_code) == (
        MovementStatus.REJECTED,
        "matching.already_paid",
    )
    assert open_of(invoices[0]) == 0


def test_a_prepayment_reference_becomes_credit(in_a):
    (anne, *_), _ = world()
    pay(PREPAYMENT, 500)
    assert person_credit(anne.pk) == 500


def test_an_unknown_communication_is_kept_to_allocate_and_pays_nobody(in_a):
    world()
    assert pay("999999999999", 500) is None  # tests/payments/test_online_unmatched.py
    assert OnlinePayment.objects.get().payment is None
    assert not Payment.objects.exists()


def test_a_zero_amount_is_refused(in_a):
    _, invoices = world()
    with pytest.raises(DomainError) as refused:
        pay(invoices[0].communication, 0)
    assert refused.value.code == "payment.not_positive"


def test_cancelling_an_online_payment_takes_it_off_the_clearing_account(in_a):
    _, invoices = world()
    payment = pay(invoices[0].communication, 250)
    payment_cancel(payment=payment, day=DAY)
    assert balance("provider_clearing") == 0
    assert open_of(invoices[0]) == 250
    assert chain_verify() is None


def test_the_organisation_can_be_named_from_outside_any_scope(org_a):
    with scope(org_a):
        _, invoices = world()
    payment = pay(invoices[0].communication, 250, organisation=org_a)
    with scope(org_a):
        assert OnlinePayment.objects.get().payment_id == payment.pk


def test_the_same_provider_id_in_another_organisation_is_another_payment(org_a):
    other = make_organisation("Commune B")
    with scope(org_a):
        _, invoices_a = world()
    with scope(other):
        _, invoices_b = world()
    pay(invoices_a[0].communication, 250, organisation=org_a)
    pay(invoices_b[0].communication, 250, organisation=other)
    with scope(org_a):
        assert OnlinePayment.objects.count() == 1
        assert open_of(invoices_a[0]) == 0
    with scope(other):
        assert OnlinePayment.objects.count() == 1
        assert open_of(invoices_b[0]) == 0


def test_a_communication_of_another_organisation_is_unknown(org_a):
    other = make_organisation("Commune B")
    with scope(other):
        _, invoices_b = world()
    with scope(org_a):
        assert pay(invoices_b[0].communication, 250) is None  # to allocate by hand in A
        assert OnlinePayment.objects.get().payment is None
    with scope(other):
        assert open_of(invoices_b[0]) == 250 and not OnlinePayment.objects.exists()


@concurrent
def test_concurrent_webhook_calls_record_one_payment(transactional_db):
    """Four webhook calls of the same payment at the same moment: one payment, one entry."""
    org = make_organisation("Commune concurrente")
    with scope(org):
        file, _ = file_push(service=b.service(), data=b.container())
        entries = Entry.objects.count()

    def call():
        with scope(org):
            return pay(file.communication, 3000, "tr_race").pk

    outcomes = together(*[call] * 4)
    assert all(isinstance(o, int) for o in outcomes), outcomes
    assert len(set(outcomes)) == 1
    with scope(org):
        assert Payment.objects.count() == 1
        assert OnlinePayment.objects.count() == 1
        assert Entry.objects.count() - entries == 2
        assert balance("provider_clearing") == 3000
        file.refresh_from_db()
        assert file.state == FileState.PAID
        assert chain_verify() is None


def test_a_kind_given_by_the_caller_is_looked_up_alone_and_others_still_found(in_a):
    """A file's checkout names its kind: the file is found without the other kinds' reads; a
    communication that is not of that kind (an invoice's) is still found and paid."""
    service = b.service()
    file, _ = file_push(service=service, data=b.container())
    paid_file = pay(file.communication, 3000, "tr_file", kind="service_file")
    file.refresh_from_db()
    assert file.state == FileState.PAID
    assert paid_file.person_id == file.person_id
    _, invoices = world()
    pay(invoices[0].communication, 250, "tr_invoice", kind="service_file")
    assert open_of(invoices[0]) == 0
    assert Payment.objects.count() == 2
    assert chain_verify() is None
