"""Specification of bank statement imports through the API (issue 6).

A finance integration (an accounting system, a bank connector) authenticates with its user's
API token and acts with that user's current role. ``POST /statements`` checks the file at once
and starts the back-office's background import; ``GET /jobs/{id}`` reports it. Importing is
idempotent: the same file twice imports nothing, an overlapping file only its new movements,
and a statement that does not follow the previous one is flagged.
"""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from tests.api.conftest import new_device
from tests.conftest import make_user
from tests.payments import test_payment_services as spec

from regie.api import statements as statements_api
from regie.core.api_tokens import api_token_create, api_token_revoke
from regie.core.errors import DomainError
from regie.core.jobs import job_run, job_start
from regie.core.models import ApiToken, Job, Membership, Role
from regie.core.tenancy import scope
from regie.payments.models import BankAccount, BankMovement, BankStatement, Payment, StatementFile
from regie.payments.statement_check import check_data
from regie.payments.tasks import KIND_IMPORT, statements_import_task

URL = "/api/v1/statements"
NOT_CODA = b"0000001010000000000000000000000000000000000000000000000000000000\r\n"

invoices = spec.invoices  # Anne Dupont's posted invoices in A: October 2.00, November 0.50


class Integration:
    """A client of the API with ``Authorization: Bearer <secret>``."""

    def __init__(self, secret: str, **headers) -> None:
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}", **headers}

    def upload(self, data: bytes, name: str = "extrait.cod", **headers):
        file = SimpleUploadedFile(name, data)
        return self.client.post(URL, {"file": file}, **self.headers, **headers)

    def get(self, path: str, **headers):
        return self.client.get(path, **self.headers, **headers)


def api_user(org, role=Role.FINANCE, username=None, language="fr") -> tuple[ApiToken, str]:
    """Create a user with ``role`` in ``org`` and an API token; return it with its secret."""
    user = make_user(username or f"{role}-{org.pk}-api", org, role)
    user.language = language
    user.save()
    return api_token_create(user=user, organisation=org, name="Comptabilité")


@pytest.fixture
def finance(org_a) -> Integration:
    """The accounting system of organisation A, with a finance officer's token."""
    return Integration(api_user(org_a)[1])


def imported(integration, data, capture, name="extrait.cod", **headers) -> dict:
    """Upload a file, run its job at once as the worker would, and return the job's answer."""
    with capture(execute=True):
        response = integration.upload(data, name, **headers)
    assert response.status_code == 202, response.content
    started = response.json()
    assert response["Location"] == started["url"] == f"/api/v1/jobs/{started['id']}"
    polled = integration.get(started["url"], **headers)
    assert polled.status_code == 200, polled.content
    return polled.json()


@pytest.fixture
def send(finance, django_capture_on_commit_callbacks):
    """Return a function importing a file as A's accounting system; it returns the job."""

    def _send(data: bytes, name: str = "extrait.cod", **headers) -> dict:
        return imported(finance, data, django_capture_on_commit_callbacks, name, **headers)

    return _send


# Authentication and roles


def test_without_credentials_the_import_is_401(in_a):
    response = Client().post(URL, {"file": SimpleUploadedFile("a.cod", spec.coda(("1.00", "")))})
    assert response.status_code == 401
    assert response.json()["code"] == "api.unauthenticated"
    assert Client().get(URL).status_code == 401
    assert not Job.objects.exists()


def test_a_device_token_cannot_import_or_read_statements(in_a, org_a):
    _device, secret = new_device(org_a)
    phone = Integration(secret)
    response = phone.upload(spec.coda(("1.00", "")))
    assert response.status_code == 403
    assert response.json()["code"] == "api.device_refused"
    assert phone.get(URL).status_code == 403
    assert not Job.objects.exists() and not StatementFile.objects.exists()


@pytest.mark.parametrize("role", [Role.STAFF, Role.COORDINATOR, Role.AUDITOR])
def test_a_token_whose_role_does_not_import_is_refused(in_a, org_a, role):
    """Childcare staff, coordinators and auditors may not import; auditors and coordinators
    may read the imported files, childcare staff may not."""
    integration = Integration(api_user(org_a, role)[1])
    response = integration.upload(spec.coda(("1.00", "")))
    assert response.status_code == 403
    assert response.json()["code"] == "api.role_refused"
    assert integration.get(URL).status_code == (403 if role == Role.STAFF else 200)
    assert not Job.objects.exists()


