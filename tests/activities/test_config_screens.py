"""The coordinator's screens of places, categories, activities and prices (issue 14.8)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from tests import factories as f

from regie.activities.models import Activity, ActivityCategory, Place, Price
from regie.billing import fixes
from regie.core.errors import DomainError
from regie.core.models import Role
from regie.core.tenancy import scope

pytestmark = pytest.mark.django_db

LISTS = ["activity-list", "place-list", "category-list", "price-list"]


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMINISTRATOR])
def test_the_coordinator_opens_every_list_and_new_form(org_a, login, role):
    client = login(org_a, role)
    for name in LISTS:
        assert client.get(reverse(f"activities:{name}")).status_code == 200
        create = reverse(f"activities:{name.replace('-list', '-create')}")
        assert client.get(create).status_code == 200


@pytest.mark.parametrize("role", [Role.FINANCE, Role.STAFF, Role.AUDITOR])
def test_other_roles_cannot_configure(org_a, login, role):
    client = login(org_a, role)
    assert client.get(reverse("activities:activity-list")).status_code == 403
    assert client.post(reverse("activities:place-create"), {"name": "X"}).status_code == 403


def test_places_and_categories_are_created_and_changed(org_a, login):
    client = login(org_a, Role.COORDINATOR)
    page = client.post(reverse("activities:place-create"), {"name": "Accueil du Centre"})
    assert page.status_code == 302
    duplicate = client.post(reverse("activities:place-create"), {"name": "Accueil du Centre"})
    assert duplicate.status_code == 200 and duplicate.context["form"].errors
    client.post(reverse("activities:category-create"), {"name": "Accueil", "code": "accueil"})
    with scope(org_a):
        place = Place.objects.get()
        kind = ActivityCategory.objects.get()
    client.post(reverse("activities:place-edit", args=[place.pk]), {"name": "Centre"})
    listed = client.get(reverse("activities:place-list")).content.decode()
    assert "Centre" in listed and reverse("activities:place-edit", args=[place.pk]) in listed
    assert kind.code == "accueil"


def activity_data(place, kind, **fields) -> dict:
    data = {
        "name": "Accueil du soir",
        "category": kind.pk,
        "place": place.pk,
        "encoding": "scan",
        "date_from": "2025-09-01",
        "date_to": "",
        "excluded_dates": "",
        "start_time": "16:00",
        "end_time": "18:00",
    }
    return {**data, **fields}


def test_an_activity_is_created_and_a_conflicting_one_refused_on_the_form(org_a, login):
    client = login(org_a, Role.COORDINATOR)
    with scope(org_a):
        place, kind = f.place(), f.category()
    url = reverse("activities:activity-create")
    assert client.post(url, activity_data(place, kind)).status_code == 302
    refused = client.post(url, activity_data(place, kind, name="Bis", start_time="17:00"))
    assert refused.status_code == 200
    assert "Accueil du soir" in str(refused.context["form"].errors)
    backwards = client.post(url, activity_data(place, kind, name="Ter", end_time="15:00"))
    assert "end_time" in backwards.context["form"].errors
    with scope(org_a):
        assert list(Activity.objects.values_list("name", flat=True)) == ["Accueil du soir"]


def test_a_price_is_prefilled_created_changed_from_a_date(org_a, login):
    client = login(org_a, Role.COORDINATOR)
    with scope(org_a):
        evening = f.activity("Soir", "16:00", "18:00")
    url = reverse("activities:price-create")
    prefilled = client.get(f"{url}?name=Soir&activities={evening.pk}&valid_from=2025-09-01")
    assert prefilled.context["form"].initial["activities"] == [str(evening.pk)]
    data = {
        "name": "Soir",
        "activities": [evening.pk],
        "period_minutes": "00:30",
        "unit_cents": "0,50",
        "maximum_cents": "",
        "valid_from": "2025-09-01",
        "valid_to": "",
        "positions": "",
    }
    assert client.post(url, data).status_code == 302
    overlap = client.post(url, {**data, "name": "Soir bis"})
    assert overlap.status_code == 200 and overlap.context["form"].errors
    with scope(org_a):
        price = Price.objects.get()
    edit = client.get(reverse("activities:price-edit", args=[price.pk])).content.decode()
    change = reverse("activities:price-change", args=[price.pk])
    assert change in edit
    done = client.post(change, {"day": "2026-01-01", "unit_cents": "0,65", "name": ""})
    with scope(org_a):
        new = Price.objects.get(valid_from=date(2026, 1, 1))
        assert (new.unit_cents, Price.objects.get(pk=price.pk).valid_to) == (65, date(2025, 12, 31))
    assert done["Location"] == reverse("activities:price-edit", args=[new.pk])
    listed = client.get(reverse("activities:price-list")).content.decode()
    assert "0,65" in listed and "0,50" in listed


def test_the_billing_previews_fix_links_open_the_price_screens(org_a):
    missing = DomainError(
        "pricing.missing", "no price", activity="Soir", activity_id=3, day="2026-01-05"
    )
    with scope(org_a):
        shown = fixes.problems_shown(
            [missing], date_from=date(2026, 1, 1), date_to=date(2026, 1, 31), can_configure=True
        )
    assert shown[0].links[0].url.startswith(reverse("activities:price-create") + "?")
