"""Verify days in bulk: load events, call the pure engine, store days and attendances.

One code path serves a single day fixed on screen and the month of a large commune: days are
processed in chunks, each chunk reading its events and registrations with one query each and
writing its attendances with one bulk insert, in one transaction. Billed days are never touched.

What makes a month of a large commune fast (``docs/benchmarks.md`` has the figures):

- chunks follow the date, and every query names the chunk's dates (scans and registrations:
  each date's range of children, :mod:`regie.attendance.day_inputs`), so the indexes on
  (organisation, date, ...) serve it even with stale statistics (right after a month of scans
  was loaded, or while the run itself adds attendances); no query carries a default ordering
  (the day's joins the children);
- id lists go as one array (:class:`~regie.attendance.bulk.AnyOf`), attendances are written by
  ``COPY`` from plain tuples, and the engine gets each day's chains computed once per date and
  level;
- on PostgreSQL, outside a caller's transaction, two threads verify chunks side by side (two
  processes from ``PROCESS_DAYS`` days), and each chunk commits without waiting for the disk.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, time

from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from regie.activities.models import Activity as ActivityModel
from regie.activities.models import Place
from regie.attendance import verification
from regie.attendance.billed import is_held, released_links_forget
from regie.attendance.bulk import AnyOf, delete_rows, run_chunks
from regie.attendance.day_inputs import child_ranges, events_by_day, registrations_by_day
from regie.attendance.models import (
    Attendance,
    Day,
    DayStatus,
    RegistrationDate,
    ScanEvent,
    Source,
)
from regie.attendance.verify_processes import chunks_verify
from regie.attendance.windows import Activity, Chain, Encoding
from regie.core.rows import rows_insert, rows_update
from regie.core.tenancy import current_organisation
from regie.people.models import Child

CHUNK = 2000
#: Threads verifying chunks side by side on PostgreSQL, each with its own connection: the
#: Python work of one chunk overlaps the database work of the other (two cores, measured).
WORKERS = 2
#: From this many days, the chunks are verified in ``WORKERS`` processes instead of threads
#: (:mod:`regie.attendance.verify_processes`): the engine then runs on both cores. Starting
#: a worker costs about 0.7 s; a month of a large commune gains about 4 s.
PROCESS_DAYS = 20_000
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

    def add(self, other: VerifyCounts) -> None:
        """Add the counts of another part of the same verification."""
        for name in ("days", "verified", "errors", "attendances", "skipped_billed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


class _Setup:
    """The organisation's activities and places, read once per verification."""

    def __init__(self) -> None:
        self.org_id = current_organisation().pk
        self.activities = [a.as_window() for a in ActivityModel.objects.all()]
        self.by_id = {a.id: a for a in self.activities}
        self.place_names = dict(Place.objects.values_list("pk", "name"))
        self._open: dict[date, list[Activity]] = {}
        self._chains: dict[tuple[date, str | None], dict[int, list[Chain]]] = {}
        self._levels: dict[int, str] | None = None

    def read_all_levels(self) -> None:
        """Read every child's level at once (one query), for a verification of many days."""
        self._levels = dict(Child.objects.order_by().values_list("pk", "level"))

    def levels(self, child_ids: set[int]) -> dict[int, str]:
        if self._levels is not None:
            return self._levels
        children = Child.objects.filter(AnyOf(F("pk"), child_ids)).order_by()
        return dict(children.values_list("pk", "level"))

    def scan_activities_open(self, day: date) -> list[Activity]:
        if day not in self._open:
            self._open[day] = [
                a for a in self.activities if a.encoding is Encoding.SCAN and a.is_open(day)
            ]
        return self._open[day]

    def chains(self, day: date, level: str | None) -> dict[int, list[Chain]]:
        """Return the chains of each place for a day and a level, computed once."""
        if (day, level) not in self._chains:
            activities = self.scan_activities_open(day)
            self._chains[day, level] = verification.place_chains(activities, day, level)
        return self._chains[day, level]

    def registered(self, activity_id: int, absent: bool, person_id: int | None) -> tuple:
        """Return the attendance piece of a registered date: the activity's whole window."""
        activity = self.by_id[activity_id]
        return (
            activity_id,
            activity.place_id,
            activity.start,
            activity.end,
            activity.end_minute - activity.start_minute,
            person_id,
            absent,
            Source.REGISTRATION.value,
            "[]",
        )


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

    def keys(model) -> set[tuple[int, date]]:  # no ordering: Day's default one joins children
        rows = model.objects.filter(date__range=(date_from, date_to)).order_by()
        return set(rows.values_list("child_id", "date").distinct())

    missing = (keys(ScanEvent) | keys(RegistrationDate)) - keys(Day)
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
    counts = VerifyCounts()
    ordered = sorted(days, key=lambda d: (d[2], d[1]))  # by date: each chunk reads few dates
    chunks = [ordered[start : start + CHUNK] for start in range(0, len(ordered), CHUNK)]

    def done(chunk: Sequence[tuple[int, int, date]], part: VerifyCounts) -> None:
        counts.add(part)
        if progress:
            progress(len(chunk))

    # Threads and processes use connections of their own, which would not see a caller's
    # transaction.
    parallel = (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and WORKERS > 1
        and len(chunks) > 1
    )
    if parallel and len(days) >= PROCESS_DAYS:  # each worker reads its own setup
        chunks_verify(chunks, workers=WORKERS, reset_only=reset_only, done=done)
        return counts
    setup = _Setup()
    if len(days) > CHUNK:
        setup.read_all_levels()

    def work(chunk: Sequence[tuple[int, int, date]]) -> VerifyCounts:
        part = VerifyCounts()
        _verify_chunk(chunk, setup, part, reset_only)
        return part

    if parallel:
        run_chunks(chunks, work, done, workers=WORKERS)
        return counts
    for chunk in chunks:
        done(chunk, work(chunk))
    return counts


