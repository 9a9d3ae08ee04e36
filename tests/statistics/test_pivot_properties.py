"""Any pivot's grand total equals the same measure computed from the invoices, the payments
and the write-offs directly, whatever its rows, columns and filters; rows and columns add up."""

from collections import defaultdict
from datetime import date

import pytest
from django.utils.translation import override
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests import factories as f
from tests.certificates.builders import days, invoice_post, kinds_create, pay

from regie.billing.corrections import invoice_credit, write_off_create
from regie.billing.models import Invoice, InvoiceLine, Kind, WriteOff
from regie.dunning.plans import plan_create
from regie.payments.models import Allocation, Payment
from regie.people.models import SchoolSite
from regie.statistics.allocation import paid_in_order
from regie.statistics.pivot import Query, pivot_compute
from regie.statistics.sources import SOURCES

pytestmark = pytest.mark.django_db

DATES = st.sampled_from([None, date(2026, 1, 1), date(2026, 2, 15), date(2026, 3, 31)])


def world():
    """Three families, invoices over two months and three categories, part paid, one written
    off, one credited."""
    kinds = kinds_create()
    sites = [SchoolSite.objects.create(name=n) for n in ("École A", "École B")]
    invoices = []
    for n, (first, site) in enumerate([("Anne", sites[0]), ("Marc", sites[1]), ("Zoé", None)]):
        parent = f.person("Famille", first)
        child = f.child(first, parent=parent)
        child.site = site
        child.save()
        for month in (1, 2):
            lines = [(d, kinds.care, 150 + n) for d in days(date(2026, month, 5), 4)]
            lines += [
                (date(2026, month, 20), kinds.camp, 2000),
                (date(2026, month, 9), kinds.meals, 310),
            ]
            invoices.append(invoice_post(parent, child, lines, day=date(2026, month, 28)))
    pay(invoices[0], invoices[0].total_cents, date(2026, 2, 3))
    pay(invoices[1], 1000, date(2026, 3, 10))
    pay(invoices[2], 500, date(2026, 3, 12))
    write_off_create(invoice=invoices[3], kind="error", amount_cents=700, day=date(2026, 3, 2))
    invoice_credit(invoice=invoices[4], day=date(2026, 3, 5))
    plan_create(
        person=invoices[5].person,
        invoices=[invoices[5]],
        frequency="monthly",
        first_due=date(2026, 4, 1),
        count=2,
        day=date(2026, 3, 20),
    )
    return kinds


def within(day, query) -> bool:
    return (query.date_from is None or day >= query.date_from) and (
        query.date_to is None or day <= query.date_to
    )


def expected(query: Query) -> int:
    """The measure computed without the pivot: from invoices, lines, payments, write-offs."""
    sign = {Kind.INVOICE: 1, Kind.CREDIT_NOTE: -1}
    lines = InvoiceLine.objects.filter(invoice__posted_at__isnull=False).select_related("invoice")
    lines = [x for x in lines if not query.categories or x.category_id in query.categories]
    if query.source == "lines":
        chosen = [x for x in lines if within(x.date, query)]
        if query.measure == "count":
            return len(chosen)
        amount = sum(sign[x.invoice.kind] * x.amount_cents for x in chosen)
        written, received = line_parts()
        written_off = sum(written.get(x.pk, 0) for x in chosen)
        paid = sum(received.get(x.pk, 0) for x in chosen)
        return measured(query.measure, amount, paid, written_off)
    if query.source == "payments":
        payments = [
            p for p in Payment.objects.filter(cancelled_at__isnull=True) if within(p.date, query)
        ]
        return len(payments) if query.measure == "count" else sum(p.amount_cents for p in payments)
    invoiced = sum(
        sign[x.invoice.kind] * x.amount_cents
        for x in lines
        if within(x.invoice.invoice_date, query)
    )
    received = sum(  # an allocation undone later counts until the day it was undone
        a.amount_cents * (within(a.date, query) - (a.cancelled and within(a.cancelled_on, query)))
        for a in Allocation.objects.all()
    )
    written_off = sum(w.amount_cents for w in WriteOff.objects.all() if within(w.date, query))
    return measured(query.measure, invoiced, received, written_off)


