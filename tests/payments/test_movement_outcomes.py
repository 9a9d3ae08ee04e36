"""Specification of rejected movements nobody owes (issue 14, item 9): a finance officer sets
one aside with a reason (a transfer between our own accounts, bank fees, another reason with a
note) or refunds it to its payer by the next SEPA file, and undoes that; the ledger and the
reconciliation follow to the cent."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.text import capfirst
from django.utils.translation import gettext
from tests import factories as f
from tests.payments import test_payment_services as spec
from tests.payments.test_reconciliation import figures, kinds

from regie.core import dashboard
from regie.core.errors import DomainError
from regie.core.models import Role
from regie.ledger.models import Account, EntryLine
from regie.ledger.rules import AccountRole
from regie.payments.corrections import movement_correct
from regie.payments.imports import statements_import
from regie.payments.models import BankMovement, MovementOutcome, MovementStatus, Refund
from regie.payments.outcomes import (
    movement_outcome_undo,
    movement_refund,
    movement_set_aside,
)
from regie.payments.parsers.coda_writer import write_coda
from regie.payments.parsers.statement import Movement, Statement
from regie.payments.reconciliation import Gap, reconciliation
from regie.payments.refunds import refund_create, refunds_gather, sepa_xml, unsent_refunds
from regie.payments.services import payment_create, person_credit

DAY = date(2025, 12, 1)
SINCE = (DAY, date(2099, 12, 31))  # the movement's day, then what was done with it (today)
PAYER_IBAN = "BE71096123456769"

invoices = spec.invoices  # Anne Dupont: October 2.00 (28/10/2025), November 0.50 (28/11/2025)


def bank_file(*moves: tuple[str, str, str], number: int = 1, opening: str = "100.00") -> bytes:
    """A CODA file of one statement of 01/12/2025: (amount, payer's name, payer's IBAN) each,
    without structured communication."""
    movements = tuple(
        Movement(
            n,
            Decimal(amount),
            DAY,
            DAY,
            communication="virement",
            counterparty_name=name,
            counterparty_account=iban,
        )
        for n, (amount, name, iban) in enumerate(moves, start=1)
    )
    total = sum((m.amount for m in movements), Decimal(0))
    old = Decimal(opening)
    statement = Statement(
        spec.ACCOUNT, "EUR", old, old + total, DAY, DAY, number, movements=movements
    )
    return write_coda([statement])


def balance(role: AccountRole) -> int:
    """Return the debit balance of the ledger's accounts of ``role``."""
    lines = EntryLine.objects.filter(account__role=role.value)
    return sum(d - c for d, c in lines.values_list("debit", "credit"))


@pytest.fixture
def rejected(in_a) -> BankMovement:
    """12.50 from an unknown payer, no communication: rejected, on the suspense account."""
    statements_import(data=bank_file(("12.50", "SOCIETE X", PAYER_IBAN)), name="x.cod")
    movement = BankMovement.objects.get()
    assert movement.status == MovementStatus.REJECTED
    return movement


@pytest.mark.parametrize(
    "reason, role, code, note",
    [
        ("internal_transfer", AccountRole.INTERNAL_TRANSFER, "5800", ""),
        ("bank_fee", AccountRole.BANK_CHARGES, "6570", ""),
        ("other", AccountRole.SET_ASIDE, "4991", "Subside de la Région, à classer"),
    ],
)
def test_a_movement_set_aside_leaves_the_suspense_for_the_account_of_its_reason(
    rejected, reason, role, code, note
):
    """Given a rejected 12.50, when it is set aside, then it is no longer to allocate: the
    suspense account is empty, the account of the reason (created from the default chart)
    holds it, the bank is untouched, and the reconciliation agrees to the cent."""
    outcome = movement_set_aside(movement=rejected, reason=reason, note=note)

    rejected.refresh_from_db()
    assert rejected.status == MovementStatus.SET_ASIDE
    assert (outcome.outcome, outcome.note, outcome.date) == (reason, note, timezone.localdate())
    assert balance(AccountRole.SUSPENSE) == 0
    assert balance(role) == -1250
    assert balance(AccountRole.BANK) == 1250
    assert Account.objects.get(role=role.value).code == code
    assert spec.ledger_balances()
    report = reconciliation(*SINCE)
    assert report.agrees, (kinds(report), figures(report))
    # Up to the day of the movement, before it was set aside, it was still to allocate.
    assert kinds(reconciliation(DAY, DAY)) == [(Gap.IN_SUSPENSE, 1250)]


