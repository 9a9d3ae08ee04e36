"""E-mailing documents of every kind: templates per kind and language, the queue of sendings
and their delivery.

Each sending is logged (:class:`~regie.documents.models.Sending`): queued when asked for,
``sent`` only once the SMTP server accepted the message for its recipient, ``failed`` with the
server's answer otherwise. Delivery runs in a background job, never in a web request.
"""

from __future__ import annotations

import logging
import re
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from regie.core.errors import DomainError, gettext_noop
from regie.core.models import Job
from regie.documents import files
from regie.documents.invoices import DEFAULT_BODY, DEFAULT_SUBJECT, INVOICE  # noqa: F401
from regie.documents.kinds import KINDS, kind_get
from regie.documents.models import (
    Channel,
    EmailTemplate,
    Sending,
    SendingStatus,
)
from regie.documents.rendering import renderer_for

Advance = Callable[[int], None]
logger = logging.getLogger(__name__)
PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def default_template(language: str, kind: str = INVOICE) -> tuple[str, str]:
    """Return the default subject and body of the e-mail of a kind in a language."""
    document_kind = kind_get(kind)
    with translation.override(language):
        return _(document_kind.email_subject), _(document_kind.email_body)


def fill(text: str, values: dict[str, str]) -> str:
    """Replace ``{{ name }}`` placeholders; unknown ones stay as written.

    >>> fill("Facture {{ number }} {{ nope }}", {"number": "FACT/2025/00001"})
    'Facture FACT/2025/00001 {{ nope }}'
    """
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def template_for(language: str, kind: str = INVOICE) -> EmailTemplate:
    """Return the organisation's e-mail template of a kind in a language (the default if it
    has none)."""
    own = EmailTemplate.objects.filter(kind=kind, language=language).first()
    if own is not None:
        return own
    subject, body = default_template(language, kind)
    return EmailTemplate(kind=kind, language=language, subject=subject, body=body)


def addresses(text: str) -> list[str]:
    """Split a list of addresses separated by commas or semicolons."""
    return [a.strip() for a in re.split(r"[,;]", text or "") if a.strip()]


def _open_email(kind: str, ids) -> set[int]:
    """The documents already e-mailed, being e-mailed, or waiting for a retry of a failure."""
    active = Sending.objects.filter(
        Q(status__in=(SendingStatus.QUEUED, SendingStatus.SENDING, SendingStatus.SENT))
        | Q(status=SendingStatus.FAILED, retried_by__isnull=True),
        channel=Channel.EMAIL,
        kind=kind,
        document_id__in=ids,
    )
    return set(active.values_list("document_id", flat=True))


@transaction.atomic
def sendings_queue(
    document_ids, *, kind: str = INVOICE, user=None, again: bool = False
) -> tuple[list[Sending], int]:
    """Queue the e-mail of each document of a kind whose person chose e-mail.

    Documents already sent (or queued, or failed and waiting for a retry) are left out, unless
    ``again`` (a clerk's explicit "send it again"). Return the queued sendings and how many
    documents go by post instead.
    """
    document_kind = kind_get(kind)
    ids = list(document_kind.select(ids=list(document_ids)))
    recipients = document_kind.recipients(ids)
    by_post = sum(1 for pk in ids if pk in recipients and recipients[pk].channel == Channel.POST)
    done = set() if again else _open_email(kind, ids)
    templates: dict[str, EmailTemplate] = {}
    queued = [
        _new_sending(kind, pk, recipients[pk], user=user, templates=templates)
        for pk in ids
        if pk in recipients and recipients[pk].channel == Channel.EMAIL and pk not in done
    ]
    return queued, by_post


def sendings_new(kind: str, wanted, *, user=None) -> list[Sending]:
    """Queue the e-mails of documents, each ``(document_id, recipient)`` (a :class:`Recipient`
    by e-mail), written together without looking for earlier sendings: for a caller that knows
    the documents were never sent, such as documents written in the same transaction."""
    templates: dict[str, EmailTemplate] = {}
    sendings = []
    for document_id, recipient in wanted:
        sending = _sending_row(kind, document_id, recipient, user=user, templates=templates)
        sending._fill_organisation()  # written without save(): from the active organisation
        sendings.append(sending)
    return Sending.objects.bulk_create(sendings)


