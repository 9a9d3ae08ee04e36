"""Issuing the invoices of many files invoiced afterwards at once, from the files list: the
count and total before, the background job, the e-mails and the letters after, the list's
filter kept, files cancelled meanwhile left out by name, one organisation only, the roles."""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests.conftest import with_token
from tests.fees import builders as b

from regie.billing.models import Invoice
from regie.core.models import Job, Role
from regie.core.tenancy import scope
from regie.documents.models import DocumentBatch, Sending
from regie.fees.bulk_invoicing import files_invoice_many
from regie.fees.models import FileState, ServiceFile
from regie.fees.services import file_cancel, file_push

pytestmark = pytest.mark.django_db


def later(service, reference, **applicant):
    return file_push(
        service=service,
        data=b.container(reference, way="afterwards", applicant=b.applicant(**applicant)),
    )[0]


@pytest.fixture
def files(org_a, org_b):
    """Organisation A: three permit files to invoice (one applicant by post), an event's file
    to invoice, a permit file awaiting payment. Organisation B: one file to invoice."""
    with scope(org_a):
        permits, events = b.service(), b.service("Événements")
        found = {
            "occ1": later(permits, "OCC-1"),
            "occ2": later(permits, "OCC-2", last_name="Peeters", email="p@x.be"),
            "occ3": later(permits, "OCC-3", last_name="Maes", email=""),
            "evt1": later(events, "EVT-1", last_name="Dubois", email="d@x.be"),
        }
        file_push(service=permits, data=b.container("OCC-9"))
    with scope(org_b):
        found["other"] = later(b.service(), "OCC-1")
    return found


@pytest.fixture
def finance(org_a, login):
    return login(org_a, Role.FINANCE)


def test_the_service_issues_each_invoice_and_names_the_files_left_out(files, org_a):
    with scope(org_a):
        file_cancel(file=files["occ2"])
        advanced = []
        invoices, left_out = files_invoice_many(
            [files["occ1"].pk, files["occ2"].pk], day=None, advance=advanced.append
        )
        assert [invoice.total_cents for invoice in invoices] == [3000]
        assert [reference for reference, _error in left_out] == ["OCC-2"]
        assert ServiceFile.objects.get(pk=files["occ1"].pk).state == FileState.INVOICED
        assert sum(advanced) == 2


def test_the_list_offers_to_invoice_the_files_of_its_filter(files, finance):
    page = finance.get(reverse("fees-files:file-list")).content.decode()
    assert 'id="files-invoice"' in page and "(4)" in page
    service = files["occ1"].service_id
    page = finance.get(reverse("fees-files:file-list"), {"service": service}).content.decode()
    assert f"invoice/?service={service}" in page and "(3)" in page
    page = finance.get(reverse("fees-files:file-list"), {"state": "paid"}).content.decode()
    assert 'id="files-invoice"' not in page


def test_confirming_issues_the_invoices_sends_the_e_mails_and_prepares_the_letters(
    files, finance, org_a, django_capture_on_commit_callbacks
):
    url = reverse("fees-files:files-invoice")
    service = files["occ1"].service_id
    page = finance.get(url, {"service": service})
    text = page.content.decode()
    assert page.context["count"] == 3 and "90,00 €" in text  # three containers of 30,00 €
    with django_capture_on_commit_callbacks(execute=True):
        response = finance.post(f"{url}?service={service}", with_token())
    with scope(org_a):
        job = Job.objects.get(kind="fees.files_invoice")
        assert response.url == reverse("job", args=[job.pk])
        assert job.status == Job.Status.DONE, job.error
        states = dict(ServiceFile.objects.values_list("external_id", "state"))
        assert states == {"OCC-1": "invoiced", "OCC-2": "invoiced", "OCC-3": "invoiced",
                          "EVT-1": "to_invoice", "OCC-9": "awaiting_payment"}  # fmt: skip
        invoices = Invoice.objects.filter(service_file__isnull=False)
        assert invoices.count() == 3 and {i.total_cents for i in invoices} == {3000}
        emails = Sending.objects.filter(document_id__in=invoices.values("pk"), channel="email")
        assert emails.count() == 2
        letters = DocumentBatch.objects.get()
        assert job.result["next_url"] == letters.get_absolute_url()
        assert "3 factures émises, 90,00 € au total." in job.result["summary"]
    with scope(files["other"].organisation):
        assert ServiceFile.objects.get().state == FileState.TO_INVOICE  # B's file untouched


def test_the_same_confirmation_sent_twice_issues_once(
    files, finance, org_a, django_capture_on_commit_callbacks
):
    url = reverse("fees-files:files-invoice")
    data = with_token()
    with django_capture_on_commit_callbacks(execute=True):
        finance.post(url, data)
    with django_capture_on_commit_callbacks(execute=True):
        finance.post(url, data)
    with scope(org_a):
        assert Job.objects.filter(kind="fees.files_invoice").count() == 1
        assert Invoice.objects.count() == 4


def test_nothing_to_invoice_is_said_and_starts_nothing(files, finance, org_a):
    url = reverse("fees-files:files-invoice")
    page = finance.get(url, {"q": "nobody"})
    assert page.context["count"] == 0
    response = finance.post(f"{url}?q=nobody", with_token(), follow=True)
    assert "Aucun dossier de cette liste n&#x27;est à facturer." in response.content.decode()
    bad = finance.get(url, {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert bad.status_code == 302
    with scope(org_a):
        assert not Job.objects.filter(kind="fees.files_invoice").exists()


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.AUDITOR, Role.STAFF])
def test_only_who_edits_finances_issues_invoices(files, org_a, login, role):
    client = login(org_a, role)
    assert client.get(reverse("fees-files:files-invoice")).status_code == 403
    assert client.post(reverse("fees-files:files-invoice"), with_token()).status_code == 403
    with scope(org_a):
        assert not Invoice.objects.exists()
