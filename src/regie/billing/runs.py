"""Billing runs: preview, create draft invoices, delete, post (DOMAIN §4).

The run reads the verified, unbilled attendances of its period and categories, hands them to
the pure :func:`regie.billing.invoicing.build_invoices`, and either records every problem (and
creates nothing) or writes draft invoices in bulk. Posting numbers the invoices without gaps,
gives each a structured communication, marks the attendances billed and writes the ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from regie.activities.models import Activity, Price
from regie.activities.selectors import child_positions
from regie.activities.services import price_values
from regie.attendance.models import Attendance, Day, DayStatus
from regie.billing.invoicing import (
    BillableAttendance,
    ChildInfo,
    InvoiceDraft,
    Names,
    build_invoices,
)
from regie.billing.models import (
    BilledAttendance,
    BillingRun,
    Invoice,
    InvoiceLine,
    RunStatus,
)
from regie.billing.numbering import communications_next, invoice_numbers_next
from regie.core.errors import DomainError, gettext_noop
from regie.core.tenancy import current_organisation
from regie.ledger.rules import invoice_entry
from regie.ledger.services import entries_post
from regie.people.models import Child, ChildPerson, TariffCategory

Progress = Callable[[int], None]


@dataclass
class Preview:
    """What a run would do: counts, invoices and every problem, before anything is written."""

    attendances: int = 0
    unverified: int = 0
    invoices: list[InvoiceDraft] = field(default_factory=list)
    problems: list[DomainError] = field(default_factory=list)

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


def run_preview(run: BillingRun, category_ids: list[int]) -> Preview:
    """Return the preview of a run (nothing is written)."""
    attendances = _period_attendances(run, category_ids)
    # A day touched by a new or changed event is "not processed" again: its attendances wait
    # for the next verification even if they were verified before.
    ready = Q(status=DayStatus.VERIFIED, day__status=DayStatus.VERIFIED)
    unverified = attendances.exclude(ready).count()
    unverified += _days_without_attendances(run)
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
    return Preview(len(billable), unverified, invoices, problems)


def _days_without_attendances(run: BillingRun) -> int:
    """Count days of the period with no attendance yet: not processed, or in error before any
    attendance could be made (a scan outside every window, for instance)."""
    days = Day.objects.filter(
        date__range=(run.date_from, run.date_to),
        status__in=(DayStatus.NOT_PROCESSED, DayStatus.ERROR),
    )
    if run.site_id:
        days = days.filter(child__site_id=run.site_id)
    has_attendance = Attendance.objects.filter(day=OuterRef("pk"))
    return days.exclude(Exists(has_attendance)).count()


def _children(child_ids: set[int]) -> dict[int, ChildInfo]:
    links = ChildPerson.objects.filter(child_id__in=child_ids).order_by("pk")
    billable: dict[int, list[int]] = {c: [] for c in child_ids}
    attestable: set[int] = set()
    for child_id, person_id, is_billable, is_attestable in links.values_list(
        "child_id", "person_id", "billable", "attestable"
    ):
        if is_billable:
            billable[child_id].append(person_id)
        if is_attestable:
            attestable.add(child_id)
    return {
        pk: ChildInfo(pk, f"{first} {last}", category, tuple(billable[pk]), pk in attestable)
        for pk, first, last, category in Child.objects.filter(pk__in=child_ids).values_list(
            "pk", "first_name", "last_name", "tariff_category_id"
        )
    }


def run_create(
    run: BillingRun, progress: Progress | None = None, *, total: Progress | None = None
) -> BillingRun:
    """Compute the run: record its problems, or create its draft invoices.

    ``total``, when given, is told how many invoices are about to be written; ``progress`` is
    then told of each one.
    """
    category_ids = list(run.categories.values_list("pk", flat=True))
    preview = run_preview(run, category_ids)
    run.unverified = preview.unverified
    if total and not preview.problems:
        total(len(preview.invoices))
    if preview.problems:
        run.status = RunStatus.ERROR
        run.problems = [problem.to_dict() for problem in preview.problems]
        run.save(update_fields=["status", "problems", "unverified"])
        return run
    try:
        with transaction.atomic():
            _write_drafts(run, preview.invoices, progress)
            run.status = RunStatus.DRAFT
            run.problems = []
            run.save(update_fields=["status", "problems", "unverified"])
    except IntegrityError:
        run.status = RunStatus.ERROR
        run.problems = [_concurrent_run_error().to_dict()]
        run.save(update_fields=["status", "problems", "unverified"])
    return run


def _concurrent_run_error() -> DomainError:
    return DomainError(
        "billing.concurrent_run",
        gettext_noop(
            "Another billing run took some of these attendances at the same time. Delete this "
            "run and start it again: it will bill what is left."
        ),
    )


def _write_drafts(run: BillingRun, drafts: list[InvoiceDraft], progress: Progress | None):
    org = current_organisation()
    invoices = [
        Invoice(
            organisation=org,
            run=run,
            person_id=draft.person_id,
            invoice_date=run.invoice_date,
            due_date=run.due_date,
            total_cents=draft.total_cents,
        )
        for draft in drafts
    ]
    Invoice.objects.bulk_create(invoices, batch_size=1000)
    lines, sources = [], []
    for invoice, draft in zip(invoices, drafts, strict=True):
        for line in draft.lines:
            lines.append(
                InvoiceLine(
                    organisation=org,
                    invoice_id=invoice.pk,
                    child_id=line.child_id,
                    date=line.day,
                    activity_id=line.activity_id,
                    category_id=line.category_id,
                    price_id=line.price_id,
                    minutes=line.minutes,
                    quantity=line.quantity,
                    unit_cents=line.unit_cents,
                    amount_cents=line.amount_cents,
                )
            )
            sources.append(line.attendance_ids)
        if progress:
            progress(1)
    InvoiceLine.objects.bulk_create(lines, batch_size=2000)
    BilledAttendance.objects.bulk_create(
        [
            BilledAttendance(organisation=org, attendance_id=a, line_id=line.pk)
            for line, ids in zip(lines, sources, strict=True)
            for a in ids
        ],
        batch_size=2000,
    )


@transaction.atomic
def run_delete(run: BillingRun) -> None:
    """Delete a run that is in error or holds draft invoices only."""
    if run.status in (RunStatus.POSTED, RunStatus.POSTING):
        raise DomainError(
            "billing.run_posted",
            gettext_noop("This run is posted: its invoices can only be credited one by one."),
        )
    drafts = Invoice.objects.filter(run=run, posted_at__isnull=True)
    BilledAttendance.objects.filter(line__invoice__in=drafts).delete()
    InvoiceLine.objects.filter(invoice__in=drafts).delete()
    drafts.delete()
    run.categories.clear()
    run.delete()


def run_post(run: BillingRun, progress: Progress | None = None) -> BillingRun:
    """Post a draft run: numbers, communications, billed attendances, ledger entries."""
    with transaction.atomic():
        run = BillingRun.objects.select_for_update().get(pk=run.pk)
        if run.status != RunStatus.DRAFT:
            raise DomainError(
                "billing.not_draft",
                gettext_noop("Only a run with draft invoices can be posted (this one is %(s)s)."),
                s=run.get_status_display(),
            )
        invoices = list(Invoice.objects.filter(run=run).order_by("person__last_name", "pk"))
        invoices_post(invoices, progress)
        run.status = RunStatus.POSTED
        run.posted_at = timezone.now()
        run.save(update_fields=["status", "posted_at"])
    return run


def invoices_post(invoices: list[Invoice], progress: Progress | None = None) -> None:
    """Number and post draft invoices in bulk (inside the caller's transaction)."""
    if not invoices:
        return
    year = invoices[0].invoice_date.year
    numbers = invoice_numbers_next("FACT", year, len(invoices))
    communications = communications_next("invoice", len(invoices))
    now = timezone.now()
    drafts = []
    totals = _totals_by_category([i.pk for i in invoices])
    for invoice, number, communication in zip(invoices, numbers, communications, strict=True):
        invoice.number, invoice.communication, invoice.posted_at = number, communication, now
        drafts.append(
            invoice_entry(
                document=number,
                day=invoice.invoice_date,
                person_id=invoice.person_id,
                amounts_by_category=totals.get(invoice.pk, {}),
            )
        )
    ids = [i.pk for i in invoices]
    # The drafts become posted here, in one statement each: the only update they ever get.
    Invoice.objects.bulk_update(invoices, ["number", "communication", "posted_at"], 1000)
    entries_post([d for d in drafts if d.lines])
    billed = Attendance.objects.filter(
        Exists(
            BilledAttendance.objects.filter(
                attendance=OuterRef("pk"), released=False, line__invoice_id__in=ids
            )
        )
    )
    day_ids = set(billed.values_list("day_id", flat=True))
    billed.update(status=DayStatus.BILLED)
    _days_billed(day_ids)
    if progress:
        progress(len(invoices))


def _days_billed(day_ids: set[int]) -> None:
    """A day whose attendances are all billed is billed."""
    unbilled = Attendance.objects.filter(day=OuterRef("pk")).exclude(status=DayStatus.BILLED)
    Day.objects.filter(pk__in=day_ids).exclude(Exists(unbilled)).update(status=DayStatus.BILLED)


def _totals_by_category(invoice_ids: list[int]) -> dict[int, dict[int, int]]:
    from django.db.models import Sum

    totals: dict[int, dict[int, int]] = {}
    rows = (
        InvoiceLine.objects.filter(invoice_id__in=invoice_ids)
        .values_list("invoice_id", "category_id")
        .annotate(total=Sum("amount_cents"))
    )
    for invoice_id, category_id, total in rows:
        totals.setdefault(invoice_id, {})[category_id] = total
    return totals
