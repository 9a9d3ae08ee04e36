"""Enforcement orders: candidates, the board's list and decision, exclusions (DOMAIN §7)."""

from datetime import date

import pytest
from tests.dunning.builders import invoice_of, parent, world
from tests.dunning.test_collection import open_of
from tests.dunning.test_reminders import run
from tests.payments.payment_builders import coda_file

from regie.core.errors import DomainError
from regie.dunning.models import Reminder
from regie.dunning.order_models import OrderListStatus
from regie.dunning.orders import order_candidates, order_list_create, order_list_endorse
from regie.dunning.plans import plan_create
from regie.dunning.selectors import run_preview
from regie.dunning.services import debtor_set
from regie.payments.imports import statements_import

pytestmark = pytest.mark.django_db


def noticed(*names):
    setup, policy = world()
    persons = [parent(name) for name in names]
    invoices = [invoice_of(setup, person, 2500) for person in persons]
    for number, day in ((1, date(2026, 3, 11)), (2, date(2026, 4, 1)), (3, date(2026, 4, 22))):
        run(policy, number, day)
    return policy, persons, invoices


def test_formal_notices_past_due_go_to_the_board_public_bodies_never(in_a):
    _policy, (citizen, commune), _invoices = noticed("Citizen", "Commune voisine")
    debtor_set(person=commune, kind="public_body")
    assert order_candidates(date(2026, 5, 7)) == []  # due 07/05: not past due yet
    [notice] = order_candidates(date(2026, 5, 8))
    assert notice.person == citizen
    public_notice = Reminder.objects.get(person=commune, level__number=3)
    with pytest.raises(DomainError) as error:
        order_list_create(notices=[public_notice], day=date(2026, 5, 8))
    assert error.value.code == "order.not_candidate"


def test_the_board_endorses_and_invoices_leave_runs_and_plans_but_can_be_paid(in_a):
    policy, (citizen,), (invoice,) = noticed("Citizen")
    [notice] = order_candidates(date(2026, 5, 8))
    order_list = order_list_create(notices=[notice], day=date(2026, 5, 8))
    with pytest.raises(DomainError):
        order_list_endorse(order_list=order_list, decision_date=date(2026, 5, 20), reference=" ")
    order_list_endorse(
        order_list=order_list, decision_date=date(2026, 5, 20), reference="COL/2026/112"
    )
    assert order_list.status == OrderListStatus.ENDORSED
    assert order_candidates(date(2026, 6, 1)) == []
    assert run_preview(policy.levels.get(number=1), date(2026, 6, 1)).planned == []
    with pytest.raises(DomainError) as error:
        plan_create(
            person=citizen,
            invoices=[invoice],
            frequency="monthly",
            first_due=date(2026, 6, 1),
            count=2,
            day=date(2026, 5, 25),
        )
    assert error.value.code == "plan.invoice_in_order"
    data = coda_file([(2500, invoice.communication)], day=date(2026, 6, 2))
    statements_import(data=data, name="a.cod")
    assert open_of(invoice) == 0


def test_invoices_in_an_active_plan_are_not_sent_to_the_board(in_a):
    """A debtor keeping to a payment plan is not proposed for the plan's invoices: the notice
    of two invoices, one of them put in a plan, proposes only the other one; once both are in
    the plan the notice is no candidate any more."""
    setup, policy = world()
    citizen = parent("Citizen")
    first, second = invoice_of(setup, citizen, 2500), invoice_of(setup, citizen, 4000)
    for number, day in ((1, date(2026, 3, 11)), (2, date(2026, 4, 1)), (3, date(2026, 4, 22))):
        run(policy, number, day)
    plan = {
        "frequency": "monthly",
        "first_due": date(2026, 6, 1),
        "count": 2,
        "day": date(2026, 5, 8),
    }
    plan_create(person=citizen, invoices=[first], **plan)
    [notice] = order_candidates(date(2026, 5, 8))
    order_list = order_list_create(notices=[notice], day=date(2026, 5, 8))
    [order] = order_list.orders.all()
    assert [item.invoice for item in order.items.all()] == [second]

    setup2, policy2 = world()
    other = parent("Other")
    only = invoice_of(setup2, other, 2500)
    for number, day in ((1, date(2026, 3, 11)), (2, date(2026, 4, 1)), (3, date(2026, 4, 22))):
        run(policy2, number, day)
    plan_create(person=other, invoices=[only], **plan)
    assert all(n.person != other for n in order_candidates(date(2026, 5, 8)))
