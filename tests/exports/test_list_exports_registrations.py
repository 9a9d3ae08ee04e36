"""The registrations list (meals, camps) exports its current filter (issue 18, 2): the columns
shown, dates as dates, counts as numbers, one organisation only, members only."""

from datetime import date, datetime

import pytest
from django.urls import reverse
from tests import factories as f
from tests.exports.test_list_exports import csv_rows, sheet_rows

from regie.attendance.services import registration_create
from regie.core.models import Role
from regie.core.tenancy import scope

pytestmark = pytest.mark.django_db


def registered(first_name: str, last_name: str, dates, *, absent=(), parent=None):
    meals = f.activity(
        "Repas chaud", "12:00", "13:00", at=f.place(), kind=f.category("repas", "Repas"),
        encoding="registration", weekdays=(0, 1, 3, 4), date_to=None,
    )  # fmt: skip
    child = f.child(first_name, last_name, parent=parent)
    return registration_create(child=child, activity=meals, dates=dates, person=parent,
                               absent=absent)  # fmt: skip


def test_registrations_export_their_columns_within_the_search(org_a, org_b, login):
    with scope(org_a):
        mum = f.person("Lambert", "Sophie")
        october = [date(2025, 10, 2), date(2025, 10, 3), date(2025, 10, 6)]
        registered("Léa", "Lambert", october, absent=[date(2025, 10, 3)], parent=mum)
        registered("Tom", "Renard", [date(2025, 10, 7)])
    with scope(org_b):
        registered("Léa", "Lambert", [date(2025, 10, 2)])
    client = login(org_a, Role.COORDINATOR)
    url = reverse("attendance:registration-list")
    answer = client.get(url, {"q": "lamb", "export": "xlsx"})
    rows = sheet_rows(b"".join(answer.streaming_content))
    assert rows == [
        ["Nom", "Prénom", "Activité", "Catégorie", "De", "À", "Dates", "Absent", "Personne"],
        ["Lambert", "Léa", "Repas chaud", "Repas", datetime(2025, 10, 2), datetime(2025, 10, 6),
         3, 1, "Lambert Sophie"],
    ]  # fmt: skip
    lines = csv_rows(client.get(url, {"export": "csv"}))
    assert [line[:2] + line[4:] for line in lines[1:]] == [
        ["Lambert", "Léa", "2025-10-02", "2025-10-06", "3", "1", "Lambert Sophie"],
        ["Renard", "Tom", "2025-10-07", "2025-10-07", "1", "0", ""],
    ]  # organisation B's Léa never appears
    page = client.get(url, {"q": "lamb"}).content
    assert b'href="?q=lamb&amp;export=xlsx"' in page


def test_only_members_export_the_registrations(org_a, org_b, client, login):
    url = reverse("attendance:registration-list")
    assert client.get(url, {"export": "csv"}).status_code == 302  # to the login page
    with scope(org_a):
        registered("Léa", "Lambert", [date(2025, 10, 2)])
    other = login(org_b, Role.STAFF)  # a member of B sees B's list only, empty
    assert csv_rows(other.get(url, {"export": "csv"}))[1:] == []
