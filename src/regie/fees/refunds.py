"""Cancelling a paid file and refunding its applicant (DOMAIN §8, issue 16).

The finance officer cancels a file that was paid (the permit is withdrawn, the event did not
take place): a credit note (its own number, ``NCS/yyyy/nnnnn``) reverses the service's
revenue, so the money is the applicant's credit again, and that credit is paid back the way it
came: a payment made online through the payment provider's refund (Mollie's refund API, taken
from the money Mollie holds: the clearing account), any other payment by the next SEPA credit
transfer file (the person's IBAN). Nothing is stored when Mollie refuses or does not answer;
Mollie's refund has an idempotency key derived from the payment and the file, so trying again
never refunds twice.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from regie.core.errors import DomainError, gettext_noop
from regie.core.sequences import sequence_next
from regie.core.tenancy import current_organisation
from regie.fees import mollie
from regie.fees.models import FilePayment, FileState, ServiceFile
from regie.ledger.rules import refund_entry, service_file_entry
from regie.ledger.services import entries_post
from regie.payments.models import OnlinePayment, OnlineRefund
from regie.payments.refunds import refund_create
from regie.payments.services import persons_lock

NOTHING_PAID = DomainError(
    "fees.refund_nothing_paid",
    gettext_noop("Nothing was paid for this file: cancel it, there is nothing to refund."),
)


def credit_note_number(day: date) -> str:
    """Return the next number of a file's credit note (``NCS/2026/00001``)."""
    return f"NCS/{day.year}/{sequence_next(f'fees/credit-note/{day.year}'):05d}"


@transaction.atomic
def file_refund(*, file: ServiceFile, day: date | None = None, user=None) -> str:
    """Cancel a (partly) paid file with a credit note and refund what was paid for it: online
    payments through the provider's refund, the others by SEPA transfer. Return the credit
    note's number."""
    file = ServiceFile.objects.select_for_update().select_related("service").get(pk=file.pk)
    paid = list(
        FilePayment.objects.filter(file=file, cancelled=False)
        .select_related("payment")
        .order_by("pk")
    )
    if not paid or file.state not in (FileState.PAID, FileState.AWAITING_PAYMENT):
        raise NOTHING_PAID
    day = day or timezone.localdate()
    persons_lock([file.person_id])
    number = credit_note_number(day)
    FilePayment.objects.filter(pk__in=[p.pk for p in paid]).update(cancelled=True)
    total = sum(p.amount_cents for p in paid)
    entries_post(
        [
            service_file_entry(
                document=number,
                day=day,
                person_id=file.person_id,
                category_id=file.service.category_id,
                amount=total,
                reverse=True,
            )
        ]
    )
    for part in paid:
        online = OnlinePayment.objects.filter(payment=part.payment_id).first()
        if online is not None:
            _online_refund(online, file, part.amount_cents, day, number)
        else:
            refund_create(person=file.person, amount_cents=part.amount_cents, day=day)
    file.state = FileState.CANCELLED
    file.cancelled_at = timezone.now()
    file.save(update_fields=["state", "cancelled_at", "updated_at"])
    return number


def _online_refund(online: OnlinePayment, file: ServiceFile, cents: int, day, number) -> None:
    """Refund ``cents`` of an online payment through the provider; book it on the clearing
    account (the provider takes it from the money it holds for us)."""
    already = online.refunds.aggregate(t=Sum("amount_cents"))["t"] or 0
    cents = min(cents, online.amount_cents - already)
    if cents <= 0:
        return
    refund = mollie.refund_create(
        organisation=current_organisation(),
        mollie_id=online.provider_id,
        amount_cents=cents,
        description=f"{number} {file.service} {file.external_id}",
        idempotency_key=f"regie-refund-{online.provider_id}-{file.pk}",
    )
    try:
        with transaction.atomic():
            row = OnlineRefund.objects.create(
                online_payment=online,
                person_id=file.person_id,
                provider_id=refund["id"],
                amount_cents=cents,
                date=day,
            )
    except IntegrityError:  # the provider gave back a refund we recorded already
        return
    entries_post(
        [
            refund_entry(
                document=f"REFUND-O{row.pk}",
                day=day,
                person_id=file.person_id,
                amount=cents,
                via="clearing",
            )
        ]
    )
