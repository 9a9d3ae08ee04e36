"""Specification of the bulk machinery of day verification: array filters, raw row writes and
chunks verified side by side in threads (PostgreSQL), which must change nothing of the outcome.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.db import connection
from django.db.models import F
from tests import factories as f
from tests.conftest import make_organisation

from regie.attendance import verifying
from regie.attendance.bulk import AnyOf, delete_rows
from regie.attendance.models import Attendance, Day, DayStatus, ScanEvent
from regie.attendance.verify_processes import ChunkFailed
from regie.attendance.verifying import days_verify
from regie.core.rows import rows_insert, rows_update
from regie.core.tenancy import scope

DAYS = (dt.date(2025, 10, 1), dt.date(2025, 10, 2))


def _scans(children, place, moments):
    """Store scans: ``moments`` maps a child's index to (day, "HH:MM", direction) triples."""
    ScanEvent.objects.bulk_create(
        ScanEvent(
            organisation=place.organisation,
            child=children[index],
            place=place,
            date=day,
            time=dt.time.fromisoformat(hhmm),
            direction=direction,
            client_event_id=uuid.uuid4(),
        )
        for index, triples in moments.items()
        for day, hhmm, direction in triples
    )


def _month(children_count=7):
    """Evening care, children scanned on two days (one day with a duplicate); return the days."""
    evening = f.activity("Accueil du soir", "16:00", "18:00")
    children = [f.child(f"Enfant{n}", "Bulk") for n in range(children_count)]
    moments = {n: [(day, f"16:{10 + n:02d}", "exit") for day in DAYS] for n in range(len(children))}
    moments[0].append((DAYS[0], "16:10", "exit"))  # a double scan: that day is in error
    _scans(children, evening.place, moments)
    for child in children:
        for day in DAYS:
            Day.objects.create(child=child, date=day)
    return list(Day.objects.order_by("pk").values_list("pk", "child_id", "date"))


def _outcome():
    days = sorted(Day.objects.values_list("child__first_name", "date", "status"))
    attendances = sorted(
        Attendance.objects.values_list("child__first_name", "date", "start", "end", "minutes")
    )
    return days, attendances


def test_any_of_filters_like_in_and_an_empty_list_matches_nothing(in_a):
    """``AnyOf(F("pk"), ids)`` selects what ``pk__in=ids`` selects; no id selects no row."""
    children = [f.child(f"Enfant{n}", "Filtre") for n in range(4)]
    wanted = [children[1].pk, children[3].pk, children[3].pk]
    chosen = type(children[0]).objects.filter(AnyOf(F("pk"), wanted))
    assert sorted(chosen.values_list("pk", flat=True)) == [children[1].pk, children[3].pk]
    assert not type(children[0]).objects.filter(AnyOf(F("pk"), [])).exists()


def test_rows_written_in_bulk_read_back_like_the_orm_writes_them(in_a):
    """Attendances and days as verification writes them (tuples, JSON as text) read back as
    the ORM writes them; rows are deleted and updated by primary key."""
    evening = f.activity("Accueil du soir", "16:00", "18:00")
    child = f.child()
    day = Day.objects.create(child=child, date=DAYS[0])
    fields = ("organisation", "day", "child", "date", "activity", "place", "start", "end")
    fields += ("minutes", "absent", "source", "event_ids", "status")
    base = (in_a.pk, day.pk, child.pk, DAYS[0], evening.pk, evening.place_id)
    rows_insert(
        Attendance,
        fields,
        [
            (*base, dt.time(16), dt.time(16, 4), 4, False, "phone", "[7, 8]", "verified"),
            (*base, dt.time(17), dt.time(18), 60, True, "phone", "[9]", "error"),
        ],
    )
    stored = list(
        Attendance.objects.order_by("start").values_list(
            "date", "start", "end", "minutes", "absent", "event_ids", "status"
        )
    )
    assert stored == [
        (DAYS[0], dt.time(16), dt.time(16, 4), 4, False, [7, 8], "verified"),
        (DAYS[0], dt.time(17), dt.time(18), 60, True, [9], "error"),
    ]
    first = Attendance.objects.order_by("start").first()
    delete_rows(Attendance, [first.pk])
    assert list(Attendance.objects.values_list("minutes", flat=True)) == [60]
    moment = dt.datetime(2025, 10, 1, 18, 30, tzinfo=dt.UTC)
    errors = [{"code": "verification.no_activity", "params": {"time": "18:30"}}]
    written = [("error", json.dumps(errors), moment, day.pk)]
    rows_update(Day, ("status", "errors", "verified_at"), written)
    day.refresh_from_db()
    assert (day.status, day.errors, day.verified_at) == ("error", errors, moment)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads need PostgreSQL")
