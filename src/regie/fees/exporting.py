"""The fees of other services in the accounting export (DOMAIN §9), through its hooks.

Registered from :class:`regie.fees.apps.FeesConfig` in :data:`regie.exports.sources`'s hook
lists (the exports app does not know the fees app):

- a file **paid in advance** travels once it is paid, as a document of kind ``service_fee``
  numbered ``SF/<id>/<the file's reference>``, dated the day of the payment that completed it
  (the payment's date, the day the ledger books the service's revenue), with the current
  version's lines, the service's budget article (else the settings' default one) and each
  line's VAT rate (a rate above 0 is VAT category S; a line at 0 is outside the scope of VAT,
  or exempt, E, beside lines subject to VAT, since the rules refuse O beside S). A file
  refunded and cancelled after export, or whose payment was cancelled, is worth 0 from then:
  the next export carries a credit note for the whole amount exported (the export's change
  rule); paid again, it travels again as a new invoice;
- a file **paid afterwards** travels as its invoice (billing's): its lines carry the
  service's budget article and the file's VAT rates instead of its category's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from regie.billing.models import Invoice
from regie.exports.accounting import SERVICE_FEE, Item, Source
from regie.exports.documents import Document, Line
from regie.exports.sources import _chunks, party_of, settings_of
from regie.fees.invoicing import invoice_line_of
from regie.fees.models import FileLine, FilePayment, FileState, ServiceFile, Way
from regie.people.models import Person

PREFIX = "service_file"


def file_key(pk: int) -> str:
    return f"{PREFIX}:{pk}"


def file_number(pk: int, external_id: str) -> str:
    """Return the number a file travels under: its id and its reference in its system.

    Short enough that a change's suffix (``-C1``) still fits the export's 40 characters.

    >>> file_number(17, "OCC-2026-0042")
    'SF/17/OCC-2026-0042'
    """
    return f"SF/{pk}/{external_id}"[:36]


def vat_of(rate: Decimal, any_taxed: bool) -> tuple[str, Decimal]:
    """Return the VAT category and rate of a line of a document with ``any_taxed`` lines.

    >>> vat_of(Decimal("21"), True), vat_of(Decimal("0"), True), vat_of(Decimal("0"), False)
    (('S', Decimal('21')), ('E', Decimal('0')), ('O', Decimal('0')))
    """
    if rate:
        return "S", rate.normalize()
    return ("E" if any_taxed else "O"), Decimal("0")


def _local(moment) -> date | None:
    return timezone.localdate(moment) if moment else None


def file_sources(date_from: date, date_to: date) -> list[Source]:
    """Return the files paid in advance that may travel in an export ending on ``date_to``:
    those whose payment is dated or was recorded in the range, and those whose payment was
    ever undone (a refund, a cancelled payment) since they may have travelled before."""
    undone = FilePayment.objects.filter(file=OuterRef("pk"), cancelled=True)
    files = (
        ServiceFile.objects.filter(way=Way.ADVANCE, payments__date__lte=date_to)
        .filter(Q(payments__date__gte=date_from) | Q(paid_at__date__gte=date_from) | Exists(undone))
        .distinct()
        .order_by("pk")
        .values_list(
            "pk", "external_id", "state", "version", "amount_cents", "cancelled_at", "paid_at"
        )
    )
    rows = list(files)
    days: dict[int, date] = {}  # the day of the last live payment (paid: what completed it)
    anyday: dict[int, date] = {}
    undone_on: dict[int, date] = {}  # the last day a payment of the file was cancelled
    for chunk in _chunks([row[0] for row in rows]):
        parts = FilePayment.objects.filter(file_id__in=chunk).values_list(
            "file_id", "date", "cancelled", "payment__cancelled_at"
        )
        for file_id, day, cancelled, payment_cancelled in parts:
            anyday[file_id] = max(day, anyday.get(file_id, day))
            if not cancelled:
                days[file_id] = max(day, days.get(file_id, day))
            elif payment_cancelled:
                moment = _local(payment_cancelled)
                undone_on[file_id] = max(moment, undone_on.get(file_id, moment))
    result = []
    for pk, external_id, state, version, cents, cancelled_at, paid_at in rows:
        number = file_number(pk, external_id)
        if state == FileState.PAID and pk in days:
            day = days[pk]
            fingerprint = f"{cents}|v{version}|{day.isoformat()}"
            # A payment recorded after its date's export (a counter payment entered late, a
            # bank file's earlier value date) travels in the export that reaches the day it
            # was recorded, still dated its payment's day.
            recorded = max(day, _local(paid_at) or day)
            result.append(
                Source(file_key(pk), SERVICE_FEE, number, day, cents, fingerprint, recorded)
            )
            continue
        changed = _local(cancelled_at) or undone_on.get(pk) or anyday[pk]
        day = anyday[pk]
        result.append(
            Source(file_key(pk), SERVICE_FEE, number, day, 0, f"0|{state}", max(changed, day))
        )
    return result


def _lines(file: ServiceFile, lines: Sequence[FileLine], article: str) -> tuple[Line, ...]:
    taxed = any(line.vat_rate for line in lines)
    result = []
    for line in lines:
        label, quantity, unit = invoice_line_of(line)
        vat, rate = vat_of(line.vat_rate, taxed)
        result.append(
            Line(
                label,
                line.amount_cents,
                article,
                file.date_from,
                quantity,
                unit,
                vat,
                rate,
                until=file.date_to,
            )
        )
    return tuple(result)


def file_documents(items: Sequence[Item]) -> dict[str, Document]:
    """Return the documents of an export's service files (one per file, as it stands)."""
    ids = sorted({int(item.key.split(":")[1]) for item in items if item.key.startswith(PREFIX)})
    if not ids:
        return {}
    options = settings_of()
    files: dict[int, ServiceFile] = {}
    lines: dict[int, list[FileLine]] = defaultdict(list)
    paid_on: dict[int, date] = {}
    for chunk in _chunks(ids):
        files |= {
            f.pk: f for f in ServiceFile.objects.filter(pk__in=chunk).select_related("service")
        }
        current = FileLine.objects.filter(  # the lines of each file's current version only
            version__file_id__in=chunk, version__number=F("version__file__version")
        )
        for line in current.annotate(of_file=F("version__file_id")).order_by("pk"):
            lines[line.of_file].append(line)
        parts = FilePayment.objects.filter(file_id__in=chunk).values_list(
            "file_id", "date", "cancelled"
        )
        for file_id, day, cancelled in parts:
            live = files[file_id].state == FileState.PAID
            if cancelled and live:
                continue  # paid: the day of the live payment that completed it
            paid_on[file_id] = max(day, paid_on.get(file_id, day))
    persons = {p.pk: p for chunk in _chunks(sorted({f.person_id for f in files.values()}))
               for p in Person.objects.filter(pk__in=chunk)}  # fmt: skip
    documents = {}
    for pk, file in files.items():
        day = paid_on[pk]
        if file.state != FileState.PAID:  # the day it became worth 0: a credit note's date
            day = max(day, _local(file.cancelled_at) or day)
        article = file.service.budget_article or options.default_article
        documents[file_key(pk)] = Document(
            number=file_number(pk, file.external_id),
            kind=SERVICE_FEE,
            action="original",
            is_credit=False,
            issue_date=day,
            due_date=day,  # paid in advance: nothing more is due
            debtor=party_of(persons[file.person_id], options),
            lines=_lines(file, lines[pk], article),
            communication=file.communication,
            source_number=file_number(pk, file.external_id),
        )
    return documents


