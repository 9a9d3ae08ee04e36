"""Specification of the pure verification of a child's day (DOMAIN §3), worked examples included."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time

from hypothesis import given, settings
from hypothesis import strategies as st

from regie.activities.pricing import Price, PricedAttendance, day_charges
from regie.attendance.verification import (
    Activity,
    Attendance,
    DayStatus,
    Direction,
    Encoding,
    ScanEvent,
    Source,
    check_compatibility,
    likely_swaps,
    verify_day,
)
from regie.attendance.windows import chains, conflict_error, open_dates

SCHOOL, OTHER_SCHOOL = 1, 2
ACCUEIL, REPAS = 10, 20
DAY = date(2025, 10, 1)  # a Wednesday
ENTRY, EXIT = Direction.ENTRY, Direction.EXIT


def activity(
    id,
    start,
    end,
    *,
    category=ACCUEIL,
    place=SCHOOL,
    levels=(),
    date_from=date(2025, 9, 1),
    date_to=date(2026, 6, 30),
    weekdays=(0, 1, 2, 3, 4),
    excluded=(),
    encoding=Encoding.SCAN,
    next_id=None,
    name="",
):
    return Activity(
        id,
        category,
        place,
        frozenset(levels),
        date_from,
        date_to,
        frozenset(weekdays),
        frozenset(excluded),
        time.fromisoformat(start),
        time.fromisoformat(end),
        encoding,
        next_id,
        name,
    )


def scan(id, at, direction, *, place=SCHOOL, day=DAY, active=True, person=None, source=None):
    return ScanEvent(
        id,
        child_id=99,
        place_id=place,
        at=datetime.combine(day, time.fromisoformat(at)),
        direction=direction,
        active=active,
        source=source or Source.PHONE,
        person_id=person,
    )


EVENING = activity(3, "16:00", "18:00", name="Accueil du soir")
EARLY = activity(1, "06:30", "07:30", next_id=2, name="Accueil matinal")
MORNING = activity(2, "07:30", "08:30", name="Accueil du matin")
ALL = [EARLY, MORNING, EVENING]


# -- Worked examples -------------------------------------------------------------------------


def test_example_1_lone_exit_scan_starts_at_window_opening():
    """A lone exit at 16:04 in evening care 16:00–18:00 makes 16:00–16:04, 4 minutes."""
    result = verify_day("1P", [scan(5, "16:04", EXIT, person=7)], ALL)
    assert result.status is DayStatus.VERIFIED
    assert result.attendances == (
        Attendance(EVENING.id, SCHOOL, time(16, 0), time(16, 4), 4, 7, (5,)),
    )


def test_example_2_entry_then_exit_make_one_interval():
    """Entry 16:10 and exit 17:45 make one attendance of 95 minutes."""
    result = verify_day("1P", [scan(1, "16:10", ENTRY), scan(2, "17:45", EXIT)], ALL)
    assert result.status is DayStatus.VERIFIED
    [attendance] = result.attendances
    assert (attendance.start, attendance.end, attendance.minutes) == (
        time(16, 10),
        time(17, 45),
        95,
    )
    assert attendance.event_ids == (1, 2)


def test_example_7_duplicate_manual_entries_block_the_day_until_one_is_deactivated():
    """Two manual entries at 09:30: "several scans found"; deactivating one verifies the day."""
    meal = activity(4, "09:30", "12:30", category=REPAS, name="RM")
    first = scan(1, "09:30", ENTRY, source=Source.MANUAL)
    second = scan(2, "09:30", ENTRY, source=Source.MANUAL)
    result = verify_day("2M", [first, second], [meal], place_names={SCHOOL: "Château"})
    assert result.status is DayStatus.ERROR
    assert result.attendances == ()
    [error] = result.errors
    assert error.code == "verification.duplicate_scans"
    assert error.params["event_ids"] == (1, 2)
    assert "09:30 at Château" in error.english()
    fixed = verify_day("2M", [first, dataclasses.replace(second, active=False)], [meal])
    assert fixed.status is DayStatus.VERIFIED
    assert [(a.start, a.end, a.minutes) for a in fixed.attendances] == [
        (time(9, 30), time(12, 30), 180)
    ]


def test_example_8_lone_entry_in_a_chain_is_split_at_the_window_boundary():
    """A lone entry at 07:05 gives early care 07:05–07:30 (1.00) and morning care (1.00)."""
    result = verify_day("1P", [scan(1, "07:05", ENTRY)], ALL)
    assert result.status is DayStatus.VERIFIED
    assert [(a.activity_id, a.start, a.end, a.minutes) for a in result.attendances] == [
        (EARLY.id, time(7, 5), time(7, 30), 25),
        (MORNING.id, time(7, 30), time(8, 30), 60),
    ]
    early_price = Price(1, "1.00 / 30 min", frozenset({EARLY.id}), 30, 100)
    morning_price = Price(2, "0.50 / 30 min", frozenset({MORNING.id}), 30, 50)
    prices = {EARLY.id: early_price, MORNING.id: morning_price}
    lines = day_charges(
        [
            PricedAttendance(a.activity_id, a.minutes, prices[a.activity_id])
            for a in result.attendances
        ]
    )
    assert [(line.periods, line.amount_cents) for line in lines] == [(1, 100), (2, 100)]


def _cents(attendances, prices):
    """Return the (periods, cents) of each attendance under its activity's price."""
    lines = day_charges(
        [PricedAttendance(a.activity_id, a.minutes, prices[a.activity_id]) for a in attendances]
    )
    return [(line.periods, line.amount_cents) for line in lines]