def test_chunks_verified_in_threads_give_what_one_thread_gives(transactional_db, monkeypatch):
    """Small chunks on two threads verify the days exactly as one thread does."""
    org = make_organisation("Commune des fils")
    progress: list[int] = []
    with scope(org):
        days = _month()
        monkeypatch.setattr(verifying, "CHUNK", 3)
        counts = days_verify(days, progress=progress.append)
        in_threads = _outcome()
        days_verify(days, reset_only=True)
        monkeypatch.setattr(verifying, "WORKERS", 1)
        days_verify(days)
        assert _outcome() == in_threads
    assert (counts.days, counts.verified, counts.errors) == (14, 13, 1)
    assert counts.attendances == 13 and sum(progress) == 14 and len(progress) == 5
    assert [status for _, _, status in in_threads[0]].count(DayStatus.ERROR) == 1


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads need PostgreSQL")
def test_an_error_in_a_thread_is_raised_once_the_threads_stopped(transactional_db, monkeypatch):
    """A chunk that fails stops the verification with its error; nothing hangs."""
    org = make_organisation("Commune en panne")
    verify_chunk = verifying._verify_chunk

    def failing(chunk, *args):
        if any(day == DAYS[1] for _, _, day in chunk):
            raise RuntimeError("disk full")
        verify_chunk(chunk, *args)

    with scope(org):
        days = _month()
        monkeypatch.setattr(verifying, "CHUNK", 2)
        monkeypatch.setattr(verifying, "_verify_chunk", failing)
        with pytest.raises(RuntimeError, match="disk full"):
            days_verify(days)
        assert Day.objects.filter(date=DAYS[1], status=DayStatus.NOT_PROCESSED).count() == 7


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="workers need PostgreSQL")
def test_chunks_verified_in_processes_give_what_one_thread_gives(transactional_db, monkeypatch):
    """From ``PROCESS_DAYS`` days, two worker processes (started fresh, on the caller's
    database) verify the chunks exactly as one thread does, and report every chunk."""
    org = make_organisation("Commune des processus")
    progress: list[int] = []
    with scope(org):
        days = _month()
        monkeypatch.setattr(verifying, "CHUNK", 3)
        monkeypatch.setattr(verifying, "PROCESS_DAYS", 1)
        counts = days_verify(days, progress=progress.append)
        in_processes = _outcome()
        days_verify(days, reset_only=True)
        assert Attendance.objects.count() == 0  # reset in the workers too
        monkeypatch.setattr(verifying, "WORKERS", 1)
        days_verify(days)
        assert _outcome() == in_processes
    assert (counts.days, counts.verified, counts.errors) == (14, 13, 1)
    assert counts.attendances == 13 and sum(progress) == 14 and len(progress) == 5


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="workers need PostgreSQL")
def test_a_chunk_failing_in_a_process_is_raised_with_its_traceback(transactional_db, monkeypatch):
    """A worker's error comes back to the caller as ``ChunkFailed`` with the worker's
    traceback; the other workers stop and nothing hangs."""
    org = make_organisation("Commune en panne de processus")
    with scope(org):
        days = _month()
        child_id = days[0][1]
        monkeypatch.setattr(verifying, "CHUNK", 2)
        monkeypatch.setattr(verifying, "PROCESS_DAYS", 1)
        with pytest.raises(ChunkFailed, match="ValueError: invalid literal for int"):
            days_verify([*days, ("not a day id", child_id, DAYS[1])])


