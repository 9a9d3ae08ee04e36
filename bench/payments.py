"""Benchmark: import a bank file of 10,000 movements paying the large commune's invoices.

Prepare (not timed): an organisation with 10,000 persons, each with one posted invoice (two
lines in two categories, structured communication, ledger entry), created in bulk; a CODA file
of ten statements of 1,000 movements: most pay an invoice exactly, a few percent pay part of it,
pay too much, name an unknown communication or none. Measure: ``statements_import`` reads,
matches and books the whole file (movements, payments, allocations, ledger entries).
"""

from __future__ import annotations

import random

PERSONS = 10_000
PER_STATEMENT = 1_000  # a CODA movement number has four digits
SEED = 1


def prepare():
    """Return ``(organisation, CODA bytes, expected figures)``."""
    from django.db import connection
    from tests.payments.payment_builders import invoices_post, setup_create

    from bench.operations import _empty_commune
    from regie.core.tenancy import scope
    from regie.people.models import Person

    org = _empty_commune()
    rng = random.Random(SEED)
    with scope(org):
        persons = Person.objects.bulk_create(
            [
                Person(organisation=org, last_name=f"Famille {n:05d}", first_name="Parent")
                for n in range(PERSONS)
            ],
            batch_size=2000,
        )
        amounts = [(p.pk, [rng.randrange(50, 9000, 5), rng.randrange(0, 4000, 5)]) for p in persons]
        invoices = invoices_post(setup_create(), amounts)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # statistics as autovacuum would have them
            cursor.execute("ANALYZE")
    return org, *_coda(invoices, rng)


def _coda(invoices, rng: random.Random) -> tuple[bytes, dict[str, int]]:
    """Return a CODA file paying ``invoices`` with the usual mistakes, and what it should do."""
    from tests.payments.payment_builders import statement

    from regie.billing.numbering import communication
    from regie.payments.parsers.coda_writer import write_coda

    movements, expected = [], {"accepted": 0, "rejected": 0}
    for n, invoice in enumerate(invoices):
        draw = rng.random()
        if draw < 0.02:  # a communication nobody issued
            movements.append((invoice.total_cents, communication("101", 9_000_000 + n)))
        elif draw < 0.04:  # no communication at all
            movements.append((invoice.total_cents, ""))
        elif draw < 0.07:  # part of the invoice
            movements.append((max(invoice.total_cents // 2, 1), invoice.communication))
        elif draw < 0.10:  # too much: the rest becomes the person's credit
            movements.append((invoice.total_cents + rng.randrange(1, 5000), invoice.communication))
        else:
            movements.append((invoice.total_cents, invoice.communication))
        expected["rejected" if draw < 0.04 else "accepted"] += 1
    statements, opening = [], 100_000
    for number, start in enumerate(range(0, len(movements), PER_STATEMENT), start=1):
        chunk = movements[start : start + PER_STATEMENT]
        statements.append(statement(chunk, number=number, opening=opening))
        opening += sum(cents for cents, _ in chunk)
    return write_coda(statements), expected


def measure(state) -> int:
    """Import the file; check what it did; return the number of movements imported."""
    from regie.core.tenancy import scope
    from regie.payments.imports import statements_import

    org, data, expected = state
    with scope(org):
        result = statements_import(data=data, name="extraits-10000.cod")
    figures = {"accepted": result.accepted, "rejected": result.rejected}
    if figures != expected or result.new != PERSONS:
        raise AssertionError(f"imported {result.new}: {figures}, expected {expected}")
    return result.new
