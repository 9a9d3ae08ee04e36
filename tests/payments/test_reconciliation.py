"""Specification of the bank reconciliation report: statements, ledger, receivables, credits
and suspense agree to the cent, or the report lists what differs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from tests.payments import test_payment_services as spec

from regie.core.models import Role
from regie.payments.corrections import movement_correct
from regie.payments.imports import statements_import
from regie.payments.models import BankAccount, BankMovement
from regie.payments.parsers.coda_writer import write_coda
from regie.payments.parsers.statement import Movement, Statement
from regie.payments.reconciliation import Gap, reconciliation
from regie.payments.refunds import refund_create
from regie.payments.releases import invoice_release
from regie.payments.services import payment_cancel, payment_create

invoices = spec.invoices  # Anne Dupont: October 2.00 (28/10/2025), November 0.50 (28/11/2025)
DECEMBER = (date(2025, 12, 1), date(2025, 12, 31))
AUTUMN = (date(2025, 10, 1), date(2025, 12, 31))
OTHER_ACCOUNT = "BE71096123456769"


def statement_file(*moves: tuple[str, str], account=spec.ACCOUNT, number=1) -> bytes:
    """A CODA file of one statement of 01/12/2025 whose movements carry no structured
    communication: (amount, counterparty IBAN) each; it opens at 100.00."""
    day = date(2025, 12, 1)
    movements = tuple(
        Movement(n, Decimal(amount), day, day, counterparty_account=iban, communication="x")
        for n, (amount, iban) in enumerate(moves, start=1)
    )
    total = sum((m.amount for m in movements), Decimal(0))
    opening = Decimal("100.00")
    statement = Statement(
        account, "EUR", opening, opening + total, day, day, number, movements=movements
    )
    return write_coda([statement])


def kinds(report) -> list[tuple[str, int]]:
    return [(d.kind, d.amount_cents) for d in report.differences]


def figures(report) -> dict[str, tuple[int, int]]:
    return {c.key: (c.source, c.ledger) for c in report.comparisons}


def test_matched_payments_agree_to_the_cent(invoices):
    """Given both invoices paid by their exact communications, then over the autumn the
    statements received what the ledger's bank account did, the receivables (2.50 invoiced,
    2.50 allocated) net to zero in both, and nothing is left to explain."""
    mum, (october, november) = invoices
    statements_import(
        data=spec.coda(("2.00", october.communication), ("0.50", november.communication)),
        name="x.cod",
    )

    report = reconciliation(*AUTUMN)

    assert report.agrees
    assert figures(report) == {
        "received": (250, 250),
        "paid_out": (0, 0),
        "receivables": (0, 0),
        "credits": (0, 0),
        "suspense": (0, 0),
    }
    assert (report.receivables.invoiced, report.receivables.allocated) == (250, 250)


def test_what_differs_is_listed(invoices):
    """A rejected 3.00 waits in suspense, a 7.00 debit has no ledger entry, and a 1.00 transfer
    registered by hand is in the ledger but on no statement."""
    mum, _ = invoices
    statements_import(data=statement_file(("3.00", ""), ("-7.00", "")), name="x.cod")
    manual = payment_create(person=mum, day=date(2025, 12, 3), amount_cents=100, mode="transfer")

    report = reconciliation(*DECEMBER)

    assert not report.agrees
    assert sorted(kinds(report)) == sorted(
        [
            (Gap.DEBIT_NOT_IN_LEDGER, -700),
            (Gap.NOT_ON_STATEMENT, 100),
            (Gap.IN_SUSPENSE, 300),
        ]
    )
    assert f"PAY{manual.pk}" in [d.detail for d in report.differences]
    assert figures(report)["received"] == (300, 400)
    assert figures(report)["paid_out"] == (700, 0)
    assert figures(report)["suspense"] == (300, 300)


def test_correcting_the_suspense_and_refunding_by_transfer_makes_them_agree(invoices):
    """The rejected 10.00 is allocated to Anne (2.50 pays her invoices, 7.50 is credit), the
    credit is refunded, and the bank's 7.50 debit to her IBAN is tied to that refund."""
    mum, _ = invoices
    statements_import(data=statement_file(("10.00", "")), name="a.cod")
    movement_correct(movement=BankMovement.objects.get(), person=mum)
    refund_create(person=mum, amount_cents=750, day=date(2025, 12, 1))
    statements_import(
        data=statement_file(("-7.50", mum.iban), number=2),
        name="b.cod",
    )

    report = reconciliation(*AUTUMN)

    assert kinds(report) == [(Gap.STATEMENT_GAP, 0)]  # statement 2 restarts from 100.00
    assert all(c.agrees for c in report.comparisons)
    assert figures(report)["paid_out"] == (750, 750)


