"""Amounts typed in forms: what does not fit is refused with a message, a large amount asks for
a confirmation (issue 12 item 5)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from tests import factories as f
from tests.activities.test_activity_config import new_price
from tests.payments import test_payment_services as spec
from tests.payments.test_payment_screens import payment_data

from regie.activities.models import Price
from regie.core.amounts import MAX_CENTS, MoneyField
from regie.core.models import Role
from regie.payments.models import Payment

invoices = spec.invoices


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("99999999999999999999999", "money.too_large"),
        ("10.000.000,00", "money.too_large"),
        ("-1", "money.negative"),
        ("12,345", "money.decimals"),
        ("abc", "money.invalid"),
        ("1e999999999", "money.invalid"),
        ("NaN", "money.invalid"),
    ],
)
def test_what_is_not_an_amount_of_the_books_is_refused_with_its_reason(typed, code):
    with pytest.raises(ValidationError) as refused:
        MoneyField().clean(typed)
    assert refused.value.code == code


def test_the_largest_amount_is_taken():
    assert MoneyField().clean("9.999.999,99") == MAX_CENTS
    assert MoneyField().clean("12,5") == 1250


def test_a_cash_payment_of_a_million_asks_for_a_confirmation(invoices, org_a, login):
    """1.000.000,00 € in cash: the form comes back with the tick, no receipt is printed; ticked,
    the payment is registered."""
    mum, _ = invoices
    finance = login(org_a, Role.FINANCE)
    url = reverse("payments:payment-create")

    response = finance.post(url, payment_data(mum, amount="1.000.000,00"))

    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["amount"]] == [
        "money.confirm"
    ]
    assert 'name="confirm_amounts"' in response.content.decode()
    assert not Payment.objects.exists()

    response = finance.post(url, payment_data(mum, amount="1.000.000,00", confirm_amounts="on"))
    assert response.status_code == 302
    assert Payment.objects.get().amount_cents == 100_000_000


def test_an_absurd_payment_is_refused_on_the_form(invoices, org_a, login):
    mum, _ = invoices
    finance = login(org_a, Role.FINANCE)
    response = finance.post(
        reverse("payments:payment-create"), payment_data(mum, amount="99999999999999999999999")
    )
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["amount"]] == [
        "money.too_large"
    ]
    assert not Payment.objects.exists()


def test_a_price_change_with_an_absurd_unit_price_is_refused(in_a, login):
    evening = f.activity("Accueil du soir", "16:00", "18:00")
    old = new_price("Soir", [evening], valid_from=date(2025, 1, 1))
    client = login(in_a)
    url = reverse("activities:price-change", args=[old.pk])

    huge = client.post(url, {"day": "2025-08-25", "unit_cents": "99999999999999999999999"})
    large = client.post(url, {"day": "2025-08-25", "unit_cents": "1.500,00"})

    assert huge.status_code == large.status_code == 200
    assert [e.code for e in huge.context["form"].errors.as_data()["unit_cents"]] == [
        "money.too_large"
    ]
    assert [e.code for e in large.context["form"].errors.as_data()["unit_cents"]] == [
        "money.confirm"
    ]
    assert Price.objects.count() == 1
    confirmed = client.post(
        url, {"day": "2025-08-25", "unit_cents": "1.500,00", "confirm_amounts": "on"}
    )
    assert confirmed.status_code == 302
    assert Price.objects.exclude(pk=old.pk).get().unit_cents == 150_000
