"""Specification of configuring activities and prices: save-time rules, price change, forms.

DOMAIN §2 and worked examples 3, 4 and 5, through the services, the models and the
organisation's configuration admin (``/config/``).
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation
from tests import factories as f

from regie.activities import pricing
from regie.activities.models import Activity, Price
from regie.activities.services import (
    activity_save,
    price_change_from,
    price_save,
    price_values,
)
from regie.core.errors import DomainError
from regie.core.models import Role
from regie.core.tenancy import scope
from regie.people.models import TariffCategory

ACTIVITY_ADD = reverse("admin:activities_activity_add")
PRICE_ADD = reverse("admin:activities_price_add")


def amount(activity: Activity, day: date, minutes: int, position: int = 1, category=None):
    """Return the charge of an attendance, looked up among the stored prices."""
    prices = price_values(Price.objects.prefetch_related("activities", "categories"))
    found = pricing.applicable_price(prices, activity.pk, day, position, category)
    return pricing.attendance_amount(found, minutes)


def new_price(name, activities, *, period=30, unit=50, categories=(), **fields) -> Price:
    fields.setdefault("valid_from", date(2025, 1, 1))
    return price_save(
        price=Price(name=name, period_minutes=period, unit_cents=unit, **fields),
        activities=activities,
        categories=categories,
    )


def activity_post(activity_place, kind, **fields) -> dict:
    """Return the admin's POST data for a new scan-encoded activity."""
    data = {
        "name": "Accueil du soir bis",
        "category": kind.pk,
        "place": activity_place.pk,
        "encoding": "scan",
        "date_from": "2025-09-01",
        "date_to": "2026-06-30",
        "excluded_dates": "",
        "start_time": "16:00",
        "end_time": "18:00",
        "next_activity": "",
        "_save": "Save",
    }
    data.update(fields)
    return data


def price_post(activity: Activity, **fields) -> dict:
    """Return the admin's POST data for a new price of one activity."""
    data = {
        "name": "Accueil 2025",
        "activities": [activity.pk],
        "period_minutes": "00:30",
        "unit_cents": "0,50",
        "maximum_cents": "",
        "valid_from": "2025-01-01",
        "valid_to": "2025-12-31",
        "positions": "",
        "_save": "Save",
    }
    data.update(fields)
    return data


def form_errors(response) -> dict:
    """Return the admin form's errors as ``{field: [ValidationError]}``."""
    assert response.status_code == 200, "the form was expected to be shown again"
    return response.context["adminform"].form.errors.as_data()


# -- Worked examples through the services ----------------------------------------------------


def test_example_3_free_start_of_the_school_year_then_half_a_euro(in_a):
    """Given a free per-day price 24–26/08/2025 and 0.50 per 30 min from 27/08/2025,
    when a child attends 07:00–08:20 (80 min), then it costs 0.00 on 26/08 and 1.50 on 27/08."""
    morning = f.activity("Accueil du matin", "07:00", "08:30")
    new_price(
        "Gratuit à la rentrée",
        [morning],
        period=pricing.DAY_MINUTES,
        unit=0,
        valid_from=date(2025, 8, 24),
        valid_to=date(2025, 8, 26),
    )
    new_price("Matin", [morning], valid_from=date(2025, 8, 27), valid_to=date(2031, 12, 25))

    assert amount(morning, date(2025, 8, 26), 80) == pricing.Charge(1, 0, 0)
    assert amount(morning, date(2025, 8, 27), 80) == pricing.Charge(3, 50, 150)