def test_one_account_leaves_the_other_accounts_movements_out(invoices):
    mum, (october, _) = invoices
    statements_import(data=spec.coda(("2.00", october.communication)), name="a.cod")
    BankAccount.objects.create(iban=OTHER_ACCOUNT, name="Compte des repas")  # a second account
    statements_import(data=statement_file(("4.00", ""), account=OTHER_ACCOUNT), name="b.cod")

    mine = reconciliation(*DECEMBER, account=spec.ACCOUNT)
    other = reconciliation(*DECEMBER, account=OTHER_ACCOUNT)

    assert figures(mine)["received"] == (200, 200)
    assert kinds(mine) == []
    assert figures(other)["received"] == (400, 400)
    assert kinds(other) == [(Gap.IN_SUSPENSE, 400)]


def test_a_cancelled_matched_payment_leaves_its_movement_in_suspense(invoices):
    """The money is on the statement: the bank keeps it, the suspense account holds it."""
    mum, (october, _) = invoices
    statements_import(data=spec.coda(("2.00", october.communication)), name="a.cod")
    payment = BankMovement.objects.get().payment

    payment_cancel(payment=payment)

    report = reconciliation(date(2025, 12, 1), date(2099, 12, 31))
    assert kinds(report) == [(Gap.IN_SUSPENSE, 200)]
    assert all(c.agrees for c in report.comparisons)


@pytest.mark.parametrize("agrees", [True, False])
def test_the_report_screen_says_whether_everything_agrees(invoices, org_a, login, agrees):
    mum, (october, _) = invoices
    reference = october.communication if agrees else ""
    statements_import(data=spec.coda(("2.00", reference)), name="a.cod")
    client = login(org_a, Role.AUDITOR)

    page = client.get(
        reverse("payments:reconciliation"),
        {"date_from": "2025-10-01", "date_to": "2025-12-31", "account": spec.ACCOUNT},
    ).content.decode()

    assert f'id="verdict" data-agrees="{int(agrees)}"' in page
    assert ('data-kind="in_suspense"' in page) is not agrees
    assert 'data-key="received" data-source="200" data-ledger="200"' in page


def test_the_screen_shows_the_first_200_differences_and_counts_the_rest(in_a, org_a, login):
    statements_import(data=statement_file(*[("0.01", "")] * 203), name="many.cod")

    page = login(org_a, Role.FINANCE).get(
        reverse("payments:reconciliation"), {"date_from": "2025-12-01", "date_to": "2025-12-31"}
    )

    assert len(page.context["report"].differences) == 203
    assert page.content.decode().count('data-kind="in_suspense"') == 200
    assert 'id="more-differences"' in page.content.decode()


@pytest.mark.parametrize("paid", [200, 120], ids=["paid", "partly paid"])
def test_releasing_a_paid_invoice_leaves_no_gap(invoices, paid):
    """Issue 12 item 4: October's 2.00, paid (in full or in part) by a bank transfer, is
    released on 10/12/2025; what was paid becomes Anne's credit. The receivables net to zero
    in both sources and the credits agree: the credit note is no gap."""
    mum, (october, _) = invoices
    statements_import(data=spec.coda((f"{paid / 100:.2f}", october.communication)), name="a.cod")

    invoice_release(invoice=october, day=date(2025, 12, 10))

    report = reconciliation(*AUTUMN)
    assert report.agrees, report.differences
    assert figures(report)["credits"] == (paid, paid)
    assert report.receivables.net == report.receivables.ledger
    before = reconciliation(*DECEMBER[:1], date(2025, 12, 9))
    assert figures(before)["credits"] == (0, 0)  # the day before, the money paid the invoice
