"""The invoice kind of document: posted invoices of a billing run or of a selection."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from regie.billing.models import BillingRun, Invoice, Kind
from regie.core.errors import DomainError, gettext_noop
from regie.documents.data import documents_data, documents_refresh
from regie.documents.kinds import DocumentKind, Recipient

INVOICE = "invoice"

#: The e-mail of an organisation that wrote none of its own, translated to each language.
DEFAULT_SUBJECT = gettext_noop("Invoice {{ number }} – {{ organisation }}")
DEFAULT_BODY = gettext_noop(
    "Hello {{ person }},\n\n"
    "Please find attached invoice {{ number }} for an amount of {{ total }}.\n"
    "Balance to pay: {{ balance }}, before {{ due_date }}, to account {{ iban }} "
    "with the structured communication {{ communication }}.\n\n"
    "Kind regards,\n{{ organisation }}\n"
)


def batch_invoices(*, group: int | None = None, ids=None):
    """Return the ids of the posted invoices (not credit notes) of a run or of a selection,
    by number (a query: ``list()`` it, or use it as a subquery)."""
    invoices = Invoice.objects.filter(kind=Kind.INVOICE, posted_at__isnull=False)
    if group is not None:
        invoices = invoices.filter(run_id=group)
    else:
        invoices = invoices.filter(pk__in=list(ids or []))
    return invoices.order_by("number", "pk").values_list("pk", flat=True)


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


def recipients(ids: list[int]) -> dict[int, Recipient]:
    """Return the person of each invoice and the channel the person chose."""
    rows = Invoice.objects.filter(pk__in=list(ids)).values_list(
        "pk", "person_id", "person__delivery", "person__email", "person__language"
    )
    return {pk: Recipient(*recipient) for pk, *recipient in rows}


def describe(ids: list[int]) -> dict[int, tuple[str, str]]:
    """Return each invoice's number and page."""
    rows = Invoice.objects.filter(pk__in=list(ids)).values_list("pk", "number")
    return {pk: (number, reverse("billing:invoice", args=[pk])) for pk, number in rows}


def run_describe(run_id: int) -> tuple[str, str]:
    """Return a billing run's label and page."""
    run = BillingRun.objects.filter(pk=run_id).first()
    if run is None:
        return "—", ""
    first, last = f"{run.date_from:%d/%m/%Y}", f"{run.date_to:%d/%m/%Y}"
    return _("run from %(first)s to %(last)s") % {"first": first, "last": last}, (
        run.get_absolute_url()
    )


INVOICE_KIND = DocumentKind(
    key=INVOICE,
    label=gettext_lazy("invoices"),
    template="invoice.typ",
    data=documents_data,
    select=batch_invoices,
    recipients=recipients,
    describe=describe,
    group_describe=run_describe,
    file_stem="factures",
    email_subject=DEFAULT_SUBJECT,
    email_body=DEFAULT_BODY,
    numbered=invoices_numbered,
    refresh=documents_refresh,
)
