"""A year of the large commune's invoices, written in bulk: statistics and certificates.

Billing a year through twelve runs would take most of an hour to prepare, so the year is
written straight to the tables, in the structures a posted run leaves and with the billing
benchmark's patterns (``bench.billing``): the large commune's registry, the demo's places,
activities and prices, and, for each weekday of 2025 that is not a public holiday nor in the
Christmas fortnight, each child's attendances after the demo's habits (morning care,
sometimes early; evening care; Wednesday afternoons; meals, a few absent and not billed).
Each attendance is an invoice line priced like a run prices a first child without a tariff
category (started periods × the activity's price valid on the day, capped by its maximum).
An invoice per month and paying person (the parent named by the attendance, about one time
in three, otherwise the child's first billable parent), numbered and with a structured
communication, dated the first of the next month and due thirty days later, in a posted run
per month. The ledger is not written (the pivot of invoice lines does not read it).

With ``payments``, the families pay: 96 % of the invoices in full and 2 % in part, by bank
transfer between 5 and 40 days after the invoice date (so December's invoices and the late
payers of November are paid in 2026), each payment allocated to its invoice; 2 % stay unpaid.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from collections import defaultdict

YEAR = 2025
TODAY = dt.date(2026, 1, 20)
SEED = 11
CHUNK = 5000
LINE_FIELDS = (
    "organisation",
    "invoice",
    "child",
    "date",
    "activity",
    "category",
    "minutes",
    "quantity",
    "unit_cents",
    "amount_cents",
    "label",  # a line of care has none (a fee's line has one instead of a child)
)


def school_days(year: int = YEAR) -> list[dt.date]:
    """Return the weekdays of ``year`` without public holidays nor the Christmas fortnight."""
    from regie.demo.activities import public_holidays

    closed = set(public_holidays(year))
    closed |= {dt.date(year, 1, d) for d in range(1, 4)}
    closed |= {dt.date(year, 12, d) for d in range(22, 32)}
    day, days = dt.date(year, 1, 1), []
    while day.year == year:
        if day.weekday() < 5 and day not in closed:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def year_prepare(*, payments: bool = False):
    """Return ``(organisation, invoice lines written, their amount)`` for a year of the large
    commune."""
    from django.db import connection

    from bench.billing import _attestable_everywhere
    from bench.operations import _empty_commune, registry_load_measure
    from regie.core.tenancy import scope
    from regie.demo.activities import build_activities
    from regie.demo.scans import _kids as demo_kids

    org = _empty_commune()
    registry_load_measure(org)
    with scope(org):
        _attestable_everywhere()
        setup = build_activities(org, today=dt.date(YEAR, 1, 15))
        kids = demo_kids(setup, random.Random(SEED))
        prices = _price_table()
        rng = random.Random(SEED + 1)
        by_month: dict[int, list[dt.date]] = defaultdict(list)
        for day in school_days():
            by_month[day.month].append(day)
        serials = {"invoice": 0}
        lines = amount = 0
        for _month_number, days in sorted(by_month.items()):
            written, cents = _month(org, kids, days, prices, rng, serials, payments)
            lines, amount = lines + written, amount + cents
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # written months ago: autovacuum has been by
            cursor.execute("VACUUM ANALYZE")
    print(f"prepared {lines:,} invoice lines, {serials['invoice']:,} invoices", file=sys.stderr)
    return org, lines, amount


def _price_table() -> dict[int, list[tuple]]:
    """Return activity id → [(valid from, valid to, period minutes, unit, maximum)] of the
    prices a first child without a tariff category pays."""
    from regie.activities.models import Price

    table: dict[int, list[tuple]] = defaultdict(list)
    prices = Price.objects.prefetch_related("activities", "categories").order_by("valid_from")
    for price in prices:
        if price.categories.all() and not price.without_category:
            continue
        if price.positions and 1 not in price.positions:
            continue
        row = (
            price.valid_from,
            price.valid_to,
            price.period_minutes,
            price.unit_cents,
            price.maximum_cents,
        )
        for activity in price.activities.all():
            table[activity.pk].append(row)
    return table


def _amount(prices: list[tuple], day: dt.date, minutes: int) -> tuple[int, int, int]:
    """Return (quantity, unit, amount) of an attendance under the price valid on ``day``."""
    valid = [p for p in prices if p[0] <= day and (p[1] is None or day <= p[1])]
    _from, _to, period, unit, maximum = valid[-1]
    quantity = max(1, -(-minutes // period))
    amount = quantity * unit
    return quantity, unit, min(amount, maximum) if maximum else amount


def _month(org, kids, days, prices, rng, serials, payments: bool) -> int:
    """Write one month's posted run, invoices and lines (and payments); return the lines
    written and their amount."""
    from django.utils import timezone
    from stdnum.be import ogm_vcs

    from bench.billing import _kid_day
    from regie.activities.models import Activity
    from regie.billing.models import BillingRun, Invoice, InvoiceLine
    from regie.core.rows import rows_insert

    categories = dict(Activity.objects.values_list("pk", "category_id"))
    first = days[0].replace(day=1)
    invoice_date = (first + dt.timedelta(days=32)).replace(day=1)
    posted_at = timezone.make_aware(dt.datetime.combine(invoice_date, dt.time(9)))
    run = BillingRun.objects.create(
        date_from=first,
        date_to=invoice_date - dt.timedelta(days=1),
        invoice_date=invoice_date,
        due_date=invoice_date + dt.timedelta(days=30),
        status="posted",
        posted_at=posted_at,
    )
    # (payer, child, day, activity, minutes, quantity, unit, amount), compact until written
    rows: list[tuple] = []
    totals: dict[int, int] = defaultdict(int)
    for day in days:
        for kid in kids:
            if not kid.persons:
                continue
            for stay in _kid_day(kid, day, rng):
                if stay.get("absent"):
                    continue
                activity = stay["activity_id"]
                quantity, unit, amount = _amount(prices[activity], day, stay["minutes"])
                payer = stay["person_id"] or kid.persons[0]
                rows.append((payer, kid.id, day, activity, stay["minutes"], quantity, unit, amount))
                totals[payer] += amount
    payers = sorted(totals)
    invoices = {}
    for start in range(0, len(payers), CHUNK):
        made = []
        for person in payers[start : start + CHUNK]:
            serials["invoice"] += 1
            serial = serials["invoice"]
            base = f"101{serial:07d}"
            made.append(
                Invoice(
                    organisation=org,
                    run=run,
                    person_id=person,
                    number=f"FACT/{YEAR}/{serial:06d}",
                    communication=base + ogm_vcs.calc_check_digits(base),
                    invoice_date=invoice_date,
                    due_date=run.due_date,
                    total_cents=totals[person],
                    posted_at=posted_at,
                )
            )
        for invoice in Invoice.objects.bulk_create(made):
            invoices[invoice.person_id] = invoice
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    rows_insert(  # tuples through COPY: bulk_create took most of an hour for the year
        InvoiceLine,
        LINE_FIELDS,
        (
            (org.pk, invoices[payer].pk, child, day, activity, categories[activity], *figures, "")
            for payer, child, day, activity, *figures in rows
        ),
    )
    if payments:
        _payments(org, list(invoices.values()), rng)
    return len(rows), sum(totals.values())


def _payments(org, invoices, rng) -> None:
    """Pay the month's invoices: most in full, a few in part, some not at all."""
    from regie.payments.models import Allocation, Mode, Payment

    paid = []
    for invoice in invoices:
        draw = rng.random()
        if draw < 0.02 or not invoice.total_cents:
            continue
        cents = invoice.total_cents if draw >= 0.04 else max(1, invoice.total_cents // 2)
        day = invoice.invoice_date + dt.timedelta(days=rng.randint(5, 40))
        paid.append((invoice, cents, day))
    for start in range(0, len(paid), CHUNK):
        chunk = paid[start : start + CHUNK]
        made = Payment.objects.bulk_create(
            [
                Payment(
                    organisation=org,
                    person_id=invoice.person_id,
                    date=day,
                    reconciled_on=day,
                    amount_cents=cents,
                    mode=Mode.TRANSFER,
                )
                for invoice, cents, day in chunk
            ]
        )
        Allocation.objects.bulk_create(
            [
                Allocation(
                    organisation=org,
                    payment_id=payment.pk,
                    invoice_id=invoice.pk,
                    amount_cents=cents,
                    date=day,
                )
                for payment, (invoice, cents, day) in zip(made, chunk, strict=True)
            ]
        )
