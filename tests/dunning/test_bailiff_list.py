"""The bailiff's list of an endorsed enforcement-order list (DOMAIN §7, issue 15 item 4)."""

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from tests.dunning.test_orders import noticed

from regie.core.models import AuditLog, Role
from regie.core.tenancy import scope
from regie.dunning.orders import order_candidates, order_list_create, order_list_endorse
from regie.people.models import Person

pytestmark = pytest.mark.django_db


def endorsed_list(org):
    """Return an endorsed list with one debtor, her national number and an invoice of 25,00 €."""
    with scope(org):
        _policy, (citizen,), (invoice,) = noticed("Citizen")
        Person.objects.filter(pk=citizen.pk).update(national_number="85073003328")
        [notice] = order_candidates(date(2026, 5, 8))
        order_list = order_list_create(notices=[notice], day=date(2026, 5, 8))
        url = reverse("dunning:bailiff-list", args=[order_list.pk])
        assert order_list.status == "proposed"
        return order_list, notice, invoice, url


def test_the_finance_officer_downloads_the_list_once_endorsed_and_it_is_logged(org_a, login):
    finance = login(org_a, Role.FINANCE)
    order_list, notice, invoice, url = endorsed_list(org_a)
    page = reverse("dunning:order-list", args=[order_list.pk])
    assert url not in finance.get(page).content.decode()
    assert finance.get(url).status_code == 404  # not endorsed yet
    with scope(org_a):
        order_list_endorse(
            order_list=order_list, decision_date=date(2026, 5, 20), reference="COL/2026/112"
        )
    assert url in finance.get(page).content.decode()
    response = finance.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    debtor, *fees, total = rows
    assert [fee[6] for fee in fees] == [5.0, 10.0]  # the reminders' fees still open
    assert debtor[:5] == [
        "Citizen Pierre",
        "85.07.30-033.28",
        "Rue Léon Morel 1, 5032 Isnes",
        notice.number,
        invoice.number,
    ]
    assert debtor[6] == 25.0 and sheet.cell(row=4, column=7).number_format == "#,##0.00"
    assert debtor[7].date() == date(2026, 5, 20) and debtor[8] == "COL/2026/112"
    assert total[6] == 40.0
    with scope(org_a):
        entry = AuditLog.objects.get(action=AuditLog.Action.EXPORT)
    assert entry.object_id == str(order_list.pk) and "huissier" in entry.detail


def test_the_auditor_and_another_organisation_cannot_download_it(org_a, org_b, login):
    order_list, _notice, _invoice, url = endorsed_list(org_a)
    with scope(org_a):
        order_list_endorse(order_list=order_list, decision_date=date(2026, 5, 20), reference="R")
    assert login(org_a, Role.AUDITOR).get(url).status_code == 403
    assert login(org_b, Role.FINANCE).get(url).status_code == 404
    with scope(org_a):
        assert not AuditLog.objects.filter(action=AuditLog.Action.EXPORT).exists()
