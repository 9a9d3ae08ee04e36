"""Billing runs, invoices and their lines, credit notes and write-offs (DOMAIN §4).

A posted invoice never changes: what happens to it later (credit note, write-off, payment) is
a record of its own, and the open amount is derived from them. The ORM refuses any update or
delete of a posted invoice or of its lines, whichever path asks (admin, view, API, queryset).
"""

from __future__ import annotations

from django.db import models
from django.db.models import OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from stdnum.be import ogm_vcs

from regie.activities.models import Activity, ActivityCategory, Price
from regie.attendance.models import Attendance
from regie.core.models import OrgModel, organisation_key
from regie.core.tenancy import ScopedManager, ScopedQuerySet
from regie.people.models import Child, Person, SchoolSite


class PostedError(RuntimeError):
    """A posted invoice (or one of its lines) was about to be changed or deleted."""


class BillingSettings(OrgModel):
    """Per-organisation billing settings: the prefixes of structured communications."""

    invoice_prefix = models.CharField(_("invoice prefix"), max_length=3, default="101")
    reminder_prefix = models.CharField(_("reminder prefix"), max_length=3, default="102")
    plan_prefix = models.CharField(_("payment plan prefix"), max_length=3, default="103")
    prepayment_prefix = models.CharField(_("prepayment prefix"), max_length=3, default="104")
    fee_prefix = models.CharField(_("service file prefix"), max_length=3, default="105")

    class Meta:
        verbose_name = _("billing settings")
        verbose_name_plural = _("billing settings")
        constraints = [
            models.UniqueConstraint(fields=["organisation"], name="billingsettings_one_per_org")
        ]

    def __str__(self) -> str:
        return str(_("billing settings"))


class RunStatus(models.TextChoices):
    RUNNING = "running", _("running")
    ERROR = "error", _("in error")
    DRAFT = "draft", _("draft invoices")
    POSTING = "posting", _("posting")
    POSTED = "posted", _("posted")


