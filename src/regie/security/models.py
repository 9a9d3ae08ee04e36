"""The recovery codes of a second factor, kept as one-way digests (never the codes)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice


class RecoveryCode(models.Model):
    """One recovery code of a user's second factor: its digest (:mod:`regie.security.recovery`),
    deleted when the code is used. The codes are shown once, when they are made."""

    device = models.ForeignKey(
        StaticDevice, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    digest = models.CharField(_("digest"), max_length=128, db_index=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self) -> str:
        return f"{self.device_id}: {self.digest[:24]}…"
