from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "regie.documents"
    label = "documents"
    verbose_name = _("Documents and delivery")

    def ready(self) -> None:
        from regie.core.daily import daily_register
        from regie.documents.invoices import INVOICE_KIND
        from regie.documents.kinds import kind_register
        from regie.documents.mail import sendings_interrupted

        kind_register(INVOICE_KIND)

        daily_register("sendings_interrupted", lambda day: sendings_interrupted())
        from regie.documents import dashboard  # noqa: F401 - registers its counters
