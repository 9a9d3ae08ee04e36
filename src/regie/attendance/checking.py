"""Check the days of a period again (the "verify days" wizard) and watch what is not billed.

Both work on a whole month of a large commune (about 250,000 days, 300,000 attendances), so
every query here is set-based: a few statements per period, never one per day. The rebuild
itself is :func:`regie.attendance.verifying.days_verify`, which works in chunks.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from django.db import models, transaction
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Sum, Value, When
from django.utils.translation import gettext_lazy as _

from regie.attendance.billed import is_billed, is_on_draft
from regie.attendance.models import Attendance, Day, DayStatus, RegistrationDate, ScanEvent
from regie.attendance.selectors import ERROR_LABELS, error_codes
from regie.attendance.verifying import days_create_missing, days_touch, days_verify
from regie.core.errors import DomainError, gettext_noop
from regie.people.models import ChildPerson

MAX_PERIOD_DAYS = 366
UPDATE_CHUNK = 5000


class Action(models.TextChoices):
    """What the wizard does to the days of the period."""

    DEDUPLICATE = "deduplicate", _("deactivate duplicate scans")
    RESET = "reset", _("reset from events")
    VERIFY = "verify", _("verify")


CHECKABLE_STATUSES = (DayStatus.ERROR, DayStatus.NOT_PROCESSED, DayStatus.VERIFIED)


class Progress(Protocol):
    """What :func:`days_check` reports its progress to (e.g. :class:`regie.core.jobs.Progress`)."""

    def total(self, total: int) -> None: ...

    def advance(self, count: int = 1) -> None: ...


@dataclass
class CheckCounts:
    """What a check did, by outcome."""

    days: int = 0
    duplicates: int = 0
    reset: int = 0
    verified: int = 0
    errors: int = 0
    attendances: int = 0
    skipped_billed: int = 0


def days_check_validate(
    *, date_from: date, date_to: date, actions: Iterable[str], statuses: Iterable[str]
) -> None:
    """Raise a DomainError unless the period, actions and statuses make a valid check."""
    if date_from > date_to:
        raise DomainError(
            "check.period_reversed",
            gettext_noop("The period ends (%(to)s) before it starts (%(from)s)."),
            **{"from": f"{date_from:%d/%m/%Y}", "to": f"{date_to:%d/%m/%Y}"},
        )
    if (date_to - date_from).days >= MAX_PERIOD_DAYS:
        raise DomainError(
            "check.period_too_long",
            gettext_noop("Check at most %(max)s days at once; split the period."),
            max=MAX_PERIOD_DAYS,
        )
    if not set(actions) or not set(actions) <= set(Action.values):
        raise DomainError("check.no_action", gettext_noop("Choose at least one action."))
    if not set(statuses) or not set(statuses) <= set(CHECKABLE_STATUSES):
        # Billed days are never rebuilt: "billed" is not a status one may choose.
        raise DomainError(
            "check.no_status",
            gettext_noop(
                "Choose the statuses of the days to check: error, not processed, verified."
            ),
        )


def days_check(
    *,
    date_from: date,
    date_to: date,
    actions: Iterable[str],
    statuses: Iterable[str],
    progress: Progress | None = None,
) -> CheckCounts:
    """Deactivate duplicate scans, reset or verify the period's days in the chosen statuses.

    The days are chosen once, before any action, so the actions work on the same days.
    "verify" rebuilds the attendances from the events (a reset then a verification); "reset"
    alone removes them and leaves the days not processed. Billed days are never included; on
    a day partly billed (a run of one category) or on a draft invoice, ``days_verify`` keeps
    the attendances an invoice holds and rebuilds the others.
    """
    actions, statuses = set(actions), set(statuses)
    days_check_validate(date_from=date_from, date_to=date_to, actions=actions, statuses=statuses)
    days = _days_to_check(date_from, date_to, statuses)
    counts = CheckCounts(days=len(days))
    if progress:
        progress.total(len(days))
    rebuild = bool(actions & {Action.RESET, Action.VERIFY})
    if Action.DEDUPLICATE in actions:
        counts.duplicates = _deactivate_duplicates(
            {(child, day) for _pk, child, day in days}, date_from, date_to, touch_days=not rebuild
        )
    if rebuild:
        reset_only = Action.VERIFY not in actions
        outcome = days_verify(
            days, reset_only=reset_only, progress=progress.advance if progress else None
        )
        counts.skipped_billed = outcome.skipped_billed
        if reset_only:
            counts.reset = outcome.days
        else:
            counts.verified, counts.errors = outcome.verified, outcome.errors
            counts.attendances = outcome.attendances
    elif progress:
        progress.advance(len(days))
    return counts


def _days_to_check(
    date_from: date, date_to: date, statuses: set[str]
) -> list[tuple[int, int, date]]:
    """Return the ``(day_id, child_id, date)`` days of the period in ``statuses``, never billed."""
    days_create_missing(date_from, date_to)
    return list(
        Day.objects.filter(date__range=(date_from, date_to), status__in=statuses)
        .exclude(status=DayStatus.BILLED)
        .values_list("pk", "child_id", "date")
    )


def _deactivate_duplicates(
    days: set[tuple[int, date]], date_from: date, date_to: date, *, touch_days: bool
) -> int:
    """Deactivate the duplicate scans of ``(child_id, date)`` days; return how many.

    Among active events with the same child, place, direction, date and minute the first one
    received (lowest id) stays active and the others are deactivated, never deleted. With
    ``touch_days`` their days go back to "not processed", waiting for the next verification.
    """
    earlier_twin = ScanEvent.objects.filter(
        active=True,
        child=OuterRef("child"),
        date=OuterRef("date"),
        place=OuterRef("place"),
        direction=OuterRef("direction"),
        time=OuterRef("time"),
        pk__lt=OuterRef("pk"),
    )
    with transaction.atomic():
        # The period's duplicates are few (about 1 event in 200): read them all, keep those of
        # the chosen days here rather than asking the database once more per event.
        twins = [
            (pk, child, day)
            for pk, child, day in ScanEvent.objects.filter(
                active=True, date__range=(date_from, date_to)
            )
            .filter(Exists(earlier_twin))
            .values_list("pk", "child_id", "date")
            if (child, day) in days
        ]
        ids = [pk for pk, _child, _day in twins]
        for start in range(0, len(ids), UPDATE_CHUNK):
            ScanEvent.objects.filter(pk__in=ids[start : start + UPDATE_CHUNK]).update(active=False)
        if touch_days:
            days_touch((child, day) for _pk, child, day in twins)
    return len(ids)


class Reason(models.TextChoices):
    """Why an attendance is not billed yet."""

    ERROR = "error", _("error")
    NOT_VERIFIED = "not_verified", _("not verified")
    NO_BILLABLE_PERSON = "no_billable_person", _("no billable person")
    DRAFT_RUN = "draft_run", _("in a run not posted yet")
    OUTSIDE_RUN = "outside_run", _("outside any run")


@dataclass(frozen=True)
class UnbilledGroup:
    """The unbilled attendances of one month, day status and reason."""

    month: date
    status: str
    reason: str
    attendances: int
    minutes: int

    @property
    def month_end(self) -> date:
        return month_end(self.month)

    @property
    def status_label(self) -> str:
        return DayStatus(self.status).label

    @property
    def reason_label(self) -> str:
        return Reason(self.reason).label


@dataclass(frozen=True)
class WaitingMonth:
    """Days of one month, status and reason that have events but no attendance to bill."""

    month: date
    status: str
    reason: str
    days: int

    @property
    def status_label(self) -> str:
        return DayStatus(self.status).label

    @property
    def reason_label(self) -> str:
        if self.status == DayStatus.NOT_PROCESSED:
            return Reason.NOT_VERIFIED.label
        return ERROR_LABELS.get(self.reason, Reason.ERROR.label)

    @property
    def month_end(self) -> date:
        return month_end(self.month)


def month_end(first: date) -> date:
    """Return the last day of ``first``'s month."""
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _period(field: str, date_from: date | None, date_to: date | None) -> Q:
    q = Q()
    if date_from:
        q &= Q(**{f"{field}__gte": date_from})
    if date_to:
        q &= Q(**{f"{field}__lte": date_to})
    return q


