"""Which places a childcare staff member scans at (and so whose children and alerts they see)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from regie.activities.models import Place
from regie.core.models import OrgModel


class StaffPlace(OrgModel):
    """A place a childcare staff member works at: the scanning app offers only these places to
    that member, with their children and medical alerts. Coordinators and administrators scan
    at every place; paired devices too (an administrator paired them)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("staff member"),
    )
    place = models.ForeignKey(
        Place, on_delete=models.CASCADE, related_name="+", verbose_name=_("place")
    )

    class Meta:
        verbose_name = _("place of a staff member")
        verbose_name_plural = _("places of staff members")
        ordering = ["place__name", "user__username"]
        constraints = [models.UniqueConstraint(fields=["user", "place"], name="staffplace_unique")]

    def __str__(self) -> str:
        return f"{self.user} — {self.place}"
