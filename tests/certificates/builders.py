"""Build what certificates read: posted invoices with a line per child and day, and payments.

Invoices are written directly, as a posted run leaves them (numbered, with a structured
communication and their ledger entry); payments go through the payments service.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from tests import factories as f

from regie.activities.models import Activity
from regie.billing.models import Invoice, InvoiceLine
from regie.billing.numbering import communications_next, invoice_numbers_next
from regie.certificates.services import daily_maximum_save
from regie.ledger.rules import invoice_entry
from regie.ledger.services import entries_post
from regie.payments.models import Mode
from regie.payments.services import payment_create
from regie.people.models import Child, Person


@dataclass(frozen=True)
class Kinds:
    """Three activities: after-school care and a camp (deductible), meals (not)."""

    care: Activity
    camp: Activity
    meals: Activity


def kinds_create() -> Kinds:
    care = f.category("accueil", "Accueil")
    camp = f.category("plaine", "Plaine")
    meals = f.category("repas", "Repas")
    for category in (care, camp):
        category.tax_deductible = True
        category.save()
    return Kinds(
        f.activity("Accueil du soir", "16:00", "18:00", kind=care),
        f.activity("Plaine d'été", "09:00", "16:00", kind=camp),
        f.activity("Repas", "12:00", "13:00", kind=meals, encoding="registration"),
    )


def family(*, nn: str = "85073003328", birth: date = date(2018, 1, 8), attestable=True):
    """Return a parent (with a national number unless ``nn`` is empty) and their child."""
    parent = Person.objects.create(
        last_name="Dupont",
        first_name="Marie",
        street="Rue Haute 5",
        postcode="5000",
        city="Namur",
        national_number=nn,
    )
    child = f.child("Lucie", birth_date=birth, parent=parent, attestable=attestable)
    return parent, child


def days(first: date, count: int) -> list[date]:
    return [first + timedelta(days=n) for n in range(count)]


@transaction.atomic
def invoice_post(
    person: Person,
    child: Child,
    lines: Sequence[tuple[date, Activity, int]],
    *,
    day: date = date(2026, 1, 31),
) -> Invoice:
    """Post one invoice of ``(date of the care, activity, cents)`` lines."""
    invoice = Invoice.objects.create(
        person=person,
        number=invoice_numbers_next("FACT", day.year, 1)[0],
        communication=communications_next("invoice", 1)[0],
        invoice_date=day,
        due_date=day + timedelta(days=20),
        total_cents=sum(cents for _d, _a, cents in lines),
        posted_at=timezone.now(),
    )
    by_category: dict[int, int] = defaultdict(int)
    rows = []
    for when, activity, cents in lines:
        by_category[activity.category_id] += cents
        rows.append(
            InvoiceLine(
                organisation=invoice.organisation,
                invoice=invoice,
                child=child,
                date=when,
                activity=activity,
                category_id=activity.category_id,
                minutes=60,
                quantity=1,
                unit_cents=cents,
                amount_cents=cents,
            )
        )
    InvoiceLine.objects.bulk_create(rows)
    entries_post(
        [
            invoice_entry(
                document=invoice.number,
                day=day,
                person_id=person.pk,
                amounts_by_category=dict(by_category),
            )
        ]
    )
    return invoice


def pay(invoice: Invoice, cents: int, day: date):
    """Record a transfer of ``cents`` on ``day`` paying ``invoice``."""
    return payment_create(
        person=invoice.person,
        day=day,
        amount_cents=cents,
        mode=Mode.TRANSFER,
        split={invoice.pk: cents},
    )


def maximum(year: int = 2026, cents: int = 1640):
    return daily_maximum_save(year=year, cents=cents)
