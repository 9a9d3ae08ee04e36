"""``POST /api/v1/files/batch``: many files pushed at once, each answered as a single push.

Every file is created, unchanged (pushed before) or refused with the reason and status it
would get alone; a refused file never loses the others; the same batch twice changes nothing;
another organisation's files are never touched; tokens that may not push are refused.
"""

from __future__ import annotations

import pytest
from django.db import DataError, IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from tests.api.test_files_api import (
    FILES,
    System,
    push_body,
    system_of,
    tokens_without_the_capability,
)

from regie.core.tenancy import scope
from regie.documents.models import Sending
from regie.fees import batch, requests
from regie.fees.batch import MAX_FILES
from regie.fees.documents import PAYMENT_REQUEST
from regie.fees.models import FileVersion, ServiceFile
from regie.people.models import Person

BATCH = f"{FILES}/batch"


def push_batch(system: System, bodies: list, **headers):
    return system.send("post", BATCH, {"files": bodies}, **headers)


@pytest.fixture
def permits(org_a) -> System:
    return system_of(org_a)[0]


def _bodies(count: int, start: int = 1) -> list[dict]:
    return [push_body(f"OCC-{n}", days=str(n % 3 + 1)) for n in range(start, start + count)]


def test_a_batch_creates_each_file_as_a_single_push_would(permits, org_a):
    bodies = _bodies(3) + [push_body("OCC-LATER", way="afterwards")]
    response = push_batch(permits, bodies)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert (answer["created"], answer["unchanged"], answer["refused"]) == (4, 0, 0)
    results = answer["results"]
    assert [(r["index"], r["external_id"], r["status"], r["http_status"]) for r in results] == [
        (0, "OCC-1", "created", 201),
        (1, "OCC-2", "created", 201),
        (2, "OCC-3", "created", 201),
        (3, "OCC-LATER", "created", 201),
    ]
    assert [r["file"]["amount_cents"] for r in results] == [3000, 4500, 1500, 3000]
    assert results[0]["file"]["payment_url"].startswith("http://testserver/pay/")
    assert results[3]["file"]["payment_url"] is None
    alone = permits.send("get", f"{FILES}/OCC-2").json()
    assert results[1]["file"] == alone  # the same answer as reading the file
    with scope(org_a):
        files = {f.external_id: f for f in ServiceFile.objects.all()}
        assert len({f.communication for f in files.values()}) == 4
        assert Person.objects.count() == 1  # one applicant, registered once
        assert files["OCC-LATER"].state == "to_invoice"
        # One payment request per file paid in advance, queued once.
        versions = FileVersion.objects.filter(file__way="advance").values_list("pk", flat=True)
        requests = Sending.objects.filter(kind=PAYMENT_REQUEST)
        assert sorted(requests.values_list("document_id", flat=True)) == sorted(versions)


def test_the_same_batch_twice_changes_nothing_and_answers_the_same_files(permits, org_a):
    bodies = _bodies(3)
    first = push_batch(permits, bodies).json()
    with scope(org_a):
        written = (FileVersion.objects.count(), Sending.objects.count(), Person.objects.count())
    again = push_batch(permits, bodies).json()
    assert (again["created"], again["unchanged"], again["refused"]) == (0, 3, 0)
    assert [r["http_status"] for r in again["results"]] == [200, 200, 200]
    assert [r["file"] for r in again["results"]] == [r["file"] for r in first["results"]]
    with scope(org_a):
        assert (
            FileVersion.objects.count(),
            Sending.objects.count(),
            Person.objects.count(),
        ) == written


