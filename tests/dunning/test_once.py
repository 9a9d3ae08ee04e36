"""The collection forms record their money once (issue 13, 3): a reminder run, a reminder's
cancellation (its fee reversed), a payment plan and its cancellation, a list for the board and
its decision, sent twice with the same form, happen once; the second answer shows the first
one's result with "already submitted", never an error."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from tests.conftest import with_token
from tests.dunning.builders import invoice_of, parent, world
from tests.dunning.test_orders import noticed
from tests.dunning.test_plans import example_12
from tests.dunning.test_screens import reminded
from tests.submissions import said_once

from regie.core.models import Job, Role
from regie.core.tenancy import scope
from regie.dunning.models import Reminder, ReminderRun
from regie.dunning.order_models import OrderList, OrderListStatus
from regie.dunning.plan_models import PaymentPlan, PlanStatus


@pytest.fixture
def finance(org_a, login):
    return login(org_a, Role.FINANCE)


def twice(client, url: str, data: dict, capture=None):
    """Post the same form twice (running the jobs it starts); return both answers."""
    answers = []
    for _ in range(2):
        if capture is None:
            answers.append(client.post(url, data))
        else:
            with capture(execute=True):
                answers.append(client.post(url, data))
    return answers


def test_a_reminder_run_created_twice_is_one_run(
    org_a, finance, django_capture_on_commit_callbacks
):
    with scope(org_a):
        setup, policy = world()
        invoice_of(setup, parent(), 2500)
        level = policy.levels.get(number=1)
    url = reverse("dunning:run-create")
    assert 'name="once"' in finance.get(url).content.decode()
    data = with_token({"level": level.pk, "run_date": "2026-03-11", "due_date": "", "create": "1"})
    first, again = twice(finance, url, data, django_capture_on_commit_callbacks)
    with scope(org_a):
        job = Job.objects.get()
        assert ReminderRun.objects.count() == 1 and Reminder.objects.count() == 1
    assert first["Location"] == again["Location"] == reverse("job", args=[job.pk])
    assert said_once(again)


def test_a_reminder_cancelled_twice_with_the_same_form_says_so(org_a, finance):
    _invoice, second = reminded(org_a)
    url = reverse("dunning:reminder-cancel", args=[second.pk])
    assert 'name="once"' in finance.get(url).content.decode()
    first, again = twice(finance, url, with_token())
    assert first["Location"] == again["Location"] == reverse("dunning:reminder", args=[second.pk])
    assert said_once(again)
    with scope(org_a):
        second.refresh_from_db()
        assert second.cancelled_at is not None


def test_a_plan_created_twice_with_the_same_form_is_one_plan(org_a, finance):
    with scope(org_a):
        setup, _policy = world()
        person = parent()
        invoice = invoice_of(setup, person, 3000, date(2026, 1, 31))
    url = reverse("dunning:person-plan", args=[person.pk])
    assert 'name="once"' in finance.get(url).content.decode()
    form = {"invoices": [invoice.pk], "count": "3", "frequency": "monthly"}
    data = with_token({**form, "first_due": "2026-04-01", "create": "1"})
    first, again = twice(finance, url, data)
    with scope(org_a):
        plan = PaymentPlan.objects.get()
    assert first["Location"] == again["Location"] == reverse("dunning:plan", args=[plan.pk])
    assert said_once(again)


def test_a_plan_cancelled_twice_with_the_same_form_says_so(org_a, finance):
    with scope(org_a):
        plan = example_12()[-1]
    url = reverse("dunning:plan-cancel", args=[plan.pk])
    assert 'name="once"' in finance.get(url).content.decode()
    first, again = twice(finance, url, with_token())
    assert first["Location"] == again["Location"] == reverse("dunning:plan", args=[plan.pk])
    assert said_once(again)
    with scope(org_a):
        plan.refresh_from_db()
        assert plan.status == PlanStatus.CANCELLED


def test_the_board_list_and_its_decision_sent_twice_are_recorded_once(org_a, finance):
    with scope(org_a):
        noticed("Citizen")
    url = reverse("dunning:order-candidates")
    page = finance.get(url)
    assert 'name="once"' in page.content.decode()
    notice = page.context["candidates"][0]
    first, again = twice(finance, url, with_token({"notices": [notice.pk]}))
    with scope(org_a):
        order_list = OrderList.objects.get()
    shown = reverse("dunning:order-list", args=[order_list.pk])
    assert first["Location"] == again["Location"] == shown and said_once(again)
    assert 'name="once"' in finance.get(shown).content.decode()
    decision = {"decision_date": order_list.created_on.isoformat(), "reference": "COL/2026/7"}
    first, again = twice(finance, shown, with_token(decision))
    assert first["Location"] == again["Location"] == shown and said_once(again)
    with scope(org_a):
        order_list.refresh_from_db()
        assert order_list.status == OrderListStatus.ENDORSED
