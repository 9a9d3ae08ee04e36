"""Benchmark: the invoice documents of a large run, one PDF with its EPC QR code each.

Prepare (not timed): a commune with 13,000 persons (French, Dutch and German speakers, each
with a postal address) and a posted run of 13,000 invoices, each of eight lines (two
activities over four days); a few invoices are partly paid so that balances differ. Measure:
build the run's batch as the background job does (a ZIP of one PDF per invoice: the data read
in bulk, rendered by a pool of two worker processes from plain data, the ZIP written and
checked), and check that it holds 13,000 documents.
"""

from __future__ import annotations

import datetime as dt
import random
import sys

INVOICES = 13_000
LINES_PER_INVOICE = 8
SEED = 1


def prepare():
    """Return the organisation and its posted run."""
    from bench.operations import _empty_commune
    from regie.core.tenancy import scope

    org = _empty_commune()
    org.bic = "GKCCBEBB"
    org.save()
    with scope(org):
        run = _posted_run(org, random.Random(SEED))
    return org, run


def _posted_run(org, rng: random.Random):
    from django.utils import timezone
    from stdnum.be import ogm_vcs

    from regie.activities.models import Activity, ActivityCategory, Place
    from regie.billing.models import BillingRun, Invoice, InvoiceLine
    from regie.people.models import Child, Person

    place = Place.objects.create(name="École du Centre")
    category = ActivityCategory.objects.create(code="accueil", name="Accueil")
    activities = [
        Activity.objects.create(
            name=name,
            category=category,
            place=place,
            date_from=dt.date(2026, 9, 1),
            start_time=dt.time.fromisoformat(start),
            end_time=dt.time.fromisoformat(end),
        )
        for name, start, end in (
            ("Accueil du matin", "07:00", "08:30"),
            ("Accueil du soir", "15:30", "18:00"),
        )
    ]
    day = dt.date(2026, 11, 3)
    run = BillingRun.objects.create(
        date_from=dt.date(2026, 10, 1),
        date_to=dt.date(2026, 10, 31),
        invoice_date=day,
        due_date=dt.date(2026, 12, 3),
        status="posted",
        posted_at=timezone.now(),
    )
    persons = Person.objects.bulk_create(
        [
            Person(
                organisation=org,
                last_name=f"Famille{n:05d}",
                first_name=rng.choice(("Anne", "Jan", "Lena", "Marc", "Zoé")),
                street=f"Rue de l'École {n % 200 + 1}",
                postcode=str(rng.choice((1000, 4700, 5000, 5380, 3000))),
                city="Noville",
                language=rng.choices(("fr", "nl", "de"), (88, 9, 3))[0],
                delivery="post",
            )
            for n in range(INVOICES)
        ],
        batch_size=2000,
    )
    children = Child.objects.bulk_create(
        [
            Child(
                organisation=org,
                last_name=p.last_name,
                first_name="Léa",
                birth_date=dt.date(2018, 5, 1),
            )
            for p in persons
        ],
        batch_size=2000,
    )
    invoices = Invoice.objects.bulk_create(
        [
            Invoice(
                organisation=org,
                run=run,
                person=person,
                number=f"FACT/2026/{n + 1:05d}",
                communication=_communication(n + 1, ogm_vcs),
                invoice_date=day,
                due_date=run.due_date,
                total_cents=LINES_PER_INVOICE * 150,
                posted_at=run.posted_at,
            )
            for n, person in enumerate(persons)
        ],
        batch_size=2000,
    )
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                organisation=org,
                invoice=invoice,
                child=child,
                date=dt.date(2026, 10, 1 + i // 2),
                activity=activities[i % 2],
                category=category,
                minutes=90,
                quantity=3,
                unit_cents=50,
                amount_cents=150,
            )
            for invoice, child in zip(invoices, children, strict=True)
            for i in range(LINES_PER_INVOICE)
        ],
        batch_size=5000,
    )
    return run


def _communication(serial: int, ogm_vcs) -> str:
    base = f"101{serial:07d}"
    return base + ogm_vcs.calc_check_digits(base)


def measure(state) -> int:
    """Build the run's ZIP with two worker processes; return the documents checked in it."""
    import resource

    from regie.core.tenancy import scope
    from regie.documents.batches import batch_build, batch_create

    org, run = state
    with scope(org):
        batch = batch_build(batch_create(format="zip", group=run.pk), workers=2)
    if batch.produced != INVOICES or batch.failures:
        raise RuntimeError(f"{batch.produced} documents, failures: {batch.failures[:3]}")
    workers_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"documents: peak of one worker process {workers_mb:.0f} MB", file=sys.stderr)
    return batch.produced
