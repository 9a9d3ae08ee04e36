"""Collection screens: enforcement orders for the board and payment plans (DOMAIN §7)."""

import uuid
from datetime import date

import pytest
from django.urls import reverse
from tests.conftest import with_token
from tests.dunning.builders import invoice_of, parent, world
from tests.dunning.test_orders import noticed
from tests.dunning.test_plans import example_12, pay
from tests.payments.payment_builders import coda_file

from regie.core.daily import daily_run
from regie.core.models import Role
from regie.core.tenancy import scope
from regie.dunning.models import Reminder
from regie.dunning.order_models import OrderList, OrderListStatus
from regie.dunning.plan_models import PaymentPlan, PlanStatus
from regie.dunning.services import debtor_set
from regie.payments.imports import statements_import
from regie.payments.reconciliation import reconciliation

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance(org_a, login):
    return login(org_a, Role.FINANCE)


def test_the_board_list_is_built_then_its_decision_recorded(org_a, finance):
    """Formal notices past due are proposed; a public body is refused with its reason."""
    with scope(org_a):
        _policy, (citizen, commune), _invoices = noticed("Citizen", "Commune voisine")
        debtor_set(person=commune, kind="public_body")
    page = finance.get(reverse("dunning:order-candidates"))
    assert [n.person for n in page.context["candidates"]] == [citizen]
    assert [n.person for n in page.context["public_bodies"]] == [commune]
    notice = page.context["candidates"][0]
    proposed = finance.post(
        reverse("dunning:order-candidates"), {"notices": [notice.pk], "once": uuid.uuid4().hex}
    )
    assert proposed.status_code == 302
    with scope(org_a):
        order_list = OrderList.objects.get()
    url = reverse("dunning:order-list", args=[order_list.pk])
    assert "25,00 €" in finance.get(url).content.decode()
    refused = finance.post(url, with_token({"decision_date": "2026-05-20", "reference": " "}))
    assert refused.status_code == 200 and refused.context["form"].errors
    today = order_list.created_on.isoformat()
    finance.post(url, with_token({"decision_date": today, "reference": "COL/2026/112"}))
    with scope(org_a):
        order_list.refresh_from_db()
        assert order_list.status == OrderListStatus.ENDORSED
    assert "COL/2026/112" in finance.get(reverse("dunning:order-lists")).content.decode()


def test_a_plan_is_previewed_from_the_account_then_created(org_a, finance):
    """Worked example 12 on screen: 16,67 / 16,67 / 16,66 from 01/04/2026."""
    with scope(org_a):
        setup, _policy = world()
        person = parent()
        first = invoice_of(setup, person, 3000, date(2026, 1, 31))
        second = invoice_of(setup, person, 2000, date(2026, 2, 28))
    account = finance.get(reverse("billing:account", args=[person.pk])).content.decode()
    url = reverse("dunning:person-plan", args=[person.pk])
    assert url in account
    form = {
        "invoices": [first.pk, second.pk],
        "count": "3",
        "frequency": "monthly",
        "first_due": "2026-04-01",
    }
    preview = finance.post(url, {**form, "preview": "1"})
    amounts = [i.amount_cents for i in preview.context["instalments"]]
    assert amounts == [1667, 1667, 1666] and preview.context["total"] == 5000
    neither = finance.post(url, {**form, "count": "", "preview": "1"})
    assert neither.context["form"].non_field_errors()
    created = finance.post(url, {**form, "create": "1", "once": uuid.uuid4().hex})
    assert created.status_code == 302
    with scope(org_a):
        plan = PaymentPlan.objects.get()
    page = finance.get(created["Location"]).content.decode()
    assert "16,66 €" in page and plan.formatted_communication in page


def test_the_plans_list_shows_paid_open_and_late_and_a_plan_is_cancelled(org_a, finance):
    with scope(org_a):
        _setup, _policy, _person, _invoices, plan = example_12()
        pay(plan, 1667, date(2026, 4, 3), 1)
    listed = finance.get(reverse("dunning:plan-list")).context["page_obj"].object_list
    sums = listed[0].sums
    assert (sums.paid_cents, sums.open_cents, sums.late_cents) == (1667, 3333, 3333)
    url = reverse("dunning:plan-cancel", args=[plan.pk])
    assert finance.get(url).status_code == 200
    finance.post(url, with_token())
    with scope(org_a):
        plan.refresh_from_db()
        assert plan.status == PlanStatus.CANCELLED


def test_the_account_shows_reminder_fees_in_the_balance(org_a, finance):
    with scope(org_a):
        setup, policy = world()
        person = parent()
        invoice_of(setup, person, 2500)
        from tests.dunning.test_reminders import run

        run(policy, 1, date(2026, 3, 11))
        run(policy, 2, date(2026, 4, 1))
    page = finance.get(reverse("billing:account", args=[person.pk]))
    assert page.context["balance"] == 3000
    assert "RAP/2026/00002" in page.content.decode()


def test_the_reconciliation_agrees_with_fees_paid_by_a_reminders_payment(org_a, finance):
    """A level-2 reminder of 30,00 € (fee 5,00 €) paid by the bank file: the credits, the
    receivables and the fees receivable agree with the ledger, before and after."""
    with scope(org_a):
        setup, policy = world()
        person = parent()
        invoice_of(setup, person, 2500)
        from tests.dunning.test_reminders import run

        run(policy, 1, date(2026, 3, 11))
        run(policy, 2, date(2026, 4, 1))
        second = Reminder.objects.get(level__number=2)
        before = reconciliation(date(2026, 1, 1), date(2026, 4, 10))
        data = coda_file([(3000, second.communication)], day=date(2026, 4, 12))
        statements_import(data=data, name="avril.cod")
        after = reconciliation(date(2026, 1, 1), date(2026, 4, 30))
    fees = {c.key: (c.source, c.ledger) for c in before.comparisons}["fees"]
    assert fees == (500, 500)
    assert {c.key: (c.source, c.ledger) for c in after.comparisons}["fees"] == (0, 0)
    assert after.agrees, [c for c in after.comparisons if not c.agrees] + after.differences
    page = finance.get(reverse("payments:reconciliation"), {"date_from": "2026-01-01"})
    assert 'data-key="fees"' in page.content.decode()


def test_a_late_instalment_links_to_its_late_payment_letter_in_pdf(org_a, finance):
    """Example 12: after the daily work of 09/05/2026 instalment 2 has a letter, the plan's
    page links to it and the link answers its PDF; instalment 3 has none yet."""
    with scope(org_a):
        _setup, _policy, _person, _invoices, plan = example_12()
        pay(plan, 1667, date(2026, 4, 3), 1)
        daily_run(date(2026, 5, 9))
        second, third = plan.instalments.filter(number__in=[2, 3]).order_by("number")
    page = finance.get(reverse("dunning:plan", args=[plan.pk])).content.decode()
    letter = reverse("documents:pdf", args=["late_letter", second.pk])
    assert letter in page
    assert reverse("documents:pdf", args=["late_letter", third.pk]) not in page
    response = finance.get(letter)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
