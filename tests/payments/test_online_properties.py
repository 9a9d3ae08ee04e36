"""Properties of the money of online payments, on random histories: whatever online payments
(once or replayed, of open, partly paid or paid items), bank transfers of the same
communications, refunds through the provider, payouts recorded and matched happen, the ledger
balances and its chain holds, the clearing account holds what the documents say
(:func:`payouts.clearing_at`), each person's credit is what the ledger holds for them, and no
invoice is paid beyond its amount. Each example runs in a transaction rolled back at its end.
"""

from __future__ import annotations

import dataclasses
import os
from datetime import date

from django.db.models import F, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.payments.payment_builders import statement, world
from tests.payments.test_payment_properties import rolled_back

from regie.billing.models import Invoice
from regie.billing.selectors import with_balance
from regie.ledger.models import EntryLine
from regie.ledger.services import chain_verify
from regie.payments import payouts
from regie.payments.imports import statements_import
from regie.payments.models import BankMovement, OnlinePayment, OnlineRefund, Payout
from regie.payments.online import record_online_payment
from regie.payments.parsers.coda_writer import write_coda
from regie.payments.refunds import refund_create
from regie.payments.services import person_credit

EXAMPLES = int(os.environ.get("REGIE_PROPERTY_EXAMPLES", "8"))
DAY = date(2026, 5, 4)

steps = st.lists(
    st.one_of(
        st.tuples(st.just("online"), st.integers(0, 3), st.integers(1, 2000), st.integers(0, 4)),
        st.tuples(st.just("bank"), st.integers(0, 3), st.integers(1, 2000)),
        st.tuples(st.just("refund"), st.integers(0, 4), st.integers(1, 2000)),
        st.tuples(st.just("payout"), st.integers(0, 99)),
        st.tuples(st.just("match")),
    ),
    max_size=12,
)


def balance(role: str, person_id: int | None = None) -> int:
    lines = EntryLine.objects.filter(account__role=role)
    if person_id is not None:
        lines = lines.filter(person_id=person_id)
    return lines.aggregate(t=Sum(F("debit") - F("credit")))["t"] or 0


def _refund_online(online: OnlinePayment, cents: int) -> None:
    """A refund through the provider of part of an online payment (as fees.refunds does)."""
    from regie.ledger.rules import refund_entry
    from regie.ledger.services import entries_post

    person_id = online.payment.person_id
    already = online.refunds.aggregate(t=Sum("amount_cents"))["t"] or 0
    cents = min(cents, person_credit(person_id), online.amount_cents - already)
    if cents <= 0:
        return
    row = OnlineRefund.objects.create(
        online_payment=online, person_id=person_id, amount_cents=cents, date=DAY
    )
    entries_post(
        [
            refund_entry(
                document=f"REFUND-O{row.pk}",
                day=DAY,
                person_id=person_id,
                amount=cents,
                via="clearing",
            )
        ]
    )


def _payout(fee: int) -> None:
    """The provider pays out everything not paid out yet, less ``fee`` cents if it can."""
    covered = list(OnlinePayment.objects.filter(payout__isnull=True))
    refunds = OnlineRefund.objects.filter(online_payment__in=covered, payout__isnull=True)
    gross = sum(o.amount_cents for o in covered) - sum(r.amount_cents for r in refunds)
    fee = min(fee, gross - 1)
    if not covered or gross - fee <= 0:
        return
    n = Payout.objects.count() + 1
    payouts.payout_record(
        payouts.PayoutData(
            f"stl_{n}",
            f"1234567.2605.{n:02d}",
            gross - fee,
            fee,
            DAY,
            tuple(o.provider_id for o in covered),
        )
    )
    base = statement([(gross - fee, "")], number=100 + n, day=DAY)
    moved = dataclasses.replace(base.movements[0], communication=f"PAYOUT 1234567.2605.{n:02d}")
    statements_import(data=write_coda([dataclasses.replace(base, movements=(moved,))]), name=f"{n}")


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=steps)
def test_random_online_histories_keep_the_books_right(in_a, history):
    with rolled_back():
        persons, invoices = world()
        for step in history:
            kind = step[0]
            if kind == "online":
                _, which, cents, replay = step
                provider_id = f"tr_{replay}" if replay else f"tr_new{OnlinePayment.objects.count()}"
                record_online_payment(
                    provider_payment_id=provider_id,
                    amount_cents=cents,
                    communication=invoices[which].communication,
                    paid_on=DAY,
                )
            elif kind == "bank":
                _, which, cents = step
                n = BankMovement.objects.count() + 1
                data = write_coda([statement([(cents, invoices[which].communication)], number=n)])
                statements_import(data=data, name=f"b{n}")
            elif kind == "refund":
                _, which, cents = step
                online = OnlinePayment.objects.order_by("pk")[which : which + 1].first()
                if online is not None:
                    _refund_online(online, cents)
                elif person_credit(persons[0].pk) >= cents:
                    refund_create(person=persons[0], amount_cents=cents, day=DAY)
            elif kind == "payout":
                _payout(step[1])
            else:
                for payout, movement in payouts.payout_proposals():
                    if movement is not None:
                        payouts.payout_confirm(payout=payout, movement=movement, day=DAY)

        debit = EntryLine.objects.aggregate(d=Sum("debit"), c=Sum("credit"))
        assert debit["d"] == debit["c"]
        assert chain_verify() is None
        assert balance("provider_clearing") == payouts.clearing_at(DAY)
        # The clearing account may go below zero: a refund of a payment already paid out is
        # taken by the provider from the next payout (it holds less than it owes back).
        for person in persons:
            assert person_credit(person.pk) == -balance("person_credit", person.pk)
        for invoice in with_balance(Invoice.objects.all()):
            assert 0 <= invoice.open_cents <= invoice.total_cents
        in_transit = sum(o.amount_cents for o in payouts.in_transit(DAY))
        refunded = OnlineRefund.objects.filter(payout__isnull=True)
        if not Payout.objects.filter(outcome__isnull=True).exists():
            assert in_transit - sum(r.amount_cents for r in refunded) == payouts.clearing_at(DAY)
