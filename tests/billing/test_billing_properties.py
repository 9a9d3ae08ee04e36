"""Properties of billing: whatever clerks do, in whatever order, the books stay right.

A stateful test draws random sequences of the actions of DOMAIN §4 — attendances typed in,
runs created, posted or deleted, invoices released (credited), written off and the write-offs
reversed — and after every step checks the invariants of the ledger and of the invoices:

- every entry balances, the whole ledger balances, and the hash chain is intact;
- each invoice's open amount is its total minus its credit notes and write-offs, recomputed
  here from the rows, and equals :func:`~regie.billing.selectors.with_balance`; a credited
  invoice is closed;
- the receivable accounts hold exactly the open amounts, per person;
- no attendance is billed twice: at most one unreleased link, at most one posted and
  uncredited invoice, and a child is never in two attendances at the same time.

A PostgreSQL test then races two runs of the same period: the database lets one win.
Deepen the search with REGIE_PROPERTY_EXAMPLES (15 sequences of 12 steps by default).
"""

from __future__ import annotations

import os
import threading
from collections import defaultdict
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from tests import factories as f
from tests.conftest import make_organisation

from regie.attendance.models import Attendance
from regie.attendance.services import event_add_manual
from regie.billing import drafts as writing
from regie.billing import runs
from regie.billing.corrections import (
    invoice_credit,
    write_off_create,
    write_off_reverse,
)
from regie.billing.models import (
    BilledAttendance,
    BillingRun,
    Invoice,
    InvoiceLine,
    Kind,
    RunStatus,
    WriteOff,
    posted_links,
)
from regie.billing.selectors import with_balance
from regie.core.errors import DomainError
from regie.core.tenancy import scope
from regie.ledger.models import EntryLine
from regie.ledger.services import chain_verify

DAYS = [date(2025, 10, d) for d in (1, 2, 3, 6, 7)]
TODAY = date(2025, 11, 14)
PERIODS = [(date(2025, 10, 1), date(2025, 10, 31)), (date(2025, 10, 1), date(2025, 10, 3))]


def build_world() -> dict:
    """Evening care (Accueil, 0.50 per 30 min) and morning care (Matin, 0.65 per 30 min) at one
    place; three children, two of one parent and one of another, all billable and attestable."""
    accueil = f.category("accueil", "Accueil")
    matin = f.category("matin", "Matin")
    evening = f.activity("Accueil du soir", "16:00", "18:00", kind=accueil)
    morning = f.activity("Accueil du matin", "07:00", "08:30", kind=matin, at=evening.place)
    f.price("Soir", [evening], unit=50)
    f.price("Matin", [morning], unit=65)
    mum, dad = f.person("Dupont", "Anne"), f.person("Martin", "Marc")
    children = [
        f.child("Léa", parent=mum),
        f.child("Tom", birth_date=date(2019, 5, 2), parent=mum),
        f.child("Zoé", "Martin", parent=dad),
    ]
    return {
        "activities": [evening, morning],
        "categories": [[accueil], [matin], [accueil, matin]],
        "children": children,
    }


def pick(items: list, index: int):
    return items[index % len(items)]


