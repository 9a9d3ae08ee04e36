"""The second factor (issue 13, item 9): enrolment, login with a code, recovery codes, resets."""

from __future__ import annotations

import doctest
import re
import time

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from tests.conftest import make_organisation, make_user

from regie.core.api_tokens import api_token_create
from regie.core.models import AuditLog, Membership, Role, User
from regie.core.tenancy import scope
from regie.security import headers, policy, recovery, services

#: A recovery code as the page shows it: three groups of four base32 characters.
CODE = r"<li>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</li>"


def test_the_pure_rules_hold_their_examples():
    for module in (policy, services, headers, recovery):
        assert doctest.testmod(module).failed == 0


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the phone shows now (or ``steps_ahead`` periods of 30 s later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def audit_actions(org) -> list[str]:
    with scope(org):
        return list(AuditLog.objects.order_by("pk").values_list("action", flat=True))


@pytest.fixture
def strict_org(db):
    org = make_organisation("Commune stricte")
    org.require_second_factor = True
    org.save()
    return org


def log_in(client, username):
    response = client.post(reverse("login"), {"username": username, "password": "pw-" + username})
    assert response.status_code == 302
    return client


def enrol(client, user) -> tuple[TOTPDevice, list[str]]:
    client.get(reverse("security:enrol"))
    device = TOTPDevice.objects.get(user=user)
    page = client.post(reverse("security:enrol"), {"code": code_for(device), "next": "/"})
    codes = re.findall(CODE, page.content.decode())
    return TOTPDevice.objects.get(user=user), codes


def test_an_administrator_of_a_strict_organisation_sets_it_up_at_the_first_login(
    strict_org, client
):
    """Every page leads to the set-up (QR code and key) until a right code confirms it."""
    user = make_user("anne", strict_org, Role.ADMINISTRATOR)
    log_in(client, "anne")
    home = client.get("/registry/children/")
    assert home.status_code == 302
    assert home["Location"].startswith(reverse("security:enrol"))
    page = client.get(home["Location"], HTTP_ACCEPT_LANGUAGE="fr")
    html = page.content.decode()
    assert "<svg" in html and 'id="manual-key"' in html
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    key = re.search(r'id="manual-key" value="([A-Z2-7 ]+)"', html).group(1).replace(" ", "")
    assert len(key) == 32
    wrong = client.post(reverse("security:enrol"), {"code": "000000"})
    assert "ne correspond pas" in wrong.content.decode()
    assert client.get(reverse("home")).status_code == 302
    done = client.post(reverse("security:enrol"), {"code": code_for(device), "next": "/"})
    codes = re.findall(CODE, done.content.decode())
    assert len(set(codes)) == 10
    assert client.get(reverse("home")).status_code == 200
    assert audit_actions(strict_org) == [AuditLog.Action.SECOND_FACTOR_ENROL]
    # A second set-up is refused: an administrator resets the first one.
    assert client.get(reverse("security:enrol"))["Location"] == reverse("security:account")


def test_each_login_asks_the_code_and_refuses_a_wrong_one(strict_org, client):
    user = make_user("fran", strict_org, Role.FINANCE)
    device, _codes = enrol(log_in(client, "fran"), user)
    client.post(reverse("logout"))
    log_in(client, "fran")
    asked = client.get("/billing/invoices/")
    assert asked["Location"] == reverse("security:verify") + "?next=%2Fbilling%2Finvoices%2F"
    wrong = client.post(reverse("security:verify"), {"code": "123456"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert wrong.status_code == 200 and "pas valable" in wrong.content.decode()
    assert client.get(reverse("home")).status_code == 302
    time.sleep(1.1)  # a wrong code holds the next try back for a second
    right = client.post(
        reverse("security:verify"),
        {"code": code_for(device, steps_ahead=1), "next": "/billing/invoices/"},
    )
    assert right["Location"] == "/billing/invoices/"
    assert client.get(reverse("home")).status_code == 200
    actions = audit_actions(strict_org)
    assert actions[-2:] == [
        AuditLog.Action.SECOND_FACTOR_FAILED,
        AuditLog.Action.SECOND_FACTOR_LOGIN,
    ]


def test_wrong_codes_in_a_row_are_held_back(strict_org, client):
    user = make_user("fran", strict_org, Role.FINANCE)
    device, _codes = enrol(log_in(client, "fran"), user)
    client.post(reverse("logout"))
    log_in(client, "fran")
    client.post(reverse("security:verify"), {"code": "111111"})
    held = client.post(
        reverse("security:verify"), {"code": code_for(device, 1)}, HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert "Trop de codes erronés" in held.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_a_recovery_code_works_once(strict_org, client):
    user = make_user("fran", strict_org, Role.FINANCE)
    _device, codes = enrol(log_in(client, "fran"), user)
    client.post(reverse("logout"))
    log_in(client, "fran")
    used = client.post(reverse("security:verify"), {"code": codes[0].upper(), "next": "/"})
    assert used["Location"] == "/"
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    log_in(client, "fran")
    again = client.post(reverse("security:verify"), {"code": codes[0]})
    assert again.status_code == 200
    assert client.get(reverse("home")).status_code == 302
    time.sleep(1.1)
    assert client.post(reverse("security:verify"), {"code": codes[1]}).status_code == 302
    assert AuditLog.Action.RECOVERY_CODE_USED in audit_actions(strict_org)
    account = client.get(reverse("security:account"), HTTP_ACCEPT_LANGUAGE="fr")
    assert "8 codes de secours restants" in account.content.decode()


def test_new_recovery_codes_replace_the_old_ones(strict_org, client):
    user = make_user("fran", strict_org, Role.FINANCE)
    _device, old = enrol(log_in(client, "fran"), user)
    page = client.post(reverse("security:account"))
    new = re.findall(CODE, page.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    with pytest.raises(services.DomainError):
        services.second_factor_verify(user=user, code=old[0])


@pytest.mark.parametrize(
    ("role", "strict", "required"),
    [
        (Role.ADMINISTRATOR, True, True),
        (Role.FINANCE, True, True),
        (Role.COORDINATOR, True, False),
        (Role.STAFF, True, False),
        (Role.AUDITOR, True, False),
        (Role.ADMINISTRATOR, False, False),
    ],
)
def test_who_must_set_it_up(db, client, role, strict, required):
    org = make_organisation("Commune")
    org.require_second_factor = strict
    org.save()
    make_user("someone", org, role)
    answer = log_in(client, "someone").get(reverse("home"))
    assert (answer.status_code == 302) is required


def test_a_member_of_a_strict_and_a_lenient_organisation_sets_it_up(strict_org, org_a, client):
    """The requirement follows the person, whichever organisation is active."""
    user = make_user("double", org_a, Role.STAFF)
    Membership.objects.create(user=user, organisation=strict_org, role=Role.FINANCE)
    assert policy.second_factor_required(user)
    assert log_in(client, "double").get(reverse("home")).status_code == 302


def test_someone_enrolled_of_their_own_accord_is_asked_the_code(org_a, client):
    user = make_user("cla", org_a, Role.COORDINATOR)
    log_in(client, "cla")
    assert client.get(reverse("home")).status_code == 200
    account = client.get(reverse("security:account"), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Aucun second facteur" in account.content.decode()
    enrol(client, user)
    client.post(reverse("logout"))
    log_in(client, "cla")
    assert client.get(reverse("home"))["Location"].startswith(reverse("security:verify"))


def test_the_platform_default_sets_new_organisations(db, settings):
    settings.REGIE_REQUIRE_2FA_DEFAULT = True
    assert make_organisation("Nouvelle").require_second_factor
    settings.REGIE_REQUIRE_2FA_DEFAULT = False
    assert not make_organisation("Autre").require_second_factor


def test_api_tokens_work_but_an_unconfirmed_session_does_not(strict_org, client):
    user = make_user("fran", strict_org, Role.FINANCE)
    _token, secret = api_token_create(user=user, organisation=strict_org, name="compta")
    log_in(client, "fran")
    assert client.get("/api/v1/me").status_code == 401
    answer = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert answer.status_code == 200
    assert client.get(reverse("api-tokens")).status_code == 302


def test_another_administrator_resets_it(strict_org, client):
    fran = make_user("fran", strict_org, Role.FINANCE)
    enrol(log_in(client, "fran"), fran)
    client.post(reverse("logout"))
    boss = make_user("boss", strict_org, Role.ADMINISTRATOR)
    services.TOTPDevice.objects.create(user=boss, name="authenticator", confirmed=True)
    client.force_login(boss)
    session = client.session
    session.update({"otp_device_id": services.confirmed_device(boss).persistent_id})
    session.save()
    page = client.get(reverse("security:members"), HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200 and 'data-user="fran"' in page.content.decode()
    client.post(reverse("security:member-reset", args=[fran.pk]))
    assert not services.has_second_factor(fran)
    with scope(strict_org):
        entry = AuditLog.objects.get(action=AuditLog.Action.SECOND_FACTOR_RESET)
    assert (entry.user, entry.object_id) == (boss, str(fran.pk))
    # Not one's own: another administrator does it.
    answer = client.post(reverse("security:member-reset", args=[boss.pk]), follow=True)
    assert services.has_second_factor(boss)
    assert "Un autre administrateur" in answer.content.decode()


def test_only_an_administrator_of_the_same_organisation_resets(strict_org, org_b, client):
    fran = make_user("fran", strict_org, Role.FINANCE)
    services.TOTPDevice.objects.create(user=fran, name="authenticator", confirmed=True)
    coordinator = make_user("coord", strict_org, Role.COORDINATOR)
    client.force_login(coordinator)
    assert client.post(reverse("security:member-reset", args=[fran.pk])).status_code == 403
    assert client.get(reverse("security:members")).status_code == 403
    outsider = make_user("other-admin", org_b, Role.ADMINISTRATOR)
    client.force_login(outsider)
    assert client.post(reverse("security:member-reset", args=[fran.pk])).status_code == 404
    assert 'data-user="fran"' not in client.get(reverse("security:members")).content.decode()
    assert services.has_second_factor(fran)
    with pytest.raises(services.DomainError):
        services.second_factor_reset(actor=outsider, user=fran, organisation=org_b)


def test_the_platform_resets_it_with_a_command(strict_org, capsys):
    fran = make_user("fran", strict_org, Role.FINANCE)
    services.TOTPDevice.objects.create(user=fran, name="authenticator", confirmed=True)
    call_command("secondfactor", "reset", "fran")
    assert "is reset" in capsys.readouterr().out
    assert not services.has_second_factor(fran)
    assert audit_actions(strict_org) == [AuditLog.Action.SECOND_FACTOR_RESET]
    assert User.objects.filter(username="fran").exists()
