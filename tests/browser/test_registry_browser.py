"""A clerk logs in and registers a child, in a real browser."""

import pytest
from playwright.sync_api import expect
from tests.conftest import make_user

from regie.core.models import Role
from regie.core.tenancy import scope
from regie.people.models import Child, SchoolClass, SchoolSite

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, username):
    page.goto("/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(f"pw-{username}")
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url("**/")


def test_clerk_logs_in_and_creates_a_child(page, org_a):
    """Given a coordinator, when they log in and fill the child form, the child is saved."""
    make_user("claire", org_a, Role.COORDINATOR)
    with scope(org_a):
        site = SchoolSite.objects.create(name="École du Centre")
        SchoolClass.objects.create(site=site, name="2B", level="P2")

    log_in(page, "claire")
    page.locator("nav a[href='/registry/children/']").click()
    page.locator("a[href='/registry/children/new/']").click()
    page.locator("#id_last_name").fill("Renard")
    page.locator("#id_first_name").fill("Zoé")
    page.locator("#id_birth_date").fill("2018-06-21")
    page.locator("#id_school_class").select_option(label="École du Centre — 2B")
    page.get_by_role("button", name="Enregistrer").click()

    page.wait_for_url("**/registry/children/*/")
    assert "Renard Zoé" in page.locator("h1").inner_text()
    assert "2e primaire" in page.content()
    with scope(org_a):
        child = Child.objects.get(last_name="Renard")
    assert (child.first_name, child.level, str(child.birth_date)) == ("Zoé", "P2", "2018-06-21")


def test_invalid_input_shows_a_french_message_and_keeps_the_form(page, org_a):
    make_user("claire", org_a, Role.COORDINATOR)
    log_in(page, "claire")
    page.goto("/registry/children/new/")
    page.locator("#id_last_name").fill("Renard")
    page.locator("#id_first_name").fill("Zoé")
    page.locator("#id_birth_date").fill("2018-06-21")
    page.locator("#id_national_number").fill("18.06.21-001.00")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    assert "18.06.21-001.00" in page.content()
    assert page.locator("#id_last_name").input_value() == "Renard"
    with scope(org_a):
        assert not Child.objects.exists()
