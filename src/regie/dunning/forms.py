"""Forms of the collection screens: policies and levels, runs, filters, complaints, orders."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regie.activities.models import ActivityCategory
from regie.billing.models import Invoice
from regie.core.amounts import MoneyField
from regie.core.money import format_cents
from regie.core.widgets import DateInput
from regie.dunning import rules
from regie.dunning.models import PolicyLevel, Reminder, ReminderPolicy
from regie.dunning.plan_models import Frequency
from regie.dunning.selectors import level_rule

#: Levels a policy form shows at most (the formal notice is rarely past the third).
MAX_LEVELS = 5


class PolicyForm(forms.ModelForm):
    """A policy's name, categories and minimum open amounts (in euros)."""

    min_invoice = MoneyField(label=_("Minimum open per invoice"), required=False)
    min_person = MoneyField(label=_("Minimum open per person"), required=False)

    class Meta:
        model = ReminderPolicy
        fields = ["name", "categories", "is_active"]
        widgets = {"categories": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = ActivityCategory.objects.order_by("name")
        self.fields["categories"].empty_text = _("No activity category is configured yet.")
        self.fields["min_invoice"].initial = self.instance.min_invoice_cents
        self.fields["min_person"].initial = self.instance.min_person_cents
        self.fields["min_invoice"].help_text = _("Nobody is reminded of an invoice open less.")
        self.fields["min_person"].help_text = _("Nobody is reminded of less in all.")

    def policy(self) -> ReminderPolicy:
        """Return the policy with the form's values, not saved (the service saves it)."""
        policy = self.instance
        policy.name = self.cleaned_data["name"]
        policy.is_active = self.cleaned_data["is_active"]
        policy.min_invoice_cents = self.cleaned_data["min_invoice"] or 0
        policy.min_person_cents = self.cleaned_data["min_person"] or 0
        return policy


LETTER = forms.Textarea(attrs={"rows": 3})


class LevelForm(forms.Form):
    """One level of a policy; a row left blank is no level."""

    name = forms.CharField(label=_("Name"), max_length=100)
    delay_days = forms.IntegerField(label=_("Delay (days)"), min_value=0, max_value=365)
    days_to_pay = forms.IntegerField(label=_("Days to pay"), min_value=0, max_value=365)
    fee = MoneyField(label=_("Fee"), required=False)
    formal_notice = forms.BooleanField(label=_("Formal notice"), required=False)
    letter_fr = forms.CharField(label=_("Letter (French)"), required=False, widget=LETTER)
    letter_nl = forms.CharField(label=_("Letter (Dutch)"), required=False, widget=LETTER)
    letter_de = forms.CharField(label=_("Letter (German)"), required=False, widget=LETTER)

    def level(self) -> dict:
        data = dict(self.cleaned_data)
        data["fee_cents"] = data.pop("fee") or 0
        data.pop("DELETE", None)
        return data

    @property
    def kept(self) -> bool:
        """Return whether the row is a level to save (filled in and not ticked to delete)."""
        return bool(self.cleaned_data) and not self.cleaned_data.get("DELETE")


LevelFormSet = forms.formset_factory(
    LevelForm, extra=1, max_num=MAX_LEVELS, absolute_max=10, can_delete=True
)


def level_initial(policy: ReminderPolicy) -> list[dict]:
    """Return the policy's levels as the formset's initial rows."""
    return [
        {
            "name": level.name,
            "delay_days": level.delay_days,
            "days_to_pay": level.days_to_pay,
            "fee": level.fee_cents,
            "formal_notice": level.formal_notice,
            "letter_fr": level.letter_fr,
            "letter_nl": level.letter_nl,
            "letter_de": level.letter_de,
        }
        for level in policy.levels.all()
    ]


class LevelChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: PolicyLevel) -> str:
        return f"{obj.policy.name} · {obj.number}. {obj.name}"


class RunForm(forms.Form):
    """A reminder run: the level, the run date, the due date (by default the days to pay)."""

    level = LevelChoiceField(label=_("Level"), queryset=PolicyLevel.objects.none())
    run_date = forms.DateField(label=_("Run date"), widget=DateInput())
    due_date = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=DateInput(),
        help_text=_("Left blank: the run date plus the level's days to pay."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].queryset = PolicyLevel.objects.filter(
            policy__is_active=True
        ).select_related("policy")
        self.fields["run_date"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if data.get("level") and data.get("run_date") and not data.get("due_date"):
            data["due_date"] = rules.reminder_due_date(data["run_date"], level_rule(data["level"]))
        return data


class ReminderFilter(forms.Form):
    """The reminders list's filters; all optional."""

    STATUSES = [
        ("", _("all")),
        ("open", _("open")),
        ("overdue", _("overdue")),
        ("paid", _("paid")),
        ("cancelled", _("cancelled")),
    ]
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUSES)
    level = forms.TypedChoiceField(label=_("Level"), required=False, coerce=int, empty_value=None)
    person = forms.CharField(label=_("Person"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        numbers = PolicyLevel.objects.values_list("number", flat=True).distinct()
        self.fields["level"].choices = [("", _("all"))] + [(n, n) for n in sorted(set(numbers))]


class ComplaintForm(forms.Form):
    received_on = forms.DateField(label=_("Received on"), widget=DateInput())
    text = forms.CharField(label=_("Complaint"), required=False, widget=LETTER)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()


class AnswerForm(forms.Form):
    answered_on = forms.DateField(label=_("Answered on"), widget=DateInput())
    answer = forms.CharField(label=_("Answer"), required=False, widget=LETTER)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answered_on"].initial = timezone.localdate()


class DecisionForm(forms.Form):
    """The board's decision that endorses a list of enforcement orders."""

    decision_date = forms.DateField(label=_("Decision date"), widget=DateInput())
    reference = forms.CharField(label=_("Decision reference"), max_length=100)


class BailiffFeeForm(forms.Form):
    """The bailiff's costs recovered for the debtor of an enforcement order."""

    amount_cents = MoneyField(label=_("Amount"), positive=True)
    day = forms.DateField(label=_("Date"), widget=DateInput())
    reference = forms.CharField(label=_("Bailiff's reference"), max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["day"].initial = timezone.localdate()


class InvoiceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.number} · {obj.due_date:%d/%m/%Y} · {format_cents(obj.open_cents)}"


class FeeChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.number} · {format_cents(obj.fee_open_cents)}"


class PlanForm(forms.Form):
    """A payment plan of one person: the invoices (fees optional) and the instalments."""

    invoices = InvoiceChoiceField(
        label=_("Invoices"), queryset=Invoice.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    reminders = FeeChoiceField(
        label=_("Reminder fees"),
        queryset=Reminder.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    count = forms.IntegerField(
        label=_("Number of instalments"), required=False, min_value=1, max_value=120
    )
    amount = MoneyField(label=_("Or an amount per instalment"), required=False, positive=True)
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Frequency.choices)
    first_due = forms.DateField(label=_("First due date"), widget=DateInput())

    def __init__(self, *args, invoices, reminders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invoices"].queryset = invoices
        self.fields["invoices"].empty_text = _("No open invoice can join a plan.")
        self.fields["reminders"].queryset = reminders
        self.fields["reminders"].empty_text = _("No reminder fee is open.")
        self.fields["frequency"].initial = Frequency.MONTHLY

    def clean(self):
        data = super().clean()
        if (data.get("count") is None) == (data.get("amount") is None):
            raise forms.ValidationError(
                _("Give either a number of instalments or an amount per instalment.")
            )
        return data
