"""The payment request of a service file paid in advance, as a kind of document (DOMAIN §8).

One document per file *version* (its id is the :class:`FileVersion`'s): what the applicant
owes for that version — the file (service, description, period), its lines, the total — and
how to pay it: a transfer with the version's structured communication and the EPC QR code,
online through the file's payment page (when the organisation offers it) or at the counter
(the service's words for it, else the organisation's address). Printed and e-mailed by the
documents app like any kind (``kind_register`` in the app's ``ready()``); sent when the version
is pushed (:mod:`regie.fees.requests`).

A version that is no longer the current one, a file paid or cancelled, asks for nothing: the
document says so instead of the payment box.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy

from regie.core.errors import gettext_noop
from regie.core.money import format_cents
from regie.documents.data import current_letterhead, recipient_block
from regie.documents.kinds import DocumentKind, Recipient, no_group
from regie.fees import mollie
from regie.fees.models import FileState, FileVersion, ServiceFile, Way
from regie.fees.payments import file_open

PAYMENT_REQUEST = "payment_request"
TYPST = Path(__file__).resolve().parent / "typst"


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def quantity_text(quantity: Decimal) -> str:
    """Return a quantity as printed: no useless decimals, a decimal comma.

    >>> quantity_text(Decimal("2.000")), quantity_text(Decimal("2.500"))
    ('2', '2,5')
    """
    text = f"{quantity.normalize():f}"
    return text.replace(".", ",")


def period_text(first: date | None, last: date | None) -> str:
    """Return the file's period, "04/05/2026 – 05/05/2026" (one day: once; none: "").

    >>> period_text(date(2026, 5, 4), date(2026, 5, 5))
    '04/05/2026 – 05/05/2026'
    >>> period_text(date(2026, 5, 4), date(2026, 5, 4)), period_text(None, None)
    ('04/05/2026', '')
    """
    if first and last and first != last:
        return f"{_day(first)} – {_day(last)}"
    return _day(first or last)


def note_of(file: ServiceFile, version: FileVersion, due: int) -> str:
    """Return why a version asks for nothing ("paid", "cancelled", "replaced"), or ""."""
    if file.state == FileState.CANCELLED:
        return "cancelled"
    if version.number != file.version:
        return "replaced"
    if file.state == FileState.PAID or due <= 0:
        return "paid"
    return ""


def request_ids(*, group: int | None = None, ids=None):
    """Return the versions among ``ids`` of files paid in advance (requests have no group)."""
    versions = FileVersion.objects.filter(file__way=Way.ADVANCE)
    versions = versions.filter(pk__in=[] if group is not None else list(ids or []))
    return versions.order_by("pk").values_list("pk", flat=True)


def recipients(ids: list[int]) -> dict[int, Recipient]:
    """Return the applicant of each version's file and the channel the applicant chose."""
    rows = FileVersion.objects.filter(pk__in=list(ids)).values_list(
        "pk",
        "file__person_id",
        "file__person__delivery",
        "file__person__email",
        "file__person__language",
    )
    return {pk: Recipient(*recipient) for pk, *recipient in rows}


def describe(ids: list[int]) -> dict[int, tuple[str, str]]:
    """Return each request's name (the file's reference and version) and the file's page."""
    rows = FileVersion.objects.filter(pk__in=list(ids)).values_list(
        "pk", "number", "file_id", "file__external_id"
    )
    return {
        pk: (f"{external_id} v{number}", reverse("fees-files:file-detail", args=[file_id]))
        for pk, number, file_id, external_id in rows
    }


def _pay_online(file: ServiceFile, language: str) -> dict[str, str]:
    """The file's own payment page (offered when the organisation offers online payment)."""
    with translation.override(language):
        label = gettext("Pay online:")
    url = settings.REGIE_PUBLIC_URL + reverse("fees:pay", args=[file.pay_token])
    return {"url": url, "label": label}


def _counter(file: ServiceFile, org: dict, language: str) -> list[str]:
    own = file.service.counter(language).strip()
    if own:
        return [line.strip() for line in own.splitlines() if line.strip()]
    return [org["name"], *org["address"]]


def _request(version: FileVersion, org: dict, language: str, online: bool) -> dict[str, Any]:
    file = version.file
    due = file_open(file) if version.number == file.version else 0
    note = note_of(file, version, due)
    document = {
        "key": version.pk,
        "file_name": f"payment-request-{version.communication}.pdf",
        "language": language,
        "organisation": org,
        "recipient": recipient_block(file.person),
        "number": file.external_id,
        "service": file.service.name,
        "description": file.description,
        "period": period_text(file.date_from, file.date_to),
        "date": _day(version.created_at.date()),
        "version": str(version.number),
        "lines": [
            {
                "label": line.label,
                "quantity": quantity_text(line.quantity),
                "unit": format_cents(line.unit_cents),
                "amount": format_cents(line.amount_cents),
            }
            for line in version.lines.all()
        ],
        "total": format_cents(version.amount_cents),
        "balance": format_cents(due),
        "due_date": _day(file.due_date),
        "communication": f"+++{version.communication[:3]}/{version.communication[3:7]}/"
        f"{version.communication[7:]}+++",
        "counter": _counter(file, org, language),
        "note": note,
        "payment": None,
    }
    if not note:
        document["payment"] = {
            "name": org["name"],
            "iban": org["iban_compact"],
            "bic": org["bic"],
            "amount_cents": due,
            "reference": version.communication,
        }
        if online:
            document["pay_online"] = _pay_online(file, language)
    return document


def requests_data(ids: list[int], *, detail: bool = False) -> list[dict[str, Any]]:
    """Return the payment requests of versions, in the order of ``ids``."""
    org, letterhead = current_letterhead()
    versions = (
        FileVersion.objects.filter(pk__in=list(ids), file__way=Way.ADVANCE)
        .select_related("file__person", "file__service")
        .prefetch_related("lines")
    )
    online = mollie.is_configured(org)
    documents = {
        v.pk: _request(v, letterhead, v.file.person.language or org.language, online)
        for v in versions
    }
    return [documents[pk] for pk in ids if pk in documents]


PAYMENT_REQUEST_KIND = DocumentKind(
    key=PAYMENT_REQUEST,
    label=gettext_lazy("payment requests"),
    template="payment_request.typ",
    folder=TYPST,
    data=requests_data,
    select=request_ids,
    recipients=recipients,
    describe=describe,
    group_describe=no_group,
    file_stem="demandes-paiement",
    email_subject=gettext_noop("Payment request {{ number }} – {{ organisation }}"),
    email_body=gettext_noop(
        "Hello {{ person }},\n\n"
        "Your file {{ number }} is approved. It is paid in advance: please pay {{ balance }} "
        "before {{ due_date }} to account {{ iban }} with the structured communication "
        "{{ communication }}, or at our counter. The permit is issued once the payment is "
        "received. The payment request is attached.\n\n"
        "Kind regards,\n{{ organisation }}\n"
    ),
)
