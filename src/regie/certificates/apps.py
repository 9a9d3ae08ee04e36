from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "regie.certificates"
    label = "certificates"
    verbose_name = _("Tax certificates")

    def ready(self) -> None:
        from regie.certificates.documents import CERTIFICATE_KIND
        from regie.documents.kinds import kind_register

        kind_register(CERTIFICATE_KIND)
