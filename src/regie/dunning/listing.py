"""Read queries of the collection screens: reminders with their status, plans with their sums."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat
from django.utils.translation import gettext_lazy as _

from regie.billing.models import Invoice, Kind
from regie.billing.selectors import with_balance
from regie.dunning import schedule
from regie.dunning.models import FeePayment, Reminder, ReminderInvoice
from regie.dunning.plan_models import PaymentPlan
from regie.dunning.plans import grace_days, instalment_states

#: A reminder's status: its label and its colour on the screens.
STATUS_LABELS = {
    "open": _("open"),
    "overdue": _("overdue"),
    "paid": _("paid"),
    "cancelled": _("cancelled"),
}
STATUS_CSS = {
    "open": "status-new",
    "overdue": "status-error",
    "paid": "status-ok",
    "cancelled": "status-billed",
}


def with_reminder_state(reminders: QuerySet[Reminder]) -> QuerySet[Reminder]:
    """Annotate ``has_open`` (an invoice still open) and ``fee_paid_cents``."""
    open_invoices = with_balance(
        Invoice.objects.filter(kind=Kind.INVOICE, posted_at__isnull=False)
    ).filter(open_cents__gt=0)
    fee_paid = (
        FeePayment.objects.filter(reminder=OuterRef("pk"), cancelled=False)
        .values("reminder")
        .annotate(t=Sum("amount_cents"))
        .values("t")
    )
    return reminders.annotate(
        has_open=Exists(
            ReminderInvoice.objects.filter(
                reminder=OuterRef("pk"), invoice_id__in=open_invoices.values("pk")
            )
        ),
        fee_paid_cents=Coalesce(
            Subquery(fee_paid, output_field=BigIntegerField()), Value(0, BigIntegerField())
        ),
    )


def _unpaid() -> Q:
    return Q(has_open=True) | Q(fee_paid_cents__lt=F("fee_cents"))


def filter_status(reminders: QuerySet[Reminder], status: str, today: date) -> QuerySet[Reminder]:
    """Keep the reminders of ``status`` (see :data:`STATUS_LABELS`); annotated ones only."""
    live = reminders.filter(cancelled_at__isnull=True)
    if status == "cancelled":
        return reminders.filter(cancelled_at__isnull=False)
    if status == "paid":
        return live.exclude(_unpaid())
    if status == "overdue":
        return live.filter(_unpaid(), due_date__lt=today)
    if status == "open":
        return live.filter(_unpaid(), due_date__gte=today)
    return reminders


def status_of(reminder: Reminder, today: date) -> str:
    """Return the status of an annotated reminder."""
    if reminder.cancelled_at is not None:
        return "cancelled"
    if not reminder.has_open and reminder.fee_paid_cents >= reminder.fee_cents:
        return "paid"
    return "overdue" if reminder.due_date < today else "open"


def with_export_columns(reminders: QuerySet[Reminder], today: date) -> QuerySet[Reminder]:
    """Annotate what the list shows but does not store, for its export: ``status_code`` (as
    :func:`status_of` says it), ``person_name`` and ``total_due_cents``."""
    status = Case(
        When(cancelled_at__isnull=False, then=Value("cancelled")),
        When(~_unpaid(), then=Value("paid")),
        When(due_date__lt=today, then=Value("overdue")),
        default=Value("open"),
        output_field=CharField(),
    )
    return reminders.annotate(
        status_code=status,
        person_name=Concat(
            "person__last_name", Value(" "), "person__first_name", output_field=CharField()
        ),
        total_due_cents=F("principal_cents") + F("fee_cents"),
    )


def with_status_labels(reminders, today: date):
    """Give each annotated reminder its status, label and colour."""
    for reminder in reminders:
        reminder.status = status_of(reminder, today)
        reminder.status_label = STATUS_LABELS[reminder.status]
        reminder.status_css = STATUS_CSS[reminder.status]
    return reminders


@dataclass(frozen=True)
class PlanSums:
    """What a plan's instalments asked, received, still ask, and ask late."""

    total_cents: int
    paid_cents: int
    open_cents: int
    late_cents: int


def plan_sums(plan: PaymentPlan, today: date, states=None) -> PlanSums:
    """Return the paid, open and late amounts of a plan on ``today``."""
    states = instalment_states(plan) if states is None else states
    grace = grace_days()
    late = sum(s.open_cents for s in states if schedule.is_late(s, today, grace))
    return PlanSums(
        sum(s.amount_cents for s in states),
        sum(min(s.paid_cents, s.amount_cents) for s in states),
        sum(max(s.open_cents, 0) for s in states),
        late if plan.status == "active" else 0,
    )
