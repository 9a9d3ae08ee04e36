"""Forms of the registry screens."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from regie.core import validators
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
    # Typed as printed (0207.451.227, BE 0207 451 227): compacted to ten digits when checked.
    enterprise_number = forms.CharField(
        label=_("Enterprise number (BCE/KBO)"),
        max_length=20,
        required=False,
        help_text=_(
            "A company: its name is the last name. Accounting exports and e-invoices reach it "
            "at this number (Peppol scheme 0208)."
        ),
    )

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
            "enterprise_number",
            "iban",
            "is_active",
        ]

    def clean_enterprise_number(self) -> str:
        value = self.cleaned_data["enterprise_number"].strip()
        return validators.clean_enterprise_number(value) if value else ""


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
