"""Specification of the verify-days wizard and the unbilled monitor (DOMAIN §3, last paragraphs)."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.db import connection
from django.db.models import Exists
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from tests import factories as f

from regie.attendance.checking import CheckCounts, days_check, days_waiting, unbilled_attendances
from regie.attendance.checks import last_month
from regie.attendance.models import Attendance, Day, DayStatus, ScanEvent, Source
from regie.attendance.tasks import days_check_summary
from regie.attendance.verifying import day_verify, days_touch
from regie.billing.models import BillingRun, posted_links
from regie.billing.runs import run_create, run_post
from regie.core.errors import DomainError
from regie.core.models import Job, Role, User
from regie.core.tenancy import scope

DAY = date(2025, 10, 1)
OCTOBER = {"date_from": date(2025, 10, 1), "date_to": date(2025, 10, 31)}
ALL_STATUSES = ["error", "not_processed", "verified"]


def event(child, place, hhmm: str, direction: str, day: date = DAY, **extra) -> ScanEvent:
    return ScanEvent.objects.create(
        child=child,
        place=place,
        date=day,
        time=time.fromisoformat(hhmm),
        direction=direction,
        source=extra.pop("source", Source.MANUAL),
        **extra,
    )


def day_of(child, day: date = DAY) -> Day:
    return Day.objects.get(child=child, date=day)


def verified_day(child, place, day: date = DAY) -> Day:
    """A day verified from an entry at 16:10 and an exit at 17:45 (95 minutes)."""
    event(child, place, "16:10", "entry", day)
    event(child, place, "17:45", "exit", day)
    days_touch([(child.pk, day)])
    return day_verify(day_of(child, day))


def error_day(child, place, day: date = DAY) -> Day:
    """A day in error: a scan at 19:30, outside every window ("no activity found")."""
    event(child, place, "19:30", "exit", day)
    days_touch([(child.pk, day)])
    return day_verify(day_of(child, day))


def draft_run(*activities, day: date = DAY) -> BillingRun:
    """A billing run of the activities' categories over ``day``, left in draft."""
    run = BillingRun.objects.create(
        date_from=day, date_to=day, invoice_date=date(2025, 11, 3), due_date=date(2025, 12, 3)
    )
    run.categories.set([a.category for a in activities])
    return run_create(run)


def bill(*activities, day: date = DAY) -> None:
    """Bill the activities' attendances of ``day`` through a posted run."""
    run_post(draft_run(*activities, day=day))


@pytest.fixture
def evening(in_a):
    activity = f.activity("Accueil du soir", "16:00", "18:00")
    f.price("0,50 / 30 min", [activity])
    return activity


# --- the service -------------------------------------------------------------------------


def test_verify_rebuilds_only_days_in_the_chosen_statuses(in_a, evening):
    """Given a day with unverified scans and a day in error, when the wizard verifies the
    not-processed days, then only the first one is rebuilt; the day in error stays as it was."""
    waiting, broken = f.child("Léa"), f.child("Tom")
    event(waiting, evening.place, "16:10", "entry")
    event(waiting, evening.place, "17:45", "exit")
    error_day(broken, evening.place)
    verified_at = day_of(broken).verified_at

    counts = days_check(**OCTOBER, actions=["verify"], statuses=["not_processed"])

    assert (counts.days, counts.verified, counts.errors, counts.attendances) == (1, 1, 0, 1)
    assert day_of(waiting).status == DayStatus.VERIFIED
    assert day_of(waiting).attendances.get().minutes == 95
    assert (day_of(broken).status, day_of(broken).verified_at) == (DayStatus.ERROR, verified_at)


def test_verify_applies_a_changed_activity_to_verified_days(in_a, evening):
    """Verification happens at a moment: after the evening window is shortened to 17:00, the
    verified day keeps 95 minutes until the wizard verifies the verified days again."""
    child = f.child()
    verified_day(child, evening.place)
    evening.end_time = time(17, 0)
    evening.save()
    assert day_of(child).attendances.get().minutes == 95

    counts = days_check(**OCTOBER, actions=["verify"], statuses=["verified"])

    assert (counts.days, counts.verified) == (1, 1)
    assert day_of(child).attendances.get().minutes == 50


