"""Read the organisation's documents as the accounting export sees them (selectors).

:func:`sources` returns the documents that may travel in an export ending on a date (the
posted invoices and credit notes, the reminders' fees), :func:`exported` what earlier exports
carried for them, and :func:`documents_for` the details the formats write.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time
from decimal import Decimal

from django.db import connection
from django.db.models import Exists, F, Lookup, OuterRef, Q, QuerySet
from django.utils import timezone

from regie.billing.models import Invoice, Kind, WriteOff
from regie.billing.selectors import status_conditions, with_balance
from regie.dunning.models import Reminder
from regie.exports import accounting
from regie.exports.accounting import Exported, Item, Source
from regie.exports.documents import Line, Party
from regie.exports.models import (
    BudgetArticle,
    DebtorId,
    ExportItem,
    ExportSettings,
)
from regie.payments.models import Payment
from regie.people.models import Person

CHUNK = 2000
# Issue 16 (services) registers here the readers of its documents: f(date_from, date_to)
# returning Sources, and of their details: f(items) returning {key: Document}; and what
# amends the documents read (its invoices' budget articles): f({key: Document}) → the same.
SOURCE_READERS: list = []
DETAIL_READERS: list = []
DOCUMENT_AMENDERS: list = []


def settings_of() -> ExportSettings:
    """Return the organisation's export settings (the defaults until saved)."""
    return ExportSettings.objects.first() or ExportSettings()


