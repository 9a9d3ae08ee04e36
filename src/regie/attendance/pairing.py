"""Scan events of a child's day: duplicates and entry/exit pairing (DOMAIN §3, steps 1–2).

Pairing goes window by window: a window is an activity's time window at a place, or a whole
chain's (:class:`~regie.attendance.windows.Chain`). An entry and the next exit make one
interval only when both fall in the same window; an entry at morning care and an exit at
evening care are two lone scans, never one interval across the school day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from regie.attendance.windows import Chain, overlaps


class Direction(StrEnum):
    """Whether a scan records the child's arrival or departure."""

    ENTRY = "entry"
    EXIT = "exit"

    def swapped(self) -> Direction:
        """Return the other direction."""
        return Direction.EXIT if self is Direction.ENTRY else Direction.ENTRY


class Source(StrEnum):
    """Where a scan event comes from."""

    PHONE = "phone"
    MANUAL = "manual"
    REGISTRATION = "registration"


@dataclass(frozen=True)
class ScanEvent:
    """One line of the encoding history; ``at`` is local, naive and read to the minute."""

    id: int
    child_id: int
    place_id: int
    at: datetime
    direction: Direction
    active: bool = True
    source: Source = Source.PHONE
    person_id: int | None = None

    #: Minutes since midnight of the scan, and its moment with the seconds dropped: computed
    #: once, since verifying a day reads them again and again.
    minute: int = field(init=False, repr=False, compare=False)
    at_minute: datetime = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "minute", self.at.hour * 60 + self.at.minute)
        at = self.at
        if at.second or at.microsecond:
            at = at.replace(second=0, microsecond=0)
        object.__setattr__(self, "at_minute", at)

    def sort_key(self) -> tuple[datetime, int, Direction, int]:
        """Order by time, then place, entries before exits within a minute, then id."""
        return (self.at_minute, self.place_id, self.direction, self.id)


def time_order(events: Iterable[ScanEvent]) -> list[ScanEvent]:
    """Return the events in time order (deterministic whatever order they arrive in)."""
    return sorted(events, key=ScanEvent.sort_key)


def duplicate_groups(events: Iterable[ScanEvent]) -> list[tuple[ScanEvent, ...]]:
    """Return the groups of active events with the same child, place, direction and minute.

    16:49 and 16:50 are different minutes, so such scans are never duplicates.
    """
    groups: dict[tuple[int, int, Direction, datetime], list[ScanEvent]] = defaultdict(list)
    for event in time_order(events):
        if event.active:
            groups[event.child_id, event.place_id, event.direction, event.at_minute].append(event)
    return [tuple(group) for group in groups.values() if len(group) > 1]


class Pairing(NamedTuple):
    """An entry and its exit, or a lone entry (``exit`` None) or a lone exit (``entry`` None)."""

    entry: ScanEvent | None
    exit: ScanEvent | None

    @property
    def events(self) -> tuple[ScanEvent, ...]:
        entry, exit_ = self
        if entry is None:
            return () if exit_ is None else (exit_,)
        return (entry,) if exit_ is None else (entry, exit_)

    @property
    def key(self) -> int:
        """Return the id of the first event, which names this pairing in ``choices``."""
        return self.events[0].id


def pair_events(events: Sequence[ScanEvent]) -> list[Pairing]:
    """Pair the time-ordered events of one place: each entry with the exit that follows it.

    An entry followed by another entry stays lone, and so does an exit without an entry
    before it; verification decides from the windows whether that is plausible.
    """
    pairings = []
    pending: ScanEvent | None = None
    for event in events:
        if event.direction is Direction.ENTRY:
            if pending is not None:
                pairings.append(Pairing(pending, None))
            pending = event
        else:
            pairings.append(Pairing(pending, event))
            pending = None
    if pending is not None:
        pairings.append(Pairing(pending, None))
    return pairings


def by_place(events: Iterable[ScanEvent]) -> dict[int, list[ScanEvent]]:
    """Return the time-ordered events of each place."""
    places: dict[int, list[ScanEvent]] = defaultdict(list)
    for event in time_order(events):
        places[event.place_id].append(event)
    return dict(places)


class Placed(NamedTuple):
    """A pairing and the windows it may belong to: none, one, or several to choose from."""

    pairing: Pairing
    windows: tuple[Chain, ...]


def windows_of_entry(minute: int, windows: Sequence[Chain]) -> tuple[Chain, ...]:
    """Return the windows an entry falls in: open at that minute, not at their end."""
    return tuple(w for w in windows if w.start <= minute < w.end)


def windows_of_exit(minute: int, windows: Sequence[Chain]) -> tuple[Chain, ...]:
    """Return the windows an exit falls in: an exit at a window's start or end counts."""
    return tuple(w for w in windows if w.start <= minute <= w.end)


def pair_in_windows(events: Sequence[ScanEvent], windows: Sequence[Chain]) -> list[Placed]:
    """Pair the time-ordered events of one place window by window (DOMAIN §3.2).

    An entry and the exit that follows it are each alone when the entry's window ends before
    the exit's window starts (morning care, then evening care); a scan outside every window
    counts there as in the first (entry) or last (exit) window the interval reaches. Alone,
    each keeps only the windows it falls in: an exit at 18:05 after care until 18:00 finds no
    activity, as it would without the morning entry. Otherwise the two are one interval,
    matched against every window it overlaps, so an entry at 15:50 still pairs with an exit
    at 16:30 in care from 16:00. ``windows`` come from :func:`~regie.attendance.windows.chains`.
    """
    placed = []
    for pairing in pair_events(events):
        entry, exit_ = pairing
        if exit_ is None:
            assert entry is not None  # noqa: S101 - a pairing has at least one event
            placed.append(Placed(pairing, windows_of_entry(entry.minute, windows)))
            continue
        if entry is None:
            placed.append(Placed(pairing, windows_of_exit(exit_.minute, windows)))
            continue
        start, end = entry.minute, exit_.minute
        entry_in, exit_in = windows_of_entry(start, windows), windows_of_exit(end, windows)
        spanned = tuple(
            w for w in windows if overlaps(start, end, w.start, w.end) or w in exit_in
        )  # an exit at a window's start (16:00 for care from 16:00) is in that window
        entry_at, exit_at = entry_in or _first(spanned), exit_in or _last(spanned)
        if len(spanned) > 1 and max(w.end for w in entry_at) <= min(w.start for w in exit_at):
            placed += [
                Placed(Pairing(entry, None), entry_in),
                Placed(Pairing(None, exit_), exit_in),
            ]
        else:
            placed.append(Placed(pairing, spanned))
    return placed


def _first(windows: Sequence[Chain]) -> tuple[Chain, ...]:
    start = min((w.start for w in windows), default=None)
    return tuple(w for w in windows if w.start == start)


def _last(windows: Sequence[Chain]) -> tuple[Chain, ...]:
    end = max((w.end for w in windows), default=None)
    return tuple(w for w in windows if w.end == end)