def test_a_childcare_session_is_refused_and_a_finance_session_imports(
    invoices, org_a, login, django_capture_on_commit_callbacks
):
    staff = login(org_a, Role.STAFF)
    file = SimpleUploadedFile("a.cod", spec.coda(("2.00", invoices[1][0].communication)))
    assert staff.post(URL, {"file": file}).status_code == 403
    staff.logout()
    session = login(org_a, Role.FINANCE, username="compta")
    with django_capture_on_commit_callbacks(execute=True):
        file.seek(0)
        response = session.post(URL, {"file": file})
    assert response.status_code == 202, response.content
    job = session.get(response.json()["url"]).json()
    assert job["status"] == "done" and job["result"]["counts"]["accepted"] == 1
    assert job["result"]["file"]["imported_by"] == "compta"


def test_unknown_revoked_and_orphaned_tokens_are_refused(in_a, org_a):
    assert Integration("api_not-a-token").get(URL).json()["code"] == "api.bad_token"
    token, secret = api_user(org_a)
    integration = Integration(secret)
    assert integration.get(URL).status_code == 200
    Membership.objects.filter(user=token.user).update(is_active=False)
    orphaned = integration.get(URL)
    assert (orphaned.status_code, orphaned.json()["code"]) == (401, "api.token_owner_inactive")
    Membership.objects.filter(user=token.user).update(is_active=True)
    api_token_revoke(token)
    revoked = integration.get(URL)
    assert (revoked.status_code, revoked.json()["code"]) == (401, "api.token_revoked")


def test_a_token_acts_with_its_users_current_role(in_a, org_a):
    """Demoting the user takes the import away from the token at once."""
    token, secret = api_user(org_a)
    Membership.objects.filter(user=token.user).update(role=Role.STAFF)
    assert Integration(secret).upload(spec.coda(("1.00", ""))).status_code == 403
    me = Integration(secret).get("/api/v1/me").json()
    assert me["user"]["role"] == Role.STAFF and me["device"] is None


def test_only_the_hash_of_a_token_is_stored_and_its_use_is_dated(in_a, org_a):
    token, secret = api_user(org_a)
    assert secret.startswith("api_") and secret not in (token.token_hash, token.hint)
    assert token.token_hash == ApiToken.hash_token(secret)
    Integration(secret).get(URL)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_token_is_only_made_for_a_member(in_a, org_a, org_b):
    user = make_user("outsider", org_b, Role.FINANCE)
    with pytest.raises(DomainError) as refused:
        api_token_create(user=user, organisation=org_a, name="x")
    assert refused.value.code == "api_token.not_a_member"


# Importing


def test_import_answers_202_and_the_job_reports_what_it_did(invoices, finance, send):
    """Exact payment of October, one unknown communication, one without: 3 new movements,
    1 accepted (2.00), 2 rejected (8.00), in integer cents."""
    mum, (october, november) = invoices
    data = spec.coda(("2.00", october.communication), ("5.00", spec.UNKNOWN), ("3.00", ""))

    job = send(data)

    assert job["status"] == "done" and job["finished"] and job["percent"] == 100
    assert job["error"] is None
    result = job["result"]
    assert result["already_imported"] is False
    assert result["counts"] == {
        "new": 3,
        "known": 0,
        "accepted": 1,
        "rejected": 2,
        "accepted_cents": 200,
        "rejected_cents": 800,
    }
    assert result["balance_breaks"] == []
    file = StatementFile.objects.get()
    assert result["file"]["id"] == file.pk and result["file"]["format"] == "coda"
    assert result["file"]["movements_new"] == 3
    [statement] = result["file"]["statements"]
    assert (statement["number"], statement["old_balance_cents"]) == (1, 100_000)
    assert statement["new_balance_cents"] == 101_000 and statement["gap"] is False
    assert "3" in result["message"]
    assert spec.open_of(october) == 0
    assert Job.objects.get().created_by.username == f"{Role.FINANCE}-{file.organisation_id}-api"


def test_the_same_file_twice_is_already_imported_and_adds_nothing(invoices, finance, send):
    mum, (october, _) = invoices
    data = spec.coda(("2.00", october.communication))
    first = send(data, "a.cod")

    again = send(data, "a-copie.cod")

    assert again["result"]["already_imported"] is True
    assert again["result"]["counts"]["new"] == 0
    assert again["result"]["file"]["id"] == first["result"]["file"]["id"]
    assert "a.cod" in again["result"]["message"]
    assert StatementFile.objects.count() == 1
    assert BankMovement.objects.count() == 1 and Payment.objects.count() == 1


def test_an_overlapping_file_imports_only_the_new_movements(invoices, finance, send):
    mum, (october, november) = invoices
    send(spec.coda(("1.00", october.communication)))
    both = spec.coda(("1.00", october.communication), ("0.40", november.communication))

    job = send(both, "b.cod")

    counts = job["result"]["counts"]
    assert (counts["new"], counts["known"], counts["accepted"]) == (1, 1, 1)
    assert counts["accepted_cents"] == 40
    assert BankMovement.objects.count() == 2 and Payment.objects.count() == 2