def test_example_4_price_change_from_a_date_ends_the_old_price_the_day_before(in_a):
    """Given 0.50 per 30 min valid in 2025, when the price changes to 0.65 from 25/08/2025,
    then 0.50 runs until 24/08, 0.65 from 25/08 to 31/12, and 45 minutes cost 1.00 then 1.30;
    the new price keeps the activities, positions, categories, period, maximum and switch."""
    evening = f.activity("Accueil du soir", "16:00", "18:00")
    cpas = TariffCategory.objects.create(name="CPAS", code="cpas")
    old = new_price(
        "Soir",
        [evening],
        categories=[cpas],
        valid_from=date(2025, 1, 1),
        valid_to=date(2025, 12, 31),
        positions=[1, 2],
        maximum_cents=400,
        without_category=True,
        cumulative=True,
    )

    new = price_change_from(price=old, day=date(2025, 8, 25), unit_cents=65)

    old.refresh_from_db()
    assert (old.valid_from, old.valid_to, old.unit_cents) == (
        date(2025, 1, 1),
        date(2025, 8, 24),
        50,
    )
    assert (new.valid_from, new.valid_to, new.unit_cents) == (
        date(2025, 8, 25),
        date(2025, 12, 31),
        65,
    )
    assert list(new.activities.all()) == [evening]
    assert list(new.categories.all()) == [cpas]
    assert (new.name, new.positions, new.period_minutes, new.maximum_cents) == (
        "Soir",
        [1, 2],
        30,
        400,
    )
    assert new.without_category and new.cumulative
    assert amount(evening, date(2025, 8, 22), 45, category=cpas.pk).amount_cents == 100
    assert amount(evening, date(2025, 8, 25), 45, category=cpas.pk).amount_cents == 130


def test_price_change_on_the_first_day_is_refused_and_changes_nothing(in_a):
    """Changing a price from its own first day is an edit, not a change: refused, nothing saved."""
    evening = f.activity("Accueil du soir", "16:00", "18:00")
    old = new_price("Soir", [evening], valid_from=date(2025, 1, 1))

    with pytest.raises(DomainError) as refused:
        price_change_from(price=old, day=date(2025, 1, 1), unit_cents=65)

    assert refused.value.code == "pricing.change_date"
    assert Price.objects.count() == 1
    old.refresh_from_db()
    assert old.valid_to is None


def test_example_5_saving_an_overlapping_price_is_refused_naming_the_first(in_a):
    """Given a price for every position and category, when a second price of the same activity
    valid on the same days is saved, then it is refused naming the first, and not stored."""
    evening = f.activity("Accueil du soir", "16:00", "18:00")
    first = new_price("Soir 2025", [evening], valid_from=date(2025, 1, 1))

    with pytest.raises(DomainError) as refused:
        new_price("Soir bis", [evening], unit=60, valid_from=date(2025, 9, 1))

    assert refused.value.code == "pricing.overlap"
    assert refused.value.params["price_ids"] == (first.pk,)
    assert "Soir 2025" in refused.value.params["others"]
    assert list(Price.objects.all()) == [first]


def test_prices_for_other_positions_or_categories_do_not_overlap(in_a):
    """A price for position 1 and another for positions 2 and 3, same days, are both saved;
    so are a price for the CPAS category and one for children without a category."""
    evening = f.activity("Accueil du soir", "16:00", "18:00")
    cpas = TariffCategory.objects.create(name="CPAS", code="cpas")
    new_price("Premier enfant", [evening], positions=[1])
    new_price("Suivants", [evening], positions=[2, 3], unit=25)
    new_price("CPAS", [evening], positions=[4], categories=[cpas])
    new_price("Sans catégorie", [evening], positions=[4], without_category=True)

    assert Price.objects.count() == 4


def test_registration_activities_may_overlap_scan_activities(in_a):
    """A registration-encoded activity at the same place and time is saved: the registration
    says which activity the child attends."""
    evening = f.activity("Accueil du soir", "16:00", "18:00")
    meal = Activity(
        name="Goûter",
        category=evening.category,
        place=evening.place,
        date_from=date(2025, 9, 1),
        start_time=evening.start_time,
        end_time=evening.end_time,
        encoding="registration",
    )

    activity_save(activity=meal)

    assert Activity.objects.count() == 2


# -- Through the configuration admin ---------------------------------------------------------


