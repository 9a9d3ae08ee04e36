"""The files API (DOMAIN §8): a service's system pushes, versions, cancels and reads its files.

Every refusal has its named reason; the same push twice is the same answer; another
organisation's service never sees the file (404); a token without the capability is 403.
"""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest
from django.test import Client
from tests.api.conftest import new_device
from tests.conftest import make_user
from tests.fees import builders as b

from regie.core.api_tokens import api_token_create
from regie.core.models import Role, User
from regie.core.tenancy import scope
from regie.fees.models import FileVersion, ServiceFile
from regie.fees.payments import file_pay_at_counter
from regie.fees.services import service_token_new
from regie.payments.models import Mode

FILES = "/api/v1/files"


def push_body(external_id: str = "OCC-2026-0042", days: str = "2", **changes) -> dict:
    """Worked example 13 as the permit system sends it: 2 days at 15.00."""
    body = {
        "external_id": external_id,
        "applicant": {key: value for key, value in asdict(b.applicant()).items() if value},
        "description": "Conteneur sur la voie publique, rue Haute 3",
        "date_from": "2026-05-04",
        "date_to": "2026-05-05",
        "lines": [{"label": "Conteneur, par jour", "quantity": days, "unit_price_cents": 1500}],
    }
    return body | changes


class System:
    """A service's software speaking to the API with its token."""

    def __init__(self, token: str, **headers) -> None:
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", **headers}

    def send(self, method: str, path: str, body=None, **headers):
        data = json.dumps(body) if body is not None else None
        call = getattr(self.client, method)
        kwargs = {"content_type": "application/json"} if data is not None else {}
        return call(path, data, **kwargs, **self.headers, **headers)

    def push(self, body=None, **headers):
        return self.send("post", FILES, body or push_body(), **headers)


def system_of(org, name: str = "Occupation du domaine public") -> tuple[System, object]:
    with scope(org):
        service = b.service(name)
        token = service_token_new(service=service)
    return System(token), service


@pytest.fixture
def permits(org_a) -> System:
    return system_of(org_a)[0]


def test_a_pushed_file_is_answered_with_its_state_amount_communication_and_link(permits):
    response = permits.push()
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["state"] == "awaiting_payment"
    assert (answer["amount_cents"], answer["amount"], answer["version"]) == (3000, "30,00 €", 1)
    assert answer["communication"].startswith("+++105/")
    assert answer["payment_url"].startswith("http://testserver/pay/")
    page = Client().get(answer["payment_url"])
    assert page.status_code == 200 and "30,00 €" in page.content.decode()


def test_the_same_push_twice_is_the_same_answer_and_changes_nothing(permits, org_a):
    first = permits.push()
    again = permits.push()
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    with scope(org_a):
        assert FileVersion.objects.count() == 1


def test_a_different_file_under_a_known_id_is_refused(permits):
    permits.push()
    response = permits.push(push_body(days="3"))
    assert response.status_code == 409
    assert response.json()["code"] == "fees.file_exists"


def test_a_new_version_replaces_the_amount_with_a_new_communication(permits):
    first = permits.push().json()
    body = push_body(days="3")
    del body["external_id"]
    response = permits.send("put", f"{FILES}/OCC-2026-0042", body)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert (answer["version"], answer["amount_cents"]) == (2, 4500)
    assert answer["communication"] != first["communication"]
    assert permits.send("put", f"{FILES}/OCC-2026-0042", body).json() == answer


def test_a_new_version_of_an_unknown_file_is_404(permits):
    body = push_body()
    del body["external_id"]
    response = permits.send("put", f"{FILES}/NOPE", body)
    assert (response.status_code, response.json()["code"]) == (404, "fees.unknown_file")


def test_a_new_version_after_payment_or_cancellation_is_refused_with_its_reason(permits, org_a):
    permits.push(push_body("PAID"))
    permits.push(push_body("GONE"))
    with scope(org_a):
        file_pay_at_counter(file=ServiceFile.objects.get(external_id="PAID"), mode=Mode.CARD)
    assert permits.send("post", f"{FILES}/GONE/cancel").status_code == 200
    body = push_body(days="9")
    del body["external_id"]
    for external_id, code in (("PAID", "version_after_payment"), ("GONE", "version_after_cancel")):
        response = permits.send("put", f"{FILES}/{external_id}", body)
        assert (response.status_code, response.json()["code"]) == (409, f"fees.{code}")


