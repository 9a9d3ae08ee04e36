"""Verify days in bulk: load events, call the pure engine, store days and attendances.

One code path serves a single day fixed on screen and the month of a large commune: days are
processed in chunks, each chunk reading its events and registrations with one query each and
writing its attendances with one bulk insert, in one transaction. Billed days are never touched.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from regie.activities.models import Activity as ActivityModel
from regie.activities.models import Place
from regie.attendance import verification
from regie.attendance.models import (
    Attendance,
    Day,
    DayStatus,
    RegistrationDate,
    ScanEvent,
    Source,
)
from regie.attendance.windows import Activity, Encoding, minute_of
from regie.core.tenancy import current_organisation
from regie.people.models import Child

CHUNK = 2000
OPEN_STATUSES = (DayStatus.NOT_PROCESSED, DayStatus.ERROR, DayStatus.VERIFIED)


@dataclass
class VerifyCounts:
    """What a verification did, by outcome."""

    days: int = 0
    verified: int = 0
    errors: int = 0
    attendances: int = 0
    skipped_billed: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


class _Setup:
    """The organisation's activities and places, read once per verification."""

    def __init__(self) -> None:
        self.activities = [a.as_window() for a in ActivityModel.objects.all()]
        self.by_id = {a.id: a for a in self.activities}
        self.place_names = dict(Place.objects.values_list("pk", "name"))
        self._open: dict[date, list[Activity]] = {}

    def scan_activities_open(self, day: date) -> list[Activity]:
        if day not in self._open:
            self._open[day] = [
                a for a in self.activities if a.encoding is Encoding.SCAN and a.is_open(day)
            ]
        return self._open[day]


def days_touch(keys: Iterable[tuple[int, date]]) -> None:
    """Mark the days of ``(child_id, date)`` keys as not processed, creating missing ones."""
    keys = set(keys)
    if not keys:
        return
    org = current_organisation()
    Day.objects.bulk_create(
        [Day(organisation=org, child_id=child, date=day) for child, day in keys],
        ignore_conflicts=True,
        batch_size=1000,
    )
    by_date: dict[date, list[int]] = defaultdict(list)
    for child, day in keys:
        by_date[day].append(child)
    for day, children in by_date.items():
        Day.objects.filter(date=day, child_id__in=children).exclude(
            status__in=(DayStatus.BILLED, DayStatus.NOT_PROCESSED)
        ).update(status=DayStatus.NOT_PROCESSED)


def days_create_missing(date_from: date, date_to: date) -> None:
    """Create the days of a period that have events or registrations but no row yet."""
    keys = set(
        ScanEvent.objects.filter(date__range=(date_from, date_to)).values_list("child_id", "date")
    )
    keys |= set(
        RegistrationDate.objects.filter(date__range=(date_from, date_to)).values_list(
            "child_id", "date"
        )
    )
    existing = set(
        Day.objects.filter(date__range=(date_from, date_to)).values_list("child_id", "date")
    )
    missing = keys - existing
    if missing:
        org = current_organisation()
        Day.objects.bulk_create(
            [Day(organisation=org, child_id=c, date=d) for c, d in missing],
            ignore_conflicts=True,
            batch_size=2000,
        )


def days_verify(
    days: Sequence[tuple[int, int, date]],
    *,
    reset_only: bool = False,
    progress: Callable[[int], None] | None = None,
) -> VerifyCounts:
    """Verify ``(day_id, child_id, date)`` days again from their events and registrations.

    With ``reset_only`` the attendances are removed and the days left "not processed".
    """
    setup = _Setup()
    counts = VerifyCounts()
    ordered = sorted(days, key=lambda d: (d[1], d[2]))
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        _verify_chunk(chunk, setup, counts, reset_only)
        if progress:
            progress(len(chunk))
    return counts


def day_verify(day: Day) -> Day:
    """Verify one day again and return it fresh from the database."""
    days_verify([(day.pk, day.child_id, day.date)])
    return Day.objects.select_related("child").get(pk=day.pk)


