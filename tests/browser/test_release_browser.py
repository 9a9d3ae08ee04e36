"""A finance officer releases an invoice the bank paid, reads what the confirmation says, and
finds the reconciliation agreeing to the cent, in a real browser (issue 12 item 4)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from django.utils import timezone
from tests.browser.test_registry_browser import log_in
from tests.conftest import make_user
from tests.payments import test_payment_services as spec

from regie.core.models import Role
from regie.core.tenancy import scope
from regie.payments.imports import statements_import
from regie.payments.services import person_credit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

invoices = spec.invoices  # Anne Dupont owes 2.00 (October) and 0.50 (November)
#: Where the screenshots go, to be looked at: REGIE_SCREENSHOTS, else the temporary folder.
SHOTS = Path(os.environ.get("REGIE_SCREENSHOTS", tempfile.gettempdir()))


def test_officer_releases_a_paid_invoice_and_the_reconciliation_agrees(page, org_a, invoices):
    mum, (october, _) = invoices
    with scope(org_a):
        statements_import(data=spec.coda(("2.00", october.communication)), name="a.cod")
    make_user("fanny", org_a, Role.FINANCE)

    log_in(page, "fanny")
    page.goto(f"/billing/invoices/{october.pk}/")
    page.locator(f"a.button[href='/payments/invoices/{october.pk}/release/']").click()
    explanation = page.locator("main p").first.inner_text()
    assert explanation.startswith(
        "Une note de crédit de 2,00 € annule cette facture : les 2,00 € déjà payés deviennent "
        "un crédit de la personne."
    )
    page.screenshot(path=SHOTS / "release-confirm.png", full_page=True)
    page.locator("form.confirm button.primary").click()

    page.wait_for_url(f"**/billing/invoices/{october.pk}/")
    with scope(org_a):
        assert person_credit(mum.pk) == 200
    page.locator("nav a[href='/payments/movements/']").click()
    page.locator("nav.report-tabs a[href='/payments/reconciliation/']").click()
    today = timezone.localdate().isoformat()
    page.goto(f"/payments/reconciliation/?date_from=2025-10-01&date_to={today}")
    page.screenshot(path=SHOTS / "release-reconciliation.png", full_page=True)
    assert page.locator("#verdict").get_attribute("data-agrees") == "1"
    credits = page.locator("#comparisons tr[data-key='credits']")
    assert (credits.get_attribute("data-source"), credits.get_attribute("data-ledger")) == (
        "200",
        "200",
    )
