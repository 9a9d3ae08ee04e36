"""Scans and meal registrations of the demo commune, with the mistakes real days have.

Every child gets habits (morning care, evening care, Wednesday afternoons, meals on some
weekdays) and, day after day, scans that follow them: a lone entry in the morning (children go
to class unscanned), an exit at pick-up in the evening, often without an entry (children come
straight from class). A few days carry the mistakes staff make, in realistic proportions:

- the same scan twice in the same minute (a double tap), sometimes already deactivated;
- entry and exit pressed the wrong way round (one or both);
- a pick-up after closing time or a drop-off before opening: outside every window;
- a drop-off scanned at 08:30, the very end of the morning window: no activity left to attend;

and the older pupils of the first school, on Wednesdays, match both the Wednesday care and the
sports workshop: "several activities found". Sick children have no scans and their meal is
marked absent. Everything derives from the seed (including the client event ids), so the same
seed and dates give the same scans.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from regie.activities.models import Place
from regie.attendance.devices import device_create
from regie.attendance.models import (
    Day,
    Device,
    Direction,
    Registration,
    RegistrationDate,
    ScanEvent,
    Source,
)
from regie.attendance.verifying import (
    OPEN_STATUSES,
    VerifyCounts,
    days_create_missing,
    days_verify,
)
from regie.demo.activities import ActivitySetup, PlaceSetup, build_activities
from regie.people.models import Child, ChildPerson

ENTRY, EXIT = Direction.ENTRY.value, Direction.EXIT.value
CLOCK = [dt.time(minute // 60, minute % 60) for minute in range(24 * 60)]
SICK = 0.04
MANUAL = 0.02
#: Cumulative probabilities of a day's mistake (the rest of the days have none).
MISTAKES = (
    ("duplicate", 0.010),
    ("duplicate_fixed", 0.014),
    ("swapped", 0.022),
    ("outside", 0.028),
    ("boundary", 0.031),
)


def hm(text: str) -> int:
    """Return the minutes since midnight of "HH:MM"."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


@dataclass
class ScanStats:
    """What the scan builder created and what verifying its days gave."""

    events: int = 0
    registered: int = 0
    absences: int = 0
    days: int = 0
    verified: int = 0
    errors: int = 0


class _Kid(NamedTuple):
    id: int
    place: PlaceSetup
    level: str
    persons: tuple[int, ...]
    morning: float
    early: bool
    evening: float
    wednesday: float
    meals: frozenset[int]


def _kids(setup: ActivitySetup, rng: random.Random) -> list[_Kid]:
    """Return the active children with a school site, with their habits."""
    persons: dict[int, list[int]] = defaultdict(list)
    links = ChildPerson.objects.filter(billable=True).order_by("pk")
    for child_id, person_id in links.values_list("child_id", "person_id"):
        persons[child_id].append(person_id)
    kids = []
    rows = Child.objects.filter(is_active=True, site__isnull=False).order_by("pk")
    for pk, site_id, level in rows.values_list("pk", "site_id", "level"):
        place = setup.by_site.get(site_id)
        if place is None:
            continue

        def habit(share: float) -> float:
            return rng.choice((0.5, 0.8, 0.95)) if rng.random() < share else 0.0

        meals = frozenset(d for d in (0, 1, 3, 4) if rng.random() < 0.8)
        kids.append(
            _Kid(
                id=pk,
                place=place,
                level=level,
                persons=tuple(persons.get(pk, ())),
                morning=habit(0.5),
                early=rng.random() < 0.25,
                evening=habit(0.75),
                wednesday=habit(0.45),
                meals=meals if rng.random() < 0.6 else frozenset(),
            )
        )
    return kids


def _dates(date_from: dt.date, date_to: dt.date) -> Iterator[dt.date]:
    day = date_from
    while day <= date_to:
        yield day
        day += dt.timedelta(days=1)


