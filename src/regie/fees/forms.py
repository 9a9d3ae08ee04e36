"""Forms of the finance officer's screens of service files: the list's filters, the counter."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regie.core.amounts import MoneyField
from regie.core.money import format_cents
from regie.fees.models import FileState, Service
from regie.payments.models import Mode
from regie.people.forms import DateInput


class FileFilter(forms.Form):
    """The files list's filters; all optional."""

    q = forms.CharField(
        label=_("Applicant or reference"),
        required=False,
        max_length=100,
        help_text=_("A name, the file's reference in its service or its communication."),
    )
    service = forms.ModelChoiceField(
        label=_("Service"), required=False, queryset=Service.objects.none(), empty_label=_("all")
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("all")), *FileState.choices]
    )
    date_from = forms.DateField(label=_("Received from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Received until"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.order_by("name")

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The period ends before it starts."))
        return data


class CounterForm(forms.Form):
    """A payment of a file at the counter: cash (a receipt is printed) or card."""

    mode = forms.ChoiceField(
        label=_("Paid"),
        choices=[(Mode.CASH, Mode.CASH.label), (Mode.CARD, Mode.CARD.label)],
        widget=forms.RadioSelect,
        initial=Mode.CASH,
    )
    amount = MoneyField(
        label=_("Amount received"),
        positive=True,
        help_text=_("What is due, unless the applicant pays part of it."),
    )
    date = forms.DateField(label=_("Date"), widget=DateInput())

    def __init__(self, *args, due: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.due = due
        self.fields["amount"].initial = due
        self.fields["date"].initial = timezone.localdate()

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and amount > self.due:
            raise forms.ValidationError(
                _("More than what is due (%(due)s): the counter takes at most what is due."),
                params={"due": format_cents(self.due)},
            )
        return amount

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("A payment at the counter cannot be in the future."))
        return day
