"""The coordinator's screens of places, categories, activities and prices (issue 14.8).

Lists with a link to each record, and create/edit forms that write through the services, so
the save-time rules (compatibility, chains, overlapping prices) show on the form. The
coordinator and the administrator use them; the Django admin stays the administrator's.
"""

from __future__ import annotations

from django import forms
from django.contrib.messages.views import SuccessMessageMixin
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from regie.activities import pricing, services
from regie.activities.forms import ActivityForm, PriceForm, activity_label
from regie.activities.models import Activity, ActivityCategory, Place, Price
from regie.core.money import format_cents
from regie.core.views import CapabilityRequiredMixin, ServiceFormMixin
from regie.core.widgets import DateInput

CAPABILITY = "activities.edit"
TIME = forms.TimeInput(format="%H:%M", attrs={"type": "time"})


class ActivityScreenForm(ActivityForm):
    class Meta(ActivityForm.Meta):
        widgets = {
            "start_time": TIME,
            "end_time": TIME,
            "date_from": DateInput(),
            "date_to": DateInput(),
        }


class PriceScreenForm(PriceForm):
    class Meta(PriceForm.Meta):
        widgets = {"valid_from": DateInput(), "valid_to": DateInput()}


class ConfigList(CapabilityRequiredMixin, generic.ListView):
    """A list of configuration records: a table whose first cell links to the record."""

    capability = CAPABILITY
    template_name = "activities/config_list.html"
    paginate_by = 100
    title = ""
    create_label = ""
    create_url = ""
    headers: tuple = ()

    def cells(self, obj) -> list[str]:
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            title=self.title,
            create_label=self.create_label,
            create_url=reverse(self.create_url),
            headers=self.headers,
            rows=[(self.edit_url(obj), self.cells(obj)) for obj in context["object_list"]],
            search=self.request.GET.get("q", ""),
            query=urlencode({"q": self.request.GET.get("q", "")}),
        )
        return context

    def edit_url(self, obj) -> str:
        return reverse(self.create_url.replace("-create", "-edit"), args=[obj.pk])


class ConfigEdit(
    CapabilityRequiredMixin, ServiceFormMixin, SuccessMessageMixin, generic.UpdateView
):
    """Create (no ``pk``) or change a configuration record through its service."""

    capability = CAPABILITY
    template_name = "activities/config_form.html"
    list_url = ""

    def get_object(self, queryset=None):
        return super().get_object(queryset) if "pk" in self.kwargs else None

    def get_success_url(self) -> str:
        return reverse(self.list_url)

    def get_success_message(self, cleaned_data) -> str:
        return _("%(name)s saved.") % {"name": self.object}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kind = self.model._meta.verbose_name
        context["title"] = str(self.object) if self.object else _("New %(kind)s") % {"kind": kind}
        context["back"] = reverse(self.list_url)
        return context


# -- Places and categories -------------------------------------------------------------------


class PlaceList(ConfigList):
    model = Place
    title = gettext_lazy("Places")
    create_label = gettext_lazy("New place")
    create_url = "activities:place-create"
    headers = (gettext_lazy("Name"), gettext_lazy("School site"))

    def get_queryset(self):
        return Place.objects.select_related("site")

    def cells(self, obj):
        return [obj.name, obj.site.name if obj.site else "—"]


class PlaceEdit(ConfigEdit):
    model = Place
    fields = ["name", "site"]
    list_url = "activities:place-list"

    def write(self, form):
        return services.place_save(place=form.instance)


class CategoryList(ConfigList):
    model = ActivityCategory
    title = gettext_lazy("Activity categories")
    create_label = gettext_lazy("New category")
    create_url = "activities:category-create"
    headers = (gettext_lazy("Name"), gettext_lazy("Code"))

    def cells(self, obj):
        return [obj.name, obj.code]


class CategoryEdit(ConfigEdit):
    model = ActivityCategory
    fields = ["name", "code", "tax_deductible"]
    list_url = "activities:category-list"

    def write(self, form):
        return services.category_save(category=form.instance)


# -- Activities and prices -------------------------------------------------------------------


def _window(activity: Activity) -> str:
    return f"{activity.start_time:%H:%M}–{activity.end_time:%H:%M}"


def _dates(first, last) -> str:
    end = pricing.format_date(last) if last else "…"
    return f"{pricing.format_date(first)} – {end}"


class ActivityList(ConfigList):
    model = Activity
    title = gettext_lazy("Activities")
    create_label = gettext_lazy("New activity")
    create_url = "activities:activity-create"
    headers = (
        gettext_lazy("Name"),
        gettext_lazy("Category"),
        gettext_lazy("Place"),
        gettext_lazy("Window"),
        gettext_lazy("Dates"),
        gettext_lazy("Encoding"),
    )

    def get_queryset(self):
        activities = Activity.objects.select_related("category", "place")
        for word in self.request.GET.get("q", "").split():
            activities = activities.filter(Q(name__icontains=word) | Q(place__name__icontains=word))
        return activities

    def cells(self, obj):
        return [
            obj.name,
            obj.category.name,
            obj.place.name,
            _window(obj),
            _dates(obj.date_from, obj.date_to),
            obj.get_encoding_display(),
        ]


class ActivityEdit(ConfigEdit):
    model = Activity
    form_class = ActivityScreenForm
    list_url = "activities:activity-list"

    def write(self, form):
        return services.activity_save(activity=form.instance)


class PriceList(ConfigList):
    model = Price
    title = gettext_lazy("Prices")
    create_label = gettext_lazy("New price")
    create_url = "activities:price-create"
    headers = (
        gettext_lazy("Name"),
        gettext_lazy("Activities"),
        gettext_lazy("Period"),
        gettext_lazy("Unit price"),
        gettext_lazy("Validity"),
    )

    def get_queryset(self):
        prices = Price.objects.prefetch_related("activities__place")
        if self.request.GET.get("current"):
            today = timezone.localdate()
            prices = prices.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        for word in self.request.GET.get("q", "").split():
            prices = prices.filter(
                Q(name__icontains=word) | Q(activities__name__icontains=word)
            ).distinct()
        return prices

    def cells(self, obj):
        return [
            obj.name,
            ", ".join(activity_label(a) for a in obj.activities.all()),
            pricing.format_period(obj.period_minutes),
            format_cents(obj.unit_cents),
            _dates(obj.valid_from, obj.valid_to),
        ]


PREFILLED = ("name", "positions", "valid_from", "valid_to", "without_category")


class PriceEdit(ConfigEdit):
    model = Price
    form_class = PriceScreenForm
    list_url = "activities:price-list"
    template_name = "activities/price_form.html"

    def get_initial(self):
        """Prefill a new price from the query (the billing preview's and coverage's links)."""
        if self.object is not None:
            return {}
        initial = {key: self.request.GET[key] for key in PREFILLED if key in self.request.GET}
        for key in ("activities", "categories"):
            initial[key] = [v for v in self.request.GET.getlist(key) if v.isdigit()]
        return initial

    def write(self, form):
        return services.price_save(
            price=form.instance,
            activities=form.cleaned_data["activities"],
            categories=form.cleaned_data["categories"],
        )
