from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "regie.billing"
    label = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from regie.attendance.billed import register_billing_links
        from regie.billing import corrections  # noqa: F401 - registers the billable guard
        from regie.billing.attendance_links import LINKS

        register_billing_links(LINKS)  # attendance asks through it whether it is billed
        from regie.billing import dashboard  # noqa: F401 - registers its counters