class Billing(RuleBasedStateMachine):
    """The clerk's actions on one organisation; each example runs in a rolled-back savepoint."""

    world: dict = {}

    def __init__(self) -> None:
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    # -- what can be picked ----------------------------------------------------------------

    def runs_in(self, *statuses) -> list[BillingRun]:
        return list(BillingRun.objects.filter(status__in=statuses).order_by("pk"))

    def posted_invoices(self) -> list[Invoice]:
        query = Invoice.objects.filter(kind=Kind.INVOICE, posted_at__isnull=False)
        return list(with_balance(query).order_by("pk"))

    def open_invoices(self) -> list[Invoice]:
        return [i for i in self.posted_invoices() if not i.credited_cents]

    def write_offs(self) -> list[WriteOff]:
        reversed_ = WriteOff.objects.filter(reverses=OuterRef("pk"))
        originals = WriteOff.objects.filter(reverses__isnull=True).exclude(Exists(reversed_))
        return list(originals.order_by("pk"))

    # -- rules -----------------------------------------------------------------------------

    @rule(
        child=st.integers(0, 2),
        day=st.integers(0, len(DAYS) - 1),
        activity=st.integers(0, 1),
        start=st.integers(0, 80),
        length=st.integers(1, 120),
        lone_exit=st.booleans(),
    )
    def attend(self, child, day, activity, start, length, lone_exit):
        """Staff type in an entry and an exit (or only an exit) inside the activity's window."""
        activity = self.world["activities"][activity]
        opening = datetime.combine(DAYS[day], activity.start_time)
        closing = datetime.combine(DAYS[day], activity.end_time)
        entry = min(opening + timedelta(minutes=start), closing - timedelta(minutes=1))
        leave = min(entry + timedelta(minutes=length), closing)
        moments = [(leave, "exit")] if lone_exit else [(entry, "entry"), (leave, "exit")]
        for moment, direction in moments:
            try:
                event_add_manual(
                    child=self.world["children"][child],
                    place=activity.place,
                    day=DAYS[day],
                    moment=moment.time(),
                    direction=direction,
                )
            except DomainError as refused:
                assert refused.code == "day.billed"

    @rule(categories=st.integers(0, 2), period=st.sampled_from(PERIODS))
    def create_run(self, categories, period):
        run = BillingRun.objects.create(
            date_from=period[0],
            date_to=period[1],
            invoice_date=date(2025, 11, 3),
            due_date=date(2025, 12, 3),
        )
        run.categories.set(self.world["categories"][categories])
        run = runs.run_create(run)
        assert run.status == RunStatus.DRAFT, run.problems

    @precondition(lambda self: self.runs_in(RunStatus.DRAFT))
    @rule(which=st.integers(0))
    def post_run(self, which):
        run = runs.run_post(pick(self.runs_in(RunStatus.DRAFT), which))
        assert run.status == RunStatus.POSTED

    @precondition(lambda self: self.runs_in(RunStatus.DRAFT, RunStatus.ERROR))
    @rule(which=st.integers(0))
    def delete_run(self, which):
        runs.run_delete(pick(self.runs_in(RunStatus.DRAFT, RunStatus.ERROR), which))

    @precondition(lambda self: self.open_invoices())
    @rule(which=st.integers(0))
    def release(self, which):
        invoice = pick(self.open_invoices(), which)
        credit = invoice_credit(invoice=invoice, day=TODAY)
        assert credit.total_cents == invoice.total_cents - invoice.written_off_cents

    @precondition(lambda self: self.open_invoices())
    @rule(which=st.integers(0), amount=st.integers(1), too_much=st.booleans())
    def write_off(self, which, amount, too_much):
        invoice = pick(self.open_invoices(), which)
        if too_much or invoice.open_cents == 0:
            with pytest.raises(DomainError) as refused:
                write_off_create(
                    invoice=invoice, kind="error", amount_cents=invoice.open_cents + 1, day=TODAY
                )
            assert refused.value.code == "billing.write_off_amount"
            return
        amount = 1 + amount % invoice.open_cents
        write_off = write_off_create(
            invoice=invoice, kind="social_aid", amount_cents=amount, day=TODAY
        )
        assert sum(write_off.spread.values()) == amount

    @precondition(lambda self: self.write_offs())
    @rule(which=st.integers(0))
    def reverse_write_off(self, which):
        write_off = pick(self.write_offs(), which)
        credited = Invoice.objects.filter(credit_of=write_off.invoice_id).exists()
        if credited:  # the credit note closed the invoice; reinstating debt would bill twice
            with pytest.raises(DomainError) as refused:
                write_off_reverse(write_off=write_off, day=TODAY)
            assert refused.value.code == "billing.already_credited"
            return
        reverse = write_off_reverse(write_off=write_off, day=TODAY)
        assert reverse.amount_cents == -write_off.amount_cents

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def ledger_balances_and_chain_holds(self):
        unbalanced = (
            EntryLine.objects.order_by()
            .values("entry_id")
            .annotate(difference=Sum("debit") - Sum("credit"))
            .exclude(difference=0)
        )
        assert not unbalanced.exists()
        totals = EntryLine.objects.aggregate(debit=Sum("debit"), credit=Sum("credit"))
        assert totals["debit"] == totals["credit"]
        assert chain_verify() is None
        if connection.vendor == "postgresql":  # fire the deferred balance trigger now
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    @invariant()
    def open_amounts_follow_from_credit_notes_and_write_offs(self):
        credited = defaultdict(int)
        for credit_of, total in Invoice.objects.filter(
            kind=Kind.CREDIT_NOTE, posted_at__isnull=False
        ).values_list("credit_of", "total_cents"):
            credited[credit_of] += total
        written = defaultdict(int)
        for invoice_id, amount in WriteOff.objects.values_list("invoice_id", "amount_cents"):
            written[invoice_id] += amount
        for invoice in self.posted_invoices():
            lines = sum(line.amount_cents for line in invoice.lines.all())
            assert invoice.total_cents == lines
            expected = invoice.total_cents - credited[invoice.pk] - written[invoice.pk]
            assert invoice.open_cents == expected, invoice.number
            assert 0 <= invoice.open_cents <= invoice.total_cents, invoice.number
            if credited[invoice.pk]:
                assert invoice.open_cents == 0, f"{invoice.number} credited but still open"

    @invariant()
    def receivables_in_the_ledger_are_the_open_amounts(self):
        owed = defaultdict(int)
        for invoice in self.posted_invoices():
            owed[invoice.person_id] += invoice.open_cents
        ledger = defaultdict(int)
        lines = EntryLine.objects.filter(account__role="receivable")
        for person_id, debit, credit in lines.values_list("person_id", "debit", "credit"):
            ledger[person_id] += debit - credit
        assert {k: v for k, v in ledger.items() if v} == {k: v for k, v in owed.items() if v}

    @invariant()
    def no_attendance_is_billed_twice(self):
        unreleased = defaultdict(int)
        on_live_invoices = defaultdict(set)
        credited = set(
            Invoice.objects.filter(kind=Kind.CREDIT_NOTE).values_list("credit_of", flat=True)
        )
        for attendance, released, invoice, posted in BilledAttendance.objects.values_list(
            "attendance_id", "released", "line__invoice_id", "line__invoice__posted_at"
        ):
            unreleased[attendance] += not released
            if posted and invoice not in credited:
                on_live_invoices[attendance].add(invoice)
        assert max(unreleased.values(), default=0) <= 1
        assert max(map(len, on_live_invoices.values()), default=0) <= 1
        billed = set(Attendance.objects.filter(Exists(posted_links())).values_list("pk", flat=True))
        assert billed == set(on_live_invoices)

    @invariant()
    def a_child_is_in_one_attendance_at_a_time(self):
        seen = defaultdict(list)
        for child, day, start, end in Attendance.objects.order_by("start").values_list(
            "child_id", "date", "start", "end"
        ):
            for other_start, other_end in seen[(child, day)]:
                assert end <= other_start or other_end <= start, (child, day, start, end)
            seen[(child, day)].append((start, end))


