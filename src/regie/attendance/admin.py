"""Configuration admin of attendance: scanning devices, and the scan history for auditing."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from regie.attendance import devices
from regie.attendance.models import Device, ScanEvent
from regie.core.admin_site import OrgAdmin, site


@admin.register(Device, site=site)
class DeviceAdmin(OrgAdmin):
    """Devices of the organisation; a new device's token is shown once, in a message."""

    list_display = ("name", "is_active", "last_seen", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name",)
    readonly_fields = ("last_seen", "created_at")
    actions = ["new_token"]

    def save_model(self, request, obj, form, change):
        if change:
            devices.device_save(device=obj)
            return
        _device, token = devices.device_create(device=obj)
        self._show_token(request, obj, token)

    @admin.action(
        description=_("Give a new token to the selected devices (their old token stops working)"),
        permissions=["change"],
    )
    def new_token(self, request, queryset):
        for device in queryset:
            token = devices.device_token_renew(device=device)
            self._show_token(request, device, token)

    def _show_token(self, request, device: Device, token: str) -> None:
        self.message_user(
            request,
            gettext(
                "Token of %(device)s: %(token)s — type it into the device now; it is shown "
                "only this once (only its fingerprint is kept)."
            )
            % {"device": device.name, "token": token},
            messages.WARNING,
        )


@admin.register(ScanEvent, site=site)
class ScanEventAdmin(OrgAdmin):
    """The encoding history, read-only: who scanned which child, where, when, from what."""

    list_display = (
        "date",
        "time",
        "child",
        "place",
        "direction",
        "source",
        "person",
        "device",
        "recorded_by",
        "active",
        "created_at",
    )
    list_filter = ("active", "direction", "source", "place", "device")
    list_select_related = ("child", "place", "person", "device", "recorded_by")
    date_hierarchy = "date"
    search_fields = ("child__last_name", "child__first_name", "=client_event_id")
    ordering = ("-date", "-time", "-pk")
    list_per_page = 100

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
