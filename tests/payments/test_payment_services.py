"""Specification of payments: CODA import and matching, manual payments, cancellation, refunds."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
from tests import factories as f

from regie.attendance.services import event_add_manual
from regie.billing.models import BillingRun, Invoice
from regie.billing.numbering import communication
from regie.billing.runs import run_create, run_post
from regie.billing.selectors import Status, status_of, with_balance
from regie.core.errors import DomainError
from regie.ledger.models import EntryLine
from regie.ledger.services import chain_verify
from regie.payments.allocation import OpenItem, propose
from regie.payments.corrections import movement_correct
from regie.payments.imports import statements_import
from regie.payments.models import BankMovement, MovementStatus, Payment
from regie.payments.parsers.coda_writer import write_coda
from regie.payments.parsers.statement import Movement, Statement
from regie.payments.refunds import refund_create
from regie.payments.services import payment_cancel, payment_create, person_credit

ACCOUNT = "BE68539007547034"
UNKNOWN = communication("101", 9_999_999)  # valid, but no invoice has it


def open_of(invoice) -> int:
    return with_balance(Invoice.objects.filter(pk=invoice.pk)).get().open_cents


@pytest.fixture
def invoices(in_a):
    """Two posted invoices of 2.00 (Léa) and 0.50 (Tom, a week later) for Anne Dupont."""
    evening = f.activity("Accueil du soir", "16:00", "18:00")
    f.price("0,50 / 30 min", [evening])
    mum = f.person("Dupont", "Anne")
    mum.iban = "BE71096123456769"
    mum.save()
    lea = f.child("Léa", parent=mum)
    for day, moments in (
        (date(2025, 10, 1), ("16:10", "17:45")),
        (date(2025, 11, 3), ("16:00", "16:04")),
    ):
        for moment, direction in zip(moments, ("entry", "exit"), strict=True):
            event_add_manual(
                child=lea,
                place=evening.place,
                day=day,
                moment=time.fromisoformat(moment),
                direction=direction,
            )
    result = []
    for month in (10, 11):
        run = BillingRun.objects.create(
            date_from=date(2025, month, 1),
            date_to=date(2025, month, 28),
            invoice_date=date(2025, month, 28),
            due_date=date(2025, month + 1, 20),
        )
        run.categories.set([evening.category])
        run_post(run_create(run))
        result.append(Invoice.objects.get(run=run))
    return mum, result


def coda(
    *movements: tuple[str, str], number: int = 1, old: str = "1000.00", currency: str = "EUR"
) -> bytes:
    moves = tuple(
        Movement(
            sequence=n,
            amount=Decimal(amount),
            value_date=date(2025, 12, 1),
            entry_date=date(2025, 12, 1),
            structured_reference=reference,
            communication="" if reference else "paiement garderie",
            counterparty_name="DUPONT ANNE",
        )
        for n, (amount, reference) in enumerate(movements, start=1)
    )
    total = sum((m.amount for m in moves), Decimal(0))
    statement = Statement(
        account=ACCOUNT,
        currency=currency,
        old_balance=Decimal(old),
        new_balance=Decimal(old) + total,
        old_balance_date=date(2025, 11, 30),
        new_balance_date=date(2025, 12, 1),
        sequence_number=number,
        movements=moves,
    )
    return write_coda([statement])


def ledger_balances() -> bool:
    debit = sum(EntryLine.objects.values_list("debit", flat=True))
    return (
        debit == sum(EntryLine.objects.values_list("credit", flat=True)) and chain_verify() is None
    )


def test_proposal_pays_oldest_due_date_first_and_keeps_the_rest_as_credit():
    items = [OpenItem(2, date(2026, 2, 1), 300), OpenItem(1, date(2026, 1, 1), 500)]
    assert propose(600, items).allocations == {1: 500, 2: 100}
    assert propose(900, items).credit == 100


def test_coda_import_matches_by_structured_communication(invoices):
    """Exact → paid, unknown → rejected with the cause; the same file twice imports nothing."""
    mum, (october, november) = invoices
    data = coda(("2.00", october.communication), ("5.00", UNKNOWN), ("3.00", ""))
    result = statements_import(data=data, name="extrait.cod")
    assert (result.new, result.accepted, result.rejected) == (3, 1, 2)
    assert open_of(october) == 0
    assert status_of(with_balance(Invoice.objects.filter(pk=october.pk)).get()) == Status.PAID
    rejected = BankMovement.objects.filter(status=MovementStatus.REJECTED).order_by("sequence")
    assert [m.reject_code for m in rejected] == [
        "matching.unknown_communication",
        "matching.no_communication",
    ]
    again = statements_import(data=data, name="extrait-copie.cod")
    assert again.already_imported and BankMovement.objects.count() == 3
    assert ledger_balances()


def test_statement_in_another_currency_is_refused_and_nothing_is_imported(invoices):
    """A USD statement would be booked as euros: refused with its reason, nothing written."""
    _mum, (october, _november) = invoices
    with pytest.raises(DomainError) as refused:
        statements_import(data=coda(("1.00", october.communication), currency="USD"), name="u.cod")
    assert refused.value.code == "statements.not_eur"
    assert not BankMovement.objects.exists() and not Payment.objects.exists()


def test_overlapping_file_imports_only_new_movements(invoices):
    mum, (october, november) = invoices
    statements_import(data=coda(("1.00", october.communication)), name="a.cod")
    both = coda(("1.00", october.communication), ("0.40", november.communication))
    result = statements_import(data=both, name="b.cod")
    assert (result.new, result.known) == (1, 1)
    assert Payment.objects.count() == 2
    assert (open_of(october), open_of(november)) == (100, 10)


def test_overpayment_becomes_the_persons_credit_and_already_paid_is_rejected(invoices):
    mum, (october, november) = invoices
    result = statements_import(
        data=coda(("3.00", october.communication), ("2.00", october.communication)), name="x.cod"
    )
    assert (result.accepted, result.rejected) == (1, 1)
    assert person_credit(mum.pk) == 100
    assert BankMovement.objects.get(status=MovementStatus.REJECTED).reject_code == (
        "matching.already_paid"
    )


def test_rejected_movement_is_corrected_by_hand(invoices):
    mum, (october, november) = invoices
    statements_import(data=coda(("2.50", "")), name="x.cod")
    movement = BankMovement.objects.get()
    movement_correct(movement=movement, person=mum)
    assert (open_of(october), open_of(november)) == (0, 0)
    movement.refresh_from_db()
    assert movement.status == MovementStatus.CORRECTED
    assert ledger_balances()


def test_manual_cash_payment_gets_a_receipt_number_and_a_chosen_split(invoices):
    mum, (october, november) = invoices
    payment = payment_create(
        person=mum,
        day=date(2025, 12, 5),
        amount_cents=100,
        mode="cash",
        split={november.pk: 50, october.pk: 25},
    )
    assert payment.receipt_number == "REC/2025/00001"
    assert (open_of(october), open_of(november)) == (175, 0)
    assert person_credit(mum.pk) == 25
    with pytest.raises(DomainError) as refused:
        payment_create(
            person=mum,
            day=date(2025, 12, 5),
            amount_cents=10,
            mode="card",
            split={october.pk: 20},
        )
    assert refused.value.code == "payment.allocations_exceed"


def test_cancelling_a_payment_restores_the_open_amounts_exactly(invoices):
    mum, (october, november) = invoices
    before = (open_of(october), open_of(november))
    payment = payment_create(person=mum, day=date(2025, 12, 5), amount_cents=240, mode="transfer")
    assert (open_of(october), open_of(november)) == (0, 10)
    payment_cancel(payment=payment, day=date(2025, 12, 6))
    assert (open_of(october), open_of(november)) == before
    assert person_credit(mum.pk) == 0
    assert ledger_balances()


def test_credit_is_refunded_up_to_its_amount(invoices):
    mum, _ = invoices
    payment_create(person=mum, day=date(2025, 12, 5), amount_cents=1000, mode="transfer")
    assert person_credit(mum.pk) == 750
    refund_create(person=mum, amount_cents=700, day=date(2025, 12, 8))
    assert person_credit(mum.pk) == 50
    with pytest.raises(DomainError):
        refund_create(person=mum, amount_cents=51, day=date(2025, 12, 8))
    assert ledger_balances()


def test_releasing_a_partly_paid_invoice_gives_the_payment_back_as_credit(invoices):
    """The credit note cancels the debt; what was paid becomes the person's credit."""
    from regie.payments.releases import invoice_release

    mum, (october, november) = invoices
    payment_create(
        person=mum,
        day=date(2025, 12, 5),
        amount_cents=100,
        mode="transfer",
        split={october.pk: 100},
    )
    invoice_release(invoice=october, day=date(2025, 12, 6))
    assert open_of(october) == 0
    assert person_credit(mum.pk) == 100
    assert ledger_balances()
