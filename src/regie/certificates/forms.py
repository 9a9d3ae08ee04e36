"""Forms of the certificates' screens: the income year and its legal daily maximum."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from regie.core.errors import DomainError
from regie.core.money import parse_amount


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Income year"), min_value=2000, max_value=2100)


class DailyMaximumForm(YearForm):
    amount = forms.CharField(
        label=_("Legal daily maximum"),
        max_length=12,
        help_text=_("Per day and child, set by law each year: 16,40 for 2024."),
    )

    def clean_amount(self) -> int:
        try:
            cents = parse_amount(self.cleaned_data["amount"])
        except DomainError as error:
            raise forms.ValidationError(error.translated()) from error
        if cents <= 0 or cents > 100_000:
            raise forms.ValidationError(_("Write an amount between 0,01 and 1.000,00."))
        return cents


class FilingForm(forms.Form):
    """Who the tax administration may call about the file (Belcotax asks for it)."""

    contact = forms.CharField(label=_("Contact person"), max_length=41)
    phone = forms.CharField(label=_("Phone"), max_length=20)
    email = forms.EmailField(label=_("E-mail"))
    test = forms.BooleanField(
        label=_("Test file"),
        required=False,
        help_text=_("For Belcotax-on-web's test upload: nothing is filed."),
    )