def test_another_reason_needs_a_note_and_an_unknown_reason_is_refused(rejected):
    for reason, note, code in (
        ("other", "  ", "movement.note_required"),
        ("lottery", "", "movement.unknown_reason"),
    ):
        with pytest.raises(DomainError) as refused:
            movement_set_aside(movement=rejected, reason=reason, note=note)
        assert refused.value.code == code
    rejected.refresh_from_db()
    assert rejected.status == MovementStatus.REJECTED
    assert not MovementOutcome.objects.exists() and balance(AccountRole.SUSPENSE) == -1250


def test_only_a_rejected_received_movement_is_set_aside_or_refunded(invoices):
    """An accepted movement, one already set aside, or money paid out are refused."""
    _mum, (october, _) = invoices
    data = spec.coda(("2.00", october.communication), ("3.00", ""), ("-1.00", ""))
    statements_import(data=data, name="a.cod")
    accepted, rejected, paid_out = BankMovement.objects.order_by("sequence")
    movement_set_aside(movement=rejected, reason="bank_fee")
    for movement in (accepted, rejected, paid_out):
        for action in (
            lambda m: movement_set_aside(movement=m, reason="internal_transfer"),
            lambda m: movement_refund(movement=m),
        ):
            with pytest.raises(DomainError) as refused:
                action(movement)
            assert refused.value.code == "movement.not_rejected"
    assert MovementOutcome.objects.count() == 1


def test_undoing_a_set_aside_puts_the_movement_back_among_those_to_allocate(rejected):
    """The reversing entry brings the amount back to the suspense account; the movement is
    rejected again with its reason, and can then be allocated to a person."""
    outcome = movement_set_aside(movement=rejected, reason="internal_transfer")

    movement_outcome_undo(movement=rejected)

    rejected.refresh_from_db()
    outcome.refresh_from_db()
    assert rejected.status == MovementStatus.REJECTED
    assert rejected.reject_code == "matching.no_communication"
    assert outcome.undone_on == timezone.localdate()
    assert balance(AccountRole.SUSPENSE) == -1250
    assert balance(AccountRole.INTERNAL_TRANSFER) == 0
    documents = EntryLine.objects.filter(account__role="internal_transfer")
    assert sorted(documents.values_list("entry__document", flat=True)) == [
        f"MVT{rejected.pk}/S{outcome.pk}",
        f"MVT{rejected.pk}/S{outcome.pk}/X",
    ]
    assert kinds(reconciliation(*SINCE)) == [(Gap.IN_SUSPENSE, 1250)]
    with pytest.raises(DomainError) as refused:
        movement_outcome_undo(movement=rejected)
    assert refused.value.code == "movement.nothing_to_undo"

    movement_correct(movement=rejected, person=f.person("Martin", "Paul"))
    assert reconciliation(*SINCE).agrees


def test_a_refund_to_the_payer_goes_out_by_the_next_sepa_file(rejected, org_a):
    """Given a rejected 12.50, when it is refunded, then a refund without a person pays the
    payer's name and IBAN in the next SEPA file, the bank and the suspense account give it
    back, and the reconciliation waits only for the bank to execute it."""
    outcome = movement_refund(movement=rejected)

    refund = outcome.refund
    assert (refund.person, refund.name, refund.iban, refund.amount_cents) == (
        None,
        "SOCIETE X",
        PAYER_IBAN,
        1250,
    )
    assert list(unsent_refunds()) == [refund]
    rejected.refresh_from_db()
    assert rejected.status == MovementStatus.REFUNDED
    assert (balance(AccountRole.SUSPENSE), balance(AccountRole.BANK)) == (0, 0)
    assert spec.ledger_balances()
    report = reconciliation(*SINCE)
    assert kinds(report) == [(Gap.NOT_ON_STATEMENT, -1250)]  # not executed yet
    assert figures(report)["suspense"] == (0, 0) and figures(report)["credits"] == (0, 0)

    batch = refunds_gather(organisation=org_a)
    content = sepa_xml(organisation=org_a, refunds=[refund], batch=batch).decode()
    assert "<Nm>SOCIETE X</Nm>" in content and PAYER_IBAN in content

    # The bank executes it: the debit to the payer is tied to the refund.
    statements_import(
        data=bank_file(("-12.50", "SOCIETE X", PAYER_IBAN), number=2, opening="112.50"),
        name="y.cod",
    )
    assert reconciliation(*SINCE).agrees


