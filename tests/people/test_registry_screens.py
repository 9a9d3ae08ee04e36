"""Registry screens: create and edit, validation messages, masked national numbers, audit."""

import pytest
from django.urls import reverse
from django.utils import translation

from regie.core.models import AuditLog, Role
from regie.core.tenancy import scope
from regie.people import services
from regie.people.models import Child, ChildPerson, Person, SchoolClass, SchoolSite


@pytest.fixture
def clerk(org_a, login):
    return login(org_a, Role.COORDINATOR)


@pytest.fixture
def family(in_a):
    site = SchoolSite.objects.create(name="École du Centre")
    klass = SchoolClass.objects.create(site=site, name="3A", level="P3")
    child = Child.objects.create(
        last_name="Lambert",
        first_name="Léa",
        birth_date="2018-03-02",
        national_number="18030200176",
        school_class=klass,
        site=site,
        level="P3",
    )
    mother = Person.objects.create(
        last_name="Lambert",
        first_name="Sophie",
        delivery="email",
        email="s@example.be",
        national_number="85073003328",
    )
    link = ChildPerson.objects.create(child=child, person=mother, billable=True, attestable=True)
    return {"site": site, "class": klass, "child": child, "mother": mother, "link": link}


def test_create_child_takes_level_and_site_from_the_class(clerk, family, org_a):
    response = clerk.post(
        reverse("people:child-create"),
        {
            "last_name": "Dupont",
            "first_name": "Arthur",
            "birth_date": "2019-01-15",
            "school_class": family["class"].pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    with scope(org_a):
        child = Child.objects.get(last_name="Dupont")
    assert (child.site, child.level) == (family["site"], "P3")
    assert len(child.scan_token) >= 20


def test_invalid_national_number_is_explained_in_french_and_nothing_saved(clerk, org_a):
    with translation.override("fr"):
        response = clerk.post(
            reverse("people:child-create"),
            {
                "last_name": "Dupont",
                "first_name": "Arthur",
                "birth_date": "2019-01-15",
                "national_number": "19.01.15-001.00",
                "is_active": "on",
            },
            HTTP_ACCEPT_LANGUAGE="fr",
        )
    assert response.status_code == 200
    errors = response.context["form"].errors["national_number"]
    assert "19.01.15-001.00" in errors[0]
    with scope(org_a):
        assert not Child.objects.filter(last_name="Dupont").exists()


def test_national_number_must_match_the_birth_date(clerk, org_a):
    response = clerk.post(
        reverse("people:child-create"),
        {
            "last_name": "Dupont",
            "first_name": "Arthur",
            "birth_date": "2019-01-16",
            "national_number": "18030200176",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "02/03/2018" in response.context["form"].errors["national_number"][0]


def test_person_by_email_needs_an_address_and_iban_is_checked(clerk, org_a):
    response = clerk.post(
        reverse("people:person-create"),
        {
            "last_name": "Renard",
            "language": "fr",
            "delivery": "email",
            "country": "BE",
            "iban": "BE68 5390 0754 7035",
            "is_active": "on",
        },
    )
    errors = response.context["form"].errors
    assert "email" in errors and "iban" in errors
    with scope(org_a):
        assert not Person.objects.exists()


def test_national_number_is_masked_and_each_full_view_is_logged(clerk, family, org_a):
    child = family["child"]
    page = clerk.get(reverse("people:child-detail", args=[child.pk])).content.decode()
    assert "18030200176" not in page and "18.03.02-001.76" not in page
    assert "••.••.••-•••.76" in page
    shown = clerk.post(reverse("people:child-national-number", args=[child.pk]))
    assert "18.03.02-001.76" in shown.content.decode()
    with scope(org_a):
        entry = AuditLog.objects.get()
    assert (entry.action, entry.model, entry.object_id) == (
        "view_nn",
        "people.Child",
        str(child.pk),
    )
    clerk.post(reverse("people:person-national-number", args=[family["mother"].pk]))
    with scope(org_a):
        assert AuditLog.objects.count() == 2


def test_staff_role_cannot_reveal_a_national_number(org_a, login, family):
    client = login(org_a, Role.STAFF)
    response = client.post(reverse("people:child-national-number", args=[family["child"].pk]))
    assert response.status_code == 403
    with scope(org_a):
        assert not AuditLog.objects.exists()


def test_scan_card_qr_code_is_an_svg_of_the_token(clerk, family):
    response = clerk.get(reverse("people:child-qr", args=[family["child"].pk]))
    assert response["Content-Type"] == "image/svg+xml"
    # A standalone document: without its namespace an <img> of the card shows nothing.
    assert response.content.startswith(b'<svg xmlns="http://www.w3.org/2000/svg"')


def test_child_list_search_filter_and_group(clerk, family):
    url = reverse("people:child-list")
    assert "Lambert" in clerk.get(url, {"q": "lamb"}).content.decode()
    assert "Lambert" not in clerk.get(url, {"q": "zzz"}).content.decode()
    grouped = clerk.get(url, {"group": "site"}).content.decode()
    assert "École du Centre" in grouped
    problems = clerk.get(url, {"problem": "no_attestable"}).content.decode()
    assert "Lambert Léa" not in problems


def test_dropping_billable_flag_is_refused_while_a_guard_names_a_reason(clerk, family, org_a):
    """A registered guard (attendance, billing) blocks the change, and the page says why."""

    def guard(link):
        return ["3 unbilled attendances in October 2026"]

    services.register_billable_guard(guard)
    try:
        link = family["link"]
        url = reverse("people:link-update", args=[family["child"].pk, link.pk])
        response = clerk.post(url, {"relationship": "mother", "attestable": "on"})
        assert response.status_code == 200
        assert "3 unbilled attendances" in response.content.decode()
        with scope(org_a):
            assert ChildPerson.objects.get(pk=link.pk).billable
        removed = clerk.post(
            reverse("people:link-delete", args=[family["child"].pk, link.pk]), follow=True
        )
        assert "3 unbilled attendances" in removed.content.decode()
        with scope(org_a):
            assert ChildPerson.objects.filter(pk=link.pk).exists()
    finally:
        services._billable_guards.remove(guard)
    response = clerk.post(
        reverse("people:link-update", args=[family["child"].pk, family["link"].pk]),
        {"relationship": "mother", "attestable": "on"},
    )
    assert response.status_code == 302
    with scope(org_a):
        assert not ChildPerson.objects.get(pk=family["link"].pk).billable


def test_person_list_search_and_grouping(clerk, family):
    url = reverse("people:person-list")
    assert "Lambert Sophie" in clerk.get(url, {"q": "s@example"}).content.decode()
    assert "Lambert Sophie" not in clerk.get(url, {"q": "zzz"}).content.decode()
    assert "Lambert Sophie" not in clerk.get(url, {"delivery": "post"}).content.decode()
    grouped = clerk.get(url, {"group": "language"}).content.decode()
    assert 'class="group"' in grouped


def test_scan_card_shows_the_child_and_its_qr_code(clerk, family):
    page = clerk.get(reverse("people:child-card", args=[family["child"].pk])).content.decode()
    assert "Lambert" in page
    assert reverse("people:child-qr", args=[family["child"].pk]) in page
