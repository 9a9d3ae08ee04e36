"""A finance officer chases an unpaid invoice in a real browser: a policy, a level-1 run with
its preview, its reminders printed and e-mailed, the bank file that pays the reminder, then a
payment plan and its printed schedule (DOMAIN §7, issue 15's "Done when")."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from tests.browser.test_registry_browser import log_in
from tests.conftest import make_user
from tests.documents.smtp import smtp_server  # noqa: F401 - fixture
from tests.documents.test_rendering import pdf_text
from tests.dunning.builders import invoice_of, parent
from tests.payments.payment_builders import coda_file, setup_create

from regie.core.models import Role
from regie.core.tenancy import scope
from regie.dunning.models import Reminder
from regie.dunning.plan_models import PaymentPlan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Where the screenshots go, to be looked at: REGIE_SCREENSHOTS, else the temporary folder.
SHOTS = Path(os.environ.get("REGIE_SCREENSHOTS", tempfile.gettempdir()))


@pytest.fixture
def unpaid(org_a):
    """Pierre Boulanger owes 25,00 € due 28/02/2026, and two invoices for a plan."""
    with scope(org_a):
        setup = setup_create()
        person = parent(delivery="email", email="pierre@example.be")
        invoice = invoice_of(setup, person, 2500)
        later = [
            invoice_of(setup, person, 3000, date(2026, 5, 31)),
            invoice_of(setup, person, 2000, date(2026, 6, 30)),
        ]
    return person, invoice, later


def policy_created(page):
    page.locator("nav a[href='/collection/']").click()
    page.locator("nav.report-tabs a[href='/collection/policies/']").click()
    page.locator("a.button.primary[href='/collection/policies/new/']").click()
    page.locator("#id_name").fill("Accueil")
    page.locator("#categories input[type=checkbox]").first.check()
    page.locator("#id_form-0-name").fill("Rappel")
    page.locator("#id_form-0-delay_days").fill("10")
    page.locator("#id_form-0-days_to_pay").fill("15")
    page.locator("#id_form-0-fee").fill("2,00")
    page.locator("form.policy button.primary").click()
    refusal = page.locator("#policy-refusals").inner_text()
    assert "XIX.2" in refusal  # the first reminder is free
    page.screenshot(path=SHOTS / "collection-policy-refused.png", full_page=True)
    page.locator("#id_form-0-fee").fill("0")
    page.locator("form.policy button.primary").click()
    page.wait_for_url("**/collection/policies/")


def reminder_sent(page, run_page: str, reminder, mailbox) -> None:
    """From the run's page: a combined PDF of its reminders downloaded, then the e-mails sent."""
    page.goto(run_page)
    page.locator("#run-documents").click()
    expect(page.locator("#posted-count")).to_have_text("1")
    expect(page.locator("#email-count")).to_have_text("1")
    expect(page.locator(".heading a.button")).to_have_text("Retour")  # to the run, no "facturier"
    page.screenshot(path=SHOTS / "collection-run-documents.png", full_page=True)
    page.locator("#generate-form input[name=format][value=pdf]").check()
    page.locator("#generate-form button[type=submit]").click()
    page.wait_for_url("**/jobs/*/")
    page.locator("a.button[href*='/documents/batches/']").click()
    expect(page.locator("#batch-status")).to_have_attribute("data-status", "done")
    with page.expect_download() as download:
        page.locator("#batch-download").click()
    _pages, text = pdf_text(Path(download.value.path()).read_bytes())
    assert reminder.number in text and "Boulanger" in text and "25,00" in text
    page.screenshot(path=SHOTS / "collection-reminders-batch.png", full_page=True)

    page.goto(run_page)
    page.locator("#run-documents").click()
    page.locator("#send-form button[type=submit]").click()
    page.wait_for_url("**/jobs/*/")
    expect(page.locator("p.success")).to_be_visible()  # the job's summary: 1 sent
    (received,) = mailbox.received
    assert received.recipients == ["pierre@example.be"]
    ((name, pdf),) = received.pdfs().items()
    assert name == reminder.number.replace("/", "-") + ".pdf"
    assert reminder.formatted_communication in pdf_text(pdf)[1].replace("\n", " ")
    page.goto(run_page)
    page.locator("#run-documents").click()
    expect(page.locator("#sendings-sent")).to_have_text("1")


