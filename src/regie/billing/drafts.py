"""Writing the draft invoices of a billing run: rows, in chunks, on one or two connections.

A run of a large commune writes 13,000 invoices, 330,000 lines and as many links to the
attendances they bill (:mod:`regie.core.rows`: keys reserved first, ``COPY``). Called by
:func:`regie.billing.runs.run_create` once the run has no problem.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection, transaction

from regie.attendance.bulk import run_chunks
from regie.billing.invoicing import InvoiceDraft
from regie.billing.models import BilledAttendance, BillingRun, Invoice, InvoiceLine, Kind
from regie.core.rows import ids_reserve, rows_insert
from regie.core.tenancy import current_organisation

Progress = Callable[[int], None]

INVOICE_COLUMNS = ("id", "organisation", "run", "kind", "person", "number", "communication")
INVOICE_COLUMNS += ("invoice_date", "due_date", "total_cents")
LINE_COLUMNS = ("id", "organisation", "invoice", "child", "date", "activity", "category")
LINE_COLUMNS += ("price", "minutes", "quantity", "unit_cents", "amount_cents", "label")
#: Invoices written per round of inserts (and per progress report).
DRAFTS_CHUNK = 2000
#: Connections writing the drafts of a large run side by side (PostgreSQL).
DRAFT_WRITERS = 2


def _in_chunks(drafts: list[InvoiceDraft]) -> list[list[InvoiceDraft]]:
    return [drafts[start : start + DRAFTS_CHUNK] for start in range(0, len(drafts), DRAFTS_CHUNK)]


def drafts_write(run: BillingRun, drafts: list[InvoiceDraft], progress: Progress | None) -> None:
    """Write the drafts of a run, their lines and their links: all of them, or none.

    On PostgreSQL, outside a caller's transaction, a large run is written side by side (see
    :func:`_write_side_by_side`), and a failure deletes what was committed; elsewhere in one
    transaction. ``progress`` is told of each chunk of drafts written.
    """
    if not _side_by_side(drafts):
        with transaction.atomic():
            _write_in_order(run, drafts, progress)
        return
    try:
        _write_side_by_side(run, drafts, progress)
    except BaseException:
        drafts_delete(run)
        raise


def drafts_delete(run: BillingRun) -> None:
    """Delete the draft invoices of a run, their lines and their links."""
    drafts = Invoice.objects.filter(run=run, posted_at__isnull=True)
    BilledAttendance.objects.filter(line__invoice__in=drafts).delete()
    InvoiceLine.objects.filter(invoice__in=drafts).delete()
    drafts.delete()


def _write_in_order(run: BillingRun, drafts: list[InvoiceDraft], progress: Progress | None):
    """Insert the drafts chunk by chunk in the caller's transaction."""
    for chunk in _in_chunks(drafts):
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


def _write_side_by_side(
    run: BillingRun, drafts: list[InvoiceDraft], progress: Progress | None
) -> None:
    """Write the drafts chunk by chunk on ``DRAFT_WRITERS`` connections, each chunk committed.

    The server's work (``COPY``, the key checks at each commit) then uses both cores: about
    2 s less for a month of a large commune. The keys are reserved first, in a transaction of
    their own, so that the writers never wait for each other's table lock. Until the run is
    marked "draft" its drafts are incomplete: a failure deletes them (:func:`drafts_write`),
    and posting takes only a run in "draft".
    """
    chunks = _in_chunks(drafts)
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
            + (x.price_id, x.minutes, x.quantity, x.unit_cents, x.amount_cents, "")
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