def test_status_filter_error_reverifies_days_in_error(in_a, evening):
    """Given a day in error whose scan becomes valid once the window is widened, verifying the
    days in error turns it verified, and the verified day beside it is not counted."""
    broken, fine = f.child("Tom"), f.child("Léa")
    error_day(broken, evening.place)
    verified_day(fine, evening.place)
    evening.end_time = time(20, 0)
    evening.save()

    counts = days_check(**OCTOBER, actions=["verify"], statuses=["error"])

    assert (counts.days, counts.verified, counts.errors) == (1, 1, 0)
    assert day_of(broken).status == DayStatus.VERIFIED
    assert day_of(broken).attendances.get().end == time(19, 30)


def test_reset_removes_attendances_and_leaves_days_not_processed(in_a, evening):
    """'Reset from events' alone removes the attendances; the events stay, active."""
    child = f.child()
    verified_day(child, evening.place)

    counts = days_check(**OCTOBER, actions=["reset"], statuses=["verified"])

    assert (counts.days, counts.reset, counts.verified) == (1, 1, 0)
    day = day_of(child)
    assert (day.status, day.attendances.count()) == (DayStatus.NOT_PROCESSED, 0)
    assert ScanEvent.objects.filter(child=child, active=True).count() == 2


def test_days_of_the_period_without_a_day_row_are_created_and_verified(in_a, evening):
    """Events typed in without their day (e.g. imported) get a day, then a verification."""
    child = f.child()
    event(child, evening.place, "16:30", "exit", date(2025, 10, 6))
    assert not Day.objects.exists()

    counts = days_check(**OCTOBER, actions=["verify"], statuses=["not_processed"])

    assert counts.verified == 1
    assert day_of(child, date(2025, 10, 6)).attendances.get().minutes == 30


def test_duplicates_keep_the_oldest_scan_and_deactivate_the_others(in_a, evening):
    """Three active exits at 18:00 at one place: the first received stays active, the two
    others are deactivated (never deleted). 16:49 and 16:50 exits are not duplicates, nor an
    18:00 exit of another child, nor an 18:00 entry, and an already inactive twin is ignored."""
    child, sister = f.child("Léa"), f.child("Zoé")
    first = event(child, evening.place, "18:00", "exit")
    twins = [event(child, evening.place, "18:00", "exit") for _ in range(2)]
    event(child, evening.place, "18:00", "exit", active=False)
    others = [
        event(child, evening.place, "16:49", "exit", day=date(2025, 10, 2)),
        event(child, evening.place, "16:50", "exit", day=date(2025, 10, 2)),
        event(sister, evening.place, "18:00", "exit"),
        event(child, evening.place, "18:00", "entry", day=date(2025, 10, 3)),
    ]
    total = ScanEvent.objects.count()

    counts = days_check(**OCTOBER, actions=["deduplicate"], statuses=ALL_STATUSES)

    assert counts.duplicates == 2
    assert ScanEvent.objects.count() == total
    first.refresh_from_db()
    assert first.active
    assert not ScanEvent.objects.filter(pk__in=[t.pk for t in twins], active=True).exists()
    assert ScanEvent.objects.filter(pk__in=[o.pk for o in others], active=True).count() == 4


def test_deduplicating_alone_sends_the_day_back_to_not_processed(in_a, evening):
    """DOMAIN example 7: two manual entries at 09:30 put the day in error; deactivating the
    duplicate alone marks the day not processed, waiting for its next verification."""
    morning = f.activity("Accueil du matin", "07:00", "10:00", at=evening.place)
    child = f.child()
    event(child, morning.place, "09:30", "entry")
    event(child, morning.place, "09:30", "entry")
    days_touch([(child.pk, DAY)])
    assert day_verify(day_of(child)).status == DayStatus.ERROR

    counts = days_check(**OCTOBER, actions=["deduplicate"], statuses=["error"])

    assert counts.duplicates == 1
    assert day_of(child).status == DayStatus.NOT_PROCESSED


