"""Properties of payments that hold whatever happens, checked on random files and histories.

(a) Importing bank files is idempotent: the same file twice, or two files that overlap, store
each movement and its payment once, and what is stored adds up to the movements of both files.
(b) Whatever sequence of invoices, payments (bank and by hand), credit allocations,
cancellations, refunds, imports, corrections of rejected movements, rejected movements set
aside or refunded to their payer and that undone, SEPA files, releases of paid, partly paid
and unpaid invoices, write-offs and their reversal happens, the ledger balances and its
chain holds, every invoice's open amount is what its rows say and never negative, no payment
is allocated beyond its amount, each person's credit is what the ledger holds for them, the
bank, cash and suspense accounts hold what was received and paid out (a cancelled payment of a
bank movement puts it back on the suspense account, among the movements to allocate again;
a movement set aside is on the account of its reason),
and the reconciliation report shows no gap but real ones: movements still in suspense,
statements that do not follow the previous one, bank debits no refund explains, and ledger
bank entries no statement carries (payments typed by hand, refunds not executed yet).

Every example runs in a transaction rolled back at its end, so each starts from the same
database. Raise the number of examples with REGIE_PROPERTY_EXAMPLES.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import date

import pytest
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from tests.payments.payment_builders import (
    PREPAYMENT,
    coda_file,
    invoices_post,
    setup_create,
    statement,
    world,
)

from regie.billing.corrections import write_off_create, write_off_reverse
from regie.billing.models import Invoice, Kind, WriteOff
from regie.billing.numbering import communication
from regie.billing.selectors import with_balance
from regie.core.errors import DomainError
from regie.core.tenancy import current_organisation
from regie.ledger.models import EntryLine
from regie.ledger.rules import AccountRole
from regie.ledger.services import chain_verify
from regie.payments.corrections import movement_correct
from regie.payments.imports import statements_import
from regie.payments.models import (
    Allocation,
    BankMovement,
    Mode,
    MovementOutcome,
    MovementStatus,
    Outcome,
    Payment,
    Refund,
)
from regie.payments.outcomes import (
    ACCOUNT_OF,
    SET_ASIDE_REASONS,
    movement_outcome_undo,
    movement_refund,
    movement_set_aside,
)
from regie.payments.parsers.coda_writer import write_coda
from regie.payments.reconciliation import Gap, reconciliation, suspense_at
from regie.payments.refunds import refund_create, refunds_gather, unsent_refunds
from regie.payments.releases import invoice_release
from regie.payments.services import (
    credit_allocate,
    items_of,
    payment_cancel,
    payment_create,
    person_credit,
)

EXAMPLES = int(os.environ.get("REGIE_PROPERTY_EXAMPLES", "20"))
DAY = date(2025, 12, 1)
UNKNOWN = communication("101", 9_999_999)  # valid, but no invoice has it


@contextmanager
def rolled_back():
    """Run the block in a transaction that is always rolled back."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# -- (a) importing twice or overlapping files ---------------------------------------------


def moves(references):
    """Return lists of movements: (signed cents, a reference among ``references`` or none)."""
    cents = st.integers(-3000, 3000).filter(bool)
    return st.lists(st.tuples(cents, st.sampled_from([*references, UNKNOWN, PREPAYMENT, ""])))


@st.composite
def overlapping_files(draw, references):
    """Return statements 1..n and two files, each a run of them whose last one may be cut
    short (an intraday file), as ``(statements, [(first, last, kept movements)] * 2)``."""
    statements = draw(st.lists(moves(references).map(lambda m: m[:6]), min_size=1, max_size=4))
    files = []
    for _ in range(2):
        first = draw(st.integers(0, len(statements) - 1))
        last = draw(st.integers(first, len(statements) - 1))
        kept = draw(st.integers(0, len(statements[last])))
        files.append((first, last, kept))
    return statements, files


def file_bytes(statements, first, last, kept) -> tuple[bytes, set]:
    """Return a CODA file of ``statements[first:last+1]`` (the last one cut to ``kept``
    movements) and the identities (statement, position) of its movements."""
    chosen, identities = [], set()
    for index in range(first, last + 1):
        movements = statements[index][:kept] if index == last else statements[index]
        chosen.append(statement(movements, number=index + 1, opening=1000 * index))
        identities |= {(index, position) for position in range(len(movements))}
    return write_coda(chosen), identities


