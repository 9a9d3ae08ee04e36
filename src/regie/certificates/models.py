"""Tax certificates 281.86 of an income year (DOMAIN §10): settings, batches, certificates.

The rules live in :mod:`regie.certificates.rules`; a batch keeps what its job built (the
certificates and every problem found), so the preview, the PDFs and the Belcotax file all
read the same figures.
"""

from __future__ import annotations

from datetime import date

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from regie.core.models import OrgModel
from regie.people.models import Child, Person


class DailyMaximum(OrgModel):
    """The legal daily maximum of an income year (16.40 for 2024), set by the organisation."""

    year = models.PositiveIntegerField(
        _("income year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    cents = models.PositiveIntegerField(_("daily maximum (cents)"))

    class Meta:
        verbose_name = _("legal daily maximum")
        verbose_name_plural = _("legal daily maxima")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="dailymaximum_unique")
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.cents}"


class BatchStatus(models.TextChoices):
    RUNNING = "running", _("running")
    DONE = "done", _("built")
    FAILED = "failed", _("failed")


class CertificateBatch(OrgModel):
    """The certificates of one income year as one job built them, with its problems."""

    year = models.PositiveIntegerField(_("income year"))
    status = models.CharField(
        _("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.RUNNING
    )
    daily_max_cents = models.PositiveIntegerField(_("daily maximum (cents)"), default=0)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    created_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("certificate batch")
        verbose_name_plural = _("certificate batches")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"281.86 {self.year} (#{self.pk})"

    def get_absolute_url(self) -> str:
        return reverse("certificates:batch", args=[self.pk])


class Certificate(OrgModel):
    """One form 281.86: a person who paid, a child, up to four periods."""

    batch = models.ForeignKey(
        CertificateBatch, on_delete=models.CASCADE, related_name="certificates"
    )
    sequence = models.PositiveIntegerField(_("sequence number"))
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    child = models.ForeignKey(
        Child, on_delete=models.PROTECT, related_name="+", verbose_name=_("child")
    )
    periods = models.JSONField(_("periods"), default=list)  # [{start, end, days, daily, amount}]
    total_cents = models.BigIntegerField(_("total (cents)"))

    class Meta:
        verbose_name = _("tax certificate")
        verbose_name_plural = _("tax certificates")
        ordering = ["batch", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "sequence"], name="certificate_unique_seq")
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """Return the certificate's own reference, e.g. 2026-000042."""
        return f"{self.batch.year}-{self.sequence:06d}"

    def get_absolute_url(self) -> str:
        return reverse("certificates:certificate", args=[self.pk])

    def period_rows(self) -> list[dict]:
        """Return the periods with their dates as dates (they are stored as ISO text)."""
        return [
            {
                **period,
                "start": date.fromisoformat(period["start"]),
                "end": date.fromisoformat(period["end"]),
            }
            for period in self.periods
        ]
