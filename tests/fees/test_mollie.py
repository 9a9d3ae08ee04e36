"""The Mollie wrapper, spoken through Mollie's own client to the simulated Mollie."""

from __future__ import annotations

import pytest
from tests.fees import builders as b

from regie.core.tenancy import scope
from regie.fees import mollie


def _create(organisation, key: str, cents: int = 3000, webhook: str = "http://t/w") -> dict:
    return mollie.payment_create(
        organisation=organisation,
        amount_cents=cents,
        communication="090000000193",
        redirect_url="http://t/r",
        webhook_url=webhook,
        idempotency_key=key,
    )


def test_a_payment_is_created_described_by_the_communication_and_read_back(org_a, fake_mollie):
    with scope(org_a):
        b.mollie_on(fake_mollie)
    created = _create(org_a, "k-1")
    assert created["amount"] == {"currency": "EUR", "value": "30.00"}
    assert created["description"] == "090000000193"
    assert created.checkout_url.startswith(fake_mollie.url + "/checkout/tr_")
    got = mollie.payment_get(organisation=org_a, mollie_id=created["id"])
    assert got["status"] == "open"
    assert mollie.cents(got["amount"]) == 3000


def test_the_same_idempotency_key_gives_back_the_same_payment(org_a, fake_mollie):
    with scope(org_a):
        b.mollie_on(fake_mollie)
    first, again = _create(org_a, "same", 1250), _create(org_a, "same", 1250)
    other = _create(org_a, "other", 1250)
    assert first["id"] == again["id"] != other["id"]
    assert len(fake_mollie.payments) == 2


def test_another_organisations_key_does_not_see_the_payment(org_a, org_b, fake_mollie):
    with scope(org_a):
        b.mollie_on(fake_mollie)
    with scope(org_b):
        b.mollie_on(fake_mollie, api_key="test_communeB1234567890")
    created = _create(org_a, "a", 500)
    with pytest.raises(mollie.MollieUnavailable):
        mollie.payment_get(organisation=org_b, mollie_id=created["id"])


def test_an_organisation_without_settings_offers_no_online_payment(org_a):
    assert not mollie.is_configured(org_a)
    with pytest.raises(type(mollie.NOT_CONFIGURED)) as raised:
        mollie.payment_get(organisation=org_a, mollie_id="tr_x")
    assert raised.value.code == "mollie.not_configured"


@pytest.mark.parametrize("mode", ["error", "timeout"])
def test_mollie_failing_or_silent_becomes_a_translated_unavailable_error(
    org_a, fake_mollie, monkeypatch, mode
):
    monkeypatch.setattr(mollie, "TIMEOUT", (1, 0.3))
    fake_mollie.mode, fake_mollie.delay = mode, 1.0
    with scope(org_a):
        b.mollie_on(fake_mollie)
    with pytest.raises(mollie.MollieUnavailable) as raised:
        mollie.payment_get(organisation=org_a, mollie_id="tr_missing")
    assert raised.value.code == "mollie.unavailable"


def test_refunds_and_payouts_for_the_money_side(org_a, fake_mollie):
    with scope(org_a):
        b.mollie_on(fake_mollie)
    created = _create(org_a, "p", webhook="")
    fake_mollie.pay(created["id"])
    refund, again = (
        mollie.refund_create(
            organisation=org_a,
            mollie_id=created["id"],
            amount_cents=1000,
            description="Permis annulé",
            idempotency_key="r-1",
        )
        for _ in range(2)
    )
    assert refund["id"] == again["id"] and mollie.cents(refund["amount"]) == 1000
    payout = fake_mollie.payout(fee_cents=29)
    listed = mollie.payouts_list(organisation=org_a)
    assert [p["id"] for p in listed] == [payout["id"]]
    by_reference = mollie.payout_get(organisation=org_a, reference=payout["reference"])
    assert mollie.cents(by_reference["amount"]) == 3000 - 1000 - 29
    payments = mollie.payout_payments(organisation=org_a, payout_id=payout["id"])
    assert [p["id"] for p in payments] == [created["id"]]


def test_serve_starts_the_simulated_mollie_the_settings_point_at_and_stops_it(org_a, monkeypatch):
    import socket

    from regie.core.management.commands import serve
    from regie.fees.models import MollieSettings
    from regie.fees.online import mollie_settings_save

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with scope(org_a):
        mollie_settings_save(
            settings=MollieSettings(api_endpoint=f"http://127.0.0.1:{port}"),
            api_key="test_servebeside000000",
        )
    created = []
    monkeypatch.setattr(
        serve, "call_command", lambda *args, **kwargs: created.append(_create(org_a, "serve"))
    )
    serve.Command()._serve("127.0.0.1", "0")
    assert created[0]["id"].startswith("tr_")
    with pytest.raises(mollie.MollieUnavailable):  # stopped with the server
        mollie.payment_get(organisation=org_a, mollie_id=created[0]["id"])
