"""Registry screens: lists with search, filters and grouping; details; edit forms."""

from __future__ import annotations

import io

import segno
from django.contrib import messages
from django.contrib.messages.views import SuccessMessageMixin
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import generic
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from regie.core.errors import DomainError
from regie.core.models import AuditLog, Language
from regie.core.validators import format_iban, format_national_number
from regie.core.views import (
    CapabilityRequiredMixin,
    ServiceFormMixin,
    audit,
    require_capability,
)
from regie.exports.lists import ListColumn, ListExportMixin, yes_no
from regie.exports.xlsx import DATE
from regie.people import selectors, services
from regie.people.forms import ChildForm, LinkForm, PersonForm
from regie.people.models import (
    Child,
    ChildPerson,
    Delivery,
    Level,
    Person,
    SchoolSite,
    TariffCategory,
)

GROUPINGS = {
    "site": ("site", lambda c: c.site.name if c.site else _("No school site")),
    "level": ("level", lambda c: c.get_level_display() or _("No level")),
    "category": (
        "tariff_category__name",
        lambda c: c.tariff_category.name if c.tariff_category else _("No tariff category"),
    ),
}


def grouped(objects, key):
    """Return ``[(label, [objects])]`` for consecutive objects sharing ``key``."""
    groups: list[tuple[str, list]] = []
    for obj in objects:
        label = key(obj)
        if groups and groups[-1][0] == label:
            groups[-1][1].append(obj)
        else:
            groups.append((label, [obj]))
    return groups


