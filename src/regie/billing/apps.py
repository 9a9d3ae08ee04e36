from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "regie.billing"
    label = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from regie.billing import corrections  # noqa: F401 - registers the billable guard
