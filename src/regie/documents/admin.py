"""E-mail templates in the configuration admin (``/config/``): one per language."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from regie.core.admin_site import OrgAdmin, site
from regie.core.backends import current_role
from regie.core.permissions import ADMIN_ACTIONS
from regie.documents.invoices import INVOICE
from regie.documents.kinds import KINDS
from regie.documents.mail import addresses, default_template
from regie.documents.models import EmailTemplate


class EmailTemplateForm(forms.ModelForm):
    class Meta:
        model = EmailTemplate
        fields = ["kind", "language", "subject", "body", "cc", "bcc"]
        help_texts = {
            "body": _(
                "Placeholders: {{ person }}, {{ number }}, {{ total }}, {{ balance }}, "
                "{{ due_date }}, {{ communication }}, {{ iban }}, {{ organisation }}."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"] = forms.ChoiceField(
            label=_("kind of document"),
            choices=[(key, str(kind.label).capitalize()) for key, kind in KINDS.items()],
            initial=INVOICE,
            required=False,
        )
        if not self.instance.pk and not self.is_bound:
            subject, body = default_template(get_language())
            self.initial.setdefault("subject", subject)
            self.initial.setdefault("body", body)

    def _clean_addresses(self, name: str) -> str:
        value = self.cleaned_data.get(name, "")
        for address in addresses(value):
            try:
                validate_email(address)
            except ValidationError as error:
                raise ValidationError(
                    _("“%(address)s” is not an e-mail address."), params={"address": address}
                ) from error
        return ", ".join(addresses(value))

    def clean_kind(self) -> str:
        return self.cleaned_data.get("kind") or INVOICE

    def clean_cc(self) -> str:
        return self._clean_addresses("cc")

    def clean_bcc(self) -> str:
        return self._clean_addresses("bcc")


@admin.register(EmailTemplate, site=site)
class EmailTemplateAdmin(OrgAdmin):
    form = EmailTemplateForm
    list_display = ("kind", "language", "subject", "cc", "bcc")

    # The role grants the admin actions here, as regie.core.backends does for the apps it
    # lists (this app is not among them).
    def _allowed(self, request, action: str) -> bool:
        role = current_role(request.user)
        return request.user.is_superuser or action in ADMIN_ACTIONS.get(role, frozenset())

    def has_module_permission(self, request) -> bool:
        return self._allowed(request, "view")

    def has_view_permission(self, request, obj=None) -> bool:
        return self._allowed(request, "view")

    def has_add_permission(self, request) -> bool:
        return self._allowed(request, "add")

    def has_change_permission(self, request, obj=None) -> bool:
        return self._allowed(request, "change")

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._allowed(request, "delete")
