"""Batches of invoice documents: a ZIP of one PDF per invoice, one combined PDF, or the post.

The documents' data is read from the database in bulk in the job's process; worker processes
render it (:func:`regie.documents.rendering.render_many`) without touching the ORM. The result
is checked before it is offered: N invoices give N documents, or the batch lists which
failed and why.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from regie.billing.models import BillingRun, Invoice, Kind
from regie.core.errors import DomainError, gettext_noop
from regie.core.tenancy import current_organisation
from regie.documents import files
from regie.documents.assembly import PdfSink, ZipSink, assemble
from regie.documents.data import documents_data, documents_refresh
from regie.documents.models import (
    BatchFormat,
    BatchStatus,
    Channel,
    DocumentBatch,
    Sending,
    SendingStatus,
)
from regie.people.models import Delivery

Advance = Callable[[int], None]
CHUNK = 100  # documents per task handed to a worker process
READ = 1000  # invoices read from the database at a time


def batch_invoices(*, run: BillingRun | None = None, invoice_ids=None) -> list[int]:
    """Return the posted invoices (not credit notes) of a run or of a selection, by number."""
    invoices = Invoice.objects.filter(kind=Kind.INVOICE, posted_at__isnull=False)
    if run is not None:
        invoices = invoices.filter(run=run)
    else:
        invoices = invoices.filter(pk__in=list(invoice_ids or []))
    return list(invoices.order_by("number", "pk").values_list("pk", flat=True))


def invoices_numbered(text: str) -> list[int]:
    """Return the posted invoices whose numbers are typed in ``text`` (separated by spaces,
    commas or new lines); refuse numbers that name no posted invoice, all at once."""
    numbers = [n for n in re.split(r"[\s,;]+", text.strip()) if n]
    found = dict(
        Invoice.objects.filter(number__in=numbers, posted_at__isnull=False).values_list(
            "number", "pk"
        )
    )
    unknown = [n for n in numbers if n not in found]
    if unknown:
        raise DomainError(
            "documents.unknown_numbers",
            gettext_noop("No posted invoice has these numbers: %(numbers)s."),
            numbers=", ".join(unknown),
        )
    return [found[n] for n in numbers]


def batch_create(
    *,
    format: str,
    run: BillingRun | None = None,
    invoice_ids=None,
    detail: bool = False,
    refresh: bool = False,
    user=None,
) -> DocumentBatch:
    """Record a batch of documents to generate; refuse one with nothing in it.

    With ``refresh``, the build first takes the administrative data of the documents again.
    """
    ids = batch_invoices(run=run, invoice_ids=invoice_ids)
    if format == BatchFormat.POST:
        by_post = Invoice.objects.filter(pk__in=ids, person__delivery=Delivery.POST)
        ids = [pk for pk in ids if pk in set(by_post.values_list("pk", flat=True))]
    if not ids:
        raise DomainError(
            "documents.nothing_to_print",
            gettext_noop("There is no posted invoice to print here.")
            if format != BatchFormat.POST
            else gettext_noop("No invoice here goes to a person who chose the post."),
        )
    return DocumentBatch.objects.create(
        run=run,
        invoice_ids=ids,
        format=format,
        detail=detail,
        refresh=refresh,
        expected=len(ids),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )


def default_workers() -> int:
    """Return how many processes render a batch (``REGIE_DOCUMENT_WORKERS``, default 2)."""
    return int(getattr(settings, "REGIE_DOCUMENT_WORKERS", 2))


def _split(documents: list[dict]) -> Iterator[list[dict]]:
    for start in range(0, len(documents), CHUNK):
        yield documents[start : start + CHUNK]


def document_chunks(batch: DocumentBatch) -> Iterator[list[dict]]:
    """Yield the batch's documents in chunks, read from the database a slice at a time (the
    post, sorted by postcode, is read at once)."""
    ids = batch.invoice_ids
    if batch.format == BatchFormat.POST:
        documents = documents_data(ids, detail=batch.detail)
        documents.sort(key=lambda d: (d["recipient"]["postcode"], d["recipient"]["name"]))
        yield from _split(documents)
        return
    for start in range(0, len(ids), READ):
        yield from _split(documents_data(ids[start : start + READ], detail=batch.detail))


def _target_name(batch: DocumentBatch) -> str:
    stem = {BatchFormat.POST: "courrier"}.get(batch.format, "factures")
    suffix = f"run-{batch.run_id}" if batch.run_id else f"selection-{batch.pk}"
    return f"{stem}-{suffix}.{'zip' if batch.format == BatchFormat.ZIP else 'pdf'}"


def batch_build(
    batch: DocumentBatch,
    advance: Advance | None = None,
    *,
    workers: int | None = None,
    total: Advance | None = None,
) -> DocumentBatch:
    """Render a batch's documents, assemble and check its file, record what failed."""
    DocumentBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING)
    if batch.refresh:
        documents_refresh(batch.invoice_ids)
    if total:
        total(batch.expected)
    folder = files.batch_folder(batch.organisation_id, batch.pk)
    parts = folder / "parts"
    parts.mkdir(exist_ok=True)
    target = folder / _target_name(batch)
    sink = ZipSink(target) if batch.format == BatchFormat.ZIP else PdfSink(target)
    good, failures = assemble(
        document_chunks(batch),
        template=files.template_for(batch.organisation_id),
        root=files.media_root(),
        folder=parts,
        sink=sink,
        workers=default_workers() if workers is None else workers,
        advance=advance,
    )
    rendered = {d["key"] for d in good} | {f["key"] for f in failures}
    for pk in batch.invoice_ids:
        if pk not in rendered:
            failures.append({"key": pk, "invoice": f"#{pk}", "error": "not a posted invoice"})
    shutil.rmtree(parts, ignore_errors=True)
    if not good:
        target.unlink(missing_ok=True)
    return _finish(batch, good, failures, target if good else None)


@transaction.atomic
def _finish(batch, good: list[dict], failures: list[dict], target: Path | None):
    batch.produced = len(good)
    batch.failures = failures
    batch.file = files.relative(target) if target else ""
    complete = not failures and batch.produced == batch.expected
    batch.status = (
        BatchStatus.DONE if complete else BatchStatus.INCOMPLETE if good else BatchStatus.FAILED
    )
    batch.finished_at = timezone.now()
    batch.save(update_fields=["produced", "failures", "file", "status", "finished_at"])
    if batch.format == BatchFormat.POST and good:
        _log_printed(batch, good)
    return batch


def _log_printed(batch: DocumentBatch, documents: list[dict]) -> None:
    org = current_organisation()
    invoice_ids = [d["key"] for d in documents]
    persons = dict(Invoice.objects.filter(pk__in=invoice_ids).values_list("pk", "person_id"))
    Sending.objects.bulk_create(
        [
            Sending(
                organisation=org,
                invoice_id=pk,
                person_id=persons[pk],
                channel=Channel.POST,
                status=SendingStatus.PRINTED,
                recipient=", ".join(document["recipient"]["address"])[:254],
                batch=batch,
                created_by=batch.created_by,
                finished_at=batch.finished_at,
            )
            for pk, document in zip(invoice_ids, documents, strict=True)
        ],
        batch_size=1000,
    )
