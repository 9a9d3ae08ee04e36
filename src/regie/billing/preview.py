"""A billing run's preview: what the run would bill and every problem, nothing written (DOMAIN §4).

:func:`run_preview` reads the verified, unbilled attendances of the run's period and categories
and hands them to the pure :func:`regie.billing.invoicing.build_invoices`;
:func:`regie.billing.runs.run_create` writes what it returns when it holds no problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from regie.activities.models import Activity, Price
from regie.activities.selectors import child_positions
from regie.activities.services import price_values
from regie.attendance.models import Attendance, DayStatus
from regie.billing.invoicing import (
    BillableAttendance,
    ChildInfo,
    InvoiceDraft,
    Names,
    build_invoices,
)
from regie.billing.models import BilledAttendance, BillingRun
from regie.billing.selectors import LeftOut, run_left_out
from regie.core.collector import collector_paused
from regie.core.errors import DomainError
from regie.people.models import Child, ChildPerson, TariffCategory


@dataclass
class Preview:
    """What a run would do: counts, invoices and every problem, before anything is written."""

    attendances: int = 0
    unverified: int = 0
    invoices: list[InvoiceDraft] = field(default_factory=list)
    problems: list[DomainError] = field(default_factory=list)
    #: The days not verified and the attendances they hold back (``unverified``), with a link.
    left_out: LeftOut | None = None

    @property
    def total_cents(self) -> int:
        return sum(invoice.total_cents for invoice in self.invoices)


def _period_attendances(run: BillingRun, category_ids: list[int]):
    already = BilledAttendance.objects.filter(attendance=OuterRef("pk"), released=False)
    query = Attendance.objects.filter(
        date__range=(run.date_from, run.date_to), activity__category__in=category_ids
    ).exclude(Q(absent=True) & Q(activity__bill_absence=False))
    if run.site_id:
        query = query.filter(child__site_id=run.site_id)
    return query.exclude(Exists(already))


@collector_paused()
def run_preview(run: BillingRun, category_ids: list[int]) -> Preview:
    """Return the preview of a run (nothing is written)."""
    attendances = _period_attendances(run, category_ids)
    # A day touched by a new or changed event is "not processed" again: its attendances wait
    # for the next verification even if they were verified before. In a day in error only the
    # registered dates are verified (they have their own status, DOMAIN §3): they are billed.
    ready = Q(status=DayStatus.VERIFIED) & ~Q(day__status=DayStatus.NOT_PROCESSED)
    left_out = run_left_out(
        date_from=run.date_from,
        date_to=run.date_to,
        category_ids=category_ids,
        site_id=run.site_id,
    )
    rows = list(
        attendances.filter(ready).values_list(
            "pk",
            "child_id",
            "date",
            "activity_id",
            "activity__category_id",
            "start",
            "minutes",
            "person_id",
            "absent",
        )
    )
    billable = [
        BillableAttendance(
            pk,
            child,
            day,
            activity,
            category,
            start.hour * 60 + start.minute,
            minutes,
            person,
            absent,
        )
        for pk, child, day, activity, category, start, minutes, person, absent in rows
    ]
    children = _children({a.child_id for a in billable})
    activity_ids = {a.activity_id for a in billable}
    prices = price_values(
        Price.objects.filter(activities__in=activity_ids)
        .distinct()
        .prefetch_related("activities", "categories")
    )
    names = Names(
        activities=dict(Activity.objects.values_list("pk", "name")),
        tariff_categories=dict(TariffCategory.objects.values_list("pk", "name")),
        none_category=_("none"),
    )
    invoices, problems = build_invoices(billable, children, prices, child_positions(), names)
    return Preview(len(billable), left_out.attendances, invoices, problems, left_out)


def _children(child_ids: set[int]) -> dict[int, ChildInfo]:
    # The organisation's whole registry is read: an IN list of every billed child would cost
    # more to send than the rows of the children not billed.
    billable: dict[int, list[int]] = {c: [] for c in child_ids}
    attestable: set[int] = set()
    links = ChildPerson.objects.order_by("pk").values_list(
        "child_id", "person_id", "billable", "attestable"
    )
    for child_id, person_id, is_billable, is_attestable in links:
        if child_id not in billable:
            continue
        if is_billable:
            billable[child_id].append(person_id)
        if is_attestable:
            attestable.add(child_id)
    children = Child.objects.values_list("pk", "first_name", "last_name", "tariff_category_id")
    return {
        pk: ChildInfo(pk, f"{first} {last}", category, tuple(billable[pk]), pk in attestable)
        for pk, first, last, category in children
        if pk in billable
    }
