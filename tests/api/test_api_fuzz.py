"""A schema-driven fuzz of the API (schemathesis): no 5xx, no answer outside the schema.

Each operation gets a small budget of generated requests (``REGIE_FUZZ_EXAMPLES``, 10 by
default) sent with an administrator's API token, so that requests reach the operations
rather than stopping at the authentication. Run it in depth by hand (docs/security.md)::

    REGIE_FUZZ_EXAMPLES=500 .venv/bin/pytest tests/api/test_api_fuzz.py
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from tests.conftest import make_user

from regie.core.api_tokens import api_token_create
from regie.core.models import Role, User

EXAMPLES = int(os.environ.get("REGIE_FUZZ_EXAMPLES", "10"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Requests go straight to the WSGI application, whose end-of-request signal would close
    the test's database connection (in its transaction): keep it, as Django's test client
    does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(org_a) -> dict[str, str]:
    make_user("fuzz", org_a, Role.ADMINISTRATOR)
    user = User.objects.get(username="fuzz")
    _token, secret = api_token_create(user=user, organisation=org_a, name="fuzz")
    return {"Authorization": f"Bearer {secret}"}


# The schema is public and its page reads no database: load it once, at collection.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 10,  # the suite's runs are reproducible; deep runs explore
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_within_its_schema(case, bearer):
    checks = CHECKS
    if case.operation.label == "POST /api/v1/scans":
        # A batch is answered item by item (one bad scan never loses the others): an item
        # outside the schema is refused in the answer, the request itself is accepted.
        checks = [c for c in CHECKS if c is not negative_data_rejection]
    case.call_and_validate(headers=bearer, checks=checks)


@pytest.fixture
def service_bearer(org_a) -> dict[str, str]:
    from tests.fees import builders

    from regie.core.tenancy import scope
    from regie.fees.services import service_token_new

    with scope(org_a):
        token = service_token_new(service=builders.service())
    return {"Authorization": f"Bearer {token}"}


@schema.include(path_regex=r"^/api/v1/files").parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 10,
    suppress_health_check=list(HealthCheck),
)
def test_the_files_api_answers_a_service_within_its_schema(case, service_bearer):
    """The files' operations with the token that may call them, so that the generated bodies
    reach the validation, the services and the answers."""
    checks = CHECKS
    if case.operation.label == "POST /api/v1/files/batch":
        checks = [c for c in CHECKS if c is not negative_data_rejection]  # file by file
    case.call_and_validate(headers=service_bearer, checks=checks)
