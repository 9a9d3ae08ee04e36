"""The demo commune: deterministic, idempotent, realistic."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Exists, Max, Min
from stdnum.be import ogm_vcs

from regie.activities.coverage import coverage_gaps
from regie.activities.models import Activity, Place, Price
from regie.activities.pricing import NONE_CATEGORY, applicable_price, overlapping_prices
from regie.activities.selectors import coverage_check
from regie.attendance.models import Attendance, Day, DayStatus, ScanEvent
from regie.attendance.windows import check_compatibility, open_dates
from regie.billing.models import BillingRun, Invoice, RunStatus, posted_links
from regie.billing.selectors import with_balance
from regie.certificates.models import CertificateBatch
from regie.core.models import Organisation, User
from regie.core.tenancy import scope
from regie.demo.activities import POSITIONS
from regie.demo.commune import DEMO_NAME, build_demo
from regie.demo.payments import bank_file_path
from regie.dunning.models import Reminder
from regie.dunning.plan_models import PaymentPlan
from regie.dunning.plans import instalment_states
from regie.ledger.services import chain_verify
from regie.payments.imports import statements_import
from regie.payments.models import Payment, StatementFile
from regie.payments.parsers import coda
from regie.payments.reconciliation import reconciliation
from regie.people.models import Child, ChildPerson, Person, TariffCategory
from regie.statistics.models import SavedView
from regie.statistics.pivot import Query, pivot_compute


@pytest.fixture(autouse=True)
def demo_var_dir(settings, tmp_path):
    """The demo writes its bank file under VAR_DIR: a temporary one here."""
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_demo_builds_a_commune_with_families_and_is_idempotent(db, capsys):
    call_command("demo", "--children", "60")
    call_command("demo", "--children", "60", "--url", "http://127.0.0.1:8765")
    out = capsys.readouterr().out
    assert "already loaded" in out and "regie-demo" in out
    assert "Log in on http://127.0.0.1:8000 with" in out  # the default
    assert "Log in on http://127.0.0.1:8765 with" in out  # make demo PORT=8765
    assert "“finances” confirms each login with a second factor: add the key" in out
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


@pytest.mark.parametrize(
    "today",
    [
        dt.date(2027, 1, 1),  # a new year: last month's run is dated today, last year's
        dt.date(2027, 8, 1),  # a Sunday 1st, in the summer holidays
        dt.date(2028, 2, 29),  # a leap day
        dt.date(2028, 3, 1),  # the 1st after it
        dt.date(2027, 12, 31),  # the last day of a year
    ],
    ids=str,
)
def test_the_demo_loads_whatever_day_it_is(db, monkeypatch, today):
    """`make demo` loads the commune on any day (it failed on every 1st of a month: the run,
    dated today, was exported before the day was over)."""
    monkeypatch.setattr("regie.exports.services.today", lambda: today)
    commune, stats = build_demo(children=25, seed=3, today=today)
    assert stats.billing.posted > 0 and stats.exports.first is not None


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
        # (last year's week of scans, lived for its tax certificates, is tested below)
        events = ScanEvent.objects.filter(date__year=2026)
        dates = events.aggregate(first=Min("date"), last=Max("date"))
        assert dates == {"first": dt.date(2026, 10, 1), "last": dt.date(2026, 11, 20)}
        assert events.values("client_event_id").distinct().count() == events.count()
        assert events.filter(child__in=Child.objects.all()).values("child").distinct().count() > 40
        days = Day.objects.filter(date__year=2026)
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


# -- Billing and payments --------------------------------------------------------------------


def test_demo_posts_last_month_after_a_run_in_error_and_drafts_this_month(db):
    """Given the demo, last month's first run stopped on parents not attestable; once they
    were ticked, the month was billed and posted with gapless numbers and valid structured
    communications; this month's run holds draft invoices, unnumbered."""
    commune, stats = _demo_in_scope()
    with scope(commune):
        # (the collection's earlier meals run is tested below)
        runs = list(BillingRun.objects.filter(date_from__gte=dt.date(2026, 10, 1)).order_by("pk"))
        assert [(r.status, r.date_from, r.date_to) for r in runs] == [
            (RunStatus.ERROR, dt.date(2026, 10, 1), dt.date(2026, 10, 31)),
            (RunStatus.POSTED, dt.date(2026, 10, 1), dt.date(2026, 10, 31)),
            (RunStatus.DRAFT, dt.date(2026, 11, 1), dt.date(2026, 11, 30)),
        ]
        error, posted, draft = runs
        assert {p["code"] for p in error.problems} == {"billing.no_attestable"}
        assert stats.billing.attestable_fixed >= len(error.problems)
        assert {c.code for c in posted.categories.all()} == {"accueil", "repas"}
        invoices = posted.invoices.order_by("number")
        numbers = list(invoices.values_list("number", flat=True))
        assert numbers == [f"FACT/2026/{n:05d}" for n in range(1, len(numbers) + 1)]
        assert len(numbers) == stats.billing.posted > 10
        assert all(ogm_vcs.is_valid(c) for c in invoices.values_list("communication", flat=True))
        assert (posted.invoice_date, posted.due_date) == (
            dt.date(2026, 11, 1),
            dt.date(2026, 12, 1),
        )
        billed = Attendance.objects.filter(Exists(posted_links()))
        assert billed.filter(date__month=10).exists()
        assert not billed.filter(date__month=11).exists()
        assert set(draft.invoices.values_list("number", "posted_at")) == {("", None)}
        assert draft.invoices.count() == stats.billing.drafts > 10
        assert chain_verify() is None


