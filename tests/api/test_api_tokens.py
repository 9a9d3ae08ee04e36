"""Specification of users' API tokens in the back-office: the page "API tokens" and the admin.

A member creates a token on their own page (its secret shown once in the answer, never
stored), sees only their tokens with their beginning, and revokes them; an administrator may
revoke any token of the organisation in the configuration.
"""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse
from tests.conftest import make_user

from regie.core.api_tokens import api_token_create
from regie.core.models import ApiToken, Role, User
from regie.core.tenancy import scope

SECRET = re.compile(r'<code id="new-token" data-token>(api_[^<]+)</code>')


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_a_member_creates_a_token_shown_once_that_acts_as_them(org_a, login):
    client = login(org_a, Role.FINANCE, username="compta")
    page = client.post(reverse("api-tokens"), {"name": "Logiciel comptable"})
    assert page.status_code == 200
    [secret] = SECRET.findall(page.content.decode())
    me = Client().get("/api/v1/me", **bearer(secret)).json()
    assert me["user"]["username"] == "compta" and me["user"]["role"] == Role.FINANCE
    listing = client.get(reverse("api-tokens")).content.decode()
    assert secret not in listing and "Logiciel comptable" in listing
    with scope(org_a):
        token = ApiToken.objects.get()
    assert token.hint in listing and token.user.username == "compta"


def test_a_member_revokes_their_token_but_not_someone_elses(org_a, login):
    other = make_user("other", org_a, Role.FINANCE)
    theirs, their_secret = api_token_create(user=other, organisation=org_a, name="autre")
    client = login(org_a, Role.FINANCE, username="compta")
    mine, my_secret = api_token_create(
        user=User.objects.get(username="compta"), organisation=org_a, name="mien"
    )
    listing = client.get(reverse("api-tokens")).content.decode()
    assert "mien" in listing and "autre" not in listing

    refused = client.post(reverse("api-token-revoke", args=[theirs.pk]))
    revoked = client.post(reverse("api-token-revoke", args=[mine.pk]))

    assert refused.status_code == 404
    assert revoked.status_code == 302
    assert Client().get("/api/v1/me", **bearer(my_secret)).status_code == 401
    assert Client().get("/api/v1/me", **bearer(their_secret)).status_code == 200
    assert 'data-active="0"' in client.get(reverse("api-tokens")).content.decode()


def test_the_page_needs_a_login(db):
    response = Client().get(reverse("api-tokens"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_administrator_revokes_any_token_of_the_organisation_in_the_admin(org_a, login):
    user = make_user("compta", org_a, Role.FINANCE)
    token, secret = api_token_create(user=user, organisation=org_a, name="nightly")
    admin = login(org_a, Role.ADMINISTRATOR)
    changelist = reverse("admin:core_apitoken_changelist")
    page = admin.get(changelist).content.decode()
    assert "nightly" in page and secret not in page
    admin.post(changelist, {"action": "revoke", "_selected_action": [token.pk]})
    assert Client().get("/api/v1/me", **bearer(secret)).json()["code"] == "api.token_revoked"
