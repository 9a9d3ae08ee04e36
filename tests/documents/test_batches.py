"""Batches of documents built by a background job: complete and checked, or saying what failed."""

from __future__ import annotations

import io
import zipfile

import pytest
from pypdf import PdfReader

from regie.core.errors import DomainError
from regie.core.models import Job
from regie.documents import batches, files
from regie.documents.batches import batch_build, batch_create
from regie.documents.demo import documents_for_demo
from regie.documents.models import BatchStatus, EmailTemplate, Sending, SendingStatus
from regie.documents.tasks import batch_start


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def build(run_or_ids, *, format, capture, org, detail=False):
    """Create a batch and run its job as a view would; return the batch and its job."""
    where = {"group": run_or_ids.pk} if hasattr(run_or_ids, "pk") else {"document_ids": run_or_ids}
    with capture(execute=True):
        batch = batch_create(format=format, detail=detail, **where)
        job = batch_start(batch, organisation=org, user=None)
    batch.refresh_from_db()
    job.refresh_from_db()
    return batch, job


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_zip_of_a_run_holds_one_checked_pdf_per_invoice(
    families, run, in_a, django_capture_on_commit_callbacks
):
    """Given a run of four posted invoices, when its ZIP is generated, then the job ends done,
    the batch is complete (4 of 4) and each PDF in the ZIP is its invoice's, in its person's
    language."""
    batch, job = build(run, format="zip", capture=django_capture_on_commit_callbacks, org=in_a)
    assert job.status == Job.Status.DONE, job.error
    assert (job.done, job.total) == (4, 4)
    assert "4" in job.result["summary"] and job.result["next_url"] == batch.get_absolute_url()
    assert (batch.status, batch.produced, batch.expected, batch.failures) == (
        BatchStatus.DONE,
        4,
        4,
        [],
    )
    with zipfile.ZipFile(files.absolute(batch.file)) as archive:
        names = archive.namelist()
        texts = {name: text_of(archive.read(name)) for name in names}
    assert sorted(names) == sorted(
        f.invoice.number.replace("/", "-") + ".pdf" for f in families.values()
    )
    for key, word in (("fr", "Facture"), ("nl", "Factuur"), ("de", "Rechnung")):
        family = families[key]
        text = texts[family.invoice.number.replace("/", "-") + ".pdf"]
        assert family.invoice.number in text and family.person.last_name in text
        assert word in text


def test_combined_pdf_has_every_invoice_with_a_bookmark_each(
    families, run, in_a, django_capture_on_commit_callbacks
):
    batch, job = build(run, format="pdf", capture=django_capture_on_commit_callbacks, org=in_a)
    assert job.status == Job.Status.DONE
    reader = PdfReader(files.absolute(batch.file))
    assert len(reader.pages) == 4
    assert sorted(item.title for item in reader.outline) == sorted(
        f.invoice.number for f in families.values()
    )


def test_post_pdf_holds_the_post_persons_only_sorted_by_postcode_and_logs_them(
    families, run, in_a, django_capture_on_commit_callbacks
):
    """Given two persons by post (Eupen 4700, Bruxelles 1000) and two by e-mail, then the post
    PDF holds two pages, Bruxelles first, and each is logged as printed for post."""
    batch, job = build(run, format="post", capture=django_capture_on_commit_callbacks, org=in_a)
    assert job.status == Job.Status.DONE
    reader = PdfReader(files.absolute(batch.file))
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) == 2
    assert "1000 Bruxelles" in pages[0] and "4700 Eupen" in pages[1]
    printed = Sending.objects.filter(status=SendingStatus.PRINTED)
    assert sorted(printed.values_list("person__last_name", flat=True)) == ["Lambert", "Schmidt"]
    assert set(printed.values_list("channel", flat=True)) == {"post"}


