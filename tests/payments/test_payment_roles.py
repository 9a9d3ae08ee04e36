"""Specification of who may do what on the payment screens: ``finance.view`` sees every list
and page, ``finance.edit`` acts; roles without ``finance.view`` see nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from tests.conftest import with_token
from tests.payments import test_payment_services as spec
from tests.payments.test_payment_screens import payment_data

from regie.core.models import Role
from regie.payments.models import BankMovement, MovementStatus, Payment
from regie.payments.services import payment_create

invoices = spec.invoices  # Anne Dupont's posted invoices: October 2.00, November 0.50


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("payments:payment-list", {}),
        ("payments:movement-list", {}),
        ("payments:file-list", {}),
        ("payments:refund-list", {}),
        ("payments:reconciliation", {}),
    ],
)
def test_every_role_with_finance_view_sees_the_lists_and_others_do_not(
    in_a, org_a, login, name, kwargs
):
    url = reverse(name, kwargs=kwargs)
    for role, status in (
        (Role.AUDITOR, 200),
        (Role.COORDINATOR, 200),
        (Role.FINANCE, 200),
        (Role.STAFF, 403),
    ):
        assert login(org_a, role).get(url).status_code == status, role


def test_an_auditor_sees_but_cannot_act(invoices, org_a, login):
    """finance.view shows the screens; every action needs finance.edit."""
    mum, (october, _) = invoices
    payment = payment_create(person=mum, day=date(2025, 12, 5), amount_cents=100, mode="cash")
    spec.statements_import(data=spec.coda(("2.50", "")), name="x.cod")
    movement = BankMovement.objects.get()
    auditor = login(org_a, Role.AUDITOR)

    assert auditor.get(reverse("payments:payment-detail", args=[payment.pk])).status_code == 200
    assert auditor.get(reverse("payments:movement-detail", args=[movement.pk])).status_code == 200
    assert auditor.get(reverse("payments:payment-receipt", args=[payment.pk])).status_code == 200
    forbidden = [
        ("get", reverse("payments:statement-import"), {}),
        ("get", reverse("payments:payment-create"), {}),
        ("post", reverse("payments:payment-create"), payment_data(mum)),
        ("post", reverse("payments:payment-cancel", args=[payment.pk]), with_token()),
        (
            "post",
            reverse("payments:movement-detail", args=[movement.pk]),
            with_token({"person": mum.pk}),
        ),
        ("get", reverse("payments:refund-create", args=[mum.pk]), {}),
        ("post", reverse("payments:sepa-create"), with_token()),
        ("get", reverse("payments:sepa-file"), {"batch": "SEPA/2025/00001"}),
    ]
    for method, url, data in forbidden:
        assert getattr(auditor, method)(url, data).status_code == 403, url
    assert Payment.objects.count() == 1 and Payment.objects.get().cancelled_at is None
    assert BankMovement.objects.get().status == MovementStatus.REJECTED


def test_the_main_menu_leads_finance_roles_to_the_movements(in_a, org_a, login):
    target = reverse("payments:movement-list")
    assert f'href="{target}"' in login(org_a, Role.FINANCE).get("/").content.decode()
    assert f'href="{target}"' not in login(org_a, Role.STAFF).get("/").content.decode()