def _chunks(values: Sequence, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


class AnyOf(Lookup):
    """``field = ANY(array)``: one parameter for thousands of keys (PostgreSQL only)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*params, list(self.rhs)]


def keyed(queryset: QuerySet, field: str, keys: Sequence) -> Iterator[QuerySet]:
    """Yield the querysets of the rows whose ``field`` is one of ``keys``: one query with an
    array on PostgreSQL (binding 40,000 placeholders costs the client more than the query),
    chunks of ``field__in`` elsewhere."""
    if connection.vendor == "postgresql":
        if keys:
            yield queryset.filter(AnyOf(F(field), list(keys)))
        return
    for chunk in _chunks(list(keys)):
        yield queryset.filter(**{f"{field}__in": chunk})


def _dated_or_posted_since(date_from: date) -> Q:
    """Invoices dated from ``date_from``, or dated earlier and posted since (a run posted after
    its invoice date travels in the export whose range holds its posting)."""
    posted_since = timezone.make_aware(datetime.combine(date_from, time.min))
    return Q(invoice_date__gte=date_from) | Q(posted_at__gte=posted_since)


def invoice_sources(date_from: date, date_to: date) -> list[Source]:
    """Return posted invoices and credit notes dated in the range, posted since its start
    (dated earlier: a run posted after its invoice date travels in the next export) or ever
    written off."""
    written = WriteOff.objects.filter(invoice=OuterRef("pk"))
    rows = (
        Invoice.objects.filter(posted_at__isnull=False, invoice_date__lte=date_to)
        .filter(_dated_or_posted_since(date_from) | Exists(written))
        .order_by("invoice_date", "number")
        .values_list("pk", "kind", "number", "invoice_date", "total_cents", "posted_at")
    )
    offs: dict[int, tuple[int, date]] = {}
    for invoice_id, cents, day in WriteOff.objects.filter(
        invoice__invoice_date__lte=date_to
    ).values_list("invoice_id", "amount_cents", "date"):
        total, last = offs.get(invoice_id, (0, day))
        offs[invoice_id] = (total + cents, max(last, day))
    result = []
    for pk, kind, number, day, total, posted_at in rows:
        written_off, changed = offs.get(pk, (0, day))
        posted = timezone.localtime(posted_at).date()
        amount = total - written_off
        source_kind = accounting.CREDIT_NOTE if kind == Kind.CREDIT_NOTE else accounting.INVOICE
        key = f"invoice:{pk}"
        result.append(Source(key, source_kind, number, day, amount, str(amount), changed, posted))
    return result


def fee_sources(date_from: date, date_to: date) -> list[Source]:
    """Return the reminders' fees issued in the range, or cancelled since."""
    rows = (
        Reminder.objects.filter(fee_cents__gt=0, issued_on__lte=date_to)
        .filter(Q(issued_on__gte=date_from) | Q(cancelled_at__isnull=False))
        .order_by("issued_on", "number")
        .values_list("pk", "number", "issued_on", "fee_cents", "cancelled_at")
    )
    result = []
    for pk, number, day, fee, cancelled_at in rows:
        amount = 0 if cancelled_at else fee
        changed = cancelled_at.date() if cancelled_at else day
        key = f"reminder:{pk}"
        result.append(
            Source(key, accounting.REMINDER_FEE, number, day, amount, str(amount), changed)
        )
    return result


def payment_sources(date_from: date, date_to: date) -> list[Source]:
    """Return the payments received in the range, or cancelled since (then worth 0)."""
    rows = (
        Payment.objects.filter(date__lte=date_to)
        .filter(Q(date__gte=date_from) | Q(cancelled_at__isnull=False))
        .order_by("date", "pk")
        .values_list("pk", "date", "amount_cents", "cancelled_at", "receipt_number")
    )
    result = []
    for pk, day, cents, cancelled_at, receipt in rows:
        amount = 0 if cancelled_at else cents
        changed = cancelled_at.date() if cancelled_at else day
        number = payment_number(day, receipt, pk)
        result.append(
            Source(f"payment:{pk}", accounting.PAYMENT, number, day, amount, str(amount), changed)
        )
    return result


def payment_number(day: date, receipt: str, pk: int) -> str:
    """Return the number a payment travels under: its receipt's, else its date and order.

    >>> payment_number(date(2026, 3, 2), "", 17), payment_number(date(2026, 3, 2), "R-4", 17)
    ('PAY/20260302/17', 'PAY/20260302/R-4')
    """
    return f"PAY/{day:%Y%m%d}/{receipt or pk}"


def invoices_with_status(date_from: date, date_to: date, statuses: Sequence[str]) -> set[str]:
    """Return the keys of the invoices dated in the range (or before it and posted since its
    start) whose status is one of ``statuses`` today (:mod:`regie.billing.selectors`: open,
    partly paid, paid, overdue, credited)."""
    conditions = status_conditions()
    wanted = Q(pk__in=[])
    for status in statuses:
        wanted |= conditions[status]
    invoices = with_balance(
        Invoice.objects.filter(kind=Kind.INVOICE, invoice_date__lte=date_to).filter(
            _dated_or_posted_since(date_from)
        )
    ).filter(wanted)
    return {f"invoice:{pk}" for pk in invoices.values_list("pk", flat=True)}


def sources(
    date_from: date, date_to: date, kinds: Sequence[str] = accounting.KINDS
) -> list[Source]:
    """Return every document that may travel in an export of the range."""
    found = invoice_sources(date_from, date_to) + fee_sources(date_from, date_to)
    if accounting.PAYMENT in kinds:
        found += payment_sources(date_from, date_to)
    for reader in SOURCE_READERS:
        found += reader(date_from, date_to)
    return found


def exported(keys: Iterable[str]) -> tuple[dict[str, Exported], dict[str, dict[str, int]]]:
    """Return what earlier exports carried per document, and its net cents per article."""
    items: list[Item] = []
    articles: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for rows in keyed(ExportItem.objects.order_by("pk"), "source", sorted(set(keys))):
        for row in rows.values(
            "source", "kind", "number", "action", "amount_cents", "fingerprint", "version",
            "articles",
        ):  # fmt: skip
            items.append(
                Item(
                    row["source"],
                    row["kind"],
                    row["number"],
                    row["action"],
                    row["amount_cents"],
                    row["fingerprint"],
                    row["version"],
                )  # fmt: skip
            )
            for article, cents in row["articles"].items():
                articles[row["source"]][article] += cents
    return accounting.exported_after([], items), articles


def party_of(person: Person, options: ExportSettings) -> Party:
    """Return a person as a debtor, with the identifiers the settings ask for.

    A company (a person with an enterprise number, ``people.Person.enterprise_number``)
    always carries it: UBL reaches it at that number (scheme 0208). A consumer carries the
    national number only when the settings identify debtors by it.
    """
    number = person.enterprise_number
    national = person.national_number if options.debtor_id == DebtorId.NATIONAL else ""
    return Party(
        reference=f"P{person.pk}",
        name=" ".join(part for part in (person.last_name, person.first_name) if part),
        street=person.street,
        postcode=person.postcode,
        city=person.city,
        country=person.country or "BE",
        email=person.email,
        national_number="" if number else national,
        enterprise_number=number,
    )


class Articles:
    """The budget article and VAT of each activity category, with the settings' defaults."""

    def __init__(self, options: ExportSettings) -> None:
        self.default = (options.default_article, "O", Decimal("0"))
        self.by_category = {
            a.category_id: (a.article, a.vat_category, Decimal(a.vat_rate))
            for a in BudgetArticle.objects.all()
        }

    def of(self, category_id: int | None) -> tuple[str, str, Decimal]:
        return self.by_category.get(category_id, self.default)


def article_key(line: Line) -> str:
    """Return the key under which an item stores a line's cents: article, VAT, rate."""
    return _article_key(line.article, line.vat_category, line.vat_rate)


@functools.lru_cache(maxsize=1024)
def _article_key(article: str, vat: str, rate: Decimal) -> str:
    return f"{article}|{vat}|{rate.normalize()}"


def article_lines(articles: dict[str, int], label: str) -> tuple[Line, ...]:
    """Return the lines of a reversal: the cents exported per article, as positive amounts.

    >>> [(x.article, x.amount_cents) for x in article_lines({"835/161-48|O|0": 5000}, "x")]
    [('835/161-48', 5000)]
    """
    lines = []
    for key, cents in sorted(articles.items()):
        if cents:
            article, vat, rate = key.split("|")
            lines.append(Line(label, abs(cents), article, vat_category=vat, vat_rate=Decimal(rate)))
    return tuple(lines)
