"""A finance officer imports a bank file, corrects its rejected movement and takes a cash
payment, in a real browser."""

from __future__ import annotations

import pytest
from django.utils import timezone
from tests.browser.test_registry_browser import log_in
from tests.conftest import make_user
from tests.payments import test_payment_services as spec

from regie.core.models import Role
from regie.core.tenancy import scope
from regie.payments.models import BankMovement, MovementStatus, Payment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

invoices = spec.invoices  # Anne Dupont owes 2.00 (October) and 0.50 (November)


def test_officer_imports_corrects_and_takes_a_cash_payment(page, org_a, invoices, tmp_path):
    """Given a CODA file whose one payment of 2.50 carries a communication nobody issued, when
    the officer imports it, finds Anne Dupont from the rejected movement and allocates it as
    proposed, then both invoices are paid; a cash payment of 1.00 then shows its receipt."""
    mum, (october, november) = invoices
    make_user("fanny", org_a, Role.FINANCE)
    bank_file = tmp_path / "extrait.cod"
    bank_file.write_bytes(spec.coda(("2.50", spec.UNKNOWN)))

    log_in(page, "fanny")
    page.locator("nav a[href='/payments/movements/']").click()
    page.locator("a.button.primary[href='/payments/files/import/']").click()
    page.locator("#id_file").set_input_files(str(bank_file))
    page.locator("form.edit button[type=submit]").click()

    page.wait_for_url("**/jobs/*/")
    page.locator(".job-status.status-done").wait_for()
    page.locator("a.button[href^='/payments/files/']").click()
    page.locator("tbody[data-status='rejected'] td.actions a").click()
    page.locator("#person-search input[name=q]").fill("dupont")
    page.locator("#person-search button[type=submit]").click()
    page.locator("#persons-found a.button").click()
    assert page.locator(f"#id_item_{october.pk}").input_value() == "2,00"
    assert page.locator(f"#id_item_{november.pk}").input_value() == "0,50"
    page.locator("form.edit button.primary").click()

    page.wait_for_url("**/payments/*/")
    assert page.locator("#payment-allocated").inner_text().startswith("2,50")
    with scope(org_a):
        assert BankMovement.objects.get().status == MovementStatus.CORRECTED
        assert (spec.open_of(october), spec.open_of(november)) == (0, 0)

    page.locator("nav.report-tabs a[href='/payments/']").click()
    page.locator("a.button.primary[href='/payments/new/']").click()
    page.locator("#person-search input[name=q]").fill("dupont")
    page.locator("#person-search button[type=submit]").click()
    page.locator("#persons-found a.button").click()
    page.locator("#id_amount").fill("1,00")
    page.locator("#id_mode").select_option("cash")
    page.locator("button[name=action][value=save]").click()

    page.wait_for_url("**/payments/*/receipt/")
    year = timezone.localdate().year
    assert page.locator("#receipt-number").inner_text() == f"REC/{year}/00001"
    with scope(org_a):
        cash = Payment.objects.get(mode="cash")
    assert (cash.amount_cents, cash.receipt_number) == (100, f"REC/{year}/00001")