def test_deduplicate_then_verify_turns_the_day_verified(in_a, evening):
    """With both actions, the duplicate goes and the day is verified in the same run."""
    child = f.child()
    event(child, evening.place, "17:00", "exit")
    event(child, evening.place, "17:00", "exit")
    days_touch([(child.pk, DAY)])
    assert day_verify(day_of(child)).status == DayStatus.ERROR

    counts = days_check(**OCTOBER, actions=["deduplicate", "verify"], statuses=["error"])

    assert (counts.duplicates, counts.verified, counts.errors) == (1, 1, 0)
    assert day_of(child).attendances.get().minutes == 60


def test_duplicates_of_days_outside_the_chosen_statuses_stay_active(in_a, evening):
    """Duplicates on a day in error are left alone when only verified days are checked."""
    child = f.child()
    event(child, evening.place, "17:00", "exit")
    event(child, evening.place, "17:00", "exit")
    days_touch([(child.pk, DAY)])
    day_verify(day_of(child))

    counts = days_check(**OCTOBER, actions=["deduplicate"], statuses=["verified"])

    assert (counts.days, counts.duplicates) == (0, 0)
    assert ScanEvent.objects.filter(active=True).count() == 2


def test_billed_days_are_never_touched(in_a, evening):
    """A billed day keeps its attendance, its status and its duplicate scans, whatever the
    actions and statuses chosen."""
    child = f.child(parent=f.person())
    verified_day(child, evening.place)
    bill(evening)
    event(child, evening.place, "17:45", "exit")

    counts = days_check(
        **OCTOBER, actions=["deduplicate", "reset", "verify"], statuses=ALL_STATUSES
    )

    assert (counts.days, counts.duplicates, counts.verified) == (0, 0, 0)
    day = day_of(child)
    assert day.status == DayStatus.BILLED
    assert posted_links(day.attendances.get()).exists()
    assert ScanEvent.objects.filter(active=True).count() == 3


def test_a_partly_billed_day_keeps_its_billed_attendance_and_rebuilds_the_rest(in_a, evening):
    """Given a day with an evening attendance billed by a run of its category and a morning
    attendance of another category not billed yet (the day stays "verified"), verifying the
    day rebuilds the morning one and never makes a second, unbilled copy of the billed one."""
    morning = f.activity(
        "Accueil du matin", "07:00", "08:30", at=evening.place, kind=f.category("matin", "Matin")
    )
    child = f.child(parent=f.person())
    event(child, evening.place, "07:40", "entry")
    verified_day(child, evening.place)
    bill(evening)
    assert day_of(child).status == DayStatus.VERIFIED
    morning.end_time = time(8, 0)
    morning.save()

    counts = days_check(**OCTOBER, actions=["verify"], statuses=ALL_STATUSES)

    assert (counts.days, counts.verified) == (1, 1)
    rows = (
        day_of(child)
        .attendances.annotate(billed=Exists(posted_links()))
        .values_list("activity__name", "status", "billed", "minutes")
    )
    assert sorted(rows) == [
        (morning.name, "verified", False, 20),
        (evening.name, "verified", True, 95),
    ]


def test_attendances_on_a_draft_run_stay_as_drafted(in_a, evening):
    """An attendance on a draft invoice is not rebuilt (delete the run first): the evening
    window shortened afterwards changes nothing on it."""
    child = f.child(parent=f.person())
    verified_day(child, evening.place)
    draft_run(evening)
    evening.end_time = time(17, 0)
    evening.save()

    days_check(**OCTOBER, actions=["deduplicate", "verify"], statuses=ALL_STATUSES)

    assert list(day_of(child).attendances.values_list("minutes", flat=True)) == [95]