def test_demo_bank_file_pays_most_of_last_months_invoices_by_their_communication(db):
    """Given the demo, an early statement is imported and the next one waits in VAR_DIR/demo:
    it pays most of the other invoices by their structured communication (some in part, some
    too much), names three communications nobody issued and has two free-text transfers;
    importing it accepts the payments and rejects those five; a second import adds nothing."""
    commune, stats = _demo_in_scope()
    payments = stats.payments
    assert payments.path == bank_file_path() and payments.path.parent.name == "demo"
    movements = coda.parse(payments.path.read_bytes()).movements
    references = [m.structured_reference for m in movements]
    with scope(commune):
        early = Payment.objects.filter(movement__statement__file__name="coda-debut-de-mois.cod")
        assert early.count() == payments.early_paid > 0
        collection = set(Reminder.objects.values_list("communication", flat=True))
        collection |= set(PaymentPlan.objects.values_list("communication", flat=True))
        issued = set(
            Invoice.objects.exclude(communication="").values_list("communication", flat=True)
        )
        paying = [r for r in references if r in issued]
        assert sorted(paying) == sorted(payments.pays)
        assert len(paying) > 0.6 * stats.billing.posted
        assert len([r for r in references if r and r not in issued | collection]) == 3
        chased = [r for r in references if r in collection]
        assert len(chased) == 2  # a second reminder and the plan's late instalment
        assert references.count("") == 2
        assert payments.by_kind["partial"] > 0 and payments.by_kind["excess"] > 0
        result = statements_import(data=payments.path.read_bytes(), name=payments.path.name)
        assert (result.accepted, result.rejected, result.gaps) == (len(paying) + 2, 5, [])
        paid = with_balance(Invoice.objects.filter(communication__in=paying))
        assert paid.filter(open_cents=0).count() >= payments.by_kind["exact"]
        again = statements_import(data=payments.path.read_bytes(), name="again.cod")
        assert again.already_imported


def test_demo_command_prints_the_bank_file_and_stays_idempotent(db, capsys, demo_var_dir):
    """`regie demo` ends with the path of the bank file; run again it adds no run, invoice or
    statement, and still points at the file; a reset with the same seed writes the same file."""
    call_command("demo", "--children", "40")
    path = demo_var_dir / "demo" / "coda-val-de-mehaigne.cod"
    assert f"Bank file ready to import: {path}" in capsys.readouterr().out
    org = Organisation.objects.get(name=DEMO_NAME)

    def counts():
        with scope(org):
            return [m.objects.count() for m in (BillingRun, Invoice, StatementFile, Payment)]

    first, content = counts(), path.read_bytes()
    call_command("demo", "--children", "40")
    assert f"Bank file ready to import: {path}" in capsys.readouterr().out
    assert counts() == first and first[1] > 0
    call_command("demo", "--reset", "--children", "40")
    assert path.read_bytes() == content


def test_demo_has_invoice_documents_in_french_dutch_and_german(db):
    """Given the demo, last month's invoices exist as PDFs (one ZIP) for parents speaking
    French, Dutch and German, with the e-mail templates of the three languages."""
    from regie.documents.models import DocumentBatch, EmailTemplate

    commune, stats = _demo_in_scope()
    languages = stats.billing.documents["languages"]
    assert {"fr", "nl", "de"} <= set(languages)
    with scope(commune):
        assert set(EmailTemplate.objects.values_list("language", flat=True)) == {"fr", "nl", "de"}
        zipped = DocumentBatch.objects.get(format="zip")
        assert zipped.status == "done"
        assert zipped.produced == zipped.expected == sum(languages.values())


