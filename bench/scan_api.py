"""Benchmark: phones sending scans through the real API endpoint (POST /api/v1/scans).

Prepare (not timed): the large commune's registry (18,000 children), a place with morning
care (07:00–08:30) and evening care (15:30–18:00) at every school site, a device and its token,
and the scans of the first school days of October 2026: each child is scanned in and out at
its site's place, in the morning (about 1 in 5) and the evening (about 1 in 3); one scan in 50
falls outside the windows (a warning). Measure: post them as JSON batches of 500 with the
device's token through Django's test client (URL routing, middleware, authentication, item
validation, the service, JSON answers; no network), and check every scan is accepted.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid

SCANS = 50_000
BATCH = 500
FIRST_DAY = dt.date(2026, 10, 1)
SEED = 1
WINDOWS = {"morning": ("07:00", "08:30", 0.2), "evening": ("15:30", "18:00", 0.33)}


def prepare() -> dict:
    """Return the device token and the JSON bodies of the batches to post."""
    from bench.operations import _empty_commune, registry_load_measure
    from regie.core.tenancy import scope
    from regie.people.models import Child

    org = _empty_commune()
    registry_load_measure(org)
    with scope(org):
        place_of_site = _places_and_activities()
        token = _device_token()
        children = [
            (token_, place_of_site[site_id])
            for token_, site_id in Child.objects.filter(site__isnull=False)
            .order_by("pk")
            .values_list("scan_token", "site_id")
        ]
    scans = _scans(children, random.Random(SEED))
    bodies = [json.dumps({"events": scans[i : i + BATCH]}) for i in range(0, len(scans), BATCH)]
    return {"token": token, "bodies": bodies, "scans": len(scans)}


def measure(state: dict) -> int:
    """Post every batch; return the number of scans the API accepted."""
    from django.test import Client

    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {state['token']}")
    accepted = 0
    for body in state["bodies"]:
        response = client.post("/api/v1/scans", body, content_type="application/json")
        assert response.status_code == 200, response.content[:500]
        accepted += response.json()["accepted"]
    assert accepted == state["scans"], (accepted, state["scans"])
    return accepted


def _places_and_activities() -> dict[int, int]:
    from regie.activities.models import Activity, ActivityCategory, Place
    from regie.people.models import SchoolSite

    care = ActivityCategory.objects.create(name="Accueil", code="accueil")
    place_of_site = {}
    for site in SchoolSite.objects.order_by("pk"):
        place = Place.objects.create(name=f"Accueil {site.name}", site=site)
        place_of_site[site.pk] = place.pk
        for name, (start, end, _share) in WINDOWS.items():
            Activity.objects.create(
                name=f"Accueil {name}",
                category=care,
                place=place,
                date_from=dt.date(2026, 9, 1),
                date_to=dt.date(2027, 6, 30),
                weekdays=[0, 1, 2, 3, 4],
                start_time=dt.time.fromisoformat(start),
                end_time=dt.time.fromisoformat(end),
            )
    return place_of_site


def _device_token() -> str:
    from regie.attendance.models import Device

    device = Device(name="Banc d'essai")
    token = device.new_token()
    device.save()
    return token


def _scans(children: list[tuple[str, int]], rng: random.Random) -> list[dict]:
    """Return SCANS scans: entry/exit pairs, school day by school day from FIRST_DAY."""
    scans: list[dict] = []
    day = FIRST_DAY
    while len(scans) < SCANS:
        if day.weekday() < 5:
            for start, end, share in WINDOWS.values():
                for token, place_id in children:
                    if rng.random() < share:
                        scans += _pair(rng, token, place_id, day, start, end)
        day += dt.timedelta(days=1)
    return scans[:SCANS]


def _pair(rng, token: str, place_id: int, day: dt.date, start: str, end: str) -> list[dict]:
    first = dt.datetime.combine(day, dt.time.fromisoformat(start))
    last = dt.datetime.combine(day, dt.time.fromisoformat(end))
    minutes = int((last - first).total_seconds() // 60)
    entry = first + dt.timedelta(minutes=rng.randrange(minutes // 2))
    exit_ = entry + dt.timedelta(minutes=rng.randrange(1, minutes // 2))
    if rng.random() < 0.02:
        exit_ = last + dt.timedelta(minutes=rng.randrange(5, 60))  # late pick-up: warning
    return [
        {
            "client_event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "token": token,
            "place_id": place_id,
            "at": moment.strftime("%Y-%m-%dT%H:%M"),
            "direction": direction,
        }
        for moment, direction in ((entry, "entry"), (exit_, "exit"))
    ]
