"""The attendances list (coordinator): completed attendances filtered by period, school site,
place, child, activity and status, exported as XLSX or CSV with the screen's columns."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views import generic

from regie.activities.models import Activity
from regie.attendance.forms import DayFilterForm
from regie.attendance.models import Attendance, DayStatus
from regie.attendance.selectors import shown_status
from regie.attendance.views import STATUS_CSS
from regie.core.views import CapabilityRequiredMixin
from regie.exports.lists import ListColumn, ListExportMixin, yes_no
from regie.exports.xlsx import DATE


class AttendanceFilterForm(DayFilterForm):
    """The days list's filters (period, place, school site, child) with an activity, and the
    attendance's status; a value that does not parse filters nothing."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("all")), *DayStatus.choices]
    )
    activity = forms.ModelChoiceField(
        label=_("Activity"), required=False, queryset=Activity.objects.none(), empty_label=_("all")
    )
    category = None
    field_order = ("date_from", "date_to", "site", "place", "activity", "status", "q")

    #: Each field's lookup on attendances.
    LOOKUPS = {
        "date_from": "date__gte",
        "date_to": "date__lte",
        "site": "child__site",
        "place": "place",
        "activity": "activity",
        "status": "shown_status",
        "child": "child_id",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = Activity.objects.all()

    def filter(self, attendances):
        """Return ``attendances`` narrowed by the valid fields, ignoring the others."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        chosen = {self.LOOKUPS[k]: v for k, v in data.items() if k in self.LOOKUPS and v}
        attendances = attendances.filter(**chosen)
        for word in (data.get("q") or "").split():
            attendances = attendances.filter(
                Q(child__last_name__icontains=word) | Q(child__first_name__icontains=word)
            )
        return attendances


def this_month() -> dict[str, str]:
    """Return the filter the list opens with (and exports, until asked otherwise): the
    current month."""
    first = date.today().replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return {"date_from": first.isoformat(), "date_to": last.isoformat()}


def _status_label(value: str) -> str:
    """Return a status as the screens say it, in the active language (one translation per
    language and status: an export of 300,000 rows asked for it 300,000 times)."""
    key = (get_language(), value)
    if key not in _LABELS:
        _LABELS[key] = str(DayStatus(value).label) if value in DayStatus.values else value
    return _LABELS[key]


_LABELS: dict[tuple, str] = {}


class AttendanceList(ListExportMixin, CapabilityRequiredMixin, generic.ListView):
    """Completed attendances, by date; the current month until filtered otherwise."""

    capability = "attendance.view"
    template_name = "attendance/attendance_list.html"
    paginate_by = 50
    export_name = "presences"
    export_title = _("Attendances")
    export_columns = (
        ListColumn(_("Date"), "date", DATE),
        ListColumn(_("Last name"), "child__last_name"),
        ListColumn(_("First name"), "child__first_name"),
        ListColumn(_("School site"), "child__site__name"),
        ListColumn(_("Place"), "place__name"),
        ListColumn(_("Activity"), "activity__name"),
        ListColumn(_("Entry"), "start"),
        ListColumn(_("Exit"), "end"),
        ListColumn(_("Minutes"), "minutes"),
        ListColumn(_("Absent"), "absent", display=yes_no),
        ListColumn(_("Status"), "shown_status", display=_status_label),
    )

    def get_queryset(self):
        asked = set(self.request.GET) - {"page", "export"}
        self.form = AttendanceFilterForm(self.request.GET if asked else this_month())
        attendances = self.form.filter(Attendance.objects.annotate(shown_status=shown_status()))
        return attendances.order_by("date", "child__last_name", "start", "pk").values(*SHOWN)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = list(context["object_list"])
        for row in rows:
            row["status_label"] = _status_label(row["shown_status"])
            row["css"] = STATUS_CSS.get(row["shown_status"], "")
        context.update(form=self.form, rows=rows, query=context["export_query"])
        return context


SHOWN = (
    "day_id",
    "date",
    "child__last_name",
    "child__first_name",
    "child__site__name",
    "place__name",
    "activity__name",
    "start",
    "end",
    "minutes",
    "absent",
    "shown_status",
)
