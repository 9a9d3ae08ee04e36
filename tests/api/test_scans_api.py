"""Specification of POST /api/v1/scans: every scan of a batch is answered on its own."""

from __future__ import annotations

import json
import uuid
from datetime import date, time

import pytest
from django.utils import translation
from tests import factories as f
from tests.api.conftest import Phone, new_device, scan

from regie.attendance.models import Day, DayStatus, ScanEvent
from regie.attendance.scans import MAX_BATCH, _Lookup
from regie.core.errors import DomainError
from regie.core.tenancy import scope


def test_each_scan_of_a_batch_is_accepted_and_stored_for_the_device(in_a, evening, phone):
    """Given a phone of A, when it sends an entry and an exit, both are stored and answered."""
    child = f.child()
    batch = [
        scan(child, evening.place, "2025-10-01T16:10", "entry"),
        scan(child, evening.place, "2025-10-01T17:45:31", "exit"),
    ]
    response = phone.post({"events": batch})
    assert response.status_code == 200
    body = response.json()
    assert (body["accepted"], body["duplicates"], body["rejected"], body["warnings"]) == (
        2,
        0,
        0,
        0,
    )
    assert [r["index"] for r in body["results"]] == [0, 1]
    assert [r["client_event_id"] for r in body["results"]] == [e["client_event_id"] for e in batch]
    events = ScanEvent.objects.order_by("time")
    assert [r["event_id"] for r in body["results"]] == [e.pk for e in events]
    exit_ = events[1]
    assert (exit_.date, exit_.time, exit_.direction, exit_.source) == (
        date(2025, 10, 1),
        time(17, 45),  # seconds dropped
        "exit",
        "phone",
    )
    assert exit_.device.name == "Téléphone de l'accueil" and exit_.recorded_by is None
    assert exit_.device.last_seen is not None
    assert Day.objects.get(child=child).status == DayStatus.NOT_PROCESSED


def test_sending_the_same_batch_again_answers_duplicates_and_stores_nothing(in_a, evening, phone):
    """A phone that lost the answer sends the batch again, reversed: nothing new is stored."""
    child = f.child()
    batch = [
        scan(child, evening.place, "2025-10-01T16:10", "entry"),
        scan(child, evening.place, "2025-10-01T17:45", "exit"),
    ]
    first = phone.send(*batch)
    again = phone.send(*reversed(batch))
    assert [r["status"] for r in again] == ["duplicate", "duplicate"]
    assert {r["event_id"] for r in again} == {r["event_id"] for r in first}
    assert ScanEvent.objects.count() == 2


def test_the_same_scan_twice_in_one_batch_is_stored_once(in_a, evening, phone):
    """The second copy of a scan in the same batch is a duplicate of the first."""
    item = scan(f.child(), evening.place, "2025-10-01T16:30", "exit")
    results = phone.send(item, item)
    assert [r["status"] for r in results] == ["accepted", "duplicate"]
    assert results[0]["event_id"] == results[1]["event_id"] == ScanEvent.objects.get().pk


def test_unknown_card_foreign_child_unknown_place_and_bad_direction_are_rejected_one_by_one(
    in_a, org_b, evening, phone
):
    """Each wrong scan is rejected with its code and message; the good one is stored."""
    child = f.child()
    with scope(org_b):
        stranger = f.child("Tom", "Ailleurs")
        foreign_place = f.place("Lieu de B")
    person_b = None
    with scope(org_b):
        person_b = f.person("Autre")
    good = scan(child, evening.place, "2025-10-01T16:30", "exit")
    results = phone.send(
        scan(child, evening.place, "2025-10-01T16:10", "entry", token="no-such-card"),
        scan(stranger, evening.place, "2025-10-01T16:10", "entry"),
        scan(child, foreign_place, "2025-10-01T16:10", "entry"),
        scan(child, evening.place, "2025-10-01T16:10", "sideways"),
        scan(child, evening.place, "2025-10-01T16:10", "entry", client_event_id="abc"),
        scan(child, evening.place, "2025-10-01T16:10", "entry", person_id=person_b.pk),
        good,
    )
    assert [r["status"] for r in results] == ["rejected"] * 6 + ["accepted"]
    assert [r["code"] for r in results[:6]] == [
        "scan.unknown_token",
        "scan.foreign_child",
        "scan.unknown_place",
        "scan.bad_direction",
        "scan.bad_event_id",
        "scan.unknown_person",
    ]
    assert all(r["message"] and r["event_id"] is None for r in results[:6])
    assert results[4]["client_event_id"] == "abc"
    assert ScanEvent.objects.get().client_event_id == uuid.UUID(good["client_event_id"])


