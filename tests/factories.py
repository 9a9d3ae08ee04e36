"""Small builders of registry, activity and price rows for tests (inside an active scope)."""

from __future__ import annotations

import itertools
from datetime import date, time

from regie.activities.models import Activity, ActivityCategory, Place, Price
from regie.people.models import Child, ChildPerson, Person

_serial = itertools.count(1)


def place(name: str = "École du Centre") -> Place:
    return Place.objects.get_or_create(name=name)[0]


def category(code: str = "accueil", name: str = "Accueil") -> ActivityCategory:
    return ActivityCategory.objects.get_or_create(code=code, defaults={"name": name})[0]


def activity(
    name: str,
    start: str,
    end: str,
    *,
    at: Place | None = None,
    kind: ActivityCategory | None = None,
    levels: tuple[str, ...] = (),
    date_from: date = date(2025, 8, 1),
    date_to: date | None = date(2026, 7, 31),
    weekdays: tuple[int, ...] = (),
    encoding: str = "scan",
    next_activity: Activity | None = None,
    bill_absence: bool = False,
) -> Activity:
    return Activity.objects.create(
        name=name,
        category=kind or category(),
        place=at or place(),
        levels=list(levels),
        date_from=date_from,
        date_to=date_to,
        weekdays=list(weekdays),
        start_time=time.fromisoformat(start),
        end_time=time.fromisoformat(end),
        encoding=encoding,
        next_activity=next_activity,
        bill_absence=bill_absence,
    )


def price(
    name: str,
    activities: list[Activity],
    *,
    period: int = 30,
    unit: int = 50,
    maximum: int = 0,
    valid_from: date = date(2025, 1, 1),
    valid_to: date | None = None,
    positions: tuple[int, ...] = (),
    cumulative: bool = False,
) -> Price:
    created = Price.objects.create(
        name=name,
        period_minutes=period,
        unit_cents=unit,
        maximum_cents=maximum,
        valid_from=valid_from,
        valid_to=valid_to,
        positions=list(positions),
        cumulative=cumulative,
    )
    created.activities.set(activities)
    return created


def person(last_name: str = "Dupont", first_name: str = "Anne") -> Person:
    return Person.objects.create(last_name=last_name, first_name=first_name, email="")


def child(
    first_name: str = "Léa",
    last_name: str = "Dupont",
    *,
    level: str = "P3",
    birth_date: date = date(2017, 3, 14),
    parent: Person | None = None,
    billable: bool = True,
    attestable: bool = True,
) -> Child:
    created = Child.objects.create(
        first_name=first_name, last_name=last_name, birth_date=birth_date, level=level
    )
    if parent is not None:
        ChildPerson.objects.create(
            child=created, person=parent, billable=billable, attestable=attestable
        )
    return created


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_serial)}"
