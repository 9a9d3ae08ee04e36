"""Accounting export settings, and the exports themselves, kept as they were (DOMAIN §9).

An export is written once, with its items and files, in one transaction at the end of its
job; its rows are never changed afterwards. ``ExportItem`` is what decides that a document
travels once: the database refuses a second item of the same document, version and action.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from regie.activities.models import ActivityCategory
from regie.core.models import OrgModel
from regie.people.models import Person


class FrozenError(RuntimeError):
    """An export (or its items and files) was about to be changed or deleted."""


class DebtorId(models.TextChoices):
    NONE = "none", _("Regie's reference of the person only")
    NATIONAL = "national", _("national number (consumers), enterprise number (companies)")
    ENTERPRISE = "enterprise", _("enterprise number of companies only")


class VatCategory(models.TextChoices):
    OUTSIDE = "O", _("outside the scope of VAT")
    EXEMPT = "E", _("exempt from VAT")
    STANDARD = "S", _("subject to VAT")


class ExportSettings(OrgModel):
    """How the accounting software expects Regie's documents: one row per organisation."""

    application_code = models.CharField(
        _("application code"),
        max_length=10,
        blank=True,
        help_text=_("The code the accounting software gives Regie's documents."),
    )
    debtor_id = models.CharField(
        _("debtors identified by"),
        max_length=10,
        choices=DebtorId.choices,
        default=DebtorId.NONE,
    )
    fee_article = models.CharField(_("budget article of reminder fees"), max_length=30, blank=True)
    default_article = models.CharField(
        _("budget article when none is set"), max_length=30, blank=True
    )
    peppol_scheme = models.CharField(
        _("Peppol identifier scheme"),
        max_length=4,
        default="0208",
        validators=[RegexValidator(r"^\d{4}$", _("Four digits, such as 0208."))],
    )
    peppol_id = models.CharField(
        _("Peppol identifier"),
        max_length=50,
        blank=True,
        help_text=_("Empty: the organisation's enterprise number."),
    )

    class Meta:
        verbose_name = _("export settings")
        verbose_name_plural = _("export settings")
        constraints = [
            models.UniqueConstraint(fields=["organisation"], name="exportsettings_one_per_org")
        ]

    def __str__(self) -> str:
        return str(_("export settings"))


class BudgetArticle(OrgModel):
    """The budget article and VAT of an activity category's revenue."""

    category = models.ForeignKey(
        ActivityCategory,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("activity category"),
    )
    article = models.CharField(
        _("budget article"),
        max_length=30,
        validators=[RegexValidator(r"^[0-9A-Za-z/.\- ]+$", _("Digits, letters, / . and - only."))],
        help_text=_("Function/economic code, such as 835/161-48."),
    )
    vat_category = models.CharField(
        _("VAT"), max_length=1, choices=VatCategory.choices, default=VatCategory.OUTSIDE
    )
    vat_rate = models.DecimalField(
        _("VAT rate (%)"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("50"))],
    )

    class Meta:
        verbose_name = _("budget article")
        verbose_name_plural = _("budget articles")
        ordering = ["category__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "category"], name="budgetarticle_one_per_category"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.article}"


class _Frozen(OrgModel):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk and type(self).unscoped_objects.filter(pk=self.pk).exists():
            raise FrozenError("an export is kept as it was: it is never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise FrozenError("an export is kept as it was: it is never deleted")


class Export(_Frozen):
    """One export: its range, kinds and formats, who made it and when, what it held."""

    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    kinds = models.JSONField(_("documents"), default=list)
    formats = models.JSONField(_("formats"), default=list)
    documents = models.PositiveIntegerField(_("documents"), default=0)
    credits = models.PositiveIntegerField(_("credit notes"), default=0)
    debit_cents = models.BigIntegerField(_("invoiced"), default=0)
    credit_cents = models.BigIntegerField(_("credited"), default=0)
    national_numbers = models.BooleanField(_("carries national numbers"), default=False)
    chain_head = models.CharField(_("head of the ledger's chain"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("accounting export")
        verbose_name_plural = _("accounting exports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.date_from:%d/%m/%Y}–{self.date_to:%d/%m/%Y}"

    def get_absolute_url(self) -> str:
        return reverse("exports:detail", args=[self.pk])


class ExportItem(_Frozen):
    """A document in an export: an original, or the reversal or reissue of a changed one."""

    export = models.ForeignKey(Export, on_delete=models.PROTECT, related_name="items")
    source = models.CharField(max_length=40, db_index=True)  # "invoice:17", "reminder:3"
    kind = models.CharField(_("kind"), max_length=15)
    action = models.CharField(_("action"), max_length=10)
    version = models.PositiveIntegerField(default=0)
    number = models.CharField(_("number"), max_length=40)
    document_date = models.DateField(_("date"))
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("person")
    )
    amount_cents = models.BigIntegerField(_("amount"))  # signed: negative is a credit
    fingerprint = models.CharField(max_length=64)
    articles = models.JSONField(default=dict)  # budget article → signed cents

    class Meta:
        verbose_name = _("exported document")
        verbose_name_plural = _("exported documents")
        ordering = ["export", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "source", "version", "action"],
                name="exportitem_once",
            )
        ]

    def __str__(self) -> str:
        return self.number


class ExportFile(_Frozen):
    """A file an export wrote, with its SHA-256 so a download can be proved identical."""

    export = models.ForeignKey(Export, on_delete=models.PROTECT, related_name="files")
    name = models.CharField(_("name"), max_length=100)
    path = models.CharField(max_length=300)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("export file")
        verbose_name_plural = _("export files")
        ordering = ["export", "name"]
        constraints = [
            models.UniqueConstraint(fields=["export", "name"], name="exportfile_unique_name"),
            models.CheckConstraint(condition=~Q(sha256=""), name="exportfile_has_hash"),
        ]

    def __str__(self) -> str:
        return self.name
