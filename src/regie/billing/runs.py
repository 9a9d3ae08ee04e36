"""Billing runs: open, create draft invoices, delete, post (DOMAIN §4).

The run's preview (:mod:`regie.billing.preview`) reads the verified, unbilled attendances of its
period and categories; creating the run either records every problem it found (and creates
nothing) or writes its draft invoices in bulk. Posting numbers the invoices without gaps,
gives each a structured communication, marks the days whose attendances are all billed and
writes the ledger.
"""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from regie.attendance.models import Attendance, Day, DayStatus
from regie.billing.drafts import Progress, drafts_delete, drafts_write
from regie.billing.models import (
    BilledAttendance,
    BillingRun,
    Invoice,
    InvoiceLine,
    RunStatus,
)
from regie.billing.numbering import communications_next, invoice_numbers_next
from regie.billing.preview import run_preview
from regie.core.collector import collector_paused
from regie.core.errors import DomainError, gettext_noop
from regie.core.rows import rows_update, statistics_refresh
from regie.core.tenancy import current_organisation
from regie.ledger.rules import invoice_entry
from regie.ledger.services import entries_post


@transaction.atomic
def run_open(
    *,
    categories,
    date_from,
    date_to,
    invoice_date,
    due_date,
    site=None,
    user=None,
) -> BillingRun:
    """Record a new run (its period, dates, school site and categories), not computed yet."""
    categories = list(categories)
    if not categories:
        raise DomainError(
            "billing.no_category", gettext_noop("Choose at least one activity category.")
        )
    if date_to < date_from:
        raise DomainError("billing.period", gettext_noop("The period ends before it starts."))
    if due_date < invoice_date:
        raise DomainError(
            "billing.due_date", gettext_noop("The due date comes before the invoice date.")
        )
    run = BillingRun(
        date_from=date_from,
        date_to=date_to,
        invoice_date=invoice_date,
        due_date=due_date,
        site=site,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    run.full_clean(exclude=["categories"])
    run.save()
    run.categories.set(categories)
    return run


@transaction.atomic
def run_start(*, user=None, **run_fields):
    """Record a new run and start computing it in the background; return the job.

    ``run_fields`` are :func:`run_open`'s. The job's page shows the progress and then links to
    the run, its problems or its draft invoices.
    """
    from regie.billing.tasks import KIND_CREATE, run_create_task
    from regie.core.jobs import job_start

    run = run_open(user=user, **run_fields)
    return job_start(
        organisation=current_organisation(),
        user=user,
        kind=KIND_CREATE,
        title=_("Billing run %(run)s: create the invoices") % {"run": run},
        task=run_create_task,
        parameters={"run_id": run.pk},
    )


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
    try:
        drafts_write(run, preview.invoices, progress)
    except IntegrityError:
        run.status = RunStatus.ERROR
        run.problems = [_concurrent_run_error().to_dict()]
        run.save(update_fields=["status", "problems", "unverified"])
        return run
    run.status = RunStatus.DRAFT
    run.problems = []
    run.save(update_fields=["status", "problems", "unverified"])
    if preview.attendances >= MANY_ROWS:  # posting reads them back at once
        statistics_refresh(Invoice, InvoiceLine, BilledAttendance)
    return run


def _concurrent_run_error() -> DomainError:
    return DomainError(
        "billing.concurrent_run",
        gettext_noop(
            "Another billing run took some of these attendances at the same time. Delete this "
            "run and start it again: it will bill what is left."
        ),
    )


#: Attendances from which a run refreshes the database's statistics of what it wrote, and
#: invoices from which posting does.
MANY_ROWS = 20_000
MANY_INVOICES = 1_000


@transaction.atomic
def run_delete(run: BillingRun) -> None:
    """Delete a run that is in error or holds draft invoices only."""
    if run.status in (RunStatus.POSTED, RunStatus.POSTING):
        raise DomainError(
            "billing.run_posted",
            gettext_noop("This run is posted: its invoices can only be credited one by one."),
        )
    drafts_delete(run)
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
        WHERE organisation_id = %s AND date BETWEEN %s AND %s AND status = %s
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
    # Only a verified day becomes billed: a day in error whose registered meal is billed stays
    # in error until its scans are fixed.
    billed, verified = DayStatus.BILLED.value, DayStatus.VERIFIED.value
    with connection.cursor() as cursor:
        cursor.execute(sql, [billed, org_id, *period, verified, org_id, *period])


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
