"""Documents screens: a run's documents, one invoice's PDF, batches, the log of sendings."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core import mail as django_mail
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from pypdf import PdfReader

from regie.billing.models import Invoice
from regie.core.models import Job, Role
from regie.core.tenancy import scope
from regie.documents.models import DocumentBatch, EmailTemplate, Sending, SendingStatus


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_run_page_counts_channels_and_offers_generation_and_sending(families, run, org_a, login):
    client = login(org_a, Role.FINANCE)
    page = client.get(reverse("documents:run", args=[run.pk])).content.decode()
    assert 'id="posted-count">4<' in page
    assert 'id="email-count">2<' in page and 'id="post-count">2<' in page
    assert 'id="generate-form"' in page and 'id="send-form"' in page


def test_auditor_sees_the_run_documents_but_cannot_generate_or_send(families, run, org_a, login):
    client = login(org_a, Role.AUDITOR)
    page = client.get(reverse("documents:run", args=[run.pk])).content.decode()
    assert 'id="generate-form"' not in page and 'id="send-form"' not in page
    assert client.post(reverse("documents:run-generate", args=[run.pk])).status_code == 403
    assert client.post(reverse("documents:run-send", args=[run.pk])).status_code == 403
    assert not DocumentBatch.objects.exists() and not Sending.objects.exists()


def test_generate_goes_to_the_job_then_the_batch_offers_its_zip(
    families, run, org_a, login, django_capture_on_commit_callbacks
):
    """Given a finance officer, when they generate the run's ZIP, then they land on the job's
    page, the job links to the batch, and the download holds the four PDFs."""
    client = login(org_a, Role.FINANCE)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("documents:run-generate", args=[run.pk]), {"format": "zip"})
    job = Job.objects.get(kind="documents.batch")
    assert response.url == reverse("job", args=[job.pk])
    job.refresh_from_db()
    batch = DocumentBatch.objects.get()
    assert job.result["next_url"] == reverse("documents:batch", args=[batch.pk])
    page = client.get(job.result["next_url"]).content.decode()
    assert reverse("documents:batch-download", args=[batch.pk]) in page
    download = client.get(reverse("documents:batch-download", args=[batch.pk]))
    assert download["Content-Type"] == "application/zip"
    assert "attachment" in download["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert len(archive.namelist()) == 4


def test_invoice_pdf_is_rendered_for_a_posted_invoice_only(families, org_a, login, in_a):
    client = login(org_a, Role.AUDITOR)
    invoice = families["de"].invoice
    response = client.get(reverse("documents:invoice-pdf", args=[invoice.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert invoice.number in text and "Rechnung" in text
    draft = Invoice.objects.create(
        person=invoice.person, invoice_date=invoice.invoice_date, due_date=invoice.due_date
    )
    assert client.get(reverse("documents:invoice-pdf", args=[draft.pk])).status_code == 404


def test_sending_never_waits_in_the_web_request(families, run, org_a, login, settings):
    """Given a task backend that only records tasks, when the run is sent from the page, then
    the answer is the job page at once, the e-mails are queued and none has gone yet."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client = login(org_a, Role.FINANCE)
    response = client.post(reverse("documents:run-send", args=[run.pk]))
    job = Job.objects.get(kind="documents.send")
    assert response.url == reverse("job", args=[job.pk])
    assert list(Sending.objects.values_list("status", flat=True)) == [SendingStatus.QUEUED] * 2
    assert django_mail.outbox == []


def test_failures_are_listed_and_all_can_be_retried(
    families, run, org_a, login, django_capture_on_commit_callbacks
):
    """Given a failed sending, the list of failures shows it with the server's answer, and
    "retry all" sends it again (here through Django's test outbox)."""
    anne = families["fr"]
    Sending.objects.create(
        document_id=anne.invoice.pk,
        person=anne.person,
        channel="email",
        recipient="anne@example.be",
        status=SendingStatus.FAILED,
        answer="451 4.3.0 try again later",
    )
    client = login(org_a, Role.FINANCE)
    page = client.get(reverse("documents:sending-list"), {"status": "failed"}).content.decode()
    assert "451 4.3.0 try again later" in page and anne.invoice.number in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("documents:sending-retry-all"))
    retried = Sending.objects.get(retry_of__isnull=False)
    assert retried.status == SendingStatus.SENT
    assert [m.to for m in django_mail.outbox] == [["anne@example.be"]]
    page = client.get(reverse("documents:sending-list"), {"status": "failed"}).content.decode()
    assert "451 4.3.0" not in page


def test_actions_block_for_the_billing_pages(families, run, org_a, in_a):
    """The include ``documents/_actions.html`` links a run to its documents page and gives an
    invoice its PDF, e-mail and refresh actions with its log of sendings."""
    request = RequestFactory().get("/")
    can = {"finance_edit": True, "finance_view": True}
    run_block = render_to_string("documents/_actions.html", {"run": run, "can": can}, request)
    assert reverse("documents:run", args=[run.pk]) in run_block
    invoice = families["fr"].invoice
    Sending.objects.create(
        document_id=invoice.pk, person=invoice.person, channel="email", recipient="anne@example.be"
    )
    block = render_to_string(
        "documents/_actions.html", {"invoice": invoice, "run": run, "can": can}, request
    )
    for name in ("invoice-pdf", "invoice-send", "invoice-refresh"):
        assert reverse(f"documents:{name}", args=[invoice.pk]) in block
    assert "anne@example.be" in block


def test_administrator_writes_the_dutch_email_template_in_the_configuration(org_a, login):
    """A CC that is not an address is refused with a message; a valid template is saved."""
    client = login(org_a, Role.ADMINISTRATOR)
    url = reverse("admin:documents_emailtemplate_add")
    form = {"language": "nl", "subject": "Factuur {{ number }}", "body": "Beste {{ person }}"}
    refused = client.post(url, form | {"cc": "boekhouding@", "bcc": ""})
    assert refused.status_code == 200 and "boekhouding@" in refused.content.decode()
    saved = client.post(url, form | {"cc": "a@commune-a.be; b@commune-a.be", "bcc": ""})
    assert saved.status_code == 302
    with scope(org_a):
        template = EmailTemplate.objects.get()
    assert (template.language, template.cc) == ("nl", "a@commune-a.be, b@commune-a.be")
    assert login(org_a, Role.FINANCE).get(url).status_code == 302  # to the admin login


def test_a_selection_typed_by_number_makes_its_own_batch(
    families, org_a, login, django_capture_on_commit_callbacks
):
    """Given two invoice numbers typed on the batches page, the batch holds those two; an
    unknown number is refused with its name and nothing is made."""
    client = login(org_a, Role.FINANCE)
    assert 'id="selection-form"' in client.get(reverse("documents:batch-list")).content.decode()
    wanted = [families["nl"].invoice, families["de"].invoice]
    refused = client.post(
        reverse("documents:selection"), {"numbers": "FACT/2099/99999", "format": "pdf"}
    )
    assert refused.url == reverse("documents:batch-list")
    assert "FACT/2099/99999" in client.get(refused.url).content.decode()
    assert not DocumentBatch.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("documents:selection"),
            {"numbers": f"{wanted[0].number}\n{wanted[1].number}", "format": "pdf"},
        )
    batch = DocumentBatch.objects.get()
    assert (batch.group_id, sorted(batch.document_ids), batch.produced) == (
        None,
        sorted(i.pk for i in wanted),
        2,
    )