def test_days_outside_the_period_are_not_touched(in_a, evening):
    child = f.child()
    event(child, evening.place, "16:30", "exit", date(2025, 11, 3))
    days_touch([(child.pk, date(2025, 11, 3))])

    counts = days_check(**OCTOBER, actions=["verify"], statuses=ALL_STATUSES)

    assert counts.days == 0
    assert day_of(child, date(2025, 11, 3)).status == DayStatus.NOT_PROCESSED


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"date_from": date(2025, 11, 1)}, "check.period_reversed"),
        ({"date_to": date(2026, 10, 31)}, "check.period_too_long"),
        ({"actions": []}, "check.no_action"),
        ({"actions": ["delete"]}, "check.no_action"),
        ({"statuses": []}, "check.no_status"),
        ({"statuses": ["billed"]}, "check.no_status"),
    ],
)
def test_invalid_checks_are_refused_with_a_code(in_a, changes, code):
    """A reversed or too long period, no action, or the billed status are refused."""
    arguments = {**OCTOBER, "actions": ["verify"], "statuses": ["error"], **changes}
    with pytest.raises(DomainError) as caught:
        days_check(**arguments)
    assert caught.value.code == code


def test_query_count_does_not_grow_with_the_number_of_days(in_a, evening):
    """Set-based: checking 2 or 8 days of the same period costs the same number of queries."""
    children = [f.child(f"Enfant{i}") for i in range(8)]

    def run(count: int) -> int:
        for child in children[:count]:
            event(child, evening.place, "17:00", "exit")
            event(child, evening.place, "17:00", "exit")
        with CaptureQueriesContext(connection) as queries:
            days_check(**OCTOBER, actions=["deduplicate", "verify"], statuses=ALL_STATUSES)
        ScanEvent.objects.all().delete()
        Attendance.objects.all().delete()
        Day.objects.all().delete()
        return len(queries)

    assert run(2) == run(8)


# --- the job and the wizard --------------------------------------------------------------


def test_summary_names_verified_days_and_errors():
    with translation.override("en"):
        text = days_check_summary(
            CheckCounts(days=12412, verified=12345, errors=67, duplicates=3),
            ["deduplicate", "verify"],
        )
    assert text == "3 duplicate scans deactivated, 12,345 days verified, 67 in error."


def test_summary_of_a_reset_and_of_an_empty_period():
    with translation.override("en"):
        assert days_check_summary(CheckCounts(days=1, reset=1), ["reset"]) == (
            "1 day reset to not processed."
        )
        assert days_check_summary(CheckCounts(), ["verify"]) == (
            "No day of this period has one of the chosen statuses."
        )


def test_last_month_is_the_default_period():
    assert last_month(date(2026, 3, 15)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert last_month(date(2026, 1, 1)) == (date(2025, 12, 1), date(2025, 12, 31))


def test_wizard_form_defaults_to_last_month_verify_errors_and_not_processed(org_a, login):
    client = login(org_a, Role.COORDINATOR)
    response = client.get(reverse("checks:verify"))
    assert response.status_code == 200
    form = response.context["form"]
    first, last = last_month(date.today())
    assert (form["date_from"].value(), form["date_to"].value()) == (first, last)
    assert form["actions"].value() == ["verify"]
    assert sorted(form["statuses"].value()) == ["error", "not_processed"]


def test_wizard_runs_a_job_that_ends_done_with_the_summary_and_a_link(
    org_a, login, django_capture_on_commit_callbacks
):
    """Given a day with scans and a day in error, when a coordinator runs the wizard, the job
    ends done, counts both days, says so in the user's language and links to the days in error
    of that period."""
    client = login(org_a, Role.COORDINATOR, username="claire")
    User.objects.filter(username="claire").update(language="en")
    with scope(org_a):
        evening = f.activity("Accueil du soir", "16:00", "18:00")
        ok, broken = f.child("Léa"), f.child("Tom")
        event(ok, evening.place, "16:30", "exit")
        event(broken, evening.place, "19:30", "exit")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("checks:verify"),
            {
                "date_from": "2025-10-01",
                "date_to": "2025-10-31",
                "actions": ["verify"],
                "statuses": ["error", "not_processed"],
            },
        )

    with scope(org_a):
        job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("job", args=[job.pk])
    assert (job.status, job.kind, job.done, job.total) == ("done", "attendance.days_check", 2, 2)
    assert job.result["summary"] == "1 day verified, 1 in error."
    assert job.result["counts"]["verified"] == 1
    assert job.result["next_url"] == (
        "/attendance/days/?status=error&date_from=2025-10-01&date_to=2025-10-31"
    )
    page = client.get(response["Location"])
    assert "1 day verified, 1 in error." in page.content.decode()
    assert job.result["next_url"].replace("&", "&amp;") in page.content.decode()


