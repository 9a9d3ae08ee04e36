"""Specification of cancelling a payment: money typed by hand goes back out of the bank or the
cash; money of a bank movement stays in the bank, goes back to the suspense account, and the
movement waits among the rejected ones to be allocated again (a parent paid with a sibling's
communication, say)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext
from tests import factories as f
from tests.conftest import with_token
from tests.payments import test_payment_services as spec
from tests.payments.test_reconciliation import figures, kinds

from regie.core.errors import DomainError
from regie.core.models import Role
from regie.ledger.models import EntryLine
from regie.ledger.rules import AccountRole
from regie.payments.corrections import movement_correct
from regie.payments.imports import statements_import
from regie.payments.models import BankMovement, MovementStatus, Payment
from regie.payments.reconciliation import Gap, reconciliation
from regie.payments.refunds import refund_create
from regie.payments.selectors import reject_reason
from regie.payments.services import (
    MOVEMENT_CANCELLED,
    payment_cancel,
    payment_create,
    person_credit,
)

invoices = spec.invoices  # Anne Dupont: October 2.00 (28/10/2025), November 0.50 (28/11/2025)
open_of = spec.open_of
SINCE = (date(2025, 12, 1), date(2099, 12, 31))  # the movements' day, then the cancellations
DECEMBER = (date(2025, 12, 1), date(2025, 12, 31))  # before any cancellation (made today)


def balance(role: AccountRole) -> int:
    """Return the debit balance of the ledger's accounts of ``role``."""
    lines = EntryLine.objects.filter(account__role=role.value)
    return sum(d - c for d, c in lines.values_list("debit", "credit"))


def matched_at_import(invoices) -> BankMovement:
    """Anne's 2.00 with October's communication: accepted at import, October paid."""
    _mum, (october, _) = invoices
    statements_import(data=spec.coda(("2.00", october.communication)), name="a.cod")
    return BankMovement.objects.get()


def corrected_by_hand(invoices) -> BankMovement:
    """A 2.50 without communication, allocated by hand to Anne: both invoices paid."""
    mum, _ = invoices
    statements_import(data=spec.coda(("2.50", "")), name="a.cod")
    movement = BankMovement.objects.get()
    movement_correct(movement=movement, person=mum)
    return movement


@pytest.fixture(params=[matched_at_import, corrected_by_hand], ids=["matched", "by_hand"])
def paid_from_the_bank(request, invoices) -> BankMovement:
    return request.param(invoices)


def test_cancelling_a_bank_payment_puts_the_money_back_in_suspense(invoices, paid_from_the_bank):
    """Given a payment made from a bank movement, when it is cancelled, then the invoices owe
    again what they owed, the bank still holds the movement, the suspense account holds it,
    the movement is rejected again with the reason, and the books agree but for that line."""
    mum, (october, november) = invoices
    movement = paid_from_the_bank
    payment = movement.payment
    amount = movement.amount_cents

    payment_cancel(payment=payment)

    assert (open_of(october), open_of(november)) == (200, 50)
    assert person_credit(mum.pk) == 0
    assert balance(AccountRole.BANK) == amount
    assert balance(AccountRole.SUSPENSE) == -amount
    assert balance(AccountRole.PERSON_CREDIT) == 0
    movement.refresh_from_db()
    assert (movement.status, movement.reject_code) == (MovementStatus.REJECTED, "payment.cancelled")
    assert movement.reject_reason == MOVEMENT_CANCELLED.english()
    assert movement.payment is None
    assert list(movement.payments.all()) == [payment]  # the history stays
    assert spec.ledger_balances()
    report = reconciliation(*SINCE)
    assert kinds(report) == [(Gap.IN_SUSPENSE, amount)]
    assert all(c.agrees for c in report.comparisons), figures(report)
    assert figures(report)["suspense"] == (amount, amount)
    assert reconciliation(*DECEMBER).agrees  # before the cancellation, as it was


def test_the_movement_of_a_cancelled_payment_is_allocated_again(invoices, paid_from_the_bank):
    """Given a cancelled bank payment, when its movement is allocated to the right person,
    then it is theirs, and the reconciliation agrees to the cent over every period."""
    movement = paid_from_the_bank
    payment_cancel(payment=movement.payment)
    dad = f.person("Martin", "Paul")

    again = movement_correct(movement=movement, person=dad)

    movement.refresh_from_db()
    assert movement.status == MovementStatus.CORRECTED
    assert movement.payment == again and again.date == timezone.localdate()
    assert person_credit(dad.pk) == movement.amount_cents
    assert balance(AccountRole.SUSPENSE) == 0
    assert balance(AccountRole.BANK) == movement.amount_cents
    assert spec.ledger_balances()
    for period in (SINCE, DECEMBER):
        report = reconciliation(*period)
        assert report.agrees, (kinds(report), figures(report))


