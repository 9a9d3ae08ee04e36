"""Specification of the days screen, its fixes, manual encoding and registrations (DOMAIN §3).

Screens are French first and new wording is translated later, so these tests assert codes,
statuses and data attributes, and compare messages with the same text rendered in French.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from tests import factories as f

from regie.attendance.models import (
    Attendance,
    Day,
    DayStatus,
    ScanEvent,
    Source,
)
from regie.attendance.services import event_add_manual
from regie.attendance.verifying import day_verify, days_touch
from regie.core.models import Role
from regie.core.tenancy import scope

DAY = date(2025, 10, 1)  # a Wednesday


@pytest.fixture
def setup(in_a):
    """A place with evening care 16:00–18:00 and a morning 07:00–12:00; a child and a parent."""
    evening = f.activity("Accueil du soir", "16:00", "18:00")
    morning = f.activity("Accueil du matin", "07:00", "12:00", at=evening.place)
    parent = f.person("Lambert", "Sophie")
    child = f.child("Léa", "Lambert", parent=parent)
    return {
        "evening": evening,
        "morning": morning,
        "place": evening.place,
        "parent": parent,
        "child": child,
    }


@pytest.fixture
def clerk(org_a, login):
    return login(org_a, Role.COORDINATOR)


def add(child, place, hhmm: str, direction: str, day: date = DAY, **extra) -> ScanEvent:
    event = ScanEvent.objects.create(
        child=child,
        place=place,
        date=day,
        time=time.fromisoformat(hhmm),
        direction=direction,
        source=extra.pop("source", Source.PHONE),
        **extra,
    )
    days_touch([(child.pk, day)])
    return event


def verify(child, day: date = DAY) -> Day:
    return day_verify(Day.objects.get(child=child, date=day))


def day_url(day: Day, name: str = "attendance:day") -> str:
    return reverse(name, args=[day.pk])


def french(message) -> str:
    with translation.override("fr"):
        return str(message)


def flashed(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def days_of_four_statuses(setup):
    """Four children on DAY: one day in error, one not processed, one verified, one billed."""
    place = setup["place"]
    kids = [f.child(name, "Enfant") for name in ("Aline", "Bruno", "Chloé", "Denis")]
    add(kids[0], place, "19:30", "exit")  # outside every window: no activity found
    add(kids[1], place, "16:30", "exit")  # left not processed
    add(kids[2], place, "16:30", "exit")
    add(kids[3], place, "16:45", "exit")
    error, verified, billed = verify(kids[0]), verify(kids[2]), verify(kids[3])
    Day.objects.filter(pk=billed.pk).update(status=DayStatus.BILLED)
    not_processed = Day.objects.get(child=kids[1])
    return {"error": error, "not_processed": not_processed, "verified": verified, "billed": billed}


# -- The list ----------------------------------------------------------------------------------


def test_days_list_groups_days_by_status_errors_first_with_counts(setup, clerk):
    """Given days of every status, the list shows them grouped error → not processed →
    verified → billed, each group with its count, and the counts per status."""
    days = days_of_four_statuses(setup)
    response = clerk.get(reverse("attendance:day-list"), {"status": "all"})
    assert response.status_code == 200
    groups = response.context["groups"]
    assert [g["status"] for g in groups] == ["error", "not_processed", "verified", "billed"]
    assert [[row["pk"] for row in g["rows"]] for g in groups] == [
        [days["error"].pk],
        [days["not_processed"].pk],
        [days["verified"].pk],
        [days["billed"].pk],
    ]
    assert {c["status"]: c["count"] for c in response.context["counts"]} == {
        "error": 1,
        "not_processed": 1,
        "verified": 1,
        "billed": 1,
    }
    assert groups[0]["rows"][0]["problems"] == ["aucune activité trouvée"]
    assert groups[2]["rows"][0]["activities"] == ["Accueil du soir"]
    page = response.content.decode()
    assert 'class="badge status-error"' in page and 'class="badge status-billed"' in page


def test_days_list_shows_the_days_to_fix_by_default(setup, clerk):
    """Without a status filter the list shows days in error or not processed, like the seeds'
    default "Non traitée ou En erreur"; the counts still give every status."""
    days = days_of_four_statuses(setup)
    response = clerk.get(reverse("attendance:day-list"))
    shown = {row["pk"] for g in response.context["groups"] for row in g["rows"]}
    assert shown == {days["error"].pk, days["not_processed"].pk}
    assert sum(c["count"] for c in response.context["counts"]) == 4


def test_days_list_filters_by_date_place_and_child_name(setup, clerk):
    """Date range, place (through events or attendances) and a name search narrow the list."""
    other_place = f.place("École du Parc")
    f.activity("Soir au Parc", "16:00", "18:00", at=other_place)
    lea = setup["child"]
    tom = f.child("Tom", "Renard")
    add(lea, setup["place"], "16:30", "exit")
    add(lea, setup["place"], "16:30", "exit", day=DAY + timedelta(days=1))
    add(tom, other_place, "16:40", "exit")
    verify(tom)

    def listed(**params):
        response = clerk.get(reverse("attendance:day-list"), {"status": "all", **params})
        rows = [row for group in response.context["groups"] for row in group["rows"]]
        return {(row["child__first_name"], row["date"]) for row in rows}

    assert listed(date_from="2025-10-02") == {("Léa", DAY + timedelta(days=1))}
    assert listed(date_to="2025-10-01") == {("Léa", DAY), ("Tom", DAY)}
    assert listed(place=other_place.pk) == {("Tom", DAY)}
    assert listed(place=setup["place"].pk, date_to="2025-10-01") == {("Léa", DAY)}
    assert listed(q="lamb") == {("Léa", DAY), ("Léa", DAY + timedelta(days=1))}
    assert listed(child=tom.pk) == {("Tom", DAY)}
    assert listed(date_from="not a date", q="tom") == {("Tom", DAY)}  # bad value: ignored


def test_days_list_reads_a_page_in_the_same_number_of_queries_whatever_its_size(setup, clerk):
    """No query per row: three days or forty, the page costs the same queries."""

    def queries_for(count: int) -> int:
        Day.objects.all().delete()
        ScanEvent.objects.all().delete()
        for n in range(count):
            kid = f.child(f"Enfant{n}", "Charge")
            add(kid, setup["place"], "16:30", "exit")
            verify(kid)
        clerk.get(reverse("attendance:day-list"))  # the session's first request does more
        with CaptureQueriesContext(connection) as captured:
            response = clerk.get(reverse("attendance:day-list"), {"status": "all"})
        assert len(response.context["groups"][0]["rows"]) == count
        return len(captured)

    assert queries_for(3) == queries_for(40)


# -- One day -----------------------------------------------------------------------------------


def test_day_detail_shows_child_errors_attendances_and_the_whole_history(setup, clerk):
    """A day shows its translated errors, completed attendances and every event, inactive
    ones included, with source, person, device or user and when it was received."""
    child, place = setup["child"], setup["place"]
    add(child, place, "16:10", "entry", person=setup["parent"])
    add(child, place, "17:45", "exit", person=setup["parent"])
    add(child, place, "19:30", "exit", source=Source.MANUAL)
    add(child, place, "16:20", "exit", active=False)
    day = verify(child)
    assert day.status == DayStatus.ERROR
    response = clerk.get(day_url(day))
    assert response.status_code == 200
    page = response.content.decode()
    (error,) = response.context["errors"]
    assert error.code == "verification.no_activity"
    assert escape(french(error.message)) in page
    assert french(day.error_messages()[0]) == error.message
    (attendance,) = response.context["attendances"]
    assert (attendance.activity, attendance.minutes, attendance.person) == (
        setup["evening"],
        95,
        setup["parent"],
    )
    events = response.context["events"]
    assert [(e.time, e.active, e.in_error) for e in events] == [
        (time(16, 10), True, False),
        (time(16, 20), False, False),
        (time(17, 45), True, False),
        (time(19, 30), True, True),
    ]
    assert "Lambert Sophie" in page and 'class="inactive"' in page


def test_two_manual_entries_at_0930_are_several_scans_until_one_is_deactivated(setup, clerk):
    """DOMAIN example 7, on screen: two manual entries at 09:30 → "several scans found";
    deactivating one verifies the day at once and it shows its attendance."""
    child = setup["child"]
    url = reverse("attendance:child-event-create", args=[child.pk])
    form = {"date": "2025-10-01", "time": "09:30", "direction": "entry", "place": setup["place"].pk}
    clerk.post(url, form)
    response = clerk.post(url, form)
    day = Day.objects.get(child=child, date=DAY)
    assert response.status_code == 302 and response["Location"] == day_url(day)
    assert day.status == DayStatus.ERROR
    assert [e["code"] for e in day.errors] == ["verification.duplicate_scans"]
    assert set(ScanEvent.objects.values_list("source", flat=True)) == {Source.MANUAL}
    page = clerk.get(day_url(day)).content.decode()
    assert 'data-code="verification.duplicate_scans"' in page
    first = ScanEvent.objects.filter(child=child).first()

    response = clerk.post(reverse("attendance:event-active", args=[first.pk]), {"active": "0"})

    assert response["Location"] == day_url(day)
    assert flashed(response)[0][0] == "success"
    day.refresh_from_db()
    assert day.status == DayStatus.VERIFIED
    attendance = day.attendances.get()
    assert (attendance.activity, attendance.start, attendance.end) == (
        setup["morning"],
        time(9, 30),
        time(12, 0),
    )
    assert ScanEvent.objects.filter(child=child).count() == 2  # deactivated, never deleted


def test_reactivating_an_event_verifies_the_day_again(setup, clerk):
    """Reactivating the deactivated duplicate puts the day back in error."""
    child = setup["child"]
    first = add(child, setup["place"], "09:30", "entry")
    add(child, setup["place"], "09:30", "entry")
    first.active = False
    first.save()
    assert verify(child).status == DayStatus.VERIFIED
    response = clerk.post(reverse("attendance:event-active", args=[first.pk]), {"active": "1"})
    assert flashed(response)[0][0] == "warning"
    assert Day.objects.get(child=child).status == DayStatus.ERROR


def test_suggested_swap_fixes_an_entry_exit_confusion_in_one_click(setup, clerk):
    """An exit at 16:10 then an entry at 17:00 look swapped: the day highlights both events
    and one "swap" turns them around; the day is verified with 50 minutes."""
    child = setup["child"]
    exit_ = add(child, setup["place"], "16:10", "exit")
    entry = add(child, setup["place"], "17:00", "entry")
    day = verify(child)
    assert day.status == DayStatus.ERROR and day.swaps
    detail = clerk.get(day_url(day))
    assert {e.pk for e in detail.context["events"] if e.suggested} == {exit_.pk, entry.pk}
    (swap,) = detail.context["swaps"]

    response = clerk.post(day_url(day, "attendance:day-swap"), {"events": swap["ids"]})

    assert response["Location"] == day_url(day)
    day.refresh_from_db()
    assert day.status == DayStatus.VERIFIED
    assert day.attendances.get().minutes == 50
    assert dict(ScanEvent.objects.values_list("pk", "direction")) == {
        exit_.pk: "entry",
        entry.pk: "exit",
    }


def test_a_stale_swap_suggestion_changes_nothing(setup, clerk):
    """A suggestion the day no longer offers is refused with a message."""
    child = setup["child"]
    event = add(child, setup["place"], "16:30", "exit")
    day = verify(child)
    response = clerk.post(day_url(day, "attendance:day-swap"), {"events": str(event.pk)})
    assert flashed(response)[0][0] == "error"
    assert ScanEvent.objects.get().direction == "exit"


def test_swapping_one_events_direction(setup, clerk):
    """Any active event can be swapped by hand; the day is verified again."""
    child = setup["child"]
    event = add(child, setup["place"], "17:50", "entry")  # two entries: not entry/exit pairs
    add(child, setup["place"], "16:20", "entry")
    assert verify(child).status == DayStatus.ERROR
    clerk.post(reverse("attendance:event-swap", args=[event.pk]))
    day = Day.objects.get(child=child)
    assert day.status == DayStatus.VERIFIED
    assert day.attendances.get().minutes == 90


def test_choosing_the_activity_when_several_match(setup, clerk):
    """An interval matching two activities (homework club and evening care, two categories at
    one place) offers the candidates; choosing one verifies the day with it."""
    study = f.activity(
        "Étude dirigée", "16:00", "17:00", at=setup["place"], kind=f.category("etude", "Étude")
    )
    child = setup["child"]
    add(child, setup["place"], "16:10", "entry")
    add(child, setup["place"], "16:50", "exit")
    day = verify(child)
    (error,) = clerk.get(day_url(day)).context["errors"]
    assert error.code == "verification.several_activities"
    assert {a.pk for a in error.candidates} == {study.pk, setup["evening"].pk}

    intruder = f.activity("Repas", "12:00", "13:00", at=setup["place"])
    refused = clerk.post(
        day_url(day, "attendance:day-choose"),
        {"choice_key": error.choice_key, "activity": intruder.pk},
    )
    assert flashed(refused)[0][0] == "error"
    assert Day.objects.get(pk=day.pk).status == DayStatus.ERROR

    clerk.post(
        day_url(day, "attendance:day-choose"),
        {"choice_key": error.choice_key, "activity": study.pk},
    )
    day.refresh_from_db()
    assert day.status == DayStatus.VERIFIED
    assert day.attendances.get().activity == study


def test_manual_event_names_one_of_the_childs_persons(setup, clerk):
    """The person of a manual entry is chosen among the child's linked persons only."""
    child = setup["child"]
    stranger = f.person("Inconnu", "Igor")
    url = reverse("attendance:child-event-create", args=[child.pk])
    form = {"date": "2025-10-01", "time": "17:05", "direction": "exit", "place": setup["place"].pk}
    page = clerk.get(url, {"date": "2025-10-01"})
    assert list(page.context["form"].fields["person"].queryset) == [setup["parent"]]
    refused = clerk.post(url, form | {"person": stranger.pk})
    assert refused.status_code == 200 and "person" in refused.context["form"].errors
    clerk.post(url, form | {"person": setup["parent"].pk})
    event = ScanEvent.objects.get()
    assert (event.person, event.source, event.recorded_by.username) == (
        setup["parent"],
        Source.MANUAL,
        refused.wsgi_request.user.username,
    )
    assert Attendance.objects.get().person == setup["parent"]


