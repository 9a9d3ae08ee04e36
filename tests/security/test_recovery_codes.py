"""Recovery codes are kept as one-way digests (issue 13, 9): shown once when made, never
stored in clear, hashed in place for the users who had codes before; and a change of an
organisation's second-factor requirement is written to its audit log, whatever the path."""

from __future__ import annotations

import importlib

import pytest
from django import forms
from django.apps import apps
from django.db import connection
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from tests.conftest import make_organisation, make_user
from tests.security.test_second_factor import audit_actions, enrol, log_in

from regie.core.models import AuditLog, Organisation, Role
from regie.core.services import organisation_save
from regie.core.tenancy import scope
from regie.security import services
from regie.security.models import RecoveryCode

hashing = importlib.import_module("regie.security.migrations.0001_recovery_codes")


def every_stored_value() -> str:
    """Return every value of the second factor's tables, as one text."""
    with connection.cursor() as cursor:
        values = []
        for table in ("otp_static_statictoken", "otp_static_staticdevice", "security_recoverycode"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            values += [str(value) for row in cursor.fetchall() for value in row]
    return " ".join(values).lower()


@pytest.fixture
def fran(db, client):
    org = make_organisation("Commune")
    user = make_user("fran", org, Role.FINANCE)
    _device, codes = enrol(log_in(client, "fran"), user)
    return user, codes


def test_the_codes_are_shown_once_and_stored_as_digests_only(fran, client):
    user, codes = fran
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = every_stored_value()
    for code in codes:
        assert code not in stored and code.replace("-", "") not in stored
    assert not StaticToken.objects.exists()
    assert RecoveryCode.objects.filter(device__user=user).count() == 10
    assert all(
        d.startswith("pbkdf2_sha256$")
        for d in RecoveryCode.objects.values_list("digest", flat=True)
    )
    page = client.get(reverse("security:account")).content.decode()
    assert not any(code in page for code in codes)


def test_a_stored_code_works_once_typed_any_way(fran):
    user, codes = fran
    typed = codes[3].upper().replace("-", " ")
    assert services.second_factor_verify(user=user, code=typed).name == services.RECOVERY
    assert RecoveryCode.objects.filter(device__user=user).count() == 9
    with pytest.raises(services.DomainError):
        services.second_factor_verify(user=user, code=codes[3])


def test_the_migration_hashes_the_codes_kept_in_clear(db):
    """Codes made before (django-otp's StaticToken, in clear) are replaced by their digests
    and keep working, once each."""
    user = make_user("ancien")
    device = StaticDevice.objects.create(user=user, name=services.RECOVERY, confirmed=True)
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=token) for token in ("abcdefgh", "ijklmnop")
    )

    hashing.hash_clear_codes(apps, None)

    assert not StaticToken.objects.exists()
    assert "abcdefgh" not in every_stored_value()
    assert RecoveryCode.objects.filter(device=device).count() == 2
    assert services.second_factor_verify(user=user, code="ABCD-EFGH").pk == device.pk
    with pytest.raises(services.DomainError):
        services.second_factor_verify(user=user, code="abcdefgh")


def test_the_demo_prints_a_recovery_code_that_works(db):
    from regie.demo.second_factor import DEMO_RECOVERY_CODES, enrol_demo_user, second_factor_hint

    user = make_user("finances")
    enrol_demo_user(user)
    assert f"the recovery code “{DEMO_RECOVERY_CODES[0]}”" in second_factor_hint()
    services.second_factor_verify(user=user, code=DEMO_RECOVERY_CODES[0])
    assert f"the recovery code “{DEMO_RECOVERY_CODES[1]}”" in second_factor_hint()


# -- The organisation's requirement, audited ---------------------------------------------------


def form_values(form) -> dict:
    """Return what the browser sends for an unchanged Django form."""
    values = {}
    for name, field in form.fields.items():
        if isinstance(field, forms.FileField):
            continue  # no file sent: the stored one stays
        value = form[name].value()
        if value is True:
            values[name] = "on"
        elif value not in (None, False):
            values[name] = value
    return values


def test_turning_the_requirement_on_in_the_configuration_is_audited(db, login):
    org = make_organisation("Commune")
    org.require_second_factor = False
    org.save()
    client = login(org, Role.ADMINISTRATOR)
    url = reverse("admin:core_organisation_change", args=[org.pk])
    form = client.get(url).context["adminform"].form

    response = client.post(url, {**form_values(form), "require_second_factor": "on"})

    assert response.status_code == 302, response.context["adminform"].form.errors
    org.refresh_from_db()
    assert org.require_second_factor
    assert audit_actions(org)[-1] == AuditLog.Action.SECOND_FACTOR_POLICY
    unchanged = client.post(url, {**form_values(form), "require_second_factor": "on"})
    assert unchanged.status_code == 302
    assert audit_actions(org).count(AuditLog.Action.SECOND_FACTOR_POLICY) == 1


def test_every_change_of_the_requirement_names_who_and_which_way(db):
    org = make_organisation("Commune")
    admin = make_user("chef", org)
    first = not org.require_second_factor
    for required in (first, not first):
        org.require_second_factor = required
        organisation_save(organisation=org, user=admin)
    with scope(org):
        entries = AuditLog.objects.filter(action=AuditLog.Action.SECOND_FACTOR_POLICY)
        said = [(e.user, e.detail) for e in entries.order_by("pk")]
    words = {True: "required", False: "not required"}
    assert said == [(admin, words[first]), (admin, words[not first])]
    org.name = "Commune renommée"
    organisation_save(organisation=org)  # no change of the requirement: no entry, no user needed
    org.require_second_factor = not org.require_second_factor
    with pytest.raises(ValueError, match="needs the user"):
        organisation_save(organisation=org)
    stored = Organisation.objects.get(pk=org.pk)
    assert stored.require_second_factor != org.require_second_factor
