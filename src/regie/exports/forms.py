"""Forms of the export screens: a new export, the settings and the budget articles."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from regie.billing.selectors import Status
from regie.core.errors import DomainError
from regie.core.widgets import DateInput
from regie.exports import accounting, services
from regie.exports.models import BudgetArticle, ExportSettings
from regie.exports.services import STATUSES

KIND_CHOICES = [
    (accounting.INVOICE, _("Invoices")),
    (accounting.CREDIT_NOTE, _("Credit notes")),
    (accounting.REMINDER_FEE, _("Reminder fees")),
    (accounting.SERVICE_FEE, _("Fees of other services (paid in advance: once paid)")),
    (accounting.PAYMENT, _("Payments received (optional)")),
]
STATUS_CHOICES = [(status, Status.LABELS[status]) for status in STATUSES]
FORMAT_CHOICES = [
    ("csv", _("CSV for the accounting software")),
    ("ubl", _("UBL / Peppol e-invoices (ZIP)")),
    ("journal", _("Ledger entries (journal CSV)")),
]


def previous_month(today: date) -> tuple[date, date]:
    """Return the first and last day of the month before ``today``'s."""
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


class ExportForm(forms.Form):
    """The range, kinds of documents and formats of a new export."""

    date_from = forms.DateField(label=_("From"), widget=DateInput())
    date_to = forms.DateField(label=_("To"), widget=DateInput())
    kinds = forms.MultipleChoiceField(
        label=_("Documents"),
        choices=KIND_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    statuses = forms.MultipleChoiceField(
        label=_("Invoices of these statuses only (none ticked: every invoice)"),
        choices=STATUS_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    formats = forms.MultipleChoiceField(
        label=_("Formats"), choices=FORMAT_CHOICES, widget=forms.CheckboxSelectMultiple
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to"):
            try:
                accounting.range_check(data["date_from"], data["date_to"], today=services.today())
            except DomainError as error:
                self.add_error("date_to", error.translated())
        formats = set(data.get("formats") or ())
        if formats & {"csv", "ubl"} and not data.get("kinds"):
            self.add_error("kinds", _("Choose the kinds of documents to export."))
        return data


class SettingsForm(forms.ModelForm):
    class Meta:
        model = ExportSettings
        fields = [
            "application_code",
            "debtor_id",
            "default_article",
            "fee_article",
            "peppol_scheme",
            "peppol_id",
        ]


class ArticleForm(forms.ModelForm):
    """The budget article and VAT of one activity category."""

    class Meta:
        model = BudgetArticle
        fields = ["article", "vat_category", "vat_rate"]

    def __init__(self, *args, category=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.category = category
        self.fields["article"].required = False
        name = category.name if category else ""
        labels = {
            "article": _("Budget article of %(category)s"),
            "vat_category": _("VAT of %(category)s"),
            "vat_rate": _("VAT rate of %(category)s"),
        }
        for field, label in labels.items():
            self.fields[field].widget.attrs["aria-label"] = label % {"category": name}

    def clean(self):
        data = super().clean()
        if data.get("vat_category") == "S" and not data.get("vat_rate"):
            self.add_error("vat_rate", _("A line subject to VAT needs its rate."))
        if data.get("vat_category") in ("O", "E") and data.get("vat_rate"):
            self.add_error("vat_rate", _("Outside the scope of VAT or exempt: the rate is 0."))
        return data
