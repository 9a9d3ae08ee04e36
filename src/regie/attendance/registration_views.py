"""Registration screens: register a child to meals or camps, list, absences, cancellations."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import generic
from django.views.decorators.http import require_GET, require_POST

from regie.attendance import selectors, services
from regie.attendance.forms import RegistrationForm
from regie.attendance.models import Day, DayStatus, Registration, RegistrationDate
from regie.attendance.views import STATUS_CSS
from regie.core.errors import DomainError
from regie.core.views import CapabilityRequiredMixin, require_capability
from regie.exports.lists import ListColumn, ListExportMixin
from regie.exports.xlsx import DATE
from regie.people.models import Child


class RegistrationList(ListExportMixin, CapabilityRequiredMixin, generic.ListView):
    """Every registration, searchable by child, activity and registered date (and exported)."""

    capability = "attendance.view"
    template_name = "attendance/registration_list.html"
    paginate_by = 50
    export_name = "inscriptions"
    export_title = _lazy("Registrations")
    export_columns = (
        ListColumn(_lazy("Last name"), "child__last_name"),
        ListColumn(_lazy("First name"), "child__first_name"),
        ListColumn(_lazy("Activity"), "activity__name"),
        ListColumn(_lazy("Category"), "activity__category__name"),
        ListColumn(_lazy("From"), "first_date", DATE),
        ListColumn(_lazy("To"), "last_date", DATE),
        ListColumn(_lazy("Dates"), "date_count"),
        ListColumn(_lazy("Absent"), "absent_total"),
        ListColumn(_lazy("Person"), "person_name"),
    )

    def get_queryset(self):
        registrations = selectors.search_registrations(self.request.GET)
        if self.request.GET.get("export"):  # the screen's columns, computed in the query
            registrations = registrations.annotate(
                absent_total=Coalesce("absent_count", 0),
                person_name=NullIf(
                    Trim(Concat("person__last_name", Value(" "), "person__first_name")), Value("")
                ),
            )
        return registrations

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        context.update(
            params=self.request.GET,
            query=params.urlencode(),
            activities=selectors.registration_activities(),
        )
        return context


@require_GET
def child_registrations(request, child_pk: int):
    """List a child's registrations with their periods and counts of dates."""
    require_capability(request, "attendance.view")
    child = get_object_or_404(Child.objects, pk=child_pk)
    registrations = selectors.registrations_with_dates().filter(child=child)
    return render(
        request,
        "attendance/child_registrations.html",
        {"child": child, "registrations": registrations.order_by("-last_date", "-pk")},
    )


def registration_create(request, child_pk: int):
    """Register a child to a registration-encoded activity on a range of weekdays or dates."""
    require_capability(request, "attendance.edit")
    child = get_object_or_404(Child.objects, pk=child_pk)
    form = RegistrationForm(request.POST or None, child=child)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registration = services.registration_create(
                child=child, activity=data["activity"], dates=data["chosen"], person=data["person"]
            )
        except DomainError as error:
            form.add_error(None, error.translated())
        else:
            messages.success(
                request,
                _("%(child)s is registered to %(activity)s on %(count)s dates.")
                % {"child": child, "activity": data["activity"], "count": len(data["chosen"])},
            )
            return redirect("attendance:registration", pk=registration.pk)
    return render(request, "attendance/registration_form.html", {"form": form, "child": child})


@require_GET
def registration_detail(request, pk: int):
    """Show a registration's dates with their day's status, absences and cancellations."""
    require_capability(request, "attendance.view")
    registration = get_object_or_404(
        Registration.objects.select_related("child", "activity__category", "person"), pk=pk
    )
    dates = list(registration.dates.all())
    days = {
        row["date"]: row
        for row in Day.objects.filter(
            child_id=registration.child_id, date__in=[d.date for d in dates]
        ).values("pk", "date", "status")
    }
    today = timezone.localdate()
    for registered in dates:
        registered.day = days.get(registered.date)
        if registered.day:
            registered.status_css = STATUS_CSS[registered.day["status"]]
            registered.status_label = DayStatus(registered.day["status"]).label
        registered.cancellable = registered.date >= today
    return render(
        request,
        "attendance/registration_detail.html",
        {"registration": registration, "child": registration.child, "dates": dates},
    )


def _registered_for_change(request, pk: int) -> RegistrationDate:
    require_capability(request, "attendance.edit")
    return get_object_or_404(RegistrationDate.objects.select_related("registration"), pk=pk)


@require_POST
def registered_absent(request, pk: int):
    """Mark a registered date absent (POST ``absent=1``) or present (``absent=0``)."""
    registered = _registered_for_change(request, pk)
    absent = request.POST.get("absent") == "1"
    try:
        services.registration_set_absent(registered=registered, absent=absent)
    except DomainError as error:
        messages.error(request, error.translated())
    else:
        message = _("%(date)s marked absent.") if absent else _("%(date)s marked present.")
        messages.success(request, message % {"date": registered.date.strftime("%d/%m/%Y")})
    return redirect("attendance:registration", pk=registered.registration_id)


@require_POST
def registered_cancel(request, pk: int):
    """Remove a registered date from today on (the child will not come)."""
    registered = _registered_for_change(request, pk)
    try:
        services.registration_date_cancel(registered=registered, today=timezone.localdate())
    except DomainError as error:
        messages.error(request, error.translated())
    else:
        messages.success(
            request,
            _("Registration of %(date)s cancelled.")
            % {"date": registered.date.strftime("%d/%m/%Y")},
        )
    return redirect("attendance:registration", pk=registered.registration_id)