def test_wizard_refuses_a_reversed_period_and_starts_nothing(org_a, login):
    client = login(org_a, Role.ADMINISTRATOR)
    with translation.override("en"):
        response = client.post(
            reverse("checks:verify"),
            {
                "date_from": "2025-10-31",
                "date_to": "2025-10-01",
                "actions": ["verify"],
                "statuses": ["error"],
            },
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    with scope(org_a):
        assert not Job.objects.exists()


def test_a_job_of_one_organisation_never_touches_another(
    org_a, org_b, login, django_capture_on_commit_callbacks
):
    """Both organisations have days of October to verify; A's job verifies only A's."""
    made = {}
    for org in (org_a, org_b):
        with scope(org):
            evening = f.activity("Accueil du soir", "16:00", "18:00")
            child = f.child()
            event(child, evening.place, "17:00", "exit")
            event(child, evening.place, "17:00", "exit")
            made[org.pk] = child
    client = login(org_a, Role.COORDINATOR)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("checks:verify"),
            {
                "date_from": "2025-10-01",
                "date_to": "2025-10-31",
                "actions": ["deduplicate", "verify"],
                "statuses": ALL_STATUSES,
            },
        )

    with scope(org_a):
        assert Job.objects.get().status == "done"
        assert day_of(made[org_a.pk]).status == DayStatus.VERIFIED
        assert ScanEvent.objects.filter(active=True).count() == 1
    with scope(org_b):
        assert not Day.objects.exists()
        assert not Attendance.objects.exists()
        assert ScanEvent.objects.filter(active=True).count() == 2
        assert not Job.objects.exists()


@pytest.mark.parametrize(
    ("role", "can_run"),
    [
        (Role.ADMINISTRATOR, True),
        (Role.COORDINATOR, True),
        (Role.STAFF, False),
        (Role.FINANCE, False),
        (Role.AUDITOR, False),
    ],
)
def test_only_administrators_and_coordinators_run_the_wizard(org_a, login, role, can_run):
    """Staff, finance and auditors can neither open nor post the wizard, nor see its menu."""
    client = login(org_a, role)
    assert client.get(reverse("checks:verify")).status_code == (200 if can_run else 403)
    posted = client.post(
        reverse("checks:verify"),
        {"date_from": "2025-10-01", "date_to": "2025-10-31", "actions": ["verify"]},
    )
    assert posted.status_code == (200 if can_run else 403)
    home = client.get("/").content.decode()
    assert (reverse("checks:verify") in home) == can_run
    assert reverse("checks:unbilled") in home


# --- the unbilled monitor ----------------------------------------------------------------


@pytest.fixture
def one_per_reason(in_a, evening):
    """One unbilled attendance per reason, a billed one, and a day waiting with scans only."""
    parent = f.person()
    in_error = f.child("Err", parent=parent)
    day = verified_day(in_error, evening.place, date(2025, 9, 10))
    Day.objects.filter(pk=day.pk).update(status=DayStatus.ERROR)
    Attendance.objects.filter(day=day).update(status=DayStatus.ERROR)  # as verification does
    touched = f.child("Touched", parent=parent)
    verified_day(touched, evening.place, date(2025, 10, 2))
    days_touch([(touched.pk, date(2025, 10, 2))])
    orphan = f.child("Orphan", parent=f.person("Martin"), billable=False)
    verified_day(orphan, evening.place, date(2025, 10, 3))
    ready = f.child("Ready", parent=parent)
    verified_day(ready, evening.place, date(2025, 10, 6))
    billed = f.child("Billed", parent=parent)
    verified_day(billed, evening.place, date(2025, 10, 7))
    bill(evening, day=date(2025, 10, 7))
    drafted = f.child("Drafted", parent=parent)
    verified_day(drafted, evening.place, date(2025, 10, 9))
    draft_run(evening, day=date(2025, 10, 9))
    waiting = f.child("Waiting", parent=parent)
    event(waiting, evening.place, "16:30", "exit", date(2025, 10, 8))
    days_touch([(waiting.pk, date(2025, 10, 8))])
    return evening