def test_conflicting_activity_is_refused_on_the_form_naming_the_other(in_a, login):
    """Given evening care 16:00–18:00, when an administrator adds another scan activity at the
    same place, category and levels from 17:00, then the form names the evening care."""
    evening = f.activity("Accueil du soir", "16:00", "18:00")
    client = login(in_a)

    response = client.post(
        ACTIVITY_ADD,
        activity_post(evening.place, evening.category, start_time="17:00", end_time="18:30"),
    )

    (error,) = form_errors(response)["__all__"]
    assert error.code == "activity.conflict"
    assert f"“Accueil du soir” (#{evening.pk})" in error.message
    assert Activity.objects.count() == 1


def test_excluded_dates_resolve_a_conflict(in_a, login):
    """Given a pedagogical day (15/10/2025, all day), evening care over the school year
    conflicts with it; excluding 15/10/2025 from the evening care lets it be saved."""
    day_off = f.activity(
        "Journée pédagogique",
        "07:00",
        "18:00",
        date_from=date(2025, 10, 15),
        date_to=date(2025, 10, 15),
    )
    client = login(in_a)
    data = activity_post(day_off.place, day_off.category, name="Accueil du soir")

    refused = client.post(ACTIVITY_ADD, data)
    assert [e.code for e in form_errors(refused)["__all__"]] == ["activity.conflict"]

    saved = client.post(ACTIVITY_ADD, {**data, "excluded_dates": "15/10/2025\n2025-11-11\n"})
    assert saved.status_code == 302
    evening = Activity.objects.get(name="Accueil du soir")
    assert evening.excluded_dates == ["2025-10-15", "2025-11-11"]


def test_different_levels_never_conflict(in_a, login):
    """Nursery-only and primary-only care at the same place and time are both accepted."""
    nursery = f.activity("Soir maternelle", "16:00", "18:00", levels=("M1", "M2", "M3"))
    client = login(in_a)

    response = client.post(
        ACTIVITY_ADD,
        activity_post(nursery.place, nursery.category, name="Soir primaire", levels=["P1", "P2"]),
    )

    assert response.status_code == 302
    assert Activity.objects.get(name="Soir primaire").levels == ["P1", "P2"]


def test_a_wrong_excluded_date_is_shown_with_its_line(in_a, login):
    """An excluded date that is not a date is refused on its field, naming line and text."""
    place, kind = f.place(), f.category()
    client = login(in_a)

    response = client.post(
        ACTIVITY_ADD, activity_post(place, kind, excluded_dates="25/12/2025\n31/02/2026")
    )

    (error,) = form_errors(response)["excluded_dates"]
    assert error.code == "dates.invalid"
    assert error.params == {"line": 2, "value": "31/02/2026"}
    assert not Activity.objects.exists()


def test_next_activity_must_follow_at_the_same_place(in_a, login):
    """Chaining to an activity at another place, or not starting at the end, is refused."""
    here = f.place("École du Centre")
    morning_elsewhere = f.activity("Matin ailleurs", "07:30", "08:30", at=f.place("Annexe"))
    morning_here = f.activity("Matin", "07:30", "08:30", at=here)
    client = login(in_a)
    data = activity_post(here, f.category(), name="Accueil tôt", start_time="06:30")
    data["end_time"] = "07:30"

    elsewhere = client.post(ACTIVITY_ADD, {**data, "next_activity": morning_elsewhere.pk})
    assert [e.code for e in form_errors(elsewhere)["next_activity"]] == ["activity.chain"]

    chained = client.post(ACTIVITY_ADD, {**data, "next_activity": morning_here.pk})
    assert chained.status_code == 302
    assert Activity.objects.get(name="Accueil tôt").next_activity == morning_here


