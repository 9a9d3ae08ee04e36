"""Batches of scans sent by phones: each event accepted, a duplicate, or rejected (DOMAIN §3).

Phones work offline and send their scans later, possibly twice, possibly in another order.
Each scan carries a client event id (a UUID kept by the phone) that is unique per organisation
in the database, so a second delivery stores nothing and is answered "duplicate" with the
event stored the first time. One bad event never stops the others.

Decisions where DOMAIN.md is silent:

- A duplicate is recognised by its client event id alone: the stored event wins even if the
  second delivery differs.
- An accepted scan that no activity covers (outside every window of that place that day, or no
  activity accepting the child's level) is kept, so nothing is lost, and answered with the
  warning ``scan.no_activity`` so the staff member knows at once. A duplicate gets the warning
  of its stored event again. The rule is the one verification applies to a lone scan: an entry
  counts from a window's start until just before its end, an exit up to the end inclusive.
  An entry just before a window, paired later with an exit inside it, is warned about but
  still verifies.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from regie.activities.models import Activity, Encoding, Place
from regie.attendance import windows
from regie.attendance.models import Device, Direction, ScanEvent, Source
from regie.attendance.verifying import days_touch
from regie.core.errors import DomainError, gettext_noop
from regie.core.tenancy import current_organisation
from regie.people.models import Child, Person

MAX_BATCH = 5000

ACCEPTED, DUPLICATE, REJECTED = "accepted", "duplicate", "rejected"


@dataclass(frozen=True)
class EventInput:
    """One scan as a phone sends it, before any check."""

    client_event_id: str
    token: str
    place_id: int
    at: datetime
    direction: str
    person_id: int | None = None


@dataclass(frozen=True)
class EventOutcome:
    """The answer to one event of a batch.

    ``code`` and ``message`` explain a rejection; on an accepted event or a duplicate they
    carry a warning (:attr:`warning` is then true).
    """

    client_event_id: str
    status: str  # accepted | duplicate | rejected
    event_id: int | None = None
    code: str = ""
    message: str = ""

    @property
    def warning(self) -> bool:
        return self.status != REJECTED and bool(self.code)


@dataclass(frozen=True)
class _Fact:
    """What the warning rule needs to know about a stored or new event."""

    child_id: int
    place_id: int
    date: date
    time: time
    direction: str


def scan_events_record(
    *, items: Sequence[EventInput], device: Device | None = None, user=None
) -> list[EventOutcome]:
    """Store a batch of scans; answer each: accepted, duplicate of an earlier delivery, rejected.

    Sending the same batch again, or its events in another order or split differently, changes
    nothing. The days touched are left "not processed" for the next verification.
    """
    batch_size_check(len(items))
    ids = [_client_id(item) for item in items]
    lookup = _Lookup(items, ids)
    outcomes: list[EventOutcome | None] = [None] * len(items)
    new: dict[uuid.UUID, _NewEvent] = {}
    for index, (item, client_id) in enumerate(zip(items, ids, strict=True)):
        if client_id is None:
            outcomes[index] = _rejected(item, _bad_id_error(item.client_event_id))
        elif client_id in lookup.stored or client_id in new:
            outcomes[index] = EventOutcome(str(client_id), DUPLICATE)
        elif error := lookup.check(item):
            outcomes[index] = _rejected(item, error)
        else:
            new[client_id] = lookup.event(item, client_id, device, user)
    inserted = _insert(new, lookup)
    if device is not None:
        Device.objects.filter(pk=device.pk).update(last_seen=timezone.now())
    warnings = _Warnings(lookup)
    answers = []
    for index, outcome in enumerate(outcomes):
        client_id = ids[index]
        if outcome is None:  # new here: accepted, unless a concurrent delivery stored it first
            outcome = EventOutcome(str(client_id), ACCEPTED if client_id in inserted else DUPLICATE)
        if outcome.status != REJECTED:
            event_id, fact = lookup.stored[client_id]
            outcome = replace(outcome, event_id=event_id)
            if warning := warnings.no_activity(fact):
                outcome = replace(outcome, code=warning.code, message=warning.translated())
        answers.append(outcome)
    return answers


def batch_size_check(count: int) -> None:
    """Refuse a batch of more than :data:`MAX_BATCH` events as a whole."""
    if count > MAX_BATCH:
        raise DomainError(
            "scan.batch_too_large",
            gettext_noop("A batch holds at most %(max)s events; send the rest in another batch."),
            max=MAX_BATCH,
        )


class _Lookup:
    """The rows a batch refers to, read with one query per kind."""

    def __init__(self, items: Sequence[EventInput], ids: Sequence[uuid.UUID | None]) -> None:
        self.organisation = current_organisation()
        self.received_at = timezone.now()
        # A NUL character is no token (PostgreSQL text cannot even hold it): unknown card.
        tokens = {item.token for item in items if "\x00" not in item.token}
        self.children = {
            token: (pk, level)
            for token, pk, level in Child.objects.filter(scan_token__in=tokens).values_list(
                "scan_token", "pk", "level"
            )
        }
        unknown = tokens - self.children.keys()
        self.foreign = (
            set(
                Child.unscoped_objects.filter(scan_token__in=unknown)
                .exclude(organisation=self.organisation)
                .values_list("scan_token", flat=True)
            )
            if unknown
            else set()
        )
        self.places = set(Place.objects.values_list("pk", flat=True))
        wanted = {item.person_id for item in items if item.person_id}
        self.persons = (
            set(Person.objects.filter(pk__in=wanted).values_list("pk", flat=True))
            if wanted
            else set()
        )
        self.stored: dict[uuid.UUID, tuple[int, _Fact]] = {}
        self.read_stored({client_id for client_id in ids if client_id is not None})

    def read_stored(self, client_ids: set[uuid.UUID]) -> None:
        """Remember the events already stored under these client ids."""
        if not client_ids:
            return
        rows = ScanEvent.objects.filter(client_event_id__in=client_ids).values_list(
            "client_event_id", "pk", "child_id", "place_id", "date", "time", "direction"
        )
        for client_id, pk, *fact in rows:
            self.stored[client_id] = (pk, _Fact(*fact))

    def check(self, item: EventInput) -> DomainError | None:
        """Return why an event cannot be stored, or None."""
        if item.token not in self.children:
            if item.token in self.foreign:
                return DomainError(
                    "scan.foreign_child",
                    gettext_noop(
                        "This card belongs to a child of another organisation; scan it there."
                    ),
                )
            return DomainError(
                "scan.unknown_token",
                gettext_noop("Unknown card: no child has this scan token. Check the card."),
            )
        if item.place_id not in self.places:
            return DomainError(
                "scan.unknown_place",
                gettext_noop("Unknown place “%(place)s”; choose a place of your organisation."),
                place=item.place_id,
            )
        if item.direction not in Direction.values:
            return DomainError(
                "scan.bad_direction",
                gettext_noop("The direction must be “entry” or “exit”, not “%(direction)s”."),
                direction=str(item.direction)[:20],
            )
        if item.person_id and item.person_id not in self.persons:
            return DomainError(
                "scan.unknown_person",
                gettext_noop("Unknown person “%(person)s”; leave the person out or pick another."),
                person=item.person_id,
            )
        return None

    def event(self, item: EventInput, client_id: uuid.UUID, device, user) -> _NewEvent:
        return _NewEvent(
            organisation=self.organisation.pk,
            child=self.children[item.token][0],
            place=item.place_id,
            person=item.person_id or None,
            device=device.pk if device is not None else None,
            recorded_by=user.pk if getattr(user, "is_authenticated", False) else None,
            direction=item.direction,
            source=Source.PHONE.value,
            active=True,
            date=item.at.date(),
            time=item.at.time().replace(second=0, microsecond=0),
            client_event_id=client_id,
            created_at=self.received_at,
        )


class _NewEvent(NamedTuple):
    """The columns of a new :class:`ScanEvent` row, named after the model's fields."""

    organisation: int
    child: int
    place: int
    person: int | None
    device: int | None
    recorded_by: int | None
    direction: str
    source: str
    active: bool
    date: date
    time: time
    client_event_id: uuid.UUID
    created_at: datetime