def test_a_movement_cancelled_and_allocated_again_twice_stays_tied(invoices):
    """Each payment of a movement keeps its link; only one is live; the bank's entry of the
    first payment still ties the movement in the reconciliation."""
    mum, _ = invoices
    movement = matched_at_import(invoices)
    dad = f.person("Martin", "Paul")
    first = movement.payment

    payment_cancel(payment=first)
    second = movement_correct(movement=movement, person=dad)
    payment_cancel(payment=second)
    third = movement_correct(movement=movement, person=mum)

    assert [p.pk for p in movement.payments.order_by("pk")] == [first.pk, second.pk, third.pk]
    assert movement.payment == third
    assert (person_credit(dad.pk), open_of(invoices[1][0])) == (0, 0)
    assert reconciliation(*SINCE).agrees
    with pytest.raises(DomainError) as refused:
        movement_correct(movement=movement, person=dad)
    assert refused.value.code == "statements.not_rejected"


def test_a_movement_has_at_most_one_live_payment(invoices):
    movement = matched_at_import(invoices)
    live = movement.payment

    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            person=live.person, date=live.date, amount_cents=1, mode="transfer", movement=movement
        )
    payment_cancel(payment=live)
    Payment.objects.create(
        person=live.person, date=live.date, amount_cents=1, mode="transfer", movement=movement
    )


def test_a_bank_payment_partly_refunded_cannot_be_cancelled(invoices):
    """3.00 with October's communication: 2.00 pays October, 1.00 is credit, 0.50 refunded."""
    mum, (october, _) = invoices
    statements_import(data=spec.coda(("3.00", october.communication)), name="a.cod")
    movement = BankMovement.objects.get()
    refund_create(person=mum, amount_cents=50, day=date(2025, 12, 2))

    with pytest.raises(DomainError) as refused:
        payment_cancel(payment=movement.payment)

    assert refused.value.code == "payment.credit_refunded"
    movement.refresh_from_db()
    assert movement.status == MovementStatus.ACCEPTED and movement.payment.cancelled_at is None
    assert open_of(october) == 0


@pytest.mark.parametrize("mode", ["cash", "transfer"])
def test_a_payment_typed_by_hand_goes_back_out_of_the_cash_or_the_bank(invoices, mode):
    mum, (october, november) = invoices
    payment = payment_create(person=mum, day=date(2025, 12, 5), amount_cents=240, mode=mode)

    payment_cancel(payment=payment)

    assert (open_of(october), open_of(november)) == (200, 50)
    assert balance(AccountRole.CASH) == balance(AccountRole.BANK) == 0
    assert balance(AccountRole.SUSPENSE) == 0
    assert spec.ledger_balances()


def test_the_reason_of_a_cancelled_payments_movement_is_translated(invoices):
    movement = matched_at_import(invoices)
    payment_cancel(payment=movement.payment)
    movement.refresh_from_db()

    with translation.override("nl"):
        assert reject_reason(movement) == gettext(MOVEMENT_CANCELLED.template)


def test_the_screens_say_where_the_money_goes_and_list_the_movement_again(invoices, org_a, login):
    """The payment's page warns that the money goes back to the movements to allocate; after
    the cancellation the movement is among the rejected ones, correctable, with its history."""
    movement = matched_at_import(invoices)
    payment = movement.payment
    finance = login(org_a, Role.FINANCE)
    detail = reverse("payments:payment-detail", args=[payment.pk])

    page = finance.get(detail).content.decode()
    response = finance.post(reverse("payments:payment-cancel", args=[payment.pk]), with_token())
    rejected = finance.get(reverse("payments:movement-list"), {"status": "rejected"})
    movement_page = finance.get(reverse("payments:movement-detail", args=[movement.pk]))

    with translation.override("fr"):
        warning = gettext(
            "Cancel this payment? The invoices it paid become open again; the money stays in "
            "the bank and goes back to the bank movements to allocate."
        )
        reason = gettext(MOVEMENT_CANCELLED.template)
    assert f'data-confirm="{escape(warning)}"' in page
    assert response["Location"] == detail
    assert f'data-movement="{movement.pk}"' in rejected.content.decode()
    assert reason in rejected.content.decode()
    assert movement_page.context["correctable"]
    assert list(movement_page.context["cancelled_payments"]) == [payment]
    assert 'id="cancelled-payments"' in movement_page.content.decode()


def test_a_payment_typed_by_hand_keeps_its_warning(invoices, org_a, login):
    mum, _ = invoices
    payment = payment_create(person=mum, day=date(2025, 12, 5), amount_cents=240, mode="cash")
    page = login(org_a, Role.FINANCE).get(reverse("payments:payment-detail", args=[payment.pk]))

    with translation.override("fr"):
        warning = gettext("Cancel this payment? The invoices it paid become open again.")
    assert f'data-confirm="{escape(warning)}"' in page.content.decode()
