"""The configuration admin: Django's admin, scoped to the active organisation."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.urls import path
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

    def get_urls(self):
        """Django's admin URLs, with "view on site" reading through the scoped admin."""
        scoped = path(
            "r/<int:content_type_id>/<path:object_id>/",
            self.admin_view(self.view_on_site),
            name="view_on_site",
        )
        urls = super().get_urls()
        return [scoped if getattr(u, "name", "") == "view_on_site" else u for u in urls]

    def view_on_site(self, request, content_type_id: int, object_id: str):
        """Redirect to an object's page, found through its admin's (scoped) queryset.

        Django's own view reads the object with the unscoped manager; here another
        organisation's object, a missing one and a model without page all answer 404 alike.
        """
        try:
            model = ContentType.objects.get_for_id(content_type_id).model_class()
        except ContentType.DoesNotExist:
            raise Http404 from None
        model_admin = self._registry.get(model)
        if model_admin is None or not model_admin.has_view_or_change_permission(request):
            raise Http404
        obj = model_admin.get_object(request, unquote(object_id))
        target = None
        if obj is not None and model_admin.view_on_site:
            if callable(model_admin.view_on_site):
                target = model_admin.view_on_site(obj)
            elif hasattr(obj, "get_absolute_url"):
                target = obj.get_absolute_url()
        if not target:
            raise Http404
        return HttpResponseRedirect(target)


site = RegieAdminSite(name="admin")


def https_formfield(field, **kwargs):
    """A model form's field, an address typed without its scheme taken as https (for a
    ``ModelForm``'s ``Meta.formfield_callback``; :class:`OrgAdmin` does the same)."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class OrgAdmin(admin.ModelAdmin):
    """Admin of a business model: the active organisation's rows only, organisation implicit."""

    exclude = ("organisation",)
    #: An address typed without its scheme is taken as https (a permit system's callback,
    #: Mollie's endpoint), which Django 6 makes the default.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
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
