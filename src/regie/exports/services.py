"""Make an accounting export: choose its documents, write and check its files, keep it.

:func:`export_create` is the only writer of exports. It computes outside any transaction
(validating 40,000 UBL files takes minutes), writes the files in a folder of their own, then
records the export, its items and its files in one transaction: the database refuses a
document twice (``exportitem_once``), so two exports running at once cannot both carry it.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import uuid
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from regie.billing.selectors import Status
from regie.core.collector import collector_paused
from regie.core.errors import DomainError, gettext_noop
from regie.core.models import AuditLog
from regie.core.rows import rows_insert
from regie.core.tenancy import current_organisation
from regie.exports import accounting, csvfile, journal, sources, ubl
from regie.exports.details import documents_in_parts
from regie.exports.documents import Document
from regie.exports.models import Export, ExportFile, ExportItem, ExportSettings
from regie.exports.sources import article_key, settings_of
from regie.exports.ublfiles import Checking, checked_files, started

CSV, UBL, JOURNAL = "csv", "ubl", "journal"
FORMATS = (CSV, UBL, JOURNAL)
DOCUMENT_KINDS = (
    accounting.INVOICE,
    accounting.CREDIT_NOTE,
    accounting.REMINDER_FEE,
    accounting.SERVICE_FEE,
)
#: The kinds an export may hold; payments received only when asked for.
KINDS = (*DOCUMENT_KINDS, accounting.PAYMENT)
#: The invoice statuses an export may keep (regie.billing.selectors.Status).
STATUSES = (Status.OPEN, Status.PARTLY_PAID, Status.PAID, Status.OVERDUE, Status.CREDITED)
ITEM_FIELDS = (
    "organisation", "export", "source", "kind", "action", "version", "number",
    "document_date", "person", "amount_cents", "fingerprint", "articles",
)  # fmt: skip
ZIP_DATE = (2000, 1, 1, 0, 0, 0)  # every ZIP entry the same date: the same export, the same bytes
#: deflate's fastest level: a quarter less CPU than its default (6) for files 12 % larger
#: (1.42 against 1.27 kB a UBL file of the large commune's bench)
ZIP_LEVEL = 1


@dataclass
class Written:
    """The files of an export before it is recorded: name → bytes."""

    files: dict[str, bytes] = field(default_factory=dict)
    chain_head: str = ""


def export_settings_save(*, settings_row: ExportSettings) -> ExportSettings:
    """Save the organisation's export settings (one row per organisation)."""
    settings_row.full_clean()
    settings_row.save()
    return settings_row


def _refuse(formats: Sequence[str], kinds: Sequence[str], statuses: Sequence[str]) -> None:
    unknown = set(formats) - set(FORMATS)
    if not formats or unknown:
        raise DomainError(
            "export.format_unknown",
            gettext_noop("Choose the formats among csv, ubl and journal."),
        )
    if (CSV in formats or UBL in formats) and not kinds:
        raise DomainError(
            "export.kinds_missing", gettext_noop("Choose the kinds of documents to export.")
        )
    if set(kinds) - set(KINDS) or set(statuses) - set(STATUSES):
        raise DomainError(
            "export.kinds_unknown",
            gettext_noop(
                "Choose the documents among %(kinds)s and the statuses among %(statuses)s."
            ),
            kinds=", ".join(KINDS),
            statuses=", ".join(STATUSES),
        )


def today():
    """Return the organisation's today: an export's range must end before it (tests move it)."""
    return timezone.localdate()


def export_plan(
    *, date_from: date, date_to: date, kinds: Sequence[str], statuses: Sequence[str] = ()
) -> tuple[list[accounting.Item], dict[str, dict[str, int]]]:
    """Return the items an export would hold now, and what earlier exports carried per article.

    ``statuses`` keeps, among the invoices not exported yet, those of these statuses (all
    when empty); an invoice exported earlier and changed since travels whatever its status.
    """
    accounting.range_check(date_from, date_to)
    found = sources.sources(date_from, date_to, kinds)
    done, articles = sources.exported(source.key for source in found)
    if statuses and set(statuses) != set(STATUSES):
        kept = sources.invoices_with_status(date_from, date_to, statuses)
        found = [s for s in found if s.kind != accounting.INVOICE or s.key in done or s.key in kept]
    return accounting.plan(found, done, date_from, date_to, kinds), articles


def _seller(options: ExportSettings) -> ubl.Seller:
    organisation = current_organisation()
    return ubl.Seller(
        name=organisation.name,
        enterprise_number=ubl.digits(organisation.enterprise_number),
        street=organisation.street,
        postcode=organisation.postcode,
        city=organisation.city,
        iban=organisation.iban,
        bic=organisation.bic,
        endpoint_scheme=options.peppol_scheme,
        endpoint_id=ubl.digits(options.peppol_id) if options.peppol_scheme == "0208"
        else options.peppol_id,
    )  # fmt: skip


def _workers() -> int:
    return int(getattr(settings, "REGIE_EXPORT_WORKERS", 2))


def ubl_zip(
    documents: Sequence[Document], seller: ubl.Seller, advance: Callable, checking=None
) -> bytes:
    """Return the ZIP of the documents' UBL files, each checked against both rule sets
    (by ``checking``'s workers if given: the documents were handed to them as read)."""
    buffer = io.BytesIO()
    checked = (
        checking.files(advance)
        if checking is not None
        else checked_files(documents, seller, workers=_workers(), advance=advance)
    )
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in checked:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content, compresslevel=ZIP_LEVEL)
    return buffer.getvalue()


