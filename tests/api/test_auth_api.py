"""Specification of API authentication and tenant isolation.

A device authenticates with its Bearer token; a staff member with a logged-in session whose
role grants ``scan.record`` in the session's organisation (CSRF enforced). The organisation
always comes from the credentials: nobody reads or writes another organisation's rows.
"""

from __future__ import annotations

import pytest
from django.test import Client
from tests import factories as f
from tests.api.conftest import SCANS_URL, Phone, new_device, scan
from tests.conftest import make_user

from regie.activities.models import Place
from regie.attendance.models import Device, ScanEvent
from regie.core.models import Role
from regie.core.tenancy import ALL, scope
from regie.people.models import SchoolSite


def post_scan(client: Client, item: dict, **headers):
    return client.post(SCANS_URL, {"events": [item]}, content_type="application/json", **headers)


@pytest.fixture
def item(in_a):
    """A valid scan of organisation A: a child at a place with evening care."""
    evening = f.activity("Accueil du soir", "16:00", "18:00")
    return scan(f.child(), evening.place, "2025-10-01T16:30", "exit")


def test_no_credentials_is_401_with_a_bearer_challenge(item):
    """Without a token or a session the API answers 401 and stores nothing."""
    response = post_scan(Client(), item)
    assert response.status_code == 401
    assert response.json()["code"] == "api.unauthenticated"
    assert response["WWW-Authenticate"] == "Bearer"
    assert Client().get("/api/v1/places").status_code == 401
    assert not ScanEvent.objects.exists()


@pytest.mark.parametrize("header", ["Bearer dev_not-a-real-token", "Bearer ", "Bearer"])
def test_an_unknown_token_is_401(item, header):
    """A mistyped or empty token is refused with api.bad_token."""
    response = post_scan(Client(), item, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] == "api.bad_token"
    assert not ScanEvent.objects.exists()


def test_an_inactive_device_is_refused(item, org_a):
    """A deactivated device gets 403 api.device_inactive, even for reading its places."""
    _device, token = new_device(org_a, active=False)
    phone = Phone(token)
    response = phone.post({"events": [item]})
    assert response.status_code == 403
    assert response.json()["code"] == "api.device_inactive"
    assert phone.get("/api/v1/me").status_code == 403
    assert not ScanEvent.objects.exists()


def test_a_new_token_replaces_the_old_one(item, org_a):
    """After "new token" the old token is refused and the new one works."""
    device, old = new_device(org_a)
    with scope(org_a):
        new = device.new_token()
        device.save()
    assert Phone(old).post({"events": [item]}).status_code == 401
    assert Phone(new).send(item)[0]["status"] == "accepted"
    with scope(org_a):
        assert Device.objects.get().token_hash == Device.hash_token(new)


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.COORDINATOR, Role.STAFF])
def test_a_staff_session_with_scan_record_sends_scans_as_itself(item, org_a, login, role):
    """A logged-in member whose role records scans is the event's author; no device."""
    client = login(org_a, role)
    response = post_scan(client, item)
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 1
    event = ScanEvent.objects.get()
    assert event.device is None and event.recorded_by.memberships.get().role == role


@pytest.mark.parametrize("role", [Role.FINANCE, Role.AUDITOR])
def test_a_user_whose_role_does_not_record_scans_is_refused(item, org_a, login, role):
    """Finance officers and auditors get 403 api.role_refused for every operation."""
    client = login(org_a, role)
    response = post_scan(client, item)
    assert response.status_code == 403
    assert response.json()["code"] == "api.role_refused"
    assert client.get("/api/v1/places").status_code == 403
    assert not ScanEvent.objects.exists()


def test_a_user_without_organisation_is_refused(item, client):
    """A logged-in account with no membership gets 403 api.no_organisation."""
    client.force_login(make_user("orphan"))
    response = post_scan(client, item)
    assert response.status_code == 403
    assert response.json()["code"] == "api.no_organisation"