MORNING_CARE = activity(21, "07:00", "08:30", name="Accueil du matin")
EVENING_CARE = activity(22, "16:00", "18:00", weekdays=(0, 1, 3, 4), name="Accueil du soir")
WEDNESDAY = activity(23, "12:00", "18:00", weekdays=(2,), name="Mercredi après-midi")
FREE_CARE = activity(24, "15:30", "17:00", weekdays=(0, 1, 3, 4), next_id=25, name="Gratuit")
PAID_CARE = activity(25, "17:00", "18:00", weekdays=(0, 1, 3, 4), name="Payant")
THURSDAY = date(2025, 10, 2)
HALF_HOUR = {
    a.id: Price(a.id, "0.50 / 30 min", frozenset({a.id}), 30, 50)
    for a in (MORNING_CARE, EVENING_CARE, WEDNESDAY, PAID_CARE)
}
FREE = {FREE_CARE.id: Price(FREE_CARE.id, "0.00 / day", frozenset({FREE_CARE.id}), 1440, 0)}


def test_example_10_entry_at_morning_care_and_exit_at_evening_care_are_two_attendances():
    """Entry 07:15 and exit 16:45 across the school day: 07:15–08:30 (75 min, 3 periods,
    1.50) and 16:00–16:45 (45 min, 2 periods, 1.00), both verified."""
    events = [scan(1, "07:15", ENTRY, day=THURSDAY), scan(2, "16:45", EXIT, day=THURSDAY)]
    result = verify_day("1P", events, [MORNING_CARE, EVENING_CARE])
    assert result.status is DayStatus.VERIFIED
    assert [
        (a.activity_id, a.start, a.end, a.minutes, a.event_ids) for a in result.attendances
    ] == [
        (MORNING_CARE.id, time(7, 15), time(8, 30), 75, (1,)),
        (EVENING_CARE.id, time(16, 0), time(16, 45), 45, (2,)),
    ]
    assert _cents(result.attendances, HALF_HOUR) == [(3, 150), (2, 100)]


def test_wednesday_afternoon_window_takes_the_exit_of_a_morning_entry():
    """On a Wednesday, entry 07:20 at morning care and exit 15:00 in the afternoon window
    12:00–18:00: 07:20–08:30 (70 min, 1.50) and 12:00–15:00 (180 min, 3.00)."""
    activities = [MORNING_CARE, EVENING_CARE, WEDNESDAY]
    events = [scan(1, "07:20", ENTRY), scan(2, "15:00", EXIT)]
    result = verify_day("1P", events, activities)
    assert result.status is DayStatus.VERIFIED
    assert [(a.activity_id, a.start, a.end, a.minutes) for a in result.attendances] == [
        (MORNING_CARE.id, time(7, 20), time(8, 30), 70),
        (WEDNESDAY.id, time(12, 0), time(15, 0), 180),
    ]
    assert _cents(result.attendances, HALF_HOUR) == [(3, 150), (6, 300)]


