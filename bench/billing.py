"""Benchmark: bill a month of the large commune, from the preview to the posted run.

Prepare (not timed): the large commune's registry (18,000 children in families of one to four,
every child given an attestable parent), the demo's places, activities and prices (early,
morning, evening and Wednesday care, meals; child positions, the CPAS tariff category, a
maximum per day, the September price rise) and about 330,000 verified attendances in October
2026 written straight to the tables: a verified day per child and date, and its attendances
with the habits the demo gives children (morning care, sometimes early; evening care; Wednesday
afternoons; meals, a few absent). An attendance names the parent who dropped off or picked up
the child about one time in three, so two parents of one family often get an invoice each
(about 13,000 invoices). Measure, as a finance officer does it: the preview of a run of every
category, the run's draft invoices, then posting them (numbers, communications, billed
attendances and days, ledger entries). The seconds of each step go to stderr.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time

#: The month billed: October 2026 has 22 school days and no public holiday.
MONTH = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
TODAY = dt.date(2026, 11, 1)
SEED = 1
#: The demo's children come this often to the care and meals of their habits: the large
#: commune bills about 330,000 attendances a month.
PRESENT = 0.62
ABSENT = 0.04
NAMED_PERSON = 0.35


def bill_month_prepare():
    """Return ``(organisation, expected attendances)`` with the month's attendances verified."""
    from django.db import connection

    from bench.operations import _empty_commune, registry_load_measure
    from regie.core.tenancy import scope
    from regie.demo.activities import build_activities
    from regie.demo.scans import _kids as demo_kids

    org = _empty_commune()
    registry_load_measure(org)
    with scope(org):
        _attestable_everywhere()
        setup = build_activities(org, today=TODAY)
        kids = demo_kids(setup, random.Random(SEED))  # the demo's habits
        count = _attendances(org, kids, random.Random(SEED + 1))
    if connection.vendor == "postgresql":
        # The month's rows were written weeks before a run: autovacuum would have visited
        # them (statistics, visibility, hint bits) instead of competing with the run.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    print(f"prepared {count:,} attendances", file=sys.stderr)
    return org, count


def _attestable_everywhere() -> None:
    """Tick "attestable" on the first parent of children who have none (a run would refuse)."""
    from regie.people.models import ChildPerson

    first_link: dict[int, int] = {}
    attested: set[int] = set()
    rows = ChildPerson.objects.order_by("pk").values_list("pk", "child_id", "attestable")
    for pk, child_id, attestable in rows:
        first_link.setdefault(child_id, pk)
        if attestable:
            attested.add(child_id)
    missing = [pk for child_id, pk in first_link.items() if child_id not in attested]
    ChildPerson.objects.filter(pk__in=missing).update(attestable=True)


def _attendances(org, kids: list, rng: random.Random, dates: tuple = MONTH) -> int:
    """Write the verified days and attendances from ``dates[0]`` to ``dates[1]``, one date at
    a time; return the count of attendances present."""
    from regie.attendance.models import Attendance, Day, DayStatus

    count = 0
    verified_at = dt.datetime(2026, 11, 1, 8, tzinfo=dt.UTC)
    day = dates[0]
    while day <= dates[1]:
        if day.weekday() < 5:
            rows = [(kid, _kid_day(kid, day, rng)) for kid in kids]
            rows = [(kid, found) for kid, found in rows if found]
            days = Day.objects.bulk_create(
                [
                    Day(
                        organisation=org,
                        child_id=kid.id,
                        date=day,
                        status=DayStatus.VERIFIED,
                        verified_at=verified_at,
                    )
                    for kid, _ in rows
                ],
                batch_size=5000,
            )
            attendances = [
                Attendance(organisation=org, day_id=record.pk, child_id=kid.id, date=day, **a)
                for record, (kid, found) in zip(days, rows, strict=True)
                for a in found
            ]
            Attendance.objects.bulk_create(attendances, batch_size=5000)
            count += sum(1 for a in attendances if not a.absent)
        day += dt.timedelta(days=1)
    return count


def _kid_day(kid, day: dt.date, rng: random.Random) -> list[dict]:
    """Return the attendances of one child's school day, as field values."""
    place, weekday = kid.place, day.weekday()
    found = []
    if rng.random() < kid.morning * PRESENT:
        if kid.early and rng.random() < 0.6:
            found.append(_stay(kid, place.early, rng.randint(390, 449), 450, rng))
            found.append(_stay(kid, place.morning, 450, rng.randint(480, 510), rng))
        else:
            found.append(_stay(kid, place.morning, rng.randint(450, 500), 510, rng))
    if weekday != 2 and rng.random() < kid.evening * PRESENT:
        found.append(_stay(kid, place.evening, 930, int(rng.triangular(945, 1080, 1030)), rng))
    if weekday == 2 and rng.random() < kid.wednesday * PRESENT:
        found.append(_stay(kid, place.wednesday, 720, int(rng.triangular(750, 1080, 960)), rng))
    if weekday in kid.meals and rng.random() < PRESENT:
        meal = _stay(kid, place.meals, 720, 765, rng)
        meal.update(source="registration", absent=rng.random() < ABSENT, person_id=None)
        found.append(meal)
    return found


def _stay(kid, activity, start: int, end: int, rng: random.Random) -> dict:
    person = None
    if kid.persons and rng.random() < NAMED_PERSON:
        person = rng.choice(kid.persons)
    return {
        "activity_id": activity.pk,
        "place_id": activity.place_id,
        "start": dt.time(start // 60, start % 60),
        "end": dt.time(end // 60, end % 60),
        "minutes": end - start,
        "person_id": person,
    }


def bill_month_measure(state) -> int:
    """Preview, create and post a run of every category; return the invoices posted."""
    from regie.activities.models import ActivityCategory
    from regie.billing.models import BillingRun, Invoice, RunStatus
    from regie.billing.preview import run_preview
    from regie.billing.runs import run_create, run_post
    from regie.core.tenancy import scope

    org, expected = state
    steps = {}
    with scope(org):
        run = BillingRun.objects.create(
            date_from=MONTH[0],
            date_to=MONTH[1],
            invoice_date=TODAY,
            due_date=TODAY + dt.timedelta(days=30),
        )
        categories = list(ActivityCategory.objects.values_list("pk", flat=True))
        run.categories.set(categories)
        started = time.perf_counter()
        preview = run_preview(run, categories)
        steps["preview"] = time.perf_counter() - started
        if preview.problems or preview.attendances != expected:
            raise AssertionError((preview.attendances, expected, preview.problems[:3]))
        started = time.perf_counter()
        run = run_create(run)
        steps["create"] = time.perf_counter() - started
        started = time.perf_counter()
        run = run_post(run)
        steps["post"] = time.perf_counter() - started
        assert run.status == RunStatus.POSTED, run.problems[:3]
        posted = Invoice.objects.filter(run=run, posted_at__isnull=False).count()
    assert posted == len(preview.invoices), (posted, len(preview.invoices))
    print(" ".join(f"{name} {seconds:.2f} s" for name, seconds in steps.items()), file=sys.stderr)
    return posted
