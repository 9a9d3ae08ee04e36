from django.contrib import admin

from regie.core.admin_site import OrgAdmin, site
from regie.core.models import Role, User
from regie.scanning.models import StaffPlace


@admin.register(StaffPlace, site=site)
class StaffPlaceAdmin(OrgAdmin):
    """Which places each childcare staff member scans at (and whose alerts they see)."""

    list_display = ("user", "place")
    list_filter = ("place",)
    search_fields = ("user__username", "user__first_name", "user__last_name", "place__name")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(
                memberships__organisation=request.organisation,
                memberships__is_active=True,
                memberships__role=Role.STAFF,
            ).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