def test_a_refund_not_in_a_sepa_file_yet_is_undone_without_a_trace_in_the_reconciliation(
    rejected,
):
    outcome = movement_refund(movement=rejected)

    movement_outcome_undo(movement=rejected)

    refund = Refund.objects.get(pk=outcome.refund_id)
    assert refund.cancelled_at is not None
    assert not unsent_refunds().exists()
    rejected.refresh_from_db()
    assert rejected.status == MovementStatus.REJECTED
    assert (balance(AccountRole.SUSPENSE), balance(AccountRole.BANK)) == (-1250, 1250)
    assert kinds(reconciliation(*SINCE)) == [(Gap.IN_SUSPENSE, 1250)]
    movement_set_aside(movement=rejected, reason="bank_fee")  # handled again, another way
    assert reconciliation(*SINCE).agrees


def test_a_refund_in_a_sepa_file_cannot_be_undone(rejected, org_a):
    outcome = movement_refund(movement=rejected)
    batch = refunds_gather(organisation=org_a)

    with pytest.raises(DomainError) as refused:
        movement_outcome_undo(movement=rejected)

    assert refused.value.code == "movement.refund_sent"
    assert refused.value.params["batch"] == batch
    outcome.refresh_from_db()
    rejected.refresh_from_db()
    assert outcome.undone_on is None and rejected.status == MovementStatus.REFUNDED
    assert balance(AccountRole.SUSPENSE) == 0


def test_a_movement_without_the_payers_iban_cannot_be_refunded(in_a):
    statements_import(data=bank_file(("4.00", "INCONNU", "")), name="z.cod")
    movement = BankMovement.objects.get()

    with pytest.raises(DomainError) as refused:
        movement_refund(movement=movement)

    assert refused.value.code == "movement.no_payer_account"
    assert not Refund.objects.exists()


def test_persons_refunds_and_credits_are_unaffected_by_a_movements_refund(invoices):
    """A person's refund and a movement's refund side by side: each person's credit counts
    their own refunds only, and the reconciliation's credits agree."""
    mum, _ = invoices
    statements_import(data=bank_file(("12.50", "SOCIETE X", PAYER_IBAN)), name="x.cod")
    movement_refund(movement=BankMovement.objects.get())

    payment_create(person=mum, day=DAY, amount_cents=1000, mode="cash")
    refund_create(person=mum, amount_cents=200, day=DAY)
    assert person_credit(mum.pk) == 1000 - 250 - 200
    assert figures(reconciliation(*SINCE))["credits"] == (550, 550)


# -- Screens --------------------------------------------------------------------------------


@pytest.fixture
def finance(org_a, login):
    return login(org_a, Role.FINANCE)


def token() -> str:
    return str(uuid.uuid4())


def rejected_counter() -> int:
    counter = next(c for c in dashboard.counters_for(Role.FINANCE) if "rejected" in c.key)
    return counter.count()


