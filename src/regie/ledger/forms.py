"""The period filter of the ledger reports."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from regie.core.widgets import DateInput


def current_year(today: date) -> tuple[date, date]:
    """Return the first and last days of ``today``'s year."""
    return date(today.year, 1, 1), date(today.year, 12, 31)


class PeriodForm(forms.Form):
    """From and to dates, inclusive; the report's default is the current year."""

    date_from = forms.DateField(label=_("From"), widget=DateInput())
    date_to = forms.DateField(label=_("To"), widget=DateInput())

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The period ends before it starts."))
        return cleaned