class _Builder:
    """Accumulate the events and registered dates of a period, then insert them in bulk."""

    def __init__(self, org, setup: ActivitySetup, seed: int, staff_id: int | None) -> None:
        self.org, self.setup, self.staff_id = org, setup, staff_id
        self.rng = random.Random(seed)
        self.events: list[ScanEvent] = []
        self.meals: dict[int, list[tuple[dt.date, bool]]] = defaultdict(list)
        self.devices = {place.place.pk: _device(place) for place in setup.by_site.values()}

    def child_day(self, kid: _Kid, day: dt.date, open_now: dict[str, bool]) -> None:
        rng = self.rng
        sick = rng.random() < SICK
        if open_now["meals"] and day.weekday() in kid.meals:
            self.meals[kid.id].append((day, sick))
        if sick:
            return
        morning = self._morning(kid) if open_now["morning"] and rng.random() < kid.morning else []
        later: list[tuple[int, str]] = []
        if open_now["evening"] and rng.random() < kid.evening:
            later = self._afternoon("15:30", "15:45", "17:10", 0.45)
        if open_now["wednesday"] and rng.random() < kid.wednesday:
            later = self._afternoon("12:00", "12:30", "16:00", 0.6)
        moments = morning + later
        if not moments:
            return
        for minute, direction, active in self._mistake(moments):
            self._add(kid, day, minute, direction, active)

    def _morning(self, kid: _Kid) -> list[tuple[int, str]]:
        rng = self.rng
        if kid.early and rng.random() < 0.6:
            arrival = rng.randint(hm("06:30"), hm("07:29"))
        else:
            arrival = int(rng.triangular(hm("07:30"), hm("08:20"), hm("08:05")))
        moments = [(arrival, ENTRY)]
        if rng.random() < 0.08:  # some staff scan the children out when they leave for class
            moments.append((rng.randint(hm("08:25"), hm("08:30")), EXIT))
        return moments

    def _afternoon(self, opens: str, first: str, usual: str, entry_share: float):
        rng = self.rng
        pick_up = int(rng.triangular(hm(first), hm("18:00"), hm(usual)))
        if rng.random() < entry_share:
            return [(rng.randint(hm(opens), hm(opens) + 10), ENTRY), (pick_up, EXIT)]
        return [(pick_up, EXIT)]

    def _mistake(self, moments: list[tuple[int, str]]) -> list[tuple[int, str, bool]]:
        rng = self.rng
        draw = rng.random()
        kind = next((name for name, limit in MISTAKES if draw < limit), None)
        result = [(minute, direction, True) for minute, direction in moments]
        pairs = [i for i in range(len(moments) - 1) if moments[i][1] == ENTRY != moments[i + 1][1]]
        if kind in ("duplicate", "duplicate_fixed"):
            minute, direction = rng.choice(moments)
            result.append((minute, direction, kind == "duplicate"))
        elif kind == "swapped" and pairs:
            first = rng.choice(pairs)
            for index in rng.choice(((first,), (first + 1,), (first, first + 1))):
                minute, direction, _ = result[index]
                result[index] = (minute, EXIT if direction == ENTRY else ENTRY, True)
        elif kind == "outside" and moments[-1][1] == EXIT and moments[-1][0] >= hm("15:45"):
            result[-1] = (rng.randint(hm("18:05"), hm("18:25")), EXIT, True)
        elif kind == "outside" and moments[0][1] == ENTRY and moments[0][0] < hm("08:30"):
            result[0] = (rng.randint(hm("06:10"), hm("06:25")), ENTRY, True)
        elif kind == "boundary" and moments[0][1] == ENTRY and moments[0][0] >= hm("07:30"):
            result[0] = (hm("08:30"), ENTRY, True)
        return result

    def _add(self, kid: _Kid, day: dt.date, minute: int, direction: str, active: bool) -> None:
        rng = self.rng
        manual = rng.random() < MANUAL
        person = None
        if kid.persons and rng.random() < (0.8 if direction == EXIT else 0.5):
            person = rng.choice(kid.persons)
        place_id = kid.place.place.pk
        self.events.append(
            ScanEvent(
                organisation=self.org,
                child_id=kid.id,
                place_id=place_id,
                date=day,
                time=CLOCK[minute],
                direction=direction,
                source=Source.MANUAL if manual else Source.PHONE,
                person_id=person,
                device_id=None if manual else self.devices[place_id],
                recorded_by_id=self.staff_id if manual else None,
                client_event_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                active=active,
            )
        )

    def registrations(self, kids: list[_Kid]) -> tuple[int, int]:
        """Insert one meal registration per child who eats, with its dates; return counts."""
        by_id = {kid.id: kid for kid in kids}
        registrations = [
            Registration(
                organisation=self.org,
                child_id=child_id,
                activity_id=by_id[child_id].place.meals.pk,
                person_id=by_id[child_id].persons[0] if by_id[child_id].persons else None,
            )
            for child_id in self.meals
        ]
        Registration.objects.bulk_create(registrations, batch_size=1000)
        dates = [
            RegistrationDate(
                organisation=self.org,
                registration=registration,
                child_id=registration.child_id,
                date=day,
                absent=absent,
            )
            for registration in registrations
            for day, absent in self.meals[registration.child_id]
        ]
        RegistrationDate.objects.bulk_create(dates, batch_size=2000)
        return len(dates), sum(1 for d in dates if d.absent)