def test_detail_batch_adds_the_table_per_child_and_day(families, in_a):
    batch = batch_create(format="pdf", document_ids=[families["de"].invoice.pk], detail=True)
    batch = batch_build(batch, workers=1)
    text = text_of(files.absolute(batch.file).read_bytes())
    assert "Einzelheiten pro Kind und Tag" in text and "01/10/2025" in text


def test_a_document_that_fails_is_named_with_its_reason_and_the_rest_is_offered(
    families, run, in_a, django_capture_on_commit_callbacks
):
    """Given an organisation template that cannot lay out one invoice, then the job fails
    saying which invoice and why, and the batch offers the three other documents."""
    bad = families["nl"].invoice.number
    own = files.organisation_folder(in_a.pk) / "templates" / files.TEMPLATE_NAME
    own.parent.mkdir(parents=True)
    default = files.template_for(in_a.pk).read_text()
    own.write_text(
        default.replace(
            "#let invoice(data) = {",
            f'#let invoice(data) = {{\n  if data.number == "{bad}" {{ panic("no layout") }}',
        )
    )
    batch, job = build(run, format="zip", capture=django_capture_on_commit_callbacks, org=in_a)
    assert job.status == Job.Status.FAILED
    assert bad in job.error and "no layout" in job.error
    assert job.result["next_url"] == batch.get_absolute_url()
    assert (batch.status, batch.produced, batch.expected) == (BatchStatus.INCOMPLETE, 3, 4)
    assert [f["number"] for f in batch.failures] == [bad]
    with zipfile.ZipFile(files.absolute(batch.file)) as archive:
        assert len(archive.namelist()) == 3


def test_worker_processes_render_a_batch_in_parallel(families, run, in_a, monkeypatch):
    """Given chunks of one document and two worker processes, the batch is still complete."""
    monkeypatch.setattr(batches, "CHUNK", 1)
    batch = batch_build(batch_create(format="zip", group=run.pk), workers=2)
    assert (batch.status, batch.produced) == (BatchStatus.DONE, 4)
    with zipfile.ZipFile(files.absolute(batch.file)) as archive:
        assert all(archive.read(name).startswith(b"%PDF-") for name in archive.namelist())


def test_nothing_to_print_is_refused(families, in_a):
    with pytest.raises(DomainError) as refused:
        batch_create(format="zip", document_ids=[])
    assert refused.value.code == "documents.nothing_to_print"
    only_email = [families["fr"].invoice.pk]
    with pytest.raises(DomainError):
        batch_create(format="post", document_ids=only_email)


def test_demo_gets_its_templates_a_zip_and_the_post(families, run, in_a):
    """What the demo calls once its run is posted: templates in three languages, the run's
    ZIP and post PDF, and how many invoices each language has."""
    made = documents_for_demo(run, workers=1)
    assert sorted(EmailTemplate.objects.values_list("language", flat=True)) == ["de", "fr", "nl"]
    assert {fmt: b.produced for fmt, b in made["batches"].items()} == {"zip": 4, "post": 2}
    assert made["languages"] == {"fr": 2, "nl": 1, "de": 1}


def test_a_refreshing_batch_prints_the_new_address_and_a_plain_one_the_old(
    families, run, in_a, django_capture_on_commit_callbacks
):
    """Given Lena's post PDF printed once, when she moves, then the next post PDF still shows
    the address of issue, and one built with "refresh" shows the new one."""
    capture = django_capture_on_commit_callbacks
    build(run, format="post", capture=capture, org=in_a)
    lena = families["de"].person
    lena.street, lena.postcode, lena.city = "Neustraße 1", "4780", "Sankt Vith"
    lena.save()
    plain, _job = build(run, format="post", capture=capture, org=in_a)
    assert "4700 Eupen" in text_of(files.absolute(plain.file).read_bytes())
    with capture(execute=True):
        batch = batch_create(format="post", group=run.pk, refresh=True)
        batch_start(batch, organisation=in_a, user=None)
    batch.refresh_from_db()
    text = text_of(files.absolute(batch.file).read_bytes())
    assert "4780 Sankt Vith" in text and "4700 Eupen" not in text
