from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "regie.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from regie.core.models import Organisation
        from regie.payments import (
            dashboard,  # noqa: F401 - registers its counters
            hooks,  # noqa: F401 - tells billing what pays an invoice
        )

        post_save.connect(_list_iban, sender=Organisation, dispatch_uid="payments.list_iban")


def _list_iban(sender, instance, raw=False, **kwargs) -> None:
    """An organisation's own IBAN is one of its bank accounts."""
    if raw:  # loading a fixture
        return
    from regie.payments.accounts import organisation_iban_list

    organisation_iban_list(instance)