def _device(place: PlaceSetup) -> int:
    # the secret is not kept: the administrator issues a new one
    device, _token = device_create(device=Device(name=f"Téléphone — {place.place.name}"))
    return device.pk


def build_scans(
    org,
    setup: ActivitySetup,
    *,
    seed: int,
    date_from: dt.date,
    date_to: dt.date,
    meals: bool = True,
    staff_id: int | None = None,
) -> ScanStats:
    """Insert the scans (and meal registrations) of a period's open days; verify nothing yet."""
    builder = _Builder(org, setup, seed, staff_id)
    kids = _kids(setup, builder.rng)
    sample = next(iter(setup.by_site.values()), None)
    if sample is None:
        return ScanStats()
    for day in _dates(date_from, date_to):
        open_now = {
            role: getattr(sample, role).as_window().is_open(day)
            for role in ("morning", "evening", "wednesday", "meals")
        }
        open_now["meals"] &= meals
        if any(open_now.values()):
            for kid in kids:
                builder.child_day(kid, day, open_now)
    ScanEvent.objects.bulk_create(builder.events, batch_size=2000)
    stats = ScanStats(events=len(builder.events))
    if meals:
        stats.registered, stats.absences = builder.registrations(kids)
    return stats


def verify_period(date_from: dt.date, date_to: dt.date) -> VerifyCounts:
    """Create the period's missing days and verify the open ones, as the wizard does."""
    days_create_missing(date_from, date_to)
    days = Day.objects.filter(date__range=(date_from, date_to), status__in=OPEN_STATUSES)
    return days_verify(list(days.order_by().values_list("pk", "child_id", "date")))


def previous_month_start(today: dt.date) -> dt.date:
    """Return the first day of the calendar month before ``today``'s."""
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def build_attendance(org, *, seed: int, today: dt.date, staff_id: int | None = None):
    """Set up the childcare of ``org`` and its scans from last month's start to yesterday.

    The days are verified as the wizard would, which leaves a few percent in error for the
    days screen. Return ``(setup, stats)``; an organisation that has places already is left
    alone (``(None, ScanStats())``).
    """
    if Place.objects.exists():
        return None, ScanStats()
    setup = build_activities(org, today=today)
    first, last = previous_month_start(today), today - dt.timedelta(days=1)
    stats = build_scans(org, setup, seed=seed, date_from=first, date_to=last, staff_id=staff_id)
    counts = verify_period(first, last)
    stats.days, stats.verified, stats.errors = counts.days, counts.verified, counts.errors
    return setup, stats