THURSDAY = dt.date(2025, 10, 2)


def _school_days():
    """Two schools on a Thursday (DOMAIN example 10, and a free→paid chain after class): each
    child is scanned in at morning care and out at evening care. Return the days."""
    centre, annexe = f.place("Centre"), f.place("Annexe")
    f.activity("Matin", "07:00", "08:30", at=centre)
    f.activity("Soir", "16:00", "18:00", at=centre)
    f.activity("Matin annexe", "07:00", "08:30", at=annexe)
    paid = f.activity("Payant", "17:00", "18:00", at=annexe)
    f.activity("Gratuit", "15:30", "17:00", at=annexe, next_activity=paid)
    children = [f.child(f"Enfant{n}", "Journée") for n in range(4)]
    for index, child in enumerate(children):
        place = centre if index % 2 == 0 else annexe
        exit_at = "16:45" if place == centre else "17:30"
        _scans([child], place, {0: [(THURSDAY, "07:15", "entry"), (THURSDAY, exit_at, "exit")]})
        Day.objects.create(child=child, date=THURSDAY)
    return list(Day.objects.order_by("pk").values_list("pk", "child_id", "date"))


SCHOOL_DAY = {  # (activity, start, end, minutes) of each child, by child's first name
    "Enfant0": [("Matin", "07:15", "08:30", 75), ("Soir", "16:00", "16:45", 45)],
    "Enfant1": [
        ("Matin annexe", "07:15", "08:30", 75),
        ("Gratuit", "15:30", "17:00", 90),
        ("Payant", "17:00", "17:30", 30),
    ],
}
SCHOOL_DAY["Enfant2"], SCHOOL_DAY["Enfant3"] = SCHOOL_DAY["Enfant0"], SCHOOL_DAY["Enfant1"]


def _school_day_outcome():
    rows = Attendance.objects.order_by("child__first_name", "start").values_list(
        "child__first_name", "activity__name", "start", "end", "minutes", "status"
    )
    found: dict[str, list] = {}
    for name, activity, start, end, minutes, status in rows:
        assert status == DayStatus.VERIFIED
        found.setdefault(name, []).append((activity, f"{start:%H:%M}", f"{end:%H:%M}", minutes))
    return found


def test_one_day_and_chunks_of_days_pair_window_by_window(in_a, monkeypatch):
    """A morning entry and an evening exit are two attendances, whether one day is verified
    (a day's screen) or the days go through the bulk path in chunks."""
    days = _school_days()
    verifying.day_verify(Day.objects.get(pk=days[0][0]))
    assert _school_day_outcome() == {"Enfant0": SCHOOL_DAY["Enfant0"]}
    monkeypatch.setattr(verifying, "CHUNK", 3)
    counts = days_verify(days)
    assert (counts.days, counts.verified, counts.errors) == (4, 4, 0)
    assert _school_day_outcome() == SCHOOL_DAY


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="workers need PostgreSQL")
def test_worker_processes_pair_window_by_window(transactional_db, monkeypatch):
    """The worker processes run the same engine: the school day gives the same attendances."""
    org = make_organisation("Commune des journées d'école")
    with scope(org):
        days = _school_days()
        monkeypatch.setattr(verifying, "CHUNK", 1)
        monkeypatch.setattr(verifying, "PROCESS_DAYS", 1)
        counts = days_verify(days)
        assert (counts.days, counts.verified) == (4, 4)
        assert _school_day_outcome() == SCHOOL_DAY
