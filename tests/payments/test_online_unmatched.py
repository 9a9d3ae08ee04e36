"""An online payment whose communication matches nothing is not lost (issue 16): the money is
on the provider's clearing account against the suspense account, it waits among the online
payments to allocate, and a clerk allocates it by hand to a person, as a rejected bank
movement. The reconciliation agrees with the ledger before and after."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from tests.conftest import with_token
from tests.fees import builders as b
from tests.fees import conftest as fees_fixtures
from tests.payments import test_payment_screens as screens
from tests.payments import test_payment_services as spec
from tests.payments.test_online_payments import balance, open_of, pay

from regie.core.errors import DomainError
from regie.core.tenancy import scope
from regie.fees.models import Checkout
from regie.fees.online import checkout_open
from regie.ledger.services import chain_verify
from regie.payments.models import OnlinePayment, Payment
from regie.payments.online import online_payment_allocate, to_allocate
from regie.payments.payouts import clearing_at
from regie.payments.reconciliation import reconciliation, suspense_at

DAY = date(2026, 5, 4)
NOWHERE = "999999999999"
invoices = spec.invoices  # Anne Dupont's posted invoices: 2,00 and 0,50
finance = screens.finance  # organisation A's finance officer, logged in
fake_mollie = fees_fixtures.fake_mollie


def agrees(until: date = DAY) -> bool:
    """The reconciliation's suspense and clearing figures equal the ledger's."""
    report = reconciliation(date(2026, 1, 1), until)
    figures = {c.key: (c.source, c.ledger) for c in report.comparisons}
    return figures["suspense"][0] == figures["suspense"][1] and (
        figures["clearing"][0] == figures["clearing"][1]
    )


def test_an_unknown_communication_is_received_on_the_suspense_account(invoices):
    assert pay(NOWHERE, 500) is None
    online = OnlinePayment.objects.get()
    assert (online.payment, online.amount_cents, online.communication) == (None, 500, NOWHERE)
    assert not Payment.objects.exists()
    assert balance("provider_clearing") == 500
    assert balance("suspense") == -500
    assert list(to_allocate()) == [online]
    assert (clearing_at(DAY), suspense_at(DAY)) == (500, 500)
    assert agrees() and spec.ledger_balances()

    assert pay(NOWHERE, 500) is None  # Mollie calls again: nothing more
    assert OnlinePayment.objects.count() == 1 and balance("suspense") == -500


def test_allocated_by_hand_it_pays_the_persons_invoices_from_the_day_it_was_paid(invoices):
    mum, (october, november) = invoices
    pay(NOWHERE, 300)
    online = OnlinePayment.objects.get()
    payment = online_payment_allocate(online=online, person=mum, split={october.pk: 200})
    assert (payment.person, payment.amount_cents, payment.date) == (mum, 300, DAY)
    assert (open_of(october), open_of(november)) == (0, 50)
    online.refresh_from_db()
    assert online.payment == payment
    assert not to_allocate().exists()
    assert balance("suspense") == 0 and balance("provider_clearing") == 300
    assert agrees() and spec.ledger_balances() and chain_verify() is None

    with pytest.raises(DomainError) as refused:
        online_payment_allocate(online=online, person=mum)
    assert refused.value.code == "online.already_allocated"


def test_mollies_webhook_for_a_communication_nothing_has_records_it_to_allocate(org_a, fake_mollie):
    with scope(org_a):
        b.mollie_on(fake_mollie)
    checkout = checkout_open(
        organisation=org_a,
        communication=NOWHERE,
        amount_cents=1250,
        redirect_url="http://testserver/pay/",
        webhook_url="",
    )
    fake_mollie.pay(checkout.mollie_id)
    for _ in range(2):
        assert Client().post("/pay/mollie/webhook/", {"id": checkout.mollie_id}).status_code == 200
    with scope(org_a):
        assert Checkout.objects.get().recorded_at is not None
        online = OnlinePayment.objects.get()
        assert (online.provider_id, online.amount_cents, online.payment) == (
            checkout.mollie_id,
            1250,
            None,
        )


def test_the_finance_officer_sees_it_and_allocates_it_on_its_page(invoices, finance):
    mum, (october, november) = invoices
    pay(NOWHERE, 250)
    online = OnlinePayment.objects.get()
    url = reverse("payments:online-allocate", args=[online.pk])

    listed = finance.get(reverse("payments:payout-list"))
    noticed = finance.get(reverse("payments:movement-list"))
    search = finance.get(url, {"q": "dupont"})
    response = finance.post(
        url,
        with_token({"person": mum.pk, f"item_{october.pk}": "2,00", f"item_{november.pk}": "0,50"}),
    )

    assert url in listed.content.decode() and "2,50" in listed.content.decode()
    assert 'id="online-to-allocate"' in noticed.content.decode()
    assert [p.pk for p in search.context["found"]] == [mum.pk]
    payment = Payment.objects.get()
    assert response["Location"] == reverse("payments:payment-detail", args=[payment.pk])
    assert (open_of(october), open_of(november)) == (0, 0)
    assert agrees() and spec.ledger_balances()
    assert 'id="online-to-allocate"' not in finance.get(reverse("payments:movement-list")).text


def test_another_organisations_online_payment_is_not_found(invoices, finance, org_b):
    with scope(org_b):
        pay(NOWHERE, 250)
        online = OnlinePayment.objects.get()
    assert finance.get(reverse("payments:online-allocate", args=[online.pk])).status_code == 404