def test_the_finance_officer_sets_a_movement_aside_and_undoes_it_on_its_page(rejected, finance):
    """The page offers the reasons and the refund; set aside as a bank fee, the movement shows
    its reason in the list and under its status filter, leaves the dashboard's counter, and
    comes back among the rejected ones when undone."""
    url = reverse("payments:movement-detail", args=[rejected.pk])
    page = finance.get(url).content.decode()
    assert 'id="set-aside-form"' in page and 'id="refund-form"' in page
    # set aside, refund, and allocate with the communication the payer should have given
    assert page.count('name="once"') == 3 and "data-confirm" in page
    assert rejected_counter() == 1

    data = {"reason": "bank_fee", "note": "", "once": token()}
    response = finance.post(reverse("payments:movement-set-aside", args=[rejected.pk]), data)
    again = finance.post(reverse("payments:movement-set-aside", args=[rejected.pk]), data)

    assert response["Location"] == url and again["Location"] == url
    assert MovementOutcome.objects.count() == 1  # the double submission recorded once
    rejected.refresh_from_db()
    assert rejected.status == MovementStatus.SET_ASIDE
    assert rejected_counter() == 0
    page = finance.get(url).content.decode()
    assert 'data-outcome="bank_fee"' in page and 'id="undo-form"' in page
    listed = finance.get(reverse("payments:movement-list"), {"status": "set_aside"})
    assert 'data-status="set_aside" data-count="1" data-total="1250"' in listed.content.decode()
    with translation.override("fr"):
        reason = capfirst(gettext("bank fee or charges"))
    assert f"<td data-reason>{escape(reason)}</td>" in listed.content.decode()

    undo = finance.post(reverse("payments:movement-undo", args=[rejected.pk]), {"once": token()})

    assert undo["Location"] == url
    rejected.refresh_from_db()
    assert rejected.status == MovementStatus.REJECTED and rejected_counter() == 1
    assert reconciliation(*SINCE).differences[0].kind == Gap.IN_SUSPENSE


def test_another_reason_without_a_note_is_shown_again_with_the_reason(rejected, finance):
    response = finance.post(
        reverse("payments:movement-set-aside", args=[rejected.pk]),
        {"reason": "other", "note": " ", "once": token()},
    )

    assert response.status_code == 200
    with translation.override("fr"):
        expected = gettext("Say in the note why the movement is set aside.")
    assert escape(expected) in response.content.decode()
    assert not MovementOutcome.objects.exists()
    bad = finance.post(
        reverse("payments:movement-set-aside", args=[rejected.pk]),
        {"reason": "lottery", "once": token()},
    )
    assert bad.status_code == 200 and not MovementOutcome.objects.exists()


def test_a_refund_in_a_sepa_file_shows_why_it_cannot_be_undone(rejected, finance, org_a):
    url = reverse("payments:movement-detail", args=[rejected.pk])
    finance.post(reverse("payments:movement-refund", args=[rejected.pk]), {"once": token()})
    assert Refund.objects.get().name == "SOCIETE X"
    refunds = finance.get(reverse("payments:refund-list")).content.decode()
    assert "SOCIETE X" in refunds
    batch = refunds_gather(organisation=org_a)

    page = finance.get(url).content.decode()
    assert 'id="undo-refusal"' in page and batch in page and 'id="undo-form"' not in page
    refused = finance.post(
        reverse("payments:movement-undo", args=[rejected.pk]), {"once": token()}, follow=True
    )
    assert batch in refused.content.decode()
    rejected.refresh_from_db()
    assert rejected.status == MovementStatus.REFUNDED


def test_a_form_without_its_token_records_nothing(rejected, finance):
    response = finance.post(
        reverse("payments:movement-set-aside", args=[rejected.pk]), {"reason": "bank_fee"}
    )
    shown = reverse("payments:movement-detail", args=[rejected.pk])
    assert response["Location"] == shown and not MovementOutcome.objects.exists()
    finance.post(reverse("payments:movement-refund", args=[rejected.pk]))
    assert not Refund.objects.exists()


def test_an_auditor_sees_the_movement_but_cannot_set_it_aside(rejected, org_a, login):
    auditor = login(org_a, Role.AUDITOR)
    page = auditor.get(reverse("payments:movement-detail", args=[rejected.pk]))
    assert page.status_code == 200 and 'id="set-aside-form"' not in page.content.decode()
    for name in ("movement-set-aside", "movement-refund", "movement-undo"):
        response = auditor.post(reverse(f"payments:{name}", args=[rejected.pk]), {"once": token()})
        assert response.status_code == 403
    assert not MovementOutcome.objects.exists()
