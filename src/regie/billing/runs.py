"""Billing runs: preview, create draft invoices, delete, post (DOMAIN §4).

The run reads the verified, unbilled attendances of its period and categories, hands them to
the pure :func:`regie.billing.invoicing.build_invoices`, and either records every problem (and
creates nothing) or writes draft invoices in bulk. Posting numbers the invoices without gaps,
gives each a structured communication, marks the days whose attendances are all billed and
writes the ledger.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from regie.activities.models import Activity, Price
from regie.activities.selectors import child_positions
from regie.activities.services import price_values
from regie.attendance.bulk import run_chunks
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
    Kind,
    RunStatus,
)
from regie.billing.numbering import communications_next, invoice_numbers_next
from regie.core.errors import DomainError, gettext_noop
from regie.core.rows import ids_reserve, rows_insert, rows_update, statistics_refresh
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


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a run handles a month of attendances.

    A run builds hundreds of thousands of tuples holding no reference cycles (reference
    counting frees them); the collector's repeated passes over them took more time than
    building them (the preview of the benchmark's month: 8.4 s with it, 3.8 s without).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@collector_paused()
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


@collector_paused()
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
    side_by_side = _side_by_side(preview.invoices)
    try:
        if side_by_side:
            _write_drafts_side_by_side(run, preview.invoices, progress)
        with transaction.atomic():
            if not side_by_side:
                _write_drafts(run, preview.invoices, progress)
            run.status = RunStatus.DRAFT
            run.problems = []
            run.save(update_fields=["status", "problems", "unverified"])
        if preview.attendances >= MANY_ROWS:  # posting reads them back at once
            statistics_refresh(Invoice, InvoiceLine, BilledAttendance)
    except IntegrityError:
        if side_by_side:
            _drafts_delete(run)
        run.status = RunStatus.ERROR
        run.problems = [_concurrent_run_error().to_dict()]
        run.save(update_fields=["status", "problems", "unverified"])
    except BaseException:
        if side_by_side:
            _drafts_delete(run)  # the run stays "running"; its job puts it in error
        raise
    return run


def _concurrent_run_error() -> DomainError:
    return DomainError(
        "billing.concurrent_run",
        gettext_noop(
            "Another billing run took some of these attendances at the same time. Delete this "
            "run and start it again: it will bill what is left."
        ),
    )


INVOICE_COLUMNS = ("id", "organisation", "run", "kind", "person", "number", "communication")
INVOICE_COLUMNS += ("invoice_date", "due_date", "total_cents")
LINE_COLUMNS = ("id", "organisation", "invoice", "child", "date", "activity", "category")
LINE_COLUMNS += ("price", "minutes", "quantity", "unit_cents", "amount_cents")
#: Invoices written per round of inserts (and per progress report).
DRAFTS_CHUNK = 2000
#: Attendances from which a run refreshes the database's statistics of what it wrote, and
#: invoices from which posting does.
MANY_ROWS = 20_000
MANY_INVOICES = 1_000


#: Connections writing the drafts of a large run side by side (PostgreSQL).
DRAFT_WRITERS = 2


def _chunks(drafts: list[InvoiceDraft]) -> list[list[InvoiceDraft]]:
    return [drafts[start : start + DRAFTS_CHUNK] for start in range(0, len(drafts), DRAFTS_CHUNK)]


def _write_drafts(run: BillingRun, drafts: list[InvoiceDraft], progress: Progress | None):
    """Insert the drafts, their lines and their links, in the caller's transaction."""
    for chunk in _chunks(drafts):
        invoice_ids = ids_reserve(Invoice, len(chunk))
        line_ids = ids_reserve(InvoiceLine, sum(len(draft.lines) for draft in chunk))
        _write_chunk(run, chunk, invoice_ids, line_ids)
        if progress:
            progress(len(chunk))


def _side_by_side(drafts: list[InvoiceDraft]) -> bool:
    """Whether to write the drafts on several connections: PostgreSQL, a large run, and no
    caller's transaction (the other connections would not see it)."""
    return (
        DRAFT_WRITERS > 1
        and len(drafts) > DRAFTS_CHUNK
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
    )


def _write_drafts_side_by_side(
    run: BillingRun, drafts: list[InvoiceDraft], progress: Progress | None
) -> None:
    """Write the drafts chunk by chunk on ``DRAFT_WRITERS`` connections, each chunk committed.

    The server's work (``COPY``, the key checks at each commit) then uses both cores: about
    2 s less for a month of a large commune. The keys are reserved first, in a transaction of
    their own, so that the writers never wait for each other's table lock. Until the run is
    marked "draft" its drafts are incomplete: a failure deletes them (see :func:`run_create`),
    and posting takes only a run in "draft".
    """
    chunks = _chunks(drafts)
    with transaction.atomic():
        invoice_ids = iter(ids_reserve(Invoice, len(drafts)))
        line_ids = iter(ids_reserve(InvoiceLine, sum(len(draft.lines) for draft in drafts)))
    pieces = [
        (
            chunk,
            [next(invoice_ids) for _ in chunk],
            [next(line_ids) for draft in chunk for _ in draft.lines],
        )
        for chunk in chunks
    ]

    def work(piece) -> None:
        with transaction.atomic():
            _write_chunk(run, *piece)

    def done(piece, _result) -> None:
        if progress:
            progress(len(piece[0]))

    run_chunks(pieces, work, done, workers=DRAFT_WRITERS)


