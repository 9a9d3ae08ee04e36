from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "regie.core"
    label = "core"
    verbose_name = _("Organisation and users")

    def ready(self) -> None:
        from regie.core import member_views  # noqa: F401 - registers the members' counter
