"""Specification of payments under concurrency (PostgreSQL): what two finance officers, or two
import jobs, do at the same moment happens once.

Each test starts two threads, each with its own database connection, that meet at a barrier
and then do the same thing; the database's locks and unique keys decide which one wins.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection
from tests.conftest import make_organisation
from tests.payments.payment_builders import coda_file, statement, world
from tests.submissions import together

from regie.billing.models import Invoice
from regie.billing.selectors import with_balance
from regie.core.errors import DomainError
from regie.core.tenancy import scope
from regie.ledger.models import EntryLine
from regie.ledger.services import chain_verify
from regie.payments import imports
from regie.payments.corrections import movement_correct
from regie.payments.imports import statements_import
from regie.payments.models import (
    BankMovement,
    MovementOutcome,
    MovementStatus,
    Payment,
    Refund,
    StatementFile,
)
from regie.payments.outcomes import movement_outcome_undo, movement_refund, movement_set_aside
from regie.payments.parsers.coda_writer import write_coda
from regie.payments.refunds import refunds_gather

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions"),
]


def at_once(org, *work: Callable[[], object]) -> list[object]:
    """Run each callable in its own thread (and connection) inside ``org``'s scope, all
    starting together; return what each returned or raised, in order."""

    def scoped(function: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            with scope(org):
                return function()

        return run

    return together(*map(scoped, work))


@pytest.fixture
def commune(transactional_db):
    """An organisation with three persons and their posted invoices (committed)."""
    org = make_organisation("Commune concurrente")
    with scope(org):
        persons, invoices = world()
    return org, persons, invoices


def test_two_officers_correcting_the_same_movement_allocate_it_once(commune):
    """Given a rejected movement of 12.50, when two finance officers allocate it by hand at the
    same moment (one to Anne, one to Marc), then exactly one succeeds, the other is told the
    movement is no longer rejected, and one payment exists."""
    org, (anne, marc, _), _ = commune
    with scope(org):
        statements_import(data=coda_file([(1250, "")]), name="x.cod")
        movement = BankMovement.objects.get()

    outcomes = at_once(
        org,
        lambda: movement_correct(movement=movement, person=anne),
        lambda: movement_correct(movement=movement, person=marc),
    )

    payments = [o for o in outcomes if isinstance(o, Payment)]
    refusals = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(payments) == 1 and len(refusals) == 1, outcomes
    assert refusals[0].code == "statements.not_rejected"
    with scope(org):
        assert list(Payment.objects.values_list("pk", "movement_id")) == [
            (payments[0].pk, movement.pk)
        ]
        assert BankMovement.objects.get().status == MovementStatus.CORRECTED
        assert chain_verify() is None


def test_two_imports_of_the_same_file_import_it_once(commune, monkeypatch):
    """Given a file paying two invoices, when two jobs import it at the same moment, both having
    checked that it was not imported yet, then one imports it and the other finds it already
    imported: one file, two movements, two payments."""
    org, _, invoices = commune
    data = coda_file([(250, invoices[0].communication), (1300, invoices[1].communication)])
    both_checked = threading.Barrier(2, timeout=30)
    original = imports._import

    def checked_then_import(*args):
        both_checked.wait()  # neither has taken the import lock yet
        return original(*args)

    monkeypatch.setattr(imports, "_import", checked_then_import)

    outcomes = at_once(
        org,
        lambda: statements_import(data=data, name="a.cod"),
        lambda: statements_import(data=data, name="b.cod"),
    )

    assert sorted((o.already_imported, o.new) for o in outcomes) == [(False, 2), (True, 0)]
    with scope(org):
        assert StatementFile.objects.count() == 1
        assert BankMovement.objects.count() == Payment.objects.count() == 2
        paid = with_balance(Invoice.objects.filter(pk__in=[i.pk for i in invoices[:2]]))
        assert [i.open_cents for i in paid] == [0, 0]
        assert chain_verify() is None


def test_two_overlapping_files_imported_at_the_same_moment_share_their_movements(commune):
    """Given two files of the same statement, one cut short (an intraday file), when both are
    imported at the same moment, then the shared movements are stored and paid once."""
    org, _, invoices = commune
    movements = [(250, invoices[0].communication), (75, invoices[2].communication), (900, "")]
    whole = coda_file(movements)
    morning = write_coda([statement(movements[:2])])

    outcomes = at_once(
        org,
        lambda: statements_import(data=whole, name="day.cod"),
        lambda: statements_import(data=morning, name="morning.cod"),
    )

    assert all(isinstance(o, imports.ImportResult) for o in outcomes), outcomes
    whole_first, morning_first = [(0, 2), (3, 0)], [(1, 2), (2, 0)]
    assert sorted((o.new, o.known) for o in outcomes) in (whole_first, morning_first)
    with scope(org):
        assert BankMovement.objects.count() == 3
        assert Payment.objects.count() == 2
        assert chain_verify() is None


def test_an_officer_correcting_a_movement_another_sets_aside_or_refunds_wins_once(commune):
    """Given a rejected movement, when one officer allocates it to Anne while a second sets it
    aside and a third refunds it, at the same moment, then one of them succeeds and the others
    are told it is no longer rejected: one payment or one outcome, the suspense account empty."""
    org, (anne, _, _), _ = commune
    with scope(org):
        statements_import(data=coda_file([(1250, "")]), name="x.cod")
        movement = BankMovement.objects.get()

    outcomes = at_once(
        org,
        lambda: movement_correct(movement=movement, person=anne),
        lambda: movement_set_aside(movement=movement, reason="bank_fee"),
        lambda: movement_refund(movement=movement),
    )

    refusals = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(refusals) == 2, outcomes
    assert {r.code for r in refusals} <= {"statements.not_rejected", "movement.not_rejected"}
    with scope(org):
        live = Payment.objects.count() + MovementOutcome.objects.count()
        assert live == 1
        suspense = EntryLine.objects.filter(account__role="suspense")
        assert sum(d - c for d, c in suspense.values_list("debit", "credit")) == 0
        assert chain_verify() is None


def test_undoing_a_refund_while_the_sepa_file_is_written_does_one_or_the_other(commune):
    """Given a movement refunded to its payer, when one officer undoes the refund while another
    writes the SEPA file, at the same moment, then either the refund is undone and in no file,
    or it is in the file and the undo is refused: never both."""
    org, _, _ = commune
    with scope(org):
        statements_import(data=coda_file([(1250, "")]), name="x.cod")
        outcome = movement_refund(movement=BankMovement.objects.get())

    undone, written = at_once(
        org,
        lambda: movement_outcome_undo(movement=outcome.movement),
        lambda: refunds_gather(organisation=org),
    )

    with scope(org):
        refund = Refund.objects.get()
        if isinstance(undone, MovementOutcome):
            assert isinstance(written, DomainError), written
            assert written.code == "refund.nothing_to_send"
            assert refund.cancelled_at is not None and not refund.batch
        else:
            assert isinstance(undone, DomainError) and undone.code == "movement.refund_sent"
            assert refund.batch == written and refund.cancelled_at is None
        assert chain_verify() is None
