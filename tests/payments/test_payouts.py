"""Payouts of the payment provider (DOMAIN §8): matched with the bank movement that brought
them (proposed when the amount and the reference agree), fees booked as an expense, the
clearing account emptied; the reconciliation shows what is still in transit."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from django.db.models import F, Sum
from django.urls import reverse
from tests.conftest import make_organisation
from tests.payments.payment_builders import statement, world

from regie.core.errors import DomainError
from regie.core.models import Role
from regie.core.tenancy import scope
from regie.ledger.models import EntryLine
from regie.ledger.services import chain_verify
from regie.payments import payouts
from regie.payments.imports import statements_import
from regie.payments.models import BankMovement, MovementStatus, Payout
from regie.payments.online import record_online_payment
from regie.payments.outcomes import movement_outcome_undo
from regie.payments.parsers.coda_writer import write_coda
from regie.payments.payouts import PayoutData, payout_confirm, payout_proposals, payout_record
from regie.payments.reconciliation import reconciliation

DAY = date(2026, 5, 4)
REFERENCE = "1234567.2605.01"


def balance(role: str) -> int:
    lines = EntryLine.objects.filter(account__role=role)
    return lines.aggregate(t=Sum(F("debit") - F("credit")))["t"] or 0


def paid_online() -> list:
    """Two invoices paid online: 2.50 (tr_1) and 13.00 (tr_2): 15.50 at the provider."""
    _, invoices = world()
    for n, invoice in enumerate(invoices[:2], start=1):
        record_online_payment(
            provider_payment_id=f"tr_{n}",
            amount_cents=250 if n == 1 else 1300,
            communication=invoice.communication,
            paid_on=DAY,
        )
    return invoices


def payout(**fields) -> Payout:
    data = PayoutData("stl_1", REFERENCE, 1486, 64, date(2026, 5, 6), ("tr_1", "tr_2"))
    return payout_record(dataclasses.replace(data, **fields))


def bank(cents: int = 1486, communication: str = f"MOLLIE B.V. PAYOUT {REFERENCE}") -> None:
    base = statement([(cents, "")], day=date(2026, 5, 7))
    moved = dataclasses.replace(
        base.movements[0], communication=communication, counterparty_name="STICHTING MOLLIE"
    )
    data = write_coda([dataclasses.replace(base, movements=(moved,))])
    statements_import(data=data, name="mollie.cod")


def test_a_payout_is_proposed_when_the_amount_and_the_reference_agree(in_a):
    paid_online()
    recorded = payout()
    bank()
    [(proposed_payout, movement)] = payout_proposals()
    assert proposed_payout == recorded
    assert movement == BankMovement.objects.get()


@pytest.mark.parametrize(
    ("cents", "communication"),
    [(1487, f"PAYOUT {REFERENCE}"), (1486, "PAYOUT 1234567.2605.02"), (1486, "")],
)
def test_no_proposal_when_the_amount_or_the_reference_differs(in_a, cents, communication):
    paid_online()
    payout()
    bank(cents, communication)
    assert payout_proposals()[0][1] is None


def test_confirming_books_the_fees_and_empties_the_clearing_account(in_a):
    paid_online()
    recorded = payout()
    bank()
    assert balance("provider_clearing") == 1550
    assert balance("suspense") == -1486
    movement = BankMovement.objects.get()
    payout_confirm(payout=recorded, movement=movement, day=date(2026, 5, 7))
    assert balance("provider_clearing") == 0
    assert balance("provider_fees") == 64
    assert balance("suspense") == 0
    assert balance("bank") == 1486
    movement.refresh_from_db()
    assert movement.status == MovementStatus.PAYOUT
    assert payout_proposals() == []
    assert payouts.in_transit() == []
    assert chain_verify() is None


def test_a_payout_is_matched_once(in_a):
    paid_online()
    recorded = payout()
    bank()
    movement = BankMovement.objects.get()
    payout_confirm(payout=recorded, movement=movement)
    with pytest.raises(DomainError) as refused:
        payout_confirm(payout=recorded, movement=movement)
    assert refused.value.code in ("payout.already_matched", "movement.not_rejected")


def test_a_movement_of_another_amount_is_refused(in_a):
    paid_online()
    recorded = payout()
    bank(1000, "something else")
    with pytest.raises(DomainError) as refused:
        payout_confirm(payout=recorded, movement=BankMovement.objects.get())
    assert refused.value.code == "payout.amount_differs"
    assert balance("provider_clearing") == 1550


def test_undoing_the_match_puts_the_payout_back_to_match(in_a):
    paid_online()
    recorded = payout()
    bank()
    movement = BankMovement.objects.get()
    payout_confirm(payout=recorded, movement=movement, day=date(2026, 5, 7))
    movement_outcome_undo(movement=movement, day=date(2026, 5, 8))
    assert balance("provider_clearing") == 1550
    assert balance("provider_fees") == 0
    assert balance("suspense") == -1486
    [(again, proposed)] = payout_proposals()
    assert (again, proposed) == (recorded, movement)
    assert chain_verify() is None


def test_recording_a_payout_twice_records_it_once(in_a):
    paid_online()
    first, second = payout(), payout(amount_cents=1)
    assert first.pk == second.pk
    assert Payout.objects.count() == 1
    assert second.payments.count() == 2


def test_the_reconciliation_shows_what_is_in_transit_and_agrees(in_a):
    paid_online()
    bank()  # the payout's movement is imported before the provider's payout is known
    report = reconciliation(date(2026, 5, 1), date(2026, 5, 31))
    clearing = next(c for c in report.comparisons if c.key == "clearing")
    assert (clearing.source, clearing.ledger) == (1550, 1550)
    assert sorted(o.provider_id for o in report.in_transit) == ["tr_1", "tr_2"]
    payout_confirm(payout=payout(), movement=BankMovement.objects.get(), day=date(2026, 5, 7))
    report = reconciliation(date(2026, 5, 1), date(2026, 5, 31))
    clearing = next(c for c in report.comparisons if c.key == "clearing")
    assert (clearing.source, clearing.ledger) == (0, 0)
    assert report.in_transit == []
    assert report.agrees, report.differences
    before = reconciliation(date(2026, 5, 1), date(2026, 5, 6))  # before the match
    assert next(c for c in before.comparisons if c.key == "clearing").source == 1550


def test_the_finance_officer_confirms_the_proposed_match_on_the_payouts_page(in_a, login):
    paid_online()
    recorded = payout()
    bank()
    movement = BankMovement.objects.get()
    client = login(in_a, Role.FINANCE)
    page = client.get(reverse("payments:payout-list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert REFERENCE in html and "14,86" in html and "0,64" in html
    assert "1486" not in html  # no cents shown
    form = page.context["proposals"]
    assert form == [(recorded, movement)]
    token = html.split('name="once" value="')[1].split('"')[0]
    url = reverse("payments:payout-confirm", args=[recorded.pk])
    answer = client.post(url, {"movement": movement.pk, "once": token})
    assert answer.status_code == 302
    recorded.refresh_from_db()
    assert recorded.outcome is not None
    assert balance("provider_clearing") == 0
    again = client.post(url, {"movement": movement.pk, "once": token})  # a double click
    assert again.status_code == 302
    assert balance("provider_fees") == 64


def test_a_bad_movement_number_is_a_clear_refusal(in_a, login):
    paid_online()
    recorded = payout()
    client = login(in_a, Role.FINANCE)
    page = client.get(reverse("payments:payout-list")).content.decode()
    url = reverse("payments:payout-confirm", args=[recorded.pk])
    token = page.split('name="once" value="')[1].split('"')[0] if 'name="once"' in page else ""
    answer = client.post(url, {"movement": "abc", "once": token})
    assert answer.status_code in (302, 400)


def test_an_auditor_sees_the_payouts_but_cannot_confirm(in_a, login):
    paid_online()
    recorded = payout()
    bank()
    client = login(in_a, Role.AUDITOR)
    assert client.get(reverse("payments:payout-list")).status_code == 200
    url = reverse("payments:payout-confirm", args=[recorded.pk])
    answer = client.post(url, {"movement": BankMovement.objects.get().pk})
    assert answer.status_code == 403
    assert balance("provider_clearing") == 1550


def test_another_organisations_payout_and_movement_are_unknown(org_a, login):
    other = make_organisation("Commune B")
    with scope(other):
        paid_online()
        theirs = payout()
        bank()
        their_movement = BankMovement.objects.get()
    with scope(org_a):
        assert payout_proposals() == []
        assert payouts.in_transit() == []
    client = login(org_a, Role.FINANCE)
    page = client.get(reverse("payments:payout-list")).content.decode()
    assert REFERENCE not in page
    url = reverse("payments:payout-confirm", args=[theirs.pk])
    answer = client.post(url, {"movement": their_movement.pk})
    assert answer.status_code in (302, 404)
    with scope(other):
        theirs.refresh_from_db()
        assert theirs.outcome is None