def _new_sending(
    kind: str, document_id: int, recipient, *, user=None, retry_of=None, templates=None
) -> Sending:
    sending = _sending_row(
        kind, document_id, recipient, user=user, retry_of=retry_of, templates=templates
    )
    sending.save()
    return sending


def _sending_row(
    kind: str, document_id: int, recipient, *, user=None, retry_of=None, templates=None
) -> Sending:
    templates = {} if templates is None else templates
    if recipient.language not in templates:
        templates[recipient.language] = template_for(recipient.language, kind)
    template = templates[recipient.language]
    sending = Sending(
        kind=kind,
        document_id=document_id,
        person_id=recipient.person_id,
        channel=Channel.EMAIL,
        recipient=recipient.email,
        cc=template.cc,
        bcc=template.bcc,
        retry_of=retry_of,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    if not recipient.email:
        sending.status = SendingStatus.FAILED
        sending.answer = gettext_noop("The person has no e-mail address.")  # shown translated
        sending.finished_at = timezone.now()
    return sending


@transaction.atomic
def sending_retry(sending: Sending, *, user=None) -> Sending:
    """Queue a new attempt of a failed sending, to the person's current address."""
    sending = Sending.objects.select_for_update().get(pk=sending.pk)
    if sending.status != SendingStatus.FAILED or hasattr(sending, "retried_by"):
        raise DomainError(
            "documents.not_retryable",
            gettext_noop("Only a failed sending not retried yet can be retried."),
        )
    recipient = kind_get(sending.kind).recipients([sending.document_id]).get(sending.document_id)
    if recipient is None:
        raise DomainError(
            "documents.not_retryable",
            gettext_noop("Only a failed sending not retried yet can be retried."),
        )
    return _new_sending(sending.kind, sending.document_id, recipient, user=user, retry_of=sending)


#: A sending "being sent" for longer than this was interrupted: its worker stopped.
INTERRUPTED_AFTER = timedelta(minutes=15)


def sendings_interrupted(now: datetime | None = None) -> int:
    """Mark failed, so that they can be retried, the sendings whose worker stopped: taken for
    sending long ago and never finished, or queued by a job that ended without them.

    An interrupted e-mail may or may not have reached the server; the answer says so, since
    retrying may then send it twice. Return how many were marked.
    """
    now = now or timezone.now()
    claimed = Sending.objects.filter(
        status=SendingStatus.SENDING, claimed_at__lt=now - INTERRUPTED_AFTER
    ).update(
        status=SendingStatus.FAILED,
        finished_at=now,
        answer=gettext_noop(
            "Interrupted while being sent: the mail server may or may not have received it. "
            "Ask the person before retrying."
        ),
    )
    left = Sending.objects.filter(
        status=SendingStatus.QUEUED, job__status__in=(Job.Status.DONE, Job.Status.FAILED)
    ).update(
        status=SendingStatus.FAILED,
        finished_at=now,
        answer=gettext_noop("Not sent: the sending job stopped before this e-mail."),
    )
    return claimed + left


def failed_sendings():
    """Return the failed sendings not retried yet, newest first."""
    return Sending.objects.filter(status=SendingStatus.FAILED, retried_by__isnull=True)


def message_for(sending: Sending, document: dict[str, Any], pdf: bytes) -> EmailMessage:
    """Return the e-mail of a sending: the template in the person's language, the PDF."""
    template = template_for(document["language"], sending.kind)
    values = {
        "person": document["recipient"]["name"],
        "number": document["number"],
        "total": document.get("total", ""),
        "balance": document.get("balance", ""),
        "due_date": document.get("due_date", ""),
        "communication": document.get("communication", ""),
        "iban": document["organisation"]["iban"],
        "organisation": document["organisation"]["name"],
        "pay_link": document.get("pay_online", {}).get("url", ""),
    }
    body = fill(template.body, values)
    if values["pay_link"] and values["pay_link"] not in body:  # a template without the link
        body += f"\n\n{document['pay_online']['label']} {values['pay_link']}\n"
    message = EmailMessage(
        subject=fill(template.subject, values).replace("\n", " "),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[sending.recipient],
        cc=addresses(sending.cc),
        bcc=addresses(sending.bcc),
    )
    message.attach(document["file_name"], pdf, "application/pdf")
    return message


class Refused(Exception):
    """The SMTP server did not accept the message for its recipient."""


def _answer(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{to}: {_answer_of(reply)}" for to, reply in error.recipients.items())
    if isinstance(error, smtplib.SMTPResponseException):
        return _answer_of((error.smtp_code, error.smtp_error))
    # No answer at all (refused connection, time-out, name not found): the clerk is told what
    # happened and what to do; the technical detail goes to the log for the administrator.
    # Regie's own answers are stored in English and shown in the reader's language.
    logger.warning("e-mail not sent: %s: %s", type(error).__name__, error)
    return gettext_noop(
        "The mail server did not answer. Try again later; if it keeps failing, ask your "
        "administrator to check the mail server settings."
    )


def _answer_of(reply: tuple[int, bytes | str]) -> str:
    code, text = reply
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"


def deliver(connection, message: EmailMessage) -> str:
    """Hand a message to the mail server; return the refusals of copies, if any.

    Raise :class:`Refused` or an SMTP error unless the server accepted the main recipient.
    Through SMTP, the recipients are checked one by one: the server may accept the copies
    and refuse the main address, which Django's backend would not report.
    """
    if not isinstance(connection, SmtpBackend):
        connection.send_messages([message])
        return ""
    if connection.connection is None:
        connection.open()
    encoding = message.encoding or settings.DEFAULT_CHARSET
    sender = sanitize_address(message.from_email, encoding)
    recipients = [sanitize_address(a, encoding) for a in message.recipients()]
    body = message.message().as_bytes(linesep="\r\n")
    refused = connection.connection.sendmail(sender, recipients, body)
    main = recipients[0]
    if main in refused:
        raise Refused(f"{main}: {_answer_of(refused[main])}")
    return "; ".join(f"{to}: {_answer_of(reply)}" for to, reply in refused.items())


def sendings_send(
    sending_ids: list[int], advance: Advance | None = None, *, connection=None
) -> dict[str, int]:
    """Send queued sendings one by one through one connection (the configured mail server's
    unless ``connection`` is given: the demo writes its e-mails to files); return the counts."""
    counts = {"sent": 0, "failed": 0}
    sendings_interrupted()
    sendings = {
        s.pk: s for s in Sending.objects.filter(pk__in=sending_ids, status=SendingStatus.QUEUED)
    }
    documents = _documents_of(sendings.values())
    connection = connection or get_connection(fail_silently=False)
    renderers: dict[str, Any] = {}
    try:
        for pk in sending_ids:
            sending = sendings.get(pk)
            claimed = Sending.objects.filter(pk=pk, status=SendingStatus.QUEUED).update(
                status=SendingStatus.SENDING, claimed_at=timezone.now()
            )
            if sending is None or not claimed:
                continue  # sent by another job meanwhile, or not queued
            if sending.kind not in renderers:
                kind = kind_get(sending.kind)
                template = files.template_for(sending.organisation_id, kind.template, kind.folder)
                renderers[sending.kind] = renderer_for(template, files.media_root())
            document = documents.get((sending.kind, sending.document_id))
            outcome = _send_one(connection, renderers[sending.kind], sending, document)
            counts[outcome] += 1
            if advance:
                advance(1)
    finally:
        connection.close()
    return counts


def _documents_of(sendings) -> dict[tuple[str, int], dict]:
    """Return the documents of sendings by kind and id, read in bulk per kind."""
    ids: dict[str, set[int]] = {}
    for sending in sendings:
        ids.setdefault(sending.kind, set()).add(sending.document_id)
    return {
        (key, document["key"]): document
        for key, wanted in ids.items()
        if key in KINDS
        for document in KINDS[key].data(sorted(wanted))
    }


def _send_one(connection, renderer, sending: Sending, document: dict | None) -> str:
    status = SendingStatus.FAILED
    try:
        if document is None:
            raise LookupError(_("the document no longer exists"))
        pdf = renderer.render(document)
    except Exception as error:  # noqa: BLE001 - a document that fails is logged, not raised
        answer = _("The document could not be made: %(error)s") % {
            "error": getattr(error, "message", "") or error
        }
    else:
        try:
            answer = deliver(connection, message_for(sending, document, pdf))
            status = SendingStatus.SENT
        except (Refused, smtplib.SMTPException, OSError) as error:
            answer = str(error) if isinstance(error, Refused) else _answer(error)
            connection.close()  # the next message starts on a fresh connection
    Sending.objects.filter(pk=sending.pk).update(
        status=status, answer=answer, finished_at=timezone.now()
    )
    return "sent" if status == SendingStatus.SENT else "failed"
