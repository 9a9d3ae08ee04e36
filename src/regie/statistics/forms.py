"""The pivot's question as a form: source, rows, columns, measure, filters, display."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from regie.activities.models import ActivityCategory
from regie.core.widgets import DateInput
from regie.statistics.pivot import FIGURES, Query, figures
from regie.statistics.sources import SOURCES

DISPLAYS = [("table", _("Table")), ("chart", _("Chart"))]


class PivotForm(forms.Form):
    source = forms.ChoiceField(label=_("Figures"), choices=[])
    rows = forms.ChoiceField(label=_("Rows"), choices=[])
    columns = forms.ChoiceField(label=_("Columns"), choices=[], required=False)
    measure = forms.ChoiceField(label=_("Measure"), choices=[])
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    categories = forms.ModelMultipleChoiceField(
        label=_("Activity categories"),
        queryset=ActivityCategory.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: all."),
    )
    display = forms.ChoiceField(label=_("Show as"), choices=DISPLAYS, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [(key, s.label) for key, s in SOURCES.items()]
        chosen = SOURCES.get(self.data.get("source") or "receivables", SOURCES["receivables"])
        dimensions = [(key, d.label) for key, d in chosen.dimensions.items()]
        self.fields["rows"].choices = dimensions
        columns = [("", _("(none)")), *dimensions]
        if len(figures(chosen)) > 1:
            columns.append((FIGURES, _("Amounts side by side (invoiced, received…)")))
        self.fields["columns"].choices = columns
        self.fields["measure"].choices = [(k, label) for k, (label, _a) in chosen.measures.items()]
        self.fields["categories"].queryset = ActivityCategory.objects.all()
        self.source = chosen

    def clean(self):
        data = super().clean()
        if data.get("rows") and data.get("rows") == data.get("columns"):
            self.add_error("columns", _("Choose other columns than the rows."))
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end comes before the start."))
        return data

    def query(self) -> Query:
        data = self.cleaned_data
        categories = tuple(c.pk for c in data.get("categories") or ())
        return Query(
            source=data["source"],
            rows=data["rows"],
            columns=data.get("columns") or "",
            measure=data["measure"],
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            categories=categories if self.source.category_field else (),
        )


class SaveForm(forms.Form):
    name = forms.CharField(label=_("Name of the view"), max_length=100)
    shared = forms.BooleanField(label=_("Share with the organisation"), required=False)
