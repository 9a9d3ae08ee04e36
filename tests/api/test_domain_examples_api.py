"""DOMAIN worked examples 1–4, 6 and 7 end to end: scans posted through the API, days verified,
attendances priced with :mod:`regie.activities.pricing` from the stored prices (exact cents).
"""

from __future__ import annotations

from datetime import date, time

import pytest
from tests import factories as f
from tests.api.conftest import scan

from regie.activities import pricing
from regie.activities.models import Price
from regie.activities.positions import RankedChild, child_positions
from regie.attendance.models import Attendance, Day, DayStatus, ScanEvent
from regie.attendance.services import event_set_active
from regie.attendance.verifying import days_verify
from regie.core.errors import DomainError
from regie.people.models import Child, ChildPerson


def verify_days() -> dict[tuple[int, date], Day]:
    """Verify every day the scans touched; return them by (child id, date)."""
    days_verify(list(Day.objects.values_list("pk", "child_id", "date")))
    return {(day.child_id, day.date): day for day in Day.objects.all()}


def price_date(day: date) -> tuple[dict[int, list[pricing.DayLine]], list[DomainError]]:
    """Price the verified attendances of ``day``: the lines of each child, and the problems.

    The position is the child's rank under its first billable person (1 without one).
    """
    prices = [price.as_value() for price in Price.objects.all()]
    billable: dict[int, list[int]] = {}
    for child_id, person_id in (
        ChildPerson.objects.filter(billable=True)
        .order_by("pk")
        .values_list("child_id", "person_id")
    ):
        billable.setdefault(child_id, []).append(person_id)
    ranked = [
        RankedChild(child.pk, child.birth_date, str(child), frozenset(billable.get(child.pk, ())))
        for child in Child.objects.all()
    ]
    positions = child_positions(ranked)
    lines, errors = {}, []
    for child in Child.objects.filter(attendances__date=day).distinct():
        persons = billable.get(child.pk)
        position = positions[persons[0], child.pk] if persons else 1
        priced = []
        for attendance in Attendance.objects.filter(
            child=child, date=day, status=DayStatus.VERIFIED
        ).order_by("start"):
            price, problems = pricing.find_price(
                prices, attendance.activity_id, day, position, child.tariff_category_id
            )
            errors += problems
            if price is not None:
                priced.append(
                    pricing.PricedAttendance(attendance.activity_id, attendance.minutes, price)
                )
        lines[child.pk] = pricing.day_charges(priced)
    return lines, errors


def cents(lines: list[pricing.DayLine]) -> list[tuple[int, int, int]]:
    return [(line.minutes, line.periods, line.amount_cents) for line in lines]


def attend(phone, child, place, days: tuple[str, ...], entry: str, exit_: str) -> None:
    """Scan ``child`` in and out at ``place`` on each of ``days``, then verify the days."""
    for day in days:
        phone.send(
            scan(child, place, f"{day}T{entry}", "entry"),
            scan(child, place, f"{day}T{exit_}", "exit"),
        )
    verify_days()


def charged(child, day: date) -> list[tuple[int, int, int]]:
    """Return (minutes, periods, cents) of each line of the child's day; no pricing problem."""
    lines, errors = price_date(day)
    assert errors == []
    return cents(lines[child.pk])


@pytest.fixture
def evening(in_a):
    activity = f.activity("Accueil du soir", "16:00", "18:00")
    f.price("0,50 par 30 min", [activity])
    return activity


def test_example_1_a_lone_exit_at_16_04_costs_one_period(evening, phone):
    """Lone exit 16:04 → attendance 16:00–16:04, 4 minutes, 1 period, 0.50."""
    child = f.child()
    phone.send(scan(child, evening.place, "2025-10-01T16:04", "exit"))
    day = verify_days()[child.pk, date(2025, 10, 1)]
    assert day.status == DayStatus.VERIFIED
    attendance = day.attendances.get()
    assert (attendance.start, attendance.end) == (time(16, 0), time(16, 4))
    assert charged(child, date(2025, 10, 1)) == [(4, 1, 50)]


def test_example_2_entry_16_10_exit_17_45_costs_2_00_or_1_50_with_a_maximum(in_a, phone):
    """95 minutes: 4 periods, 2.00; under a price with a maximum of 1.50: 1.50."""
    plain = f.activity("Accueil du soir", "16:00", "18:00", at=f.place("Centre"))
    capped = f.activity("Accueil du soir", "16:00", "18:00", at=f.place("Village"))
    f.price("0,50 par 30 min", [plain])
    f.price("0,50 par 30 min, max 1,50", [capped], maximum=150)
    lea, tom = f.child("Léa"), f.child("Tom")
    phone.send(
        scan(lea, plain.place, "2025-10-01T16:10", "entry"),
        scan(lea, plain.place, "2025-10-01T17:45", "exit"),
        scan(tom, capped.place, "2025-10-01T16:10", "entry"),
        scan(tom, capped.place, "2025-10-01T17:45", "exit"),
    )
    verify_days()
    assert charged(lea, date(2025, 10, 1)) == [(95, 4, 200)]
    assert charged(tom, date(2025, 10, 1)) == [(95, 4, 150)]