def test_exit_in_a_chain_after_a_morning_entry_starts_at_the_chain_start():
    """Free care from the end of class (15:30) chained to paid care 17:00–18:00: entry 07:20
    and exit 17:30 give morning 07:20–08:30 (1.50), free 15:30–17:00 (0.00) and paid
    17:00–17:30 (0.50)."""
    activities = [MORNING_CARE, FREE_CARE, PAID_CARE]
    events = [scan(1, "07:20", ENTRY, day=THURSDAY), scan(2, "17:30", EXIT, day=THURSDAY)]
    result = verify_day("1P", events, activities)
    assert result.status is DayStatus.VERIFIED
    assert [(a.activity_id, a.start, a.end, a.minutes) for a in result.attendances] == [
        (MORNING_CARE.id, time(7, 20), time(8, 30), 70),
        (FREE_CARE.id, time(15, 30), time(17, 0), 90),
        (PAID_CARE.id, time(17, 0), time(17, 30), 30),
    ]
    assert _cents(result.attendances, HALF_HOUR | FREE) == [(3, 150), (1, 0), (1, 50)]


def test_entry_and_exit_in_one_chain_pair_across_its_activities():
    """Entry 16:10 and exit 17:30 in the free→paid chain are one interval split at 17:00."""
    events = [scan(1, "16:10", ENTRY, day=THURSDAY), scan(2, "17:30", EXIT, day=THURSDAY)]
    result = verify_day("1P", events, [MORNING_CARE, FREE_CARE, PAID_CARE])
    assert [(a.activity_id, a.minutes, a.event_ids) for a in result.attendances] == [
        (FREE_CARE.id, 50, (1, 2)),
        (PAID_CARE.id, 30, (1, 2)),
    ]


def test_an_exit_after_every_window_is_alone_and_finds_no_activity():
    """Entry 07:15 at morning care and exit 18:05 after evening care (until 18:00): the morning
    is verified as usual, the exit finds no activity, as it would alone."""
    events = [scan(1, "07:15", ENTRY, day=THURSDAY), scan(2, "18:05", EXIT, day=THURSDAY)]
    result = verify_day("1P", events, [MORNING_CARE, EVENING_CARE])
    assert result.status is DayStatus.ERROR
    assert [(a.activity_id, a.minutes) for a in result.attendances] == [(MORNING_CARE.id, 75)]
    [error] = result.errors
    assert (error.code, error.params["event_ids"]) == ("verification.no_activity", (2,))


def test_scans_a_few_minutes_outside_one_window_still_pair():
    """Entry 15:50 and exit 16:30 reach only evening care: one interval, 30 minutes billed."""
    events = [scan(1, "15:50", ENTRY, day=THURSDAY), scan(2, "16:30", EXIT, day=THURSDAY)]
    result = verify_day("1P", events, [MORNING_CARE, EVENING_CARE])
    assert [(a.start, a.end, a.minutes) for a in result.attendances] == [
        (time(15, 50), time(16, 30), 30)
    ]


def test_morning_entry_then_evening_entry_and_exit_stay_three_scans_in_two_windows():
    """Entry 07:15, then entry 16:10 and exit 17:00: a lone morning entry and an evening pair."""
    events = [
        scan(n, t, d, day=THURSDAY)
        for n, t, d in ((1, "07:15", ENTRY), (2, "16:10", ENTRY), (3, "17:00", EXIT))
    ]
    result = verify_day("1P", events, [MORNING_CARE, EVENING_CARE])
    assert [(a.activity_id, a.minutes, a.event_ids) for a in result.attendances] == [
        (MORNING_CARE.id, 75, (1,)),
        (EVENING_CARE.id, 50, (2, 3)),
    ]


# -- Duplicates ------------------------------------------------------------------------------


def test_exits_a_minute_apart_are_not_duplicates():
    """Exits at 16:49 and 16:50 are not duplicates (they are an unpaired pair instead)."""
    events = [scan(1, "07:32", ENTRY), scan(2, "16:49", EXIT), scan(3, "16:50", EXIT)]
    result = verify_day("1P", events, ALL)
    assert "verification.duplicate_scans" not in {e.code for e in result.errors}


def test_inactive_duplicates_are_ignored():
    """A deactivated copy of a scan is no duplicate."""
    events = [scan(1, "18:00", EXIT), scan(2, "18:00", EXIT, active=False)]
    assert verify_day("1P", events, ALL).status is DayStatus.VERIFIED


def test_scans_in_the_same_minute_at_different_seconds_are_duplicates():
    """Scans are read to the minute: 16:04:10 and 16:04:50 are duplicates."""
    first = scan(1, "16:04:10", EXIT)
    second = scan(2, "16:04:50", EXIT)
    result = verify_day("1P", [first, second], ALL)
    assert [e.code for e in result.errors] == ["verification.duplicate_scans"]


