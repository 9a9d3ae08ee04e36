"""Collection's dashboard counters: runs waiting, reminders overdue, late instalments, orders
waiting for the board's decision."""

from __future__ import annotations

from django.db.models import BigIntegerField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regie.core.dashboard import Counter, Section, register_counter
from regie.core.permissions import CAPABILITIES
from regie.dunning import listing
from regie.dunning.models import Reminder, ReminderRun, RunStatus
from regie.dunning.order_models import OrderList, OrderListStatus
from regie.dunning.plan_models import Instalment, InstalmentPayment, PlanStatus


def reminders_overdue() -> int:
    """Count the live reminders past their due date with something still unpaid."""
    reminders = listing.with_reminder_state(Reminder.objects.all())
    return listing.filter_status(reminders, "overdue", timezone.localdate()).count()


def instalments_late() -> int:
    """Count the instalments of active plans given a late-payment letter and still unpaid."""
    paid = (
        InstalmentPayment.objects.filter(instalment=OuterRef("pk"), cancelled=False)
        .values("instalment")
        .annotate(t=Sum("amount_cents"))
        .values("t")
    )
    zero = Value(0, BigIntegerField())
    return (
        Instalment.objects.filter(plan__status=PlanStatus.ACTIVE, late_letter_on__isnull=False)
        .annotate(paid=Coalesce(Subquery(paid, output_field=BigIntegerField()), zero))
        .filter(paid__lt=F("amount_cents"))
        .count()
    )


for counter in (
    Counter(
        key="dunning.runs_waiting",
        label=_("reminder runs running or failed"),
        count=lambda: ReminderRun.objects.exclude(status=RunStatus.DONE).count(),
        url=lambda: reverse("dunning:run-list"),
        roles=CAPABILITIES["finance.edit"],
        section=Section.MONEY,
        order=30,
    ),
    Counter(
        key="dunning.reminders_overdue",
        label=_("reminders past due and unpaid"),
        count=reminders_overdue,
        url=lambda: reverse("dunning:reminder-list") + "?status=overdue",
        roles=CAPABILITIES["finance.edit"],
        section=Section.MONEY,
        order=31,
        warn=False,
    ),
    Counter(
        key="dunning.instalments_late",
        label=_("late instalments of payment plans"),
        count=instalments_late,
        url=lambda: reverse("dunning:plan-list") + "?status=active",
        roles=CAPABILITIES["finance.edit"],
        section=Section.MONEY,
        order=32,
    ),
    Counter(
        key="dunning.orders_to_decide",
        label=_("enforcement order lists awaiting the board's decision"),
        count=lambda: OrderList.objects.filter(status=OrderListStatus.PROPOSED).count(),
        url=lambda: reverse("dunning:order-lists"),
        roles=CAPABILITIES["finance.edit"],
        section=Section.MONEY,
        order=33,
    ),
):
    register_counter(counter)