def test_a_refused_file_never_loses_the_others(permits, org_a):
    assert permits.push(push_body("OCC-KNOWN")).status_code == 201
    no_lines = push_body("OCC-NO-LINES", lines=[])
    reversed_dates = push_body("OCC-DATES", date_from="2026-05-06")
    bad_company = push_body("OCC-COMPANY")
    bad_company["applicant"] = {"last_name": "Dubois SRL", "enterprise_number": "0207.451.228"}
    bodies = [
        push_body("OCC-1"),
        no_lines,
        "not a file",
        reversed_dates,
        push_body("OCC-KNOWN", days="5"),  # a different file under a known id
        bad_company,
        push_body("OCC-KNOWN"),  # the known file pushed again
        push_body("OCC-2"),
    ]
    answer = push_batch(permits, bodies).json()
    outcomes = [
        (r["external_id"], r["status"], r["http_status"], r["code"]) for r in answer["results"]
    ]
    assert outcomes == [
        ("OCC-1", "created", 201, ""),
        ("OCC-NO-LINES", "refused", 422, "api.invalid_request"),
        (None, "refused", 422, "api.invalid_request"),
        ("OCC-DATES", "refused", 400, "fees.dates_reversed"),
        ("OCC-KNOWN", "refused", 409, "fees.file_exists"),
        ("OCC-COMPANY", "refused", 400, "fees.applicant_enterprise_number"),
        ("OCC-KNOWN", "unchanged", 200, ""),
        ("OCC-2", "created", 201, ""),
    ]
    assert answer["results"][1]["detail"][0]["loc"] == ["lines"]
    assert all(r["message"] for r in answer["results"] if r["status"] == "refused")
    assert (answer["created"], answer["unchanged"], answer["refused"]) == (2, 1, 5)
    with scope(org_a):
        assert set(ServiceFile.objects.values_list("external_id", flat=True)) == {
            "OCC-KNOWN",
            "OCC-1",
            "OCC-2",
        }
        assert ServiceFile.objects.get(external_id="OCC-KNOWN").amount_cents == 3000


def test_a_refusal_is_answered_in_the_requests_language(permits):
    body = push_body("OCC-DATES", date_from="2026-05-06")
    result = push_batch(permits, [body], HTTP_ACCEPT_LANGUAGE="nl").json()["results"][0]
    assert result["code"] == "fees.dates_reversed"
    english = push_batch(permits, [body], HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
    assert result["message"] != english["message"]


def test_an_id_twice_in_a_batch_is_pushed_twice_in_order(permits, org_a):
    bodies = [push_body("OCC-1"), push_body("OCC-1"), push_body("OCC-1", days="4")]
    results = push_batch(permits, bodies).json()["results"]
    assert [(r["status"], r["http_status"], r["code"]) for r in results] == [
        ("created", 201, ""),
        ("unchanged", 200, ""),
        ("refused", 409, "fees.file_exists"),
    ]
    with scope(org_a):
        assert FileVersion.objects.count() == 1


def test_applicants_are_found_as_a_single_push_finds_them(permits, org_a):
    with scope(org_a):
        known = Person.objects.create(last_name="Lambert", email="JULIE.LAMBERT@example.be")
        company = Person.objects.create(last_name="Dubois SRL", enterprise_number="0403170701")
    by_company = push_body("OCC-2")
    by_company["applicant"] = {
        "last_name": "Dubois",
        "enterprise_number": "BE 0403.170.701",
        "email": "julie.lambert@example.be",  # the enterprise number comes first
    }
    newcomer = push_body("OCC-3")
    newcomer["applicant"] = {"last_name": "Neuf", "email": "neuf@example.be"}
    newcomer_again = push_body("OCC-4")
    newcomer_again["applicant"] = {"last_name": "Neuf", "email": "NEUF@example.be"}
    results = push_batch(permits, [push_body("OCC-1"), by_company, newcomer, newcomer_again])
    assert [r["status"] for r in results.json()["results"]] == ["created"] * 4
    with scope(org_a):
        people = dict(ServiceFile.objects.values_list("external_id", "person_id"))
        registered = Person.objects.get(last_name="Neuf")
        assert people == {
            "OCC-1": known.pk,
            "OCC-2": company.pk,
            "OCC-3": registered.pk,
            "OCC-4": registered.pk,
        }


def test_a_batch_racing_another_push_falls_back_to_one_by_one(permits, org_a, monkeypatch):
    """A file written meanwhile by another request fails the grouped writes: the savepoint is
    rolled back and every file pushed alone, nothing written twice."""
    grouped = batch._grouped

    def racing(service, items):
        grouped(service, items)
        raise IntegrityError("servicefile_unique_external_id")

    monkeypatch.setattr(batch, "_grouped", racing)
    answer = push_batch(permits, _bodies(2) + [push_body("OCC-1", days="9")]).json()
    assert [(r["status"], r["code"]) for r in answer["results"]] == [
        ("created", ""),
        ("created", ""),
        ("refused", "fees.file_exists"),
    ]
    with scope(org_a):
        assert ServiceFile.objects.count() == 2
        assert Sending.objects.count() == 2 and Person.objects.count() == 1


def test_a_batch_costs_the_same_statements_whatever_its_size(permits):
    """Known applicants: the files, versions, lines and payment requests are written together,
    so ten more files cost no more statements."""
    assert push_batch(permits, _bodies(1, start=100)).status_code == 200  # warm-up
    counts = []
    for start, count in ((1, 10), (20, 20)):
        with CaptureQueriesContext(connection) as captured:
            answer = push_batch(permits, _bodies(count, start=start)).json()
        assert answer["created"] == count
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1] <= 14, counts