# -- Pairing ---------------------------------------------------------------------------------


def test_lone_entry_runs_to_the_window_end():
    """A lone entry at 16:30 in evening care makes 16:30–18:00, 90 minutes."""
    [attendance] = verify_day("1P", [scan(1, "16:30", ENTRY)], ALL).attendances
    assert (attendance.start, attendance.end, attendance.minutes) == (time(16, 30), time(18), 90)


def test_lone_exit_in_a_chain_starts_at_the_first_activity():
    """A lone exit at 07:45 in the early→morning chain starts at 06:30, the chain's start."""
    result = verify_day("1P", [scan(1, "07:45", EXIT)], ALL)
    assert [(a.activity_id, a.start, a.end, a.minutes) for a in result.attendances] == [
        (EARLY.id, time(6, 30), time(7, 30), 60),
        (MORNING.id, time(7, 30), time(7, 45), 15),
    ]


def test_morning_lone_entry_and_evening_pair_are_three_attendances_of_a_normal_day():
    """Entry 07:05 (morning), entry 16:10 and exit 17:45 (evening): entries in two windows."""
    events = [scan(1, "07:05", ENTRY), scan(2, "16:10", ENTRY), scan(3, "17:45", EXIT)]
    result = verify_day("1P", events, ALL)
    assert result.status is DayStatus.VERIFIED
    assert [(a.activity_id, a.minutes) for a in result.attendances] == [
        (EARLY.id, 25),
        (MORNING.id, 60),
        (EVENING.id, 95),
    ]


def test_two_entries_in_one_window_are_unpaired_and_the_second_should_be_swapped():
    """Entry 16:10 then entry 17:45 would bill twice: an error offering to swap the second."""
    events = [scan(1, "16:10", ENTRY), scan(2, "17:45", ENTRY)]
    result = verify_day("1P", events, ALL)
    assert result.status is DayStatus.ERROR
    assert [e.code for e in result.errors] == ["verification.unpaired_scans"]
    assert result.swaps == ((2,),)


def test_exit_then_entry_in_one_window_look_swapped():
    """Exit 16:10 then entry 17:45 and nothing else: both directions look swapped."""
    events = [scan(1, "16:10", EXIT), scan(2, "17:45", ENTRY)]
    result = verify_day("1P", events, ALL)
    assert [e.code for e in result.errors] == ["verification.unpaired_scans"]
    assert result.swaps == ((1, 2),)
    assert likely_swaps("1P", events, ALL) == [(1, 2)]


def test_entry_then_entry_then_exit_in_one_window_is_an_error():
    """Entry 16:05, entry 16:20, exit 17:00 in one window: the first entry is unpaired."""
    events = [scan(1, "16:05", ENTRY), scan(2, "16:20", ENTRY), scan(3, "17:00", EXIT)]
    result = verify_day("1P", events, ALL)
    assert [e.code for e in result.errors] == ["verification.unpaired_scans"]
    assert result.errors[0].params["event_ids"] == (1, 2, 3)


def test_events_at_two_places_are_paired_per_place():
    """A lone entry at one school and a lone exit at another are two attendances."""
    elsewhere = activity(6, "16:00", "18:00", place=OTHER_SCHOOL)
    events = [scan(1, "07:50", ENTRY), scan(2, "17:00", EXIT, place=OTHER_SCHOOL)]
    result = verify_day("1P", events, [*ALL, elsewhere])
    assert result.status is DayStatus.VERIFIED
    assert [(a.activity_id, a.place_id, a.minutes) for a in result.attendances] == [
        (MORNING.id, SCHOOL, 40),
        (6, OTHER_SCHOOL, 60),
    ]


def test_verification_ignores_the_order_events_arrive_in():
    """Events given out of order are sorted before pairing."""
    events = [scan(2, "17:45", EXIT), scan(1, "16:10", ENTRY)]
    assert verify_day("1P", events, ALL).attendances[0].minutes == 95


def test_a_day_without_active_events_is_verified_and_empty():
    """No active event: nothing to bill, nothing wrong."""
    result = verify_day("1P", [scan(1, "16:10", ENTRY, active=False)], ALL)
    assert (result.status, result.attendances, result.errors) == (DayStatus.VERIFIED, (), ())


# -- Matching --------------------------------------------------------------------------------


