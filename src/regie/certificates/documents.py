"""The tax certificate as a kind of document: printed, batched, e-mailed and posted like
invoices by the documents app (:mod:`regie.documents.kinds`), in the person's language."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy

from regie.certificates.models import Certificate, CertificateBatch
from regie.core.errors import gettext_noop
from regie.core.models import Organisation
from regie.core.money import format_cents
from regie.core.tenancy import current_organisation
from regie.documents.data import organisation_block, recipient_block
from regie.documents.kinds import DocumentKind, Recipient

CERTIFICATE = "certificate"
DEFAULT_SUBJECT = gettext_noop("Tax certificate {{ number }} – {{ organisation }}")
DEFAULT_BODY = gettext_noop(
    "Hello {{ person }},\n\n"
    "Please find attached your tax certificate {{ number }} for childcare costs (form "
    "281.86), to keep with your tax return.\n\n"
    "Kind regards,\n{{ organisation }}\n"
)


def _day(value: str) -> str:
    return date.fromisoformat(value).strftime("%d/%m/%Y")


def certificates_data(ids: list[int], *, detail: bool = False) -> list[dict[str, Any]]:
    """Return the documents of certificates, in the order of ``ids``."""
    org = Organisation.objects.get(pk=current_organisation().pk)
    letterhead = organisation_block(org)
    # Not the batch's problems: a copy per certificate cost 1.2 MB each for a year of 1,300
    # problems, 18 GB for a large commune's (bench/statistics.py).
    rows = (
        Certificate.objects.filter(pk__in=list(ids))
        .select_related("person", "child", "batch")
        .defer("batch__problems")
    )
    found = {certificate.pk: _document(certificate, org, letterhead) for certificate in rows}
    return [found[pk] for pk in ids if pk in found]


def _document(certificate: Certificate, org: Organisation, letterhead: dict) -> dict:
    person, child = certificate.person, certificate.child
    return {
        "key": certificate.pk,
        "file_name": f"attestation-281-86-{certificate.reference}.pdf",
        "language": person.language or org.language,
        "number": certificate.reference,
        "year": str(certificate.batch.year),
        "organisation": letterhead,
        "recipient": recipient_block(person),
        "national_number": person.masked_national_number,
        "child": f"{child.first_name} {child.last_name}".strip(),
        "birth_date": child.birth_date.strftime("%d/%m/%Y"),
        "periods": [
            {
                "start": _day(period["start"]),
                "end": _day(period["end"]),
                "days": str(period["days"]),
                "daily": format_cents(period["daily"]) if period["daily"] else "",
                "amount": format_cents(period["amount"]),
            }
            for period in certificate.periods
        ],
        "total": format_cents(certificate.total_cents),
        "payment": None,
    }


def certificate_ids(*, group: int | None = None, ids=None):
    """Return the ids of a batch's certificates (or of a selection), by reference."""
    certificates = Certificate.objects.all()
    if group is not None:
        certificates = certificates.filter(batch_id=group)
    else:
        certificates = certificates.filter(pk__in=list(ids or []))
    return certificates.order_by("batch", "sequence").values_list("pk", flat=True)


def recipients(ids: list[int]) -> dict[int, Recipient]:
    """Return the person of each certificate and the channel the person chose."""
    rows = Certificate.objects.filter(pk__in=list(ids)).values_list(
        "pk", "person_id", "person__delivery", "person__email", "person__language"
    )
    return {pk: Recipient(*recipient) for pk, *recipient in rows}


def describe(ids: list[int]) -> dict[int, tuple[str, str]]:
    """Return each certificate's reference and page."""
    rows = Certificate.objects.filter(pk__in=list(ids)).select_related("batch")
    rows = rows.defer("batch__problems")
    return {c.pk: (c.reference, c.get_absolute_url()) for c in rows}


def batch_describe(batch_id: int) -> tuple[str, str]:
    """Return a batch's label and page."""
    batch = CertificateBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        return "—", ""
    return f"281.86 {batch.year}", reverse("certificates:batch", args=[batch.pk])


CERTIFICATE_KIND = DocumentKind(
    key=CERTIFICATE,
    label=gettext_lazy("tax certificates"),
    template="certificate.typ",
    folder=Path(__file__).parent / "typst",
    data=certificates_data,
    select=certificate_ids,
    recipients=recipients,
    describe=describe,
    group_describe=batch_describe,
    file_stem="attestations",
    email_subject=DEFAULT_SUBJECT,
    email_body=DEFAULT_BODY,
)
