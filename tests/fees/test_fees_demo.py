"""The demo's permit service: files in both ways of paying, made through the services."""

from __future__ import annotations

from datetime import date
from email import message_from_bytes
from email.policy import default

import pytest
from django.urls import reverse

from regie.core.models import Role
from regie.documents.models import Sending, SendingStatus
from regie.fees.demo import fees_for_demo, mails_folder
from regie.fees.documents import PAYMENT_REQUEST
from regie.fees.models import Checkout, FileState, FileVersion, MollieSettings, ServiceFile
from regie.ledger.models import EntryLine
from regie.ledger.rules import AccountRole
from regie.payments.models import Payment

DAY = date(2026, 5, 4)


@pytest.fixture(autouse=True)
def demo_var_dir(settings, tmp_path):
    """The demo writes its e-mails under VAR_DIR: a temporary one here."""
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_the_demo_has_files_paid_at_the_counter_online_awaiting_payment_and_invoiced(in_a):
    stats = fees_for_demo(today=DAY)
    assert stats.files == {
        "OCC-DEMO-0001": FileState.PAID,
        "OCC-DEMO-0002": FileState.AWAITING_PAYMENT,
        "OCC-DEMO-0003": FileState.PAID,
        "EVT-DEMO-0001": FileState.INVOICED,
        "EVT-DEMO-0002": FileState.TO_INVOICE,
    }
    paid = ServiceFile.objects.get(external_id="OCC-DEMO-0001")
    assert Payment.objects.get(person_id=paid.person_id).receipt_number.startswith("REC/2026/")
    invoiced = ServiceFile.objects.select_related("invoice").get(external_id="EVT-DEMO-0001")
    assert invoiced.invoice.number.startswith("FACT/2026/")
    assert invoiced.invoice.total_cents == 34000
    assert invoiced.person.enterprise_number


def test_the_demo_pays_one_file_online_through_mollies_webhook(in_a):
    stats = fees_for_demo(today=DAY)
    online = ServiceFile.objects.get(external_id="OCC-DEMO-0003")
    checkout = Checkout.objects.get(file=online)
    assert checkout.mollie_id == stats.mollie_payment
    assert checkout.status == "paid" and checkout.recorded_at is not None
    payment = Payment.objects.get(person_id=online.person_id)
    assert (payment.amount_cents, payment.date) == (2500, DAY)
    in_transit = EntryLine.objects.filter(account__role=AccountRole.CLEARING)
    assert sum(line.debit - line.credit for line in in_transit) == 2500
    assert MollieSettings.objects.get().api_endpoint == "http://127.0.0.1:8765"  # put back


def test_the_demo_emails_each_file_paid_in_advance_its_payment_request(in_a, org_a, login):
    stats = fees_for_demo(today=DAY)
    assert stats.requests_sent == 3
    waiting = ServiceFile.objects.get(external_id="OCC-DEMO-0002")
    version = FileVersion.objects.get(file=waiting)
    sending = Sending.objects.get(kind=PAYMENT_REQUEST, document_id=version.pk)
    assert (sending.status, sending.recipient) == (SendingStatus.SENT, "jan.peeters@example.be")
    separator = b"\n" + b"-" * 79 + b"\n"  # Django's file backend: messages one after another
    mails = [
        message_from_bytes(raw.strip(), policy=default)
        for path in mails_folder().iterdir()
        for raw in path.read_bytes().split(separator)
        if raw.strip()
    ]
    subjects = sorted(str(m["Subject"]).split(" –")[0] for m in mails)
    assert subjects == [
        "Betalingsverzoek OCC-DEMO-0002",
        "Demande de paiement OCC-DEMO-0001",
        "Zahlungsaufforderung OCC-DEMO-0003",
    ]
    client = login(org_a, Role.FINANCE)
    page = client.get(reverse("fees-files:file-detail", args=[waiting.pk])).content.decode()
    assert "OCC-DEMO-0002 v1" in page and "jan.peeters@example.be" in page
