"""The finance officer finds a permit file awaiting payment in the service files list, opens
it and takes its payment at the counter in cash; the receipt names the file, in a real
browser (screenshots in REGIE_SCREENSHOTS, else the temporary folder)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from tests.browser.test_registry_browser import log_in
from tests.conftest import make_user
from tests.fees import builders as b

from regie.core.models import Role
from regie.core.tenancy import scope
from regie.fees.models import FileState, ServiceFile
from regie.fees.services import file_push

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("REGIE_SCREENSHOTS", tempfile.gettempdir()))


def test_officer_filters_the_files_opens_one_and_takes_cash_at_the_counter(page, org_a):
    """Given a container file awaiting 30,00 € and an event file to invoice, when the officer
    filters the files awaiting payment, opens the container and records 30,00 € in cash, then
    the receipt shows its number and the file, and the file is paid."""
    with scope(org_a):
        service = b.service()
        file_push(service=service, data=b.container("OCC-2026-0042"))
        file_push(service=service, data=b.container("EVT-2026-0007", way="afterwards"))
    make_user("fanny", org_a, Role.FINANCE)

    log_in(page, "fanny")
    page.locator("nav a[href='/fees/files/']").click()
    expect(page.locator("table.service-files tbody tr")).to_have_count(2)
    page.locator("#id_state").select_option(FileState.AWAITING_PAYMENT)
    page.locator("form.filters button[type=submit]").click()
    expect(page.locator("table.service-files tbody tr")).to_have_count(1)
    expect(page.locator("table.service-files")).to_contain_text("30,00 €")
    page.screenshot(path=SHOTS / "fees-files-list.png", full_page=True)

    page.locator("table.service-files a", has_text="OCC-2026-0042").click()
    expect(page.locator("#file-due")).to_have_text("30,00 €")
    expect(page.locator(".file-version")).to_contain_text("Conteneur, par jour")
    page.screenshot(path=SHOTS / "fees-file-page.png", full_page=True)

    page.locator(".actions a.button.primary").click()
    expect(page.locator("#id_amount")).to_have_value("30,00")
    page.locator("#id_amount").fill("31,00")
    page.locator("form.edit button[type=submit]").click()
    expect(page.locator("#id_amount_error")).to_be_visible()
    page.screenshot(path=SHOTS / "fees-counter-refused.png", full_page=True)

    page.locator("#id_amount").fill("30,00")
    page.locator("input[name=mode][value=cash]").check()
    page.locator("form.edit button[type=submit]").click()
    page.wait_for_url("**/payments/*/receipt/")
    year = timezone.localdate().year
    expect(page.locator("#receipt-number")).to_have_text(f"REC/{year}/00001")
    expect(page.locator(".receipt-file")).to_contain_text("OCC-2026-0042")
    page.screenshot(path=SHOTS / "fees-receipt.png", full_page=True)
    with scope(org_a):
        assert ServiceFile.objects.get(external_id="OCC-2026-0042").state == FileState.PAID


def test_officer_issues_the_invoices_of_the_files_to_invoice_at_once(page, org_a):
    """Given two event files to invoice and a container awaiting payment, when the officer
    follows the list's offer and confirms, then the job issues two invoices and both files
    are invoiced."""
    with scope(org_a):
        events = b.service("Événements")
        for reference in ("EVT-1", "EVT-2"):
            file_push(service=events, data=b.container(reference, way="afterwards"))
        file_push(service=b.service(), data=b.container("OCC-1"))
    make_user("fanny", org_a, Role.FINANCE)

    log_in(page, "fanny")
    page.goto("/fees/files/")
    page.locator("#files-invoice").click()
    expect(page.locator("#files-invoice-summary")).to_contain_text("2 dossiers")
    expect(page.locator("#files-invoice-summary")).to_contain_text("60,00 €")
    page.screenshot(path=SHOTS / "fees-files-invoice.png", full_page=True)
    page.locator("#files-invoice-form button").click()
    page.wait_for_url("**/jobs/*/")
    expect(page.locator("main")).to_contain_text("2 factures émises, 60,00 € au total.")
    page.screenshot(path=SHOTS / "fees-files-invoice-job.png", full_page=True)
    with scope(org_a):
        states = set(ServiceFile.objects.values_list("external_id", "state"))
    assert states == {("EVT-1", "invoiced"), ("EVT-2", "invoiced"), ("OCC-1", "awaiting_payment")}
