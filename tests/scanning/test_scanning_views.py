"""The app shell, its service worker and manifest; pairing a phone as a scanning device."""

from __future__ import annotations

import json
import re

import pytest
from tests.api.conftest import Phone, new_device

from regie.core.models import Role

pytestmark = pytest.mark.django_db


def test_the_shell_is_served_without_data_and_with_its_texts(client):
    shell = client.get("/scan/")
    assert shell.status_code == 200
    assert shell["Cache-Control"] == "no-cache"
    html = shell.content.decode()
    texts = json.loads(re.search(r'id="texts" type="application/json">(.*?)</script>', html)[1])
    assert texts["pending_none"] == "Toutes les lectures sont envoyées"
    assert "<script>" not in html and " on" + "click=" not in html  # no inline script
    assert 'rel="manifest"' in html


def test_the_service_worker_is_scoped_to_the_app_and_precaches_the_shell(client):
    worker = client.get("/scan/sw.js")
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/scan/"
    body = worker.content.decode()
    assert '"/static/scanning/app.js"' in body and "regie-scan-" in body
    assert "jsQR.js" not in body  # kept when first fetched, not with the first load


def test_the_manifest_makes_the_app_installable(client):
    manifest = client.get("/scan/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    data = manifest.json()
    assert data["start_url"] == data["scope"] == "/scan/"
    assert data["display"] == "standalone"
    assert {icon["sizes"] for icon in data["icons"]} >= {"192x192", "512x512"}


def test_an_administrator_pairs_a_phone_with_a_new_token_as_qr_code(org_a, login):
    device, old_token = new_device(org_a, "Téléphone du Centre")
    client = login(org_a, Role.ADMINISTRATOR)
    assert "Téléphone du Centre" in client.get("/scan/devices/").content.decode()
    page = client.post(f"/scan/devices/{device.pk}/pair/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html
    new_token = re.search(r"#device=(dev_[\w-]+)", html)[1]
    assert Phone(new_token).get("/api/v1/me").json()["device"]["name"] == "Téléphone du Centre"
    assert Phone(old_token).get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("role", [Role.STAFF, Role.COORDINATOR, Role.AUDITOR])
def test_only_an_administrator_pairs_phones(org_a, login, role):
    device, token = new_device(org_a)
    client = login(org_a, role)
    assert client.get("/scan/devices/").status_code == 403
    assert client.post(f"/scan/devices/{device.pk}/pair/").status_code == 403
    assert Phone(token).get("/api/v1/me").status_code == 200