def test_price_typed_in_euros_and_hours_is_stored_in_cents_and_minutes(in_a, login):
    """'0,50' per '24:00' with a maximum of '1.234,5' and positions '2, 1' are stored as 50
    cents per 1440 minutes, 123450 cents, [1, 2]; the change page shows them back as typed."""
    evening = f.activity("Accueil du soir", "16:00", "18:00")
    client = login(in_a)

    response = client.post(
        PRICE_ADD,
        price_post(
            evening,
            period_minutes="24:00",
            unit_cents="0,50",
            maximum_cents="1.234,5",
            positions="2, 1",
        ),
    )

    assert response.status_code == 302
    price = Price.objects.get()
    assert (price.period_minutes, price.unit_cents, price.maximum_cents, price.positions) == (
        1440,
        50,
        123450,
        [1, 2],
    )
    page = client.get(reverse("admin:activities_price_change", args=[price.pk])).content.decode()
    assert 'value="24:00"' in page and 'value="0,50"' in page
    assert 'value="1.234,50"' in page and 'value="1, 2"' in page


def test_unreadable_amounts_periods_and_positions_are_shown_on_their_fields(in_a, login):
    """'abc' euros, a negative maximum, '0:75' and position 'x' each get an error on their own
    field, and nothing is saved."""
    evening = f.activity("Accueil du soir", "16:00", "18:00")
    client = login(in_a)

    response = client.post(
        PRICE_ADD,
        price_post(
            evening,
            unit_cents="abc",
            maximum_cents="-1",
            period_minutes="0:75",
            positions="1, x",
        ),
    )

    errors = form_errors(response)
    assert [e.code for e in errors["unit_cents"]] == ["money.invalid"]
    assert [e.code for e in errors["maximum_cents"]] == ["money.negative"]
    assert [e.code for e in errors["period_minutes"]] == ["pricing.invalid_period"]
    assert [e.code for e in errors["positions"]] == ["positions.invalid"]
    assert not Price.objects.exists()


def test_overlapping_price_is_refused_on_the_form_with_the_categories_ticked(in_a, login):
    """The overlap check uses the categories ticked on the form (the instance has none yet):
    a CPAS price next to a CPAS price is refused naming it; a price for another category
    is accepted."""
    evening = f.activity("Accueil du soir", "16:00", "18:00")
    cpas = TariffCategory.objects.create(name="CPAS", code="cpas")
    staff = TariffCategory.objects.create(name="Personnel communal", code="personnel")
    first = new_price("Soir CPAS", [evening], categories=[cpas], valid_from=date(2025, 1, 1))
    client = login(in_a)

    refused = client.post(PRICE_ADD, price_post(evening, name="Autre CPAS", categories=[cpas.pk]))
    (error,) = form_errors(refused)["__all__"]
    assert error.code == "pricing.overlap"
    assert f"“Soir CPAS” (#{first.pk})" in error.message

    accepted = client.post(PRICE_ADD, price_post(evening, name="Personnel", categories=[staff.pk]))
    assert accepted.status_code == 302
    assert list(Price.objects.get(name="Personnel").categories.all()) == [staff]


def test_price_ending_before_it_starts_is_shown_on_the_end_date(in_a, login):
    """Valid to before valid from is an error on the 'valid to' field."""
    evening = f.activity("Accueil du soir", "16:00", "18:00")
    client = login(in_a)

    response = client.post(PRICE_ADD, price_post(evening, valid_to="2024-12-31"))

    assert [e.code for e in form_errors(response)["valid_to"]] == ["pricing.invalid_dates"]


def test_price_change_page_changes_the_price_and_says_so(in_a, login):
    """From the price's admin page, 'change price from a date' with 25/08/2025 and '0,65'
    ends the old price on 24/08/2025 and opens the new one with a success message."""
    evening = f.activity("Accueil du soir", "16:00", "18:00")
    old = new_price("Soir", [evening], valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31))
    client = login(in_a)
    url = reverse("activities:price-change", args=[old.pk])
    admin_page = client.get(reverse("admin:activities_price_change", args=[old.pk]))
    assert url in admin_page.content.decode()

    response = client.post(url, {"day": "2025-08-25", "unit_cents": "0,65", "name": ""})

    new = Price.objects.exclude(pk=old.pk).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("activities:price-edit", args=[new.pk])
    assert (new.unit_cents, new.valid_from, new.valid_to) == (
        65,
        date(2025, 8, 25),
        date(2025, 12, 31),
    )
    old.refresh_from_db()
    assert old.valid_to == date(2025, 8, 24)
    shown = [str(m) for m in client.get(response["Location"]).context["messages"]]
    assert any("24/08/2025" in m and "25/08/2025" in m for m in shown)


