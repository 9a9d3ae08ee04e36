"""Specification of the attendance admin: devices and their tokens, the read-only scan history."""

from __future__ import annotations

import re

from django.urls import reverse
from tests import factories as f
from tests.api.conftest import Phone, new_device, scan

from regie.attendance.models import Device, ScanEvent
from regie.core.models import Role
from regie.core.tenancy import scope

TOKEN = re.compile(r"dev_[A-Za-z0-9_-]{40,}")


def shown_tokens(response) -> list[str]:
    return [m for message in response.context["messages"] for m in TOKEN.findall(str(message))]


def test_creating_a_device_shows_its_token_once(org_a, login):
    """The add form saves the device and shows its token in a message, once; it works at once."""
    client = login(org_a, Role.ADMINISTRATOR)
    response = client.post(
        reverse("admin:attendance_device_add"),
        {"name": "Tablette Centre", "is_active": "on"},
        follow=True,
    )
    (token,) = shown_tokens(response)
    with scope(org_a):
        device = Device.objects.get()
    assert device.name == "Tablette Centre" and device.token_hash == Device.hash_token(token)
    assert token not in client.get(reverse("admin:attendance_device_changelist")).content.decode()
    assert Phone(token).get("/api/v1/me").json()["device"]["name"] == "Tablette Centre"


def test_editing_a_device_keeps_its_token(org_a, login):
    """Renaming or deactivating a device shows no token and keeps the old one."""
    device, token = new_device(org_a)
    client = login(org_a, Role.ADMINISTRATOR)
    response = client.post(
        reverse("admin:attendance_device_change", args=[device.pk]),
        {"name": "Renommé"},
        follow=True,
    )
    assert shown_tokens(response) == []
    with scope(org_a):
        device.refresh_from_db()
    assert (device.name, device.is_active) == ("Renommé", False)
    assert Phone(token).get("/api/v1/me").json()["code"] == "api.device_inactive"


def test_the_new_token_action_replaces_the_tokens_of_the_selected_devices(org_a, login):
    """The action shows each new token once; the old tokens stop working."""
    (first, old_first), (second, old_second) = new_device(org_a, "Un"), new_device(org_a, "Deux")
    client = login(org_a, Role.ADMINISTRATOR)
    response = client.post(
        reverse("admin:attendance_device_changelist"),
        {"action": "new_token", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )
    tokens = shown_tokens(response)
    assert len(tokens) == 2 and not {old_first, old_second} & set(tokens)
    assert Phone(old_first).get("/api/v1/me").status_code == 401
    assert {Phone(t).get("/api/v1/me").json()["device"]["name"] for t in tokens} == {"Un", "Deux"}


def test_an_auditor_sees_devices_but_cannot_create_them_or_change_tokens(org_a, login):
    """Read-only roles list devices; adding and the token action are refused."""
    device, token = new_device(org_a)
    client = login(org_a, Role.AUDITOR)
    assert client.get(reverse("admin:attendance_device_changelist")).status_code == 200
    assert client.get(reverse("admin:attendance_device_add")).status_code == 403
    client.post(
        reverse("admin:attendance_device_changelist"),
        {"action": "new_token", "_selected_action": [device.pk]},
    )
    assert Phone(token).get("/api/v1/me").status_code == 200  # token unchanged


def test_scan_history_lists_and_filters_events_read_only(org_a, org_b, login):
    """The scan history lists A's events with filters; nothing can be added or changed."""
    with scope(org_a):
        evening = f.activity("Accueil du soir", "16:00", "18:00")
        lea, tom = f.child("Léa", "Lambert"), f.child("Tom", "Thiry")
    with scope(org_b):
        f.child("Zoé", "Zeller")
    _device, token = new_device(org_a, "Tablette Centre")
    Phone(token).send(
        scan(lea, evening.place, "2025-10-01T16:30", "exit"),
        scan(tom, evening.place, "2025-10-01T16:40", "entry"),
    )
    client = login(org_a, Role.ADMINISTRATOR)
    url = reverse("admin:attendance_scanevent_changelist")
    page = client.get(url).content.decode()
    assert "Lambert" in page and "Thiry" in page and "Tablette Centre" in page
    filtered = client.get(url, {"direction__exact": "exit"}).content.decode()
    assert "Lambert" in filtered and "Thiry" not in filtered
    assert "Lambert" in client.get(url, {"q": "lambert"}).content.decode()
    with scope(org_a):
        tom_id = ScanEvent.objects.get(child=tom).client_event_id
    by_id = client.get(url, {"q": str(tom_id)}).content.decode()
    assert "Thiry" in by_id and "Lambert" not in by_id
    assert client.get(reverse("admin:attendance_scanevent_add")).status_code == 403
    with scope(org_a):
        event = ScanEvent.objects.get(child=lea)
    change = reverse("admin:attendance_scanevent_change", args=[event.pk])
    client.post(change, {"direction": "entry", "active": ""})
    with scope(org_a):
        assert ScanEvent.objects.get(pk=event.pk).direction == "exit"
    delete = reverse("admin:attendance_scanevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    with scope(org_a):
        assert ScanEvent.objects.count() == 2
