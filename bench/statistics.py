"""Benchmarks on a year of the large commune (``bench.year``): a pivot, the tax certificates.

Pivot. Prepare: the year's invoices and lines (about 3.5 million). Measure: the pivot a
finance officer opens first, invoice lines of 2025 by activity category and month (amount),
computed by ``pivot_compute`` as the statistics screen does (one ``GROUP BY`` in the
database, totals added up in Python).

The same by person and month: one group per invoice (about 165,000), the persons' names.

Certificates. Prepare: the same year, paid (``payments=True``), the care categories
(before- and after-school care, Wednesday afternoons) marked tax-deductible and the legal
daily maximum of 2025 set (16.40 €). Measure: the certificates job's work for income year
2025 (``batch_create``: what every person paid in 2025 for each child's deductible days, the
periods, every problem, the certificates stored), then the batch's ZIP of PDFs as the
documents job builds it (two worker processes).
"""

from __future__ import annotations

import datetime as dt
import sys
import time

from bench.year import YEAR, year_prepare

DAILY_MAXIMUM_CENTS = 1640
DEDUCTIBLE = ("accueil", "mercredi")


def pivot_prepare():
    return year_prepare()


def pivot_measure(state, rows: str = "category") -> int:
    """Compute the year's pivot of invoice lines by category and month; return the lines."""
    from regie.core.tenancy import scope
    from regie.statistics.pivot import Query, pivot_compute

    org, lines, amount = state
    query = Query(
        source="lines",
        rows=rows,
        columns="month",
        measure="amount",
        date_from=dt.date(YEAR, 1, 1),
        date_to=dt.date(YEAR, 12, 31),
    )
    with scope(org):
        pivot = pivot_compute(query)
    if pivot.total != amount or len(pivot.columns) != 12:
        raise AssertionError(f"{pivot.total} cents in the pivot, {amount} written")
    return lines


def pivot_person_measure(state) -> int:
    """The same year by paying person and month (about 165,000 groups); return the lines."""
    return pivot_measure(state, rows="person")


def certificates_prepare():
    """Return the organisation of a paid year, its deductible care and daily maximum set."""
    from regie.activities.models import ActivityCategory
    from regie.activities.services import category_save
    from regie.certificates.services import daily_maximum_save
    from regie.core.tenancy import scope

    org, _lines, _amount = year_prepare(payments=True)
    with scope(org):
        for category in ActivityCategory.objects.filter(code__in=DEDUCTIBLE):
            category.tax_deductible = True
            category_save(category=category)
        daily_maximum_save(year=YEAR, cents=DAILY_MAXIMUM_CENTS)
    return org


def certificates_measure(state) -> int:
    """Build the year's certificates, then their ZIP of PDFs; return the certificates."""
    from regie.certificates.documents import CERTIFICATE
    from regie.certificates.services import batch_create as certificates_create
    from regie.core.tenancy import scope
    from regie.documents.batches import batch_build, batch_create

    org = state
    steps = {}
    with scope(org):
        started = time.perf_counter()
        batch = certificates_create(year=YEAR)
        steps["certificates"] = time.perf_counter() - started
        count = batch.certificates.count()
        started = time.perf_counter()
        documents = batch_build(
            batch_create(format="zip", kind=CERTIFICATE, group=batch.pk), workers=2
        )
        steps["PDFs"] = time.perf_counter() - started
        persons = batch.certificates.values("person").distinct().count()
    if documents.produced != count or documents.failures:
        raise RuntimeError(f"{documents.produced} of {count} PDFs: {documents.failures[:3]}")
    print(
        " ".join(f"{name} {seconds:.2f} s" for name, seconds in steps.items())
        + f"; {count:,} certificates for {persons:,} persons, {len(batch.problems):,} problems",
        file=sys.stderr,
    )
    return count
