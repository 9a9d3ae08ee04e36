"""The scanning app's reads: a staff member's places, a place's children, who is present now."""

from __future__ import annotations

from datetime import time

import pytest
from django.utils import timezone
from tests import factories as f
from tests.api.conftest import Phone, new_device
from tests.conftest import make_user

from regie.activities.models import Place
from regie.attendance.models import ScanEvent, Source
from regie.core.models import Role
from regie.core.tenancy import scope
from regie.people.models import MedicalRecord, SchoolSite
from regie.scanning.models import StaffPlace
from regie.scanning.selectors import present_entries

pytestmark = pytest.mark.django_db


@pytest.fixture
def door(org_a):
    """Two places of A: Léa (allergic to peanuts) and Tom at the Centre, Zoé at the Bois."""
    with scope(org_a):
        centre_site = SchoolSite.objects.create(name="École du Centre")
        bois_site = SchoolSite.objects.create(name="École du Bois")
        centre = Place.objects.create(name="Accueil du Centre", site=centre_site)
        bois = Place.objects.create(name="Accueil du Bois", site=bois_site)
        f.activity("Accueil du soir", "16:00", "18:00", at=centre, date_to=None)
        mother = f.person("Lambert", "Sophie")
        lea = f.child("Léa", "Lambert", parent=mother)
        tom = f.child("Tom", "Petit")
        zoe = f.child("Zoé", "Bois")
        for child, site in ((lea, centre_site), (tom, centre_site), (zoe, bois_site)):
            child.site = site
            child.save()
        MedicalRecord.objects.create(
            child=lea, allergies="Arachides", doctor="Dr Martin", notes="Asthme"
        )
        staff = make_user("aline", org_a, Role.STAFF)
        StaffPlace.objects.create(user=staff, place=centre)
    return {"centre": centre, "bois": bois, "lea": lea, "tom": tom, "zoe": zoe, "staff": staff}


def test_a_staff_member_sees_only_their_places(client, door, org_a):
    client.force_login(door["staff"])
    assert [p["name"] for p in client.get("/api/v1/scan/places").json()] == ["Accueil du Centre"]
    make_user("claire", org_a, Role.COORDINATOR)
    client.force_login(make_user("claire2", org_a, Role.COORDINATOR))
    assert len(client.get("/api/v1/scan/places").json()) == 2


def test_children_of_a_place_with_their_card_persons_and_alerts(client, door):
    client.force_login(door["staff"])
    children = client.get(f"/api/v1/scan/places/{door['centre'].pk}/children").json()
    assert [c["name"] for c in children] == ["Léa Lambert", "Tom Petit"]
    lea = children[0]
    assert lea["token"] == door["lea"].scan_token
    assert lea["persons"] == [
        {
            "id": lea["persons"][0]["id"],
            "name": "Sophie Lambert",
            "relationship": "autre",
            "phone": "",
        }
    ]
    # Staff see the alerts only: never the doctor or the notes.
    assert lea["alerts"] == [{"field": "allergies", "label": "allergies", "text": "Arachides"}]
    assert "Asthme" not in str(children) and "Martin" not in str(children)


def test_another_place_or_organisation_is_answered_as_missing(client, door, org_b):
    client.force_login(door["staff"])
    missing = client.get("/api/v1/scan/places/987654/children")
    other_place = client.get(f"/api/v1/scan/places/{door['bois'].pk}/children")
    assert other_place.status_code == missing.status_code == 404
    assert other_place.json() == missing.json()
    _device, token = new_device(org_b)
    phone_b = Phone(token)
    for what in ("children", "present"):
        got = phone_b.get(f"/api/v1/scan/places/{door['centre'].pk}/{what}")
        assert got.status_code == 404, what
    assert phone_b.get("/api/v1/scan/places").json() == []


def test_a_device_sees_every_place_and_the_alerts_an_administrator_does_not(client, door, org_a):
    _device, token = new_device(org_a)
    phone = Phone(token)
    assert len(phone.get("/api/v1/scan/places").json()) == 2
    url = f"/api/v1/scan/places/{door['centre'].pk}/children"
    assert phone.get(url).json()[0]["alerts"]
    client.force_login(make_user("admin", org_a, Role.ADMINISTRATOR))
    assert client.get(url).json()[0]["alerts"] == []


def test_roles_that_do_not_scan_are_refused(client, door, org_a):
    client.force_login(make_user("audit", org_a, Role.AUDITOR))
    answer = client.get("/api/v1/scan/places")
    assert answer.status_code == 403 and answer.json()["code"] == "api.role_refused"


def test_present_now_lists_children_in_and_not_out(client, door, org_a):
    today = timezone.localdate()
    with scope(org_a):
        for child, hhmm, direction in (
            (door["lea"], "16:05", "entry"),
            (door["tom"], "16:10", "entry"),
            (door["tom"], "17:00", "exit"),
        ):
            ScanEvent.objects.create(
                child=child,
                place=door["centre"],
                date=today,
                time=time.fromisoformat(hhmm),
                direction=direction,
                source=Source.PHONE,
            )
    client.force_login(door["staff"])
    present = client.get(f"/api/v1/scan/places/{door['centre'].pk}/present").json()
    assert present["date"] == today.isoformat()
    assert present["closing"] == "18:00"
    ((lea,),) = [present["children"]]
    assert (lea["name"], lea["entry"]) == ("Léa Lambert", "16:05")
    assert lea["persons"][0]["name"] == "Sophie Lambert"
    assert lea["alerts"][0]["text"] == "Arachides"


def test_present_entries_pairs_by_last_scan():
    assert present_entries(
        [(1, time(7), "entry"), (1, time(8), "exit"), (1, time(16), "entry")]
    ) == {1: time(16)}
