"""Property: however a phone delivers a batch of scans, the outcome is the same.

Split into sub-batches, sent in any order, some sub-batches twice and some scans twice within a
sub-batch: the stored events, and after verification the days and attendances, are exactly
those of one delivery of the whole batch in order. Every answer names the event stored for its
client event id.
"""

from __future__ import annotations

import os
import uuid

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests import factories as f
from tests.api.conftest import Phone, new_device

from regie.attendance.models import Attendance, Day, ScanEvent
from regie.attendance.verifying import days_verify

TIMES = ("06:55", "07:00", "07:05", "08:20", "08:30", "15:55", "16:00", "16:04", "17:45", "18:00")
DATES = ("2025-10-01", "2025-10-02")

# (child, date, place, time, direction) indexes into the world below
SCANS = st.lists(
    st.tuples(
        st.integers(0, 1),
        st.sampled_from(DATES),
        st.integers(0, 1),
        st.sampled_from(TIMES),
        st.sampled_from(("entry", "exit")),
    ),
    min_size=1,
    max_size=10,
)
EXAMPLES = settings(
    max_examples=int(os.environ.get("REGIE_REPLAY_EXAMPLES", "30")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@st.composite
def deliveries(draw, count: int) -> list[list[int]]:
    """Return sub-batches of item indexes: a split of a shuffle, some repeated, reordered."""
    order = draw(st.permutations(range(count)))
    cuts = sorted(draw(st.sets(st.integers(1, max(1, count - 1)), max_size=3)) - {count})
    batches = [list(order[a:b]) for a, b in zip([0, *cuts], [*cuts, count], strict=True)]
    for index in draw(st.lists(st.integers(0, len(batches) - 1), max_size=2)):
        batches.append(list(batches[index]))  # a sub-batch sent again
    for index in draw(st.lists(st.integers(0, len(batches) - 1), max_size=2)):
        batch = batches[index]
        batch.insert(draw(st.integers(0, len(batch))), draw(st.sampled_from(batch)))
    return draw(st.permutations(batches))


@pytest.fixture
def world(in_a, org_a):
    """Two children, two places with morning and evening care, and a phone of A."""
    centre, village = f.place("Centre"), f.place("Village")
    for place in (centre, village):
        f.activity("Accueil du matin", "07:00", "08:30", at=place)
        f.activity("Accueil du soir", "16:00", "18:00", at=place)
    children = [f.child("Léa", level="P3"), f.child("Tom", level="M1")]
    _device, token = new_device(org_a)
    return {"children": children, "places": [centre, village], "phone": Phone(token)}


def item(world, index: int, spec) -> dict:
    child, day, place, moment, direction = spec
    return {
        "client_event_id": str(uuid.UUID(int=index + 1)),
        "token": world["children"][child].scan_token,
        "place_id": world["places"][place].pk,
        "at": f"{day}T{moment}",
        "direction": direction,
    }


def deliver(world, items: list[dict], batches: list[list[int]]) -> None:
    """Send the batches; each answer must name the event stored under its client id."""
    for batch in batches:
        sent = [items[i] for i in batch]
        results = world["phone"].send(*sent)
        stored = dict(ScanEvent.objects.values_list("pk", "client_event_id"))
        for answer, scan in zip(results, sent, strict=True):
            assert answer["status"] in ("accepted", "duplicate")
            assert str(stored[answer["event_id"]]) == scan["client_event_id"]


def stored_state() -> tuple[list, list, list]:
    """Return the events, days and attendances, with event ids replaced by client ids."""
    client_id = {pk: str(cid) for pk, cid in ScanEvent.objects.values_list("pk", "client_event_id")}
    events = sorted(
        (client_id[e.pk], e.child_id, e.place_id, e.date, e.time, e.direction, e.active)
        for e in ScanEvent.objects.all()
    )
    days = sorted(
        (d.child_id, d.date, d.status, tuple(sorted(e["code"] for e in d.errors)))
        for d in Day.objects.all()
    )
    attendances = sorted(
        (a.child_id, a.date, a.activity_id, a.start, a.end, a.minutes, a.status)
        + tuple(sorted(client_id[pk] for pk in a.event_ids))
        for a in Attendance.objects.all()
    )
    return events, days, attendances


def outcome(world, items: list[dict], batches: list[list[int]]):
    """Deliver ``batches`` of ``items`` and verify every day; return the state, rolled back."""
    with transaction.atomic():
        deliver(world, items, batches)
        days_verify(list(Day.objects.values_list("pk", "child_id", "date")))
        state = stored_state()
        transaction.set_rollback(True)
    return state


@EXAMPLES
@given(specs=SCANS, data=st.data())
def test_any_replay_reordering_or_duplication_gives_the_same_events_and_attendances(
    world, specs, data
):
    """Whatever the split, order and repetitions, events, days and attendances are the same."""
    items = [item(world, index, spec) for index, spec in enumerate(specs)]
    reference = outcome(world, items, [list(range(len(items)))])
    plan = data.draw(deliveries(len(items)), label="delivery")
    assert outcome(world, items, plan) == reference
    assert len(reference[0]) == len(items)
