from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from regie.core.admin_site import OrgAdmin, site
from regie.core.models import AuditLog, Membership, Organisation, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Organisation, site=site)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "city", "enterprise_number", "language")
    search_fields = ("name", "city", "enterprise_number")

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        org = getattr(request, "organisation", None)
        return qs.filter(pk=org.pk) if org else qs.none()

    def get_inlines(self, request, obj):
        return [MembershipInline] if request.user.is_superuser else []


@admin.register(User, site=site)
class RegieUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Regie", {"fields": ("language",)}))


@admin.register(AuditLog, site=site)
class AuditLogAdmin(OrgAdmin):
    list_display = ("at", "user", "action", "model", "object_id", "detail")
    list_filter = ("action", "model")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
