"""Fixtures of the API tests: a phone of organisation A with its token, places, activities."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client
from tests import factories as f

from regie.attendance.models import Device
from regie.core.tenancy import scope

SCANS_URL = "/api/v1/scans"


def scan(child, place, at: str, direction: str, **extra) -> dict:
    """Return one scan item as a phone sends it (``at`` like ``2025-10-01T16:04``)."""
    return {
        "client_event_id": str(uuid.uuid4()),
        "token": child.scan_token,
        "place_id": place.pk,
        "at": at,
        "direction": direction,
        **extra,
    }


def new_device(org, name: str = "Téléphone de l'accueil", active: bool = True):
    """Create a device of ``org``; return it with its secret token."""
    with scope(org):
        device = Device(name=name, is_active=active)
        token = device.new_token()
        device.save()
    return device, token


class Phone:
    """A test client speaking to the API with a device token."""

    def __init__(self, token: str, **headers) -> None:
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", **headers}

    def post(self, body, **headers):
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return self.client.post(
            SCANS_URL, data, content_type="application/json", **self.headers, **headers
        )

    def send(self, *events) -> list[dict]:
        """Post a batch; return the per-event results (the answer must be 200)."""
        response = self.post({"events": list(events)})
        assert response.status_code == 200, response.content
        return response.json()["results"]

    def get(self, path: str, **headers):
        return self.client.get(path, **self.headers, **headers)


@pytest.fixture
def phone(org_a) -> Phone:
    """A phone of organisation A (active device)."""
    _device, token = new_device(org_a)
    return Phone(token)


@pytest.fixture
def evening(in_a):
    """Evening care 16:00–18:00 at "École du Centre", every day of the school year."""
    return f.activity("Accueil du soir", "16:00", "18:00")
