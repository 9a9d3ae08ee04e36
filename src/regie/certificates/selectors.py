"""Readers of what certificates need: the money received in a year, per person, child and day.

Allocations name invoices, not lines: an invoice's lines are paid in date order, so the money
received before the year paid its first lines and the year's money the next ones
(:func:`regie.certificates.rules.received_in_year`). Only the invoices paid in the year are
read. Those paid whole in the year are summed per invoice, child and day by the database; the
others (paid in part, across two years, written off) are read line by line, a chunk of
invoices at a time, and shared by the rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date

from django.db import connection
from django.db.models import BigIntegerField, Case, Exists, IntegerField, OuterRef, Sum, When
from django.db.models.functions import Cast

from regie.activities.models import ActivityCategory
from regie.billing.models import InvoiceLine, Kind, WriteOff
from regie.certificates import rules
from regie.payments.models import Allocation
from regie.people.models import Child, ChildPerson

CHUNK = 2000


def paid_invoices(year: int) -> dict[int, tuple[int, int, int]]:
    """Return invoice id → (person id, cents received before the year, cents received in it).

    Only invoices that received money in the year; allocations undone do not count.
    """
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    rows = (
        Allocation.objects.filter(
            cancelled=False,
            date__lt=end,
            invoice__kind=Kind.INVOICE,
            invoice__posted_at__isnull=False,
        )
        .values("invoice", "invoice__person")
        .annotate(
            before=Sum(
                Case(When(date__lt=start, then="amount_cents"), default=0),
                output_field=IntegerField(),
            ),
            during=Sum(
                Case(When(date__gte=start, then="amount_cents"), default=0),
                output_field=IntegerField(),
            ),
        )
        .filter(during__gt=0)
        .order_by()
    )
    return {r["invoice"]: (r["invoice__person"], r["before"], r["during"]) for r in rows}


def received_days(year: int) -> dict[tuple[int, int], dict[date, int]]:
    """Return (person id, child id) → {date of the care: cents received in the year}, for the
    tax-deductible categories only.

    Most invoices were paid whole in the year, nothing before it and nothing written off: each
    of their lines was received in full, so the database sums their deductible lines per
    invoice, child and day. The others (paid in part, across two years, written off) go line
    by line through :func:`regie.certificates.rules.received_in_year`, the reference rule;
    ``tests/certificates/test_received_days.py`` checks that both give the same.
    """
    deductible = set(
        ActivityCategory.objects.filter(tax_deductible=True).values_list("pk", flat=True)
    )
    if not deductible:
        return {}
    invoices = paid_invoices(year)
    whole = _paid_whole(year, invoices)
    days: dict[tuple[int, int], dict[date, int]] = defaultdict(lambda: defaultdict(int))
    summed = (
        InvoiceLine.objects.filter(_money_in(year), amount_cents__gt=0, category__in=deductible)
        .values("invoice", "child", "date")
        .annotate(cents=_total("amount_cents"))
        .order_by()
        .values_list("invoice", "child", "date", "cents")
    )
    for invoice_id, child, day, cents in _plain_rows(summed):
        if invoice_id in whole:
            days[invoices[invoice_id][0], child][day] += cents
    rest = sorted(invoice_id for invoice_id in invoices if invoice_id not in whole)
    for first in range(0, len(rest), CHUNK):
        chunk = rest[first : first + CHUNK]
        written_off = _written_off(chunk)
        for invoice_id, lines in _lines(chunk):
            person, before, during = invoices[invoice_id]
            due = [(line, amount - written_off.get(line[0], 0)) for line, amount in lines]
            paid = rules.received_in_year(due, before_cents=before, during_cents=during)
            for (_pk, child, day, category), cents in paid.items():
                if category in deductible:
                    days[person, child][day] += cents
    return {key: dict(value) for key, value in days.items()}


def _plain_rows(queryset, size: int = 20000) -> Iterator[tuple]:
    """Yield the rows of a ``values_list`` of (id, id, date, integer) as the driver reads
    them, a chunk at a time: Django's converters cost more than the query for two million
    rows. A date the driver gives as text (SQLite may) is read as a date."""
    sql, params = queryset.query.sql_with_params()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(size):
            for a, b, day, c in rows:
                yield a, b, day if isinstance(day, date) else date.fromisoformat(day), c


def _total(field: str) -> Cast:
    """A sum of cents as an integer: PostgreSQL sums big integers as ``numeric``, which
    arrives as a ``Decimal`` that Django then converts back, row by row."""
    return Cast(Sum(field), BigIntegerField())


def _money_in(year: int) -> Exists:
    """The condition on invoice lines: their invoice received money in ``year``."""
    return Exists(
        Allocation.objects.filter(
            invoice=OuterRef("invoice"),
            cancelled=False,
            date__gte=date(year, 1, 1),
            date__lt=date(year + 1, 1, 1),
        )
    )


def _paid_whole(year: int, invoices: dict[int, tuple[int, int, int]]) -> set[int]:
    """Return the invoices of ``invoices`` whose lines were all received in full in the year:
    nothing received before it, at least their lines' amount in it, nothing written off."""
    due = (
        InvoiceLine.objects.filter(_money_in(year), amount_cents__gt=0)
        .values("invoice")
        .annotate(cents=_total("amount_cents"))
        .order_by()
        .values_list("invoice", "cents")
    )
    written_off = set(
        WriteOff.objects.filter(_money_in(year)).values_list("invoice", flat=True).distinct()
    )
    return {
        invoice_id
        for invoice_id, cents in due
        if invoice_id in invoices
        and invoice_id not in written_off
        and invoices[invoice_id][1] == 0
        and invoices[invoice_id][2] >= cents
    }


def _written_off(invoice_ids: list[int]) -> dict[int, int]:
    """Return line id → cents written off (reversals included, as negative spreads)."""
    found: dict[int, int] = defaultdict(int)
    spreads = WriteOff.objects.filter(invoice__in=invoice_ids).values_list("spread", flat=True)
    for spread in spreads:
        for line_id, cents in spread.items():
            found[int(line_id)] += cents
    return found


def _lines(invoice_ids: list[int]) -> Iterator[tuple[int, list]]:
    """Yield each invoice's lines in the order they are paid: (key, amount) pairs."""
    rows = (
        InvoiceLine.objects.filter(invoice__in=invoice_ids)
        .order_by("invoice", "date", "pk")
        .values_list("invoice", "pk", "child", "date", "category", "amount_cents")
    )
    current, lines = None, []
    for invoice_id, pk, child, day, category, amount in rows.iterator(chunk_size=5000):
        if invoice_id != current and lines:
            yield current, lines
            lines = []
        current = invoice_id
        lines.append(((pk, child, day, category), amount))
    if lines:
        yield current, lines


def payers(year: int) -> list[rules.Payer]:
    """Return what each person paid in the year for each child's deductible care."""
    days = received_days(year)
    children = {
        c["pk"]: c
        for c in Child.objects.filter(pk__in={child for _person, child in days}).values(
            "pk", "birth_date", "severe_disability"
        )
    }
    attestable = set(
        ChildPerson.objects.filter(attestable=True, child__in=children.keys()).values_list(
            "person", "child"
        )
    )
    return [
        rules.Payer(
            person=person,
            child=child,
            attestable=(person, child) in attestable,
            birth_date=children[child]["birth_date"],
            severe_disability=children[child]["severe_disability"],
            days=paid,
        )
        for (person, child), paid in sorted(days.items())
    ]