def test_random_billing_sequences_keep_the_books_right(in_a):
    """Given three children and two activities, when clerks do anything in any order, then the
    invariants above hold after every step."""
    Billing.world = build_world()
    run_state_machine_as_test(
        Billing,
        settings=settings(
            max_examples=int(os.environ.get("REGIE_PROPERTY_EXAMPLES", "15")),
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


# -- What the stateful test found, as plain examples -------------------------------------------


def type_in(child, activity, day, entry, leave):
    for moment, direction in ((entry, "entry"), (leave, "exit")):
        event_add_manual(
            child=child,
            place=activity.place,
            day=day,
            moment=time.fromisoformat(moment),
            direction=direction,
        )


def run_of(categories, post=True) -> BillingRun:
    run = BillingRun.objects.create(
        date_from=PERIODS[0][0],
        date_to=PERIODS[0][1],
        invoice_date=date(2025, 11, 3),
        due_date=date(2025, 12, 3),
    )
    run.categories.set(categories)
    run = runs.run_create(run)
    return runs.run_post(run) if post else run


@pytest.fixture
def world(in_a):
    return build_world()


def test_a_partly_billed_day_verified_again_keeps_its_billed_stretch_billed_once(world):
    """Given a day with morning and evening care whose evening is billed, when a morning scan
    is added (the day is verified again), then the evening is not made again, and the next run
    of both categories bills the morning only."""
    lea = world["children"][0]
    evening, morning = world["activities"]
    type_in(lea, evening, DAYS[0], "16:10", "17:45")
    type_in(lea, morning, DAYS[0], "07:00", "07:40")
    run_of(world["categories"][0])
    type_in(lea, morning, DAYS[0], "08:00", "08:20")
    assert Attendance.objects.filter(activity=evening).count() == 1
    second = run_of(world["categories"][2])
    assert list(second.invoices.get().lines.values_list("activity", flat=True)) == [morning.pk]
    assert not Attendance.objects.exclude(Exists(posted_links())).exists()  # all billed


def test_a_day_on_a_draft_run_takes_new_scans_and_keeps_the_drafted_attendance(world):
    """Adding a scan to a day of a draft run no longer fails on the drafted attendance."""
    lea = world["children"][0]
    evening = world["activities"][0]
    type_in(lea, evening, DAYS[0], "16:10", "16:40")
    draft = run_of(world["categories"][0], post=False)
    drafted = Attendance.objects.get()
    type_in(lea, evening, DAYS[0], "17:00", "17:30")
    assert Attendance.objects.filter(pk=drafted.pk).exists()
    runs.run_delete(draft)
    assert run_of(world["categories"][0]).invoices.get().total_cents == 50 + 50


def test_a_released_day_is_verified_again_and_billed_once_more(world):
    """After its invoice is credited, a day can be fixed and billed again, once."""
    lea = world["children"][0]
    evening = world["activities"][0]
    type_in(lea, evening, DAYS[0], "16:10", "16:40")
    invoice = run_of(world["categories"][0]).invoices.get()
    invoice_credit(invoice=invoice, day=TODAY)
    type_in(lea, evening, DAYS[0], "16:50", "17:45")
    again = run_of(world["categories"][0]).invoices.get()
    assert again.total_cents == 50 + 100
    assert BilledAttendance.objects.filter(released=False).count() == 2


def test_the_write_off_of_a_credited_invoice_stays(world):
    """Reversing it would bring back a debt the credit note cancelled: refused."""
    type_in(world["children"][0], world["activities"][0], DAYS[0], "16:10", "17:45")
    invoice = run_of(world["categories"][0]).invoices.get()
    write_off = write_off_create(invoice=invoice, kind="error", amount_cents=50, day=TODAY)
    invoice_credit(invoice=invoice, day=TODAY)
    with pytest.raises(DomainError) as refused:
        write_off_reverse(write_off=write_off, day=TODAY)
    assert refused.value.code == "billing.already_credited"


def evening_world() -> dict:
    """The world of the property test, its children scanned in and out on the first day."""
    world = build_world()
    for child in world["children"]:
        for moment, direction in (("16:10", "entry"), ("17:45", "exit")):
            event_add_manual(
                child=child,
                place=world["activities"][0].place,
                day=DAYS[0],
                moment=time.fromisoformat(moment),
                direction=direction,
            )
    return world


def evening_run(world: dict) -> BillingRun:
    run = BillingRun.objects.create(
        date_from=DAYS[0],
        date_to=DAYS[-1],
        invoice_date=date(2025, 11, 3),
        due_date=date(2025, 12, 3),
    )
    run.categories.set(world["categories"][0])
    return run


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions")
@pytest.mark.parametrize("side_by_side", [False, True])
def test_two_runs_of_the_same_period_at_the_same_time_bill_each_attendance_once(
    transactional_db, monkeypatch, side_by_side
):
    """Given verified attendances, when two runs of the same period compute at the same moment
    (both read before either writes), then the database lets one bill them and the other ends
    in error with billing.concurrent_run; no attendance is linked twice.

    Side by side (a large run's drafts written chunk by chunk on two connections, each chunk
    committed), both runs may meet the other's committed chunks and end in error: neither
    keeps a draft, and no attendance is linked twice either."""
    if side_by_side:
        monkeypatch.setattr(writing, "DRAFTS_CHUNK", 1)
    org = make_organisation("Commune concurrente")
    with scope(org):
        world = evening_world()
        run_ids = [evening_run(world).pk for _ in range(2)]
    both_read = threading.Barrier(2, timeout=30)
    preview = runs.run_preview

    def preview_then_wait(run, category_ids):
        computed = preview(run, category_ids)
        both_read.wait()
        return computed

    monkeypatch.setattr(runs, "run_preview", preview_then_wait)
    failures: list[BaseException] = []

    def bill(run_id: int) -> None:
        try:
            with scope(org):
                runs.run_create(BillingRun.objects.get(pk=run_id))
        except BaseException as error:  # reported by the main thread
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=bill, args=(pk,)) for pk in run_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures
    with scope(org):
        outcome = sorted(
            (run.status, [p["code"] for p in run.problems], run.invoices.count())
            for run in BillingRun.objects.all()
        )
        linked = list(BilledAttendance.objects.values_list("attendance_id", flat=True))
        assert len(linked) == len(set(linked))
        if not side_by_side:
            assert outcome == [
                (RunStatus.DRAFT, [], 2),
                (RunStatus.ERROR, ["billing.concurrent_run"], 0),
            ]
            assert sorted(linked) == sorted(Attendance.objects.values_list("pk", flat=True))
            assert len(linked) == 3
            return
        errors = [o for o in outcome if o[0] == RunStatus.ERROR]
        assert errors and all(o == (RunStatus.ERROR, ["billing.concurrent_run"], 0) for o in errors)
        drafts = [o for o in outcome if o[0] == RunStatus.DRAFT]
        assert drafts in ([], [(RunStatus.DRAFT, [], 2)])
        assert len(linked) == (3 if drafts else 0)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs several connections")
def test_drafts_written_side_by_side_are_those_of_one_transaction(transactional_db, monkeypatch):
    """A large run's drafts written chunk by chunk on two connections are the drafts one
    transaction writes: same invoices, lines, amounts and links, progress for each one."""
    monkeypatch.setattr(writing, "DRAFTS_CHUNK", 1)
    org = make_organisation("Commune en parallèle")

    def drafts(run):
        return sorted(
            (line.invoice.person_id, line.child_id, line.date, line.amount_cents, attendance)
            for line in InvoiceLine.objects.filter(invoice__run=run).select_related("invoice")
            for attendance in line.attendances.values_list("attendance_id", flat=True)
        )

    with scope(org):
        world = evening_world()

        progress: list[int] = []
        side_by_side = runs.run_create(evening_run(world), progress.append)
        assert side_by_side.status == RunStatus.DRAFT and progress == [1, 1]
        written = drafts(side_by_side)
        runs.run_delete(side_by_side)
        monkeypatch.setattr(writing, "DRAFT_WRITERS", 1)
        alone = runs.run_create(evening_run(world))
        assert drafts(alone) == written and len(written) == 3
        runs.run_post(alone)
        assert alone.invoices.filter(posted_at__isnull=False).count() == 2


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs several connections")
def test_a_chunk_failing_side_by_side_leaves_no_draft(transactional_db, monkeypatch):
    """When one chunk of drafts fails after others were committed, the run's drafts, lines and
    links are deleted before the error goes on (its job then puts the run in error)."""
    monkeypatch.setattr(writing, "DRAFTS_CHUNK", 1)
    write_chunk = writing._write_chunk
    written: list[int] = []

    def second_fails(run, chunk, *ids):
        if written:
            raise RuntimeError("disk full")
        write_chunk(run, chunk, *ids)
        written.append(len(chunk))

    monkeypatch.setattr(writing, "DRAFT_WRITERS", 1)  # one connection: the order is known
    monkeypatch.setattr(writing, "_side_by_side", lambda drafts: len(drafts) > 1)
    monkeypatch.setattr(writing, "_write_chunk", second_fails)
    org = make_organisation("Commune en panne d'écriture")
    with scope(org):
        world = evening_world()
        run = evening_run(world)
        with pytest.raises(RuntimeError, match="disk full"):
            runs.run_create(run)
        assert written == [1]  # one chunk was committed, then deleted
        assert not Invoice.objects.filter(run=run).exists()
        assert not InvoiceLine.objects.exists() and not BilledAttendance.objects.exists()
