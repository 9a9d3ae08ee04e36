"""Verify a child's day: from scan events to attendances of activities (DOMAIN §3).

Pure: no Django, no database. The service loads the day's events and the activities, calls
:func:`verify_day` and stores what it returns; errors come back as data, never raised.

Decisions where DOMAIN.md is silent:

- Duplicate scans block the whole day: nothing is paired until all but one are deactivated, so
  a duplicate never turns into a billed attendance.
- Events are paired per place, so a morning at one place and an evening at another work.
- Pairing goes window by window (:func:`~regie.attendance.pairing.pair_in_windows`): an
  entry and the next exit in different windows are two lone scans. A scan a few minutes
  outside every window still pairs with the other scan of its window (an entry at 15:50 for
  care from 16:00), and when it is alone it joins the window its interval would have reached.
- A lone entry or exit belongs to the window (chain) that contains its time: an exit at the
  window's start or end counts, an entry at its end does not (nothing is left to attend).
- Consecutive scans that do not pair up plausibly are an error (``verification.unpaired_scans``)
  instead of a guess: two entries or two exits whose intervals would overlap (one would be
  billed twice), or an exit followed by an entry in the same window (both look swapped).
  Entries in different windows (morning care, then evening care) are lone entries, as usual.
- An attendance keeps the real scan times at its outer ends; only a chain split cuts at the
  window boundaries. The billed minutes are always the overlap with the activity's window.
- The attendance's person is the one who picked up (exit), else the one who dropped off.
- ``choices`` maps the id of an interval's first event to the activity a staff member picked
  among the candidates; the interval then belongs to that activity's chain.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, time
from enum import StrEnum
from itertools import combinations
from typing import NamedTuple

from regie.attendance.pairing import (
    Direction,
    Pairing,
    Placed,
    ScanEvent,
    Source,
    by_place,
    duplicate_groups,
    pair_in_windows,
)
from regie.attendance.windows import (
    Activity,
    Chain,
    Encoding,
    chains,
    check_compatibility,
    clock,
    hhmm,
    overlaps,
)
from regie.core.errors import DomainError, gettext_noop

__all__ = [
    "Activity",
    "Attendance",
    "DayResult",
    "DayStatus",
    "Direction",
    "Encoding",
    "ScanEvent",
    "Source",
    "check_compatibility",
    "likely_swaps",
    "place_chains",
    "verify_day",
]


class DayStatus(StrEnum):
    """The outcome of verifying a day."""

    VERIFIED = "verified"
    ERROR = "error"


class Attendance(NamedTuple):
    """A completed attendance: an activity, from ``start`` to ``end``, ``minutes`` billed."""

    activity_id: int
    place_id: int
    start: time
    end: time
    minutes: int
    person_id: int | None
    event_ids: tuple[int, ...]


class DayResult(NamedTuple):
    """The verified attendances of a day, its errors, and the direction swaps that would fix it.

    ``swaps`` lists sets of event ids (one event, or two) whose direction, once swapped, makes
    the day verify: what the screen offers as "swap the direction of this event".
    """

    day: date | None
    status: DayStatus
    attendances: tuple[Attendance, ...]
    errors: tuple[DomainError, ...]
    swaps: tuple[tuple[int, ...], ...] = ()


class _Interval(NamedTuple):
    pairing: Pairing
    start: int
    end: int
    chain: Chain


class _Context(NamedTuple):
    day: date
    choices: Mapping[int, int]
    place_names: Mapping[int, str]

    def place(self, place_id: int) -> str:
        return self.place_names.get(place_id, f"place #{place_id}")


def verify_day(
    child_level: str | None,
    events: Iterable[ScanEvent],
    activities: Sequence[Activity],
    *,
    choices: Mapping[int, int] | None = None,
    place_names: Mapping[int, str] | None = None,
    suggest_swaps: bool = True,
    chains_by_place: Mapping[int, Sequence[Chain]] | None = None,
) -> DayResult:
    """Return the attendances and errors of one child's day from its scan events.

    Only active events count, in time order whatever order they are given in; only
    scan-encoded activities take part. ``place_names`` only improves the messages.
    ``chains_by_place``, when given, must be :func:`place_chains` of the same activities, day
    and level: verifying many days, a caller computes it once per day and level.
    """
    active = [event for event in events if event.active]
    if not active:
        return DayResult(None, DayStatus.VERIFIED, (), ())
    days = {event.at.date() for event in active}
    if len(days) > 1:
        raise ValueError(f"events of several days given: {sorted(days)}")
    context = _Context(days.pop(), choices or {}, place_names or {})
    duplicates = duplicate_groups(active) if len(active) > 1 else []
    if duplicates:
        problems = tuple(_duplicate_error(group, context) for group in duplicates)
        return DayResult(context.day, DayStatus.ERROR, (), problems)
    if chains_by_place is None:
        chains_by_place = place_chains(activities, context.day, child_level)
    attendances: list[Attendance] = []
    errors: list[DomainError] = []
    for place_id, place_events in sorted(by_place(active).items()):
        found, place_errors = _verify_place(
            place_events, chains_by_place.get(place_id, ()), context
        )
        attendances += found
        errors += place_errors
    attendances.sort(key=lambda a: (a.start, a.place_id, a.activity_id))
    if not errors:
        return DayResult(context.day, DayStatus.VERIFIED, tuple(attendances), ())
    swaps = (
        likely_swaps(
            child_level, active, activities, choices=choices, chains_by_place=chains_by_place
        )
        if suggest_swaps
        else []
    )
    return DayResult(context.day, DayStatus.ERROR, tuple(attendances), tuple(errors), tuple(swaps))


def place_chains(
    activities: Iterable[Activity], day: date, child_level: str | None
) -> dict[int, list[Chain]]:
    """Return, by place, the chains of the scan activities open on ``day`` for ``child_level``."""
    by_place: dict[int, list[Activity]] = {}
    for activity in activities:
        if (
            activity.encoding is Encoding.SCAN
            and activity.is_open(day)
            and activity.accepts(child_level)
        ):
            by_place.setdefault(activity.place_id, []).append(activity)
    return {place_id: chains(candidates) for place_id, candidates in by_place.items()}


def _verify_place(
    events: Sequence[ScanEvent], candidates: Sequence[Chain], context: _Context
) -> tuple[list[Attendance], list[DomainError]]:
    intervals: list[_Interval] = []
    errors: list[DomainError] = []
    for placed in pair_in_windows(events, candidates):
        resolved = _resolve(placed, context)
        if isinstance(resolved, DomainError):
            errors.append(resolved)
        else:
            intervals.append(resolved)
    implausible = _implausible(intervals)
    for first, second in implausible:
        errors.append(_unpaired_error(first.pairing.events + second.pairing.events, context))
    rejected = {interval.pairing for pair in implausible for interval in pair}
    attendances = [
        attendance
        for interval in intervals
        if interval.pairing not in rejected
        for attendance in _split(interval)
    ]
    return attendances, errors


def _resolve(placed: Placed, context: _Context) -> _Interval | DomainError:
    pairing, matches = placed
    if not matches:
        return _no_activity_error(pairing, context)
    if len(matches) > 1:
        chosen = context.choices.get(pairing.key)
        picked = [c for c in matches if chosen in c.ids()]
        if len(picked) != 1:
            return _several_activities_error(pairing, matches, context)
        matches = tuple(picked)
    chain = matches[0]
    entry, exit_ = pairing
    start = chain.start if entry is None else entry.minute
    end = chain.end if exit_ is None else exit_.minute
    return _Interval(pairing, start, end, chain)


def _implausible(intervals: Sequence[_Interval]) -> list[tuple[_Interval, _Interval]]:
    """Return the pairs of intervals that cannot both be right: overlapping, or exit→entry."""
    pairs = []
    for i, first in enumerate(intervals):
        for j, second in enumerate(intervals[i + 1 :], start=i + 1):
            overlap = _overlap(first, second) or _overlap(second, first)
            exit_then_entry = (
                j == i + 1
                and first.pairing.entry is None
                and second.pairing.exit is None
                and first.chain == second.chain
            )
            if overlap or exit_then_entry:
                pairs.append((first, second))
    return pairs


def _overlap(first: _Interval, second: _Interval) -> bool:
    """Return whether two intervals share a minute, or ``first`` is a point inside ``second``."""
    if first.start == first.end:
        return second.start < first.start < second.end
    return min(first.end, second.end) - max(first.start, second.start) > 0


def _split(interval: _Interval) -> list[Attendance]:
    """Return one attendance per activity of the chain the interval overlaps."""
    start, end = interval.start, interval.end
    members = [
        a for a in interval.chain.activities if overlaps(start, end, a.start_minute, a.end_minute)
    ]
    if start == end:  # a point belongs to the activity it opens, else to the last one
        members = [a for a in members if a.start_minute <= start < a.end_minute] or members[-1:]
    entry, exit_ = interval.pairing
    person = (exit_ and exit_.person_id) or (entry and entry.person_id) or None
    event_ids = tuple(event.id for event in interval.pairing.events)
    attendances = []
    for index, activity in enumerate(members):
        piece_start = start if index == 0 else activity.start_minute
        piece_end = end if index == len(members) - 1 else activity.end_minute
        minutes = max(0, min(end, activity.end_minute) - max(start, activity.start_minute))
        attendances.append(
            Attendance(
                activity.id,
                activity.place_id,
                clock(piece_start),
                clock(piece_end),
                minutes,
                person,
                event_ids,
            )
        )
    return attendances


# -- Entry/exit confusion --------------------------------------------------------------------


def likely_swaps(
    child_level: str | None,
    events: Iterable[ScanEvent],
    activities: Sequence[Activity],
    *,
    choices: Mapping[int, int] | None = None,
    chains_by_place: Mapping[int, Sequence[Chain]] | None = None,
) -> list[tuple[int, ...]]:
    """Return the smallest sets of events whose swapped direction makes the day verify.

    Single events are tried first, then two events at the same place (an exit then an entry
    with nothing else: both were pressed the wrong way). Duplicates are no direction problem,
    so a day with duplicates gets no suggestion. ``chains_by_place`` as for :func:`verify_day`.
    """
    active = sorted((event for event in events if event.active), key=ScanEvent.sort_key)
    if not active or duplicate_groups(active):
        return []

    def verifies(swapped: tuple[ScanEvent, ...]) -> bool:
        ids = {event.id for event in swapped}
        trial = [
            replace(event, direction=event.direction.swapped()) if event.id in ids else event
            for event in active
        ]
        result = verify_day(
            child_level,
            trial,
            activities,
            choices=choices,
            suggest_swaps=False,
            chains_by_place=chains_by_place,
        )
        return result.status is DayStatus.VERIFIED

    for size in (1, 2):
        found = [
            tuple(event.id for event in combo)
            for combo in combinations(active, size)
            if len({event.place_id for event in combo}) == 1 and verifies(combo)
        ]
        if found:
            return found
    return []


# -- Errors ----------------------------------------------------------------------------------


def _describe(events: Sequence[ScanEvent]) -> dict[str, object]:
    return {
        "time": ", ".join(hhmm(event.minute) for event in events),
        "events": ", ".join(f"#{event.id}" for event in events),
        "event_ids": tuple(event.id for event in events),
        "place_id": events[0].place_id,
    }


def _duplicate_error(group: Sequence[ScanEvent], context: _Context) -> DomainError:
    return DomainError(
        "verification.duplicate_scans",
        gettext_noop(
            "Several scans found at %(time)s at %(place)s (events %(events)s): same child, "
            "place, direction and minute; deactivate all but one."
        ),
        place=context.place(group[0].place_id),
        **(_describe(group) | {"time": hhmm(group[0].minute)}),
    )


def _no_activity_error(pairing: Pairing, context: _Context) -> DomainError:
    return DomainError(
        "verification.no_activity",
        gettext_noop(
            "No activity found at %(time)s at %(place)s on %(date)s (events %(events)s): no "
            "activity for the child's level is open at that place, date and time."
        ),
        place=context.place(pairing.events[0].place_id),
        date=context.day.strftime("%d/%m/%Y"),
        choice_key=pairing.key,
        **_describe(pairing.events),
    )


def _several_activities_error(
    pairing: Pairing, candidates: Sequence[Chain], context: _Context
) -> DomainError:
    activities = [activity for chain in candidates for activity in chain.activities]
    return DomainError(
        "verification.several_activities",
        gettext_noop(
            "Several activities found at %(time)s at %(place)s (events %(events)s): "
            "%(activities)s; choose the right one."
        ),
        place=context.place(pairing.events[0].place_id),
        activities=", ".join(activity.label for activity in activities),
        candidate_ids=tuple(activity.id for activity in activities),
        choice_key=pairing.key,
        **_describe(pairing.events),
    )


def _unpaired_error(events: Sequence[ScanEvent], context: _Context) -> DomainError:
    return DomainError(
        "verification.unpaired_scans",
        gettext_noop(
            "The scans at %(time)s at %(place)s (events %(events)s) do not make entry/exit "
            "pairs; swap the direction of the wrong one or deactivate it."
        ),
        place=context.place(events[0].place_id),
        **_describe(events),
    )
