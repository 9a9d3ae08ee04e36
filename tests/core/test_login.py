"""Login, lockout after repeated failures, and the language of the session."""

import doctest

from django.test import Client
from django.urls import reverse
from tests.conftest import make_user

from regie.core import login_limits


def test_login_then_home(org_a, client):
    make_user("clerk", org_a)
    response = client.post(reverse("login"), {"username": "clerk", "password": "pw-clerk"})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_repeated_failures_lock_the_account_even_with_the_right_password(org_a, client):
    """After AXES_FAILURE_LIMIT (3 in tests) failures, the right password is refused too."""
    make_user("clerk", org_a)
    for _ in range(3):
        client.post(reverse("login"), {"username": "clerk", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "clerk", "password": "pw-clerk"})
    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert client.get(reverse("home")).status_code == 302


def test_wrong_password_gives_a_clear_message(org_a, client):
    make_user("clerk", org_a)
    response = client.post(
        reverse("login"), {"username": "clerk", "password": "nope"}, HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_many_usernames_tried_from_one_address_lock_the_address_out(org_a, client):
    """Trying usernames one after the other (2 failures each, under the account limit of 3)
    locks the address out after REGIE_LOGIN_ADDRESS_FAILURE_LIMIT (6 in tests) failures."""
    make_user("clerk", org_a)
    for n in range(3):
        for _ in range(2):
            client.post(reverse("login"), {"username": f"guess{n}", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "clerk", "password": "pw-clerk"})
    assert response.status_code == 429
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert (
        other.post(reverse("login"), {"username": "clerk", "password": "pw-clerk"}).status_code
        == 302
    )


def test_without_a_trusted_header_a_forged_forwarded_for_is_ignored(org_a, settings):
    settings.REGIE_TRUSTED_PROXY_HEADER = ""
    make_user("clerk", org_a)
    for n in range(3):
        forged = Client(HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")  # each try claims another address
        forged.post(reverse("login"), {"username": "clerk", "password": "wrong"})
    locked = Client().post(reverse("login"), {"username": "clerk", "password": "pw-clerk"})
    assert locked.status_code == 429


def test_behind_a_trusted_proxy_each_client_is_limited_on_its_own(org_a, settings):
    """The proxy connects from one address and appends the client's to X-Forwarded-For: one
    client's failures do not lock the account out for another, and a value the client wrote
    itself (left of the proxy's) does not count."""
    settings.REGIE_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    make_user("clerk", org_a)
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    attacker = Client(HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)
    for n in range(3):
        attacker.post(
            reverse("login"),
            {"username": "clerk", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 198.51.100.7",
        )
    assert (
        attacker.post(reverse("login"), {"username": "clerk", "password": "pw-clerk"}).status_code
        == 429
    )
    colleague = Client(HTTP_X_FORWARDED_FOR="198.51.100.8", **proxy)
    answer = colleague.post(reverse("login"), {"username": "clerk", "password": "pw-clerk"})
    assert answer.status_code == 302


def test_login_limits_doctests():
    assert doctest.testmod(login_limits).failed == 0
