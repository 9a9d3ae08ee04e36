"""E-mailing invoices through a real SMTP server on localhost, and the log of every sending."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from pypdf import PdfReader
from tests.documents.smtp import REFUSED, free_port

from regie.core.errors import DomainError
from regie.core.models import Job
from regie.core.tenancy import scope
from regie.documents.invoices import batch_invoices
from regie.documents.mail import fill, sending_retry, sendings_interrupted, sendings_queue
from regie.documents.models import EmailTemplate, Sending, SendingStatus
from regie.documents.tasks import sendings_start


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def send(invoice_ids, org, capture) -> Job:
    """Queue and send e-mails as the views do: the job runs once the transaction commits."""
    with capture(execute=True):
        queued, _by_post = sendings_queue(invoice_ids)
        waiting = [s for s in queued if s.status == SendingStatus.QUEUED]
        job = sendings_start(waiting, organisation=org, user=None)
    job.refresh_from_db()
    return job


def test_each_email_person_receives_one_message_with_their_pdf(
    families, run, in_a, smtp_server, django_capture_on_commit_callbacks
):
    """Given a run with two persons by e-mail (fr, nl) and two by post, when the run is sent,
    then the server receives one message per e-mail person, in their language, with their
    invoice's PDF; both are logged as sent; nobody by post gets an e-mail."""
    job = send(list(batch_invoices(group=run.pk)), in_a, django_capture_on_commit_callbacks)
    assert job.status == Job.Status.DONE, job.error
    assert len(smtp_server.received) == 2
    for key, subject in (("fr", "Facture"), ("nl", "Factuur")):
        family = families[key]
        (received,) = smtp_server.to(family.person.email)
        assert received.sender == "factures@commune-a.be"
        assert received.message["Subject"].startswith(f"{subject} {family.invoice.number}")
        assert family.invoice.formatted_communication in received.message.get_body().get_content()
        ((name, pdf),) = received.pdfs().items()
        assert name == family.invoice.number.replace("/", "-") + ".pdf"
        text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
        assert family.invoice.number in text and family.person.last_name in text
    sent = Sending.objects.filter(status=SendingStatus.SENT)
    assert sorted(sent.values_list("recipient", flat=True)) == ["anne@example.be", "jan@example.be"]
    assert not Sending.objects.exclude(status=SendingStatus.SENT).exists()


def test_a_refused_recipient_is_failed_with_the_servers_answer_then_retried(
    families, run, in_a, smtp_server, django_capture_on_commit_callbacks
):
    """Given Jan's address refused by the server, then his sending is failed (never sent)
    with the 550 answer, Anne's is sent; once his address is fixed, the retry is sent."""
    jan = families["nl"]
    jan.person.email = REFUSED
    jan.person.save()
    job = send(list(batch_invoices(group=run.pk)), in_a, django_capture_on_commit_callbacks)
    assert job.status == Job.Status.DONE
    failed = Sending.objects.get(person=jan.person)
    assert failed.status == SendingStatus.FAILED
    assert "550" in failed.answer and "User unknown" in failed.answer
    assert smtp_server.to(REFUSED) == []

    jan.person.email = "jan@example.be"
    jan.person.save()
    with django_capture_on_commit_callbacks(execute=True):
        retry = sending_retry(failed)
        sendings_start([retry], organisation=in_a, user=None)
    retry.refresh_from_db()
    assert (retry.status, retry.recipient, retry.retry_of) == (
        SendingStatus.SENT,
        "jan@example.be",
        failed,
    )
    assert len(smtp_server.to("jan@example.be")) == 1
    with pytest.raises(DomainError):
        sending_retry(failed)  # retried once already


def test_main_recipient_refused_is_failed_even_when_a_copy_is_accepted(
    families, in_a, smtp_server, django_capture_on_commit_callbacks
):
    """The server accepts the CC but refuses the person: the sending is failed, not sent."""
    EmailTemplate.objects.create(language="fr", subject="F", body="B", cc="copie@commune-a.be")
    anne = families["fr"]
    anne.person.email = REFUSED
    anne.person.save()
    send([anne.invoice.pk], in_a, django_capture_on_commit_callbacks)
    sending = Sending.objects.get()
    assert sending.status == SendingStatus.FAILED and "550" in sending.answer