def test_a_session_must_pass_the_csrf_check(item, org_a):
    """A browser session posting without the CSRF token is refused; with it, accepted."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("accueil", org_a, Role.STAFF))
    refused = post_scan(client, item)
    assert refused.status_code == 403
    assert refused.json()["code"] == "api.csrf_failed"
    assert not ScanEvent.objects.exists()
    assert client.get("/api/v1/me").status_code == 200  # reading needs no CSRF token
    client.get("/login/")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    accepted = post_scan(client, item, HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200
    assert accepted.json()["accepted"] == 1


def test_a_device_token_needs_no_csrf_token(item, org_a):
    """Bearer authentication is not a browser session: no CSRF token is needed."""
    _device, token = new_device(org_a)
    client = Client(enforce_csrf_checks=True)
    response = post_scan(client, item, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200


def test_me_names_the_device_or_the_user_and_their_organisation(in_a, org_a, login):
    """GET /me tells a phone which organisation and device (or user) it speaks for."""
    _device, token = new_device(org_a, "Tablette Centre")
    as_device = Phone(token).get("/api/v1/me").json()
    assert as_device == {
        "organisation": {"id": org_a.pk, "name": "Commune A"},
        "device": {"id": Device.objects.get().pk, "name": "Tablette Centre"},
        "user": None,
    }
    as_user = login(org_a, Role.STAFF, username="aline").get("/api/v1/me").json()
    assert as_user["device"] is None
    assert as_user["user"]["username"] == "aline" and as_user["user"]["role"] == "staff"


def test_places_lists_only_the_callers_organisation(in_a, org_a, org_b, login):
    """A device (or user) of A sees A's places with their site; never B's."""
    Place.objects.create(name="Lieu Z", site=SchoolSite.objects.create(name="École Z"))
    f.place("Lieu A")
    with scope(org_b):
        f.place("Lieu B")
    _device, token = new_device(org_a)
    expected = [("Lieu A", None), ("Lieu Z", "École Z")]
    got = Phone(token).get("/api/v1/places").json()
    assert [(p["name"], p["site"]) for p in got] == expected
    via_session = login(org_a, Role.STAFF).get("/api/v1/places").json()
    assert [(p["name"], p["site"]) for p in via_session] == expected


def snapshot_scans() -> list[tuple]:
    with scope(ALL):
        return sorted(ScanEvent.objects.values_list("organisation_id", "child_id", "time"))


def test_a_device_of_b_can_neither_read_nor_write_the_rows_of_a(in_a, org_b, item):
    """B's token with A's child, place and person: every scan rejected, nothing written."""
    place_a, parent_a = Place.objects.get(), f.person("Parent A")
    with scope(org_b):
        child_b = f.child("Tom", "Ailleurs")
        place_b = f.place("Lieu B")
    _device, token_b = new_device(org_b)
    phone_b = Phone(token_b)
    results = phone_b.send(
        item,  # A's child at A's place
        scan(child_b, place_a, "2025-10-01T16:00", "exit"),
        scan(child_b, place_b, "2025-10-01T16:00", "exit", person_id=parent_a.pk),
    )
    assert [r["code"] for r in results] == [
        "scan.foreign_child",
        "scan.unknown_place",
        "scan.unknown_person",
    ]
    assert snapshot_scans() == []
    assert [p["name"] for p in phone_b.get("/api/v1/places").json()] == ["Lieu B"]


def test_a_staff_member_of_a_cannot_scan_into_b(org_a, org_b, login, item):
    """A's staff session sending B's child or place: rejected; B's rows never change."""
    with scope(org_b):
        child_b = f.child("Tom", "Ailleurs")
        place_b = f.place("Lieu B")
    client = login(org_a, Role.STAFF)
    with scope(org_a):
        place_a = Place.objects.get()
    response = client.post(
        SCANS_URL,
        {
            "events": [
                scan(child_b, place_a, "2025-10-01T16:30", "exit"),
                {**item, "place_id": place_b.pk},
            ]
        },
        content_type="application/json",
    )
    assert [r["code"] for r in response.json()["results"]] == [
        "scan.foreign_child",
        "scan.unknown_place",
    ]
    assert snapshot_scans() == []


def test_a_client_event_id_already_used_by_b_is_a_new_scan_in_a(in_a, org_a, org_b, item):
    """Client ids are unique per organisation: B's event never answers A's phone as duplicate."""
    with scope(org_b):
        evening_b = f.activity("Soir B", "16:00", "18:00", at=f.place("Lieu B"))
        child_b = f.child("Tom", "Ailleurs")
    _d, token_b = new_device(org_b)
    shared_id = item["client_event_id"]
    Phone(token_b).send(
        scan(child_b, evening_b.place, "2025-10-01T16:30", "exit") | {"client_event_id": shared_id}
    )
    _d, token_a = new_device(org_a)
    result = Phone(token_a).send(item)[0]
    assert result["status"] == "accepted"
    assert [org for org, _c, _t in snapshot_scans()] == sorted([org_a.pk, org_b.pk])
