from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DunningConfig(AppConfig):
    name = "regie.dunning"
    label = "dunning"
    verbose_name = _("Collection")

    def ready(self) -> None:
        from regie.core.daily import daily_register
        from regie.documents.kinds import kind_register
        from regie.dunning import (
            collection,
            documents,
            documents_orders,
            documents_plans,
            orders,
            plans,
            reminders,
            selectors,
        )
        from regie.payments.routes import route_register

        kind_register(documents.REMINDER_KIND)
        kind_register(documents_plans.PLAN_KIND)
        kind_register(documents_plans.LATE_LETTER_KIND)
        kind_register(documents_orders.ORDER_KIND)
        route_register(collection.REMINDER_ROUTE)
        route_register(plans.PLAN_ROUTE)
        selectors.HOLDERS.append(plans.held_invoices)
        selectors.HOLDERS.append(orders.held_invoices)
        daily_register("late_instalments", plans.instalments_mark_late)
        reminders.PAID_CHECKS.append(collection.reminder_paid_with)
        from regie.dunning import dashboard, hooks  # noqa: F401 - registers the counters

        hooks.register()
