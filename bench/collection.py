"""Benchmark: collection of the large commune — a level-1 reminder run and its PDFs.

Prepare (not timed): the billing benchmark's month (``bench.billing``: the large commune's
registry, the demo's activities and prices, about 330,000 verified attendances of October
2026), billed and posted by a real run (about 13,900 invoices, due on 1 December 2026); then
the commune's bank pays 80 % of those invoices, chosen at random, exactly, with their
structured communications, in a CODA file of statements of 1,000 movements imported by
``statements_import`` (movements, payments, allocations, ledger entries). The 20 % left are
overdue. A reminder policy of three levels over every category (a free reminder after 15
days, a second one with a 7.50 € fee, a formal notice) is saved with ``policy_save``.

Measured, as a finance officer does it on the reminder run screen: the preview of a level-1
run on 17 December 2026 (who gets what, every problem), then the run recorded and its
reminders created, exactly what the screen's background job does (``run_start`` and
``run_create``: numbers, communications, reminders and their invoices, fees in the ledger).
The PDFs operation prepares the same and creates the run (not timed), then builds the run's
ZIP of reminder PDFs as the documents job does (two worker processes).
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time

RUN_DATE = dt.date(2026, 12, 17)
PAID_SHARE = 0.80
PER_STATEMENT = 1_000  # a CODA movement number has four digits
SEED = 7
LEVELS = [
    {"name": "Rappel", "delay_days": 15, "days_to_pay": 15, "fee_cents": 0},
    {"name": "Second rappel", "delay_days": 15, "days_to_pay": 15, "fee_cents": 750},
    {
        "name": "Mise en demeure",
        "delay_days": 15,
        "days_to_pay": 15,
        "fee_cents": 1500,
        "formal_notice": True,
    },
]


def run_prepare():
    """Return ``(organisation, level 1, overdue invoices)`` after billing and the bank file."""
    from django.db import connection

    from bench.billing import bill_month_measure, bill_month_prepare
    from regie.activities.models import ActivityCategory
    from regie.billing.models import Invoice
    from regie.core.tenancy import scope
    from regie.dunning.models import ReminderPolicy
    from regie.dunning.services import policy_save

    state = bill_month_prepare()
    org, _count = state
    bill_month_measure(state)
    rng = random.Random(SEED)
    with scope(org):
        invoices = list(
            Invoice.objects.filter(posted_at__isnull=False)
            .order_by("number")
            .values_list("total_cents", "communication")
        )
        paid = [i for i in invoices if rng.random() < PAID_SHARE]
        _bank_pays(paid)
        policy = policy_save(
            policy=ReminderPolicy(
                name="Accueil et repas", min_invoice_cents=100, min_person_cents=500
            ),
            categories=ActivityCategory.objects.all(),
            levels=LEVELS,
        )
        level = policy.levels.get(number=1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # statistics as autovacuum would have them
            cursor.execute("VACUUM ANALYZE")
    overdue = len(invoices) - len(paid)
    print(f"prepared {len(invoices):,} invoices, {overdue:,} overdue", file=sys.stderr)
    return org, level, overdue


def _bank_pays(paid: list[tuple[int, str]]) -> None:
    """Import a CODA file paying each ``(cents, communication)`` exactly, on 10 December."""
    from tests.payments.payment_builders import statement

    from regie.payments.imports import statements_import
    from regie.payments.parsers.coda_writer import write_coda

    day = dt.date(2026, 12, 10)
    statements, opening = [], 100_000
    for number, start in enumerate(range(0, len(paid), PER_STATEMENT), start=1):
        chunk = paid[start : start + PER_STATEMENT]
        statements.append(statement(chunk, number=number, day=day, opening=opening))
        opening += sum(cents for cents, _ in chunk)
    result = statements_import(data=write_coda(statements), name="extraits-decembre.cod")
    if result.accepted != len(paid):
        raise AssertionError(f"the bank file paid {result.accepted} of {len(paid)} invoices")


def run_measure(state) -> int:
    """Preview the level-1 run, then record it and create its reminders; return them."""
    from regie.core.tenancy import scope
    from regie.dunning.models import Reminder, ReminderInvoice, RunStatus
    from regie.dunning.reminders import run_create, run_start
    from regie.dunning.selectors import run_preview

    org, level, overdue = state
    steps = {}
    with scope(org):
        started = time.perf_counter()
        preview = run_preview(level, RUN_DATE)
        steps["preview"] = time.perf_counter() - started
        started = time.perf_counter()
        run = run_start(level=level, run_date=RUN_DATE, due_date=None, user=None)
        run = run_create(run)
        steps["create"] = time.perf_counter() - started
        assert run.status == RunStatus.DONE
        created = Reminder.objects.filter(run=run).count()
        reminded = ReminderInvoice.objects.filter(reminder__run=run).count()
    assert created == len(preview.sendable), (created, len(preview.sendable))
    print(
        " ".join(f"{name} {seconds:.2f} s" for name, seconds in steps.items())
        + f"; {reminded:,} of {overdue:,} overdue invoices reminded, "
        f"{len(preview.problems):,} problems, {len(preview.below):,} below the minimum",
        file=sys.stderr,
    )
    return created


def pdfs_prepare():
    """Return ``(organisation, run)``: the level-1 run of :func:`run_prepare`, created."""
    from regie.core.tenancy import scope
    from regie.dunning.reminders import run_create, run_start

    org, level, _overdue = run_prepare()
    with scope(org):
        run = run_create(run_start(level=level, run_date=RUN_DATE, due_date=None, user=None))
    return org, run


def pdfs_measure(state) -> int:
    """Build the run's ZIP of reminder PDFs with two worker processes; return the documents."""
    import resource

    from regie.core.tenancy import scope
    from regie.documents.batches import batch_build, batch_create
    from regie.dunning.documents import REMINDER
    from regie.dunning.models import Reminder

    org, run = state
    with scope(org):
        expected = Reminder.objects.filter(run=run).count()
        batch = batch_build(batch_create(format="zip", kind=REMINDER, group=run.pk), workers=2)
    if batch.produced != expected or batch.failures:
        raise RuntimeError(f"{batch.produced} of {expected} documents: {batch.failures[:3]}")
    workers_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"documents: peak of one worker process {workers_mb:.0f} MB", file=sys.stderr)
    return batch.produced
