"""The person picker searches as you type and tells two namesakes apart (issue 14.8)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from regie.core.models import Role
from regie.core.tenancy import scope
from regie.people.models import Child, ChildPerson, Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def namesakes(org_a):
    with scope(org_a):
        found = []
        for street, city, kid in (
            ("Rue Haute 1", "Namur", "Zoé"),
            ("Rue Basse 9", "Andenne", "Hugo"),
        ):
            person = Person.objects.create(
                last_name="Bastin",
                first_name="Jean-Marc",
                street=street,
                postcode="5000",
                city=city,
            )
            child = Child.objects.create(
                last_name="Bastin", first_name=kid, birth_date=date(2018, 1, 2)
            )
            ChildPerson.objects.create(child=child, person=person)
            found.append(person)
        newcomer = Child.objects.create(
            last_name="Bastin", first_name="Léo", birth_date=date(2020, 5, 6)
        )
        return found, newcomer


def test_the_link_form_starts_with_the_picker_showing_address_and_children(org_a, login, namesakes):
    (namur, andenne), newcomer = namesakes
    client = login(org_a, Role.COORDINATOR)
    url = reverse("people:link-create", args=[newcomer.pk])
    first = client.get(url)
    assert first.templates[0].name == "people/link_pick.html"
    page = client.get(url, {"q": "bastin jean"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="persons-found"' in page and 'hx-get="' + url + '"' in page
    for text in ("Rue Haute 1", "Namur", "Zoé Bastin", "Rue Basse 9", "Andenne", "Hugo Bastin"):
        assert text in page
    assert f'href="?person={andenne.pk}"' in page
    chosen = client.get(url, {"person": andenne.pk})
    assert "Rue Basse 9" in chosen.content.decode()
    done = client.post(url, {"person": andenne.pk, "relationship": "father", "billable": "on"})
    assert done.status_code == 302
    with scope(org_a):
        link = ChildPerson.objects.get(child=newcomer)
    assert (link.person, link.billable) == (andenne, True)


def test_the_picker_never_offers_another_organisations_person(org_a, org_b, login, namesakes):
    _, newcomer = namesakes
    with scope(org_b):
        stranger = Person.objects.create(last_name="Bastin", first_name="Autre")
    client = login(org_a, Role.COORDINATOR)
    url = reverse("people:link-create", args=[newcomer.pk])
    assert "Autre" not in client.get(url, {"q": "bastin"}).content.decode()
    assert client.get(url, {"person": stranger.pk}).status_code == 404
    assert client.get(url, {"person": "x"}).status_code == 404
