"""Forms of the activity and price configuration, typed the way a clerk writes.

Amounts are typed in euros ("0,50" or "0.50") and stored in cents, periods as HH:MM and stored
in minutes, positions as "1, 2", excluded dates one per line. The save-time rules of
:mod:`regie.activities.services` run in ``clean()``, so a refusal shows on the form.
"""

from __future__ import annotations

import copy
import re
from datetime import date, datetime

from django import forms
from django.contrib.admin.widgets import AdminTimeWidget
from django.core.exceptions import ValidationError
from django.forms.models import construct_instance
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from regie.activities import pricing, services
from regie.activities.models import Activity, Price, Weekday
from regie.core.amounts import CONFIRM, ConfirmLargeAmounts, MoneyField
from regie.core.errors import DomainError
from regie.people.forms import DateInput
from regie.people.models import Level, TariffCategory


def invalid(error: DomainError) -> ValidationError:
    """Return a domain error as a form validation error, in the active language."""
    return ValidationError(error.translated(), code=error.code)


class EuroField(MoneyField):
    """An amount typed in euros ("0,50", "0.50", "1.234,56"), cleaned to integer cents; a price
    above 1.000,00 € asks for a confirmation (:class:`ConfirmLargeAmounts`)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("confirm_above", PRICE_CONFIRM_ABOVE)
        super().__init__(**kwargs)


class PeriodField(forms.Field):
    """A period length typed as HH:MM (24:00 = per day), cleaned to minutes."""

    widget = forms.TextInput(attrs={"size": 6, "placeholder": "00:30"})

    def prepare_value(self, value):
        return pricing.format_period(value) if isinstance(value, int) else value

    def to_python(self, value):
        if isinstance(value, int):
            return value
        if value in self.empty_values or not value.strip():
            return None
        try:
            minutes = pricing.parse_period(value)
        except DomainError as error:
            raise invalid(error) from error
        if not 0 < minutes <= pricing.DAY_MINUTES:
            raise ValidationError(
                _("A period lasts from 00:01 to 24:00 (24:00 means per day)."),
                code="pricing.invalid_period",
            )
        return minutes


class PositionsField(forms.Field):
    """Child positions typed as "1, 2" (empty = every position), cleaned to a sorted list."""

    widget = forms.TextInput(attrs={"size": 10, "placeholder": "1, 2"})

    def prepare_value(self, value):
        return ", ".join(map(str, value)) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        if isinstance(value, list | tuple):
            return sorted(set(value))
        positions = set()
        for word in re.split(r"[\s,;]+", (value or "").strip()):
            if not word:
                continue
            if not word.isdigit() or int(word) < 1:
                raise ValidationError(
                    _("“%(value)s” is not a child position; write positions like 1, 2."),
                    code="positions.invalid",
                    params={"value": word},
                )
            positions.add(int(word))
        return sorted(positions)


def parse_day(text: str) -> date:
    """Return the date written dd/mm/yyyy or yyyy-mm-dd; raise ValueError otherwise."""
    for layout in ("%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, layout).date()
        except ValueError:
            continue
    raise ValueError(text)


class DateListField(forms.Field):
    """Dates typed one per line (dd/mm/yyyy or ISO), cleaned to sorted unique ISO strings."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 14, "placeholder": "25/12/2025"})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(pricing.format_date(date.fromisoformat(day)) for day in value)
        return value

    def to_python(self, value):
        if isinstance(value, list | tuple):
            return sorted(set(value))
        days = set()
        for number, line in enumerate((value or "").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                days.add(parse_day(line.strip()).isoformat())
            except ValueError:
                raise ValidationError(
                    _(
                        "Line %(line)s: “%(value)s” is not a date; write one date per line, "
                        "like 25/12/2025."
                    ),
                    code="dates.invalid",
                    params={"line": number, "value": line.strip()},
                ) from None
        return sorted(days)


class RuleCheckedForm(forms.ModelForm):
    """A model form that runs a save-time rule on the instance as the form would save it."""

    #: Which field shows an error of a given code; others show above the form.
    error_fields: dict[str, str] = {}

    def candidate(self):
        """Return a copy of the instance with the cleaned values, not saved."""
        return construct_instance(
            self, copy.copy(self.instance), self._meta.fields, self._meta.exclude
        )

    def check_rule(self, cleaned_data) -> None:
        raise NotImplementedError

    def clean(self):
        cleaned_data = super().clean()
        if not self.errors:
            try:
                self.check_rule(cleaned_data)
            except DomainError as error:
                self.add_error(self.error_fields.get(error.code), invalid(error))
        return cleaned_data


#: The sections of the activity form, as the admin shows them.
ACTIVITY_SECTIONS = (
    (None, ("name", "category", "place", "encoding")),
    (
        _("When"),
        (
            "date_from",
            "date_to",
            "weekdays",
            "excluded_dates",
            "start_time",
            "end_time",
            "next_activity",
        ),
    ),
    (_("Who"), ("levels",)),
    (_("Registrations"), ("bill_absence",)),
)

#: A price above this asks for a confirmation: 1.000,00 €.
PRICE_CONFIRM_ABOVE = 100_000

#: The sections of the price form, as the admin shows them.
PRICE_SECTIONS = (
    (None, ("name", "activities")),
    (_("Amount"), ("period_minutes", "unit_cents", "maximum_cents", "cumulative", CONFIRM)),
    (_("Validity"), ("valid_from", "valid_to")),
    (_("Children"), ("positions", "categories", "without_category")),
)


def activity_label(activity: Activity) -> str:
    """Return an activity's name with its place and window, as choices show it."""
    window = f"{activity.start_time:%H:%M}–{activity.end_time:%H:%M}"
    return f"{activity.name} ({activity.place}, {window})"


class ActivityForm(RuleCheckedForm):
    levels = forms.MultipleChoiceField(
        label=capfirst(_("levels")),
        choices=Level.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None ticked: every level."),
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=capfirst(_("weekdays")),
        coerce=int,
        choices=Weekday.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None ticked: every day."),
    )
    excluded_dates = DateListField(
        label=capfirst(_("excluded dates")),
        required=False,
        help_text=_("One date per line, like 25/12/2025: holidays, days off."),
    )
    error_fields = {"activity.chain": "next_activity", "activity.invalid_window": "end_time"}

    class Meta:
        model = Activity
        fields = [name for _title, names in ACTIVITY_SECTIONS for name in names]
        widgets = {
            "start_time": AdminTimeWidget(format="%H:%M"),
            "end_time": AdminTimeWidget(format="%H:%M"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("next_activity")
        if field is not None:
            choices = Activity.objects.select_related("place")
            if self.instance.pk:
                choices = choices.filter(place_id=self.instance.place_id).exclude(
                    pk=self.instance.pk
                )
            field.queryset = choices
            field.label_from_instance = activity_label

    def check_rule(self, cleaned_data) -> None:
        activity = self.candidate()
        if activity.end_time <= activity.start_time:
            return  # the model's own check says so next to the field
        services.activity_check(activity=activity)


class PriceForm(ConfirmLargeAmounts, RuleCheckedForm):
    activities = forms.ModelMultipleChoiceField(
        label=capfirst(_("activities")),
        queryset=Activity.objects.select_related("place"),
        widget=forms.CheckboxSelectMultiple,
    )
    period_minutes = PeriodField(
        label=_("Period (HH:MM)"), help_text=_("Like 00:30; 24:00 means per day.")
    )
    unit_cents = EuroField(label=_("Unit price per started period (€)"), help_text=_("Like 0,50."))
    # A maximum only lowers what is billed: a large one needs no confirmation.
    maximum_cents = EuroField(
        label=_("Maximum per attendance (€)"),
        required=False,
        confirm_above=None,
        help_text=_("Empty or 0: no maximum."),
    )
    confirm_amounts = forms.BooleanField(
        label=ConfirmLargeAmounts.confirm_label,
        required=False,
        help_text=_("Needed only for a price above 1.000,00 €."),
    )
    positions = PositionsField(
        label=capfirst(_("child positions")),
        required=False,
        help_text=_("Like 1, 2 (1 = oldest child). Empty: every position."),
    )
    categories = forms.ModelMultipleChoiceField(
        label=capfirst(_("tariff categories")),
        queryset=TariffCategory.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None ticked, nor the next box: every child."),
    )
    error_fields = {
        "pricing.invalid_dates": "valid_to",
        "pricing.invalid_period": "period_minutes",
    }

    class Meta:
        model = Price
        fields = [name for _title, names in PRICE_SECTIONS for name in names]
        labels = {"without_category": capfirst(_("children without a category"))}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "activities" in self.fields:
            self.fields["activities"].label_from_instance = activity_label

    def clean_maximum_cents(self):
        return self.cleaned_data.get("maximum_cents") or 0

    def check_rule(self, cleaned_data) -> None:
        services.price_check(
            price=self.candidate(),
            activity_ids=[a.pk for a in cleaned_data["activities"]],
            category_ids=[c.pk for c in cleaned_data["categories"]],
        )


class PriceChangeForm(ConfirmLargeAmounts, forms.Form):
    """Change a price from a date: the new unit price and, optionally, a new name."""

    day = forms.DateField(label=_("New price from"), widget=DateInput())
    unit_cents = EuroField(
        label=_("New unit price per started period (€)"), help_text=_("Like 0,65.")
    )
    name = forms.CharField(
        label=_("Name of the new price"),
        max_length=200,
        required=False,
        help_text=_("Empty: the same name as now."),
    )


class CoverageForm(forms.Form):
    """The period of the coverage check (at most about a year)."""

    date_from = forms.DateField(label=capfirst(_("from")), widget=DateInput())
    date_to = forms.DateField(label=capfirst(_("to")), widget=DateInput())

    def clean(self):
        cleaned_data = super().clean()
        first, last = cleaned_data.get("date_from"), cleaned_data.get("date_to")
        if first and last and last < first:
            self.add_error("date_to", _("The period ends before it starts."))
        elif first and last and (last - first).days > 366:
            self.add_error("date_to", _("Check at most one year at a time."))
        return cleaned_data
