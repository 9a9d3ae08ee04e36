"""The dashboard of the work to do: counters registered by each app, per role (issue 14.6)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from tests import factories as f

from regie.attendance.dashboard import since
from regie.attendance.models import Day, DayStatus
from regie.billing.models import BillingRun, RunStatus
from regie.core import dashboard
from regie.core.models import Role
from regie.core.tenancy import scope

pytestmark = pytest.mark.django_db

EXPECTED = {
    Role.ADMINISTRATOR: {
        "people.without_billable",
        "attendance.days_error",
        "billing.runs_draft",
        "payments.movements_rejected",
        "documents.sendings_failed",
    },
    Role.COORDINATOR: {"attendance.days_error", "billing.runs_error", "people.children"},
    Role.FINANCE: {
        "billing.runs_draft",
        "payments.movements_rejected",
        "attendance.unbilled_error",
        "dunning.runs_waiting",
        "dunning.reminders_overdue",
        "dunning.instalments_late",
        "dunning.orders_to_decide",
    },
    Role.STAFF: {"attendance.days_error", "attendance.days_not_processed"},
    Role.AUDITOR: {"people.children"},
}
HIDDEN = {
    Role.COORDINATOR: {"payments.movements_rejected", "documents.sendings_failed"},
    Role.FINANCE: {"attendance.days_error"},
    Role.STAFF: {"billing.runs_draft", "people.children", "dunning.instalments_late"},
    Role.AUDITOR: {"attendance.days_error", "payments.movements_rejected"},
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_sees_its_own_counters(role):
    keys = {counter.key for counter in dashboard.counters_for(role)}
    assert EXPECTED[role] <= keys
    assert not HIDDEN.get(role, set()) & keys
    assert dashboard.counters_for(None) == []


def test_every_counter_is_one_query(in_a, django_assert_num_queries):
    for counter in dashboard.counters_for(Role.ADMINISTRATOR):
        with django_assert_num_queries(1):
            counter.count()


def test_an_app_registers_a_counter_and_the_dashboard_shows_it(in_a):
    counter = dashboard.Counter(
        key="tests.example",
        label="examples",
        count=lambda: 7,
        url=lambda: "/example/",
        roles=frozenset({Role.FINANCE}),
        section=dashboard.Section.MONEY,
        order=1,
    )
    try:
        dashboard.register_counter(counter)
        sections = dict(dashboard.dashboard(Role.FINANCE))
        money = sections[dashboard.Section.MONEY.label]
        assert money[0] == dashboard.Shown("tests.example", "examples", 7, "/example/", True)
        assert "tests.example" not in {c.key for c in dashboard.counters_for(Role.STAFF)}
    finally:
        dashboard._counters.pop("tests.example")


def _work(org):
    """Give ``org`` two days in error (one too old to count), a draft run and a run in error."""
    today = timezone.localdate()
    with scope(org):
        child = f.child()
        for day in (today, since(today) - timedelta(days=1)):
            Day.objects.create(child=child, date=day, status=DayStatus.ERROR)
        dates = {"date_from": date(2026, 1, 1), "date_to": date(2026, 1, 31)}
        dates |= {"invoice_date": date(2026, 2, 1), "due_date": date(2026, 3, 1)}
        BillingRun.objects.create(status=RunStatus.DRAFT, **dates)
        BillingRun.objects.create(status=RunStatus.ERROR, **dates)


def test_home_counts_the_organisations_work_and_links_to_the_lists(org_a, org_b, login):
    _work(org_a)
    _work(org_b)
    client = login(org_a, Role.COORDINATOR)
    page = client.get("/")
    assert page.status_code == 200
    shown = {c.key: c for _title, items in page.context["sections"] for c in items}
    assert shown["attendance.days_error"].value == 1
    assert shown["attendance.days_error"].url.startswith("/attendance/")
    assert shown["billing.runs_error"].value == 1
    assert shown["billing.runs_draft"].value == 1
    assert "payments.movements_rejected" not in shown
    runs = client.get(shown["billing.runs_draft"].url)
    assert [run.status for run in runs.context["object_list"]] == [RunStatus.DRAFT]
    days = client.get(shown["attendance.days_error"].url)
    assert days.status_code == 200
    assert 'data-counter="attendance.days_error"' in page.content.decode()
