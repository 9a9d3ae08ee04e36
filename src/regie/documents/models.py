"""Documents and their delivery (DOMAIN §5): snapshots, batches, e-mail templates and the log
of every sending.

A batch, a sending and an e-mail template name a document KIND (``invoice``, ``reminder``...,
see :mod:`regie.documents.kinds`) and, for batches and sendings, the documents by id: the kind
that an app registers knows what its ids are.

The administrative data printed on a document (the organisation's letterhead, the recipient's
name, address and language) is frozen in an :class:`InvoiceDocument` the first time the
invoice is printed or sent, and changes only by an explicit refresh. Amounts received and the
balance are read afresh on every rendering.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from regie.billing.models import Invoice
from regie.core.models import Job, Language, OrgModel
from regie.people.models import Person


class InvoiceDocument(OrgModel):
    """The administrative data of an invoice's document, as at issue (or last refresh)."""

    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="document")
    snapshot = models.JSONField(_("administrative data"), default=dict)
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    refreshed_at = models.DateTimeField(_("refreshed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invoice document")
        verbose_name_plural = _("invoice documents")

    def __str__(self) -> str:
        return str(self.invoice)


class BatchFormat(models.TextChoices):
    ZIP = "zip", _("ZIP of one PDF per document")
    PDF = "pdf", _("one combined PDF")
    POST = "post", _("post: one PDF sorted by postcode")


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("complete")
    INCOMPLETE = "incomplete", _("incomplete")
    FAILED = "failed", _("failed")


KIND_LENGTH = 30


class DocumentBatch(OrgModel):
    """The documents of a group (a billing run, a reminder run...) or of a selection, of one
    kind, generated in the background."""

    kind = models.CharField(_("kind of document"), max_length=KIND_LENGTH, default="invoice")
    #: The kind's group of documents (a billing run for invoices), none for a selection.
    group_id = models.PositiveBigIntegerField(null=True, blank=True)
    document_ids = models.JSONField(_("documents"), default=list, blank=True)
    format = models.CharField(_("format"), max_length=10, choices=BatchFormat.choices)
    detail = models.BooleanField(_("with the detail per child and day"), default=False)
    refresh = models.BooleanField(_("administrative data taken again first"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.QUEUED
    )
    expected = models.PositiveIntegerField(_("documents asked for"), default=0)
    produced = models.PositiveIntegerField(_("documents"), default=0)
    failures = models.JSONField(_("failures"), default=list, blank=True)
    file = models.CharField(_("file"), max_length=300, blank=True)
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("document batch")
        verbose_name_plural = _("document batches")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_format_display()} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("documents:batch", args=[self.pk])

    @property
    def ready(self) -> bool:
        return bool(self.file) and self.status in (BatchStatus.DONE, BatchStatus.INCOMPLETE)

    @property
    def document_kind(self):
        from regie.documents.kinds import kind_get

        return kind_get(self.kind)

    def group(self) -> dict[str, str] | None:
        """Return the batch's group (``label``, its ``page`` and the page of its
        ``documents``), or ``None`` for a selection."""
        if self.group_id is None:
            return None
        label, page = self.document_kind.group_describe(self.group_id)
        documents = reverse("documents:group", args=[self.kind, self.group_id])
        return {"label": label, "page": page, "documents": documents}


class Channel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    POST = "post", _("post")


class SendingStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("being sent")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    PRINTED = "printed", _("printed for post")


class Sending(OrgModel):
    """One attempt to deliver a document to its person: the log of document delivery.

    An e-mail is ``sent`` only once the SMTP server accepted it; a refusal or an error leaves
    it ``failed`` with the server's answer. A retry is a new attempt pointing at the failed one.
    """

    kind = models.CharField(_("kind of document"), max_length=KIND_LENGTH, default="invoice")
    document_id = models.PositiveBigIntegerField()
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=SendingStatus.choices, default=SendingStatus.QUEUED
    )
    recipient = models.CharField(
        pgettext_lazy("e-mail recipient", "to"), max_length=254, blank=True
    )
    cc = models.CharField(_("CC"), max_length=500, blank=True)
    bcc = models.CharField(_("BCC"), max_length=500, blank=True)
    answer = models.TextField(_("server's answer"), blank=True)
    retry_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="retried_by"
    )
    batch = models.ForeignKey(
        DocumentBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)  # when a worker took it
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sending")
        verbose_name_plural = _("sendings")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "status"]),
            models.Index(fields=["organisation", "kind", "document_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.document_id} → {self.recipient or self.get_channel_display()}"


class EmailTemplate(OrgModel):
    """The subject and body of the e-mail carrying a kind of document, in one language.

    Placeholders in double braces are replaced: ``{{ person }}``, ``{{ number }}``,
    ``{{ total }}``, ``{{ balance }}``, ``{{ due_date }}``, ``{{ communication }}``,
    ``{{ organisation }}``.
    """

    kind = models.CharField(_("kind of document"), max_length=KIND_LENGTH, default="invoice")
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    cc = models.CharField(
        _("CC"), max_length=500, blank=True, help_text=_("Addresses separated by commas.")
    )
    bcc = models.CharField(
        _("BCC"), max_length=500, blank=True, help_text=_("Addresses separated by commas.")
    )

    class Meta:
        verbose_name = _("e-mail template")
        verbose_name_plural = _("e-mail templates")
        ordering = ["kind", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "language"],
                name="emailtemplate_one_per_kind_language",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_language_display()}: {self.subject}"


FAILED_NOT_RETRIED = Q(status=SendingStatus.FAILED, retried_by__isnull=True)