def _verify_chunk(
    chunk: Sequence[tuple[int, int, date]], setup: _Setup, counts: VerifyCounts, reset_only: bool
) -> None:
    org = current_organisation()
    day_ids = [d[0] for d in chunk]
    child_ids = {d[1] for d in chunk}
    first, last = min(d[2] for d in chunk), max(d[2] for d in chunk)
    with transaction.atomic():
        locked = dict(
            Day.objects.select_for_update()
            .filter(pk__in=day_ids)
            .exclude(status=DayStatus.BILLED)
            .values_list("pk", "choices")
        )
        counts.skipped_billed += len(day_ids) - len(locked)
        kept = _clear_attendances(locked)
        if reset_only:
            Day.objects.filter(pk__in=locked).update(
                status=DayStatus.NOT_PROCESSED, errors=[], swaps=[], verified_at=None
            )
            counts.days += len(locked)
            return
        events = _events_by_day(child_ids, first, last)
        registrations = _registrations_by_day(child_ids, first, last)
        levels = dict(Child.objects.filter(pk__in=child_ids).values_list("pk", "level"))
        now = timezone.now()
        new_attendances: list[Attendance] = []
        verified_ids: list[int] = []
        in_error: list[Day] = []
        for day_id, child_id, day in chunk:
            if day_id not in locked:
                continue
            key = (child_id, day)
            choices = {int(k): v for k, v in (locked[day_id] or {}).items()}
            result = verification.verify_day(
                levels.get(child_id) or None,
                events.get(key, ()),
                setup.scan_activities_open(day),
                choices=choices,
                place_names=setup.place_names,
            )
            status = DayStatus(result.status.value)
            made_from = len(new_attendances)
            for found in result.attendances:
                new_attendances.append(
                    Attendance(
                        organisation=org,
                        day_id=day_id,
                        child_id=child_id,
                        date=day,
                        activity_id=found.activity_id,
                        place_id=found.place_id,
                        start=found.start,
                        end=found.end,
                        minutes=found.minutes,
                        person_id=found.person_id,
                        status=status,
                        source=Source.PHONE,
                        event_ids=list(found.event_ids),
                    )
                )
            for registered in registrations.get(key, ()):
                new_attendances.append(_registered(registered, setup, org, day_id, key, status))
            if kept.get(day_id):
                new_attendances[made_from:] = [
                    a for a in new_attendances[made_from:] if not _overlaps(a, kept[day_id])
                ]
            counts.days += 1
            if status == DayStatus.VERIFIED:
                verified_ids.append(day_id)
                counts.verified += 1
            else:
                counts.errors += 1
                in_error.append(
                    Day(
                        pk=day_id,
                        status=status,
                        errors=[error.to_dict() for error in result.errors],
                        swaps=[list(s) for s in result.swaps],
                        verified_at=now,
                    )
                )
        Attendance.objects.bulk_create(new_attendances, batch_size=2000)
        counts.attendances += len(new_attendances)
        Day.objects.filter(pk__in=verified_ids).update(
            status=DayStatus.VERIFIED, errors=[], swaps=[], verified_at=now
        )
        Day.objects.bulk_update(in_error, ["status", "errors", "swaps", "verified_at"], 500)


def _clear_attendances(day_ids) -> dict[int, list[tuple[int, time, time]]]:
    """Delete the days' attendances that no invoice holds; return the others by day.

    An attendance on an invoice — posted, or a draft of a run — stays as it was billed, and
    the rebuilt attendances of its activity that overlap it are dropped, so a stretch of a day
    is never billed twice. Links to credited invoices are history the credit note keeps: they
    go with their attendance.
    """
    from regie.billing.models import BilledAttendance  # billing builds on attendance

    on_invoice = BilledAttendance.objects.filter(attendance=OuterRef("pk"), released=False)
    attendances = Attendance.objects.filter(day_id__in=day_ids)
    held = Q(status=DayStatus.BILLED) | Exists(on_invoice)
    kept: dict[int, list[tuple[int, time, time]]] = defaultdict(list)
    rows = attendances.filter(held).values_list("day_id", "activity_id", "start", "end")
    for day_id, activity_id, start, end in rows:
        kept[day_id].append((activity_id, start, end))
    stale = attendances.exclude(held)
    BilledAttendance.objects.filter(attendance__in=stale, released=True).delete()
    stale.delete()
    return kept


def _overlaps(attendance: Attendance, kept: list[tuple[int, time, time]]) -> bool:
    return any(
        attendance.activity_id == activity_id and attendance.start < end and start < attendance.end
        for activity_id, start, end in kept
    )


def _events_by_day(
    child_ids: set[int], first: date, last: date
) -> dict[tuple[int, date], list[verification.ScanEvent]]:
    rows = ScanEvent.objects.filter(
        child_id__in=child_ids, date__range=(first, last), active=True
    ).values_list("pk", "child_id", "place_id", "date", "time", "direction", "source", "person_id")
    found: dict[tuple[int, date], list[verification.ScanEvent]] = defaultdict(list)
    for pk, child_id, place_id, day, moment, direction, source, person_id in rows:
        found[(child_id, day)].append(
            verification.ScanEvent(
                id=pk,
                child_id=child_id,
                place_id=place_id,
                at=datetime.combine(day, moment),
                direction=verification.Direction(direction),
                source=verification.Source(source),
                person_id=person_id,
            )
        )
    return found


def _registrations_by_day(
    child_ids: set[int], first: date, last: date
) -> dict[tuple[int, date], list[tuple]]:
    rows = RegistrationDate.objects.filter(
        child_id__in=child_ids, date__range=(first, last)
    ).values_list(
        "child_id", "date", "absent", "registration__activity_id", "registration__person_id"
    )
    found: dict[tuple[int, date], list[tuple]] = defaultdict(list)
    for child_id, day, absent, activity_id, person_id in rows:
        found[(child_id, day)].append((activity_id, absent, person_id))
    return found


def _registered(
    registered: tuple, setup: _Setup, org, day_id: int, key: tuple[int, date], status: DayStatus
) -> Attendance:
    activity_id, absent, person_id = registered
    activity = setup.by_id[activity_id]
    return Attendance(
        organisation=org,
        day_id=day_id,
        child_id=key[0],
        date=key[1],
        activity_id=activity_id,
        place_id=activity.place_id,
        start=activity.start,
        end=activity.end,
        minutes=minute_of(activity.end) - minute_of(activity.start),
        person_id=person_id,
        absent=absent,
        status=status,
        source=Source.REGISTRATION,
    )
