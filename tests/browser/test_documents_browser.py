"""A finance officer prints and sends a run's invoices in a real browser, to a real SMTP server."""

from __future__ import annotations

import io
import zipfile

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from tests.browser.test_registry_browser import log_in
from tests.conftest import make_user
from tests.documents.conftest import evening, families  # noqa: F401 - fixtures
from tests.documents.smtp import REFUSED, smtp_server  # noqa: F401 - fixture

from regie.billing.models import BillingRun
from regie.core.models import Role
from regie.documents.models import Sending, SendingStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pdf_text(pdf: bytes) -> str:
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_officer_downloads_the_zip_sends_the_emails_and_retries_a_failure(
    page,
    families,  # noqa: F811 - the fixture imported above
    smtp_server,  # noqa: F811 - the fixture imported above
    settings,
    tmp_path,
):
    """Given a posted run of four invoices (two persons by e-mail, Jan's address refused by
    the server), when the officer generates the ZIP, downloads it and sends the e-mails from
    the browser, then the ZIP holds the four PDFs, Anne receives her invoice, Jan's sending is
    shown as failed with the server's answer, and once his address is fixed the retry
    delivers his invoice."""
    settings.MEDIA_ROOT = tmp_path / "media"
    jan = families["nl"]
    jan.person.email = REFUSED
    jan.person.save()
    run = BillingRun.objects.get()
    make_user("francois", run.organisation, Role.FINANCE)
    log_in(page, "francois")

    page.goto(f"/documents/runs/{run.pk}/")
    assert page.locator("#posted-count").inner_text() == "4"
    page.locator("#generate-form button[type=submit]").click()
    page.wait_for_url("**/jobs/*/")
    page.locator("a.button[href*='/documents/batches/']").click()
    assert page.locator("#batch-status").get_attribute("data-status") == "done"
    with page.expect_download() as download:
        page.locator("#batch-download").click()
    archive = zipfile.ZipFile(download.value.path())
    names = sorted(archive.namelist())
    assert names == sorted(f.invoice.number.replace("/", "-") + ".pdf" for f in families.values())
    for family in families.values():
        text = pdf_text(archive.read(family.invoice.number.replace("/", "-") + ".pdf"))
        assert family.invoice.number in text and family.person.last_name in text

    page.goto(f"/documents/runs/{run.pk}/")
    page.locator("#send-form button[type=submit]").click()
    page.wait_for_url("**/jobs/*/")
    expect(page.locator("p.success")).to_be_visible()  # the job's summary: 1 sent, 1 failed
    assert sorted(Sending.objects.values_list("status", flat=True)) == ["failed", "sent"]
    anne = families["fr"]
    (received,) = smtp_server.received
    assert received.recipients == [anne.person.email]
    ((name, pdf),) = received.pdfs().items()
    assert name == anne.invoice.number.replace("/", "-") + ".pdf"
    assert anne.invoice.number in pdf_text(pdf)

    page.goto("/documents/sendings/?status=failed")
    failed = Sending.objects.get(person=jan.person)
    row = page.locator(f"tr[data-sending='{failed.pk}']")
    assert "550" in row.inner_text()
    assert row.locator(".badge").inner_text() == str(SendingStatus.FAILED.label)

    jan.person.email = "jan@example.be"
    jan.person.save()
    row.get_by_role("button").click()
    page.wait_for_url("**/jobs/*/")
    expect(page.locator("p.success")).to_be_visible()
    (again,) = smtp_server.to("jan@example.be")
    ((name, pdf),) = again.pdfs().items()
    assert jan.invoice.number in pdf_text(pdf) and "Factuur" in pdf_text(pdf)
    failed.refresh_from_db()
    assert failed.status == SendingStatus.FAILED  # the log keeps the failure; the retry is new
    assert Sending.objects.get(retry_of=failed).status == SendingStatus.SENT