def test_template_of_the_language_with_cc_and_bcc(
    families, in_a, smtp_server, django_capture_on_commit_callbacks
):
    """Given the organisation's Dutch template with CC and BCC, then Jan's message follows it:
    placeholders filled, the copies delivered, the BCC absent from the headers."""
    EmailTemplate.objects.create(
        language="nl",
        subject="Uw factuur {{ number }}",
        body="Beste {{ person }}, te betalen: {{ balance }} vóór {{ due_date }}.",
        cc="boekhouding@commune-a.be",
        bcc="archief@commune-a.be",
    )
    jan = families["nl"]
    send([jan.invoice.pk], in_a, django_capture_on_commit_callbacks)
    (received,) = smtp_server.received
    assert received.message["Subject"] == f"Uw factuur {jan.invoice.number}"
    assert received.message.get_body().get_content().strip() == (
        "Beste Jan Peeters, te betalen: 2,50 € vóór 03/12/2025."
    )
    assert sorted(received.recipients) == [
        "archief@commune-a.be",
        "boekhouding@commune-a.be",
        "jan@example.be",
    ]
    assert received.message["Cc"] == "boekhouding@commune-a.be"
    assert received.message["Bcc"] is None
    assert Sending.objects.get().bcc == "archief@commune-a.be"


def test_a_server_that_does_not_answer_fails_every_sending(
    families, run, in_a, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    job = send(list(batch_invoices(group=run.pk)), in_a, django_capture_on_commit_callbacks)
    assert job.status == Job.Status.DONE and Sending.objects.count() == 2
    answers = Sending.objects.values_list("status", "answer")
    assert all(status == SendingStatus.FAILED and "did not answer" in a for status, a in answers)


def test_sent_invoices_are_not_sent_again(
    families, run, in_a, smtp_server, django_capture_on_commit_callbacks
):
    send(list(batch_invoices(group=run.pk)), in_a, django_capture_on_commit_callbacks)
    queued, by_post = sendings_queue(list(batch_invoices(group=run.pk)))
    assert (queued, by_post) == ([], 2)
    assert len(smtp_server.received) == 2


def test_fill_leaves_unknown_placeholders_visible():
    assert fill("{{number}} {{ x }}", {"number": "FACT/1"}) == "FACT/1 {{ x }}"


def test_sendings_a_stopped_worker_left_behind_become_failed_and_retryable(
    families, run, in_a, smtp_server
):
    """Given a sending taken by a worker 20 minutes ago and never finished (the worker was
    killed), one taken a minute ago, and one queued by a job that ended without it, then the
    first and the last are failed, saying what happened, and can be retried; the other waits."""
    queued, _by_post = sendings_queue(list(batch_invoices(group=run.pk)))
    anne, jan = sorted(queued, key=lambda s: s.recipient)
    now = timezone.now()
    Sending.objects.filter(pk=anne.pk).update(
        status=SendingStatus.SENDING, claimed_at=now - timedelta(minutes=20)
    )
    Sending.objects.filter(pk=jan.pk).update(
        status=SendingStatus.SENDING, claimed_at=now - timedelta(minutes=1)
    )
    ended = Job.objects.create(kind="documents.send", title="Envoi", status=Job.Status.FAILED)
    late = Sending.objects.create(
        document_id=anne.document_id, person=anne.person, channel="email", job=ended
    )

    with translation.override("en"):
        assert sendings_interrupted(now) == 2

    anne.refresh_from_db()
    late.refresh_from_db()
    assert anne.status == late.status == SendingStatus.FAILED
    assert "may or may not have received it" in anne.answer
    assert "stopped before this e-mail" in late.answer
    assert Sending.objects.get(pk=jan.pk).status == SendingStatus.SENDING
    assert sending_retry(anne).status == SendingStatus.QUEUED
    assert sendings_interrupted(now) == 0


def test_a_stopped_worker_does_not_touch_another_organisations_sendings(families, run, in_a, org_b):
    """The sweep runs in the organisation's scope: B's stuck sending stays as it is."""
    (anne, *_rest) = sendings_queue(list(batch_invoices(group=run.pk)))[0]
    Sending.objects.filter(pk=anne.pk).update(
        status=SendingStatus.SENDING, claimed_at=timezone.now() - timedelta(hours=1)
    )
    with scope(org_b):
        assert sendings_interrupted() == 0
    assert Sending.objects.get(pk=anne.pk).status == SendingStatus.SENDING
