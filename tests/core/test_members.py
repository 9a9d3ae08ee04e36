"""The organisation's administrator manages its members (issue 14.8), no superuser needed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from regie.core import members
from regie.core.errors import DomainError
from regie.core.models import AuditLog, Invitation, Membership, Role, User
from regie.core.tenancy import scope

pytestmark = pytest.mark.django_db

INVITE = {
    "email": "Julie.Lambert@example.be",
    "first_name": "Julie",
    "last_name": "Lambert",
    "role": Role.COORDINATOR,
}


def invite_link() -> str:
    return re.search(r"https?://\S+", mail.outbox[-1].body).group(0)


def test_an_invited_member_sets_a_password_once_and_logs_in(org_a, login, client):
    admin = login(org_a, Role.ADMINISTRATOR)
    page = admin.post(reverse("members:list"), INVITE)
    assert page.status_code == 302
    assert mail.outbox[-1].to == ["julie.lambert@example.be"]
    link = invite_link()
    membership = Membership.objects.get(user__email="julie.lambert@example.be")
    assert membership.role == Role.COORDINATOR and not membership.user.is_active
    with scope(org_a):
        assert AuditLog.objects.filter(action=AuditLog.Action.MEMBER_INVITE).count() == 1
    admin.logout()
    path = link.split("testserver", 1)[1]
    form = client.get(path)
    assert form.status_code == 200 and "Julie" in form.content.decode()
    password = "un-mot-de-passe-solide-42"
    done = client.post(path, {"new_password1": password, "new_password2": password})
    assert done.status_code == 302
    logged = client.post(
        reverse("login"), {"username": "julie.lambert@example.be", "password": password}
    )
    assert logged.status_code == 302
    client.logout()
    assert client.get(path).status_code == 404  # used once
    assert client.post(path, {"new_password1": "x", "new_password2": "x"}).status_code == 404


def test_an_expired_invitation_is_refused(org_a, login, client):
    admin = login(org_a, Role.ADMINISTRATOR)
    admin.post(reverse("members:list"), INVITE)
    path = invite_link().split("testserver", 1)[1]
    Invitation.unscoped_objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    admin.logout()
    assert client.get(path).status_code == 404
    assert client.get("/invitation/inv_nothing/").status_code == 404


def test_an_existing_user_is_added_without_a_link(org_a, org_b, login):
    existing = User.objects.create_user("julie", email="julie.lambert@example.be", password="pw")
    Membership.objects.create(user=existing, organisation=org_b, role=Role.FINANCE)
    login(org_a, Role.ADMINISTRATOR).post(reverse("members:list"), INVITE)
    assert Membership.objects.get(user=existing, organisation=org_a).role == Role.COORDINATOR
    assert not Invitation.unscoped_objects.exists()
    assert "/login/" in mail.outbox[-1].body
    again = members.member_invite
    with pytest.raises(DomainError) as caught:
        again(organisation=org_a, by=existing, base_url="http://x", **INVITE)
    assert caught.value.code == "members.already"


def test_role_change_and_deactivation_keep_one_administrator(org_a, login):
    client = login(org_a, Role.ADMINISTRATOR, username="chef")
    chef = Membership.objects.get(user__username="chef")
    other = Membership.objects.create(
        user=User.objects.create_user("paul"), organisation=org_a, role=Role.FINANCE
    )
    url = reverse("members:role", args=[other.pk])
    client.post(url, {f"{other.pk}-role": Role.AUDITOR})
    other.refresh_from_db()
    assert other.role == Role.AUDITOR
    client.post(reverse("members:role", args=[chef.pk]), {f"{chef.pk}-role": Role.STAFF})
    chef.refresh_from_db()
    assert chef.role == Role.ADMINISTRATOR  # the only administrator
    client.post(reverse("members:active", args=[chef.pk]), {"active": "0"})
    assert Membership.objects.get(pk=chef.pk).is_active
    client.post(reverse("members:active", args=[other.pk]), {"active": "0"})
    assert not Membership.objects.get(pk=other.pk).is_active
    with scope(org_a):
        actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {AuditLog.Action.MEMBER_ROLE, AuditLog.Action.MEMBER_OFF} <= actions
    page = client.get(reverse("members:list")).content.decode()
    assert "paul" in page


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.FINANCE, Role.AUDITOR])
def test_only_the_administrator_manages_members(org_a, login, role):
    client = login(org_a, role)
    assert client.get(reverse("members:list")).status_code == 403
    assert client.post(reverse("members:list"), INVITE).status_code == 403
    assert not Membership.objects.filter(user__email="julie.lambert@example.be").exists()


def test_a_mail_server_that_does_not_answer_saves_nothing(org_a, login, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9
    page = login(org_a, Role.ADMINISTRATOR).post(reverse("members:list"), INVITE)
    assert page.status_code == 200
    assert "serveur de courrier" in str(page.context["form"].non_field_errors())
    assert not User.objects.filter(email="julie.lambert@example.be").exists()


def test_a_user_is_shown_by_name_not_by_login():
    assert str(User(username="adupont", first_name="Anne", last_name="Dupont")) == "Anne Dupont"
    assert str(User(username="adupont")) == "adupont"
