from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from regie.core.admin_site import OrgAdmin, site
from regie.core.api_tokens import api_token_revoke
from regie.core.models import ApiToken, AuditLog, Membership, Organisation, User
from regie.core.services import organisation_save


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

    def save_model(self, request, obj, form, change):
        organisation_save(organisation=obj, user=request.user)


@admin.register(User, site=site)
class RegieUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Regie", {"fields": ("language",)}))

    def get_queryset(self, request):
        """Users span organisations: platform operators (superusers) only see them, so that
        anyone else gets the same answer for a user who exists and one who does not."""
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.none()


@admin.register(AuditLog, site=site)
class AuditLogAdmin(OrgAdmin):
    list_display = ("at", "user", "action", "record_type", "object_id", "detail")
    list_filter = ("action", "model")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("record type"), ordering="model")
    def record_type(self, entry):
        """The kind of record in the reader's language ("child"), not its label (people.Child)."""
        try:
            return apps.get_model(entry.model)._meta.verbose_name
        except (LookupError, ValueError):
            return entry.model


@admin.register(ApiToken, site=site)
class ApiTokenAdmin(OrgAdmin):
    """The organisation's API tokens, never their secrets: users create their own on their page
    "API tokens"; an administrator may revoke any (a leaked token, a departed integration)."""

    list_display = ("name", "user", "hint", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "user__username")
    list_select_related = ("user",)
    readonly_fields = ("user", "name", "hint", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at=None):
            api_token_revoke(token)
        self.message_user(request, gettext("The selected tokens are revoked."))
