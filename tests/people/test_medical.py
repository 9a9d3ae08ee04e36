"""A child's medical data: the coordinator's screens, logged views, the auditor's log."""

from __future__ import annotations

import pytest
from tests import factories as f

from regie.core.models import AuditLog, Role
from regie.core.tenancy import scope
from regie.people.medical import medical_record_save
from regie.people.models import MedicalRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def lea(org_a):
    with scope(org_a):
        child = f.child("Léa", "Lambert")
        medical_record_save(
            child=child, allergies="Arachides", doctor="Dr Martin", doctor_phone="081 22 33 44"
        )
    return child


def logged(org, child) -> list[str]:
    with scope(org):
        entries = AuditLog.objects.filter(model="people.Child", object_id=str(child.pk))
        return [entry.user.username for entry in entries if entry.action == "view_medical"]


def test_the_coordinator_sees_the_full_record_and_the_view_is_logged(org_a, login, lea):
    client = login(org_a, Role.COORDINATOR, username="claire")
    page = client.get(f"/registry/children/{lea.pk}/medical/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Arachides" in html and "081 22 33 44" in html
    assert logged(org_a, lea) == ["claire"]
    assert "Données médicales" in client.get(f"/registry/children/{lea.pk}/").content.decode()


def test_the_coordinator_edits_the_record_and_opening_the_form_is_logged(org_a, login, lea):
    client = login(org_a, Role.COORDINATOR, username="claire")
    url = f"/registry/children/{lea.pk}/medical/edit/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"allergies": "Arachides, kiwi", "diet": "Sans porc"})
    assert response.status_code == 302
    with scope(org_a):
        record = MedicalRecord.objects.get(child=lea)
    assert (record.allergies, record.diet, record.doctor) == ("Arachides, kiwi", "Sans porc", "")
    assert logged(org_a, lea) == ["claire", "claire"]


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.STAFF, Role.FINANCE, Role.AUDITOR])
def test_other_roles_never_see_the_record(org_a, login, lea, role):
    client = login(org_a, role)
    assert client.get(f"/registry/children/{lea.pk}/medical/").status_code == 403
    assert client.post(f"/registry/children/{lea.pk}/medical/edit/", {}).status_code == 403
    assert logged(org_a, lea) == []


def test_the_auditor_reads_the_medical_views_in_the_audit_log(org_a, login, lea, client):
    login(org_a, Role.COORDINATOR, username="claire").get(f"/registry/children/{lea.pk}/medical/")
    auditor = login(org_a, Role.AUDITOR)
    page = auditor.get("/config/core/auditlog/?action=view_medical")
    assert page.status_code == 200
    html = page.content.decode()
    assert "claire" in html and "dossier médical consulté" in html


def test_another_organisations_child_is_missing(org_a, org_b, login, lea):
    client = login(org_b, Role.COORDINATOR)
    assert client.get(f"/registry/children/{lea.pk}/medical/").status_code == 404
    assert logged(org_a, lea) == []


def test_alerts_are_allergies_diet_and_medication_only():
    record = MedicalRecord(diet="Végétarien", medication="Ventolin", doctor="Dr X", notes="n")
    assert [alert["field"] for alert in record.alerts()] == ["diet", "medication"]
