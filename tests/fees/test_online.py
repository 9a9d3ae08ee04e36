"""Paying a file online through Mollie (here the simulated Mollie): the pay page's button, the
payment created once per file version, Mollie's webhook recording it once, and retries."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from tests.conftest import make_organisation
from tests.fees import builders as b
from tests.submissions import concurrent, together

from regie.core.tenancy import scope
from regie.fees import mollie, online
from regie.fees.models import Callback, Checkout, FilePayment, FileState, MollieSettings
from regie.fees.services import file_push
from regie.ledger.models import Entry
from regie.payments.models import Payment

WEBHOOK = "/pay/mollie/webhook/"


@pytest.fixture
def permit(org_a, fake_mollie):
    """Worked example 13's file, its service calling back, and Mollie configured."""
    with scope(org_a):
        b.mollie_on(fake_mollie)
        service = b.service(callback_url="http://127.0.0.1:9/permits/paid")
        file, _ = file_push(service=service, data=b.container())
    return file


def go_online(file) -> str:
    """Press "Pay online" on the file's page; return where the applicant is sent."""
    answer = Client().post(reverse("fees:pay_online", args=[file.pay_token]))
    assert answer.status_code == 302, answer.content.decode()
    return answer["Location"]


def webhook(mollie_id: str) -> int:
    return Client().post(WEBHOOK, {"id": mollie_id}).status_code


def only_checkout(org) -> Checkout:
    with scope(org):
        return Checkout.objects.get()


def test_worked_example_13_three_webhooks_one_payment_one_entry_one_callback(
    org_a, permit, fake_mollie
):
    """A container on the public road, 2 days at 15.00, paid online: the webhook comes three
    times; one payment of 30.00, its ledger entries once, one call to the permit system."""
    checkout_url = go_online(permit)
    checkout = only_checkout(org_a)
    assert checkout_url == f"{fake_mollie.url}/checkout/{checkout.mollie_id}"
    created = fake_mollie.payments[checkout.mollie_id]
    assert created["amount"]["value"] == "30.00"
    assert created["description"] == permit.communication
    assert created["webhookUrl"] == "http://testserver" + WEBHOOK

    fake_mollie.pay(checkout.mollie_id)  # its own webhook call cannot reach the test client
    assert webhook(checkout.mollie_id) == 200
    with scope(org_a):
        entries = Entry.objects.count()
    asked = len(fake_mollie.requests)
    assert webhook(checkout.mollie_id) == 200
    assert webhook(checkout.mollie_id) == 200
    # Recorded: each call asks Mollie the payment's status once, and records nothing more.
    assert fake_mollie.requests[asked:] == [("GET", f"/v2/payments/{checkout.mollie_id}")] * 2

    with scope(org_a):
        payment = Payment.objects.get()
        permit.refresh_from_db()
        assert payment.amount_cents == 3000
        assert FilePayment.objects.filter(file=permit).count() == 1
        assert Entry.objects.count() == entries > 0
        assert Callback.objects.filter(file=permit).count() == 1
    assert permit.state == FileState.PAID
    assert "Payé : merci." in Client().get(reverse("fees:pay", args=[permit.pay_token])).text


def test_the_same_click_twice_goes_to_the_same_mollie_payment(org_a, permit, fake_mollie):
    assert go_online(permit) == go_online(permit)
    assert len(fake_mollie.payments) == 1
    assert only_checkout(org_a).idempotency_key.endswith(f"-{permit.communication}-3000-1")


@pytest.mark.parametrize("status", ["failed", "canceled", "expired"])
def test_after_a_failed_cancelled_or_expired_payment_the_applicant_tries_again(
    org_a, permit, fake_mollie, status
):
    first = go_online(permit)
    mollie_id = first.rsplit("/", 1)[1]
    fake_mollie.set_status(mollie_id, status)
    assert webhook(mollie_id) == 200
    page = Client().get(reverse("fees:pay", args=[permit.pay_token])).text
    assert "Réessayer en ligne" in page
    second = go_online(permit)
    assert second != first
    fake_mollie.pay(second.rsplit("/", 1)[1])
    assert webhook(second.rsplit("/", 1)[1]) == 200
    assert webhook(mollie_id) == 200
    with scope(org_a):
        assert Payment.objects.count() == 1
        assert sorted(Checkout.objects.values_list("status", flat=True)) == sorted(["paid", status])


def test_the_applicant_back_before_the_webhook_sees_the_file_paid(org_a, permit, fake_mollie):
    mollie_id = go_online(permit).rsplit("/", 1)[1]
    fake_mollie.pay(mollie_id)  # the webhook did not reach Regie (yet)
    page = Client().get(reverse("fees:pay", args=[permit.pay_token])).text
    assert "Payé : merci." in page
    assert webhook(mollie_id) == 200
    with scope(org_a):
        assert Payment.objects.count() == 1


