"""A finance officer double-clicks "Save the payment", then the same form is sent again: one
payment, and the second answer is the first one's receipt saying so, in a real browser
(issue 13, 3)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from tests.browser.test_registry_browser import log_in
from tests.conftest import make_user
from tests.payments import test_payment_services as spec

from regie.core.models import Role
from regie.core.tenancy import scope
from regie.payments.models import Payment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

invoices = spec.invoices  # Anne Dupont owes 2.00 (October) and 0.50 (November)
#: Where the screenshots go, to be looked at: REGIE_SCREENSHOTS, else the temporary folder.
SHOTS = Path(os.environ.get("REGIE_SCREENSHOTS", tempfile.gettempdir()))


def test_a_double_click_and_a_replay_record_one_cash_payment(page, org_a, invoices):
    mum, _ = invoices
    make_user("fanny", org_a, Role.FINANCE)
    log_in(page, "fanny")
    page.goto(f"/payments/new/?person={mum.pk}")
    page.locator("#id_amount").fill("1,00")
    page.locator("#id_mode").select_option("cash")
    form = page.locator("form.payment")
    sent = form.evaluate("form => Object.fromEntries(new FormData(form))")

    page.locator("button[name=action][value=save]").dblclick()

    page.wait_for_url("**/payments/*/receipt/")
    receipt = page.url
    with scope(org_a):
        assert Payment.objects.count() == 1
    replay = page.request.post(
        f"/payments/new/?person={mum.pk}", form={**sent, "action": "save"}, max_redirects=0
    )
    assert replay.status == 302 and receipt.endswith(replay.headers["location"])
    page.goto(replay.headers["location"])
    shown = page.locator(".messages, [role=status]").first.inner_text()
    assert "déjà été envoyé" in shown, shown
    page.screenshot(path=SHOTS / "once-replayed-payment.png", full_page=True)
    with scope(org_a):
        assert Payment.objects.count() == 1