def invoices_of_files(documents: dict[str, Document]) -> dict[str, Document]:
    """Give the invoices of files paid afterwards, and their credit notes, the service's
    budget article and the file's VAT rates (their lines are the file's current lines, in the
    same order; when they no longer match, each line takes the service's rate)."""
    # Two queries whatever the export's size (40,000 invoices in three months of a large
    # commune): the invoices of files and their credit notes, then those the export holds.
    invoiced = dict(
        ServiceFile.objects.filter(invoice__isnull=False).values_list("invoice_id", "pk")
    )
    credits = Invoice.objects.filter(credit_of__service_file__isnull=False).values_list(
        "pk", "credit_of_id"
    )
    invoiced |= {pk: invoiced[credited] for pk, credited in credits}
    of_file = {
        pk: invoiced[pk]
        for pk in (int(key.split(":")[1]) for key in documents if key.startswith("invoice:"))
        if pk in invoiced
    }
    if not of_file:
        return documents
    options = settings_of()
    files: dict[int, ServiceFile] = {}
    for chunk in _chunks(sorted(set(of_file.values()))):
        files |= {
            f.pk: f for f in ServiceFile.objects.filter(pk__in=chunk).select_related("service")
        }
    rates: dict[int, list[Decimal]] = defaultdict(list)
    for chunk in _chunks(sorted(files)):
        current = FileLine.objects.filter(version__file_id__in=chunk).select_related("version")
        for line in current.order_by("pk"):
            if line.version.number == files[line.version.file_id].version:
                rates[line.version.file_id].append(line.vat_rate)
    changed = {}
    for invoice_id, file_id in of_file.items():
        key, file = f"invoice:{invoice_id}", files[file_id]
        document = documents[key]
        own = rates[file_id] if len(rates[file_id]) == len(document.lines) else []
        used = own or [file.service.vat_rate] * len(document.lines)
        taxed = any(used)
        article = file.service.budget_article or options.default_article
        lines = []
        for line, rate in zip(document.lines, used, strict=True):
            vat, rate = vat_of(Decimal(rate), taxed)
            lines.append(replace(line, article=article, vat_category=vat, vat_rate=rate))
        changed[key] = replace(document, lines=tuple(lines))
    return documents | changed
