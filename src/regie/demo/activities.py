"""The demo commune's childcare setup: places, activity categories, activities and prices.

Each school site has one place, and each place the same activities:

- a morning chain: early care 06:30–07:30 followed by morning care 07:30–08:30;
- evening care 15:30–18:00 on Monday, Tuesday, Thursday and Friday;
- Wednesday-afternoon care 12:00–18:00 (category "Mercredi");
- school meals, registration-encoded, absences not billed.

The first place also hosts a Wednesday sports workshop for the older pupils, scan-encoded, in a
category of its own: the compatibility rule allows it (another category), so a Wednesday scan
inside its window matches two activities and the days screen asks which one.

Activities start on 1 September of the previous school year and have no end; they close on
Belgian public holidays only (school holidays are not modelled, so that the demo shows recent
data whatever the day). The prices cover every activity, date, child position (1–12) and tariff
category exactly once (``tests/test_demo.py`` runs the coverage check):

- early care 1.00 per started 30 min (DOMAIN example 8);
- morning care 0.50 per started 30 min, free during the first three weekdays of the current
  school year (DOMAIN example 3), so one price per school year around the free days;
- evening and Wednesday care: 0.50 per started 30 min with a maximum of 5.00 for the first two
  children, raised to 0.55 from 1 September of the current school year with the price change
  rule; 0.25 from the third child; 0.10 for the CPAS tariff category, any position;
- meals 3.20 a day, 1.00 for the CPAS tariff category; the workshop 2.00 a day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from regie.activities.models import Activity, ActivityCategory, Encoding, Place, Price
from regie.activities.services import (
    activity_save,
    category_save,
    place_save,
    price_change_from,
    price_save,
)
from regie.attendance import windows
from regie.demo.registry import school_year_start
from regie.people.models import Level, SchoolSite, TariffCategory

WORKDAYS = [0, 1, 2, 3, 4]
NOT_WEDNESDAY = [0, 1, 3, 4]
WORKSHOP_LEVELS = [Level.P4.value, Level.P5.value, Level.P6.value]
REDUCED_POSITIONS = list(range(3, 13))
#: Positions the coverage check covers: every family of the demo stays below.
POSITIONS = range(1, 13)
FREE_DAYS = 3
HOLIDAY_YEARS = 4


@dataclass
class PlaceSetup:
    """The activities of one place, by role in the demo."""

    place: Place
    early: Activity
    morning: Activity
    evening: Activity
    wednesday: Activity
    meals: Activity
    workshop: Activity | None = None


@dataclass
class ActivitySetup:
    """What the builder created: places by school site, activities and prices."""

    by_site: dict[int, PlaceSetup] = field(default_factory=dict)
    activities: list[Activity] = field(default_factory=list)
    prices: list[Price] = field(default_factory=list)
    first_day: dt.date = dt.date.min

    def windows(self) -> list[windows.Activity]:
        return [activity.as_window() for activity in self.activities]


def easter(year: int) -> dt.date:
    """Return Easter Sunday of a Gregorian year (the anonymous Gregorian algorithm).

    >>> easter(2026), easter(2027)
    (datetime.date(2026, 4, 5), datetime.date(2027, 3, 28))
    """
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    j = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * j) // 433
    month, day = divmod(h + j - 7 * m + 90, 25)
    return dt.date(year, month, (h + j - 7 * m + 33 * month + 19) % 32)


def public_holidays(year: int) -> list[dt.date]:
    """Return the Belgian public holidays of a year, with 27 September (Wallonia-Brussels)."""
    fixed = [(1, 1), (5, 1), (7, 21), (8, 15), (9, 27), (11, 1), (11, 11), (12, 25)]
    sunday = easter(year)
    movable = [sunday + dt.timedelta(days=n) for n in (1, 39, 50)]
    return sorted([dt.date(year, m, d) for m, d in fixed] + movable)


def build_activities(org, *, today: dt.date) -> ActivitySetup:
    """Create places, categories, activities and prices; return what was created."""
    start = school_year_start(today)
    setup = ActivitySetup(first_day=start.replace(year=start.year - 1))
    closed = [
        day.isoformat()
        for year in range(setup.first_day.year, setup.first_day.year + HOLIDAY_YEARS)
        for day in public_holidays(year)
        if day >= setup.first_day
    ]
    kinds = {
        code: category_save(category=ActivityCategory(code=code, name=name))
        for code, name in (
            ("accueil", "Accueil"),
            ("mercredi", "Mercredi après-midi"),
            ("repas", "Repas"),
            ("ateliers", "Ateliers"),
        )
    }
    for index, site in enumerate(SchoolSite.objects.order_by("pk")):
        place = place_save(place=Place(name=f"Accueil de {site.city or site.name}", site=site))
        setup.by_site[site.pk] = _place_activities(place, kinds, setup, closed, index == 0)
    setup.prices = _prices(setup, start)
    return setup


def _place_activities(place, kinds, setup, closed, with_workshop) -> PlaceSetup:
    city = place.site.city if place.site else place.name

    def create(name, kind, begin, end, weekdays, **extra) -> Activity:
        activity = Activity(
            name=f"{name} ({city})",
            category=kinds[kind],
            place=place,
            date_from=setup.first_day,
            weekdays=weekdays,
            excluded_dates=closed,
            start_time=dt.time.fromisoformat(begin),
            end_time=dt.time.fromisoformat(end),
            **extra,
        )
        activity_save(activity=activity)  # refuses invalid fields, conflicts and bad chains
        setup.activities.append(activity)
        return activity

    morning = create("Accueil du matin", "accueil", "07:30", "08:30", WORKDAYS)
    return PlaceSetup(
        place=place,
        early=create(
            "Accueil matinal", "accueil", "06:30", "07:30", WORKDAYS, next_activity=morning
        ),
        morning=morning,
        evening=create("Accueil du soir", "accueil", "15:30", "18:00", NOT_WEDNESDAY),
        wednesday=create("Mercredi après-midi", "mercredi", "12:00", "18:00", [2]),
        meals=create(
            "Repas chaud", "repas", "12:00", "12:45", NOT_WEDNESDAY, encoding=Encoding.REGISTRATION
        ),
        workshop=create(
            "Atelier multisports", "ateliers", "13:30", "16:00", [2], levels=WORKSHOP_LEVELS
        )
        if with_workshop
        else None,
    )


def _prices(setup: ActivitySetup, start: dt.date) -> list[Price]:
    places = list(setup.by_site.values())
    categories = {c.code: c for c in TariffCategory.objects.all()}
    cpas = [categories["cpas"]] if "cpas" in categories else []
    paying = {
        "without_category": True,
        "categories": [c for code, c in categories.items() if code != "cpas"],
    }
    first, free_to = setup.first_day, _weekdays_from(start, FREE_DAYS)
    after_free = free_to + dt.timedelta(days=1)
    care = [a for p in places for a in (p.evening, p.wednesday)]
    meals = [p.meals for p in places]
    morning = [p.morning for p in places]
    year = f"{start.year}-{start.year + 1}"
    spec = [  # name, activities, period, unit, maximum, valid from, valid to, for whom
        ("Accueil matinal", [p.early for p in places], 30, 100, 0, first, None, {}),
        (f"Accueil du matin {start.year - 1}-{start.year}", morning, 30, 50, 0, first,
         start - dt.timedelta(days=1), {}),
        ("Accueil du matin — rentrée gratuite", morning, 1440, 0, 0, start, free_to, {}),
        (f"Accueil du matin {year}", morning, 30, 50, 0, after_free, None, {}),
        ("Accueil du soir et mercredi", care, 30, 50, 500, first, None,
         paying | {"positions": [1, 2]}),
        ("Accueil — 3e enfant et suivants", care, 30, 25, 250, first, None,
         paying | {"positions": REDUCED_POSITIONS}),
        ("Accueil — tarif CPAS", care, 30, 10, 100, first, None, {"categories": cpas}),
        ("Repas chaud", meals, 1440, 320, 0, first, None, paying),
        ("Repas chaud — tarif CPAS", meals, 1440, 100, 0, first, None, {"categories": cpas}),
        ("Atelier multisports", [p.workshop for p in places if p.workshop], 1440, 200, 0,
         first, None, {}),
    ]  # fmt: skip
    prices = [_price(*row[:-1], **row[-1]) for row in spec]
    rise = prices[4]
    name = f"{rise.name} (hausse de septembre)"
    prices.append(price_change_from(price=rise, day=start, unit_cents=55, name=name))
    return prices


def _weekdays_from(first: dt.date, count: int) -> dt.date:
    """Return the ``count``-th weekday from ``first`` (included)."""
    day = first - dt.timedelta(days=1)
    while count:
        day += dt.timedelta(days=1)
        count -= day.weekday() < 5
    return day


def _price(name, activities, period, unit, maximum, valid_from, valid_to, **who) -> Price:
    categories = who.pop("categories", [])
    price = Price(
        name=name,
        period_minutes=period,
        unit_cents=unit,
        maximum_cents=maximum,
        valid_from=valid_from,
        valid_to=valid_to,
        **who,
    )
    return price_save(price=price, activities=activities, categories=categories)