def test_example_3_free_at_the_start_of_the_school_year_then_0_50(in_a, phone):
    """Morning care 07:00–08:20: 0.00 on 26/08/2025 (per-day free price), 1.50 on 27/08/2025."""
    morning = f.activity("Accueil du matin", "07:00", "08:30")
    f.price(
        "Gratuit à la rentrée",
        [morning],
        period=24 * 60,
        unit=0,
        valid_from=date(2025, 8, 24),
        valid_to=date(2025, 8, 26),
    )
    f.price(
        "0,50 par 30 min",
        [morning],
        valid_from=date(2025, 8, 27),
        valid_to=date(2031, 12, 25),
    )
    child = f.child()
    attend(phone, child, morning.place, ("2025-08-26", "2025-08-27"), "07:00", "08:20")
    assert charged(child, date(2025, 8, 26)) == [(80, 1, 0)]
    assert charged(child, date(2025, 8, 27)) == [(80, 3, 150)]


def test_example_4_price_change_from_25_08_2025(in_a, phone):
    """0.50 until 24/08/2025, 0.65 from 25/08: 45 minutes cost 1.00 on 22/08 and 1.30 on 25/08."""
    evening = f.activity("Accueil du soir", "16:00", "18:00")
    old = f.price("0,50 par 30 min", [evening], valid_to=date(2025, 12, 31))
    ended, new = pricing.change_price_from(old.as_value(), date(2025, 8, 25), 65)
    Price.objects.filter(pk=old.pk).update(valid_to=ended.valid_to)
    f.price(new.name, [evening], unit=65, valid_from=new.valid_from, valid_to=new.valid_to)
    assert (ended.valid_from, ended.valid_to) == (date(2025, 1, 1), date(2025, 8, 24))
    assert (new.valid_from, new.valid_to) == (date(2025, 8, 25), date(2025, 12, 31))
    child = f.child()
    attend(phone, child, evening.place, ("2025-08-22", "2025-08-25"), "16:00", "16:45")
    assert charged(child, date(2025, 8, 22)) == [(45, 2, 100)]
    assert charged(child, date(2025, 8, 25)) == [(45, 2, 130)]


def test_example_6_a_price_for_first_children_only_misses_positions_2_and_3(in_a, phone):
    """A family of three at the activity on 01/10/2025: missing price for positions 2 and 3."""
    evening = f.activity("Accueil du soir", "16:00", "18:00")
    f.price("Premier enfant", [evening], positions=(1,))
    parent = f.person()
    children = [
        f.child(name, parent=parent, birth_date=date(year, 1, 1))
        for name, year in (("Aïcha", 2015), ("Bilal", 2017), ("Chloé", 2019))
    ]
    phone.send(*(scan(c, evening.place, "2025-10-01T16:30", "exit") for c in children))
    verify_days()
    lines, errors = price_date(date(2025, 10, 1))
    assert cents(lines[children[0].pk]) == [(30, 1, 50)]
    assert lines[children[1].pk] == lines[children[2].pk] == []
    assert [e.code for e in errors] == ["pricing.missing", "pricing.missing"]
    assert sorted(
        (e.params["position"], e.params["category"], e.params["date"]) for e in errors
    ) == [
        (2, "none", "01/10/2025"),
        (3, "none", "01/10/2025"),
    ]


def test_example_7_two_entries_at_09_30_are_several_scans_until_one_is_deactivated(in_a, phone):
    """Two scans at 09:30, same child, place and direction: the day is in error; deactivating one
    verifies it (lone entry to the window's end, 12:00: 150 minutes, 5 periods, 2.50)."""
    morning = f.activity("Accueil du matin", "07:00", "12:00")
    f.price("0,50 par 30 min", [morning])
    child = f.child()
    results = phone.send(
        scan(child, morning.place, "2025-10-01T09:30", "entry"),
        scan(child, morning.place, "2025-10-01T09:30", "entry"),
    )
    assert [r["status"] for r in results] == ["accepted", "accepted"]
    day = verify_days()[child.pk, date(2025, 10, 1)]
    assert day.status == DayStatus.ERROR
    assert [error["code"] for error in day.errors] == ["verification.duplicate_scans"]
    day = event_set_active(event=ScanEvent.objects.get(pk=results[0]["event_id"]), active=False)
    assert day.status == DayStatus.VERIFIED
    assert charged(child, date(2025, 10, 1)) == [(150, 5, 250)]
