from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "regie.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from regie.payments import (
            dashboard,  # noqa: F401 - registers its counters
            hooks,  # noqa: F401 - tells billing what pays an invoice
        )
