"""Read what invoice documents show, in bulk, as plain dictionaries for the renderer.

The administrative part (letterhead, recipient, language) comes from the invoice's
:class:`~regie.documents.models.InvoiceDocument` snapshot, taken at the first rendering and
changed only by :func:`documents_refresh`; the amounts received and the balance are read
afresh every time (:func:`regie.billing.selectors.with_balance`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from stdnum.be import ogm_vcs

from regie.billing.models import Invoice, InvoiceLine, Kind
from regie.billing.selectors import with_balance
from regie.core.models import Organisation
from regie.core.money import format_cents
from regie.core.tenancy import current_organisation
from regie.core.validators import format_iban
from regie.documents import files
from regie.documents.models import InvoiceDocument
from regie.people.models import Person

CHUNK = 2000


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _period(first: date | None, last: date | None) -> str:
    """Return the billed period, "01/10/2025 – 31/10/2025" (none for a run-less document)."""
    return f"{_day(first)} – {_day(last)}" if first and last else ""


def _enterprise(number: str) -> str:
    return f"{number[:4]}.{number[4:7]}.{number[7:]}" if len(number) == 10 else number


def organisation_block(org: Organisation) -> dict[str, Any]:
    """Return the letterhead of an organisation as printed on its documents."""
    city = f"{org.postcode} {org.city}".strip()
    return {
        "name": org.name,
        "address": [line for line in (org.street, city) if line],
        "enterprise_number": _enterprise(org.enterprise_number),
        "iban": format_iban(org.iban),
        "iban_compact": org.iban,
        "bic": org.bic,
        "logo": f"/{org.logo.name}" if org.logo else "",
    }


def recipient_block(person: Person) -> dict[str, Any]:
    """Return the name and postal address of a person, as on an envelope."""
    city = f"{person.postcode} {person.city}".strip()
    lines = [line for line in (person.street, city) if line]
    if person.country and person.country != "BE":
        lines.append(person.country)
    return {
        "name": f"{person.first_name} {person.last_name}".strip(),
        "address": lines,
        "postcode": person.postcode,
    }


def snapshot_of(org: Organisation, person: Person) -> dict[str, Any]:
    """Return the administrative data of a document for ``person`` today."""
    return {
        "language": person.language or org.language,
        "organisation": organisation_block(org),
        "recipient": recipient_block(person),
    }


def _organisation() -> Organisation:
    """Return the active organisation as stored now (the scope may hold an older copy)."""
    return Organisation.objects.get(pk=current_organisation().pk)


def _persons(invoice_ids: list[int]) -> dict[int, Person]:
    persons: dict[int, Person] = {}
    for chunk in _chunks(invoice_ids):
        for invoice in Invoice.objects.filter(pk__in=chunk).select_related("person"):
            persons[invoice.pk] = invoice.person
    return persons


def snapshots_ensure(invoice_ids: list[int]) -> None:
    """Take the snapshot of the invoices that have none yet (their first rendering)."""
    missing = set(invoice_ids)
    for chunk in _chunks(invoice_ids):
        missing -= set(
            InvoiceDocument.objects.filter(invoice_id__in=chunk).values_list(
                "invoice_id", flat=True
            )
        )
    if not missing:
        return
    org = _organisation()
    persons = _persons(sorted(missing))
    org_block = organisation_block(org)
    rows = []
    for invoice_id, person in persons.items():
        snapshot = snapshot_of(org, person) | {"organisation": org_block}
        rows.append(InvoiceDocument(organisation=org, invoice_id=invoice_id, snapshot=snapshot))
    InvoiceDocument.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


@transaction.atomic
def documents_refresh(invoice_ids: list[int]) -> int:
    """Take the administrative data of these invoices' documents again; return how many.

    Used after the organisation's or a person's details changed: the next documents show the
    new letterhead, name, address and language.
    """
    snapshots_ensure(invoice_ids)
    org = _organisation()
    persons = _persons(invoice_ids)
    documents = list(InvoiceDocument.objects.filter(invoice_id__in=list(persons)))
    now = timezone.now()
    for document in documents:
        document.snapshot = snapshot_of(org, persons[document.invoice_id])
        document.refreshed_at = now
    InvoiceDocument.objects.bulk_update(documents, ["snapshot", "refreshed_at"], batch_size=1000)
    return len(documents)


def file_name(number: str, pk: int) -> str:
    """Return the file name of an invoice's PDF: FACT-2025-00001.pdf."""
    return f"{number.replace('/', '-')}.pdf" if number else f"invoice-{pk}.pdf"


def _lines(invoice_ids: list[int]) -> dict[int, list[tuple]]:
    lines: dict[int, list[tuple]] = {}
    rows = (
        InvoiceLine.objects.filter(invoice_id__in=invoice_ids)
        .order_by("invoice_id", "child__first_name", "child__last_name", "date", "pk")
        .values_list(
            "invoice_id",
            "child__first_name",
            "child__last_name",
            "date",
            "activity__name",
            "quantity",
            "unit_cents",
            "amount_cents",
            "label",
        )
    )
    for invoice_id, first, last, day, activity, quantity, unit, amount, label in rows:
        # A fee's line (another service's, regie.fees) has no child: its label says what it is.
        child = f"{first} {last}" if first or last else ""
        activity = activity or label
        lines.setdefault(invoice_id, []).append((child, day, activity, quantity, unit, amount))
    return lines