@pytest.mark.parametrize("mode", ["error", "timeout"])
def test_mollie_failing_when_creating_records_nothing_and_the_applicant_can_retry(
    org_a, permit, fake_mollie, monkeypatch, mode
):
    monkeypatch.setattr(mollie, "TIMEOUT", (1, 0.3))
    fake_mollie.mode, fake_mollie.delay = mode, 0.8
    answer = Client().post(reverse("fees:pay_online", args=[permit.pay_token]))
    assert answer.status_code == 200
    assert "ne répond pas pour le moment" in answer.text
    with scope(org_a):
        assert not Checkout.objects.exists()
    fake_mollie.mode = "normal"
    mollie_id = go_online(permit).rsplit("/", 1)[1]
    # After a timeout Mollie may have created the payment: the same key gives it back.
    assert len(fake_mollie.payments) == 1
    fake_mollie.pay(mollie_id)
    assert webhook(mollie_id) == 200
    with scope(org_a):
        assert Payment.objects.count() == 1


@pytest.mark.parametrize("mode", ["error", "timeout"])
def test_mollie_failing_during_the_webhook_answers_503_and_the_next_call_records_once(
    org_a, permit, fake_mollie, monkeypatch, mode
):
    monkeypatch.setattr(mollie, "TIMEOUT", (1, 0.3))
    mollie_id = go_online(permit).rsplit("/", 1)[1]
    fake_mollie.pay(mollie_id)
    fake_mollie.mode, fake_mollie.delay = mode, 0.8
    assert webhook(mollie_id) == 503
    with scope(org_a):
        assert not Payment.objects.exists()
    fake_mollie.mode = "normal"
    assert webhook(mollie_id) == 200
    assert webhook(mollie_id) == 200
    with scope(org_a):
        assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    "body", [{"id": "tr_unknown123"}, {"id": "x" * 5000}, {"id": "'; drop table"}, {}]
)
def test_the_webhook_answers_200_to_junk_without_asking_mollie(fake_mollie, body, db):
    assert Client().post(WEBHOOK, body).status_code == 200
    assert fake_mollie.requests == []


def test_the_webhook_only_accepts_posts(db):
    assert Client().get(WEBHOOK).status_code == 405


def test_an_organisation_without_mollie_shows_no_online_button(in_a):
    file, _ = file_push(service=b.service(), data=b.container())
    page = Client().get(reverse("fees:pay", args=[file.pay_token])).text
    assert "Payer en ligne" not in page
    answer = Client().post(reverse("fees:pay_online", args=[file.pay_token]))
    assert answer.status_code == 200
    assert "ne propose pas le paiement en ligne" in answer.text


def test_a_paid_file_sends_nobody_to_mollie(org_a, permit, fake_mollie):
    mollie_id = go_online(permit).rsplit("/", 1)[1]
    fake_mollie.pay(mollie_id)
    webhook(mollie_id)
    answer = Client().post(reverse("fees:pay_online", args=[permit.pay_token]))
    assert answer.status_code == 302
    assert answer["Location"] == reverse("fees:pay", args=[permit.pay_token])
    assert len(fake_mollie.payments) == 1


def test_the_pay_page_lets_its_form_lead_to_mollies_checkout_only(org_a, permit, fake_mollie):
    """Browsers apply the policy's form-action to the redirect that follows a form: the pay
    page allows its own site and the checkout's, nothing else."""
    answer = Client().get(reverse("fees:pay", args=[permit.pay_token]))
    policy = dict(d.split(" ", 1) for d in answer["Content-Security-Policy"].split("; "))
    assert policy["form-action"] == f"'self' {fake_mollie.url}"
    assert policy["script-src"] == "'self'"


@concurrent
def test_four_webhook_calls_at_the_same_moment_record_one_payment(transactional_db, fake_mollie):
    """Mollie calling four times at once (each asks Mollie, finds it paid): the database's
    claim lets one record it; one payment, one call-back."""
    org = make_organisation("Commune concurrente")
    with scope(org):
        b.mollie_on(fake_mollie)
        service = b.service(callback_url="http://127.0.0.1:9/permits/paid")
        file, _ = file_push(service=service, data=b.container())
    mollie_id = go_online(file).rsplit("/", 1)[1]
    fake_mollie.pay(mollie_id)
    outcomes = together(*[lambda: online.webhook_receive(mollie_id)] * 4)
    assert outcomes == [True] * 4, outcomes
    with scope(org):
        assert Payment.objects.count() == 1
        assert Callback.objects.filter(file=file).count() == 1
        assert Checkout.objects.get().recorded_at is not None


def test_the_webhooks_read_gives_the_checkout_its_organisation_and_active_mollie_key(
    org_a, permit, fake_mollie
):
    """One read finds the checkout of Mollie's id in whichever organisation, with that
    organisation and its Mollie key and address; settings switched off give no key."""
    go_online(permit)
    checkout = only_checkout(org_a)
    found = online._webhook_checkout(checkout.mollie_id)
    assert (found.pk, found.organisation, found.file_id) == (checkout.pk, org_a, permit.pk)
    assert found.created_at == checkout.created_at  # a datetime on every database
    assert found.recorded_at is None
    assert (found.mollie_key, found.mollie_endpoint) == ("test_communeA1234567890", fake_mollie.url)
    assert online._webhook_checkout("tr_unknown") is None
    with scope(org_a):
        settings = MollieSettings.objects.get()
        settings.is_active = False
        online.mollie_settings_save(settings=settings)
    assert online._webhook_checkout(checkout.mollie_id).mollie_key is None
