"""Role permissions: each role reaches what its job needs, and nothing more."""

import pytest
from django.urls import reverse

from regie.core.models import Role
from regie.core.tenancy import scope
from regie.people.models import Child

READ = ["people:child-list", "people:person-list"]


@pytest.mark.parametrize(
    ("role", "can_read", "can_edit", "can_config"),
    [
        (Role.ADMINISTRATOR, True, True, True),
        (Role.COORDINATOR, True, True, False),
        (Role.FINANCE, True, False, False),
        (Role.AUDITOR, True, False, True),
        (Role.STAFF, False, False, False),
    ],
)
def test_role_matrix(org_a, login, role, can_read, can_edit, can_config):
    """Registry reading, editing and configuration follow the role."""
    client = login(org_a, role)
    for name in READ:
        assert client.get(reverse(name)).status_code == (200 if can_read else 403)
    assert client.get(reverse("people:child-create")).status_code == (200 if can_edit else 403)
    response = client.post(
        reverse("people:child-create"),
        {
            "last_name": "Martin",
            "first_name": "Jules",
            "birth_date": "2017-05-04",
            "is_active": "on",
        },
    )
    assert response.status_code == (302 if can_edit else 403)
    with scope(org_a):
        assert Child.objects.filter(last_name="Martin").exists() == can_edit
    config = client.get(reverse("admin:index"))
    assert (config.status_code == 200) == can_config


def test_auditor_sees_configuration_read_only(org_a, login):
    """The auditor may view configuration lists but not add or change anything."""
    client = login(org_a, Role.AUDITOR)
    assert client.get(reverse("admin:people_schoolsite_changelist")).status_code == 200
    assert client.get(reverse("admin:people_schoolsite_add")).status_code == 403


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(reverse("people:child-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_user_without_membership_sees_no_registry(db, client):
    """A user who belongs to no organisation gets a clear page, never data."""
    from tests.conftest import make_user

    user = make_user("orphan")
    client.force_login(user)
    assert client.get(reverse("people:child-list")).status_code == 403
    assert "organisation" in client.get(reverse("home")).content.decode().lower()