@pytest.mark.parametrize(
    "change, code",
    [
        ({"at": None}, "scan.bad_value"),
        ({"at": "01/10/2025 16:04"}, "scan.bad_datetime"),
        ({"at": "2025-10-01T16:04+02:00"}, "scan.bad_datetime"),
        ({"at": "2025-02-30T16:04"}, "scan.bad_datetime"),
        ({"at": "2025-10-01"}, "scan.bad_datetime"),
        ({"place_id": "1"}, "scan.bad_value"),
        ({"place_id": True}, "scan.bad_value"),
        ({"token": 12}, "scan.bad_value"),
        ({"person_id": "Dupont"}, "scan.bad_value"),
        ({"client_event_id": 7}, "scan.bad_value"),
    ],
)
def test_a_malformed_item_is_rejected_and_the_others_are_kept(in_a, evening, phone, change, code):
    """A field of the wrong type or a bad date-time rejects that item only."""
    child = f.child()
    bad = scan(child, evening.place, "2025-10-01T16:10", "entry") | change
    good = scan(child, evening.place, "2025-10-01T16:30", "exit")
    results = phone.send(bad, good)
    assert [r["status"] for r in results] == ["rejected", "accepted"]
    assert results[0]["code"] == code
    assert results[0]["message"]
    assert ScanEvent.objects.count() == 1


def test_items_that_are_not_objects_or_lack_fields_are_rejected_in_place(in_a, evening, phone):
    """Strings, lists, null and objects missing fields are answered at their own index."""
    child = f.child()
    incomplete = scan(child, evening.place, "2025-10-01T16:10", "entry")
    del incomplete["token"], incomplete["at"]
    good = scan(child, evening.place, "2025-10-01T16:30", "exit")
    results = phone.send("scan", [1, 2], None, incomplete, good)
    assert [(r["index"], r["status"], r["code"]) for r in results] == [
        (0, "rejected", "scan.malformed_item"),
        (1, "rejected", "scan.malformed_item"),
        (2, "rejected", "scan.malformed_item"),
        (3, "rejected", "scan.missing_field"),
        (4, "accepted", ""),
    ]
    assert results[3]["client_event_id"] == incomplete["client_event_id"]
    assert "token, at" in results[3]["message"]


def test_a_scan_outside_every_window_is_kept_with_a_no_activity_warning(in_a, evening, phone):
    """An exit at 18:30 (window 16:00–18:00) is stored but answered with a warning."""
    child = f.child()
    results = phone.send(
        scan(child, evening.place, "2025-10-01T18:30", "exit"),
        scan(child, evening.place, "2025-10-01T18:00", "exit"),  # the window's end counts
    )
    assert [(r["status"], r["warning"], r["code"]) for r in results] == [
        ("accepted", True, "scan.no_activity"),
        ("accepted", False, ""),
    ]
    assert "18:30" in results[0]["message"] and "École du Centre" in results[0]["message"]
    assert ScanEvent.objects.count() == 2


def test_no_activity_warning_when_no_activity_accepts_the_childs_level(in_a, phone):
    """An activity for nursery levels only does not cover a primary-school child."""
    nursery = f.activity("Accueil maternel", "16:00", "18:00", levels=("M1", "M2", "M3"))
    toddler, pupil = f.child("Zoé", level="M2"), f.child("Léo", level="P3")
    results = phone.send(
        scan(toddler, nursery.place, "2025-10-01T17:00", "exit"),
        scan(pupil, nursery.place, "2025-10-01T17:00", "exit"),
    )
    assert [r["code"] for r in results] == ["", "scan.no_activity"]


def test_no_activity_warning_on_a_closed_date_and_again_for_a_duplicate(in_a, phone):
    """A Saturday scan for a weekday activity warns; sending it again warns again."""
    weekdays = f.activity("Accueil du soir", "16:00", "18:00", weekdays=(0, 1, 2, 3, 4))
    item = scan(f.child(), weekdays.place, "2025-10-04T17:00", "exit")
    first = phone.send(item)
    again = phone.send(item)
    assert [(r["status"], r["code"]) for r in first + again] == [
        ("accepted", "scan.no_activity"),
        ("duplicate", "scan.no_activity"),
    ]