def test_a_statement_not_following_the_previous_balance_is_flagged(invoices, finance, send):
    """Statement 2 starts from 1000.00 although statement 1 ended at 1002.00."""
    mum, (october, _) = invoices
    send(spec.coda(("2.00", october.communication)))

    job = send(spec.coda(("0.10", ""), number=2), "2.cod")

    [statement] = job["result"]["file"]["statements"]
    assert statement["gap"] is True and statement["number"] == 2
    assert job["result"]["balance_breaks"] == [f"{spec.ACCOUNT} #2"]
    assert BankStatement.objects.filter(gap=True).count() == 1


@pytest.mark.parametrize("language", ["fr", "nl", "de"])
def test_a_refused_file_is_answered_422_at_once_with_its_reason_translated(in_a, language):
    integration = Integration(api_user(in_a)[1])

    response = integration.upload(NOT_CODA, "broken.cod", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 422
    reason = check_data(NOT_CODA, "broken.cod").errors[0]
    with translation.override(language):
        expected = reason.translated()
    assert response.json() == {"code": reason.code, "message": expected}
    assert not Job.objects.exists() and not StatementFile.objects.exists()


def test_refusals_differ_between_french_and_dutch(in_a):
    """The reason really is translated (the catalogues hold the parser's messages)."""
    integration = Integration(api_user(in_a)[1])
    fr = integration.upload(NOT_CODA, HTTP_ACCEPT_LANGUAGE="fr").json()["message"]
    nl = integration.upload(NOT_CODA, HTTP_ACCEPT_LANGUAGE="nl").json()["message"]
    assert fr != nl


def test_without_accept_language_a_token_gets_its_users_language(in_a):
    integration = Integration(api_user(in_a, language="nl")[1])
    message = integration.upload(NOT_CODA).json()["message"]
    with translation.override("nl"):
        assert message == check_data(NOT_CODA).errors[0].translated()


def test_a_job_failing_in_the_worker_reports_its_reason_in_the_requests_language(in_a, org_a):
    """The reason is kept with its code, and translated again for each request."""
    token, secret = api_user(org_a)
    reason = check_data(NOT_CODA).errors[0]
    job = job_start(
        organisation=org_a,
        user=token.user,
        kind=KIND_IMPORT,
        title="x",
        task=statements_import_task,
        parameters={},
    )

    def work(job, progress):
        raise reason

    job_run(job.pk, work)

    for language in ("fr", "nl"):
        answer = Integration(secret).get(f"/api/v1/jobs/{job.pk}", HTTP_ACCEPT_LANGUAGE=language)
        with translation.override(language):
            expected = {"code": reason.code, "message": reason.translated()}
        assert answer.json()["status"] == "failed" and answer.json()["error"] == expected
        assert answer.json()["result"] is None


def test_a_missing_file_is_422(in_a):
    integration = Integration(api_user(in_a)[1])
    response = integration.client.post(URL, {"other": "x"}, **integration.headers)
    assert (response.status_code, response.json()["code"]) == (422, "statements.no_file")


def test_a_file_over_the_limit_is_413(in_a, monkeypatch):
    integration = Integration(api_user(in_a)[1])
    monkeypatch.setattr(statements_api, "MAX_FILE_BYTES", 100)
    response = integration.upload(spec.coda(("1.00", "")))
    assert (response.status_code, response.json()["code"]) == (413, "statements.too_large")
    monkeypatch.setattr(statements_api, "ENVELOPE_BYTES", 0)
    early = integration.upload(spec.coda(("1.00", "")))  # refused on its Content-Length
    assert (early.status_code, early.json()["code"]) == (413, "statements.too_large")
    assert not Job.objects.exists()


def test_the_job_is_polled_until_done(invoices, finance, django_capture_on_commit_callbacks):
    mum, (october, _) = invoices
    with django_capture_on_commit_callbacks() as callbacks:
        started = finance.upload(spec.coda(("2.00", october.communication))).json()
    queued = finance.get(started["url"]).json()
    assert (queued["status"], queued["done"], queued["finished"]) == ("queued", 0, False)
    assert queued["result"] is None and queued["error"] is None
    assert not StatementFile.objects.exists()
    for callback in callbacks:
        callback()
    done = finance.get(started["url"]).json()
    assert (done["status"], done["done"], done["total"]) == ("done", 1, 1)
    assert done["finished_at"] is not None


def test_the_result_message_follows_the_requests_language(invoices, finance, send):
    mum, (october, _) = invoices
    job = send(spec.coda(("2.00", october.communication)))
    nl = finance.get(job["url"], HTTP_ACCEPT_LANGUAGE="nl").json()["result"]["message"]
    fr = finance.get(job["url"], HTTP_ACCEPT_LANGUAGE="fr").json()["result"]["message"]
    assert nl != fr and job["result"]["message"] == fr


def test_the_imported_files_are_listed_latest_first_and_paginated(invoices, finance, send):
    mum, (october, november) = invoices
    send(spec.coda(("2.00", october.communication)), "1.cod")
    send(spec.coda(("0.50", november.communication), number=2, old="1002.00"), "2.cod")

    listing = finance.get(URL).json()
    assert listing["count"] == 2
    assert [f["name"] for f in listing["items"]] == ["2.cod", "1.cod"]
    assert listing["items"][0]["statements"][0]["gap"] is False
    page = finance.get(f"{URL}?limit=1&offset=1").json()
    assert [f["name"] for f in page["items"]] == ["1.cod"]


def test_a_bank_file_from_shared_data_is_imported(in_a, finance, shared_dir, send):
    path = shared_dir / "data" / "coda" / "pycoda_Coda_v2_3_single_statement.txt"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    # The file is of pycoda's test account: organisation A holds it, or the file is refused.
    BankAccount.objects.create(iban="BE86407051416150", name="pycoda")
    job = send(path.read_bytes(), path.name)
    assert job["status"] == "done"
    assert job["result"]["counts"]["new"] == 17
    faulty = shared_dir / "data" / "coda" / "pycoda_Coda_faulty_version.txt"
    if faulty.is_file():
        refused = finance.upload(faulty.read_bytes(), faulty.name)
        assert (refused.status_code, refused.json()["code"]) == (422, "coda.version")


# Isolation


def test_another_organisations_token_sees_neither_its_jobs_nor_its_files(
    invoices, finance, org_b, send
):
    mum, (october, _) = invoices
    job = send(spec.coda(("2.00", october.communication)))
    other = Integration(api_user(org_b)[1])

    foreign = other.get(job["url"])
    missing = other.get("/api/v1/jobs/999999")

    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert other.get(URL).json() == {"items": [], "count": 0}
    assert finance.get(URL).json()["count"] == 1


def test_a_job_of_another_kind_is_not_found(in_a, finance, org_a):
    job = Job.objects.create(kind="billing.run", title="x")
    assert finance.get(f"/api/v1/jobs/{job.pk}").status_code == 404


def test_the_same_file_in_two_organisations_is_imported_in_each(
    in_a, org_a, org_b, django_capture_on_commit_callbacks
):
    """Idempotency is per organisation: B importing A's file is not 'already imported'."""
    data = spec.coda(("1.00", ""))
    a = imported(Integration(api_user(org_a)[1]), data, django_capture_on_commit_callbacks)
    b = imported(Integration(api_user(org_b)[1]), data, django_capture_on_commit_callbacks)
    assert a["result"]["already_imported"] is False and b["result"]["already_imported"] is False
    assert a["result"]["file"]["id"] != b["result"]["file"]["id"]
    with scope(org_b):
        assert StatementFile.objects.count() == 1


# Creating tokens


def test_the_command_creates_lists_and_revokes_tokens(in_a, org_a):
    make_user("compta", org_a, Role.FINANCE)
    out = io.StringIO()
    call_command("apitoken", "create", "compta", "--name", "Comptabilité", stdout=out)
    secret = next(line for line in out.getvalue().splitlines() if line.startswith("api_"))
    assert Integration(secret).get(URL).status_code == 200
    token = ApiToken.objects.get()
    listing = io.StringIO()
    call_command("apitoken", "list", "compta", stdout=listing)
    assert token.hint in listing.getvalue() and secret not in listing.getvalue()
    call_command("apitoken", "revoke", str(token.pk), stdout=io.StringIO())
    assert Integration(secret).get(URL).status_code == 401


# Self-description


def test_the_openapi_schema_documents_the_statement_operations(db):
    schema = Client().get("/api/v1/openapi.json").json()
    post = schema["paths"]["/api/v1/statements"]["post"]
    body = post["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["required"] == ["file"] and body["properties"]["file"]["format"] == "binary"
    assert {"202", "401", "403", "413", "422"} <= set(post["responses"])
    listing = schema["paths"]["/api/v1/statements"]["get"]
    assert {"limit", "offset"} <= {p["name"] for p in listing["parameters"]}
    job = schema["paths"]["/api/v1/jobs/{job_id}"]["get"]
    assert {"200", "401", "403", "404"} <= set(job["responses"])
    assert "result" in schema["components"]["schemas"]["JobOut"]["properties"]
