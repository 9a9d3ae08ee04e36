"""A finance officer builds a pivot, reads it as a chart, saves and exports it; then builds the
year's tax certificates and opens one (DOMAIN §10), in a real browser."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect
from tests.browser.test_registry_browser import log_in
from tests.certificates.builders import days, family, invoice_post, kinds_create, maximum, pay
from tests.conftest import make_user

from regie.core.models import Role
from regie.core.tenancy import scope
from regie.statistics.models import SavedView

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("REGIE_SCREENSHOTS", tempfile.gettempdir()))


@pytest.fixture
def year_paid(org_a):
    """Marie Dupont paid 20,00 € of after-school care and 125,00 € of camp in 2025."""
    with scope(org_a):
        kinds = kinds_create()
        parent, child = family()
        care = [(d, kinds.care, 200) for d in days(date(2025, 3, 3), 10)]
        camp = [(d, kinds.camp, 2500) for d in days(date(2025, 7, 7), 5)]
        meals = [(d, kinds.meals, 300) for d in days(date(2025, 3, 3), 4)]
        invoice = invoice_post(parent, child, care + camp + meals, day=date(2025, 7, 31))
        pay(invoice, invoice.total_cents, date(2025, 8, 4))
        maximum(2025)


def test_officer_pivots_charts_saves_and_exports(page, org_a, year_paid):
    """Given a paid invoice of 157,00 € (care, camp, meals), the pivot of invoiced amounts by
    month and category totals 157,00 €; the chart keeps the table; the view is saved, shared
    and exported."""
    make_user("fanny", org_a, Role.FINANCE)
    log_in(page, "fanny")
    page.locator("nav a[href='/statistics/']").click()
    page.locator("#id_source").select_option("receivables")
    page.locator("#id_rows").select_option("month")
    page.locator("#id_columns").select_option("category")
    page.locator("#id_measure").select_option("received")
    page.locator("#pivot-form button.primary").click()
    expect(page.locator("#pivot-total")).to_have_text("157,00 €")
    page.screenshot(path=str(SHOTS / "h7-pivot-table.png"), full_page=True)
    page.locator("#show-chart").click()
    # Months in rows: one line per category over July (nothing received) and August.
    expect(page.locator("svg.line-chart polyline")).to_have_count(3)
    expect(page.locator("svg.line-chart circle")).to_have_count(6)
    expect(page.locator("#pivot-table")).to_be_visible()
    page.screenshot(path=str(SHOTS / "h7-pivot-chart.png"), full_page=True)
    page.locator("#save-form #id_name").fill("Reçu par mois")
    page.locator("#save-form #id_shared").check()
    page.locator("#save-form button").click()
    assert page.locator("ul.saved-views").inner_text().startswith("Reçu par mois")
    with page.expect_download() as download:
        page.locator("#export-xlsx").click()
    assert download.value.suggested_filename == "pivot.xlsx"
    with scope(org_a):
        assert SavedView.objects.get().shared
    # Received by school site and invoice status: the invoice lines' share of the payment.
    page.locator("#id_source").select_option("lines")
    page.locator("#pivot-form button.primary").click()
    page.locator("#id_rows").select_option("site")
    page.locator("#id_columns").select_option("status")
    page.locator("#id_measure").select_option("received")
    page.locator("#pivot-form button.primary").click()
    expect(page.locator("#pivot-total")).to_have_text("157,00 €")
    expect(page.locator("#pivot-table thead")).to_contain_text("payée")
    page.locator("#show-chart").click()
    expect(page.locator("svg.chart rect")).to_have_count(1)  # one site: the child's (none)
    page.screenshot(path=str(SHOTS / "h6-pivot-received-by-site.png"), full_page=True)


def test_officer_builds_the_certificates_and_opens_one(page, org_a, year_paid):
    """Given the daily maximum of 2025 and Marie's payments, the preview shows 145,00 € (the
    meals are not deductible); building makes one certificate: 10 days, 5 days at 25,00 €."""
    make_user("fanny", org_a, Role.FINANCE)
    log_in(page, "fanny")
    page.locator("nav a[href='/certificates/']").click()
    page.locator("#id_year").fill("2025")
    page.locator("#preview-form button").click()
    assert page.locator("#preview-total").inner_text() == "145,00 €"
    page.screenshot(path=str(SHOTS / "h7-certificates-preview.png"), full_page=True)
    page.locator("form[action='/certificates/build/'] button").click()
    page.locator("a.button", has_text="Voir le résultat").click()
    page.locator("table.certificates a").first.click()
    assert page.locator("#certificate-total").inner_text() == "145,00 €"
    page.screenshot(path=str(SHOTS / "h7-certificate.png"), full_page=True)
    with page.expect_popup() as popup_or_none:
        page.evaluate("window.open(document.querySelector('#certificate-pdf').href)")
    assert popup_or_none.value is not None