class BillingRun(OrgModel):
    """A "facturier": the categories, period and dates of one billing of attendances."""

    categories = models.ManyToManyField(
        ActivityCategory, related_name="+", verbose_name=_("activity categories")
    )
    date_from = models.DateField(_("period from"))
    date_to = models.DateField(_("period to"))
    invoice_date = models.DateField(_("invoice date"))
    due_date = models.DateField(_("due date"))
    site = models.ForeignKey(
        SchoolSite,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("school site (empty: all)"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    problems = models.JSONField(_("problems"), default=list, blank=True)
    unverified = models.PositiveIntegerField(_("attendances not verified"), default=0)
    created_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("billing run")
        verbose_name_plural = _("billing runs")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.date_from:%d/%m/%Y}–{self.date_to:%d/%m/%Y} (#{self.pk})"

    def get_absolute_url(self) -> str:
        return reverse("billing:run", args=[self.pk])


class Kind(models.TextChoices):
    INVOICE = "invoice", _("invoice")
    CREDIT_NOTE = "credit_note", _("credit note")


class InvoiceQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        if self.filter(posted_at__isnull=False).exists():
            raise PostedError("a posted invoice is never changed: credit it")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(posted_at__isnull=False).exists():
            raise PostedError("a posted invoice is never deleted: credit it")
        return super().delete()


class Invoice(OrgModel):
    """An invoice (or credit note) to one person; numbered and immutable once posted."""

    run = models.ForeignKey(
        BillingRun, on_delete=models.PROTECT, null=True, blank=True, related_name="invoices"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("person")
    )
    number = models.CharField(_("number"), max_length=30, blank=True)
    communication = models.CharField(_("structured communication"), max_length=12, blank=True)
    invoice_date = models.DateField(_("date"))
    due_date = models.DateField(_("due date"))
    total_cents = models.BigIntegerField(_("total (cents)"), default=0)
    credit_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        verbose_name=_("credits invoice"),
    )
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)

    objects = ScopedManager.from_queryset(InvoiceQuerySet)()

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-invoice_date", "-number", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"],
                condition=~Q(number=""),
                name="invoice_unique_number",
            ),
            models.UniqueConstraint(
                fields=["organisation", "communication"],
                condition=~Q(communication=""),
                name="invoice_unique_communication",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "person", "due_date"])]

    def __str__(self) -> str:
        return self.number or str(_("draft for %(person)s") % {"person": self.person})

    def get_absolute_url(self) -> str:
        return reverse("billing:invoice", args=[self.pk])

    @property
    def is_posted(self) -> bool:
        return self.posted_at is not None

    @property
    def formatted_communication(self) -> str:
        return f"+++{ogm_vcs.format(self.communication)}+++" if self.communication else ""

    def save(self, *args, **kwargs):
        if (
            self.pk
            and Invoice.unscoped_objects.filter(pk=self.pk, posted_at__isnull=False).exists()
        ):
            raise PostedError(f"invoice {self.number} is posted: it is never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_posted:
            raise PostedError(f"invoice {self.number} is posted: it is never deleted")
        return super().delete(*args, **kwargs)


class LineQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        if self.filter(invoice__posted_at__isnull=False).exists():
            raise PostedError("the lines of a posted invoice never change")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(invoice__posted_at__isnull=False).exists():
            raise PostedError("the lines of a posted invoice are never deleted")
        return super().delete()


class InvoiceLine(OrgModel):
    """One child, day and activity: quantity of periods × unit price = amount.

    A run writes a line per attendance: 330,000 a month in a large commune. The database
    checks the key to its invoice, the parent row written in the same transaction. The
    organisation is its invoice's; the child, activity, category and price, which the ORM
    protects from deletion (``PROTECT``), are copied from the attendance, the activity and
    the price the run applied. Each check left out is a lookup less per line at the run's
    commit, each index left out a write less: nothing queries lines by organisation, child,
    activity, category or price alone.
    """

    organisation = organisation_key(db_index=False, db_constraint=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    # A line of another service's fee (regie.fees: a permit invoiced afterwards) has no child
    # nor activity: its ``label`` says what it bills.
    child = models.ForeignKey(
        Child,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    date = models.DateField(_("date"))
    activity = models.ForeignKey(
        Activity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # A database default: billing runs write their lines by COPY without this column.
    label = models.CharField(_("label"), max_length=200, blank=True, default="", db_default="")
    category = models.ForeignKey(
        ActivityCategory,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    price = models.ForeignKey(
        Price,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    minutes = models.PositiveIntegerField(_("minutes"))
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_cents = models.BigIntegerField(_("unit price (cents)"))
    amount_cents = models.BigIntegerField(_("amount (cents)"))

    objects = ScopedManager.from_queryset(LineQuerySet)()

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["invoice", "child__first_name", "date", "pk"]

    def __str__(self) -> str:
        if self.child_id is None:
            return f"{self.label} {self.date:%d/%m/%Y}"
        return f"{self.child} {self.date:%d/%m/%Y} {self.activity}"

    def save(self, *args, **kwargs):
        if self.invoice.is_posted:
            raise PostedError("the lines of a posted invoice never change")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.invoice.is_posted:
            raise PostedError("the lines of a posted invoice are never deleted")
        return super().delete(*args, **kwargs)


class BilledAttendance(OrgModel):
    """Which line bills an attendance; at most one unreleased link per attendance (enforced).

    A run writes a link per attendance (330,000 a month in a large commune) in the same
    transaction as the lines they name, and a link goes only with its line (a draft run
    deleted) or is released (its invoice credited). The database enforces what matters for
    billing, one unreleased link per attendance (``billedattendance_once``); it does not
    check the keys, a lookup less for each of them at the run's commit (1.4 s of a month's
    run for the lines alone). The ORM still protects an attendance from deletion
    (``PROTECT``) and deletes a line's links with it (``CASCADE``). The organisation is its
    line's (no index, no key check: see :class:`InvoiceLine`).
    """

    organisation = organisation_key(db_index=False, db_constraint=False)

    attendance = models.ForeignKey(
        Attendance, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    line = models.ForeignKey(
        InvoiceLine, on_delete=models.CASCADE, related_name="attendances", db_constraint=False
    )
    released = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["attendance"],
                condition=Q(released=False),
                name="billedattendance_once",
            )
        ]


def posted_links(attendance=None) -> QuerySet[BilledAttendance]:
    """Return the links that make an attendance billed: unreleased, from a posted invoice.

    An attendance's status is the outcome of its verification; whether it is billed is this
    (posting writes no attendance, crediting releases the links). ``attendance`` defaults to
    the outer query's attendance, for ``Exists``.
    """
    return BilledAttendance.objects.filter(
        attendance=OuterRef("pk") if attendance is None else attendance,
        released=False,
        line__invoice__posted_at__isnull=False,
    )


class WriteOffKind(models.TextChoices):
    IRRECOVERABLE = "irrecoverable", _("irrecoverable")
    SOCIAL_AID = "social_aid", _("social aid")
    ERROR = "error", _("error")
    OTHER = "other", _("other")


class WriteOff(OrgModel):
    """A "non-valeur": part or all of an invoice given up, spread over its lines."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="write_offs")
    kind = models.CharField(_("type"), max_length=15, choices=WriteOffKind.choices)
    date = models.DateField(_("date"))
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    spread = models.JSONField(default=dict)  # line id → cents
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    created_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("write-off")
        verbose_name_plural = _("write-offs")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.invoice} {self.get_kind_display()} {self.amount_cents}"