def test_unbilled_attendances_by_month_status_and_reason(one_per_reason):
    """Error, not verified, no billable person, on a draft run and outside any run each count
    one attendance of 95 minutes; the billed attendance is not listed."""
    groups = unbilled_attendances()
    assert [(g.month, g.status, g.reason, g.attendances, g.minutes) for g in groups] == [
        (date(2025, 10, 1), "not_processed", "not_verified", 1, 95),
        (date(2025, 10, 1), "verified", "draft_run", 1, 95),
        (date(2025, 10, 1), "verified", "no_billable_person", 1, 95),
        (date(2025, 10, 1), "verified", "outside_run", 1, 95),
        (date(2025, 9, 1), "error", "error", 1, 95),
    ]


def test_attendance_person_not_billable_but_child_has_one_waits_for_a_run(in_a, evening):
    """A scan naming a non-billable person still bills the child's billable person."""
    parent, grandma = f.person(), f.person("Mamie")
    child = f.child(parent=parent)
    verified_day(child, evening.place)
    Attendance.objects.update(person=grandma)
    assert [g.reason for g in unbilled_attendances()] == ["outside_run"]


def test_unbilled_period_filter(one_per_reason):
    groups = unbilled_attendances(date_from=date(2025, 10, 3), date_to=date(2025, 10, 8))
    assert [g.reason for g in groups] == ["no_billable_person", "outside_run"]


def test_days_waiting_counts_not_processed_days_with_scans_and_no_attendance(one_per_reason):
    """The touched day still has its attendance: only the day with bare scans waits."""
    assert [(m.month, m.days) for m in days_waiting()] == [(date(2025, 10, 1), 1)]


def test_days_in_error_without_attendances_wait_with_their_reason(one_per_reason, org_a, login):
    """A day in error with scans and no attendance (duplicate scans, no activity found) is
    listed with its reason, beside the day not processed yet."""
    evening = one_per_reason
    stuck = f.child("Stuck", parent=f.person("Lambert"))
    event(stuck, evening.place, "20:10", "entry", date(2025, 10, 14))
    days_touch([(stuck.pk, date(2025, 10, 14))])
    no_activity = {"code": "verification.no_activity", "template": "none", "params": {}}
    Day.objects.filter(child=stuck).update(status=DayStatus.ERROR, errors=[no_activity])
    waiting = [(m.month, m.status, m.reason, m.days) for m in days_waiting()]
    assert waiting == [
        (date(2025, 10, 1), "error", "verification.no_activity", 1),
        (date(2025, 10, 1), "not_processed", "", 1),
    ]
    html = login(org_a, Role.COORDINATOR).get(reverse("checks:unbilled")).content.decode()
    assert "aucune activité trouvée" in html and "(2)" in html
    assert "status=error&amp;date_from=2025-10-01&amp;date_to=2025-10-31" in html


def test_auditor_sees_the_monitor_with_links_to_the_days(org_a, login):
    """The auditor reads the monitor; each group links to the days list filtered on its month
    and status."""
    with scope(org_a):
        evening = f.activity("Accueil du soir", "16:00", "18:00")
        verified_day(f.child(parent=f.person()), evening.place)
    client = login(org_a, Role.AUDITOR)
    with translation.override("en"):
        response = client.get(reverse("checks:unbilled"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-reason="outside_run"' in html
    assert "1:35" in html
    assert "/attendance/days/?status=verified&amp;date_from=2025-10-01&amp;date_to=2025-10-31" in (
        html
    )


def test_monitor_shows_only_the_organisations_own_attendances(org_a, org_b, login):
    with scope(org_b):
        evening = f.activity("Accueil du soir", "16:00", "18:00")
        verified_day(f.child(parent=f.person()), evening.place)
    response = login(org_a, Role.STAFF).get(reverse("checks:unbilled"))
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert response.context["total_waiting"] == 0