def test_scan_outside_every_window_finds_no_activity():
    """An exit at 12:00 matches no window: "no activity found" naming time and place."""
    result = verify_day("1P", [scan(1, "12:00", EXIT)], ALL, place_names={SCHOOL: "Celles"})
    [error] = result.errors
    assert error.code == "verification.no_activity"
    assert "12:00 at Celles on 01/10/2025" in error.english()


def test_excluded_date_other_place_or_level_finds_no_activity():
    """An excluded date, another place or a level the activity refuses: no activity found."""
    closed = [activity(3, "16:00", "18:00", excluded=[DAY])]
    only_maternelle = [activity(3, "16:00", "18:00", levels=["1M", "2M"])]
    cases = [
        ("1P", [scan(1, "16:30", EXIT)], closed),
        ("1P", [scan(1, "16:30", EXIT, place=OTHER_SCHOOL)], ALL),
        ("1P", [scan(1, "16:30", EXIT)], only_maternelle),
        ("1P", [scan(1, "16:30", EXIT, day=date(2025, 10, 4))], ALL),  # a Saturday
    ]
    for level, events, activities in cases:
        [error] = verify_day(level, events, activities).errors
        assert error.code == "verification.no_activity"


def test_registration_encoded_activities_take_no_part_in_scans():
    """A registration-encoded meal overlapping evening care does not make it ambiguous."""
    meal = activity(8, "16:00", "17:00", encoding=Encoding.REGISTRATION)
    result = verify_day("1P", [scan(1, "16:30", EXIT)], [*ALL, meal])
    assert [a.activity_id for a in result.attendances] == [EVENING.id]


def test_entry_and_exit_in_two_unchained_windows_are_two_lone_scans():
    """Entry 08:04 at morning care and exit 12:49 at noon: two intervals, never one."""
    noon = activity(4, "12:00", "13:30", name="Midi")
    events = [scan(1, "08:04", ENTRY), scan(2, "12:49", EXIT)]
    result = verify_day("3M", events, [*ALL, noon])
    assert result.status is DayStatus.VERIFIED
    assert [(a.activity_id, a.start, a.end, a.minutes) for a in result.attendances] == [
        (MORNING.id, time(8, 4), time(8, 30), 26),
        (noon.id, time(12, 0), time(12, 49), 49),
    ]


def test_interval_in_two_overlapping_windows_lists_candidates_and_accepts_a_choice():
    """Entry 16:10 and exit 16:50 in evening care and in a study of another category:
    "several activities found", then the staff's choice wins."""
    study = activity(4, "16:00", "17:00", category=REPAS, name="Étude")
    events = [scan(1, "16:10", ENTRY), scan(2, "16:50", EXIT)]
    result = verify_day("3M", events, [*ALL, study])
    [error] = result.errors
    assert error.code == "verification.several_activities"
    assert error.params["candidate_ids"] == (EVENING.id, study.id)
    assert error.params["choice_key"] == 1
    chosen = verify_day("3M", events, [*ALL, study], choices={1: study.id})
    assert chosen.status is DayStatus.VERIFIED
    assert [(a.activity_id, a.start, a.end, a.minutes) for a in chosen.attendances] == [
        (study.id, time(16, 10), time(16, 50), 40)
    ]


def test_billed_minutes_are_the_overlap_with_the_window():
    """Entry 15:50, exit 16:30 in evening care 16:00–18:00 bills 30 minutes."""
    [attendance] = verify_day("1P", [scan(1, "15:50", ENTRY), scan(2, "16:30", EXIT)], ALL)[2]
    assert (attendance.start, attendance.minutes) == (time(15, 50), 30)


def test_lone_entry_at_window_end_is_outside_and_swapping_fixes_it():
    """An entry at 18:00 in evening care 16:00–18:00 finds nothing; as an exit it would verify."""
    result = verify_day("1P", [scan(1, "18:00", ENTRY)], ALL)
    assert [e.code for e in result.errors] == ["verification.no_activity"]
    assert result.swaps == ((1,),)


def test_the_person_who_picks_up_is_named_on_the_attendance():
    """The exit's person is the attendance's person; without one, the entry's."""
    events = [scan(1, "16:10", ENTRY, person=4), scan(2, "17:00", EXIT, person=5)]
    assert verify_day("1P", events, ALL).attendances[0].person_id == 5
    events = [scan(1, "16:10", ENTRY, person=4), scan(2, "17:00", EXIT)]
    assert verify_day("1P", events, ALL).attendances[0].person_id == 4


