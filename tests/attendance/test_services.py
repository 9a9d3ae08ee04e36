"""Specification of attendance services: batches of scans, fixing a day, registrations."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

import pytest
from django.utils import translation
from tests import factories as f

from regie.attendance.models import Attendance, Day, DayStatus, ScanEvent
from regie.attendance.services import (
    EventInput,
    event_add_manual,
    event_set_active,
    event_swap_direction,
    registration_create,
    scan_events_record,
)
from regie.attendance.verifying import day_verify
from regie.core.errors import DomainError
from regie.core.tenancy import scope
from regie.people.services import billable_blockers

DAY = date(2025, 10, 1)


def scan(child, place, hhmm: str, direction: str, **extra) -> EventInput:
    return EventInput(
        client_event_id=extra.pop("client_event_id", str(uuid.uuid4())),
        token=child.scan_token,
        place_id=place.pk,
        at=datetime.combine(extra.pop("day", DAY), time.fromisoformat(hhmm)),
        direction=direction,
        **extra,
    )


def verify(child, day=DAY) -> Day:
    return day_verify(Day.objects.get(child=child, date=day))


@pytest.fixture
def evening(in_a):
    return f.activity("Accueil du soir", "16:00", "18:00")


def test_lone_exit_scan_makes_an_attendance_from_the_window_opening(in_a, evening):
    """DOMAIN example 1: a lone exit at 16:04 gives 16:00–16:04, 4 minutes."""
    child = f.child()
    outcomes = scan_events_record(items=[scan(child, evening.place, "16:04", "exit")])
    assert [o.status for o in outcomes] == ["accepted"]
    day = verify(child)
    assert day.status == DayStatus.VERIFIED
    (attendance,) = day.attendances.all()
    assert (attendance.start, attendance.end, attendance.minutes) == (
        time(16, 0),
        time(16, 4),
        4,
    )


def test_same_batch_twice_changes_nothing(in_a, evening):
    """Sending a batch again answers 'duplicate' and stores no second event."""
    child = f.child()
    batch = [
        scan(child, evening.place, "16:10", "entry"),
        scan(child, evening.place, "17:45", "exit"),
    ]
    first = scan_events_record(items=batch)
    again = scan_events_record(items=list(reversed(batch)))
    assert [o.status for o in first] == ["accepted", "accepted"]
    assert [o.status for o in again] == ["duplicate", "duplicate"]
    assert {o.event_id for o in first} == {o.event_id for o in again}
    assert ScanEvent.objects.count() == 2
    assert verify(child).attendances.get().minutes == 95


def test_one_bad_event_never_loses_the_others(in_a, org_b, evening):
    """Unknown token, foreign child, bad id and direction are rejected one by one."""
    child = f.child()
    with scope(org_b):
        stranger = f.child("Tom", "Ailleurs")
    good = scan(child, evening.place, "16:30", "exit")
    batch = [
        scan(child, evening.place, "16:10", "entry", client_event_id="not-a-uuid"),
        EventInput(str(uuid.uuid4()), "no-card", evening.place.pk, datetime(2025, 10, 1), "exit"),
        scan(stranger, evening.place, "16:10", "exit"),
        scan(child, evening.place, "16:10", "sideways"),
        good,
    ]
    outcomes = scan_events_record(items=batch)
    assert [o.status for o in outcomes] == ["rejected"] * 4 + ["accepted"]
    assert [o.code for o in outcomes[:4]] == [
        "scan.bad_event_id",
        "scan.unknown_token",
        "scan.foreign_child",
        "scan.bad_direction",
    ]
    assert all(o.message for o in outcomes[:4])
    assert ScanEvent.objects.get().client_event_id == uuid.UUID(good.client_event_id)


def test_two_manual_entries_in_the_same_minute_block_the_day_until_one_is_deactivated(
    in_a, evening
):
    """DOMAIN example 7: two manual entries at 09:30 → 'several scans found'."""
    morning = f.activity("Accueil du matin", "07:00", "12:00", at=evening.place)
    child = f.child()
    for _ in range(2):
        day = event_add_manual(
            child=child, place=morning.place, day=DAY, moment=time(9, 30), direction="entry"
        )
    assert day.status == DayStatus.ERROR
    assert day.errors[0]["code"] == "verification.duplicate_scans"
    assert day.error_messages()[0].startswith("Plusieurs scans trouvés à 09:30")
    first = ScanEvent.objects.filter(child=child).first()
    day = event_set_active(event=first, active=False)
    assert day.status == DayStatus.VERIFIED
    assert ScanEvent.objects.filter(child=child).count() == 2  # deactivated, never deleted


def test_swapping_a_direction_verifies_the_day_again(in_a, evening):
    """An exit then an entry in one window look swapped; swapping both verifies the day."""
    child = f.child()
    scan_events_record(
        items=[
            scan(child, evening.place, "16:10", "exit"),
            scan(child, evening.place, "17:00", "entry"),
        ]
    )
    day = verify(child)
    assert day.status == DayStatus.ERROR
    assert day.swaps
    for event in ScanEvent.objects.filter(child=child):
        day = event_swap_direction(event=event)
    assert day.status == DayStatus.VERIFIED
    assert day.attendances.get().minutes == 50


def test_chained_lone_entry_gives_two_attendances(in_a):
    """DOMAIN example 8: lone entry 07:05 → early care 07:05–07:30 and morning 07:30–08:30."""
    morning = f.activity("Accueil du matin", "07:30", "08:30")
    f.activity("Accueil très matinal", "06:30", "07:30", next_activity=morning)
    child = f.child()
    scan_events_record(items=[scan(child, morning.place, "07:05", "entry")])
    day = verify(child)
    assert day.status == DayStatus.VERIFIED
    got = [(a.activity.name, a.start, a.end, a.minutes) for a in day.attendances.all()]
    assert got == [
        ("Accueil très matinal", time(7, 5), time(7, 30), 25),
        ("Accueil du matin", time(7, 30), time(8, 30), 60),
    ]


def test_registration_gives_one_attendance_per_date_with_absences(in_a):
    """A meal registration on two dates, absent on one: two attendances, one absent."""
    meals = f.activity(
        "Repas chaud", "12:00", "13:00", kind=f.category("repas", "Repas"), encoding="registration"
    )
    parent = f.person()
    child = f.child(parent=parent)
    registration_create(
        child=child,
        activity=meals,
        dates=[DAY, date(2025, 10, 2)],
        person=parent,
        absent=[date(2025, 10, 2)],
    )
    attendances = Attendance.objects.filter(child=child).order_by("date")
    assert [(a.date, a.absent, a.status) for a in attendances] == [
        (DAY, False, DayStatus.VERIFIED),
        (date(2025, 10, 2), True, DayStatus.VERIFIED),
    ]
    with pytest.raises(DomainError) as refused:
        registration_create(child=child, activity=meals, dates=[DAY])
    assert refused.value.code == "registration.duplicate"


def test_person_named_on_unbilled_attendances_must_stay_billable(in_a, evening):
    """DOMAIN §1: removing the billable flag is refused while unbilled attendances exist."""
    parent = f.person()
    child = f.child(parent=parent)
    scan_events_record(items=[scan(child, evening.place, "17:00", "exit", person_id=parent.pk)])
    verify(child)
    link = child.links.get()
    with translation.override("en"):
        assert billable_blockers(link) == ["1 unbilled attendance"]
    assert billable_blockers(link) == ["1 présence non facturée"]


def test_a_duplicate_scan_holds_back_the_scans_of_the_day_not_its_registered_meal(in_a, evening):
    """DOMAIN §3: two exits at 16:30 put the day in error; the registered meal of that day is
    verified on its own (the unbilled monitor says "outside any run", not "error")."""
    from regie.attendance.checking import unbilled_attendances

    child = f.child(parent=f.person())
    meal = f.activity("Repas", "12:00", "13:00", encoding="registration")
    registration_create(child=child, activity=meal, dates=[DAY])
    scan_events_record(items=[scan(child, evening.place, "16:30", "exit") for _ in range(2)])
    day = verify(child)
    assert day.status == DayStatus.ERROR
    assert [(a.activity_id, a.status) for a in day.attendances.all()] == [
        (meal.pk, DayStatus.VERIFIED)
    ]
    [group] = unbilled_attendances()
    assert (group.status, group.reason, group.attendances) == ("error", "outside_run", 1)