def _write_chunk(
    run: BillingRun, chunk: list[InvoiceDraft], invoice_ids: list[int], line_ids: list[int]
) -> None:
    """Insert a chunk of drafts, their lines and the links to the attendances they bill."""
    org_id = current_organisation().pk
    rows_insert(
        Invoice,
        INVOICE_COLUMNS,
        (
            (pk, org_id, run.pk, Kind.INVOICE.value, draft.person_id, "", "")
            + (run.invoice_date, run.due_date, draft.total_cents)
            for pk, draft in zip(invoice_ids, chunk, strict=True)
        ),
    )
    lines = [
        (invoice_id, line)
        for invoice_id, draft in zip(invoice_ids, chunk, strict=True)
        for line in draft.lines
    ]
    rows_insert(
        InvoiceLine,
        LINE_COLUMNS,
        (
            (pk, org_id, invoice_id, x.child_id, x.day, x.activity_id, x.category_id)
            + (x.price_id, x.minutes, x.quantity, x.unit_cents, x.amount_cents)
            for pk, (invoice_id, x) in zip(line_ids, lines, strict=True)
        ),
    )
    rows_insert(
        BilledAttendance,
        ("organisation", "attendance", "line", "released"),
        (
            (org_id, attendance_id, pk, False)
            for pk, (_, line) in zip(line_ids, lines, strict=True)
            for attendance_id in line.attendance_ids
        ),
    )


def _drafts_delete(run: BillingRun) -> None:
    """Delete the draft invoices of a run, their lines and their links."""
    drafts = Invoice.objects.filter(run=run, posted_at__isnull=True)
    BilledAttendance.objects.filter(line__invoice__in=drafts).delete()
    InvoiceLine.objects.filter(invoice__in=drafts).delete()
    drafts.delete()


@transaction.atomic
def run_delete(run: BillingRun) -> None:
    """Delete a run that is in error or holds draft invoices only."""
    if run.status in (RunStatus.POSTED, RunStatus.POSTING):
        raise DomainError(
            "billing.run_posted",
            gettext_noop("This run is posted: its invoices can only be credited one by one."),
        )
    _drafts_delete(run)
    run.categories.clear()
    run.delete()


@collector_paused()
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
        posted = invoices_post(run, progress)
        run.status = RunStatus.POSTED
        run.posted_at = timezone.now()
        run.save(update_fields=["status", "posted_at"])
    if posted >= MANY_INVOICES:
        # The screens read them at once: the unbilled monitor of the posted month took 2.5 s
        # instead of 0.1 s until autovacuum saw the invoices posted and the days billed.
        statistics_refresh(Invoice, Day)
    return run


def invoices_post(run: BillingRun, progress: Progress | None = None) -> int:
    """Number and post the draft invoices of a run in bulk (inside the caller's transaction);
    return how many."""
    invoices = list(
        Invoice.objects.filter(run=run, posted_at__isnull=True)
        .order_by("person__last_name", "pk")
        .values_list("pk", "person_id", "invoice_date")
    )
    if not invoices:
        return 0
    year = invoices[0][2].year
    numbers = invoice_numbers_next("FACT", year, len(invoices))
    communications = communications_next("invoice", len(invoices))
    totals = _totals_by_category(run)
    now = timezone.now()
    # The drafts become posted here, in one statement each: the only update they ever get.
    rows_update(
        Invoice,
        ("number", "communication", "posted_at"),
        (
            (number, communication, now, pk)
            for (pk, _, _), number, communication in zip(
                invoices, numbers, communications, strict=True
            )
        ),
    )
    drafts = [
        invoice_entry(
            document=number,
            day=day,
            person_id=person_id,
            amounts_by_category=totals.get(pk, {}),
        )
        for (pk, person_id, day), number in zip(invoices, numbers, strict=True)
    ]
    entries_post([d for d in drafts if d.lines])
    _days_billed(run)
    if progress:
        progress(len(invoices))
    return len(invoices)


def _days_billed(run: BillingRun) -> None:
    """A day of the run's period whose attendances are all on posted invoices is billed.

    The attendances themselves are not written: an attendance is billed when a posted
    invoice's line bills it (:func:`regie.billing.models.posted_links`). One grouped pass over
    the period's attendances and their links, in SQL: a correlated test per attendance, as
    the ORM would write it, costs a probe of three tables for each of 330,000 rows.
    """
    attendance, day = Attendance._meta.db_table, Day._meta.db_table
    link, line, invoice = (m._meta.db_table for m in (BilledAttendance, InvoiceLine, Invoice))
    org_id, period = current_organisation().pk, (run.date_from, run.date_to)
    # Table names from the models; every value is a parameter.
    sql = f"""
        UPDATE {day} SET status = %s
        WHERE organisation_id = %s AND date BETWEEN %s AND %s AND status <> %s
          AND id IN (
            SELECT a.day_id FROM {attendance} a
            LEFT JOIN {link} b ON b.attendance_id = a.id AND NOT b.released
            LEFT JOIN {line} l ON l.id = b.line_id
            LEFT JOIN {invoice} i ON i.id = l.invoice_id AND i.posted_at IS NOT NULL
            WHERE a.organisation_id = %s AND a.date BETWEEN %s AND %s
            GROUP BY a.day_id
            HAVING COUNT(i.id) = COUNT(*)
          )
    """  # noqa: S608
    billed = DayStatus.BILLED.value
    with connection.cursor() as cursor:
        cursor.execute(sql, [billed, org_id, *period, billed, org_id, *period])


def _totals_by_category(run: BillingRun) -> dict[int, dict[int, int]]:
    totals: dict[int, dict[int, int]] = {}
    rows = (
        InvoiceLine.objects.filter(invoice__run=run, invoice__posted_at__isnull=True)
        .values_list("invoice_id", "category_id")
        .annotate(total=Sum("amount_cents"))
        .order_by()
    )
    for invoice_id, category_id, total in rows:
        totals.setdefault(invoice_id, {})[category_id] = total
    return totals
