"""A coordinator runs the verify-days wizard in a real browser and follows its result."""

from datetime import date, time

import pytest
from tests import factories as f
from tests.browser.test_registry_browser import log_in
from tests.conftest import make_user

from regie.attendance.models import Day, DayStatus, ScanEvent
from regie.attendance.verifying import day_verify, days_touch
from regie.core.models import Job, Role
from regie.core.tenancy import scope

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def exit_scan(child, place, day: date, moment: str) -> None:
    ScanEvent.objects.create(
        child=child, place=place, date=day, time=time.fromisoformat(moment), direction="exit"
    )


def test_coordinator_verifies_a_period_and_opens_the_days_in_error(page, org_a):
    """Given three October days not processed (two fine, one with a scan outside every window)
    and a day in error, when the coordinator runs the wizard on October, the job page reaches
    "done" with the summary, and its link opens the days in error of October."""
    make_user("claire", org_a, Role.COORDINATOR)
    with scope(org_a):
        evening = f.activity("Accueil du soir", "16:00", "18:00")
        for name, moment in (("Léa", "16:30"), ("Tom", "19:30"), ("Zoé", "17:15")):
            exit_scan(f.child(name), evening.place, date(2025, 10, 6), moment)
        noe = f.child("Noé")
        exit_scan(noe, evening.place, date(2025, 10, 7), "19:45")
        days_touch([(noe.pk, date(2025, 10, 7))])
        assert day_verify(Day.objects.get(child=noe)).status == DayStatus.ERROR

    log_in(page, "claire")
    page.locator("nav a[href='/attendance/checks/verify/']").click()
    page.locator("#id_date_from").fill("2025-10-01")
    page.locator("#id_date_to").fill("2025-10-31")
    page.locator("input[name=actions][value=verify]").check()
    page.locator("input[name=statuses][value=error]").check()
    page.locator("input[name=statuses][value=not_processed]").check()
    page.locator("form.edit button[type=submit]").click()

    page.wait_for_url("**/jobs/*/")
    page.locator(".job-status.status-done").wait_for()
    assert page.locator("#job-progress").get_attribute("value") == "100"
    with scope(org_a):
        job = Job.objects.get()
    assert job.result["counts"]["verified"] == 2
    assert job.result["counts"]["errors"] == 2
    assert page.locator("p.success").inner_text() == job.result["summary"]
    page.locator("a.button[href^='/attendance/days/']").click()
    page.wait_for_url("**/attendance/days/?status=error&date_from=2025-10-01&date_to=2025-10-31")
    with scope(org_a):
        assert Day.objects.filter(status=DayStatus.ERROR).count() == 2
