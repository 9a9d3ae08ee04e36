from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "regie.people"
    label = "people"
    verbose_name = _("Registry")

    def ready(self) -> None:
        from regie.people import dashboard  # noqa: F401 - registers its counters
