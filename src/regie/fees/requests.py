"""Sending the payment request of a file paid in advance (DOMAIN §8): once per version.

When a file paid in advance is pushed, or a new version of it, :func:`requests_queue` queues the
e-mail of that version's payment request through the documents app's sendings (the log of
:class:`~regie.documents.models.Sending`, in the applicant's language, the PDF attached), in
the push's transaction; a task enqueued at commit sends it. A push that changes nothing queues
nothing, and the sendings refuse a second e-mail of the same version (sent, being sent, or
failed and waiting for its retry). An applicant who chose the post (or gave no e-mail address)
gets no e-mail: the file's page says to print the request and post it.

The finance officer may send the current version's request again from the file's page
(:func:`request_resend`).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import translation
from django_tasks import task

from regie.core.errors import DomainError, gettext_noop
from regie.core.models import Organisation
from regie.core.tenancy import scope
from regie.documents.kinds import Recipient
from regie.documents.mail import sendings_new, sendings_queue, sendings_send
from regie.documents.models import Channel, Sending, SendingStatus
from regie.fees.documents import PAYMENT_REQUEST
from regie.fees.models import FileState, FileVersion, ServiceFile, Way
from regie.people.models import Delivery

BY_POST = DomainError(
    "fees.request_by_post",
    gettext_noop(
        "The applicant receives documents by post (or has no e-mail address): print the "
        "payment request and post it."
    ),
)
NOTHING_TO_REQUEST = DomainError(
    "fees.nothing_to_request",
    gettext_noop("This file is not awaiting payment: there is no payment request to send."),
)


def current_version_id(file: ServiceFile) -> int:
    """Return the id of the file's current version (the lines just pushed name it)."""
    lines = getattr(file, "current_lines", None)
    if lines:
        return lines[0].version_id
    return FileVersion.objects.filter(file=file, number=file.version).values_list("pk", flat=True)[
        0
    ]


def by_email(file: ServiceFile) -> bool:
    """Whether the file's applicant receives documents by e-mail (at an address)."""
    person = file.person
    return person.delivery == Delivery.EMAIL and bool(person.email)


#: The e-mails one task sends: a batch's requests are shared among the workers.
SENDINGS_PER_TASK = 50


def _send_at_commit(organisation_id: int, queued: list[Sending]) -> list[Sending]:
    waiting = [s.pk for s in queued if s.status == SendingStatus.QUEUED]
    for start in range(0, len(waiting), SENDINGS_PER_TASK):
        chunk = waiting[start : start + SENDINGS_PER_TASK]
        transaction.on_commit(
            lambda chunk=chunk: request_send_task.enqueue(
                organisation_id=organisation_id, sending_ids=chunk
            )
        )
    return queued


def requests_queue(files: list[ServiceFile], *, user=None) -> list[Sending]:
    """Queue the e-mails of the payment requests of file versions just pushed, sent at commit
    by one task (nothing for a file invoiced afterwards or an applicant by post).

    Called in the push's transaction for versions it has just written (``services.ON_PUSHED``),
    which no sending can name yet: the sendings are written together, without the look-ups of
    :func:`sendings_queue` (a push repeated unchanged writes no version and calls nothing).
    """
    wanted = [
        (
            current_version_id(file),
            Recipient(person.pk, Channel.EMAIL, person.email, person.language),
        )
        for file in files
        if file.way == Way.ADVANCE
        and file.state == FileState.AWAITING_PAYMENT
        and (person := file.person).delivery == Delivery.EMAIL  # else printed and posted
    ]
    if not wanted:
        return []
    sendings = sendings_new(PAYMENT_REQUEST, wanted, user=user)
    return _send_at_commit(files[0].organisation_id, sendings)


@transaction.atomic
def request_resend(*, file: ServiceFile, user=None) -> Sending:
    """Send the current version's payment request by e-mail again (the file page's button)."""
    if file.state != FileState.AWAITING_PAYMENT:
        raise NOTHING_TO_REQUEST
    if not by_email(file):
        raise BY_POST
    queued, _by_post = sendings_queue(
        [current_version_id(file)], kind=PAYMENT_REQUEST, user=user, again=True
    )
    if not queued:
        raise BY_POST
    _send_at_commit(file.organisation_id, queued)
    return queued[0]


def request_sendings(file: ServiceFile):
    """Return the sendings of the file's payment requests (every version), newest first, each
    with ``version_number``."""
    versions = dict(FileVersion.objects.filter(file=file).values_list("pk", "number"))
    sendings = list(
        Sending.objects.filter(kind=PAYMENT_REQUEST, document_id__in=list(versions))
        .select_related("person", "retried_by")
        .order_by("-created_at", "-pk")
    )
    for sending in sendings:
        sending.version_number = versions[sending.document_id]
    return sendings


@task()
def request_send_task(organisation_id: int, sending_ids: list[int]) -> None:
    """Send queued payment requests (the task enqueued when their push commits)."""
    organisation = Organisation.objects.get(pk=organisation_id)
    with scope(organisation), translation.override(organisation.language):
        sendings_send(sending_ids)