# The fields whose values the database backend converts (UUID as text on SQLite, and so on).
_CONVERTED = frozenset({"date", "time", "client_event_id", "created_at"})


#: Rows per INSERT statement: 13 parameters each stay far below SQLite's limit of 32,766.
INSERT_CHUNK = 1000


def _insert(new: dict[uuid.UUID, _NewEvent], lookup: _Lookup) -> set[uuid.UUID]:
    """Insert the new events and return the client ids this call stored.

    An id already taken (a concurrent delivery of the same scan) is not inserted again and is
    not returned: that scan is a duplicate, whichever request the phone reads. One multi-row
    ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` per chunk (SQLite 3.35+ and PostgreSQL)
    instead of ``bulk_create``: compiling the SQL of every value and building model instances
    took about 40% of the request on a batch of 500 scans.
    """
    if not new:
        return set()
    fields = [ScanEvent._meta.get_field(name) for name in _NewEvent._fields]
    prepared: dict[tuple[str, object], object] = {}  # dates, times repeat: convert them once

    def prepare(field, value):
        if field.name not in _CONVERTED:
            return value
        key = (field.name, value)
        if key not in prepared:
            prepared[key] = field.get_db_prep_save(value, connection)
        return prepared[key]

    # In the order of their ids, so that two deliveries sharing scans wait on each other in
    # the same order and never deadlock.
    ordered = sorted(new.values(), key=lambda event: event.client_event_id)
    rows = [
        [prepare(f, value) for f, value in zip(fields, event, strict=True)] for event in ordered
    ]
    client_column = ScanEvent._meta.get_field("client_event_id")
    inserted: set[uuid.UUID] = set()
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[start : start + INSERT_CHUNK]
            cursor.execute(_insert_sql(fields, len(chunk)), [v for row in chunk for v in row])
            inserted |= {client_column.to_python(client_id) for (client_id,) in cursor.fetchall()}
        # A concurrent twin's pk, when it won, is read here too.
        pks = ScanEvent.objects.filter(client_event_id__in=new).values_list("client_event_id", "pk")
        for client_id, pk in pks:
            event = new[client_id]
            fact = _Fact(event.child, event.place, event.date, event.time, event.direction)
            lookup.stored[client_id] = (pk, fact)
        days_touch((new[client_id].child, new[client_id].date) for client_id in inserted)
    return inserted