def test_a_batch_too_large_is_refused_whole(permits, org_a):
    response = push_batch(permits, _bodies(MAX_FILES + 1))
    assert (response.status_code, response.json()["code"]) == (400, "fees.batch_too_large")
    with scope(org_a):
        assert not ServiceFile.objects.exists()


@pytest.mark.parametrize(
    "body, code",
    [
        (b"{not json", "api.bad_json"),
        (b'{"events": []}', "api.bad_files_batch"),
        (b"[]", "api.bad_files_batch"),
        (b'{"files": {"external_id": "x"}}', "api.bad_files_batch"),
    ],
)
def test_a_body_that_is_no_batch_is_refused(permits, body, code):
    response = permits.client.post(BATCH, body, content_type="application/json", **permits.headers)
    assert (response.status_code, response.json()["code"]) == (400, code)


def test_an_empty_batch_pushes_nothing(permits):
    assert push_batch(permits, []).json() == {
        "created": 0,
        "unchanged": 0,
        "refused": 0,
        "results": [],
    }


def test_another_organisations_batch_never_touches_its_files(permits, org_a, org_b):
    assert permits.push(push_body("OCC-1")).status_code == 201
    theirs, _ = system_of(org_b)
    answer = push_batch(theirs, [push_body("OCC-1", days="7")]).json()
    assert answer["results"][0]["status"] == "created"  # their own file of the same id
    assert theirs.send("get", f"{FILES}/OCC-2").status_code == 404
    with scope(org_a):
        assert ServiceFile.objects.get().amount_cents == 3000
        assert Person.objects.count() == 1
    with scope(org_b):
        file = ServiceFile.objects.get()
        assert (file.amount_cents, file.person.organisation_id) == (10500, org_b.pk)
    # org_a's file stays unknown to org_b's service.
    response = theirs.send("get", f"{FILES}/OCC-1")
    assert response.json()["amount_cents"] == 10500


def test_tokens_without_the_capability_are_refused(permits, org_a):
    for token, code in tokens_without_the_capability(org_a):
        response = push_batch(System(token), _bodies(1))
        assert (response.status_code, response.json()["code"]) == (403, code)
    assert push_batch(System("svc_nope"), _bodies(1)).status_code == 401
    with scope(org_a):
        assert not ServiceFile.objects.exists()


def test_a_deactivated_service_is_refused(org_a):
    system, service = system_of(org_a)
    with scope(org_a):
        service.is_active = False
        service.save()
    response = push_batch(system, _bodies(1))
    assert (response.status_code, response.json()["code"]) == (403, "api.service_inactive")


def test_the_batch_is_in_the_openapi_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/files/batch"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["files"]["maxItems"] == MAX_FILES
    assert body["properties"]["files"]["items"]["$ref"] == "#/components/schemas/FileIn"
    assert "FileIn" in schema["components"]["schemas"]


