"""Any pivot's grand total equals the same measure computed from the invoices, the payments
and the write-offs directly, whatever its rows, columns and filters; rows and columns add up."""

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests import factories as f
from tests.certificates.builders import days, invoice_post, kinds_create, pay

from regie.billing.corrections import invoice_credit, write_off_create
from regie.billing.models import InvoiceLine, Kind, WriteOff
from regie.payments.models import Allocation, Payment
from regie.people.models import SchoolSite
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
        return sum(sign[x.invoice.kind] * x.amount_cents for x in chosen)
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
    return {
        "amount": invoiced,
        "received": received,
        "written_off": written_off,
        "balance": invoiced - received - written_off,
    }[query.measure]


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
