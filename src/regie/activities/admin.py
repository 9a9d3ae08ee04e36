"""Configuration of places, activity categories, activities and prices (the ``/config/`` admin).

The forms (:mod:`regie.activities.forms`) take euros, HH:MM, positions and dates the way a
clerk types them and run the save-time rules; saving goes through the services.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regie.activities import pricing, services
from regie.activities.forms import ACTIVITY_SECTIONS, PRICE_SECTIONS, ActivityForm, PriceForm
from regie.activities.models import Activity, ActivityCategory, Place, Price, Weekday, level_label
from regie.core.admin_site import OrgAdmin, site
from regie.core.amounts import CONFIRM
from regie.core.money import format_cents


def sections(form_sections) -> list:
    """Return a form's sections as admin fieldsets."""
    return [(title, {"fields": list(names)}) for title, names in form_sections]


class ValidityFilter(admin.SimpleListFilter):
    """Filter rows valid today, starting later or ended, by two inclusive date fields."""

    title = _("validity")
    parameter_name = "validity"
    start, end = "valid_from", "valid_to"

    def lookups(self, request, model_admin):
        return [
            ("current", _("valid today")),
            ("future", _("starting later")),
            ("ended", _("ended")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        not_ended = Q(**{f"{self.end}__isnull": True}) | Q(**{f"{self.end}__gte": today})
        if self.value() == "current":
            return queryset.filter(not_ended, **{f"{self.start}__lte": today})
        if self.value() == "future":
            return queryset.filter(**{f"{self.start}__gt": today})
        if self.value() == "ended":
            return queryset.filter(**{f"{self.end}__lt": today})
        return queryset


class ActivityValidityFilter(ValidityFilter):
    title = _("dates")
    start, end = "date_from", "date_to"

    def lookups(self, request, model_admin):
        return [
            ("current", _("open today")),
            ("future", _("starting later")),
            ("ended", _("ended")),
        ]


class ReadableAdmin(OrgAdmin):
    """Show the display columns instead of the stored values to users who may only view."""

    #: stored field → display method, for the read-only page
    shown_as: dict[str, str] = {}

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        return [
            # The confirmation of a large amount is a choice made when saving: not shown here.
            (
                title,
                {
                    **options,
                    "fields": [self.shown_as.get(f, f) for f in options["fields"] if f != CONFIRM],
                },
            )
            for title, options in fieldsets
        ]


@admin.register(Place, site=site)
class PlaceAdmin(OrgAdmin):
    list_display = ("name", "site")
    list_filter = ("site",)
    search_fields = ("name",)
    service, service_keyword = services.place_save, "place"


@admin.register(ActivityCategory, site=site)
class ActivityCategoryAdmin(OrgAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")
    service, service_keyword = services.category_save, "category"


@admin.register(Activity, site=site)
class ActivityAdmin(ReadableAdmin):
    form = ActivityForm
    list_display = ("name", "category", "place", "window", "date_from", "date_to", "encoding")
    list_filter = ("category", "place", "encoding", ActivityValidityFilter)
    search_fields = ("name",)
    fieldsets = sections(ACTIVITY_SECTIONS)
    shown_as = {
        "levels": "level_names",
        "weekdays": "weekday_names",
        "excluded_dates": "excluded_list",
    }

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("category", "place")

    @admin.display(description=_("window"), ordering="start_time")
    def window(self, obj: Activity) -> str:
        return f"{obj.start_time:%H:%M}–{obj.end_time:%H:%M}"

    @admin.display(description=_("levels"))
    def level_names(self, obj: Activity) -> str:
        return ", ".join(level_label(code) for code in obj.levels) or _("every level")

    @admin.display(description=_("weekdays"))
    def weekday_names(self, obj: Activity) -> str:
        return ", ".join(str(Weekday(day).label) for day in obj.weekdays) or _("every day")

    @admin.display(description=_("excluded dates"))
    def excluded_list(self, obj: Activity) -> str:
        return ", ".join(pricing.format_date(day) for day in obj.excluded) or "—"

    def save_model(self, request, obj, form, change):
        services.activity_save(activity=obj)


@admin.register(Price, site=site)
class PriceAdmin(ReadableAdmin):
    form = PriceForm
    change_list_template = "activities/admin/price_change_list.html"
    change_form_template = "activities/admin/price_change_form.html"
    list_display = (
        "name",
        "activity_names",
        "period",
        "unit",
        "maximum",
        "valid_from",
        "valid_to",
        "position_list",
        "category_names",
        "cumulative",
    )
    list_filter = ("activities__category", "activities__place", ValidityFilter)
    search_fields = ("name", "activities__name")
    fieldsets = sections(PRICE_SECTIONS)
    shown_as = {
        "period_minutes": "period",
        "unit_cents": "unit",
        "maximum_cents": "maximum",
        "positions": "position_list",
        "categories": "category_names",
    }

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("activities", "categories")

    @admin.display(description=_("activities"))
    def activity_names(self, obj: Price) -> str:
        return ", ".join(a.name for a in obj.activities.all())

    @admin.display(description=_("period"), ordering="period_minutes")
    def period(self, obj: Price) -> str:
        return pricing.format_period(obj.period_minutes)

    @admin.display(description=_("unit price"), ordering="unit_cents")
    def unit(self, obj: Price) -> str:
        return format_cents(obj.unit_cents)

    @admin.display(description=_("maximum"), ordering="maximum_cents")
    def maximum(self, obj: Price) -> str:
        return format_cents(obj.maximum_cents) if obj.maximum_cents else "—"

    @admin.display(description=_("positions"))
    def position_list(self, obj: Price) -> str:
        return ", ".join(map(str, obj.positions)) or _("every position")

    @admin.display(description=_("tariff categories"))
    def category_names(self, obj: Price) -> str:
        names = [c.name for c in obj.categories.all()]
        if obj.without_category:
            names.append(str(_("children without a category")))
        return ", ".join(names) or _("every child")

    def save_model(self, request, obj, form, change):
        services.price_save(
            price=obj,
            activities=form.cleaned_data["activities"],
            categories=form.cleaned_data["categories"],
        )

    def save_related(self, request, form, formsets, change):
        # price_save already wrote the activities and categories.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