def test_a_batchs_payment_requests_are_sent_once_each_by_tasks_of_fifty(
    permits, org_a, monkeypatch, django_capture_on_commit_callbacks, mailoutbox
):
    sent = []
    task = requests.request_send_task

    class Recording:
        def enqueue(self, **kwargs):
            sent.append(len(kwargs["sending_ids"]))
            return task.enqueue(**kwargs)

    monkeypatch.setattr(requests, "request_send_task", Recording())
    with django_capture_on_commit_callbacks(execute=True):
        answer = push_batch(permits, _bodies(60)).json()
    assert answer["created"] == 60
    assert sent == [requests.SENDINGS_PER_TASK, 10]
    assert len(mailoutbox) == 60
    assert len({message.attachments[0][0] for message in mailoutbox}) == 60


def test_the_id_batch_is_refused_since_its_path_is_the_batches(permits, org_a):
    response = permits.push(push_body("batch"))
    assert (response.status_code, response.json()["code"]) == (422, "api.invalid_request")
    result = push_batch(permits, [push_body("batch"), push_body("Batch")]).json()["results"]
    assert [(r["status"], r["http_status"]) for r in result] == [
        ("refused", 422),
        ("created", 201),
    ]
    assert result[0]["detail"][0]["loc"] == ["external_id"]
    with scope(org_a):
        assert list(ServiceFile.objects.values_list("external_id", flat=True)) == ["Batch"]


def test_a_nul_character_is_refused_in_its_file_only(permits, org_a):
    """PostgreSQL's text cannot hold one: refused before anything is written, so that it
    never fails the batch's writes."""
    nul = push_body("OCC-NUL", description="Conteneur\x00")
    answer = push_batch(permits, [push_body("OCC-1"), nul]).json()
    assert [(r["status"], r["http_status"], r["code"]) for r in answer["results"]] == [
        ("created", 201, ""),
        ("refused", 400, "request.nul"),
    ]
    response = permits.push(nul)
    assert (response.status_code, response.json()["code"]) == (400, "request.nul")
    with scope(org_a):
        assert list(ServiceFile.objects.values_list("external_id", flat=True)) == ["OCC-1"]


def test_a_value_the_database_refuses_is_its_files_refusal_only(permits, org_a, monkeypatch):
    """A value the database refuses fails the grouped writes: the files are then pushed one by
    one, and the one refused answers as a single push would (400), the others created."""
    push = batch.file_push

    def refusing(*, service, data, new_version=False):
        if data.external_id == "OCC-2":
            raise DataError("value out of range")
        return push(service=service, data=data, new_version=new_version)

    def failing(service, items):
        raise DataError("value out of range")

    monkeypatch.setattr(batch, "_grouped", failing)
    monkeypatch.setattr(batch, "file_push", refusing)
    answer = push_batch(permits, _bodies(3)).json()
    assert [(r["status"], r["http_status"], r["code"]) for r in answer["results"]] == [
        ("created", 201, ""),
        ("refused", 400, "request.number_too_large"),
        ("created", 201, ""),
    ]
    with scope(org_a):
        assert sorted(ServiceFile.objects.values_list("external_id", flat=True)) == [
            "OCC-1",
            "OCC-3",
        ]


def test_an_id_first_pushed_alone_is_still_pushed_first(permits, org_a):
    """A file taken alone (an e-mail address that is not ASCII) and a later push of the same
    id keep their order: the first is created, the second compared with it."""
    first = push_body("OCC-1")
    first["applicant"]["email"] = "helene@exämple.be"
    second = push_body("OCC-1", days="5")
    results = push_batch(permits, [first, second]).json()["results"]
    assert [(r["status"], r["code"]) for r in results] == [
        ("created", ""),
        ("refused", "fees.file_exists"),
    ]
    with scope(org_a):
        assert ServiceFile.objects.get().amount_cents == 3000