def _write(documents, options, formats, date_from, date_to, advance, checking=None) -> Written:
    written = Written()
    stem = f"{date_from:%Y%m%d}-{date_to:%Y%m%d}"
    if CSV in formats:
        written.files[f"export-{stem}.csv"] = csvfile.write(documents, options.application_code)
    if UBL in formats:  # payments received are no e-invoices
        invoices = [d for d in documents if d.kind != accounting.PAYMENT]
        written.files[f"ubl-{stem}.zip"] = ubl_zip(invoices, _seller(options), advance, checking)
    if JOURNAL in formats:
        content, _count = journal.write(date_from, date_to)
        sequence, head = journal.chain_head()
        written.files[f"journal-{stem}.csv"] = content
        written.files[f"journal-{stem}-chain-head.txt"] = f"{sequence};{head}\r\n".encode()
        written.chain_head = head
    return written


def _store(written: Written) -> tuple[Path, dict[str, tuple[str, int, str]]]:
    folder_name = uuid.uuid4().hex
    relative = Path("exports") / str(current_organisation().pk) / folder_name
    folder = Path(settings.MEDIA_ROOT) / relative
    folder.mkdir(parents=True, exist_ok=True)
    stored = {}
    for name, content in written.files.items():
        (folder / name).write_bytes(content)
        digest = hashlib.sha256(content).hexdigest()
        stored[name] = ((relative / name).as_posix(), len(content), digest)
    return folder, stored


def _record(*, export: Export, items, documents, stored, user) -> Export:
    export.save()
    # 40,000 documents in three months of a large commune: plain rows (COPY on PostgreSQL),
    # not a model instance each; the database still refuses a document twice.
    rows_insert(
        ExportItem,
        ITEM_FIELDS,
        (
            (
                export.organisation_id,
                export.pk,
                item.key,
                item.kind,
                item.action,
                item.version,
                document.number,
                document.issue_date,
                int(document.debtor.reference[1:]) if document.debtor.reference else None,
                item.amount_cents,
                item.fingerprint,
                json.dumps(_articles(document)),
            )  # fmt: skip
            for item, document in zip(items, documents, strict=True)
        ),
    )
    ExportFile.objects.bulk_create(
        ExportFile(
            organisation=export.organisation,
            export=export,
            name=name,
            path=path,
            size=size,
            sha256=digest,
        )  # fmt: skip
        for name, (path, size, digest) in stored.items()
    )
    if export.national_numbers and user is not None:
        AuditLog.objects.create(
            user=user,
            action=AuditLog.Action.EXPORT,
            model="exports.export",
            object_id=str(export.pk),
            detail=f"{export} national numbers",
        )
    return export


def _articles(document: Document) -> dict[str, int]:
    sign = -1 if document.is_credit else 1
    articles: dict[str, int] = {}
    for line in document.lines:
        key = article_key(line)
        articles[key] = articles.get(key, 0) + sign * line.amount_cents
    return articles


@collector_paused()
def export_create(
    *,
    date_from: date,
    date_to: date,
    formats: Sequence[str],
    kinds: Sequence[str] = DOCUMENT_KINDS,
    statuses: Sequence[str] = (),
    user=None,
    advance: Callable[[int], None] = lambda count: None,
    total: Callable[[int], None] = lambda count: None,
) -> Export:
    """Export the documents not exported yet (and those changed since) of a range that ended
    before today."""
    accounting.range_check(date_from, date_to, today=today())
    _refuse(formats, kinds, statuses)
    with_documents = CSV in formats or UBL in formats
    items, previous = export_plan(date_from=date_from, date_to=date_to, kinds=kinds,
                                   statuses=statuses) if (
        with_documents) else ([], {})  # fmt: skip
    invoices = sum(1 for i in items if i.kind != accounting.PAYMENT) if UBL in formats else 0
    total(invoices)
    options = settings_of()
    # the workers checking the UBL files start (and compile the rules) before the documents
    # are read, and check the first ones while the rest are read
    seller = _seller(options)
    grouped = CSV not in formats  # the CSV alone shows every day: else lines as the UBL
    with started(_workers(), invoices, seller) as pool:
        checking = Checking(pool, seller) if pool is not None else None
        documents: list[Document] = []
        for part in documents_in_parts(items, previous, options):
            if grouped:
                part = [ubl.with_grouped_lines(document) for document in part]
            documents += part
            if checking is not None:
                checking.submit([d for d in part if d.kind != accounting.PAYMENT], grouped)
        written = _write(documents, options, formats, date_from, date_to, advance, checking)
    folder, stored = _store(written)
    billed = [d for d in documents if d.kind != accounting.PAYMENT]
    export = Export(
        date_from=date_from,
        date_to=date_to,
        kinds=list(kinds) if with_documents else [],
        formats=list(formats),
        documents=len(documents),
        credits=sum(1 for d in billed if d.is_credit),
        debit_cents=sum(d.amount_cents for d in billed if not d.is_credit),
        credit_cents=sum(d.amount_cents for d in billed if d.is_credit),
        national_numbers=any(d.debtor.national_number for d in documents),
        chain_head=written.chain_head,
        created_by=user,
    )
    try:
        with transaction.atomic():
            return _record(export=export, items=items, documents=documents, stored=stored,
                           user=user)  # fmt: skip
    except IntegrityError as error:
        shutil.rmtree(folder, ignore_errors=True)
        raise DomainError(
            "export.concurrent",
            gettext_noop("Another export took some of these documents meanwhile; run it again."),
        ) from error
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def export_file_read(export_file: ExportFile) -> bytes:
    """Return a file of an export as it was written, after checking its SHA-256."""
    content = (Path(settings.MEDIA_ROOT) / export_file.path).read_bytes()
    if hashlib.sha256(content).hexdigest() != export_file.sha256:
        raise DomainError(
            "export.file_changed",
            gettext_noop("The file %(name)s no longer matches its hash: it was changed."),
            name=export_file.name,
        )
    return content
