from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeesConfig(AppConfig):
    name = "regie.fees"
    label = "fees"
    verbose_name = _("Fees of other services")

    def ready(self) -> None:
        from regie.core.daily import often_register
        from regie.core.management.commands.serve import COMPANIONS
        from regie.documents.kinds import PAY_LINKS, kind_register
        from regie.exports import sources as export_sources
        from regie.fees import (
            callbacks,
            dashboard,  # noqa: F401 - registers its counter
            exporting,
            fake_mollie,
            pay_links,
            payments,
            payouts,
            requests,
            services,
        )
        from regie.fees.documents import PAYMENT_REQUEST_KIND
        from regie.payments.payouts import SOURCES
        from regie.payments.reconciliation import CREDIT_USES
        from regie.payments.routes import route_register

        route_register(payments.FILE_ROUTE)
        if payments.files_paid_at not in CREDIT_USES:
            CREDIT_USES.append(payments.files_paid_at)
        payments.ON_PAID.append(callbacks.callback_queue)
        often_register("fees.callbacks", callbacks.callbacks_due)
        COMPANIONS.append(fake_mollie.serve_beside)
        SOURCES.append(payouts.mollie_payouts)
        PAY_LINKS.append(pay_links.pay_link)
        kind_register(PAYMENT_REQUEST_KIND)
        if requests.requests_queue not in services.ON_PUSHED:
            services.ON_PUSHED.append(requests.requests_queue)
        for hooks, hook in (
            (export_sources.SOURCE_READERS, exporting.file_sources),
            (export_sources.DETAIL_READERS, exporting.file_documents),
            (export_sources.DOCUMENT_AMENDERS, exporting.invoices_of_files),
        ):
            if hook not in hooks:
                hooks.append(hook)
