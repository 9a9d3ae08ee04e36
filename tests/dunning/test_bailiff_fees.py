"""Bailiff's costs recovered, recorded as fees on an enforcement order (DOMAIN §7)."""

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from tests.conftest import with_token
from tests.dunning.test_orders import noticed
from tests.dunning.test_reminders import fees_open

from regie.core.errors import DomainError
from regie.core.models import Role
from regie.core.tenancy import scope
from regie.dunning.models import Reminder
from regie.dunning.order_models import BailiffFee, EnforcementOrder
from regie.dunning.orders import (
    bailiff_fee_record,
    order_candidates,
    order_list_create,
    order_list_endorse,
)
from regie.payments.reconciliation import reconciliation

pytestmark = pytest.mark.django_db

DECIDED = date(2026, 5, 20)


def ordered(endorse: bool = True):
    """Return the order of a parent whose 25,00 € invoice had three reminders (fees 5 + 10)."""
    _policy, (citizen,), (invoice,) = noticed("Citizen")
    [notice] = order_candidates(date(2026, 5, 8))
    order_list = order_list_create(notices=[notice], day=date(2026, 5, 8))
    if endorse:
        order_list_endorse(order_list=order_list, decision_date=DECIDED, reference="COL/112")
    return citizen, invoice, EnforcementOrder.objects.get(order_list=order_list)


def record(order, cents=4537, day=date(2026, 6, 10), reference="HUI-2026-77"):
    return bailiff_fee_record(
        order=order, amount_cents=cents, day=day, reference=reference, today=date(2026, 6, 15)
    )


def test_bailiff_costs_are_a_fee_of_the_debtor_in_the_ledger_and_the_reconciliation(in_a):
    citizen, _invoice, order = ordered()
    assert fees_open(citizen) == 1500  # the reminders' fees 5,00 + 10,00
    fee = record(order)
    assert fee.person == citizen and fee.number == f"{order.formal_notice.number}/H1"
    assert fees_open(citizen) == 1500 + 4537
    assert record(order, 1000).number.endswith("/H2")
    report = reconciliation(date(2026, 1, 1), date(2026, 6, 30))
    assert {c.key: (c.source, c.ledger) for c in report.comparisons}["fees"] == (7037, 7037)
    before = reconciliation(date(2026, 1, 1), date(2026, 6, 9))
    assert {c.key: (c.source, c.ledger) for c in before.comparisons}["fees"] == (1500, 1500)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"cents": 0}, "order.fee_amount"),
        ({"cents": -500}, "order.fee_amount"),
        ({"cents": 200_001}, "order.fee_amount"),
        ({"day": date(2026, 5, 19)}, "order.fee_date"),  # before the board's decision
        ({"day": date(2026, 6, 16)}, "order.fee_date"),  # after today
        ({"reference": "  "}, "order.fee_reference"),
    ],
)
def test_absurd_costs_are_refused_and_nothing_is_written(in_a, changes, code):
    citizen, _invoice, order = ordered()
    with pytest.raises(DomainError) as error:
        record(order, **changes)
    assert error.value.code == code
    assert not BailiffFee.objects.exists() and fees_open(citizen) == 1500


def test_nothing_is_recorded_on_an_order_not_endorsed_or_cancelled(in_a):
    _citizen, _invoice, order = ordered(endorse=False)
    with pytest.raises(DomainError) as error:
        record(order)
    assert error.value.code == "order.fee_not_endorsed"
    order_list_endorse(order_list=order.order_list, decision_date=DECIDED, reference="COL/112")
    EnforcementOrder.objects.filter(pk=order.pk).update(active=False)
    with pytest.raises(DomainError) as error:
        record(order)
    assert error.value.code == "order.fee_cancelled"
    assert not BailiffFee.objects.exists()


def test_the_finance_officer_records_costs_on_the_order_page_once(org_a, login):
    finance = login(org_a, Role.FINANCE)
    with scope(org_a):
        citizen, _invoice, order = ordered()
    url = reverse("dunning:order", args=[order.pk])
    page = finance.get(url).content.decode()
    assert "25,00 €" in page and "id_amount_cents" in page
    list_page = reverse("dunning:order-list", args=[order.order_list_id])
    assert url in finance.get(list_page).content.decode()
    refused = finance.post(
        url, with_token({"amount_cents": "-3", "day": "2026-06-01", "reference": "H"})
    )
    assert refused.status_code == 200 and refused.context["form"].errors
    form = with_token({"amount_cents": "45,37", "day": "2026-06-01", "reference": "HUI-77"})
    assert finance.post(url, form).status_code == 302
    finance.post(url, form)  # the same form again: recorded once
    with scope(org_a):
        assert BailiffFee.objects.get().amount_cents == 4537
        assert fees_open(citizen) == 1500 + 4537
    page = finance.get(url).content.decode()
    assert "45,37 €" in page and "HUI-77" in page
    account = finance.get(reverse("billing:account", args=[citizen.pk]))
    assert account.context["balance"] == 2500 + 1500 + 4537
    assert "45,37 €" in account.content.decode()


def test_the_auditor_and_another_organisation_cannot_record(org_a, org_b, login):
    with scope(org_a):
        _citizen, _invoice, order = ordered()
    url = reverse("dunning:order", args=[order.pk])
    form = with_token({"amount_cents": "45,37", "day": "2026-06-01", "reference": "H"})
    auditor = login(org_a, Role.AUDITOR)
    assert auditor.get(url).status_code == 200
    assert "id_amount_cents" not in auditor.get(url).content.decode()
    assert auditor.post(url, form).status_code == 403
    other = login(org_b, Role.FINANCE)
    assert other.get(url).status_code == 404
    assert other.post(url, form).status_code == 404
    with scope(org_a):
        assert not BailiffFee.objects.exists()
    with scope(org_b):
        assert not BailiffFee.objects.exists()


def test_the_bailiffs_list_holds_the_reminder_fees_still_open(org_a, login):
    finance = login(org_a, Role.FINANCE)
    with scope(org_a):
        _citizen, invoice, order = ordered()
        second, notice = Reminder.objects.filter(level__number__in=[2, 3]).order_by("issued_on")
    url = reverse("dunning:bailiff-list", args=[order.order_list_id])
    sheet = load_workbook(io.BytesIO(finance.get(url).content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    *debts, total = rows
    assert [(r[4], r[6]) for r in debts] == [
        (invoice.number, 25.0),
        (f"Frais de rappel {second.number}", 5.0),
        (f"Frais de rappel {notice.number}", 10.0),
    ]
    assert total[6] == 40.0
