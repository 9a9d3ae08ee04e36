"""The demo commune: deterministic, idempotent, realistic."""

import datetime as dt

from django.core.management import call_command
from django.db import transaction
from django.db.models import Max, Min

from regie.activities.coverage import coverage_gaps
from regie.activities.models import Activity, Place, Price
from regie.activities.pricing import NONE_CATEGORY, applicable_price, overlapping_prices
from regie.activities.selectors import coverage_check
from regie.attendance.models import Attendance, Day, DayStatus, ScanEvent
from regie.attendance.windows import check_compatibility, open_dates
from regie.core.models import Organisation, User
from regie.core.tenancy import scope
from regie.demo.activities import POSITIONS
from regie.demo.commune import DEMO_NAME, build_demo
from regie.people.models import Child, ChildPerson, Person, TariffCategory


def test_demo_builds_a_commune_with_families_and_is_idempotent(db, capsys):
    call_command("demo", "--children", "60")
    call_command("demo", "--children", "60")
    out = capsys.readouterr().out
    assert "already loaded" in out and "regie-demo" in out
    commune = Organisation.objects.get(name=DEMO_NAME)
    assert User.objects.get(username="admin").check_password("regie-demo")
    with scope(commune):
        assert Child.objects.count() >= 60
        assert Child.objects.values("site").distinct().count() == 3
        single = [p for p in Person.objects.all() if p.links.values("child").count()]
        assert single
        without = Child.objects.exclude(links__attestable=True).count()
        assert 0 <= without < Child.objects.count()
        siblings = ChildPerson.objects.values("person").distinct().count()
        assert siblings < ChildPerson.objects.count()
        for person in Person.objects.all()[:50]:
            person.full_clean()  # the demo data passes our own validation


def _children_of_demo():
    org = Organisation.objects.get(name=DEMO_NAME)
    with scope(org):
        return list(
            Child.objects.order_by("last_name", "first_name", "birth_date").values_list(
                "first_name", "last_name", "birth_date", "national_number", "level"
            )
        )


def test_demo_is_deterministic(db):
    """The same seed and day give the same commune, after a reset too."""
    build_demo(children=40, seed=7, today=dt.date.today())
    first = _children_of_demo()
    call_command("demo", "--reset", "--children", "40", "--seed", "7")
    assert _children_of_demo() == first
    call_command("demo", "--reset", "--children", "40", "--seed", "8")
    assert _children_of_demo() != first


# -- Childcare: activities, prices, a month of scans -----------------------------------------

TODAY = dt.date(2026, 11, 22)  # a Sunday: last month is October, this month runs to the 21st


def _demo_in_scope(children=60, today=TODAY):
    return build_demo(children=children, seed=11, today=today)


def test_demo_prices_cover_every_activity_position_and_category_exactly_once(db):
    """The coverage check finds no missing or ambiguous price over two school years."""
    commune, _ = _demo_in_scope()
    with scope(commune):
        activities = [a.as_window() for a in Activity.objects.all()]
        prices = [p.as_value() for p in Price.objects.all()]
        categories = [NONE_CATEGORY, *TariffCategory.objects.values_list("pk", flat=True)]
        first = min(a.date_from for a in activities)
        last = first + dt.timedelta(days=2 * 365)
        assert coverage_check(first, last) == []  # the coverage page's check
    opened = {a.id: open_dates(a, first, last) for a in activities}  # every position, category
    assert coverage_gaps(prices, opened, POSITIONS, categories, first, last) == []
    for price in prices:
        assert overlapping_prices(price, prices) == []
    assert len({a.place_id for a in activities}) == 3  # one place per school site


def test_demo_september_price_rise_free_first_days_and_positions(db):
    """Evening care rises from 0.50 to 0.55 on 1 September; morning care is free 3 days."""
    commune, _ = _demo_in_scope()
    september = dt.date(2026, 9, 1)
    with scope(commune):
        prices = [p.as_value() for p in Price.objects.all()]
        evening = Activity.objects.filter(name__startswith="Accueil du soir").first().pk
        morning = Activity.objects.filter(name__startswith="Accueil du matin").first().pk
        cpas = TariffCategory.objects.get(code="cpas").pk

    def unit(activity, day, position=1, category=NONE_CATEGORY):
        return applicable_price(prices, activity, day, position, category).unit_cents

    assert unit(evening, september - dt.timedelta(days=1)) == 50
    assert unit(evening, september) == 55
    assert unit(evening, september, position=3) == 25
    assert unit(evening, september, category=cpas) == 10
    assert [unit(morning, september + dt.timedelta(days=n)) for n in range(4)] == [0, 0, 0, 50]


def test_demo_activities_chain_and_never_conflict(db):
    """Early care chains to morning care; no two scan activities conflict (DOMAIN §2)."""
    commune, _ = _demo_in_scope()
    with scope(commune):
        activities = [a.as_window() for a in Activity.objects.all()]
        early = Activity.objects.filter(name__startswith="Accueil matinal").first()
        assert early.next_activity.start_time == early.end_time == dt.time(7, 30)
        meals = Activity.objects.get(name__startswith="Repas", place=early.place)
    assert (meals.encoding, meals.bill_absence) == ("registration", False)
    for activity in activities:
        assert check_compatibility(activity, activities) == []


def test_demo_month_of_scans_is_verified_with_a_few_realistic_errors(db):
    """Scans run from last month's first day to yesterday; a few % of days stay in error."""
    commune, stats = _demo_in_scope()
    with scope(commune):
        events = ScanEvent.objects.all()
        dates = events.aggregate(first=Min("date"), last=Max("date"))
        assert dates == {"first": dt.date(2026, 10, 1), "last": dt.date(2026, 11, 20)}
        assert events.values("client_event_id").distinct().count() == events.count()
        assert events.filter(child__in=Child.objects.all()).values("child").distinct().count() > 40
        days = Day.objects.all()
        assert not days.filter(status=DayStatus.NOT_PROCESSED).exists()
        in_error = days.filter(status=DayStatus.ERROR)
        assert 0.005 < in_error.count() / days.count() < 0.08
        codes = {error["code"] for day in in_error for error in day.errors}
        assert {"verification.duplicate_scans", "verification.several_activities"} <= codes
        assert Attendance.objects.filter(absent=True, source="registration").exists()
        assert events.filter(active=False).exists()  # a duplicate already deactivated
        assert events.filter(source="manual").exists()
    assert stats.attendance.events == events.count()
    assert stats.attendance.errors == in_error.count()


def test_demo_run_twice_duplicates_nothing(db):
    """A second `regie demo` leaves every childcare table as it was."""
    call_command("demo", "--children", "30")
    org = Organisation.objects.get(name=DEMO_NAME)

    def counts():
        with scope(org):
            return [m.objects.count() for m in (Place, Activity, Price, ScanEvent, Day)]

    first = counts()
    call_command("demo", "--children", "30")
    assert counts() == first and first[3] > 0


def test_demo_scans_are_deterministic(db):
    """The same seed and day give the same scans, client event ids included."""

    def scans(seed):
        with transaction.atomic():  # a savepoint, rolled back: the next build starts afresh
            commune, _ = build_demo(children=30, seed=seed, today=TODAY)
            with scope(commune):
                events = ScanEvent.objects.order_by("client_event_id")
                found = list(
                    events.values_list("child__first_name", "date", "time", "client_event_id")
                )
            transaction.set_rollback(True)
        return found

    first = scans(5)
    assert first and scans(5) == first
    assert scans(6) != first
