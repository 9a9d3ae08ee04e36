"""Shared fixtures: organisations, users with roles, logged-in clients, the active scope."""

from __future__ import annotations

import itertools
import os
import uuid
from pathlib import Path

import pytest

from regie.core.models import Membership, Organisation, Role, User
from regie.core.tenancy import scope
from regie.demo.identifiers import belgian_iban, enterprise_number
from regie.payments.models import BankAccount

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SHARED_DIR = Path(__file__).resolve().parents[1].parent / "shared"
DB_FIXTURES = {"db", "transactional_db", "django_db_setup", "live_server", "client", "admin_client"}

_numbers = itertools.count(30000000)
TEST_ACCOUNT = "BE68539007547034"  # tests/payments' ACCOUNT: every test organisation holds it


def pytest_collection_modifyitems(config, items):
    """Mark tests that need no database as ``pure`` (run once, not again on PostgreSQL)."""
    for item in items:
        uses_db = item.get_closest_marker("django_db") or DB_FIXTURES & set(item.fixturenames)
        if not uses_db:
            item.add_marker(pytest.mark.pure)


@pytest.fixture
def shared_dir() -> Path:
    """Return ``../shared``, or skip when it is absent."""
    if not SHARED_DIR.is_dir():
        pytest.skip("../shared is not present beside the repository")
    return SHARED_DIR


def make_organisation(name: str) -> Organisation:
    n = next(_numbers)
    org = Organisation(
        name=name,
        enterprise_number=enterprise_number(n),
        iban=belgian_iban(n, "091"),
        street="Place communale 1",
        postcode="5000",
        city="Namur",
    )
    org.full_clean()
    org.save()  # lists its own IBAN among its bank accounts
    with scope(org):  # the account of the statements the payment tests write
        BankAccount.objects.create(iban=TEST_ACCOUNT, name="Compte des tests")
    return org


def make_user(
    username: str, org: Organisation | None = None, role: str = Role.ADMINISTRATOR
) -> User:
    user = User.objects.create_user(username, password="pw-" + username)
    if org is not None:
        Membership.objects.create(user=user, organisation=org, role=role)
    return user


def with_token(data: dict | None = None) -> dict:
    """Return a form's ``data`` with a new one-time token, as a form that creates or moves
    money sends it (:mod:`regie.core.once`)."""
    return {**(data or {}), "once": uuid.uuid4().hex}


@pytest.fixture
def org_a(db) -> Organisation:
    return make_organisation("Commune A")


@pytest.fixture
def org_b(db) -> Organisation:
    return make_organisation("Commune B")


@pytest.fixture
def in_a(org_a):
    """Run the test inside organisation A's scope."""
    with scope(org_a):
        yield org_a


@pytest.fixture
def login(client):
    """Return a function that logs a client in as a new user with a role in an organisation."""

    def _login(org: Organisation, role: str = Role.ADMINISTRATOR, username: str | None = None):
        name = username or f"{role}-{org.pk}-{next(_numbers)}"
        make_user(name, org, role)
        client.force_login(User.objects.get(username=name))
        return client

    return _login
