"""Specification of the coverage check and of child positions in the registry (DOMAIN §2).

Worked example 6: a price for position 1 only and a family of three children → missing prices
for positions 2 and 3, category none, on 01/10/2025.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from tests import factories as f

from regie.activities.models import Price
from regie.activities.selectors import child_positions, coverage_check
from regie.core.models import Role
from regie.people.models import ChildPerson, TariffCategory

DAY = date(2025, 10, 1)
COVERAGE = reverse("activities:coverage")


def family_of_three(parent=None):
    """Return three active children sharing a billable parent, oldest first."""
    parent = parent or f.person("Dupont", "Anne")
    return [
        f.child("Aline", birth_date=date(2015, 5, 1), parent=parent),
        f.child("Bruno", birth_date=date(2017, 9, 12), parent=parent),
        f.child("Chloé", birth_date=date(2019, 2, 3), parent=parent),
    ]


@pytest.fixture
def evening(in_a):
    return f.activity("Accueil du soir", "16:00", "18:00")


def test_example_6_price_for_the_first_child_only_leaves_the_others_uncovered(evening):
    """Given a price for position 1 only and a family of three children without category,
    when the coverage of 01/10/2025 is checked, then positions 2 and 3 of category none miss
    a price on 01/10/2025, and nothing else is reported."""
    f.price("Premier enfant", [evening], positions=(1,))
    family_of_three()

    gaps = coverage_check(DAY, DAY)

    assert [
        (g.activity, g.gap.position, g.category, g.gap.date_from, g.gap.date_to) for g in gaps
    ] == [
        (evening, 2, None, DAY, DAY),
        (evening, 3, None, DAY, DAY),
    ]
    assert all(g.missing for g in gaps)
    assert all(g.gap.price_ids == () for g in gaps)


def test_coverage_names_activity_position_category_and_dates_in_words(evening):
    """The message of a gap names the activity and category by name and the date range."""
    cpas = TariffCategory.objects.create(name="CPAS", code="cpas")
    lea = f.child("Léa")
    lea.tariff_category = cpas
    lea.save()
    f.price("Soir", [evening], valid_from=date(2025, 10, 8))
    f.price("Soir CPAS", [evening], valid_from=date(2025, 10, 1))
    Price.objects.get(name="Soir CPAS").categories.set([cpas])

    gaps = coverage_check(date(2025, 10, 1), date(2025, 10, 31))

    by_kind = {(g.category, g.missing): g for g in gaps}
    missing = by_kind[None, True]
    assert (missing.gap.date_from, missing.gap.date_to) == (date(2025, 10, 1), date(2025, 10, 7))
    assert "Accueil du soir" in missing.message and "01/10/2025–07/10/2025" in missing.message
    ambiguous = by_kind[cpas, False]
    assert (ambiguous.gap.date_from, ambiguous.gap.date_to) == (
        date(2025, 10, 8),
        date(2025, 10, 31),
    )
    assert {p.name for p in ambiguous.prices} == {"Soir", "Soir CPAS"}
    assert "CPAS" in ambiguous.message


def test_closed_days_are_not_checked(in_a):
    """An activity open on Wednesdays only, with 08/10 excluded, is checked on 01/10, 15/10,
    22/10 and 29/10 only: one gap running from the first to the last open day."""
    wednesdays = f.activity("Mercredi après-midi", "12:00", "18:00", weekdays=(2,))
    wednesdays.excluded_dates = ["2025-10-08"]
    wednesdays.save()

    (gap,) = coverage_check(date(2025, 10, 2), date(2025, 10, 31))

    assert (gap.gap.date_from, gap.gap.date_to) == (date(2025, 10, 15), date(2025, 10, 29))


def test_coverage_page_lists_gaps_with_a_link_to_add_the_price(evening, in_a, login):
    """An administrator sees example 6 on the page with links that prefill a new price for
    the activity, position, category none and the dates."""
    f.price("Premier enfant", [evening], positions=(1,))
    family_of_three()
    client = login(in_a)

    response = client.get(COVERAGE, {"date_from": "2025-10-01", "date_to": "2025-10-01"})

    page = response.content.decode()
    assert response.status_code == 200
    assert len(response.context["gaps"]) == 2
    add = reverse("activities:price-create")
    assert f"{add}?name=Accueil+du+soir&amp;activities={evening.pk}&amp;positions=2" in page
    assert "without_category=1" in page and "valid_from=2025-10-01" in page
    prefilled = client.get(response.context["gaps"][1]["add_url"])
    form = prefilled.context["form"]
    assert form["positions"].value() == "3"
    assert form["without_category"].value()
    assert form["activities"].value() == [str(evening.pk)]


def test_coverage_page_defaults_to_the_current_month(in_a, login):
    """Without dates the page checks the current month and says everything is covered."""
    client = login(in_a, Role.FINANCE)

    response = client.get(COVERAGE)

    assert response.status_code == 200
    assert response.context["gaps"] == []
    assert response.context["date_from"].day == 1
    assert response.context["date_to"].month == response.context["date_from"].month


def test_coverage_page_refuses_a_period_ending_before_it_starts(in_a, login):
    client = login(in_a, Role.COORDINATOR)

    response = client.get(COVERAGE, {"date_from": "2025-10-31", "date_to": "2025-10-01"})

    assert "date_to" in response.context["form"].errors
    assert response.context["gaps"] is None


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.ADMINISTRATOR, 200),
        (Role.COORDINATOR, 200),
        (Role.FINANCE, 200),
        (Role.AUDITOR, 200),
        (Role.STAFF, 403),
    ],
)
def test_coverage_page_is_for_configuration_and_finance(in_a, login, role, status):
    assert login(in_a, role).get(COVERAGE).status_code == status


def test_price_list_links_to_the_coverage_check(in_a, login):
    page = login(in_a).get(reverse("admin:activities_price_changelist")).content.decode()
    assert COVERAGE in page


# -- Child positions -------------------------------------------------------------------------


def test_positions_rank_the_children_of_a_billable_person_oldest_first(in_a):
    """Oldest is 1; an inactive child and a non-billable link do not count."""
    parent = f.person()
    aline, bruno, chloe = family_of_three(parent)
    bruno.is_active = False
    bruno.save()
    stepchild = f.child("Dylan", birth_date=date(2014, 1, 1))
    ChildPerson.objects.create(child=stepchild, person=parent, billable=False)

    assert child_positions() == {(parent.pk, aline.pk): 1, (parent.pk, chloe.pk): 2}


def test_positions_follow_the_organisation_setting_youngest_first(in_a):
    """With 'oldest first' unticked, the youngest child is 1."""
    in_a.positions_oldest_first = False
    in_a.save()
    parent = f.person()
    aline, bruno, chloe = family_of_three(parent)

    assert child_positions() == {
        (parent.pk, chloe.pk): 1,
        (parent.pk, bruno.pk): 2,
        (parent.pk, aline.pk): 3,
    }


def test_positions_are_counted_per_billable_person_in_one_query(in_a, django_assert_num_queries):
    """A child billed to two persons gets a position under each."""
    mother, father = f.person("Dupont", "Anne"), f.person("Martin", "Paul")
    aline, bruno, _ = family_of_three(mother)
    ChildPerson.objects.create(child=bruno, person=father, billable=True)

    with django_assert_num_queries(1):
        positions = child_positions()

    assert positions[mother.pk, bruno.pk] == 2
    assert positions[father.pk, bruno.pk] == 1
    assert (father.pk, aline.pk) not in positions
