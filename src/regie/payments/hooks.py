"""What payments tell billing: what pays an invoice and what a person's account shows.

Billing stands without payments; this module registers payments' part with it when the app
is ready (:class:`regie.payments.apps.PaymentsConfig`).
"""

from __future__ import annotations

from django.db.models import OuterRef

from regie.billing.selectors import AccountItem, register_account_source, register_paid_source
from regie.payments.models import Allocation, OnlineRefund, Payment, Refund


@register_paid_source
def allocations_paying():
    """Return the live allocations of the invoice ``OuterRef("pk")``."""
    return Allocation.objects.filter(invoice=OuterRef("pk"), cancelled=False)


@register_account_source
def payments_and_refunds(person_id: int) -> list[tuple[tuple, AccountItem]]:
    """Return a person's payments (not cancelled) and refunds as account items."""
    items = []
    for payment in Payment.objects.filter(person_id=person_id, cancelled_at__isnull=True):
        item = AccountItem(
            payment.date, "payment", payment.get_mode_display(), -payment.amount_cents
        )
        items.append(((item.day, 3, payment.pk), item))
    for refund in Refund.objects.filter(person_id=person_id):
        item = AccountItem(refund.date, "refund", refund.batch, refund.amount_cents)
        items.append(((item.day, 4, refund.pk), item))
    for refund in OnlineRefund.objects.filter(person_id=person_id):  # through the provider
        item = AccountItem(refund.date, "refund", refund.provider_id, refund.amount_cents)
        items.append(((item.day, 4, -refund.pk), item))
    return items