def test_demo_chases_earlier_meals_with_reminders_a_formal_notice_and_a_plan(db):
    """Given the demo, September's meals of twelve families were billed on 1 October, due 11
    October: a policy of three levels reminded them at level 1, those still unpaid at level 2
    (two paid their reminder, one asked for a plan) and at level 3 (a formal notice); the
    plan's first instalment is paid and its second one late; the ready bank file pays a
    second reminder and the late instalment; the reconciliation agrees but for the movements
    waiting in suspense."""
    commune, stats = _demo_in_scope()
    collection = stats.collection
    assert collection.invoices == 12
    assert collection.reminders == {1: 12, 2: 9, 3: 8}
    with scope(commune):
        meals = BillingRun.objects.get(date_from=dt.date(2026, 9, 1))
        assert (meals.status, meals.due_date) == (RunStatus.POSTED, dt.date(2026, 10, 11))
        assert Reminder.objects.filter(level__formal_notice=True).count() == 8
        plan = PaymentPlan.objects.get()
        states = instalment_states(plan)
        assert [s.paid_cents == s.amount_cents for s in states] == [True, False, False]
        assert plan.instalments.get(number=2).late_letter_on == TODAY
        result = statements_import(data=stats.payments.path.read_bytes(), name="ready.cod")
        assert result.accepted > 0
        assert instalment_states(plan)[1].open_cents == 0
        report = reconciliation(dt.date(2026, 1, 1), TODAY)
        assert all(c.agrees for c in report.comparisons), report.comparisons


def test_demo_has_last_years_certificates_and_shared_statistics_views(db):
    """A week of September 2025 was billed and paid in October 2025: the certificates
    of income year 2025 are built for the families who paid; the finance officer's pivot views
    are shared with the commune and each of them answers."""
    commune, stats = _demo_in_scope()
    with scope(commune):
        batch = CertificateBatch.objects.get()
        certificates = batch.certificates.all()
        assert batch.year == stats.certificates.year == 2025
        assert certificates.count() == stats.certificates.certificates > 5
        assert all(c.total_cents > 0 and c.periods for c in certificates)
        assert stats.certificates.paid == stats.certificates.invoices  # never reminded
        received = pivot_compute(
            Query("lines", "category", measure="received", date_to=dt.date(2025, 12, 31))
        )
        assert received.total >= sum(c.total_cents for c in certificates)
        views = SavedView.objects.filter(shared=True)
        names = set(views.values_list("name", flat=True))
        assert {"Facturé et encaissé par mois", "Ouvert par école"} <= names
        for view in views:
            question = {k: v for k, v in view.query.items() if k in ("rows", "columns")}
            pivot = pivot_compute(
                Query(view.query["source"], measure=view.query["measure"], **question)
            )
            assert pivot.rows, view.name


def test_demo_belcotax_file_of_last_year_validates_against_the_xsd(db, shared_dir):
    """The yearly file of the demo's certificates, as the finance officer downloads it, passes
    the tax administration's XSD (a test fixture in ../shared: skipped without it)."""
    from lxml import etree

    from regie.certificates.filing import filing_file, filing_of

    schema = etree.XMLSchema(etree.parse(str(shared_dir / "data/belcotax/Belcotax-2024.xsd")))
    commune, _ = _demo_in_scope()
    with scope(commune):
        batch = CertificateBatch.objects.get()
        filing = filing_of(batch, phone="081 00 00 00", contact="Service finances", email="f@x.be")
        content, _media, name = filing_file(filing)
        certificates = batch.certificates.count()
    root = etree.fromstring(content)
    assert schema.validate(root), [f"line {e.line}: {e.message}" for e in schema.error_log]
    assert name == "belcotax-28186-2025.xml"
    assert len(root.findall(".//f86_2064_totalamount")) == certificates


def test_demo_permit_files_one_paid_online_and_the_payment_request_sent(db, client, demo_var_dir):
    """The permit service's file paid online carries its Mollie payment on its page and waits
    on Online payments in transit; the file awaiting payment was e-mailed its request."""
    from django.urls import reverse

    from regie.documents.models import Sending, SendingStatus
    from regie.fees.documents import PAYMENT_REQUEST
    from regie.fees.models import Checkout, FileState, FileVersion, ServiceFile
    from regie.ledger.models import EntryLine
    from regie.ledger.rules import AccountRole

    commune, stats = _demo_in_scope(children=30)
    assert stats.fees.files["OCC-DEMO-0003"] == FileState.PAID
    assert stats.fees.files["OCC-DEMO-0002"] == FileState.AWAITING_PAYMENT
    with scope(commune):
        online = ServiceFile.objects.get(external_id="OCC-DEMO-0003")
        checkout = Checkout.objects.get(file=online)
        assert checkout.recorded_at is not None
        clearing = EntryLine.objects.filter(account__role=AccountRole.CLEARING)
        assert sum(line.debit - line.credit for line in clearing) == online.amount_cents
        waiting = ServiceFile.objects.get(external_id="OCC-DEMO-0002")
        version = FileVersion.objects.get(file=waiting)
        sending = Sending.objects.get(kind=PAYMENT_REQUEST, document_id=version.pk)
        assert sending.status == SendingStatus.SENT
        assert chain_verify() is None
    client.force_login(User.objects.get(username="admin"))
    response = client.get(reverse("fees-files:file-detail", args=[online.pk]))
    assert response.status_code == 200
    assert "paiement en ligne" in response.content.decode().lower()
