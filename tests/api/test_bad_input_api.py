"""Bad input to the API is answered 4xx with a code and a clear message, never 500 (issue 13,
6 to 8): NUL characters, huge numbers, deep JSON, bodies over the limit, null items."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from tests import factories as f
from tests.api.conftest import scan
from tests.api.test_statements_api import Integration, api_user
from tests.payments import test_payment_services as spec

from regie.api import scans as scans_api
from regie.attendance.models import ScanEvent


def test_a_nul_in_a_token_rejects_that_scan_only(in_a, evening, phone):
    child = f.child()
    good = scan(child, evening.place, "2025-10-01T16:10", "entry")
    bad = scan(child, evening.place, "2025-10-01T16:20", "exit", token="abc\x00def")
    results = phone.send(good, bad)
    assert [r["status"] for r in results] == ["accepted", "rejected"]
    assert results[1]["code"] == "scan.unknown_token"
    assert ScanEvent.objects.count() == 1


def test_null_items_and_huge_ids_are_rejected_one_by_one(in_a, evening, phone):
    child = f.child()
    good = scan(child, evening.place, "2025-10-01T16:10", "entry")
    huge = scan(child, evening.place, "2025-10-01T16:20", "exit", person_id=10**30)
    far = scan(child, evening.place, "2025-10-01T16:30", "exit")
    far["place_id"] = -(10**30)
    results = phone.send(None, good, huge, far)
    assert [r["status"] for r in results] == ["rejected", "accepted", "rejected", "rejected"]
    assert [r["code"] for r in results] == [
        "scan.malformed_item",
        "",
        "scan.bad_value",
        "scan.bad_value",
    ]


def test_json_nested_very_deep_is_a_400(in_a, phone):
    response = phone.post("[" * 100_000 + "]" * 100_000)
    assert (response.status_code, response.json()["code"]) == (400, "api.bad_json")
    nested = '{"events": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert phone.post(nested).status_code == 400


def test_a_body_over_the_limit_is_a_413(in_a, phone, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = phone.post({"events": [{"token": "x" * 2000}]})
    assert (response.status_code, response.json()["code"]) == (413, "api.too_large")
    assert response.json()["message"]


@pytest.mark.parametrize(
    "query", ["offset=99999999999999999999999", "offset=-1", "limit=0", "limit=abc"]
)
def test_a_page_out_of_range_is_a_422(in_a, query):
    integration = Integration(api_user(in_a)[1])
    response = integration.get(f"/api/v1/statements?{query}")
    assert (response.status_code, response.json()["code"]) == (422, "api.invalid_request")


def test_a_huge_job_number_is_not_a_server_error(in_a):
    integration = Integration(api_user(in_a)[1])
    response = integration.get(f"/api/v1/jobs/{10**30}")
    assert response.status_code in (400, 404, 422) and response.json()["code"]


def test_a_latin1_file_name_is_still_a_file(in_a, django_capture_on_commit_callbacks):
    """A client encoding the file name in latin-1 (extrait-décembre.cod) still sends a file."""
    integration = Integration(api_user(in_a)[1])
    data = spec.coda(("2.00", ""))
    boundary = "XyZ"
    body = (
        f"--{boundary}\r\n".encode()
        + 'Content-Disposition: form-data; name="file"; filename="extrait-décembre.cod"\r\n'.encode(
            "latin-1"
        )
        + b"Content-Type: application/octet-stream\r\n\r\n"
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = integration.client.post(
            "/api/v1/statements",
            body,
            content_type=f"multipart/form-data; boundary={boundary}",
            **integration.headers,
        )
    assert response.status_code == 202, response.content


def test_with_debug_on_a_server_error_carries_no_traceback(in_a, phone, settings, monkeypatch):
    settings.DEBUG = True

    def broken(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(scans_api, "scan_events_record", broken)
    response = Client(raise_request_exception=False).post(
        "/api/v1/scans",
        json.dumps({"events": []}),
        content_type="application/json",
        **phone.headers,
    )
    assert response.status_code == 500
    assert response.json()["code"] == "api.server_error"
    text = response.content.decode()
    assert "Traceback" not in text and "secret" not in text
