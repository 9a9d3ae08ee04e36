"""Forms of the days screen, manual encoding and registrations."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from regie.activities.models import Activity, ActivityCategory, Encoding, Place, Weekday
from regie.attendance.models import DayStatus, Direction
from regie.attendance.selectors import TO_FIX, DayFilters
from regie.attendance.windows import open_dates
from regie.people.forms import DateInput
from regie.people.models import Child, Person, SchoolSite

MAX_REGISTRATION_DAYS = 400


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class DayFilterForm(forms.Form):
    """The days list's filters; a value that does not parse filters nothing."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            (TO_FIX, _("to fix (error or not processed)")),
            *DayStatus.choices,
            ("all", _("all")),
        ],
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    place = forms.ModelChoiceField(
        label=_("Place"), required=False, queryset=Place.objects.none(), empty_label=_("all")
    )
    site = forms.ModelChoiceField(
        label=_("School site"),
        required=False,
        queryset=SchoolSite.objects.none(),
        empty_label=_("all"),
    )
    category = forms.ModelMultipleChoiceField(
        label=_("Activity categories"),
        required=False,
        queryset=ActivityCategory.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    q = forms.CharField(label=_("Child"), required=False, max_length=100)
    child = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Querysets are given per request: one built at import would stay bound to the
        # organisation active at that moment.
        self.fields["place"].queryset = Place.objects.all()
        self.fields["site"].queryset = SchoolSite.objects.all()
        if "category" in self.fields:  # the attendances list has none
            self.fields["category"].queryset = ActivityCategory.objects.all()

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The period ends before it starts."))
        return cleaned

    def filters(self) -> DayFilters:
        """Return the filters of the valid fields, ignoring the others."""
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.fields}
        return DayFilters(
            status=data["status"] or TO_FIX,
            date_from=data["date_from"],
            date_to=data["date_to"],
            place_id=data["place"].pk if data["place"] else None,
            child_id=data["child"],
            text=(data["q"] or "").strip(),
            category_ids=tuple(sorted(c.pk for c in data["category"] or ())),
            site_id=data["site"].pk if data["site"] else None,
        )


def linked_persons(child: Child):
    """Return the persons linked to a child."""
    return Person.objects.filter(links__child=child).order_by("last_name", "first_name", "pk")


def person_field(help_text: str) -> forms.ModelChoiceField:
    """Return an optional choice among a child's persons (its form sets the queryset)."""
    return forms.ModelChoiceField(
        label=_("Person"), queryset=Person.objects.none(), required=False, help_text=help_text
    )


class ManualEventForm(forms.Form):
    """An entry or exit typed in by staff (DOMAIN §3, source "manual entry")."""

    date = forms.DateField(label=_("Date"), widget=DateInput())
    time = forms.TimeField(label=_("Time"), widget=TimeInput())
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices)
    place = forms.ModelChoiceField(label=_("Place"), queryset=Place.objects.none())
    person = person_field(_("Who dropped off or picked up the child."))

    def __init__(self, *args, child: Child, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = Place.objects.all()
        self.fields["person"].queryset = linked_persons(child)


class ChooseActivityForm(forms.Form):
    """The activity staff pick for an interval that matched several."""

    choice_key = forms.IntegerField(widget=forms.HiddenInput)
    activity = forms.ModelChoiceField(label=_("Activity"), queryset=Activity.objects.none())

    def __init__(self, *args, candidates: dict[int, list[int]], **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = candidates
        ids = {pk for pks in candidates.values() for pk in pks}
        self.fields["activity"].queryset = Activity.objects.filter(pk__in=ids)

    def clean(self):
        data = super().clean()
        key, activity = data.get("choice_key"), data.get("activity")
        if key is not None and activity and activity.pk not in self.candidates.get(key, ()):
            raise forms.ValidationError(_("This activity is not one of the candidates."))
        return data


def parse_dates(text: str) -> list[date]:
    """Return the dates of a text listing them as DD/MM/YYYY or YYYY-MM-DD."""
    found = []
    for word in text.replace(";", ",").replace("\n", ",").split(","):
        word = word.strip()
        if not word:
            continue
        try:
            if "/" in word:
                day, month, year = (int(part) for part in word.split("/"))
                found.append(date(year, month, day))
            else:
                found.append(date.fromisoformat(word))
        except ValueError:
            raise forms.ValidationError(
                _("“%(value)s” is not a date; write dates as DD/MM/YYYY."),
                params={"value": word},
            ) from None
    return found


class RegistrationForm(forms.Form):
    """Register a child to a registration-encoded activity on a range of weekdays or dates."""

    activity = forms.ModelChoiceField(label=_("Activity"), queryset=Activity.objects.none())
    person = person_field(_("The person to bill; empty: the child's first billable person."))
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays"),
        choices=Weekday.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every day the activity takes place."),
    )
    dates = forms.CharField(
        label=_("Or these dates"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Dates separated by commas (DD/MM/YYYY); used instead of the range."),
    )

    def __init__(self, *args, child: Child, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = Activity.objects.filter(
            encoding=Encoding.REGISTRATION
        ).select_related("place")
        self.fields["person"].queryset = linked_persons(child)

    def clean_dates(self) -> list[date]:
        return parse_dates(self.cleaned_data.get("dates") or "")

    def clean(self):
        data = super().clean()
        activity = data.get("activity")
        if activity is None or self.errors:
            return data
        if data.get("dates"):
            data["chosen"] = sorted(set(data["dates"]))
            return data
        start, end = data.get("date_from"), data.get("date_to")
        if not start or not end:
            raise forms.ValidationError(_("Give a range (from and to) or a list of dates."))
        if end < start:
            raise forms.ValidationError(_("The range ends before it starts."))
        if (end - start).days > MAX_REGISTRATION_DAYS:
            raise forms.ValidationError(
                _("A registration covers at most %(days)s days; split it."),
                params={"days": MAX_REGISTRATION_DAYS},
            )
        weekdays = set(data.get("weekdays") or ())
        chosen = [
            day
            for day in open_dates(activity.as_window(), start, end)
            if not weekdays or day.weekday() in weekdays
        ]
        if not chosen:
            raise forms.ValidationError(
                _("%(activity)s takes place on none of these days."),
                params={"activity": activity},
            )
        data["chosen"] = chosen
        return data