def test_not_processed_day_is_verified_on_request(setup, clerk):
    """A day left "not processed" by a phone batch can be verified from its screen."""
    add(setup["child"], setup["place"], "16:30", "exit")
    day = Day.objects.get()
    assert day.status == DayStatus.NOT_PROCESSED
    clerk.post(day_url(day, "attendance:day-verify"))
    assert Day.objects.get().status == DayStatus.VERIFIED


def test_billed_day_refuses_every_change_and_says_so(setup, clerk):
    """A billed day shows why it cannot change, offers no action, and refuses posted ones."""
    child, place = setup["child"], setup["place"]
    event = add(child, place, "16:30", "exit")
    day = verify(child)
    Day.objects.filter(pk=day.pk).update(status=DayStatus.BILLED)
    page = clerk.get(day_url(day)).content.decode()
    assert 'role="note"' in page
    assert reverse("attendance:event-active", args=[event.pk]) not in page
    assert reverse("attendance:child-event-create", args=[child.pk]) not in page

    manual = {"date": "2025-10-01", "time": "16:40", "direction": "exit", "place": place.pk}
    for url, data in [
        (reverse("attendance:event-active", args=[event.pk]), {"active": "0"}),
        (reverse("attendance:event-swap", args=[event.pk]), {}),
        (day_url(day, "attendance:day-verify"), {}),
        (reverse("attendance:child-event-create", args=[child.pk]), manual),
    ]:
        response = clerk.post(url, data)
        assert response.status_code in (200, 302), url
        shown = flashed(response) or [("error", e) for e in response.context["form"].errors[""]]
        assert shown[0][0] == "error", url
    assert ScanEvent.objects.get() == event
    assert (event.active, event.direction) == (True, "exit")
    assert Day.objects.get().status == DayStatus.BILLED
    assert Attendance.objects.get().status == DayStatus.VERIFIED  # kept as it was


