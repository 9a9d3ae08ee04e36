"""Screens of the verify-days wizard and the unbilled monitor (namespace ``checks``)."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import generic

from regie.attendance import checking
from regie.attendance.checking import CHECKABLE_STATUSES, Action
from regie.attendance.models import DayStatus
from regie.attendance.tasks import KIND_DAYS_CHECK, days_check_task, days_list_url
from regie.core.errors import DomainError
from regie.core.jobs import job_start
from regie.core.models import Job
from regie.core.views import CapabilityRequiredMixin
from regie.people.forms import DateInput

STATUS_CLASS = {
    DayStatus.ERROR: "status-error",
    DayStatus.NOT_PROCESSED: "status-new",
    DayStatus.VERIFIED: "status-ok",
}


def last_month(today: date) -> tuple[date, date]:
    """Return the first and last day of the month before ``today``'s."""
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


class VerifyDaysForm(forms.Form):
    date_from = forms.DateField(label=_lazy("From"), widget=DateInput())
    date_to = forms.DateField(label=_lazy("To"), widget=DateInput())
    actions = forms.MultipleChoiceField(
        label=_lazy("Actions"),
        choices=Action.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_lazy(
            "Verify rebuilds the attendances from the active scans; reset alone removes them "
            "and leaves the days not processed."
        ),
    )
    statuses = forms.MultipleChoiceField(
        label=_lazy("Days with status"),
        choices=[(s.value, s.label) for s in CHECKABLE_STATUSES],
        widget=forms.CheckboxSelectMultiple,
        help_text=_lazy("Billed days are never changed."),
    )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            checking.days_check_validate(**data)
        except DomainError as error:
            raise forms.ValidationError(error.translated(), code=error.code) from error
        return data


class VerifyDays(CapabilityRequiredMixin, generic.FormView):
    """Start a check of the days of a period in the background, then show its progress."""

    capability = "attendance.verify"
    template_name = "checks/verify.html"
    form_class = VerifyDaysForm

    def get_initial(self):
        date_from, date_to = last_month(date.today())
        return {
            "date_from": date_from,
            "date_to": date_to,
            "actions": [Action.VERIFY],
            "statuses": [DayStatus.ERROR, DayStatus.NOT_PROCESSED],
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["jobs"] = Job.objects.filter(kind=KIND_DAYS_CHECK)[:5]
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        job = job_start(
            organisation=self.request.organisation,
            user=self.request.user,
            kind=KIND_DAYS_CHECK,
            title=_("Verify days from %(from)s to %(to)s")
            % {"from": f"{data['date_from']:%d/%m/%Y}", "to": f"{data['date_to']:%d/%m/%Y}"},
            task=days_check_task,
            parameters={
                "date_from": data["date_from"].isoformat(),
                "date_to": data["date_to"].isoformat(),
                "actions": sorted(data["actions"]),
                "statuses": sorted(data["statuses"]),
            },
        )
        return redirect("job", pk=job.pk)


class PeriodFilter(forms.Form):
    date_from = forms.DateField(label=_lazy("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_lazy("To"), required=False, widget=DateInput())


class Unbilled(CapabilityRequiredMixin, generic.TemplateView):
    """Show the attendances not billed yet, by month, status and reason."""

    capability = "attendance.view"
    template_name = "checks/unbilled.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        period = PeriodFilter(self.request.GET or None)
        bounds = period.cleaned_data if period.is_valid() else {}
        groups = checking.unbilled_attendances(**bounds)
        waiting = checking.days_waiting(**bounds)
        context.update(
            period=period,
            rows=[
                (g, duration(g.minutes), _days_url(g.status, g), STATUS_CLASS[g.status])
                for g in groups
            ],
            waiting=[(m, _days_url(m.status, m), STATUS_CLASS[m.status]) for m in waiting],
            total_attendances=sum(g.attendances for g in groups),
            total_duration=duration(sum(g.minutes for g in groups)),
            total_waiting=sum(m.days for m in waiting),
        )
        return context


def duration(minutes: int) -> str:
    """Return minutes as hours and minutes, "3211:27" (as the seeds' monitor shows them)."""
    return f"{minutes // 60}:{minutes % 60:02d}"


def _days_url(status: str, group) -> str:
    return days_list_url(
        status=status, date_from=group.month.isoformat(), date_to=group.month_end.isoformat()
    )
