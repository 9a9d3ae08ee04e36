"""Certificates built from invoices and payments (DOMAIN §10, worked example 15)."""

from datetime import date

import pytest
from tests.certificates.builders import days, family, invoice_post, kinds_create, maximum, pay

from regie.certificates.models import Certificate
from regie.certificates.services import batch_create, certificates_preview
from regie.core.errors import DomainError

pytestmark = pytest.mark.django_db


def example_15():
    """A parent paid in 2026 120.00 for 60 days of care, 125.00 for a camp week of 5 days
    at 25.00 and 30.00 for meals."""
    kinds = kinds_create()
    parent, child = family()
    care = [(d, kinds.care, 200) for d in days(date(2026, 1, 5), 60)]
    camp = [(d, kinds.camp, 2500) for d in days(date(2026, 7, 6), 5)]
    meals = [(d, kinds.meals, 300) for d in days(date(2026, 2, 2), 10)]
    invoice = invoice_post(parent, child, care + camp + meals, day=date(2026, 7, 31))
    pay(invoice, 27500, date(2026, 8, 10))
    maximum()
    return parent, child


def test_worked_example_15_certificate_of_245_without_the_meals(in_a):
    parent, child = example_15()
    preview = certificates_preview(year=2026)
    assert preview.problems == []
    [certificate] = preview.certificates
    assert (certificate.person, certificate.child) == (parent.pk, child.pk)
    assert [(p.days, p.daily_cents, p.amount_cents) for p in certificate.periods] == [
        (60, None, 12000),
        (5, 2500, 12500),
    ]
    assert certificate.total_cents == 24500


def test_batch_stores_the_certificates_of_the_preview(in_a):
    example_15()
    batch = batch_create(year=2026)
    [stored] = Certificate.objects.filter(batch=batch)
    assert stored.total_cents == 24500 and stored.reference == "2026-000001"
    assert stored.periods[1] == {
        "start": "2026-07-06",
        "end": "2026-07-10",
        "days": 5,
        "daily": 2500,
        "amount": 12500,
    }
    assert batch.daily_max_cents == 1640 and batch.problems == []


def test_payment_in_january_for_december_care_is_on_the_next_years_certificate(in_a):
    kinds = kinds_create()
    parent, child = family()
    december = [(d, kinds.care, 250) for d in days(date(2025, 12, 1), 4)]
    invoice = invoice_post(parent, child, december, day=date(2025, 12, 31))
    pay(invoice, 1000, date(2026, 1, 12))
    maximum(2025)
    maximum(2026)
    assert certificates_preview(year=2025).certificates == []
    [certificate] = certificates_preview(year=2026).certificates
    assert certificate.total_cents == 1000
    assert certificate.periods[0].start == date(2025, 12, 1)


def test_part_paid_the_year_before_leaves_the_later_days_to_this_year(in_a):
    kinds = kinds_create()
    parent, child = family()
    lines = [(d, kinds.care, 500) for d in days(date(2025, 12, 1), 4)]
    invoice = invoice_post(parent, child, lines, day=date(2025, 12, 31))
    pay(invoice, 1000, date(2025, 12, 31))  # the first two days
    pay(invoice, 1000, date(2026, 1, 5))
    maximum(2026)
    [certificate] = certificates_preview(year=2026).certificates
    assert certificate.periods[0].start == date(2025, 12, 3)
    assert certificate.periods[0].days == 2


def test_every_problem_is_listed_with_the_page_that_fixes_it(in_a):
    kinds = kinds_create()
    payer, child = family(attestable=False)
    other, older = family(nn="", birth=date(2012, 3, 1))
    for person, kid in ((payer, child), (other, older)):
        lines = [(d, kinds.care, 300) for d in days(date(2026, 2, 25), 6)]
        pay(invoice_post(person, kid, lines, day=date(2026, 3, 31)), 1800, date(2026, 4, 2))
    maximum()
    preview = certificates_preview(year=2026)
    codes = {p["code"]: p for p in preview.problems}
    assert set(codes) == {
        "certificates.not_attestable",
        "certificates.over_age_limit",
        "certificates.no_national_number",
    }
    assert codes["certificates.not_attestable"]["params"]["amount"] == "18,00 €"
    assert codes["certificates.over_age_limit"]["params"]["limit"] == "01/03/2026"
    assert codes["certificates.no_national_number"]["fix_url"] == other.get_absolute_url()
    [certificate] = preview.certificates  # the older child's days before 1 March
    assert certificate.total_cents == 1200


def test_no_daily_maximum_for_the_year_is_refused_naming_the_year(in_a):
    with pytest.raises(DomainError) as refused:
        certificates_preview(year=2031)
    assert refused.value.code == "certificates.no_daily_maximum"
    assert "2031" in refused.value.english()
