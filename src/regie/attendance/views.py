"""Days screen: list by status, one day's attendances and encoding history, and its fixes.

Every fix calls a service that verifies the day again at once; a refused change (a billed
day, for instance) comes back as a message, never a traceback.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import generic
from django.views.decorators.http import require_GET, require_POST

from regie.activities.models import level_label
from regie.attendance import selectors, services
from regie.attendance.forms import ChooseActivityForm, DayFilterForm, ManualEventForm
from regie.attendance.models import Day, DayStatus, ScanEvent
from regie.attendance.selectors import ERROR_LABELS
from regie.core.errors import DomainError
from regie.core.views import CapabilityRequiredMixin, require_capability
from regie.exports.lists import ListColumn, ListExportMixin
from regie.exports.xlsx import DATE
from regie.people.models import Child

STATUS_CSS = {
    DayStatus.ERROR: "status-error",
    DayStatus.NOT_PROCESSED: "status-new",
    DayStatus.VERIFIED: "status-ok",
    DayStatus.BILLED: "status-billed",
}
VERIFIED_MESSAGE = _lazy("Saved; the day is verified.")
IN_ERROR_MESSAGE = _lazy("Saved; the day is still in error: see below.")


def _problems_text(errors) -> str:
    return ", ".join(str(ERROR_LABELS.get(code, code)) for code in selectors.error_codes(errors))


class DayList(ListExportMixin, CapabilityRequiredMixin, generic.ListView):
    """Days filtered by status, date, place and child, grouped by status."""

    capability = "attendance.view"
    export_name = "jours"
    export_title = _lazy("Days")
    export_columns = (
        ListColumn(_lazy("Status"), "status", display=lambda v: str(DayStatus(v).label)),
        ListColumn(_lazy("Date"), "date", DATE),
        ListColumn(_lazy("Last name"), "child__last_name"),
        ListColumn(_lazy("First name"), "child__first_name"),
        ListColumn(_lazy("Level"), "child__level", display=lambda v: str(level_label(v))),
        ListColumn(_lazy("Errors"), "errors", display=_problems_text),
    )
    template_name = "attendance/day_list.html"
    paginate_by = 50

    def get_queryset(self):
        self.form = DayFilterForm(self.request.GET)
        self.filters = self.form.filters()
        self.counts = selectors.day_counts(self.filters)
        return selectors.days_list(self.filters)

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True):
        # The counts per status already give the total: no second count over the join.
        paginator = super().get_paginator(queryset, per_page, orphans, allow_empty_first_page)
        paginator.count = selectors.total_of(self.counts, self.filters.status)
        return paginator

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = list(context["object_list"])
        activities = selectors.activities_of_days(row["pk"] for row in rows)
        counts = self.counts
        groups: list[dict] = []
        for row in rows:
            row["activities"] = activities.get(row["pk"], [])
            row["level"] = level_label(row["child__level"]) if row["child__level"] else ""
            row["problems"] = [
                ERROR_LABELS.get(code, code) for code in selectors.error_codes(row["errors"])
            ]
            if not groups or groups[-1]["status"] != row["status"]:
                groups.append(self._group(row["status"], [], counts[row["status"]]))
            groups[-1]["rows"].append(row)
        child_id = self.filters.child_id
        context.update(
            form=self.form,
            groups=groups,
            counts=[self._group(status, [], n) for status, n in counts.items()],
            child=Child.objects.filter(pk=child_id).first() if child_id else None,
            query=_querystring_without(self.request, "page"),
            status_query=_querystring_without(self.request, "page", "status"),
            all_children_query=_querystring_without(self.request, "page", "child"),
        )
        return context

    @staticmethod
    def _group(status: str, rows: list, count: int) -> dict:
        return {
            "status": status,
            "label": DayStatus(status).label,
            "css": STATUS_CSS[status],
            "rows": rows,
            "count": count,
        }


def _querystring_without(request, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


@require_GET
def day_detail(request, pk: int):
    """Show a day: its child, status, errors, attendances and whole encoding history."""
    require_capability(request, "attendance.view")
    day = get_object_or_404(Day.objects.select_related("child__school_class"), pk=pk)
    errors = selectors.day_errors(day)
    events = list(selectors.day_events(day))
    by_id = {event.pk: event for event in events}
    in_error = {pk for error in errors for pk in error.event_ids}
    suggested = {pk for swap in day.swaps or () for pk in swap}
    for event in events:
        event.in_error = event.pk in in_error
        event.suggested = event.pk in suggested
    swaps = [
        {"ids": ",".join(map(str, swap)), "events": [by_id[pk] for pk in swap if pk in by_id]}
        for swap in day.swaps or ()
    ]
    attendances = list(selectors.day_attendances(day))
    for attendance in attendances:
        attendance.css = STATUS_CSS[attendance.shown_status]
        attendance.status_label = DayStatus(attendance.shown_status).label
    for error in errors:
        if error.candidates:
            error.form = ChooseActivityForm(
                initial={"choice_key": error.choice_key},
                candidates={error.choice_key: [a.pk for a in error.candidates]},
            )
    context = {
        "day": day,
        "child": day.child,
        "status_css": STATUS_CSS[day.status],
        "errors": errors,
        "attendances": attendances,
        "events": events,
        "swaps": swaps,
        "billed": day.status == DayStatus.BILLED,
        "event_form": ManualEventForm(
            child=day.child, initial={"date": day.date, "place": _usual_place(events)}
        ),
    }
    return render(request, "attendance/day_detail.html", context)


def _usual_place(events: list[ScanEvent]) -> int | None:
    return events[-1].place_id if events else None


def _done(request, action, day_hint: Day | None = None):
    """Run a day-fixing service, report its outcome and go back to the day."""
    try:
        day = action()
    except DomainError as error:
        messages.error(request, error.translated())
        return redirect(day_hint) if day_hint else redirect("attendance:day-list")
    if day.status == DayStatus.VERIFIED:
        messages.success(request, VERIFIED_MESSAGE)
    else:
        messages.warning(request, IN_ERROR_MESSAGE)
    return redirect(day)


def _event_for_change(request, pk: int) -> tuple[ScanEvent, Day | None]:
    require_capability(request, "attendance.edit")
    event = get_object_or_404(ScanEvent.objects, pk=pk)
    return event, Day.objects.filter(child_id=event.child_id, date=event.date).first()


@require_POST
def event_active(request, pk: int):
    """Deactivate an event (POST ``active=0``) or reactivate it (``active=1``)."""
    event, day = _event_for_change(request, pk)
    active = request.POST.get("active") == "1"
    return _done(request, lambda: services.event_set_active(event=event, active=active), day)


@require_POST
def event_swap(request, pk: int):
    """Swap an event's direction: entry for exit or exit for entry."""
    event, day = _event_for_change(request, pk)
    return _done(request, lambda: services.event_swap_direction(event=event), day)