def test_an_entry_at_the_end_of_early_care_belongs_to_the_chained_morning_care(in_a, phone):
    """Chained windows 06:30–07:30–08:30: an entry at 07:30 is covered, one at 08:30 is not."""
    morning = f.activity("Accueil du matin", "07:30", "08:30")
    f.activity("Accueil très matinal", "06:30", "07:30", next_activity=morning)
    child = f.child()
    results = phone.send(
        scan(child, morning.place, "2025-10-01T07:30", "entry"),
        scan(child, morning.place, "2025-10-02T08:30", "entry"),
    )
    assert [r["code"] for r in results] == ["", "scan.no_activity"]


@pytest.mark.parametrize(
    "body, code",
    [
        (b"{not json", "api.bad_json"),
        (b"\xff\xfe", "api.bad_json"),
        (b"", "api.bad_batch"),
        (b"[]", "api.bad_batch"),
        (b'{"scans": []}', "api.bad_batch"),
        (b'{"events": {"a": 1}}', "api.bad_batch"),
    ],
)
def test_a_malformed_batch_gets_one_clear_400(in_a, phone, body, code):
    """When the envelope is not {"events": [...]}, one 400 answer says so; nothing is stored."""
    response = phone.post(body)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert not ScanEvent.objects.exists()


def test_a_batch_too_large_is_refused_as_a_whole(in_a, phone):
    """More than MAX_BATCH events: one 400 asking to split the batch."""
    response = phone.post({"events": [{}] * (MAX_BATCH + 1)})
    assert response.status_code == 400
    assert response.json()["code"] == "scan.batch_too_large"


def test_an_empty_batch_is_answered_with_no_results(in_a, phone):
    """{"events": []} is valid and stores nothing."""
    response = phone.post({"events": []})
    assert response.status_code == 200
    assert response.json() == {
        "accepted": 0,
        "duplicates": 0,
        "rejected": 0,
        "warnings": 0,
        "results": [],
    }


@pytest.fixture
def languages(monkeypatch) -> list[str]:
    """Record the active language whenever a domain message is rendered."""
    seen: list[str] = []
    original = DomainError.translated

    def spy(error):
        seen.append(translation.get_language())
        return original(error)

    monkeypatch.setattr(DomainError, "translated", spy)
    return seen


def test_messages_follow_accept_language_else_the_organisation_language(
    in_a, org_a, phone, languages
):
    """A phone asking for Dutch gets Dutch; one stating no language gets its organisation's."""
    org_a.language = "de"
    org_a.save()
    item = scan(f.child(), f.place(), "2025-10-01T16:04", "sideways")
    phone.send(item)
    assert languages == ["de"]
    dutch = phone.post({"events": [item]}, HTTP_ACCEPT_LANGUAGE="nl").json()
    assert languages == ["de", "nl"]
    assert "sideways" in dutch["results"][0]["message"]


def test_an_organisation_named_in_the_body_is_ignored(in_a, org_b, evening, phone):
    """The organisation comes from the token: a body naming B still writes into A only."""
    item = scan(f.child(), evening.place, "2025-10-01T16:30", "exit", organisation=org_b.pk)
    response = phone.post({"events": [item], "organisation": org_b.pk})
    assert response.json()["accepted"] == 1
    assert ScanEvent.unscoped_objects.get().organisation_id == in_a.pk


def test_an_answer_is_json_with_the_documented_fields(in_a, evening, org_a):
    """The result of each event carries exactly the documented keys."""
    _device, token = new_device(org_a, "Tablette")
    result = Phone(token).send(scan(f.child(), evening.place, "2025-10-01T16:30", "exit"))[0]
    assert set(result) == {
        "index",
        "client_event_id",
        "status",
        "event_id",
        "warning",
        "code",
        "message",
    }
    assert json.dumps(result)


def test_a_twin_stored_during_the_batch_is_not_stored_twice(in_a, evening, phone, monkeypatch):
    """Given a twin delivery stored between the duplicate check and the insert (a race), the
    insert skips it: one event, and the answer names the event the twin stored."""
    item = scan(f.child(), evening.place, "2025-10-01T16:30", "exit")
    (first,) = phone.send(item)
    monkeypatch.setattr(_Lookup, "read_stored", lambda self, client_ids: None)  # sees nothing
    (second,) = phone.send(item)
    assert second["event_id"] == first["event_id"]
    assert ScanEvent.objects.count() == 1