# -- Activities: chains, open dates, compatibility -------------------------------------------


def test_chain_link_to_another_place_is_ignored():
    """A next activity at another place or starting later does not chain."""
    moved = dataclasses.replace(MORNING, place_id=OTHER_SCHOOL)
    assert [c.ids() for c in chains([EARLY, moved])] == [(EARLY.id,), (MORNING.id,)]
    assert [c.ids() for c in chains([EARLY, MORNING])] == [(EARLY.id, MORNING.id)]


def test_open_dates_skip_weekends_and_excluded_dates():
    """An activity is open on its weekdays within its dates, except excluded dates."""
    holiday = activity(3, "16:00", "18:00", excluded=[date(2025, 10, 2)])
    assert open_dates(holiday, date(2025, 10, 1), date(2025, 10, 6)) == [
        date(2025, 10, 1),
        date(2025, 10, 3),
        date(2025, 10, 6),
    ]


def test_overlapping_scan_activities_of_one_category_place_and_level_conflict():
    """Same category, place, common level, overlapping window and dates: refused, naming it."""
    second = activity(9, "17:00", "19:00", name="Late care")
    assert check_compatibility(second, ALL) == [EVENING]
    assert "Accueil du soir" in conflict_error(second, [EVENING]).english()


def test_activities_that_scans_can_tell_apart_do_not_conflict():
    """Touching windows, other levels, registration, other dates or weekdays: no conflict."""
    evening = activity(3, "16:00", "18:00", levels=["1P"], weekdays=[0, 1, 3, 4])
    cases = [
        activity(9, "18:00", "19:00"),  # touching windows
        activity(9, "16:00", "18:00", levels=["1M"]),
        activity(9, "16:00", "18:00", encoding=Encoding.REGISTRATION),
        activity(9, "16:00", "18:00", category=REPAS),
        activity(9, "16:00", "18:00", weekdays=[2]),  # Wednesdays only
        activity(9, "16:00", "18:00", date_from=DAY, date_to=DAY),  # a Wednesday
        activity(9, "16:00", "18:00", date_from=date(2026, 7, 1), date_to=None),
    ]
    for other in cases:
        assert check_compatibility(other, [evening]) == [], other


def test_excluding_the_only_common_date_resolves_a_conflict():
    """Two one-day activities on the same date conflict unless one excludes that date."""
    one_day = activity(9, "16:00", "18:00", date_from=DAY, date_to=DAY)
    assert check_compatibility(one_day, [EVENING]) == [EVENING]
    closed = dataclasses.replace(EVENING, excluded_dates=frozenset({DAY}))
    assert check_compatibility(one_day, [closed]) == []


# -- Properties ------------------------------------------------------------------------------

day_events = st.lists(
    st.tuples(st.integers(6 * 60, 19 * 60), st.sampled_from([ENTRY, EXIT])),
    max_size=7,
    unique=True,
)


@settings(deadline=None)  # what it checks is the result, not the time (the machine is shared)
@given(day_events, st.randoms(use_true_random=False))
def test_any_reordering_of_the_events_gives_the_same_result(moments, rnd):
    """Verification sorts the events: the order they arrive in never changes the result."""
    events = [
        scan(index, f"{minute // 60:02d}:{minute % 60:02d}", direction)
        for index, (minute, direction) in enumerate(moments)
    ]
    shuffled = list(events)
    rnd.shuffle(shuffled)
    assert verify_day("1P", shuffled, ALL) == verify_day("1P", events, ALL)


@settings(deadline=None)
@given(day_events, st.sampled_from([ALL, [MORNING_CARE, WEDNESDAY, FREE_CARE, PAID_CARE]]))
def test_verified_attendances_never_bill_outside_their_window(moments, activities):
    """Billed minutes never exceed the window, and verified days never bill one minute twice."""
    events = [
        scan(index, f"{minute // 60:02d}:{minute % 60:02d}", direction)
        for index, (minute, direction) in enumerate(moments)
    ]
    result = verify_day("1P", events, activities)
    windows = {a.id: (a.start_minute, a.end_minute) for a in activities}
    billed = []
    for attendance in result.attendances:
        start, end = windows[attendance.activity_id]
        assert 0 <= attendance.minutes <= end - start
        first = max(start, attendance.start.hour * 60 + attendance.start.minute)
        billed.append((first, first + attendance.minutes))
    billed.sort()
    assert all(a[1] <= b[0] for a, b in zip(billed, billed[1:], strict=False))
