"""Forms of the registry screens."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from regie.core.widgets import DateInput
from regie.people.models import Child, ChildPerson, Person, SchoolClass


class ChildForm(forms.ModelForm):
    class Meta:
        model = Child
        fields = [
            "last_name",
            "first_name",
            "birth_date",
            "national_number",
            "site",
            "school_class",
            "level",
            "tariff_category",
            "severe_disability",
            "is_active",
        ]
        widgets = {"birth_date": DateInput()}
        help_texts = {
            "national_number": _("Optional. 11 digits; shown masked, every full view is logged."),
            "level": _("Taken from the class when left empty."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_class"].queryset = SchoolClass.objects.select_related("site")


class PersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = [
            "last_name",
            "first_name",
            "street",
            "postcode",
            "city",
            "country",
            "email",
            "phone",
            "language",
            "delivery",
            "national_number",
            "iban",
            "is_active",
        ]


class LinkForm(forms.ModelForm):
    class Meta:
        model = ChildPerson
        fields = ["person", "relationship", "billable", "attestable", "custodial"]

    def __init__(self, *args, child: Child, person: Person | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.child = child
        self.fields["person"].queryset = Person.objects.filter(is_active=True)
        if person is not None:  # chosen with the picker
            self.fields["person"].widget = forms.HiddenInput()
            self.initial["person"] = person.pk
        if self.instance.pk:
            self.fields["person"].disabled = True
