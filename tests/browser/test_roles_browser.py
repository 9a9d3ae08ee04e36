"""Each role at home (issue 14): coordinator, finance officer and administrator start at the
dashboard, follow a counter to its list and do the job, in a real browser, in French."""

from __future__ import annotations

import re
import tempfile
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from tests import factories as f
from tests.browser.test_registry_browser import log_in
from tests.conftest import make_user
from tests.payments import test_payment_services as spec

from regie.activities.models import Price
from regie.attendance.models import Day, DayStatus, ScanEvent, Source
from regie.attendance.verifying import day_verify, days_touch
from regie.core.models import Membership, Role
from regie.core.tenancy import scope
from regie.payments.imports import statements_import
from regie.payments.models import BankMovement, MovementStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

invoices = spec.invoices  # Anne Dupont owes 2.00 (October) and 0.50 (November)


def shot(page, name: str) -> None:
    """Keep a screenshot to look at, as a clerk would (in the temporary directory)."""
    page.screenshot(path=str(Path(tempfile.gettempdir()) / f"roles-{name}.png"), full_page=True)


def counter(page, key: str):
    return page.locator(f"li[data-counter='{key}']")


def a_day_scanned_twice(org) -> Day:
    """Léa's evening care of last week: two exits at 17:30 (scanned twice), so in error."""
    day = timezone.localdate() - timedelta(days=7)
    with scope(org):
        evening = f.activity("Accueil du soir", "16:00", "18:00", date_to=None)
        f.price("Soir", [evening], unit=50)
        child = f.child("Léa", "Lambert", parent=f.person("Lambert", "Sophie"))
        for _twice in range(2):
            ScanEvent.objects.create(
                child=child,
                place=evening.place,
                date=day,
                time=time(17, 30),
                direction="exit",
                source=Source.MANUAL,
            )
        days_touch([(child.pk, day)])
        found = day_verify(Day.objects.get(child=child, date=day))
    assert found.status == DayStatus.ERROR
    return found


def test_coordinator_fixes_a_day_from_the_dashboard_then_changes_a_price(page, org_a):
    make_user("claire", org_a, Role.COORDINATOR)
    day = a_day_scanned_twice(org_a)

    log_in(page, "claire")
    assert counter(page, "attendance.days_error").locator("strong").inner_text() == "1"
    assert counter(page, "payments.movements_rejected").count() == 0
    shot(page, "coordinator-dashboard")
    counter(page, "attendance.days_error").locator("a").click()
    page.locator(f"a[href='/attendance/days/{day.pk}/']").first.click()
    page.locator("table.events tr.in-error form button.danger").first.click()
    page.locator("#day-status[data-status='verified']").wait_for()
    page.locator("a.brand").click()
    assert counter(page, "attendance.days_error").locator("strong").inner_text() == "0"

    page.locator("nav a[href='/activities/']").click()
    page.locator("nav.subnav a[href='/activities/prices/']").click()
    page.locator("table.list a", has_text="Soir").click()
    page.locator("a.button[href$='/change-from/']").click()
    page.locator("#id_day").fill("2027-01-01")
    page.locator("#id_unit_cents").fill("0,65")
    page.locator("form.edit button.primary").click()
    page.wait_for_url(re.compile(r".*/activities/prices/\d+/$"))
    assert "0,65" in page.locator("#id_unit_cents").input_value()
    shot(page, "coordinator-price")
    with scope(org_a):
        assert Price.objects.get(valid_from=date(2027, 1, 1)).unit_cents == 65


def test_finance_officer_corrects_a_rejected_movement_from_the_dashboard(page, org_a, invoices):
    mum, (october, november) = invoices
    make_user("fanny", org_a, Role.FINANCE)
    with scope(org_a):
        statements_import(data=spec.coda(("2.50", "")), name="extrait.cod")

    log_in(page, "fanny")
    assert counter(page, "payments.movements_rejected").locator("strong").inner_text() == "1"
    assert counter(page, "attendance.days_error").count() == 0
    shot(page, "finance-dashboard")
    counter(page, "payments.movements_rejected").locator("a").click()
    page.locator("tbody[data-status='rejected'] td.actions a").click()
    search = page.locator("#person-search input[name=q]")
    search.fill("")
    search.press_sequentially("dupo", delay=50)  # the list follows as she types
    page.locator("#persons-found a.button").wait_for()
    assert "Léa" in page.locator("#persons-found").inner_text()
    shot(page, "finance-picker")
    page.locator("#persons-found a.button").click()
    page.locator("form.edit button.primary").click()
    page.wait_for_url("**/payments/*/")
    with scope(org_a):
        assert BankMovement.objects.get().status == MovementStatus.CORRECTED
    page.locator("a.brand").click()
    assert counter(page, "payments.movements_rejected").locator("strong").inner_text() == "0"


def test_administrator_invites_a_member_who_then_logs_in(page, org_a, browser, live_server):
    make_user("adam", org_a, Role.ADMINISTRATOR)

    log_in(page, "adam")
    assert counter(page, "members.invited").locator("strong").inner_text() == "0"
    shot(page, "admin-dashboard")
    counter(page, "members.invited").locator("a").click()
    page.locator("#id_email").fill("julie.lambert@example.be")
    page.locator("#id_first_name").fill("Julie")
    page.locator("#id_last_name").fill("Lambert")
    page.locator("#id_role").select_option(Role.COORDINATOR)
    page.locator("form.edit button.primary").click()
    page.locator(".messages .success").wait_for()
    assert "Julie Lambert" in page.locator("table.members").inner_text()
    shot(page, "admin-members")
    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)

    context = browser.new_context(base_url=live_server.url, locale="fr-BE")
    julie = context.new_page()
    julie.goto(link)
    julie.locator("#id_new_password1").fill("un-mot-de-passe-solide-42")
    julie.locator("#id_new_password2").fill("un-mot-de-passe-solide-42")
    julie.locator("form.edit button.primary").click()
    julie.wait_for_url("**/login/")
    julie.locator("#id_username").fill("julie.lambert@example.be")
    julie.locator("#id_password").fill("un-mot-de-passe-solide-42")
    julie.locator("form button[type=submit].primary").click()
    julie.wait_for_url("**/")
    assert julie.locator("li[data-counter='attendance.days_error']").count() == 1
    context.close()
    membership = Membership.objects.get(user__email="julie.lambert@example.be")
    assert membership.role == Role.COORDINATOR and membership.user.is_active
