"""What certificates count as received in a year equals the reference rule, line by line.

``selectors.received_days`` lets the database sum the lines of the invoices paid whole in the
year and sends only the others through :func:`regie.certificates.rules.received_in_year`. This
property checks, on any mix of invoices (lines before and in the year, deductible or not,
negative or nothing), payments before, during and after the year, payments undone and
write-offs, that it gives exactly what the rule gives applied to every invoice's lines.
"""

from collections import defaultdict
from datetime import date, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests import factories as f
from tests.certificates.builders import invoice_post, kinds_create, pay

from regie.activities.models import ActivityCategory
from regie.billing.corrections import write_off_create
from regie.billing.models import Invoice, Kind, WriteOff
from regie.billing.selectors import with_balance
from regie.certificates import rules, selectors
from regie.payments.models import Allocation
from regie.payments.services import payment_cancel

pytestmark = pytest.mark.django_db

YEAR = 2026
CARE_DAYS = st.sampled_from([date(2025, 11, 28), date(2025, 12, 15), date(2026, 1, 5)])
PAY_DAYS = st.sampled_from(
    [date(2026, 1, 10), date(2025, 12, 20), date(2026, 6, 1), date(2026, 12, 31), date(2027, 1, 4)]
)
PERCENT = st.sampled_from([100, 100, 100, 60, 25, 1])
LINE = st.tuples(
    CARE_DAYS,
    st.integers(0, 3),  # days after: lines in date order need not be in the order written
    st.sampled_from(["care", "camp", "meals"]),
    st.sampled_from([200, 2500, 310, 0, 150]),
)
INVOICE = st.fixed_dictionaries(
    {
        "family": st.integers(0, 1),
        "lines": st.lists(LINE, min_size=1, max_size=6),
        "payments": st.lists(
            st.tuples(PAY_DAYS, PERCENT, st.sampled_from([False, False, True])), max_size=3
        ),  # (day, percent of what is open, undone later)
        "write_off": st.sampled_from([None, None, None, (date(2026, 3, 1), 30)]),
    }
)


def reference(year: int) -> dict:
    """The rule applied to every posted invoice's lines, written-off cents taken off each."""
    deductible = set(
        ActivityCategory.objects.filter(tax_deductible=True).values_list("pk", flat=True)
    )
    written: dict[int, int] = defaultdict(int)
    for write_off in WriteOff.objects.all():
        for line_id, cents in write_off.spread.items():
            written[int(line_id)] += cents
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    found: dict = defaultdict(lambda: defaultdict(int))
    for invoice in Invoice.objects.filter(kind=Kind.INVOICE, posted_at__isnull=False):
        live = Allocation.objects.filter(invoice=invoice, cancelled=False, date__lt=end)
        before = sum(a.amount_cents for a in live if a.date < start)
        during = sum(a.amount_cents for a in live if a.date >= start)
        if during <= 0:
            continue
        lines = invoice.lines.order_by("date", "pk")
        due = [(x, x.amount_cents - written[x.pk]) for x in lines]
        for line, cents in rules.received_in_year(
            due, before_cents=before, during_cents=during
        ).items():
            if line.category_id in deductible:
                found[invoice.person_id, line.child_id][line.date] += cents
    return {key: dict(days) for key, days in found.items()}


def open_cents(invoice: Invoice) -> int:
    return with_balance(Invoice.objects.filter(pk=invoice.pk)).get().open_cents


def build(invoices, kinds, families) -> None:
    activities = {"care": kinds.care, "camp": kinds.camp, "meals": kinds.meals}
    for spec in invoices:
        parent, child = families[spec["family"]]
        lines = [
            (day + timedelta(days=later), activities[kind], cents)
            for day, later, kind, cents in spec["lines"]
        ]
        invoice = invoice_post(parent, child, lines, day=date(2025, 12, 1))
        for day, percent, undone in sorted(spec["payments"]):
            cents = open_cents(invoice) * percent // 100
            if cents > 0:
                payment = pay(invoice, cents, day)
                if undone:
                    payment_cancel(payment=payment, day=day)
        if spec["write_off"]:
            day, percent = spec["write_off"]
            cents = open_cents(invoice) * percent // 100
            if cents > 0:
                write_off_create(invoice=invoice, kind="error", amount_cents=cents, day=day)


def test_received_days_is_the_rule_applied_to_every_line(in_a):
    kinds = kinds_create()
    families = []
    for name in ("Anne", "Marc"):
        parent = f.person("Famille", name)
        families.append((parent, f.child(name, parent=parent)))
    seen = {"whole": 0, "rest": 0}

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(INVOICE, min_size=1, max_size=4))
    def check(invoices):
        with transaction.atomic():
            build(invoices, kinds, families)
            invoices_paid = selectors.paid_invoices(YEAR)
            whole = selectors._paid_whole(YEAR, invoices_paid)
            seen["whole"] += len(whole)
            seen["rest"] += len(invoices_paid) - len(whole)
            assert selectors.received_days(YEAR) == reference(YEAR)
            transaction.set_rollback(True)

    check()
    assert seen["whole"] and seen["rest"], seen  # both ways were taken


def test_an_invoice_paid_whole_in_the_year_is_summed_by_the_database(in_a):
    """Paid in full in the year, nothing before, nothing written off: every deductible line
    counts in full, the meals not, two lines of one day add up."""
    kinds = kinds_create()
    parent = f.person("Famille", "Anne")
    child = f.child("Anne", parent=parent)
    day = date(2025, 12, 15)
    invoice = invoice_post(
        parent,
        child,
        [(day, kinds.care, 200), (day, kinds.camp, 2500), (day, kinds.meals, 310)],
        day=date(2025, 12, 31),
    )
    pay(invoice, invoice.total_cents, date(2026, 1, 10))
    assert selectors._paid_whole(YEAR, selectors.paid_invoices(YEAR)) == {invoice.pk}
    assert selectors.received_days(YEAR) == {(parent.pk, child.pk): {day: 2700}}
    assert selectors.received_days(YEAR - 1) == {}