class ChildList(ListExportMixin, CapabilityRequiredMixin, generic.ListView):
    capability = "registry.view"
    export_name = "enfants"
    export_title = _lazy("Children")
    export_columns = (
        ListColumn(_lazy("Last name"), "last_name"),
        ListColumn(_lazy("First name"), "first_name"),
        ListColumn(_lazy("Birth date"), "birth_date", DATE),
        ListColumn(_lazy("School site"), "site__name"),
        ListColumn(_lazy("Class"), "school_class__name"),
        ListColumn(_lazy("Level"), "level", display=lambda v: str(Level(v).label) if v else ""),
        ListColumn(_lazy("Tariff category"), "tariff_category__name"),
        ListColumn(_lazy("Active"), "is_active", display=yes_no),
    )
    template_name = "people/child_list.html"
    paginate_by = 50

    def get_queryset(self):
        qs = selectors.search_children(self.request.GET)
        group = GROUPINGS.get(self.request.GET.get("group", ""))
        order = [group[0]] if group else []
        return qs.order_by(*order, "last_name", "first_name", "id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        group = GROUPINGS.get(self.request.GET.get("group", ""))
        page = context["page_obj"].object_list if context["page_obj"] else context["object_list"]
        context.update(
            groups=grouped(page, group[1]) if group else [("", list(page))],
            sites=SchoolSite.objects.all(),
            categories=TariffCategory.objects.all(),
            levels=Level.choices,
            params=self.request.GET,
            query=_querystring_without_page(self.request),
        )
        return context


def _querystring_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


class ChildDetail(CapabilityRequiredMixin, generic.DetailView):
    capability = "registry.view"
    template_name = "people/child_detail.html"

    def get_queryset(self):
        return selectors.children_with_flags()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["links"] = self.object.links.select_related("person")
        return context


class TitledFormMixin:
    """Give form pages a title: the object's name, or "New <kind>"."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = getattr(self, "object", None)
        context["title"] = (
            str(obj) if obj else _("New %(kind)s") % {"kind": self.model._meta.verbose_name}
        )
        return context


class ChildCreate(
    CapabilityRequiredMixin,
    TitledFormMixin,
    ServiceFormMixin,
    SuccessMessageMixin,
    generic.CreateView,
):
    capability = "registry.edit"
    model = Child
    form_class = ChildForm
    template_name = "people/form.html"

    def write(self, form):
        return services.child_save(child=form.instance)

    def get_success_message(self, cleaned_data):
        return _("Child %(name)s created.") % {"name": self.object}


class ChildUpdate(ChildCreate, generic.UpdateView):
    def get_success_message(self, cleaned_data):
        return _("Changes saved.")


@never_cache
def child_qr(request, pk: int):
    """Return the child's scan-token QR code as SVG (printed on the child's card)."""
    require_capability(request, "registry.view")
    child = get_object_or_404(Child.objects, pk=pk)
    svg = io.BytesIO()
    # A standalone SVG document (with its namespace): browsers decode it in an <img>.
    segno.make(child.scan_token, error="m").save(
        svg, kind="svg", scale=6, title=str(child), xmldecl=False, encoding="utf-8"
    )
    return HttpResponse(svg.getvalue(), content_type="image/svg+xml")


def child_card(request, pk: int):
    """Show the printable scan card of a child."""
    require_capability(request, "registry.view")
    child = get_object_or_404(Child.objects, pk=pk)
    return render(request, "people/child_card.html", {"child": child})


@require_POST
def national_number(request, model, pk: int):
    """Show a child's or person's national number in full, once, and log that it was seen."""
    require_capability(request, "registry.view_national_number")
    return _reveal(request, get_object_or_404(model.objects, pk=pk))


def _reveal(request, obj):
    if obj.national_number:
        audit(request, action=AuditLog.Action.VIEW_NATIONAL_NUMBER, obj=obj, detail=str(obj))
    return render(
        request,
        "people/national_number.html",
        {"object": obj, "number": format_national_number(obj.national_number)},
    )


class PersonList(ListExportMixin, CapabilityRequiredMixin, generic.ListView):
    capability = "registry.view"
    export_name = "personnes"
    export_title = _lazy("Persons")
    export_columns = (
        ListColumn(_lazy("Last name"), "last_name"),
        ListColumn(_lazy("First name"), "first_name"),
        ListColumn(_lazy("Street and number"), "street"),
        ListColumn(_lazy("Postcode"), "postcode"),
        ListColumn(_lazy("City"), "city"),
        ListColumn(_lazy("E-mail"), "email"),
        ListColumn(_lazy("Phone"), "phone"),
        ListColumn(_lazy("Language"), "language", display=lambda v: str(Language(v).label)),
        ListColumn(_lazy("Delivery"), "delivery", display=lambda v: str(Delivery(v).label)),
    )
    template_name = "people/person_list.html"
    paginate_by = 50

    def get_queryset(self):
        group = self.request.GET.get("group")
        order = {"city": ["postcode", "city"], "language": ["language"]}.get(group, [])
        return selectors.search_persons(self.request.GET).order_by(
            *order, "last_name", "first_name", "id"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        group = self.request.GET.get("group")
        keys = {
            "city": lambda p: f"{p.postcode} {p.city}".strip() or _("No address"),
            "language": lambda p: p.get_language_display(),
        }
        page = context["page_obj"].object_list
        context.update(
            groups=grouped(page, keys[group]) if group in keys else [("", list(page))],
            languages=Language.choices,
            deliveries=Delivery.choices,
            params=self.request.GET,
            query=_querystring_without_page(self.request),
        )
        return context


class PersonDetail(CapabilityRequiredMixin, generic.DetailView):
    capability = "registry.view"
    template_name = "people/person_detail.html"
    model = Person

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["links"] = self.object.links.select_related("child")
        context["iban"] = format_iban(self.object.iban)
        return context


class PersonCreate(
    CapabilityRequiredMixin,
    TitledFormMixin,
    ServiceFormMixin,
    SuccessMessageMixin,
    generic.CreateView,
):
    capability = "registry.edit"
    model = Person
    form_class = PersonForm
    template_name = "people/form.html"
    success_message = _lazy("Changes saved.")

    def write(self, form):
        return services.person_save(person=form.instance)


class PersonUpdate(PersonCreate, generic.UpdateView):
    pass


def link_edit(request, child_pk: int, pk: int | None = None):
    """Add or change the link between a child and a person."""
    require_capability(request, "registry.edit")
    child = get_object_or_404(Child.objects, pk=child_pk)
    link = get_object_or_404(ChildPerson.objects, pk=pk, child=child) if pk else None
    person = None
    if link is None:
        person = _chosen_person(request)
        if person is None:  # first choose the person, as you type
            query = request.GET.get("q", "")
            context = {"child": child, "query": query, "found": selectors.persons_to_pick(query)}
            return render(request, "people/link_pick.html", context)
    form = LinkForm(request.POST or None, instance=link, child=child, person=person)
    if request.method == "POST" and form.is_valid():
        try:
            services.link_save(link=form.instance)
        except DomainError as exc:
            form.add_error(None, exc.translated())
        else:
            messages.success(request, _("Changes saved."))
            return redirect("people:child-detail", pk=child.pk)
    context = {"form": form, "child": child, "link": link, "person": person}
    return render(request, "people/link_form.html", context)


def _chosen_person(request) -> Person | None:
    """Return the active person named by ``person`` (POST or GET); 404 if not one of ours."""
    wanted = request.POST.get("person") or request.GET.get("person")
    if not wanted:
        return None
    if not str(wanted).isdigit():
        raise Http404
    return get_object_or_404(Person.objects.filter(is_active=True), pk=int(wanted))


@require_POST
def link_delete(request, child_pk: int, pk: int):
    """Remove the link between a child and a person."""
    require_capability(request, "registry.edit")
    link = get_object_or_404(ChildPerson.objects, pk=pk, child_id=child_pk)
    try:
        services.link_delete(link=link)
    except DomainError as exc:
        messages.error(request, exc.translated())
    else:
        messages.success(request, _("Link removed."))
    return redirect("people:child-detail", pk=child_pk)
