from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "regie.attendance"
    label = "attendance"
    verbose_name = _("Attendance")

    def ready(self) -> None:
        from regie.attendance import (
            dashboard,  # noqa: F401 - registers its counters
            services,  # noqa: F401 - registers the billable guard
        )
