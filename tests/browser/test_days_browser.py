"""A coordinator fixes days in error from the days screen, in a real browser."""

from datetime import date, time

import pytest
from playwright.sync_api import expect
from tests import factories as f
from tests.browser.test_registry_browser import log_in
from tests.conftest import make_user

from regie.attendance.models import Day, DayStatus, ScanEvent, Source
from regie.attendance.verifying import day_verify, days_touch
from regie.core.models import Role
from regie.core.tenancy import scope

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = date(2025, 10, 1)


def day_in_error(org, events: list[tuple[str, str]]) -> Day:
    """Record the events of Léa's day at evening care (16:00–18:00) and verify it."""
    with scope(org):
        evening = f.activity("Accueil du soir", "16:00", "18:00")
        child = f.child("Léa", "Lambert", parent=f.person("Lambert", "Sophie"))
        for hhmm, direction in events:
            ScanEvent.objects.create(
                child=child,
                place=evening.place,
                date=DAY,
                time=time.fromisoformat(hhmm),
                direction=direction,
                source=Source.MANUAL,
            )
        days_touch([(child.pk, DAY)])
        day = day_verify(Day.objects.get(child=child, date=DAY))
    assert day.status == DayStatus.ERROR
    return day


def open_day_from_the_list(page, day: Day) -> None:
    page.locator("nav a[href='/attendance/days/']").click()
    page.wait_for_url("**/attendance/days/")
    assert page.locator("tbody[data-status='error']").count() == 1
    page.locator(f"tbody[data-status='error'] a[href='/attendance/days/{day.pk}/']").first.click()
    page.wait_for_url(f"**/attendance/days/{day.pk}/")
    assert page.locator("#day-status").get_attribute("data-status") == "error"


def attendance_rows(page) -> list[list[str]]:
    rows = page.locator("table.attendances tbody tr")
    return [rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())]


def test_coordinator_swaps_confused_directions_and_sees_the_day_verified(page, org_a):
    """Given an exit at 16:10 then an entry at 17:00 (pressed the wrong way), when the
    coordinator clicks the suggested swap, the day is verified with 16:10–17:00, 50 minutes."""
    make_user("claire", org_a, Role.COORDINATOR)
    day = day_in_error(org_a, [("16:10", "exit"), ("17:00", "entry")])

    log_in(page, "claire")
    open_day_from_the_list(page, day)
    assert page.locator("table.events tr.suggested").count() == 2
    page.locator("form.swap button[type=submit]").click()

    page.locator("#day-status[data-status='verified']").wait_for()
    ((_status, _category, activity, _place, entry, exit_, minutes, *_rest),) = attendance_rows(page)
    assert (activity, entry, exit_, minutes) == ("Accueil du soir", "16:10", "17:00", "50")
    expect(page.locator(".messages .success")).to_be_visible()


def test_coordinator_deactivates_a_duplicate_scan_and_sees_the_day_verified(page, org_a):
    """Given two exits at 17:30 (scanned twice), when the coordinator deactivates one in the
    encoding history, the day is verified with 16:00–17:30 and the event stays, inactive."""
    make_user("claire", org_a, Role.COORDINATOR)
    day = day_in_error(org_a, [("17:30", "exit"), ("17:30", "exit")])

    log_in(page, "claire")
    open_day_from_the_list(page, day)
    expect(page.locator("[data-code='verification.duplicate_scans']")).to_be_visible()
    page.locator("table.events tr.in-error form button.danger").first.click()

    page.locator("#day-status[data-status='verified']").wait_for()
    ((_status, _category, activity, _place, entry, exit_, minutes, *_rest),) = attendance_rows(page)
    assert (activity, entry, exit_, minutes) == ("Accueil du soir", "16:00", "17:30", "90")
    assert page.locator("table.events tr.inactive").count() == 1
    with scope(org_a):
        assert ScanEvent.objects.filter(active=False).count() == 1