def amount_row(quantity: int, unit: int, amount: int) -> dict[str, str]:
    """Return the quantity, unit price and amount of a row, with the full amount if capped.

    >>> amount_row(11, 55, 500)
    {'quantity': '11', 'unit': '0,55 €', 'amount': '5,00 €', 'full': '6,05 €'}
    >>> amount_row(4, 50, 200)
    {'quantity': '4', 'unit': '0,50 €', 'amount': '2,00 €'}
    """
    row = {"quantity": str(quantity), "unit": format_cents(unit), "amount": format_cents(amount)}
    if quantity * unit > amount:
        row["full"] = format_cents(quantity * unit)
    return row


def summary_rows(lines: list[tuple]) -> list[dict[str, str]]:
    """Group lines per child, activity and unit price: the quantities and amounts added."""
    groups: dict[tuple, list[int]] = {}
    for child, _when, activity, quantity, unit, amount in lines:
        totals = groups.setdefault((child, activity, unit), [0, 0])
        totals[0] += quantity
        totals[1] += amount
    return [
        {"child": child, "activity": activity, **amount_row(quantity, unit, amount)}
        for (child, activity, unit), (quantity, amount) in groups.items()
    ]


def detail_rows(lines: list[tuple]) -> list[dict[str, str]]:
    """Return one row per child, day and activity."""
    return [
        {
            "child": child,
            "date": _day(day),
            "activity": activity,
            **amount_row(quantity, unit, amount),
        }
        for child, day, activity, quantity, unit, amount in lines
    ]


def printable(org: dict[str, Any]) -> dict[str, Any]:
    """Return a letterhead without its logo if the logo's file has gone missing (it must not
    stop the documents)."""
    logo = org.get("logo", "")
    if logo and not files.absolute(logo.lstrip("/")).is_file():
        return {**org, "logo": ""}
    return org


def current_letterhead() -> tuple[Organisation, dict[str, Any]]:
    """Return the active organisation as stored now and its letterhead, ready to print
    (for documents that print today's letterhead rather than a snapshot)."""
    org = _organisation()
    return org, printable(organisation_block(org))


def _document(invoice: dict, snapshot: dict, lines: list[tuple], detail: bool) -> dict:
    org = printable(snapshot["organisation"])
    corrections = invoice["credited_cents"] + invoice["written_off_cents"]
    is_invoice = invoice["kind"] == Kind.INVOICE
    balance = invoice["open_cents"] if is_invoice else 0
    return {
        "key": invoice["pk"],
        "file_name": file_name(invoice["number"], invoice["pk"]),
        "language": snapshot["language"],
        "kind": invoice["kind"],
        "organisation": org,
        "recipient": snapshot["recipient"],
        "number": invoice["number"],
        "invoice_date": _day(invoice["invoice_date"]),
        "period": _period(invoice["run__date_from"], invoice["run__date_to"]),
        "due_date": _day(invoice["due_date"]),
        "communication": f"+++{ogm_vcs.format(invoice['communication'])}+++",
        "summary": summary_rows(lines),
        "detail": detail_rows(lines) if detail else [],
        "total": format_cents(invoice["total_cents"]),
        "received": format_cents(invoice["paid_cents"]),
        "corrections": format_cents(-corrections) if corrections else "",
        "balance": format_cents(max(balance, 0)),
        "payment": {
            "name": org["name"],
            "iban": org["iban_compact"],
            "bic": org["bic"],
            "amount_cents": balance,
            "reference": invoice["communication"],
        }
        if is_invoice
        else None,
    }


def documents_data(invoice_ids: list[int], *, detail: bool = False) -> list[dict[str, Any]]:
    """Return the documents of posted invoices, in the order of ``invoice_ids``.

    Takes the snapshots that are missing first (an invoice's first document fixes them).
    """
    snapshots_ensure(invoice_ids)
    documents: dict[int, dict] = {}
    for chunk in _chunks(invoice_ids):
        invoices = with_balance(Invoice.objects.filter(pk__in=chunk, posted_at__isnull=False))
        rows = invoices.values(
            "pk",
            "kind",
            "number",
            "communication",
            "invoice_date",
            "due_date",
            "total_cents",
            "credited_cents",
            "written_off_cents",
            "paid_cents",
            "open_cents",
            "run__date_from",
            "run__date_to",
        )
        snapshots = dict(
            InvoiceDocument.objects.filter(invoice_id__in=chunk).values_list(
                "invoice_id", "snapshot"
            )
        )
        lines = _lines(chunk)
        for row in rows:
            documents[row["pk"]] = _document(
                row, snapshots[row["pk"]], lines.get(row["pk"], []), detail
            )
    return [documents[pk] for pk in invoice_ids if pk in documents]
