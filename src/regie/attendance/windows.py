"""Activities as time windows: when they are open, how they chain, when they conflict.

Pure values and functions (DOMAIN §2–3); times of day are handled as minutes since midnight.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from enum import StrEnum

from regie.core.errors import DomainError, gettext_noop


class Encoding(StrEnum):
    """How the attendance of an activity is encoded."""

    SCAN = "scan"
    REGISTRATION = "registration"


def minute_of(moment: time) -> int:
    """Return the minutes since midnight of a time of day, seconds dropped."""
    return moment.hour * 60 + moment.minute


_CLOCK = tuple(time(minute // 60, minute % 60) for minute in range(24 * 60))


def clock(minute: int) -> time:
    """Return the time of day of a number of minutes since midnight (1440 gives 23:59)."""
    return _CLOCK[min(minute, 24 * 60 - 1)]


def overlaps(start: int, end: int, window_start: int, window_end: int) -> bool:
    """Return whether an interval of minutes overlaps a window; a point may touch its ends.

    >>> overlaps(7 * 60 + 15, 16 * 60 + 45, 16 * 60, 18 * 60), overlaps(960, 960, 900, 960)
    (True, True)
    >>> overlaps(7 * 60 + 15, 16 * 60, 16 * 60, 18 * 60)
    False
    """
    if start == end:  # a point in time (entry and exit in the same minute)
        return window_start <= start <= window_end
    return start < window_end and window_start < end


def hhmm(minute: int) -> str:
    """Format minutes since midnight as HH:MM (1440 as 24:00)."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(frozen=True)
class Activity:
    """An activity's place, levels, open dates and daily window, as verification sees it.

    Empty ``levels`` accept every level and empty ``weekdays`` mean every day of the week
    (0 = Monday), like the empty positions and categories of a price. ``date_to`` may be
    ``None`` for an activity without an end.
    """

    id: int
    category_id: int
    place_id: int
    levels: frozenset[str]
    date_from: date
    date_to: date | None
    weekdays: frozenset[int]
    excluded_dates: frozenset[date]
    start: time
    end: time
    encoding: Encoding = Encoding.SCAN
    next_activity_id: int | None = None
    name: str = ""
    # Minutes since midnight of the window, computed once (read for every interval of every day).
    start_minute: int = field(init=False, repr=False, compare=False)
    end_minute: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "start_minute", minute_of(self.start))
        object.__setattr__(self, "end_minute", minute_of(self.end))
        if self.end <= self.start:
            raise DomainError(
                "activity.invalid_window",
                gettext_noop("The window of activity %(activity)s must end after it starts."),
                activity=self.label,
            )

    @property
    def label(self) -> str:
        """Return the name and id that messages use to point at this activity."""
        return f"“{self.name}” (#{self.id})" if self.name else f"#{self.id}"

    def is_open(self, day: date) -> bool:
        """Return whether the activity takes place on ``day`` (dates, weekday, exclusions)."""
        return (
            self.date_from <= day
            and (self.date_to is None or day <= self.date_to)
            and (not self.weekdays or day.weekday() in self.weekdays)
            and day not in self.excluded_dates
        )

    def accepts(self, level: str | None) -> bool:
        """Return whether a child of ``level`` may attend."""
        return not self.levels or level in self.levels


def open_dates(activity: Activity, date_from: date, date_to: date) -> list[date]:
    """Return the dates between two inclusive dates on which the activity is open."""
    days = (date_from + timedelta(days=n) for n in range((date_to - date_from).days + 1))
    return [day for day in days if activity.is_open(day)]


@dataclass(frozen=True)
class Chain:
    """Activities following one another at one place; a lone activity is a chain of one."""

    activities: tuple[Activity, ...]

    # Minutes since midnight of the chain's window, computed once: verification reads them for
    # every interval of every day.
    start: int = field(init=False, repr=False, compare=False)
    end: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", self.activities[0].start_minute)
        object.__setattr__(self, "end", self.activities[-1].end_minute)

    def ids(self) -> tuple[int, ...]:
        return tuple(activity.id for activity in self.activities)


def chains(activities: Sequence[Activity]) -> list[Chain]:
    """Group activities into chains by their ``next_activity_id``, ordered by start.

    A link counts only when the next activity is among ``activities`` (open that day, for that
    level), at the same place and starts where the previous one ends: anything else is an
    outdated setting, and both activities then stand alone.
    """
    by_id = {activity.id: activity for activity in activities}

    def successor(activity: Activity) -> Activity | None:
        nxt = by_id.get(activity.next_activity_id) if activity.next_activity_id else None
        if nxt and nxt.place_id == activity.place_id and nxt.start == activity.end:
            return nxt
        return None

    followers = {nxt.id for a in activities if (nxt := successor(a)) is not None}
    result = []
    for head in activities:
        if head.id in followers:
            continue
        members = [head]
        while (nxt := successor(members[-1])) is not None and nxt not in members:
            members.append(nxt)
        result.append(Chain(tuple(members)))
    return sorted(result, key=lambda chain: (chain.start, chain.ids()))


# -- Compatibility ---------------------------------------------------------------------------


def check_compatibility(new: Activity, existing: Iterable[Activity]) -> list[Activity]:
    """Return the scan-encoded activities a scan could not tell apart from ``new``.

    Two scan-encoded activities conflict when they share category and place, accept at least
    one common level (empty = all), their windows overlap (touching windows, as in a chain, do
    not) and at least one date is open for both: the date ranges overlap on a weekday both
    take place on, and that date is excluded by neither. So excluding dates or splitting the
    weekdays is enough to resolve a conflict. Registration-encoded activities never conflict.
    """
    if new.encoding is not Encoding.SCAN:
        return []
    return [
        other
        for other in existing
        if other.id != new.id
        and other.encoding is Encoding.SCAN
        and other.category_id == new.category_id
        and other.place_id == new.place_id
        and (not new.levels or not other.levels or bool(new.levels & other.levels))
        and new.start < other.end
        and other.start < new.end
        and _share_an_open_date(new, other)
    ]


def _share_an_open_date(a: Activity, b: Activity) -> bool:
    first = max(a.date_from, b.date_from)
    last = min(a.date_to or date.max, b.date_to or date.max)
    # Among 7 × (exclusions + 1) consecutive days each weekday occurs more often than there
    # are exclusions, so looking further can find nothing new.
    horizon = 7 * (len(a.excluded_dates) + len(b.excluded_dates) + 1)
    if (last - first).days >= horizon:
        last = first + timedelta(days=horizon)
    day = first
    while day <= last:
        if a.is_open(day) and b.is_open(day):
            return True
        day += timedelta(days=1)
    return False


def conflict_error(new: Activity, conflicts: Sequence[Activity]) -> DomainError:
    """Return the error refusing to save ``new`` because of conflicting activities."""
    return DomainError(
        "activity.conflict",
        gettext_noop(
            "Activity %(activity)s conflicts with %(others)s: same category, place, levels and "
            "overlapping window on common dates, so a scan could not be told apart. Exclude "
            "dates or change the window, the place or the levels."
        ),
        activity=new.label,
        others=", ".join(other.label for other in conflicts),
        activity_ids=tuple(other.id for other in conflicts),
    )
