"""A form that creates money is recorded once (issue 13, 3): a double click, a replayed POST
or a second tab with the same form gives one payment and shows the first one's result."""

from __future__ import annotations

import threading
import uuid
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from tests.conftest import make_organisation, make_user
from tests.payments import test_payment_services as spec
from tests.payments.payment_builders import world
from tests.payments.test_payment_screens import payment_data

from regie.core.models import Role, Submission
from regie.core.tenancy import scope
from regie.payments.models import Payment, Refund
from regie.payments.services import payment_create, person_credit

invoices = spec.invoices


@pytest.fixture
def finance(org_a, login):
    return login(org_a, Role.FINANCE)


def test_the_same_form_posted_twice_records_one_payment(invoices, finance):
    mum, _ = invoices
    data = payment_data(mum, amount="3,00")
    first = finance.post(reverse("payments:payment-create"), data)
    again = finance.post(reverse("payments:payment-create"), data, follow=True)
    payment = Payment.objects.get()
    assert first["Location"] == reverse("payments:payment-receipt", args=[payment.pk])
    assert again.redirect_chain[0][0] == first["Location"]
    assert Submission.objects.count() == 1


def test_the_form_shows_a_token_and_a_post_without_one_records_nothing(invoices, finance):
    mum, _ = invoices
    page = finance.get(reverse("payments:payment-create"), {"person": mum.pk})
    assert 'name="once"' in page.content.decode()
    data = payment_data(mum)
    del data["once"]
    response = finance.post(reverse("payments:payment-create"), data)
    assert response.status_code == 200 and 'name="once"' in response.content.decode()
    assert not Payment.objects.exists()


def test_a_refused_submission_does_not_use_the_token_up(invoices, finance):
    """The form shown again with its errors keeps a usable token: corrected, it records."""
    mum, _ = invoices
    data = payment_data(mum, amount="3,00")
    refused = finance.post(reverse("payments:payment-create"), {**data, "date": "bad"})
    assert refused.status_code == 200 and not Payment.objects.exists()
    assert finance.post(reverse("payments:payment-create"), data).status_code == 302
    assert Payment.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions")
def test_two_tabs_submitting_at_the_same_moment_record_one_payment(transactional_db):
    """Given the same cash payment form submitted from two connections at once (no explicit
    split), then one payment exists and both answers lead to it."""
    org = make_organisation("Commune pressée")
    with scope(org):
        (anne, *_), _ = world()
    user = make_user("caisse", org, Role.FINANCE)
    data = payment_data(anne, amount="5,00")
    start = threading.Barrier(2, timeout=30)
    answers: list[object] = [None, None]

    def submit(index: int) -> None:
        client = Client()
        client.force_login(user)
        try:
            start.wait()
            answers[index] = client.post(reverse("payments:payment-create"), data)
        except BaseException as error:  # reported by the main thread
            answers[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [getattr(a, "status_code", a) for a in answers] == [302, 302], answers
    with scope(org):
        payment = Payment.objects.get()
    shown = reverse("payments:payment-receipt", args=[payment.pk])
    assert [a["Location"] for a in answers] == [shown, shown]


def test_a_refund_submitted_twice_is_recorded_once(invoices, finance):
    mum, _ = invoices
    payment_create(person=mum, day=date(2025, 12, 5), amount_cents=1000, mode="transfer")
    url = reverse("payments:refund-create", args=[mum.pk])
    assert 'name="once"' in finance.get(url).content.decode()
    data = {"amount": "2,00", "iban": mum.iban, "date": "2025-12-08", "once": uuid.uuid4().hex}
    assert finance.post(url, data)["Location"] == reverse("payments:refund-list")
    assert finance.post(url, data)["Location"] == reverse("payments:refund-list")
    assert Refund.objects.count() == 1 and person_credit(mum.pk) == 550  # 7,50 - 2,00
