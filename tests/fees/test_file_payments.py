"""What pays a service file: the counter (cash, card), a bank transfer with its communication;
the ledger books the service's revenue; a cancelled payment makes the file await payment again."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction
from django.db.models import Sum
from tests.fees import builders as b
from tests.payments.payment_builders import coda_file

from regie.core.errors import DomainError
from regie.fees.models import FilePayment, FileState
from regie.fees.payments import KIND, file_pay_at_counter
from regie.fees.services import file_push
from regie.ledger.models import EntryLine
from regie.payments import routes
from regie.payments.imports import statements_import
from regie.payments.models import Mode, Payment
from regie.payments.services import payment_cancel, payment_create, person_credit


def revenue(category_id: int) -> int:
    lines = EntryLine.objects.filter(account__role="revenue", account__category_id=category_id)
    sums = lines.aggregate(c=Sum("credit"), d=Sum("debit"))
    return (sums["c"] or 0) - (sums["d"] or 0)


def test_cash_at_the_counter_pays_the_file_with_a_receipt_and_books_the_revenue(in_a):
    service = b.service()
    file, _ = file_push(service=service, data=b.container())
    payment = file_pay_at_counter(file=file, mode=Mode.CASH, day=date(2026, 5, 4))
    file.refresh_from_db()
    assert (file.state, payment.amount_cents) == (FileState.PAID, 3000)
    assert payment.receipt_number.startswith("REC/2026/")
    assert revenue(service.category_id) == 3000
    assert person_credit(file.person_id) == 0


def test_a_file_is_paid_at_the_counter_once(in_a):
    file, _ = file_push(service=b.service(), data=b.container())
    file_pay_at_counter(file=file, mode=Mode.CARD)
    with pytest.raises(DomainError) as refused:
        file_pay_at_counter(file=file, mode=Mode.CARD)
    assert refused.value.code == "fees.not_awaiting_payment"
    assert Payment.objects.count() == 1


def test_the_counter_takes_cash_or_card_only(in_a):
    file, _ = file_push(service=b.service(), data=b.container())
    with pytest.raises(DomainError) as refused:
        file_pay_at_counter(file=file, mode=Mode.CHEQUE)
    assert refused.value.code == "fees.counter_mode"


def test_a_bank_transfer_with_the_communication_pays_the_file(in_a):
    service = b.service()
    file, _ = file_push(service=service, data=b.container())
    result = statements_import(data=coda_file([(3000, file.communication)]), name="a.cod")
    file.refresh_from_db()
    assert (result.accepted, file.state) == (1, FileState.PAID)
    assert revenue(service.category_id) == 3000


def test_a_transfer_for_less_leaves_the_file_awaiting_the_rest_and_more_is_credit(in_a):
    file, _ = file_push(service=b.service(), data=b.container())
    statements_import(data=coda_file([(1000, file.communication)]), name="a.cod")
    file.refresh_from_db()
    assert file.state == FileState.AWAITING_PAYMENT
    statements_import(data=coda_file([(2500, file.communication)], number=2), name="b.cod")
    file.refresh_from_db()
    assert file.state == FileState.PAID
    assert person_credit(file.person_id) == 500


def test_a_transfer_for_a_paid_file_is_rejected_as_already_paid(in_a):
    file, _ = file_push(service=b.service(), data=b.container())
    file_pay_at_counter(file=file, mode=Mode.CARD)
    result = statements_import(data=coda_file([(3000, file.communication)]), name="a.cod")
    assert (result.accepted, result.rejected) == (0, 1)


def test_cancelling_the_payment_makes_the_file_await_payment_again(in_a):
    service = b.service()
    file, _ = file_push(service=service, data=b.container())
    payment = file_pay_at_counter(file=file, mode=Mode.CARD)
    payment_cancel(payment=payment)
    file.refresh_from_db()
    assert file.state == FileState.AWAITING_PAYMENT and file.paid_at is None
    assert revenue(service.category_id) == 0
    assert not FilePayment.objects.filter(cancelled=False).exists()


def test_a_file_loaded_alone_is_read_again_when_paid_a_second_time(in_a):
    """The route's load of one reference (an online payment's) keeps the file it read for the
    allocation right after, once: a second payment with the same target reads the file again
    and takes only what is still open (20.00, then 10.00 of 30.00; the rest is credit)."""
    file, _ = file_push(service=b.service(), data=b.container())
    target = routes.targets_load([file.communication], kinds=(KIND,))[file.communication]
    day = date(2026, 5, 4)
    with transaction.atomic():
        for _ in range(2):
            payment = payment_create(
                person=file.person, day=day, amount_cents=2000, mode=Mode.TRANSFER, split={}
            )
            routes.payment_route(payment, target, day)
    file.refresh_from_db()
    paid = FilePayment.objects.filter(file=file).order_by("pk")
    assert [p.amount_cents for p in paid] == [2000, 1000]
    assert file.state == FileState.PAID
    assert person_credit(file.person_id) == 1000
