"""Fixtures and helpers of the billing screen tests: the October family, clients by role."""

from __future__ import annotations

from datetime import date

import pytest
from tests import factories as f
from tests.billing.test_runs import attend, new_run
from tests.conftest import with_token

from regie.billing.models import Invoice, Kind
from regie.billing.runs import run_create, run_post
from regie.core.models import Role, User

OCTOBER = {"date_from": "2025-10-01", "date_to": "2025-10-31"}


@pytest.fixture
def evening(in_a):
    activity = f.activity("Accueil du soir", "16:00", "18:00")
    f.price("0,50 / 30 min", [activity])
    return activity


@pytest.fixture
def family(evening):
    """Anne pays for Léa (2,00 € on 1 October) and Tom (0,50 € on 2 October)."""
    mum = f.person("Dupont", "Anne")
    lea = f.child("Léa", parent=mum)
    tom = f.child("Tom", birth_date=date(2019, 5, 2), parent=mum)
    attend(lea, evening)
    attend(tom, evening, day=date(2025, 10, 2), entry="16:00", leave="16:04")
    return mum, lea, tom


@pytest.fixture
def as_role(org_a, login):
    """Return a client logged in with a role, reading pages in English."""

    def _as(role: str):
        name = f"{role}-user"
        client = login(org_a, role, username=name)
        User.objects.filter(username=name).update(language="en")
        return client

    return _as


@pytest.fixture
def finance(as_role):
    return as_role(Role.FINANCE)


def run_form(evening, **extra) -> dict:
    """Return the new run form's data as the browser sends it (with its one-time token)."""
    return with_token(
        {
            "categories": [evening.category.pk],
            **OCTOBER,
            "invoice_date": "2025-11-03",
            "due_date": "2025-12-03",
            **extra,
        }
    )


def posted(evening) -> Invoice:
    run_post(run_create(new_run(evening)))
    return Invoice.objects.get(kind=Kind.INVOICE)


def text(response) -> str:
    return response.content.decode()
