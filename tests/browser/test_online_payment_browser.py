"""A permit file pushed by the permit system through the API is paid online by its applicant on
the simulated Mollie's checkout; the permit system receives the signed call-back (issue 16)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect
from tests.api.test_files_api import push_body
from tests.fees import builders as b
from tests.fees.conftest import fake_mollie
from tests.fees.test_callbacks import PermitSystem

from regie.core.tenancy import scope
from regie.fees.models import Callback, CallbackStatus, Checkout, FileState, ServiceFile
from regie.fees.services import service_token_new
from regie.payments.models import Payment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
__all__ = ["fake_mollie"]  # the fixture, used by name

#: Where the screenshots go, to be looked at: REGIE_SCREENSHOTS, else the temporary folder.
SHOTS = Path(os.environ.get("REGIE_SCREENSHOTS", tempfile.gettempdir()))


@pytest.fixture
def permit_system():
    system = PermitSystem([])
    yield system
    system.close()


def api_push(base_url: str, token: str) -> dict:
    """Push worked example 13's file as the permit system does: JSON over HTTP, its token."""
    request = urllib.request.Request(  # noqa: S310 - the live server
        f"{base_url}/api/v1/files",
        data=json.dumps(push_body("OCC-2026-0777")).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - the live server
        assert answer.status == 201
        return json.loads(answer.read())


def test_the_applicant_pays_online_and_the_permit_system_gets_the_signed_callback(
    page, live_server, org_a, fake_mollie, permit_system
):
    with scope(org_a):
        b.mollie_on(fake_mollie)
        service = b.service(callback_url=permit_system.url)
        token = service_token_new(service=service)
    pushed = api_push(live_server.url, token)
    assert pushed["state"] == "awaiting_payment" and pushed["amount"] == "30,00 €"
    # The applicant was e-mailed the payment request: its link is the file's payment page.
    (request,) = mail.outbox
    path = urllib.parse.urlsplit(pushed["payment_url"]).path
    assert path in request.body and pushed["communication"] in request.body

    page.goto(live_server.url + path)
    expect(page.locator("h1")).to_contain_text("Occupation du domaine public")
    page.screenshot(path=SHOTS / "online-pay-page.png", full_page=True)
    page.get_by_role("button", name="Payer en ligne").click()
    page.wait_for_url(f"{fake_mollie.url}/checkout/tr_*")

    expect(page.locator(".banner")).to_contain_text("Paiement simulé")
    expect(page.locator("body")).to_contain_text("30,00 €")
    expect(page.locator("body")).to_contain_text(
        pushed["communication"].strip("+").replace("/", "")
    )
    page.screenshot(path=SHOTS / "online-simulated-checkout.png", full_page=True)
    page.get_by_role("button", name="Payer", exact=True).click()
    page.wait_for_url(pushed["payment_url"])

    expect(page.locator("p.success")).to_have_text("Payé : merci.")
    page.screenshot(path=SHOTS / "online-paid.png", full_page=True)

    with scope(org_a):
        file = ServiceFile.objects.get(external_id="OCC-2026-0777")
        assert file.state == FileState.PAID
        assert Payment.objects.get().amount_cents == 3000
        assert Checkout.objects.get().status == "paid"
        callback = Callback.objects.get(file=file)
    assert callback.status == CallbackStatus.ACKNOWLEDGED
    assert len(permit_system.received) == 1
    headers, body = permit_system.received[0]
    expected = hmac.new(
        service.callback_secret.encode(),
        headers["X-Regie-Timestamp"].encode() + b"." + body,
        hashlib.sha256,
    ).hexdigest()
    assert headers["X-Regie-Signature"] == f"sha256={expected}"
    sent = json.loads(body)
    assert (sent["event"], sent["external_id"], sent["amount_cents"]) == (
        "file.paid",
        "OCC-2026-0777",
        3000,
    )
    # Mollie's webhook reached Regie through the network, as in real life.
    assert [status for _, status in fake_mollie.webhook_calls] == [200]
