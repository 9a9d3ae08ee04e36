"""The configuration admin: Django's admin, scoped to the active organisation."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from regie.core.backends import current_role
from regie.core.permissions import ADMIN_ACTIONS


class RegieAdminSite(admin.AdminSite):
    site_header = _("Regie — configuration")
    site_title = _("Regie configuration")
    index_title = _("Configuration of the organisation")

    def has_permission(self, request) -> bool:
        user = request.user
        if not (user.is_active and user.is_authenticated):
            return False
        return user.is_superuser or current_role(user) in ADMIN_ACTIONS


site = RegieAdminSite(name="admin")


class OrgAdmin(admin.ModelAdmin):
    """Admin of a business model: the active organisation's rows only, organisation implicit."""

    exclude = ("organisation",)
    #: The service that writes a record, called as ``service(**{service_keyword: obj})``;
    #: services are the only writers, the admin included.
    service = None
    service_keyword = ""

    def save_model(self, request, obj, form, change):
        if self.service is None:
            super().save_model(request, obj, form, change)
        else:
            type(self).service(**{self.service_keyword: obj})

    def get_queryset(self, request):
        if getattr(request, "organisation", None) is None:
            return self.model.unscoped_objects.none()
        return super().get_queryset(request)
