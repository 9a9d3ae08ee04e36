"""More paid online than a service file asks: the file is paid, the rest is the applicant's
credit — and the credit shown to refund is that rest, not the whole payment (the part that
paid the file is no longer the person's: ``regie.payments.refunds.with_credit``)."""

from __future__ import annotations

from datetime import date

from tests.fees import builders as b

from regie.fees.models import FilePayment, FileState
from regie.fees.services import file_push
from regie.payments.online import record_online_payment
from regie.payments.refunds import persons_with_credit, with_credit
from regie.payments.services import person_credit
from regie.people.models import Person

DAY = date(2026, 5, 4)


def test_more_than_the_file_is_the_applicants_credit_and_only_that_is_refundable(in_a):
    file, _ = file_push(service=b.service(), data=b.container())  # 30,00 €
    record_online_payment(
        provider_payment_id="tr_more", amount_cents=4500, communication=file.communication,
        paid_on=DAY,
    )  # fmt: skip
    file.refresh_from_db()
    assert file.state == FileState.PAID
    assert FilePayment.objects.get(file=file).amount_cents == 3000
    person = file.person
    assert person_credit(person.pk) == 1500
    assert with_credit(Person.objects.filter(pk=person.pk)).get().credit_cents == 1500
    assert [(p.pk, p.credit_cents) for p in persons_with_credit()] == [(person.pk, 1500)]
