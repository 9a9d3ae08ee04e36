"""Scan events of a child's day: duplicates and entry/exit pairing (DOMAIN §3, steps 1–2)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple


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
