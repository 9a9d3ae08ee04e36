"""Forms of the billing screens: a new run, the invoice filters, a write-off, a move."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regie.activities.models import ActivityCategory
from regie.billing.models import BillingRun, WriteOffKind
from regie.billing.selectors import Status
from regie.core.amounts import MoneyField
from regie.people.forms import DateInput
from regie.people.models import Person, SchoolSite

#: Days between the invoice date and the due date proposed on a new run.
DEFAULT_TERM_DAYS = 30


def previous_month(today: date) -> tuple[date, date]:
    """Return the first and last day of the month before ``today``'s."""
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


class RunForm(forms.Form):
    """The categories, period, dates and school site of a new billing run."""

    categories = forms.ModelMultipleChoiceField(
        label=_("Activity categories"),
        queryset=ActivityCategory.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Several categories: one invoice per person covers them all."),
    )
    date_from = forms.DateField(label=_("Period from"), widget=DateInput())
    date_to = forms.DateField(label=_("Period to"), widget=DateInput())
    invoice_date = forms.DateField(label=_("Invoice date"), widget=DateInput())
    due_date = forms.DateField(label=_("Due date"), widget=DateInput())
    site = forms.ModelChoiceField(
        label=_("School site"),
        queryset=SchoolSite.objects.order_by("name"),
        required=False,
        empty_label=_("All schools"),
        help_text=_("Bill the children of every school, or of one only."),
    )

    @staticmethod
    def defaults(today: date | None = None) -> dict:
        """Return the proposed values: last month, invoiced today, due in 30 days."""
        today = today or timezone.localdate()
        first, last = previous_month(today)
        return {
            "date_from": first,
            "date_to": last,
            "invoice_date": today,
            "due_date": today + timedelta(days=DEFAULT_TERM_DAYS),
        }

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The period ends before it starts."))
        if (
            data.get("invoice_date")
            and data.get("due_date")
            and data["due_date"] < data["invoice_date"]
        ):
            self.add_error("due_date", _("The due date comes before the invoice date."))
        return data

    def run(self) -> BillingRun:
        """Return the run described by the form, not saved."""
        data = self.cleaned_data
        return BillingRun(
            date_from=data["date_from"],
            date_to=data["date_to"],
            invoice_date=data["invoice_date"],
            due_date=data["due_date"],
            site=data["site"],
        )


class InvoiceFilter(forms.Form):
    """Filters of the invoice list (GET)."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("all")), *Status.LABELS.items()],
    )
    q = forms.CharField(label=_("Person"), required=False)
    number = forms.CharField(label=_("Number"), required=False)
    run = forms.ModelChoiceField(
        label=_("Billing run"),
        queryset=BillingRun.objects.all(),
        required=False,
        empty_label=_("all"),
    )


class WriteOffForm(forms.Form):
    """A write-off ("non-valeur") of part or all of an invoice's open amount."""

    kind = forms.ChoiceField(label=_("Type"), choices=WriteOffKind.choices)
    amount_cents = MoneyField(label=_("Amount (€)"), positive=True, help_text=_("Like 12,50."))
    date = forms.DateField(label=_("Date"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class MoveForm(forms.Form):
    """Move unbilled attendances to another billable person."""

    attendances = forms.ModelMultipleChoiceField(
        label=_("Attendances"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    person = forms.ModelChoiceField(label=_("Bill them to"), queryset=Person.objects.none())

    def __init__(self, *args, attendances, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendances"].queryset = attendances
        self.fields["person"].queryset = targets
