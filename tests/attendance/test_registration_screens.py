"""Specification of the registration screens: meals and camps registered by date (DOMAIN §3)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from tests import factories as f
from tests.attendance.test_day_screens import flashed

from regie.attendance.models import Attendance, DayStatus, Registration, RegistrationDate, Source
from regie.attendance.services import registration_create
from regie.core.models import Role


@pytest.fixture
def family(in_a):
    """A school's place, a child and the parent linked to it."""
    parent = f.person("Lambert", "Sophie")
    return {"place": f.place(), "parent": parent, "child": f.child("Léa", parent=parent)}


@pytest.fixture
def clerk(org_a, login):
    return login(org_a, Role.COORDINATOR)


@pytest.fixture
def meals(family):
    """Hot meals, registration-encoded, on Monday, Tuesday, Thursday and Friday."""
    return f.activity(
        "Repas chaud",
        "12:00",
        "13:00",
        at=family["place"],
        kind=f.category("repas", "Repas"),
        encoding="registration",
        weekdays=(0, 1, 3, 4),
        date_to=None,
    )


def test_registering_a_child_on_weekdays_of_a_period(family, meals, clerk):
    """Registering from 01/10 to 14/10 on Mondays and Thursdays gives those open dates only,
    each a verified attendance of the meal with the chosen person."""
    child = family["child"]
    response = clerk.post(
        reverse("attendance:child-registration-create", args=[child.pk]),
        {
            "activity": meals.pk,
            "person": family["parent"].pk,
            "date_from": "2025-10-01",
            "date_to": "2025-10-14",
            "weekdays": ["0", "3", "2"],  # Wednesday: the meal does not take place
        },
    )
    registration = Registration.objects.get()
    assert response["Location"] == reverse("attendance:registration", args=[registration.pk])
    expected = [date(2025, 10, 2), date(2025, 10, 6), date(2025, 10, 9), date(2025, 10, 13)]
    assert list(registration.dates.values_list("date", flat=True)) == expected
    attendances = Attendance.objects.order_by("date")
    assert [(a.date, a.activity, a.person, a.status, a.source) for a in attendances] == [
        (day, meals, family["parent"], DayStatus.VERIFIED, Source.REGISTRATION) for day in expected
    ]
    listed = clerk.get(reverse("attendance:child-registrations", args=[child.pk]))
    (row,) = listed.context["registrations"]
    assert (row.first_date, row.last_date, row.date_count) == (expected[0], expected[-1], 4)


def test_registering_on_explicit_dates_refuses_a_closed_date(family, meals, clerk):
    """Explicit dates are used as given; a date the meal does not take place is refused with
    the service's message and nothing is saved."""
    url = reverse("attendance:child-registration-create", args=[family["child"].pk])
    refused = clerk.post(url, {"activity": meals.pk, "dates": "02/10/2025, 01/10/2025"})
    assert refused.status_code == 200
    (message,) = refused.context["form"].non_field_errors()
    assert "01/10/2025" in message
    assert not Registration.objects.exists()
    clerk.post(url, {"activity": meals.pk, "dates": "02/10/2025; 2025-10-03"})
    assert list(RegistrationDate.objects.values_list("date", flat=True)) == [
        date(2025, 10, 2),
        date(2025, 10, 3),
    ]


def test_registration_form_needs_a_period_or_dates(family, meals, clerk):
    """Neither a range nor dates, or a range without an open day: the form says so."""
    url = reverse("attendance:child-registration-create", args=[family["child"].pk])
    assert clerk.post(url, {"activity": meals.pk}).context["form"].non_field_errors()
    wednesday_only = {"activity": meals.pk, "date_from": "2025-10-01", "date_to": "2025-10-01"}
    assert clerk.post(url, wednesday_only).context["form"].non_field_errors()
    assert not Registration.objects.exists()


def test_marking_a_registered_date_absent_and_present_again(family, meals, clerk):
    """Absent flips the date's attendance to absent; present flips it back."""
    registration = registration_create(
        child=family["child"], activity=meals, dates=[date(2025, 10, 2)], person=family["parent"]
    )
    registered = registration.dates.get()
    url = reverse("attendance:registered-absent", args=[registered.pk])
    response = clerk.post(url, {"absent": "1"})
    assert response["Location"] == reverse("attendance:registration", args=[registration.pk])
    assert Attendance.objects.get().absent is True
    assert RegistrationDate.objects.get().absent is True
    page = clerk.get(response["Location"]).content.decode()
    assert f'id="registered-{registered.pk}" data-absent="1"' in page
    clerk.post(url, {"absent": "0"})
    assert Attendance.objects.get().absent is False


def test_cancelling_a_registered_date_only_from_today_on(family, meals, clerk):
    """A future date is removed with its attendance; a past one must be marked absent."""
    today = timezone.localdate()
    week = [today + timedelta(days=n) for n in range(1, 8)]
    future = next(day for day in week if day.weekday() in (0, 1, 3, 4))
    registration = registration_create(
        child=family["child"], activity=meals, dates=[date(2025, 10, 2), future]
    )
    past, coming = registration.dates.order_by("date")
    refused = clerk.post(reverse("attendance:registered-cancel", args=[past.pk]))
    assert flashed(refused)[0][0] == "error"
    clerk.post(reverse("attendance:registered-cancel", args=[coming.pk]))
    assert list(registration.dates.values_list("date", flat=True)) == [date(2025, 10, 2)]
    assert list(Attendance.objects.values_list("date", flat=True)) == [date(2025, 10, 2)]


def test_registration_list_searches_by_child_activity_and_date(family, meals, clerk):
    """The list finds registrations by child name, activity and registered date."""
    tom = f.child("Tom", "Renard")
    registration_create(child=family["child"], activity=meals, dates=[date(2025, 10, 2)])
    registration_create(child=tom, activity=meals, dates=[date(2025, 10, 3)])

    def listed(**params):
        response = clerk.get(reverse("attendance:registration-list"), params)
        return [r.child.first_name for r in response.context["object_list"]]

    assert listed() == ["Léa", "Tom"]
    assert listed(q="ren") == ["Tom"]
    assert listed(date="2025-10-02") == ["Léa"]
    assert listed(activity=meals.pk, date="bad") == ["Léa", "Tom"]
