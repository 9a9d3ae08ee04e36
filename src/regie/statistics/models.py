"""Pivot views saved by a user, alone or shared with the organisation."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from regie.core.models import OrgModel


class SavedView(OrgModel):
    """A pivot's question (source, rows, columns, measure, filters) under a name."""

    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(
        "core.User", on_delete=models.CASCADE, related_name="+", verbose_name=_("owner")
    )
    shared = models.BooleanField(_("shared with the organisation"), default=False)
    query = models.JSONField(_("question"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        params = {key: value for key, value in self.query.items() if value not in ("", None, [])}
        return f"{reverse('statistics:pivot')}?{urlencode(params, doseq=True)}"