def test_auditor_sees_days_but_cannot_change_them(setup, org_a, login):
    """The auditor reads the list and the day, gets no action button, and is refused (403)."""
    child = setup["child"]
    event = add(child, setup["place"], "19:30", "exit")
    day = verify(child)
    auditor = login(org_a, Role.AUDITOR)
    assert auditor.get(reverse("attendance:day-list")).status_code == 200
    page = auditor.get(day_url(day))
    assert page.status_code == 200
    assert reverse("attendance:event-active", args=[event.pk]) not in page.content.decode()
    for url in [
        reverse("attendance:event-active", args=[event.pk]),
        reverse("attendance:event-swap", args=[event.pk]),
        day_url(day, "attendance:day-verify"),
        day_url(day, "attendance:day-choose"),
        reverse("attendance:child-event-create", args=[child.pk]),
        reverse("attendance:child-registration-create", args=[child.pk]),
    ]:
        assert auditor.post(url, {"active": "0"}).status_code == 403, url
    assert ScanEvent.objects.get().active


def test_childcare_staff_may_fix_days(setup, org_a, login):
    """Staff (attendance.edit) deactivate an event; a finance officer only reads."""
    child = setup["child"]
    event = add(child, setup["place"], "19:30", "exit")
    verify(child)
    finance = login(org_a, Role.FINANCE)
    url = reverse("attendance:event-active", args=[event.pk])
    assert finance.post(url, {"active": "0"}).status_code == 403
    staff = login(org_a, Role.STAFF)
    assert staff.post(url, {"active": "0"}).status_code == 302
    assert Day.objects.get().status == DayStatus.VERIFIED  # no active event left


def test_child_page_links_to_days_registrations_and_manual_entry(setup, clerk):
    """The child's page leads to its days, registrations and manual encoding."""
    child = setup["child"]
    page = clerk.get(reverse("people:child-detail", args=[child.pk])).content.decode()
    for url in (
        reverse("attendance:child-registrations", args=[child.pk]),
        reverse("attendance:child-registration-create", args=[child.pk]),
        reverse("attendance:child-event-create", args=[child.pk]),
        f"{reverse('attendance:day-list')}?child={child.pk}",
    ):
        assert url in page


def test_other_organisations_days_are_not_listed(setup, org_b, clerk):
    """Days of another organisation never appear, even filtered on its child's id."""
    with scope(org_b):
        stranger = f.child("Ian", "Ailleurs")
        place = f.place("Ailleurs")
        event_add_manual(child=stranger, place=place, day=DAY, moment=time(16, 0), direction="exit")
    response = clerk.get(reverse("attendance:day-list"), {"status": "all", "child": stranger.pk})
    assert response.context["groups"] == []
    assert sum(c["count"] for c in response.context["counts"]) == 0
