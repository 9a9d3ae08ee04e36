"""Payments with a reminder's communication (DOMAIN §7), routed by :mod:`regie.payments.routes`.

The payment is stored as the person's credit by the import; here that credit pays the
reminder's invoices, oldest due date first, then its fee (:func:`rules.allocate_reminder_payment`);
more stays the person's credit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from regie.billing.models import Invoice
from regie.billing.selectors import with_balance
from regie.dunning import rules
from regie.dunning.models import FeePayment, Reminder, ReminderPayment
from regie.ledger.rules import EntryDraft, fee_payment_entry
from regie.ledger.services import entries_post
from regie.payments.allocation import OpenItem
from regie.payments.matching import Target
from regie.payments.routes import PaidPart, Route
from regie.payments.services import allocation_drafts, allocations_build, chunked


def fee_open(reminder: Reminder) -> int:
    """Return the part of a live reminder's fee not paid yet."""
    if reminder.cancelled_at is not None:
        return 0
    paid = FeePayment.objects.filter(reminder=reminder, cancelled=False).aggregate(
        t=Sum("amount_cents")
    )["t"]
    return reminder.fee_cents - (paid or 0)


def reminder_items(reminder: Reminder) -> list[OpenItem]:
    """Return the reminder's invoices still open, with what is open today."""
    invoices = with_balance(Invoice.objects.filter(pk__in=reminder.items.values("invoice_id")))
    return [
        OpenItem(i.pk, i.due_date, i.open_cents)
        for i in invoices.filter(open_cents__gt=0).order_by("due_date", "pk")
    ]


def reminder_open(reminder: Reminder) -> int:
    """Return what a reminder still asks: its invoices' open amounts and its fee's."""
    return sum(i.open_cents for i in reminder_items(reminder)) + fee_open(reminder)


def _load(references: Sequence[str]) -> dict[str, Target]:
    found = {}
    for chunk in chunked(references):
        reminders = Reminder.objects.filter(communication__in=chunk, cancelled_at__isnull=True)
        for reminder in reminders.select_for_update().order_by("pk"):
            invoice_ids = reminder.items.values("invoice_id")
            list(Invoice.objects.select_for_update().filter(pk__in=invoice_ids).order_by("pk"))
            found[reminder.communication] = Target(
                "reminder", reminder.pk, reminder.person_id, reminder_open(reminder)
            )
    return found


def _allocate(*, payment, target: Target, day: date) -> None:
    """Pay the reminder of ``target`` with ``payment`` (already the person's credit)."""
    reminder = Reminder.objects.get(pk=target.id)
    ReminderPayment.objects.create(payment=payment, reminder=reminder)
    paid = rules.allocate_reminder_payment(
        payment.amount_cents, reminder_items(reminder), fee_open(reminder)
    )
    allocations = allocations_build(payment, paid.invoices, day)
    for allocation in allocations:
        allocation.save()
    drafts = allocation_drafts(allocations)
    if paid.fee_cents:
        fee = FeePayment.objects.create(
            reminder=reminder, payment=payment, amount_cents=paid.fee_cents, date=day
        )
        drafts.append(_fee_draft(fee, day))
    entries_post(drafts)


def _fee_draft(fee: FeePayment, day: date, *, reverse: bool = False) -> EntryDraft:
    return fee_payment_entry(
        document=f"{fee.reminder.number}/P{fee.payment_id}{'/X' if reverse else ''}",
        day=day,
        person_id=fee.reminder.person_id,
        amount=fee.amount_cents,
        reverse=reverse,
    )


def _credit_parts():
    """The live parts of live payments that paid reminder fees (from the persons' credits)."""
    return FeePayment.objects.filter(payment__cancelled_at__isnull=True, cancelled=False)


def _credit_used(person_id: int) -> int:
    used = _credit_parts().filter(payment__person_id=person_id).aggregate(t=Sum("amount_cents"))
    return used["t"] or 0


def _cancel(*, payment, day: date) -> list[EntryDraft]:
    fees = list(
        FeePayment.objects.filter(payment=payment, cancelled=False).select_related("reminder")
    )
    FeePayment.objects.filter(pk__in=[f.pk for f in fees]).update(cancelled=True)
    return [_fee_draft(fee, day, reverse=True) for fee in fees]


def reminder_paid_with(reminder: Reminder) -> bool:
    """Return whether a live payment was made with the reminder's communication."""
    return ReminderPayment.objects.filter(
        reminder=reminder, payment__cancelled_at__isnull=True
    ).exists()


def _paid_parts(payment_id: int) -> list[PaidPart]:
    rows = FeePayment.objects.filter(payment_id=payment_id).select_related("reminder")
    return [
        PaidPart(
            _("Fee of reminder %(number)s") % {"number": row.reminder.number},
            reverse("dunning:reminder", args=[row.reminder_id]),
            row.date,
            row.amount_cents,
            row.cancelled,
        )
        for row in rows.order_by("date", "pk")
    ]


REMINDER_ROUTE = Route(
    "reminder", _load, _allocate, _credit_used, _cancel, _credit_parts, paid_parts=_paid_parts
)