def day_verify(day: Day) -> Day:
    """Verify one day again and return it fresh from the database."""
    days_verify([(day.pk, day.child_id, day.date)])
    return Day.objects.select_related("child").get(pk=day.pk)


def _verify_chunk(
    chunk: Sequence[tuple[int, int, date]], setup: _Setup, counts: VerifyCounts, reset_only: bool
) -> None:
    day_ids = [d[0] for d in chunk]
    child_ids = {d[1] for d in chunk}
    # Every query also names the chunk's dates (a chunk holds one or two): the indexes on
    # (organisation, date, ...) then serve it even when the table statistics are stale, as they
    # are right after the scans of a month were loaded or while this run adds attendances.
    dates = sorted({d[2] for d in chunk})
    with transaction.atomic():
        _commit_without_waiting()
        locked = dict(
            Day.objects.select_for_update(of=("self",))
            .filter(AnyOf(F("pk"), day_ids), date__in=dates)
            .exclude(status=DayStatus.BILLED)
            .order_by("pk")  # not the default ordering, which joins the children
            .values_list("pk", Cast("choices", TextField()))  # decoded only when not empty
        )
        counts.skipped_billed += len(day_ids) - len(locked)
        kept = _clear_attendances(locked, dates)
        if reset_only:
            Day.objects.filter(AnyOf(F("pk"), locked), date__in=dates).update(
                status=DayStatus.NOT_PROCESSED, errors=[], swaps=[], verified_at=None
            )
            counts.days += len(locked)
            return
        pairs = child_ranges(chunk) & Q(AnyOf(F("child_id"), child_ids))
        events = events_by_day(pairs)
        registrations = registrations_by_day(pairs)
        levels = setup.levels(child_ids)
        now = timezone.now()
        rows: list[tuple] = []
        verified_ids: list[int] = []
        in_error: list[tuple] = []
        for day_id, child_id, day in chunk:
            if day_id not in locked:
                continue
            key = (child_id, day)
            level = levels.get(child_id) or None
            result = verification.verify_day(
                level,
                events.get(key, ()),
                setup.scan_activities_open(day),
                choices=_choices(locked[day_id]),
                place_names=setup.place_names,
                chains_by_place=setup.chains(day, level),
            )
            status = result.status.value
            # A registered date has its own status (DOMAIN §3): a stray scan or a duplicate of
            # the day holds back the scanned attendances, never the registered meal.
            pieces = [(*_scanned(found), status) for found in result.attendances]
            pieces += [
                (*setup.registered(*registered), DayStatus.VERIFIED.value)
                for registered in registrations.get(key, ())
            ]
            if kept.get(day_id):
                pieces = [piece for piece in pieces if not _overlaps(piece, kept[day_id])]
            rows += [(setup.org_id, day_id, child_id, day, *piece) for piece in pieces]
            counts.days += 1
            if status == DayStatus.VERIFIED:
                verified_ids.append(day_id)
                counts.verified += 1
            else:
                counts.errors += 1
                errors = json.dumps([error.to_dict() for error in result.errors])
                swaps = json.dumps([list(s) for s in result.swaps])
                in_error.append((status, errors, swaps, now, day_id))
        rows_insert(Attendance, ATTENDANCE_FIELDS, rows)
        counts.attendances += len(rows)
        if verified_ids:
            Day.objects.filter(AnyOf(F("pk"), verified_ids), date__in=dates).update(
                status=DayStatus.VERIFIED, errors=[], swaps=[], verified_at=now
            )
        rows_update(Day, ("status", "errors", "swaps", "verified_at"), in_error)


