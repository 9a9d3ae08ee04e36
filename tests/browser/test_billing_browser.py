"""A finance officer bills October in a real browser, after an administrator adds a price."""

from datetime import date, time

import pytest
from tests import factories as f
from tests.browser.test_registry_browser import log_in
from tests.conftest import make_user

from regie.attendance.services import event_add_manual
from regie.billing.models import BillingRun, Invoice, RunStatus
from regie.core.models import Role
from regie.core.tenancy import scope
from regie.people.models import Child

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def preview(page) -> None:
    page.locator("#id_date_from").fill("2025-10-01")
    page.locator("#id_date_to").fill("2025-10-31")
    page.locator("#id_invoice_date").fill("2025-11-03")
    page.locator("#id_due_date").fill("2025-12-03")
    page.locator("button[name=preview]").click()
    page.locator("section.preview").wait_for()


def wait_for_job_and_follow(page) -> None:
    page.wait_for_url("**/jobs/*/")
    page.locator(".job-status.status-done").wait_for()
    assert page.locator("#job-progress").get_attribute("value") == "100"
    page.locator("a.button[href^='/billing/runs/']").click()
    page.wait_for_url("**/billing/runs/*/")


def admin_adds_the_missing_price(browser, base_url: str, coverage_url: str) -> None:
    """Log an administrator in elsewhere, open the coverage check and add the price it asks for
    (every position, open-ended, 0,50 € per started half hour)."""
    context = browser.new_context(base_url=base_url, locale="fr-BE")
    admin = context.new_page()
    admin.set_default_timeout(15000)
    log_in(admin, "adam")
    admin.goto(coverage_url)
    admin.locator("a[href^='/activities/prices/new/']").first.click()
    admin.wait_for_url("**/activities/prices/new/*")
    assert admin.locator("#id_name").input_value() == "Accueil du soir"
    admin.locator("#id_positions").fill("")
    admin.locator("#id_valid_to").fill("")
    admin.locator("#id_period_minutes").fill("00:30")
    admin.locator("#id_unit_cents").fill("0,50")
    admin.locator("form.edit button.primary").click()
    admin.wait_for_url("**/activities/prices/")
    context.close()


def leas_evening_without_price(org):
    """Léa's evening care of 1 October, 16:10–17:45, verified; no price exists yet."""
    with scope(org):
        evening = f.activity("Accueil du soir", "16:00", "18:00")
        lea = f.child("Léa", parent=f.person("Dupont", "Anne"))
        for moment, direction in (("16:10", "entry"), ("17:45", "exit")):
            event_add_manual(
                child=lea,
                place=evening.place,
                day=date(2025, 10, 1),
                moment=time.fromisoformat(moment),
                direction=direction,
            )
    return evening


def test_finance_officer_previews_fixes_a_missing_price_creates_and_posts_a_run(
    browser, live_server, page, org_a
):
    """Given Léa's verified evening care and no price for it: the finance officer's preview
    shows the missing price with a link to the coverage check; an administrator follows it and
    adds the price; the preview is then clean; creating the invoices and posting the run go
    through their jobs, and the invoice list shows FACT/2025/00001 for 2,00 €."""
    make_user("fanny", org_a, Role.FINANCE)
    make_user("adam", org_a, Role.ADMINISTRATOR)
    evening = leas_evening_without_price(org_a)
    with scope(org_a):  # a day in error: scans at 19:00 and 19:30, after every window
        lea = Child.objects.get(first_name="Léa")
        for moment, direction in (("19:00", "entry"), ("19:30", "exit")):
            event_add_manual(
                child=lea,
                place=evening.place,
                day=date(2025, 10, 2),
                moment=time.fromisoformat(moment),
                direction=direction,
            )

    log_in(page, "fanny")
    page.locator("nav a[href='/billing/runs/']").click()
    page.locator("a[href='/billing/runs/new/']").click()
    page.locator(f"input[name=categories][value='{evening.category_id}']").check()
    preview(page)
    left_out = page.locator("p.notice[data-unverified-days]")
    assert left_out.get_attribute("data-unverified-days") == "1"
    assert "1 journée des catégories, de la période et des écoles" in left_out.inner_text()
    assert "aucune présence" in left_out.inner_text()
    days = page.context.new_page()
    days.goto(left_out.locator("a").get_attribute("href"))
    assert days.locator("table.days tbody tr:not(.group)").count() == 1
    days.close()
    problem = page.locator("table.problems tr[data-code='pricing.missing']")
    assert problem.count() == 1
    assert "Accueil du soir" in problem.inner_text()
    coverage = problem.locator("a[href^='/activities/coverage/']").get_attribute("href")

    admin_adds_the_missing_price(browser, live_server.url, coverage)

    page.locator("button[name=preview]").click()
    page.locator("#preview-summary").wait_for()
    assert page.locator("table.problems").count() == 0
    assert "2,00 €" in page.locator("#preview-summary").inner_text()
    page.locator("button[name=create]").click()
    wait_for_job_and_follow(page)
    assert page.locator("#run-status").get_attribute("data-status") == "draft"
    assert page.locator("#run-total").inner_text() == "2,00 €"
    page.locator("a[href$='/post/']").click()
    page.locator("form.confirm button[type=submit]").click()
    wait_for_job_and_follow(page)
    assert page.locator("#run-status").get_attribute("data-status") == "posted"

    page.locator("nav a[href='/billing/invoices/']").click()
    page.wait_for_url("**/billing/invoices/")
    row = page.locator("table.invoices tbody tr", has_text="FACT/2025/00001")
    assert row.count() == 1
    assert "Dupont Anne" in row.inner_text() and "2,00 €" in row.inner_text()
    with scope(org_a):
        assert BillingRun.objects.get().status == RunStatus.POSTED
        assert Invoice.objects.get().number == "FACT/2025/00001"
