"""What collection adds to other apps' screens: reminders' fees and the reminders and plans on
a person's account, and the fees in the bank reconciliation."""

from __future__ import annotations

from datetime import date

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regie.billing.selectors import AccountItem, register_account_source
from regie.core.permissions import role_can
from regie.dunning import listing
from regie.dunning.models import FeePayment, Reminder
from regie.dunning.order_models import BailiffFee
from regie.dunning.plan_models import PaymentPlan
from regie.ledger.rules import AccountRole
from regie.payments import reconciliation
from regie.payments.reconciliation import Comparison, ledger_balance

AccountItem.LABELS["reminder_fee"] = _("reminder fee")
AccountItem.LABELS["reminder_fee_cancelled"] = _("reminder fee cancelled")
AccountItem.LABELS["bailiff_fee"] = _("bailiff's costs")


def fee_items(person_id: int) -> list[tuple[tuple, AccountItem]]:
    """Return a person's reminder fees, and their reversal when a reminder was cancelled."""
    items = []
    reminders = Reminder.objects.filter(person_id=person_id, fee_cents__gt=0)
    for reminder in reminders:
        fee = AccountItem(reminder.issued_on, "reminder_fee", reminder.number, reminder.fee_cents)
        items.append(((fee.day, 1, reminder.pk), fee))
        if reminder.cancelled_at is not None:
            day = timezone.localdate(reminder.cancelled_at)
            back = AccountItem(day, "reminder_fee_cancelled", reminder.number, -reminder.fee_cents)
            items.append(((day, 2, reminder.pk), back))
    return items


def bailiff_fee_items(person_id: int) -> list[tuple[tuple, AccountItem]]:
    """Return the bailiff's costs recorded for a person under an enforcement order."""
    return [
        (
            (fee.recovered_on, 3, fee.pk),
            AccountItem(fee.recovered_on, "bailiff_fee", fee.number, fee.amount_cents),
        )
        for fee in BailiffFee.objects.filter(person_id=person_id)
    ]


def account_panel(request, person) -> dict:
    """Return the account's collection section: reminders, plans, a new plan."""
    today = timezone.localdate()
    reminders = listing.with_reminder_state(
        Reminder.objects.filter(person=person).select_related("level")
    ).order_by("-issued_on", "-pk")[:20]
    plans = list(PaymentPlan.objects.filter(person=person).prefetch_related("instalments")[:10])
    for plan in plans:
        plan.sums = listing.plan_sums(plan, today)
    return {
        "template": "dunning/account_panel.html",
        "reminders": listing.with_status_labels(list(reminders), today),
        "plans": plans,
        "can_plan": role_can(request.role, "finance.edit"),
    }


def register() -> None:
    """Register collection's part of the account (called by the app's ``ready``)."""
    from regie.billing import invoice_views

    register_account_source(fee_items)
    register_account_source(bailiff_fee_items)
    for registry, hook in (
        (reconciliation.CREDIT_USES, fees_paid_at),
        (reconciliation.COMPARISONS, fee_comparison),
    ):
        if hook not in registry:
            registry.append(hook)
    if account_panel not in invoice_views.ACCOUNT_PANELS:
        invoice_views.ACCOUNT_PANELS.append(account_panel)


def fees_paid_at(until: date) -> int:
    """Return the reminder fees the persons' credits paid at the end of ``until``."""
    fees = FeePayment.objects.filter(date__lte=until)
    undone = fees.filter(cancelled=True, payment__cancelled_at__date__lte=until)
    return _sum(fees) - _sum(undone)


def fees_open_at(until: date) -> int:
    """Return the fees still receivable at the end of ``until``: the reminders' fees, from the
    reminders, and the bailiff's costs recorded under orders."""
    issued = Reminder.objects.filter(issued_on__lte=until)
    cancelled = issued.filter(cancelled_at__date__lte=until)
    bailiff = BailiffFee.objects.filter(recovered_on__lte=until)
    reminders = _sum(issued, "fee_cents") - _sum(cancelled, "fee_cents")
    return reminders + _sum(bailiff) - fees_paid_at(until)


def fee_comparison(date_from: date, date_to: date) -> list[Comparison]:
    """Set the reminders' fees still open beside the ledger's fee receivable account (for an
    organisation that has sent reminders)."""
    if not Reminder.objects.exists():
        return []
    ledger = ledger_balance(AccountRole.FEE_RECEIVABLE, date_to)
    return [
        Comparison(
            "fees",
            _("Reminder fees and bailiff's costs receivable at the end"),
            fees_open_at(date_to),
            ledger,
        )
    ]


def _sum(queryset, field: str = "amount_cents") -> int:
    return queryset.aggregate(t=Sum(field))["t"] or 0