def test_cancelling_twice_is_the_same_answer_and_a_paid_file_is_refused(permits, org_a):
    permits.push(push_body("A"))
    first = permits.send("post", f"{FILES}/A/cancel")
    again = permits.send("post", f"{FILES}/A/cancel")
    assert first.json() == again.json() and first.json()["state"] == "cancelled"
    permits.push(push_body("B"))
    with scope(org_a):
        file_pay_at_counter(file=ServiceFile.objects.get(external_id="B"), mode=Mode.CASH)
    response = permits.send("post", f"{FILES}/B/cancel")
    assert (response.status_code, response.json()["code"]) == (409, "fees.cancel_paid")


def test_reading_a_file_gives_its_state(permits, org_a):
    permits.push()
    with scope(org_a):
        file_pay_at_counter(file=ServiceFile.objects.get(), mode=Mode.CARD)
    answer = permits.send("get", f"{FILES}/OCC-2026-0042").json()
    assert answer["state"] == "paid" and answer["paid_at"]


def test_another_organisations_service_does_not_see_the_file(permits, org_b):
    permits.push()
    theirs, _ = system_of(org_b)
    for method, path in (("get", "OCC-2026-0042"), ("post", "OCC-2026-0042/cancel")):
        response = theirs.send(method, f"{FILES}/{path}")
        assert (response.status_code, response.json()["code"]) == (404, "fees.unknown_file")


def test_another_service_of_the_same_organisation_does_not_see_it_either(permits, org_a):
    permits.push()
    events, _ = system_of(org_a, "Événements")
    assert events.send("get", f"{FILES}/OCC-2026-0042").status_code == 404


def tokens_without_the_capability(org) -> list[tuple[str, str]]:
    """A device's token and a finance officer's API token of ``org``, each with the code that
    refuses it a push."""
    _device, device_token = new_device(org)
    make_user("compta", org, Role.FINANCE)
    _token, user_token = api_token_create(
        user=User.objects.get(username="compta"), organisation=org, name="compta"
    )
    return [(device_token, "api.device_refused"), (user_token, "api.service_token_required")]


def test_tokens_without_the_capability_are_refused(permits, org_a):
    for token, code in tokens_without_the_capability(org_a):
        response = System(token).push()
        assert (response.status_code, response.json()["code"]) == (403, code)
    for path in ("/api/v1/places", "/api/v1/statements"):
        response = permits.send("get", path)
        assert (response.status_code, response.json()["code"]) == (403, "api.service_refused")


def test_an_unknown_or_deactivated_service_token_is_refused(org_a):
    system, service = system_of(org_a)
    assert System("svc_nope").push().status_code == 401
    with scope(org_a):
        service.is_active = False
        service.save()
    response = system.push()
    assert (response.status_code, response.json()["code"]) == (403, "api.service_inactive")


@pytest.mark.parametrize(
    "change, status, code",
    [
        (
            {"lines": [{"label": "x", "quantity": "1", "unit_price_cents": 100, "vat_rate": "5"}]},
            400,
            "fees.line_vat_rate",
        ),
        ({"lines": []}, 422, "api.invalid_request"),
        (
            {"lines": [{"label": "x", "quantity": "0", "unit_price_cents": 100}]},
            422,
            "api.invalid_request",
        ),
        ({"external_id": "a/b"}, 422, "api.invalid_request"),
        ({"date_from": "2026-05-06"}, 400, "fees.dates_reversed"),
        ({"way": "later"}, 422, "api.invalid_request"),
    ],
)
def test_a_bad_push_is_refused_with_a_named_reason(permits, org_a, change, status, code):
    response = permits.push(push_body(**change))
    assert (response.status_code, response.json()["code"]) == (status, code)
    with scope(org_a):
        assert not ServiceFile.objects.exists()


def test_a_bad_enterprise_number_is_refused_in_the_requests_language(permits):
    body = push_body()
    body["applicant"] = {
        "last_name": "Dubois SRL",
        "enterprise_number": "0207.451.228",
        "email": "info@dubois.be",
    }
    response = permits.push(body, HTTP_ACCEPT_LANGUAGE="nl")
    assert (response.status_code, response.json()["code"]) == (
        400,
        "fees.applicant_enterprise_number",
    )
    assert "ondernemingsnummer" in response.json()["message"]


def test_the_files_operations_are_in_the_openapi_schema(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"post", "put", "get"} <= set(paths["/api/v1/files"]) | set(
        paths["/api/v1/files/{external_id}"]
    )
    assert "409" in paths["/api/v1/files"]["post"]["responses"]
