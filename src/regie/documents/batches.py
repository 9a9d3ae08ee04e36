"""Batches of documents of a kind: a ZIP of one PDF per document, one combined PDF, or the post.

The documents' data is read from the database in bulk in the job's process; worker processes
render it (:func:`regie.documents.rendering.render_many`) without touching the ORM. The result
is checked before it is offered: N ids give N documents, or the batch lists which
failed and why.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from regie.core.errors import DomainError, gettext_noop
from regie.core.tenancy import current_organisation
from regie.documents import files
from regie.documents.assembly import PdfSink, ZipSink, assemble
from regie.documents.invoices import INVOICE
from regie.documents.kinds import DocumentKind, kind_get
from regie.documents.models import (
    BatchFormat,
    BatchStatus,
    Channel,
    DocumentBatch,
    Sending,
    SendingStatus,
)
from regie.exports.xlsx import MONEY, Column, table_workbook

Advance = Callable[[int], None]
CHUNK = 100  # documents per task handed to a worker process
READ = 1000  # documents read from the database at a time


def batch_create(
    *,
    format: str,
    kind: str = INVOICE,
    group: int | None = None,
    document_ids=None,
    detail: bool = False,
    refresh: bool = False,
    user=None,
) -> DocumentBatch:
    """Record a batch of documents of a kind to generate: those of a group (a billing run, a
    reminder run) or a selection of ids; refuse one with nothing in it.

    With ``refresh``, the build first takes the administrative data of the documents again.
    """
    document_kind = kind_get(kind)
    ids = list(document_kind.select(group=group, ids=document_ids))
    if format == BatchFormat.POST:
        recipients = document_kind.recipients(ids)
        ids = [pk for pk in ids if pk in recipients and recipients[pk].channel == Channel.POST]
    if not ids:
        raise DomainError(
            "documents.nothing_to_print",
            gettext_noop("There is no document to print here.")
            if format != BatchFormat.POST
            else gettext_noop("No document here goes to a person who chose the post."),
        )
    return DocumentBatch.objects.create(
        kind=kind,
        group_id=group,
        document_ids=ids,
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


def document_chunks(batch: DocumentBatch, kind: DocumentKind) -> Iterator[list[dict]]:
    """Yield the batch's documents in chunks, read from the database a slice at a time (the
    post, sorted by postcode, is read at once)."""
    ids = batch.document_ids
    if batch.format == BatchFormat.POST:
        documents = kind.data(ids, detail=batch.detail)
        documents.sort(key=lambda d: (d["recipient"]["postcode"], d["recipient"]["name"]))
        yield from _split(documents)
        return
    for start in range(0, len(ids), READ):
        yield from _split(kind.data(ids[start : start + READ], detail=batch.detail))


def _target_name(batch: DocumentBatch, kind: DocumentKind) -> str:
    stem = kind.file_stem + ("-courrier" if batch.format == BatchFormat.POST else "")
    suffix = f"run-{batch.group_id}" if batch.group_id else f"selection-{batch.pk}"
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
    kind = kind_get(batch.kind)
    if batch.refresh and kind.refresh:
        kind.refresh(batch.document_ids)
    if total:
        total(batch.expected)
    folder = files.batch_folder(batch.organisation_id, batch.pk)
    parts = folder / "parts"
    parts.mkdir(exist_ok=True)
    target = folder / _target_name(batch, kind)
    sink = ZipSink(target) if batch.format == BatchFormat.ZIP else PdfSink(target)
    good, failures = assemble(
        document_chunks(batch, kind),
        template=files.template_for(batch.organisation_id, kind.template, kind.folder),
        root=files.media_root(),
        folder=parts,
        sink=sink,
        workers=default_workers() if workers is None else workers,
        advance=advance,
    )
    rendered = {d["key"] for d in good} | {f["key"] for f in failures}
    for pk in batch.document_ids:
        if pk not in rendered:
            failures.append({"key": pk, "number": f"#{pk}", "error": "not a document to print"})
    shutil.rmtree(parts, ignore_errors=True)
    if not good:
        target.unlink(missing_ok=True)
    return _finish(batch, kind, good, failures, target if good else None)


@transaction.atomic
def _finish(batch, kind: DocumentKind, good: list[dict], failures: list[dict], target: Path | None):
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
        _log_printed(batch, kind, good)
        letters_write(batch, kind, good)
    return batch


LETTERS = "lettres.xlsx"


def letters_path(batch: DocumentBatch) -> Path:
    """Return where the list of a post batch's letters is kept."""
    return files.batch_folder(batch.organisation_id, batch.pk) / LETTERS


def letters_write(batch: DocumentBatch, kind: DocumentKind, documents: list[dict]) -> None:
    """Write the list of the letters of a post batch, for the post office (registered
    letters): name, address, postcode, number and amount, in the order of the PDF."""
    org = current_organisation()
    with translation.override(org.language):
        columns = [
            Column(_("Name"), width=30),
            Column(_("Address"), width=45),
            Column(_("Postcode"), width=10),
            Column(_("Number"), width=18),
            Column(_("Amount"), MONEY, width=12),
        ]
        rows = [
            [
                d["recipient"]["name"],
                ", ".join(d["recipient"]["address"]),
                d["recipient"]["postcode"],
                d["number"],
                (d.get("payment") or {}).get("amount_cents"),
            ]
            for d in documents
        ]
        content = table_workbook(
            title=_("List of letters"),
            subtitle=f"{str(kind.label).capitalize()} · {timezone.localdate():%d/%m/%Y}",
            columns=columns,
            rows=rows,
            totals=None,
        )
    letters_path(batch).write_bytes(content)


def _log_printed(batch: DocumentBatch, kind: DocumentKind, documents: list[dict]) -> None:
    org = current_organisation()
    ids = [d["key"] for d in documents]
    recipients = kind.recipients(ids)
    Sending.objects.bulk_create(
        [
            Sending(
                organisation=org,
                kind=kind.key,
                document_id=pk,
                person_id=recipients[pk].person_id,
                channel=Channel.POST,
                status=SendingStatus.PRINTED,
                recipient=", ".join(document["recipient"]["address"])[:254],
                batch=batch,
                created_by=batch.created_by,
                finished_at=batch.finished_at,
            )
            for pk, document in zip(ids, documents, strict=True)
        ],
        batch_size=1000,
    )