def unbilled_attendances(
    *, date_from: date | None = None, date_to: date | None = None
) -> list[UnbilledGroup]:
    """Return the attendances not billed yet, counted and summed by month, status and reason.

    A verified attendance lacks a billable person when its child has none: the attendance's
    own person, when billable for the child, is one of them. Otherwise it is on a draft
    invoice of a run not posted yet, or it waits for a run.
    """
    # Grouped by date in the database, folded into months here: SQLite truncates dates with a
    # Python function per row (measured: twice the time of the whole query on 360,000 rows).
    # The billable children are one uncorrelated subquery, read once, not once per row.
    billable_children = ChildPerson.objects.filter(billable=True).values("child_id")
    # Billed: an anti-join, not "NOT IN": the posted links of every past month would not fit
    # in the hash table PostgreSQL builds for NOT IN, and it would then scan them for every row.
    billed, on_drafts = is_billed(), is_on_draft()
    # An attendance's own status: in a day in error, a registered meal is verified (DOMAIN §3).
    reason = Case(
        When(day__status=DayStatus.NOT_PROCESSED, then=Value(Reason.NOT_VERIFIED.value)),
        When(status=DayStatus.ERROR, then=Value(Reason.ERROR.value)),
        When(~Q(child_id__in=billable_children), then=Value(Reason.NO_BILLABLE_PERSON.value)),
        When(on_drafts, then=Value(Reason.DRAFT_RUN.value)),
        default=Value(Reason.OUTSIDE_RUN.value),
        output_field=models.CharField(),
    )
    rows = (
        Attendance.objects.filter(_period("date", date_from, date_to))
        .exclude(day__status=DayStatus.BILLED)
        .exclude(billed)
        .annotate(day_status=F("day__status"), reason=reason)
        .values("date", "day_status", "reason")
        .annotate(count=Count("pk"), minutes=Sum("minutes"))
        .order_by()
    )
    months: dict[tuple[date, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        totals = months[row["date"].replace(day=1), row["day_status"], row["reason"]]
        totals[0] += row["count"]
        totals[1] += row["minutes"] or 0
    return [
        UnbilledGroup(month=month, status=status, reason=why, attendances=count, minutes=minutes)
        for (month, status, why), (count, minutes) in sorted(
            months.items(), key=lambda item: (-item[0][0].toordinal(), item[0][1], item[0][2])
        )
    ]


def days_waiting(
    *, date_from: date | None = None, date_to: date | None = None
) -> list[WaitingMonth]:
    """Return, by month, status and reason, the days with events but no attendance to bill.

    Days not processed yet wait for their verification; days in error without attendances
    (duplicate scans, no activity found…) wait for a fix: each counts under its first error.
    """
    events = ScanEvent.objects.filter(child=OuterRef("child"), date=OuterRef("date"), active=True)
    registered = RegistrationDate.objects.filter(child=OuterRef("child"), date=OuterRef("date"))
    attendances = Attendance.unscoped_objects.filter(day=OuterRef("pk"))
    waiting = (DayStatus.NOT_PROCESSED, DayStatus.ERROR)
    rows = (
        Day.objects.filter(_period("date", date_from, date_to), status__in=waiting)
        .filter(~Exists(attendances))
        .filter(Exists(events) | Exists(registered))
        .values_list("date", "status", "errors")
        .order_by()
    )
    months: dict[tuple[date, str, str], int] = defaultdict(int)
    for day, status, errors in rows:
        reason = next(iter(error_codes(errors)), "") if status == DayStatus.ERROR else ""
        months[day.replace(day=1), status, reason] += 1
    return [
        WaitingMonth(month=month, status=status, reason=reason, days=n)
        for (month, status, reason), n in sorted(
            months.items(), key=lambda item: (-item[0][0].toordinal(), item[0][1], item[0][2])
        )
    ]
