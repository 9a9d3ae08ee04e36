"""Mollie's payouts ("settlements") fetched through the wrapper from the simulated Mollie:
recorded once with their fees and the payments they cover."""

from __future__ import annotations

from datetime import date

from tests.fees import builders as b

from regie.fees import mollie
from regie.payments.models import OnlinePayment, Payout
from regie.payments.payouts import payouts_fetch


def test_a_mollie_payout_is_fetched_once_with_its_fees_and_payments(in_a, fake_mollie):
    b.paid_online(in_a, fake_mollie, date(2026, 5, 4))
    settlement = fake_mollie.payout(fee_cents=29)
    [payout] = payouts_fetch()
    assert (payout.provider_id, payout.reference) == (settlement["id"], settlement["reference"])
    assert (payout.amount_cents, payout.fees_cents) == (2971, 29)
    assert OnlinePayment.objects.get().payout == payout
    assert payouts_fetch() == []  # known already
    assert Payout.objects.count() == 1


def test_without_mollie_nothing_is_fetched(in_a):
    assert payouts_fetch() == []


def test_mollie_not_answering_is_a_clear_refusal(in_a, fake_mollie):
    b.mollie_on(fake_mollie)
    fake_mollie.mode = "error"
    try:
        payouts_fetch()
    except mollie.MollieUnavailable as error:
        assert error.code == "mollie.unavailable"
    else:
        raise AssertionError("Mollie's error was not reported")
    assert not Payout.objects.exists()
