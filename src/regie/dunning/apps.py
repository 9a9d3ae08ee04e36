from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DunningConfig(AppConfig):
    name = "regie.dunning"
    label = "dunning"
    verbose_name = _("Collection")

    def ready(self) -> None:
        from regie.dunning import collection, reminders
        from regie.payments.routes import route_register

        route_register(collection.REMINDER_ROUTE)
        reminders.PAID_CHECKS.append(collection.reminder_paid_with)