@pytest.fixture
def invoices(in_a):
    return world()[1]


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_overlapping_files_store_each_movement_and_payment_once(invoices, data):
    """Given two files sharing some movements, imported in either order and the first one
    twice, then every movement is stored once, the second import counts the shared ones as
    known, and movements and payments add up to the union of both files."""
    statements, files = data.draw(overlapping_files([i.communication for i in invoices]))
    if data.draw(st.booleans(), label="second file first"):
        files.reverse()
    (first, first_ids), (second, second_ids) = (file_bytes(statements, *f) for f in files)
    union = first_ids | second_ids
    with rolled_back():
        once = statements_import(data=first, name="a.cod")
        again = statements_import(data=first, name="a-copy.cod")
        other = statements_import(data=second, name="b.cod")

        assert again.already_imported and again.file.pk == once.file.pk
        assert other.already_imported == (second == first)
        if not other.already_imported:
            assert (other.new, other.known) == (
                len(second_ids - first_ids),
                len(second_ids & first_ids),
            )
        assert once.new == len(first_ids)
        stored = BankMovement.objects.all()
        cents = [statements[s][p][0] for s, p in union]
        assert stored.count() == len(union) == len(set(stored.values_list("key", flat=True)))
        assert total(stored) == sum(cents)
        booked = [r.accepted_cents + r.rejected_cents for r in (once, other)]
        assert sum(booked) == sum(c for c in cents if c > 0)
        accepted = stored.filter(status=MovementStatus.ACCEPTED)
        assert Payment.objects.count() == accepted.count() == once.accepted + other.accepted
        assert total(Payment.objects.all()) == total(accepted)
        assert ledger_problem() is None


def total(queryset) -> int:
    return queryset.aggregate(t=Sum("amount_cents"))["t"] or 0


# -- invariants ---------------------------------------------------------------------------


def ledger_problem() -> str | None:
    """Return why the ledger does not balance (per entry, overall) or its chain is broken."""
    unbalanced = (
        EntryLine.objects.values("entry_id")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
        .exclude(debit=F("credit"))
    )
    if unbalanced.exists():
        return f"unbalanced entries {list(unbalanced)}"
    sums = EntryLine.objects.aggregate(d=Sum("debit"), c=Sum("credit"))
    if sums["d"] != sums["c"]:
        return f"the ledger does not balance: {sums}"
    broken = chain_verify()
    return f"chain broken: {broken}" if broken else None


def open_recomputed(invoice: Invoice) -> int:
    """Return an invoice's open amount from its rows: total − credit notes − write-offs −
    allocations of payments not cancelled."""
    credited = Invoice.objects.filter(credit_of=invoice, posted_at__isnull=False)
    written_off = WriteOff.objects.filter(invoice=invoice).aggregate(t=Sum("amount_cents"))
    allocated = Allocation.objects.filter(invoice=invoice, cancelled=False)
    return (
        invoice.total_cents
        - (credited.aggregate(t=Sum("total_cents"))["t"] or 0)
        - (written_off["t"] or 0)
        - total(allocated)
    )


def account(role: AccountRole, **lines) -> int:
    """Return the debit balance of the accounts of ``role`` (lines filtered by ``lines``)."""
    rows = EntryLine.objects.filter(account__role=role.value, **lines)
    sums = rows.aggregate(d=Sum("debit"), c=Sum("credit"))
    return (sums["d"] or 0) - (sums["c"] or 0)


