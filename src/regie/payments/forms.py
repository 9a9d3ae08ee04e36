"""Forms of the payment screens: bank file upload, filters, payments and their split, refunds."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regie.activities.models import ActivityCategory
from regie.core.amounts import ConfirmLargeAmounts, MoneyField
from regie.core.badinput import ids_param
from regie.core.validators import clean_iban
from regie.ledger.forms import PeriodForm
from regie.payments.accounts import file_refusals
from regie.payments.models import Mode, MovementStatus, Outcome
from regie.payments.selectors import ItemRow, accounts
from regie.payments.statement_check import check_data
from regie.people.forms import DateInput

MAX_FILE_BYTES = 20 * 1024 * 1024


#: A payment above this asks for a confirmation: 10.000,00 €.
PAYMENT_CONFIRM_ABOVE = 1_000_000


class AmountField(MoneyField):
    """An amount in euros typed the Belgian way ("1.234,56", "12,5"), cleaned to cents."""


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Bank file"),
        help_text=_("A CODA file (.cod) or an ISO 20022 camt.053 statement (.xml)."),
    )

    def clean_file(self):
        """Refuse a file over the limit, or one its parser refuses (with the parser's reasons,
        as the API answers 422), before any job starts."""
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        refusals = file_refusals(check_data(upload.read(), upload.name))
        upload.seek(0)
        if refusals:
            raise forms.ValidationError([error.translated() for error in refusals])
        return upload


class MovementFilter(forms.Form):
    """The movements screen's filters; all optional."""

    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    status = forms.ChoiceField(label=_("Status"), required=False)
    account = forms.ChoiceField(label=_("Account"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("all")), *MovementStatus.choices]
        self.fields["account"].choices = [("", _("all"))] + [(a, a) for a in accounts()]

    def filters(self) -> dict:
        """Return the valid filters as keyword arguments of ``selectors.movements``."""
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}


class PaymentForm(ConfirmLargeAmounts, forms.Form):
    """A payment registered by hand; its split over the open items is a :class:`SplitForm`."""

    amount = AmountField(label=_("Amount (€)"), positive=True, confirm_above=PAYMENT_CONFIRM_ABOVE)
    date = forms.DateField(label=_("Payment date"), widget=DateInput())
    reconciled_on = forms.DateField(
        label=_("Reconciliation date"), required=False, widget=DateInput()
    )
    mode = forms.ChoiceField(label=_("Mode"), choices=Mode.choices, initial=Mode.TRANSFER)
    categories = forms.ModelMultipleChoiceField(
        label=_("Activity categories"),
        queryset=ActivityCategory.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only the invoices of these categories are offered; none ticked: all."),
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=300)

    def __init__(self, *args, **kwargs):
        today = timezone.localdate()
        kwargs.setdefault("initial", {"date": today, "reconciled_on": today})
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = ActivityCategory.objects.order_by("name")

    def category_ids(self) -> list[int]:
        """Return the chosen categories' ids, valid or not yet validated."""
        if self.is_bound and self.is_valid():
            return [c.pk for c in self.cleaned_data["categories"]]
        raw = self.data.getlist("categories") if self.is_bound else []
        return ids_param(raw, "categories")


class SplitForm(forms.Form):
    """One amount field per open item (``item_<invoice id>``); empty means nothing."""

    def __init__(self, *args, rows: list[ItemRow], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            self.fields[self.key(row.id)] = AmountField(label=row.number, required=False)

    @staticmethod
    def key(item_id: int) -> str:
        return f"item_{item_id}"

    def split(self) -> dict[int, int] | None:
        """Return the cents typed for each item (after ``is_valid``); None when every field
        was left empty, which asks for the proposal (oldest due date first)."""
        typed = {row.id: self.cleaned_data.get(self.key(row.id)) for row in self.rows}
        if all(cents is None for cents in typed.values()):
            return None
        return {item_id: cents or 0 for item_id, cents in typed.items()}

    def lines(self):
        """Yield each item with its bound field, for the template."""
        for row in self.rows:
            yield row, self[self.key(row.id)]


def split_initial(allocations: dict[int, int]) -> dict[str, int]:
    """Return a :class:`SplitForm`'s initial values for proposed allocations."""
    return {SplitForm.key(item_id): cents for item_id, cents in allocations.items()}


class RefundForm(forms.Form):
    amount = AmountField(label=_("Amount (€)"), positive=True)
    iban = forms.CharField(label=_("IBAN"), max_length=42)
    date = forms.DateField(label=_("Date"), widget=DateInput())

    def clean_iban(self):
        return clean_iban(self.cleaned_data["iban"])


class SetAsideForm(forms.Form):
    """Why a rejected movement nobody owes is set aside; "other" needs a note."""

    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[
            (outcome.value, outcome.label)
            for outcome in (Outcome.INTERNAL_TRANSFER, Outcome.BANK_FEE, Outcome.OTHER)
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=300,
        help_text=_("Required for another reason: say what the movement is."),
    )


class ReconciliationForm(PeriodForm):
    """The period of the reconciliation report and, optionally, one bank account."""

    account = forms.ChoiceField(label=_("Account"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [("", _("all"))] + [(a, a) for a in accounts()]
