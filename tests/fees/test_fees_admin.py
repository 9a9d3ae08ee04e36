"""The services' page in the configuration: the signing secret only for those who may change it."""

from __future__ import annotations

from django.urls import reverse
from tests.fees import builders as b

from regie.core.models import Role
from regie.core.tenancy import scope


def test_the_auditor_reads_a_service_but_not_its_signing_secret(org_a, login):
    with scope(org_a):
        service = b.service()
    url = reverse("admin:fees_service_change", args=[service.pk])
    answer = login(org_a, Role.AUDITOR).get(url)
    assert answer.status_code == 200
    assert service.name in answer.content.decode()
    assert service.callback_secret not in answer.content.decode()


def test_the_administrator_sees_the_signing_secret_to_give_it_to_the_integrator(org_a, login):
    with scope(org_a):
        service = b.service()
    url = reverse("admin:fees_service_change", args=[service.pk])
    answer = login(org_a, Role.ADMINISTRATOR).get(url)
    assert answer.status_code == 200
    assert service.callback_secret in answer.content.decode()


def test_the_mollie_api_key_is_typed_once_and_never_shown_again(org_a, login):
    from regie.fees.models import MollieSettings

    client = login(org_a, Role.ADMINISTRATOR)
    added = client.post(
        reverse("admin:fees_molliesettings_add"),
        {"new_api_key": "test_secretkey1234567890", "api_endpoint": "", "is_active": "on"},
    )
    assert added.status_code == 302
    with scope(org_a):
        settings = MollieSettings.objects.get()
    assert settings.api_key == "test_secretkey1234567890"
    url = reverse("admin:fees_molliesettings_change", args=[settings.pk])
    page = client.get(url).content.decode()
    assert "test_secretkey1234567890" not in page
    assert "test_secre" in page  # its beginning, to recognise it
    kept = client.post(url, {"new_api_key": "", "api_endpoint": "", "is_active": "on"})
    assert kept.status_code == 302
    settings.refresh_from_db()
    assert settings.api_key == "test_secretkey1234567890"


def test_a_wrong_mollie_key_is_refused_with_a_message(org_a, login):
    client = login(org_a, Role.ADMINISTRATOR)
    answer = client.post(
        reverse("admin:fees_molliesettings_add"),
        {"new_api_key": "sk_wrong", "api_endpoint": "", "is_active": "on"},
    )
    assert answer.status_code == 200
    assert "test_" in answer.content.decode()


def test_the_auditor_never_reads_the_mollie_api_key(org_a, login):
    from regie.fees.models import MollieSettings
    from regie.fees.online import mollie_settings_save

    with scope(org_a):
        settings = mollie_settings_save(
            settings=MollieSettings(), api_key="test_auditorcannotread123"
        )
    url = reverse("admin:fees_molliesettings_change", args=[settings.pk])
    answer = login(org_a, Role.AUDITOR).get(url)
    assert answer.status_code == 200
    assert "test_auditorcannotread123" not in answer.content.decode()


def test_an_address_typed_without_its_scheme_is_taken_as_https(org_a, login):
    from regie.core.admin_site import site
    from regie.fees.models import MollieSettings, Service

    client = login(org_a, Role.ADMINISTRATOR)
    added = client.post(
        reverse("admin:fees_molliesettings_add"),
        {"new_api_key": "test_secretkey1234567890", "api_endpoint": "mollie.example.be/v2",
         "is_active": "on"},
    )  # fmt: skip
    assert added.status_code == 302
    with scope(org_a):
        assert MollieSettings.objects.get().api_endpoint == "https://mollie.example.be/v2"
    callback = site._registry[Service].formfield_for_dbfield(
        Service._meta.get_field("callback_url"), request=None
    )
    assert callback.clean("permis.example.be/regie") == "https://permis.example.be/regie"