def test_officer_reminds_sends_gets_paid_by_the_bank_file_and_plans_the_rest(
    page,
    org_a,
    unpaid,
    tmp_path,
    smtp_server,  # noqa: F811 - the fixture imported above
    settings,
):
    """Given Pierre Boulanger (by e-mail) and his invoice of 25,00 € due 28/02/2026, when the
    officer saves a policy (a fee on level 1 is refused first), previews and creates a level-1
    run dated 11/03/2026, prints its reminders as one PDF and sends them by e-mail, and imports
    a CODA file paying 25,00 € with the reminder's communication, then the invoice is paid; a
    plan of three monthly instalments of his two later invoices shows 16,67 €, 16,67 € and
    16,66 € from next January, none late, and its printed schedule lists them with the plan's
    communication."""
    settings.MEDIA_ROOT = tmp_path / "media"
    person, invoice, later = unpaid
    make_user("fanny", org_a, Role.FINANCE)
    log_in(page, "fanny")
    policy_created(page)

    page.locator("nav.report-tabs a[href='/collection/runs/']").click()
    page.locator("a.button.primary[href='/collection/runs/new/']").click()
    page.locator("#id_level").select_option(index=1)
    page.locator("#id_run_date").fill("2026-03-11")
    page.locator("button[name=preview]").click()
    planned = page.locator("table.planned tbody tr")
    expect(planned).to_have_count(1)  # the later invoices are not due yet on 11/03
    expect(planned).to_contain_text("Boulanger")
    expect(planned).to_contain_text("25,00 €")
    page.screenshot(path=SHOTS / "collection-run-preview.png", full_page=True)
    page.locator("button[name=create]").click()
    page.wait_for_url("**/jobs/*/")
    page.locator(".job-status.status-done").wait_for()
    page.locator("a.button[href^='/collection/runs/']").click()
    page.wait_for_url("**/collection/runs/*/")
    run_page = page.url
    page.locator("table.reminders tbody a[href^='/collection/reminders/']").click()
    expect(page.locator("#reminder-total")).to_have_text("25,00 €")
    expect(page.locator("#reminder-address")).to_contain_text("5032 Isnes")
    communication = page.locator("#reminder-communication").inner_text()
    page.screenshot(path=SHOTS / "collection-reminder.png", full_page=True)
    with scope(org_a):
        reminder = Reminder.objects.get()
    assert communication == reminder.formatted_communication
    reminder_sent(page, run_page, reminder, smtp_server)

    bank_file = tmp_path / "extrait.cod"
    bank_file.write_bytes(coda_file([(2500, reminder.communication)], day=date(2026, 3, 20)))
    page.goto("/payments/files/import/")
    page.locator("#id_file").set_input_files(str(bank_file))
    page.locator("form.edit button[type=submit]").click()
    page.wait_for_url("**/jobs/*/")
    page.locator(".job-status.status-done").wait_for()
    page.goto(f"/billing/invoices/{invoice.pk}/")
    expect(page.locator("#invoice-status")).to_have_text("payée")
    page.screenshot(path=SHOTS / "collection-invoice-paid.png", full_page=True)
    page.goto(f"/collection/reminders/{reminder.pk}/")
    expect(page.locator("#reminder-status")).to_have_attribute("data-status", "paid")

    page.goto(f"/billing/persons/{person.pk}/account/")
    page.screenshot(path=SHOTS / "collection-account.png", full_page=True)
    page.locator(f"a.button[href='/collection/persons/{person.pk}/plan/']").click()
    for item in later:
        page.locator(f"#invoices input[value='{item.pk}']").check()
    page.locator("#id_count").fill("3")
    year = timezone.localdate().year + 1  # a plan of the coming months: nothing late yet
    page.locator("#id_first_due").fill(f"{year}-01-01")
    page.locator("button[name=preview]").click()
    cells = page.locator("table.instalments tbody td.amount")
    expect(cells).to_have_text(["16,67 €", "16,67 €", "16,66 €"])
    page.locator("button[name=create]").click()
    page.wait_for_url("**/collection/plans/*/")
    dates = [f"01/0{month}/{year}" for month in (1, 2, 3)]
    rows = page.locator("table.instalments tbody tr")
    expect(rows).to_have_count(3)
    assert [row.split("\t")[1] for row in rows.all_inner_texts()] == dates
    expect(page.locator("table.instalments")).not_to_contain_text("en retard")
    page.screenshot(path=SHOTS / "collection-plan.png", full_page=True)
    with scope(org_a):
        plan = PaymentPlan.objects.get()
    expect(page.locator("#plan-communication")).to_have_text(plan.formatted_communication)

    schedule = page.request.get(page.locator("#plan-schedule").get_attribute("href"))
    assert schedule.ok and schedule.headers["content-type"] == "application/pdf"
    _pages, text = pdf_text(schedule.body())
    assert plan.formatted_communication in text
    for cents, day in (("16,67", dates[0]), ("16,67", dates[1]), ("16,66", dates[2])):
        assert cents in text and day in text
    (SHOTS / "collection-plan-schedule.pdf").write_bytes(schedule.body())