@require_POST
def day_swap(request, pk: int):
    """Apply one of the day's suggested swaps (one event or two) in one go."""
    require_capability(request, "attendance.edit")
    day = get_object_or_404(Day.objects, pk=pk)
    wanted = request.POST.get("events", "")
    suggestion = next(
        (swap for swap in day.swaps or () if ",".join(map(str, swap)) == wanted), None
    )
    if suggestion is None:
        messages.error(request, _("This suggestion is out of date; the day changed meanwhile."))
        return redirect(day)
    events = list(ScanEvent.objects.filter(pk__in=suggestion, child_id=day.child_id))

    @transaction.atomic
    def swap_all() -> Day:
        fixed = day
        for event in events:
            fixed = services.event_swap_direction(event=event)
        return fixed

    return _done(request, swap_all, day)


@require_POST
def day_choose(request, pk: int):
    """Record which activity an interval that matched several belongs to."""
    require_capability(request, "attendance.edit")
    day = get_object_or_404(Day.objects.select_related("child"), pk=pk)
    candidates = {
        error.choice_key: [activity.pk for activity in error.candidates]
        for error in selectors.day_errors(day)
        if error.candidates
    }
    form = ChooseActivityForm(request.POST, candidates=candidates)
    if not form.is_valid():
        messages.error(request, _("Choose one of the activities offered."))
        return redirect(day)
    return _done(
        request,
        lambda: services.day_choose_activity(
            day=day,
            choice_key=form.cleaned_data["choice_key"],
            activity=form.cleaned_data["activity"],
        ),
        day,
    )


@require_POST
def day_verify_again(request, pk: int):
    """Verify a day again from its events and registrations (after an activity changed)."""
    require_capability(request, "attendance.edit")
    day = get_object_or_404(Day.objects.select_related("child"), pk=pk)
    return _done(request, lambda: services.day_verify_again(day=day), day)


def event_create(request, child_pk: int):
    """Type in an entry or exit for a child (manual encoding) and verify the day."""
    require_capability(request, "attendance.edit")
    child = get_object_or_404(Child.objects, pk=child_pk)
    form = ManualEventForm(
        request.POST or None, child=child, initial={"date": request.GET.get("date")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            day = services.event_add_manual(
                child=child,
                place=data["place"],
                day=data["date"],
                moment=data["time"],
                direction=data["direction"],
                person=data["person"],
                user=request.user,
            )
        except DomainError as error:
            form.add_error(None, error.translated())
        else:
            return _done(request, lambda: day)
    return render(request, "attendance/event_form.html", {"form": form, "child": child})