def _insert_sql(fields, rows: int) -> str:
    """Return the INSERT of ``rows`` events returning the client ids actually stored."""
    quote = connection.ops.quote_name
    values = "({})".format(", ".join(["%s"] * len(fields)))
    # Only the model's own table and column names are formatted in; the values are parameters.
    return "INSERT INTO {} ({}) VALUES {} ON CONFLICT DO NOTHING RETURNING {}".format(  # noqa: S608
        quote(ScanEvent._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join([values] * rows),
        quote(ScanEvent._meta.get_field("client_event_id").column),
    )


class _Warnings:
    """Tell whether some activity covers a stored scan: its place, date, time and child level."""

    def __init__(self, lookup: _Lookup) -> None:
        facts = [fact for _pk, fact in lookup.stored.values()]
        self.levels = dict(lookup.children.values())
        missing = {fact.child_id for fact in facts} - self.levels.keys()
        if missing:
            self.levels |= dict(Child.objects.filter(pk__in=missing).values_list("pk", "level"))
        self.by_place: dict[int, list[windows.Activity]] = defaultdict(list)
        places = {fact.place_id for fact in facts}
        if places:
            for activity in Activity.objects.filter(encoding=Encoding.SCAN, place_id__in=places):
                self.by_place[activity.place_id].append(activity.as_window())
        self.place_names: dict[int, str] = {}
        self._open: dict[tuple[int, date], list[windows.Activity]] = {}

    def no_activity(self, fact: _Fact) -> DomainError | None:
        key = (fact.place_id, fact.date)
        if key not in self._open:
            self._open[key] = [a for a in self.by_place[fact.place_id] if a.is_open(fact.date)]
        level = self.levels.get(fact.child_id) or None
        minute = windows.minute_of(fact.time)
        for activity in self._open[key]:
            if not activity.accepts(level):
                continue
            if activity.start_minute <= minute < activity.end_minute or (
                fact.direction == Direction.EXIT and minute == activity.end_minute
            ):
                return None
        return DomainError(
            "scan.no_activity",
            gettext_noop(
                "Scan kept, but no activity for this child's level takes place at %(place)s on "
                "%(date)s at %(time)s: check the place and the time, or tell the coordinator."
            ),
            place=self.place_name(fact.place_id),
            date=fact.date.strftime("%d/%m/%Y"),
            time=fact.time.strftime("%H:%M"),
        )

    def place_name(self, place_id: int) -> str:
        if not self.place_names:
            self.place_names = dict(Place.objects.values_list("pk", "name"))
        return self.place_names.get(place_id, f"#{place_id}")


def _client_id(item: EventInput) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(item.client_event_id))
    except ValueError:
        return None


def _rejected(item: EventInput, error: DomainError) -> EventOutcome:
    return EventOutcome(
        str(item.client_event_id), REJECTED, code=error.code, message=error.translated()
    )


def _bad_id_error(value) -> DomainError:
    return DomainError(
        "scan.bad_event_id",
        gettext_noop("The client event identifier “%(value)s” is not a UUID."),
        value=str(value)[:60],
    )
