"""Login, lockout after repeated failures, and the language of the session."""

from django.urls import reverse
from tests.conftest import make_user


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
