"""The certificates' screens: preview with every problem, build in the background, read."""

import io
from datetime import date

import pytest
from django.urls import reverse
from tests.certificates.builders import days, family, invoice_post, kinds_create, maximum, pay

from regie.certificates.models import Certificate, CertificateBatch, DailyMaximum
from regie.certificates.services import batch_create
from regie.core.models import AuditLog, Role
from regie.core.tenancy import scope

pytestmark = pytest.mark.django_db


def paid_family(org, *, attestable=True):
    with scope(org):
        kinds = kinds_create()
        parent, child = family(attestable=attestable)
        lines = [(d, kinds.care, 200) for d in days(date(2025, 3, 3), 10)]
        pay(invoice_post(parent, child, lines, day=date(2025, 3, 31)), 2000, date(2025, 4, 2))
        maximum(2025)
        return parent, child


def test_preview_lists_the_problems_with_a_link_to_fix_them(org_a, login):
    parent, child = paid_family(org_a, attestable=False)
    client = login(org_a, Role.FINANCE)
    page = client.get(reverse("certificates:index"), {"year": 2025}).content.decode()
    assert 'data-code="certificates.not_attestable"' in page
    assert "20,00 €" in page and child.get_absolute_url() in page


def test_building_makes_the_batch_and_each_certificate_opens(
    org_a, login, django_capture_on_commit_callbacks
):
    paid_family(org_a)
    client = login(org_a, Role.FINANCE)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("certificates:build"), {"year": 2025}, follow=True)
    assert answer.status_code == 200
    with scope(org_a):
        batch = CertificateBatch.objects.get()
        certificate = Certificate.objects.get(batch=batch)
    page = client.get(batch.get_absolute_url()).content.decode()
    assert "2025-000001" in page
    detail = client.get(certificate.get_absolute_url()).content.decode()
    assert "03/03/2025" in detail and "12/03/2025" in detail and "20,00 €" in detail


def test_missing_daily_maximum_is_said_on_the_preview_not_a_500(org_a, login):
    client = login(org_a, Role.FINANCE)
    answer = client.get(reverse("certificates:index"), {"year": 2019})
    assert answer.status_code == 200
    assert "2019" in answer.content.decode()


@pytest.mark.parametrize("amount", ["abc", "-3", "99999999", ""])
def test_absurd_daily_maximum_is_refused_with_a_message(org_a, login, amount):
    client = login(org_a, Role.FINANCE)
    answer = client.post(
        reverse("certificates:maximum"), {"maximum-year": 2026, "maximum-amount": amount}
    )
    assert answer.status_code == 400
    with scope(org_a):
        assert not DailyMaximum.objects.exists()


def test_daily_maximum_typed_the_belgian_way_is_saved(org_a, login):
    client = login(org_a, Role.FINANCE)
    client.post(reverse("certificates:maximum"), {"maximum-year": 2026, "maximum-amount": "16,40"})
    with scope(org_a):
        assert DailyMaximum.objects.get().cents == 1640


def test_an_auditor_reads_but_cannot_build(org_a, login):
    client = login(org_a, Role.AUDITOR)
    assert client.get(reverse("certificates:index")).status_code == 200
    assert client.post(reverse("certificates:build"), {"year": 2025}).status_code == 403
    staff = login(org_a, Role.STAFF)
    assert staff.get(reverse("certificates:index")).status_code == 403


def test_belcotax_file_downloads_and_is_logged(org_a, login):
    paid_family(org_a)
    with scope(org_a):
        batch = batch_create(year=2025)
    client = login(org_a, Role.FINANCE)
    data = {"contact": "Anne", "phone": "081000000", "email": "a@example.be"}
    answer = client.post(reverse("certificates:batch-filing", args=[batch.pk]), data)
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/xml"
    assert b"<f2011_nationaalnr>85073003328</f2011_nationaalnr>" in answer.content
    with scope(org_a):
        assert AuditLog.objects.filter(action="export", object_id=str(batch.pk)).exists()


def test_belcotax_file_without_contact_is_refused_with_the_form(org_a, login):
    paid_family(org_a)
    with scope(org_a):
        batch = batch_create(year=2025)
    client = login(org_a, Role.FINANCE)
    answer = client.post(reverse("certificates:batch-filing", args=[batch.pk]), {"phone": "1"})
    assert answer.status_code == 400
    assert 'id="filing-form"' in answer.content.decode()


def test_a_certificate_prints_as_a_pdf_in_the_persons_language(org_a, login):
    parent, _child = paid_family(org_a)
    with scope(org_a):
        parent.language = "nl"
        parent.save()
        certificate = Certificate.objects.get(batch=batch_create(year=2025))
    client = login(org_a, Role.FINANCE)
    page = client.get(certificate.get_absolute_url()).content.decode()
    url = reverse("documents:pdf", args=["certificate", certificate.pk])
    assert url in page
    answer = client.get(url)
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
    assert "attestation-281-86-2025-000001.pdf" in answer["Content-Disposition"]
    text = pdf_text(answer.content)
    assert "Fiscaal attest" in text and "20,00 €" in text and "03/03/2025" in text


def test_the_batch_opens_on_the_documents_page_of_its_certificates(org_a, login):
    paid_family(org_a)
    with scope(org_a):
        batch = batch_create(year=2025)
    client = login(org_a, Role.FINANCE)
    answer = client.get(reverse("documents:group", args=["certificate", batch.pk]))
    assert answer.status_code == 200 and "281.86 2025" in answer.content.decode()


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
