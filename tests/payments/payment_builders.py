"""Build posted invoices in bulk and CODA files paying them (property tests and the benchmark).

Invoices are written directly (no attendances, no billing run): numbered, given structured
communications by :func:`regie.billing.numbering.communications_next`, with one line per
activity category, posted, and with their ledger entries, as a posted run leaves them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from tests import factories as f

from regie.activities.models import Activity, ActivityCategory
from regie.billing.models import Invoice, InvoiceLine
from regie.billing.numbering import communication, communications_next, invoice_numbers_next
from regie.core.tenancy import current_organisation
from regie.ledger.rules import invoice_entry
from regie.ledger.services import entries_post
from regie.payments.models import PrepaymentReference
from regie.payments.parsers.coda_writer import write_coda
from regie.payments.parsers.statement import Movement, Statement
from regie.people.models import Child

ACCOUNT = "BE68539007547034"
IBAN = "BE71096123456769"
PREPAYMENT = communication("104", 1)  # the first person's own reference


@dataclass(frozen=True)
class Setup:
    """What invoice lines point to: a child, an activity and its categories."""

    child: Child
    activity: Activity
    categories: tuple[ActivityCategory, ...]


def setup_create() -> Setup:
    """Create the rows invoice lines need, in two categories (inside the active scope)."""
    categories = (f.category("accueil", "Accueil"), f.category("repas", "Repas"))
    activity = f.activity("Accueil du soir", "16:00", "18:00", kind=categories[0])
    return Setup(f.child("Léa"), activity, categories)


def world(invoice_cents=((0, 250, 0), (0, 1000, 300), (1, 75, 0), (2, 400, 120)), setup=None):
    """Create three persons (with an IBAN; the first has a prepayment reference) and their
    posted invoices, ``(person index, cents in category 1, cents in category 2)`` each."""
    persons = [f.person("Dupont", name) for name in ("Anne", "Marc", "Zoé")]
    for person in persons:
        person.iban = IBAN
        person.save()
    PrepaymentReference.objects.create(person=persons[0], reference=PREPAYMENT)
    amounts = [(persons[who].pk, [one, two]) for who, one, two in invoice_cents]
    invoices = invoices_post(setup or setup_create(), amounts)
    return persons, invoices


@transaction.atomic
def invoices_post(
    setup: Setup,
    amounts: Sequence[tuple[int, Sequence[int]]],
    *,
    day: date = date(2025, 10, 31),
    due_date: date = date(2025, 11, 20),
    ledger: bool = True,
) -> list[Invoice]:
    """Post one invoice per ``(person id, cents per category)``, each line in one category."""
    org = current_organisation()
    numbers = invoice_numbers_next("FACT", day.year, len(amounts))
    communications = communications_next("invoice", len(amounts))
    invoices = Invoice.objects.bulk_create(
        [
            Invoice(
                organisation=org,
                person_id=person_id,
                number=number,
                communication=reference,
                invoice_date=day,
                due_date=due_date,
                total_cents=sum(cents),
                posted_at=timezone.now(),
            )
            for (person_id, cents), number, reference in zip(
                amounts, numbers, communications, strict=True
            )
        ],
        batch_size=1000,
    )
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                organisation=org,
                invoice=invoice,
                child=setup.child,
                date=day,
                activity=setup.activity,
                category=category,
                minutes=30,
                quantity=1,
                unit_cents=amount,
                amount_cents=amount,
            )
            for invoice, (_, cents) in zip(invoices, amounts, strict=True)
            for category, amount in zip(setup.categories, cents, strict=False)
            if amount
        ],
        batch_size=2000,
    )
    if ledger:
        entries_post(
            [
                _invoice_draft(invoice, setup, cents)
                for invoice, (_, cents) in zip(invoices, amounts, strict=True)
            ]
        )
    return invoices


def _invoice_draft(invoice: Invoice, setup: Setup, cents: Sequence[int]):
    by_category = {
        c.pk: amount for c, amount in zip(setup.categories, cents, strict=False) if amount
    }
    return invoice_entry(
        document=invoice.number,
        day=invoice.invoice_date,
        person_id=invoice.person_id,
        amounts_by_category=by_category,
    )


def coda_file(movements: Sequence[tuple[int, str]], **options) -> bytes:
    """Return a CODA file of one :func:`statement` of ``movements``."""
    return write_coda([statement(movements, **options)])


def statement(
    movements: Sequence[tuple[int, str]],
    *,
    number: int = 1,
    day: date = date(2025, 12, 1),
    opening: int = 100_000,
    account: str = ACCOUNT,
) -> Statement:
    """Return a statement of ``(cents, structured reference or "")``, numbered 1, 2, 3…"""
    moves = tuple(
        Movement(
            sequence=n,
            amount=Decimal(cents).scaleb(-2),
            value_date=day,
            entry_date=day,
            structured_reference=reference,
            communication="" if reference else "paiement garderie",
            counterparty_name="DUPONT ANNE",
            counterparty_account=IBAN,
        )
        for n, (cents, reference) in enumerate(movements, start=1)
    )
    total = sum((m.amount for m in moves), Decimal(0))
    old = Decimal(opening).scaleb(-2)
    return Statement(
        account=account,
        currency="EUR",
        old_balance=old,
        new_balance=old + total,
        old_balance_date=day,
        new_balance_date=day,
        sequence_number=number,
        movements=moves,
    )