def test_price_change_page_shows_a_refusal_on_the_form(in_a, login):
    """A date after the price's end is refused on the page, nothing changed."""
    evening = f.activity("Accueil du soir", "16:00", "18:00")
    old = new_price("Soir", [evening], valid_from=date(2025, 1, 1), valid_to=date(2025, 6, 30))
    client = login(in_a)

    response = client.post(
        reverse("activities:price-change", args=[old.pk]),
        {"day": "2025-08-25", "unit_cents": "0,65"},
    )

    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    assert [e.code for e in errors["__all__"]] == ["pricing.change_date"]
    assert Price.objects.count() == 1


@pytest.mark.parametrize("role", [Role.FINANCE, Role.AUDITOR, Role.STAFF])
def test_only_coordinators_and_administrators_change_prices(in_a, login, role):
    """The price change page is refused to every role but coordinators and administrators."""
    evening = f.activity("Accueil du soir", "16:00", "18:00")
    old = new_price("Soir", [evening], valid_from=date(2025, 1, 1))
    client = login(in_a, role)

    url = reverse("activities:price-change", args=[old.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"day": "2025-08-25", "unit_cents": "0,65"}).status_code == 403
    assert Price.objects.count() == 1


# -- Isolation -------------------------------------------------------------------------------


def test_price_form_offers_only_the_organisations_activities_and_categories(in_a, org_b, login):
    """B's activity and tariff category are invalid choices on A's price form; nothing saved,
    and B's names do not even appear on the page."""
    evening = f.activity("Accueil du soir", "16:00", "18:00")
    with scope(org_b):
        other = f.activity("Soir de B", "16:00", "18:00", at=f.place("Lieu B"))
        other_category = TariffCategory.objects.create(name="CPAS de B", code="cpas")
    client = login(in_a)

    page = client.get(PRICE_ADD).content.decode()
    assert "Soir de B" not in page and "CPAS de B" not in page
    response = client.post(
        PRICE_ADD,
        price_post(evening, activities=[other.pk], categories=[other_category.pk]),
    )

    errors = form_errors(response)
    assert [e.code for e in errors["activities"]] == ["invalid_choice"]
    assert [e.code for e in errors["categories"]] == ["invalid_choice"]
    with scope(org_b):
        assert not Price.objects.exists()
    assert not Price.objects.exists()


def test_activity_form_offers_only_the_organisations_places(in_a, org_b, login):
    """B's place is an invalid choice for A's activity."""
    kind = f.category()
    with scope(org_b):
        other_place = f.place("Lieu B")
    client = login(in_a)

    response = client.post(ACTIVITY_ADD, activity_post(other_place, kind))

    assert [e.code for e in form_errors(response)["place"]] == ["invalid_choice"]
    assert not Activity.objects.exists()


def test_auditors_see_prices_in_euros_and_hours(in_a, login):
    """The read-only price page shows the unit price in euros, the period as HH:MM and the
    categories by name, not cents, minutes and ids."""
    evening = f.activity("Accueil du soir", "16:00", "18:00")
    price = new_price("Soir", [evening], positions=[2], without_category=True)
    client = login(in_a, Role.AUDITOR)

    page = client.get(reverse("admin:activities_price_change", args=[price.pk])).content.decode()

    with translation.override("fr"):  # the user's language
        without_category = translation.gettext("children without a category")
    assert "0,50 €" in page and "00:30" in page and without_category in page
    assert reverse("activities:price-change", args=[price.pk]) not in page
    listing = client.get(reverse("admin:activities_price_changelist")).content.decode()
    assert "0,50 €" in listing and "Accueil du soir" in listing