def measured(measure: str, invoiced: int, received: int, written_off: int) -> int:
    balance = invoiced - received - written_off
    return {"amount": invoiced, "received": received, "written_off": written_off}.get(
        measure, balance
    )


def line_parts() -> tuple[dict[int, int], dict[int, int]]:
    """Return line id → cents written off, and line id → cents received, from the write-offs'
    spreads and each invoice's allocations shared by the pure rule, lines in date order."""
    written: dict[int, int] = defaultdict(int)
    for write_off in WriteOff.objects.all():
        for line_id, cents in write_off.spread.items():
            written[int(line_id)] += cents
    received: dict[int, int] = {}
    for invoice in Invoice.objects.filter(kind=Kind.INVOICE, posted_at__isnull=False):
        paid = sum(
            a.amount_cents for a in Allocation.objects.filter(invoice=invoice, cancelled=False)
        )
        lines = list(invoice.lines.order_by("date", "pk"))
        dues = [x.amount_cents - written[x.pk] for x in lines]
        parts = paid_in_order(dues, paid)
        assert sum(parts) == paid
        received.update({x.pk: part for x, part in zip(lines, parts, strict=True)})
    return written, received


@st.composite
def queries(draw, category_ids):
    source = draw(st.sampled_from(sorted(SOURCES)))
    dimensions = sorted(SOURCES[source].dimensions)
    rows = draw(st.sampled_from(dimensions))
    columns = draw(st.sampled_from(["", *[d for d in dimensions if d != rows]]))
    measure = draw(st.sampled_from(sorted(SOURCES[source].measures)))
    start, end = draw(DATES), draw(DATES)
    ledger_split = source == "receivables" and measure != "amount"
    categories = (
        ()
        if source == "payments" or ledger_split
        else draw(st.sampled_from([(), tuple(category_ids[:1]), tuple(category_ids[1:])]))
    )
    return Query(source, rows, columns, measure, start, end, categories)


def test_any_pivots_grand_total_is_the_measure_computed_directly(in_a):
    kinds = world()
    category_ids = [kinds.care.category_id, kinds.camp.category_id, kinds.meals.category_id]

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(queries(category_ids))
    def check(query):
        pivot = pivot_compute(query)
        assert pivot.total == expected(query), query
        assert sum(pivot.row_totals.values()) == pivot.total
        assert sum(pivot.column_totals.values()) == pivot.total
        for key, _label in pivot.rows:
            cells = [pivot.cells.get((key, column), 0) for column, _l in pivot.columns]
            assert sum(cells) == pivot.row_totals[key]

    check()


def test_the_lines_money_is_the_ledgers_by_site_status_and_plan(in_a):
    """Unfiltered, received, written off and balance over the lines are the ledger's."""
    world()
    for measure in ("received", "written_off", "balance"):
        ledger = pivot_compute(Query("receivables", "category", measure=measure))
        for rows, columns in (("site", "status"), ("plan", "tariff"), ("place", "month")):
            lines = pivot_compute(Query("lines", rows, columns, measure=measure))
            assert lines.total == ledger.total, (measure, rows, columns)


@override("en")
def test_status_and_plan_name_every_invoice(in_a):
    world()
    by_status = pivot_compute(Query("lines", "status", measure="count"))
    labels = dict(by_status.rows)
    assert {"paid", "overdue", "credited", "credit_note"} <= set(labels)
    assert labels["credit_note"] == "credit note"
    by_plan = pivot_compute(Query("lines", "plan", measure="balance"))
    assert dict(by_plan.rows) == {"active": "in an active plan", "none": "not in a payment plan"}
    held = pivot_compute(Query("lines", "plan", measure="count"))
    assert (
        held.row_totals["active"]
        == InvoiceLine.objects.filter(
            invoice__person__first_name="Zoé", invoice__invoice_date__month=2
        ).count()
    )