class PaymentHistory(RuleBasedStateMachine):
    """Random histories of one commune's payments, checked after every step."""

    def __init__(self) -> None:
        super().__init__()
        self.transaction = transaction.atomic()
        self.transaction.__enter__()
        self.statements = 0

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.transaction.__exit__(None, None, None)

    @initialize(
        invoice_cents=st.lists(
            st.tuples(st.integers(0, 2), st.integers(1, 2000), st.integers(0, 800)),
            min_size=1,
            max_size=5,
        )
    )
    def commune(self, invoice_cents):
        self.setup = setup_create()
        self.persons, self.invoices = world(invoice_cents, self.setup)

    @rule(data=st.data(), cents=st.integers(1, 2000))
    def later_invoice(self, data, cents):
        person = self.person(data, with_credit=True)
        self.invoices += invoices_post(self.setup, [(person.pk, [cents])])

    def person(self, data, with_credit: bool = False):
        """Draw a person (one who has a credit, if any has and ``with_credit``)."""
        persons = [p for p in self.persons if person_credit(p.pk) > 0] if with_credit else []
        return data.draw(st.sampled_from(persons or self.persons), label="person")

    def split(self, data, person, cents) -> dict[int, int] | None:
        """Return None (take the proposal) or a random valid split of ``cents``."""
        if data.draw(st.booleans(), label="proposed"):
            return None
        split, left = {}, cents
        for item in items_of(person.pk):
            share = data.draw(st.integers(0, min(item.open_cents, left)), label="share")
            split[item.id], left = share, left - share
        return split

    @rule(data=st.data(), cents=st.integers(1, 3000), mode=st.sampled_from(list(Mode)))
    def pay(self, data, cents, mode):
        person = self.person(data)
        split = self.split(data, person, cents)
        payment_create(person=person, day=DAY, amount_cents=cents, mode=mode, split=split)

    @rule(data=st.data())
    def use_credit(self, data):
        person = self.person(data, with_credit=True)
        open_cents = {i.id: i.open_cents for i in items_of(person.pk)}
        invoices = [i for i in self.invoices if i.pk in open_cents] or self.invoices
        invoice = data.draw(st.sampled_from(invoices), label="invoice")
        most = min(open_cents.get(invoice.pk, 0), person_credit(person.pk))
        cents = data.draw(st.integers(1, most + 10), label="cents")
        with refused_unless(cents <= most, "use credit"):
            credit_allocate(person=person, invoice=invoice, amount_cents=cents, day=DAY)

    @precondition(lambda self: Payment.objects.filter(cancelled_at__isnull=True).exists())
    @rule(data=st.data())
    def cancel(self, data):
        self.cancel_one(data, Payment.objects.filter(cancelled_at__isnull=True))

    @precondition(
        lambda self: Payment.objects.filter(
            cancelled_at__isnull=True, movement__isnull=False
        ).exists()
    )
    @rule(data=st.data())
    def cancel_from_the_bank(self, data):
        """A payment of a bank movement (matched at import or allocated by hand)."""
        self.cancel_one(
            data, Payment.objects.filter(cancelled_at__isnull=True, movement__isnull=False)
        )

    def cancel_one(self, data, active):
        payment = data.draw(st.sampled_from(list(active.order_by("pk"))), label="payment")
        allocated = total(payment.allocations.filter(cancelled=False))
        credit = person_credit(payment.person_id)
        kind = "bank movement" if payment.movement_id else "by hand"
        with refused_unless(credit + allocated >= payment.amount_cents, f"cancel {kind}"):
            payment_cancel(payment=payment, day=DAY)
            if payment.movement_id:  # its movement waits to be allocated again
                movement = BankMovement.objects.get(pk=payment.movement_id)
                assert (movement.status, movement.reject_code) == (
                    MovementStatus.REJECTED,
                    "payment.cancelled",
                )

    @rule(data=st.data())
    def refund(self, data):
        person = self.person(data, with_credit=True)
        credit = person_credit(person.pk)
        cents = data.draw(st.integers(1, credit + 10), label="cents")
        with refused_unless(cents <= credit, "refund"):
            refund_create(person=person, amount_cents=cents, day=DAY)

    @rule(data=st.data())
    def bank_file(self, data):
        references = [i.communication for i in self.invoices]
        movements = data.draw(moves(references).map(lambda m: m[:4]).filter(bool))
        self.statements += 1
        result = statements_import(data=coda_file(movements, number=self.statements), name="x")
        assert (result.new, result.known) == (len(movements), 0)

    @precondition(lambda self: BankMovement.objects.filter(status="rejected").exists())
    @rule(data=st.data())
    def correct(self, data):
        rejected = BankMovement.objects.filter(status=MovementStatus.REJECTED).order_by("pk")
        movement = data.draw(st.sampled_from(list(rejected)), label="movement")
        person = self.person(data)
        split = self.split(data, person, movement.amount_cents)
        movement_correct(movement=movement, person=person, split=split)
        with refused_unless(False, "correct again"):  # a movement is corrected once
            movement_correct(movement=movement, person=person)

    def rejected(self, data) -> BankMovement:
        rejected = BankMovement.objects.filter(status=MovementStatus.REJECTED).order_by("pk")
        return data.draw(st.sampled_from(list(rejected)), label="movement")

    @precondition(lambda self: BankMovement.objects.filter(status="rejected").exists())
    @rule(data=st.data(), reason=st.sampled_from(SET_ASIDE_REASONS), noted=st.booleans())
    def set_aside(self, data, reason, noted):
        """A transfer between own accounts, bank fees, or another reason (with a note)."""
        movement = self.rejected(data)
        with refused_unless(reason != Outcome.OTHER or noted, f"set aside ({reason})"):
            movement_set_aside(movement=movement, reason=reason, note="à classer" * noted)

    @precondition(lambda self: BankMovement.objects.filter(status="rejected").exists())
    @rule(data=st.data())
    def refund_to_the_payer(self, data):
        movement_refund(movement=self.rejected(data))

    @precondition(lambda self: unsent_refunds().exists())
    @rule()
    def sepa_file(self):
        refunds_gather(organisation=current_organisation())

    @precondition(lambda self: MovementOutcome.objects.filter(undone_on__isnull=True).exists())
    @rule(data=st.data())
    def undo(self, data):
        """Undo a set-aside or a refund: refused once the refund is in a SEPA file."""
        live = MovementOutcome.objects.filter(undone_on__isnull=True).select_related("refund")
        outcome = data.draw(st.sampled_from(list(live.order_by("pk"))), label="outcome")
        sent = bool(outcome.refund_id and outcome.refund.batch)
        with refused_unless(not sent, f"undo {outcome.outcome}"):
            movement_outcome_undo(movement=outcome.movement)
            status = BankMovement.objects.get(pk=outcome.movement_id).status
            assert status == MovementStatus.REJECTED

    def open_invoices(self) -> list[Invoice]:
        """Return the invoices not credited yet (paid or not), oldest first."""
        return list(
            with_balance(Invoice.objects.filter(kind=Kind.INVOICE))
            .filter(credited_cents=0)
            .order_by("pk")
        )

    @precondition(lambda self: self.open_invoices())
    @rule(data=st.data())
    def release(self, data):
        """Credit an invoice, paid, partly paid or not: what was paid becomes credit."""
        invoice = data.draw(st.sampled_from(self.open_invoices()), label="invoice")
        credit_before = person_credit(invoice.person_id)
        paid = "paid" if invoice.open_cents <= 0 else "partly paid" if invoice.paid_cents else ""
        event(f"release {paid or 'unpaid'}")
        invoice_release(invoice=invoice, day=DAY)
        assert person_credit(invoice.person_id) == credit_before + invoice.paid_cents

    @precondition(lambda self: self.open_invoices())
    @rule(data=st.data())
    def write_off(self, data):
        invoice = data.draw(st.sampled_from(self.open_invoices()), label="invoice")
        cents = data.draw(st.integers(1, max(invoice.open_cents, 0) + 10), label="cents")
        with refused_unless(cents <= invoice.open_cents, "write off"):
            write_off_create(invoice=invoice, kind="error", amount_cents=cents, day=DAY)

    @precondition(lambda self: WriteOff.objects.filter(reverses__isnull=True).exists())
    @rule(data=st.data())
    def reverse_write_off(self, data):
        write_offs = WriteOff.objects.filter(reverses__isnull=True).order_by("pk")
        write_off = data.draw(st.sampled_from(list(write_offs)), label="write-off")
        reversed_ = WriteOff.objects.filter(reverses=write_off).exists()
        credited = with_balance(Invoice.objects.filter(pk=write_off.invoice_id)).get()
        with refused_unless(not reversed_ and not credited.credited_cents, "reverse write-off"):
            write_off_reverse(write_off=write_off, day=DAY)

    @invariant()
    def the_reconciliation_shows_only_real_gaps(self):
        report = reconciliation(date(2025, 1, 1), timezone.localdate())
        figures = {c.key: c for c in report.comparisons}
        for key in ("receivables", "credits", "suspense"):
            assert figures[key].agrees, (key, figures[key], report.differences)
        by_hand = Payment.objects.filter(movement__isnull=True).exclude(mode=Mode.CASH)
        off_statement = {f"PAY{pk}" for pk in by_hand.values_list("pk", flat=True)}
        off_statement |= {f"{document}/X" for document in off_statement}
        refunds = Refund.objects.filter(cancelled_at__isnull=True)
        off_statement |= {f"REFUND{pk}" for pk in refunds.values_list("pk", flat=True)}
        rejected = set(
            BankMovement.objects.filter(status=MovementStatus.REJECTED).values_list("pk", flat=True)
        )
        unexplained, left_in, left_out = 0, 0, 0
        for difference in report.differences:
            if difference.kind == Gap.IN_SUSPENSE:
                assert difference.movement_id in rejected, difference
            elif difference.kind == Gap.DEBIT_NOT_IN_LEDGER:
                assert difference.amount_cents < 0, difference
                unexplained -= difference.amount_cents
            elif difference.kind == Gap.NOT_ON_STATEMENT:
                assert difference.detail in off_statement, difference
                left_in += max(difference.amount_cents, 0)
                left_out += max(-difference.amount_cents, 0)
            else:
                assert difference.kind == Gap.STATEMENT_GAP, difference
        assert figures["received"].difference == -left_in
        assert figures["paid_out"].difference == unexplained - left_out

    @invariant()
    def ledger_balances_and_chain_holds(self):
        assert ledger_problem() is None

    @invariant()
    def open_amounts_are_what_the_rows_say(self):
        for invoice in with_balance(Invoice.objects.filter(kind=Kind.INVOICE)):
            assert invoice.open_cents == open_recomputed(invoice) >= 0, invoice.number

    @invariant()
    def no_payment_is_allocated_beyond_its_amount(self):
        allocated = Sum("allocations__amount_cents", filter=Q(allocations__cancelled=False))
        for payment in Payment.objects.annotate(allocated=allocated):
            assert (payment.allocated or 0) <= payment.amount_cents
            if payment.cancelled_at:
                assert not payment.allocated

    @invariant()
    def credits_are_what_the_ledger_holds(self):
        for person in self.persons:
            credit = person_credit(person.pk)
            assert credit == -account(AccountRole.PERSON_CREDIT, person=person) >= 0

    @invariant()
    def bank_cash_and_suspense_hold_what_was_received(self):
        movements = BankMovement.objects.filter(amount_cents__gt=0)
        bank = Payment.objects.exclude(mode=Mode.CASH)
        cash = Payment.objects.filter(mode=Mode.CASH)
        by_hand = bank.filter(movement__isnull=True)
        # A cancelled payment of a bank movement leaves the bank as it is: the money came.
        assert account(AccountRole.BANK) == (
            total(movements)
            + total(by_hand)
            - total(by_hand.filter(cancelled_at__isnull=False))
            - total(Refund.objects.filter(cancelled_at__isnull=True))
        )
        assert account(AccountRole.CASH) == total(cash.filter(cancelled_at__isnull=True))
        rejected = movements.filter(status=MovementStatus.REJECTED)
        assert -account(AccountRole.SUSPENSE) == total(rejected) == suspense_at(date.max)

    @invariant()
    def movements_set_aside_are_on_the_account_of_their_reason(self):
        live = MovementOutcome.objects.filter(undone_on__isnull=True)
        for reason in SET_ASIDE_REASONS:
            assert -account(ACCOUNT_OF[reason]) == total_of(live.filter(outcome=reason))

    @invariant()
    def a_received_movement_is_paid_handled_or_rejected(self):
        """One live payment when accepted or allocated by hand, one live outcome when set
        aside or refunded, none when rejected."""
        paid = Count("payments", filter=Q(payments__cancelled_at__isnull=True), distinct=True)
        handled = Count("outcomes", filter=Q(outcomes__undone_on__isnull=True), distinct=True)
        movements = BankMovement.objects.filter(amount_cents__gt=0)
        for movement in movements.annotate(paid=paid, handled=handled):
            assert (movement.paid, movement.handled) == {
                MovementStatus.ACCEPTED: (1, 0),
                MovementStatus.CORRECTED: (1, 0),
                MovementStatus.SET_ASIDE: (0, 1),
                MovementStatus.REFUNDED: (0, 1),
                MovementStatus.REJECTED: (0, 0),
            }[movement.status], movement.pk


def total_of(outcomes) -> int:
    """Return the amount of the movements of ``outcomes``."""
    return outcomes.aggregate(t=Sum("movement__amount_cents"))["t"] or 0


@contextmanager
def refused_unless(allowed: bool, step: str = ""):
    """Expect the block to succeed when ``allowed``, else to raise a DomainError."""
    event(f"{step}: {'done' if allowed else 'refused'}")
    if allowed:
        yield
        return
    with pytest.raises(DomainError):
        yield


def test_random_payment_histories_keep_the_books_right(in_a):
    """Random sequences of manual payments (proposed or chosen split), credit allocations,
    cancellations, refunds, bank files paying known, unknown or no communications,
    corrections of rejected movements, movements set aside or refunded and that undone, SEPA
    files, releases, write-offs and their reversal keep every invariant after every step."""
    run_state_machine_as_test(
        PaymentHistory,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
