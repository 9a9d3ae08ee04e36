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