def _commit_without_waiting() -> None:
    """Let PostgreSQL commit this chunk without waiting for the disk (asynchronous commit).

    A crash may then lose the last chunks committed, never a part of one: their days stay as
    they were before, and verifying again redoes them. Elsewhere nothing changes.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _choices(text: str | None) -> dict[int, int]:
    """Return a day's choices (interval key → activity id) from their JSON text."""
    if not text or text == "{}":
        return {}
    return {int(key): value for key, value in json.loads(text).items()}


#: The attendance fields :func:`_verify_chunk` writes, in the order of its rows: the day's
#: organisation, day, child and date, a piece (see :func:`_scanned`) and its status.
ATTENDANCE_FIELDS = (
    "organisation",
    "day",
    "child",
    "date",
    "activity",
    "place",
    "start",
    "end",
    "minutes",
    "person",
    "absent",
    "source",
    "event_ids",
    "status",
)


def _scanned(found: verification.Attendance) -> tuple:
    """Return the piece of an attendance row that the engine found from scans."""
    return (
        found.activity_id,
        found.place_id,
        found.start,
        found.end,
        found.minutes,
        found.person_id,
        False,
        Source.PHONE.value,
        "[" + ", ".join(map(str, found.event_ids)) + "]",  # JSON text, as COPY takes it
    )


def _clear_attendances(day_ids, dates) -> dict[int, list[tuple[int, time, time]]]:
    """Delete the days' attendances that no invoice holds; return the others by day.

    An attendance on an invoice — posted, or a draft of a run — stays as it was billed, and
    the rebuilt attendances of its activity that overlap it are dropped, so a stretch of a day
    is never billed twice. Links to credited invoices are history the credit note keeps: they
    go with their attendance. Days verified for the first time cost one query.
    """
    held = ExpressionWrapper(is_held(), output_field=BooleanField())
    rows = (
        Attendance.objects.filter(AnyOf(F("day_id"), day_ids), date__in=dates)
        .annotate(held=held)
        .order_by()
        .values_list("pk", "day_id", "activity_id", "start", "end", "held")
    )
    kept: dict[int, list[tuple[int, time, time]]] = defaultdict(list)
    stale = []
    for pk, day_id, activity_id, start, end, on_invoice in rows:
        if on_invoice:
            kept[day_id].append((activity_id, start, end))
        else:
            stale.append(pk)
    if stale:
        released_links_forget(stale)
        delete_rows(Attendance, stale)  # nothing points to them any more
    return kept


def _overlaps(piece: tuple, kept: list[tuple[int, time, time]]) -> bool:
    activity, start, end = piece[0], piece[2], piece[3]
    return any(
        activity == activity_id and start < kept_end and kept_start < end
        for activity_id, kept_start, kept_end in kept
    )
