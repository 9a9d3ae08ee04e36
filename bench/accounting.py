"""Benchmark: export three months of the large commune's invoices (CSV, then UBL).

Prepare (not timed): the large commune's registry, the demo's places, activities and
categories (each with its budget article), and three months of posted invoices written
straight to the tables, as three monthly runs leave them: each child comes to the care and
meals of the demo's habits (``bench.billing._kid_day``), each attendance is a line (quantity of
half-hours × price; a meal one unit), and a line goes to the invoice of the parent named on
the attendance, else the child's first parent, so that two parents of one family often get an
invoice each. About 13,500 invoices a month, 40,000 in all, about 25 lines each.

Measure: ``export_create`` of the three months, as the export job does it, in CSV alone
("CSV") or in UBL alone ("UBL": every file written and checked against both rule sets).
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from collections import defaultdict

MONTHS = (
    (dt.date(2026, 9, 1), dt.date(2026, 9, 30)),
    (dt.date(2026, 10, 1), dt.date(2026, 10, 31)),
    (dt.date(2026, 11, 1), dt.date(2026, 11, 30)),
)
SEED = 3
#: cents of one unit: half an hour of care, a Wednesday afternoon, a meal
UNIT_CENTS = {"early": 90, "morning": 75, "evening": 75, "wednesday": 450, "meals": 380}


def prepare(formats: tuple[str, ...]):
    """Return ``(organisation, formats, expected documents)``."""
    from django.db import connection

    from bench.operations import _empty_commune, registry_load_measure
    from regie.core.tenancy import scope
    from regie.demo.activities import build_activities
    from regie.demo.scans import _kids as demo_kids
    from regie.exports.models import BudgetArticle, ExportSettings

    org = _empty_commune()
    registry_load_measure(org)
    with scope(org):
        setup = build_activities(org, today=dt.date(2026, 11, 1))
        categories = sorted({activity.category_id for activity in setup.activities})
        ExportSettings.objects.create(application_code="REGIE", default_article="000/000-00")
        BudgetArticle.objects.bulk_create(
            BudgetArticle(organisation=org, category_id=pk, article=f"835/161-{n:02d}")
            for n, pk in enumerate(categories, start=48)
        )
        kids = demo_kids(setup, random.Random(SEED))
        rng = random.Random(SEED + 1)
        count = sum(_month(org, setup, kids, month, rng) for month in MONTHS)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # statistics as autovacuum would have them
            cursor.execute("VACUUM ANALYZE")
    print(f"prepared {count:,} invoices", file=sys.stderr)
    return org, formats, count


def _roles(place) -> dict[int, str]:
    return {
        getattr(place, role).pk: role
        for role in ("early", "morning", "evening", "wednesday", "meals")
    }


def _month(org, setup, kids, month, rng: random.Random) -> int:
    """Write a month's posted invoices and their lines; return the number of invoices."""
    from django.db import transaction
    from django.utils import timezone

    from bench.billing import _kid_day
    from regie.billing.models import Invoice, InvoiceLine
    from regie.billing.numbering import communications_next, invoice_numbers_next

    roles = {pk: role for place in setup.by_site.values() for pk, role in _roles(place).items()}
    category = {activity.pk: activity.category_id for activity in setup.activities}
    lines: dict[int, list[tuple]] = defaultdict(list)  # person → (child, day, activity, q, unit)
    day = month[0]
    while day <= month[1]:
        if day.weekday() < 5:
            for kid in kids:
                if not kid.persons:
                    continue
                for stay in _kid_day(kid, day, rng):
                    if stay.get("absent"):
                        continue
                    role = roles[stay["activity_id"]]
                    quantity = 1 if role in ("wednesday", "meals") else -(-stay["minutes"] // 30)
                    person = stay["person_id"] or kid.persons[0]
                    lines[person].append(
                        (kid.id, day, stay["activity_id"], quantity, UNIT_CENTS[role])
                    )
        day += dt.timedelta(days=1)
    persons = sorted(lines)
    invoice_date = month[1]
    with transaction.atomic():
        numbers = invoice_numbers_next("FACT", invoice_date.year, len(persons))
        communications = communications_next("invoice", len(persons))
        invoices = Invoice.objects.bulk_create(
            [
                Invoice(
                    organisation=org,
                    person_id=person,
                    number=number,
                    communication=reference,
                    invoice_date=invoice_date,
                    due_date=invoice_date + dt.timedelta(days=30),
                    total_cents=sum(q * unit for *_, q, unit in lines[person]),
                    posted_at=timezone.now(),
                )
                for person, number, reference in zip(persons, numbers, communications, strict=True)
            ],
            batch_size=2000,
        )
        InvoiceLine.objects.bulk_create(
            (
                InvoiceLine(
                    organisation=org,
                    invoice_id=invoice.pk,
                    child_id=child,
                    date=day,
                    activity_id=activity,
                    category_id=category[activity],
                    minutes=30 * quantity,
                    quantity=quantity,
                    unit_cents=unit,
                    amount_cents=quantity * unit,
                )
                for invoice in invoices
                for child, day, activity, quantity, unit in lines[invoice.person_id]
            ),
            batch_size=5000,
        )
    return len(invoices)


def csv_prepare():
    return prepare(("csv",))


def ubl_prepare():
    return prepare(("ubl",))


def measure(state) -> int:
    """Export the three months; check it holds every invoice; return the documents."""
    from regie.core.tenancy import scope
    from regie.exports.services import export_create

    org, formats, expected = state
    with scope(org):
        export = export_create(date_from=MONTHS[0][0], date_to=MONTHS[-1][1], formats=list(formats))
    if export.documents != expected:
        raise AssertionError(f"exported {export.documents}, expected {expected}")
    return export.documents
