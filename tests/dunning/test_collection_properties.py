"""Properties of collection that hold whatever happens (DOMAIN §7), on random histories.

Whatever sequence of reminder runs, payments (by a reminder's, a plan's or an invoice's
communication, or by hand), cancellations of reminders, payments and plans, new plans,
enforcement orders (formal notices proposed to the board, its decision, bailiff's costs
recorded) happens: the ledger balances; each invoice's open amount is what its rows say and
never negative; the ledger's fee receivable of each person is what their live reminders' fees
leave open plus their bailiff's costs; no invoice is in two active plans, in a plan and an
order, nor reminded while in a plan or an order; each plan's instalments add up to its total;
a consumer's fees on an invoice never pass the cap of its principal.

Every example runs in a transaction rolled back at its end. Raise the number of examples with
REGIE_PROPERTY_EXAMPLES.
"""

from __future__ import annotations

import os
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from tests.dunning.builders import parent, policy_create
from tests.payments.payment_builders import coda_file, invoices_post, setup_create

from regie.billing.models import Invoice
from regie.billing.selectors import with_balance
from regie.core.errors import DomainError
from regie.dunning.collection import fee_open
from regie.dunning.models import Reminder, ReminderInvoice
from regie.dunning.order_models import BailiffFee, EnforcementOrder, OrderInvoice, OrderList
from regie.dunning.orders import (
    BAILIFF_FEE_MAX_CENTS,
    bailiff_fee_record,
    order_candidates,
    order_list_create,
    order_list_endorse,
)
from regie.dunning.plan_models import PaymentPlan, PlanInvoice, PlanStatus
from regie.dunning.plans import plan_cancel, plan_create
from regie.dunning.reminders import reminder_cancel, run_create, run_start
from regie.dunning.rules import fee_cap
from regie.ledger.models import EntryLine
from regie.ledger.services import chain_verify
from regie.payments.imports import statements_import
from regie.payments.models import Payment
from regie.payments.services import payment_cancel, payment_create

EXAMPLES = int(os.environ.get("REGIE_PROPERTY_EXAMPLES", "10"))
START = date(2026, 3, 1)
LEVELS = [
    {"name": "Rappel", "delay_days": 2, "days_to_pay": 14, "fee_cents": 0},
    {"name": "Second rappel", "delay_days": 2, "days_to_pay": 14, "fee_cents": 1500},
    {
        "name": "Mise en demeure",
        "delay_days": 2,
        "days_to_pay": 14,
        "fee_cents": 2500,
        "formal_notice": True,
    },
]


def balance(role: str, **lines) -> int:
    sums = EntryLine.objects.filter(account__role=role, **lines).aggregate(
        d=Sum("debit"), c=Sum("credit")
    )
    return (sums["d"] or 0) - (sums["c"] or 0)


class CollectionHistory(RuleBasedStateMachine):
    """Random histories of one commune's reminders, plans and payments."""

    def __init__(self) -> None:
        super().__init__()
        self.transaction = transaction.atomic()
        self.transaction.__enter__()
        self.day = START
        self.files = 0
        # The last reminder issued when each order was made: none of its invoices after it.
        self.reminders_before: dict[int, int] = {}

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.transaction.__exit__(None, None, None)

    @initialize(
        cents=st.lists(st.integers(100, 60_000), min_size=1, max_size=4),
        start=st.sampled_from(["invoices", "formal notices", "proposed", "endorsed"]),
    )
    def commune(self, cents, start):
        """Post the invoices; some histories start further: formal notices past due, proposed
        to the board, or the board's orders endorsed."""
        self.setup = setup_create()
        self.policy = policy_create(self.setup, LEVELS)
        self.persons = [parent("Aa"), parent("Bb")]
        rows = [(self.persons[n % 2].pk, [c]) for n, c in enumerate(cents)]
        invoices_post(self.setup, rows, day=date(2026, 2, 1), due_date=date(2026, 2, 20))
        if start != "invoices":
            self.chase_to_the_formal_notice()
        if start in {"proposed", "endorsed"} and (notices := order_candidates(self.day)):
            self.board_list(notices, start == "endorsed")

    @rule(days=st.integers(1, 20))
    def time_passes(self, days):
        self.day += timedelta(days=days)

    @rule(number=st.integers(1, 3))
    def reminder_run(self, number):
        level = self.policy.levels.get(number=number)
        run_create(run_start(level=level, run_date=self.day, due_date=None, user=None))

    @rule()
    def chase_to_the_formal_notice(self):
        """Runs levels 1, 2 and 3 one after the other, each once the step before is due: the
        formal notices are then past due (so that orders come within a short history)."""
        for number in (1, 2, 3):
            self.reminder_run(number)
            self.day += timedelta(days=17)

    @precondition(lambda self: Reminder.objects.filter(cancelled_at__isnull=True).exists())
    @rule(data=st.data(), share=st.integers(1, 150))
    def pay_a_reminder(self, data, share):
        reminder = data.draw(st.sampled_from(list(Reminder.objects.order_by("pk"))))
        self.bank(max(1, reminder.total_cents * share // 100), reminder.communication)

    @precondition(lambda self: PaymentPlan.objects.exists())
    @rule(data=st.data(), cents=st.integers(1, 40_000))
    def pay_a_plan(self, data, cents):
        plan = data.draw(st.sampled_from(list(PaymentPlan.objects.order_by("pk"))))
        self.bank(cents, plan.communication)

    @rule(data=st.data(), cents=st.integers(1, 20_000))
    def pay_an_invoice(self, data, cents):
        invoice = data.draw(st.sampled_from(list(Invoice.objects.order_by("pk"))))
        self.bank(cents, invoice.communication)

    @rule(data=st.data(), cents=st.integers(1, 20_000))
    def pay_by_hand(self, data, cents):
        person = data.draw(st.sampled_from(self.persons))
        payment_create(person=person, day=self.day, amount_cents=cents, mode="cash")

    def bank(self, cents: int, reference: str) -> None:
        self.files += 1
        data = coda_file([(cents, reference)], number=self.files, day=self.day)
        statements_import(data=data, name=f"{self.files}.cod")

    @precondition(lambda self: Payment.objects.filter(cancelled_at__isnull=True).exists())
    @rule(data=st.data())
    def cancel_a_payment(self, data):
        live = Payment.objects.filter(cancelled_at__isnull=True).order_by("pk")
        payment_cancel(payment=data.draw(st.sampled_from(list(live))), day=self.day)

    @precondition(lambda self: Reminder.objects.filter(cancelled_at__isnull=True).exists())
    @rule(data=st.data())
    def cancel_a_reminder(self, data):
        live = Reminder.objects.filter(cancelled_at__isnull=True).order_by("pk")
        try:
            reminder_cancel(reminder=data.draw(st.sampled_from(list(live))), day=self.day)
        except DomainError as error:
            assert error.code == "dunning.reminder_paid"

    @rule(data=st.data(), count=st.integers(1, 4), with_fees=st.booleans())
    def new_plan(self, data, count, with_fees):
        person = data.draw(st.sampled_from(self.persons))
        invoices = list(
            with_balance(Invoice.objects.filter(person=person)).filter(open_cents__gt=0)
        )
        if not invoices:
            return
        chosen = data.draw(st.lists(st.sampled_from(invoices), min_size=1, unique=True))
        reminders = list(Reminder.objects.filter(person=person)) if with_fees else []
        try:
            plan_create(
                person=person,
                invoices=chosen,
                reminders=reminders,
                frequency="weekly",
                first_due=self.day,
                count=count,
                day=self.day,
            )
        except DomainError as error:
            assert error.code in {
                "plan.invoice_in_plan",
                "plan.invoice_in_order",
                "plan.instalment_count",
            }

    @precondition(lambda self: order_candidates(self.day))
    @rule(data=st.data(), endorse=st.booleans())
    def propose_to_the_board(self, data, endorse):
        candidates = order_candidates(self.day)
        notices = data.draw(st.lists(st.sampled_from(candidates), min_size=1, unique=True))
        self.board_list(notices, endorse)

    def board_list(self, notices, endorse: bool) -> None:
        order_list = order_list_create(notices=notices, day=self.day)
        last = Reminder.objects.order_by("-pk").values_list("pk", flat=True).first()
        for order in order_list.orders.all():
            self.reminders_before[order.pk] = last
        if endorse:
            order_list_endorse(order_list=order_list, decision_date=self.day, reference="COL")

    @precondition(lambda self: OrderList.objects.filter(status="proposed").exists())
    @rule(data=st.data())
    def the_board_decides(self, data):
        proposed = list(OrderList.objects.filter(status="proposed").order_by("pk"))
        order_list = data.draw(st.sampled_from(proposed))
        order_list_endorse(order_list=order_list, decision_date=self.day, reference="COL")

    @precondition(lambda self: EnforcementOrder.objects.exists())
    @rule(data=st.data(), cents=st.integers(-100, BAILIFF_FEE_MAX_CENTS + 100))
    def bailiff_costs(self, data, cents):
        order = data.draw(st.sampled_from(list(EnforcementOrder.objects.order_by("pk"))))
        fine = 0 < cents <= BAILIFF_FEE_MAX_CENTS and order.order_list.status == "endorsed"
        try:
            fee = bailiff_fee_record(
                order=order, amount_cents=cents, day=self.day, reference="HUI", today=self.day
            )
        except DomainError as error:
            assert not fine, error.code
        else:
            assert fine and fee.person_id == order.person_id

    @precondition(lambda self: PaymentPlan.objects.filter(status=PlanStatus.ACTIVE).exists())
    @rule(data=st.data())
    def cancel_a_plan(self, data):
        active = PaymentPlan.objects.filter(status=PlanStatus.ACTIVE).order_by("pk")
        plan_cancel(plan=data.draw(st.sampled_from(list(active))), day=self.day)

    @invariant()
    def the_ledger_balances_and_holds(self):
        sums = EntryLine.objects.aggregate(d=Sum("debit"), c=Sum("credit"))
        assert sums["d"] == sums["c"]
        assert chain_verify() is None

    @invariant()
    def open_amounts_are_right(self):
        for invoice in with_balance(Invoice.objects.all()):
            assert invoice.open_cents >= 0
            assert balance("receivable", person_id=invoice.person_id) >= 0
        for person in self.persons:
            opened = sum(i.open_cents for i in with_balance(Invoice.objects.filter(person=person)))
            assert balance("receivable", person_id=person.pk) == opened
            fees = sum(fee_open(r) for r in Reminder.objects.filter(person=person))
            costs = BailiffFee.objects.filter(person=person).aggregate(t=Sum("amount_cents"))
            assert balance("fee_receivable", person_id=person.pk) == fees + (costs["t"] or 0)

    @invariant()
    def plans_hold_their_invoices_alone_and_add_up(self):
        twice = (
            PlanInvoice.objects.filter(active=True)
            .values("invoice")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
        )
        assert not twice.exists()
        for plan in PaymentPlan.objects.all():
            total = plan.instalments.aggregate(t=Sum("amount_cents"))["t"]
            assert total == plan.total_cents
            held = PlanInvoice.objects.filter(plan=plan, active=True).values("invoice")
            reminded_after = ReminderInvoice.objects.filter(
                invoice__in=held, reminder__issued_on__gt=plan.created_on
            )
            if plan.status == PlanStatus.ACTIVE:
                assert not reminded_after.exists()

    @invariant()
    def orders_hold_their_invoices_out_of_plans_and_runs(self):
        in_orders = OrderInvoice.objects.filter(active=True)
        in_plans = PlanInvoice.objects.filter(active=True).values("invoice")
        assert not in_orders.filter(invoice__in=in_plans).exists()
        for item in in_orders:
            reminded_after = ReminderInvoice.objects.filter(
                invoice_id=item.invoice_id, reminder__pk__gt=self.reminders_before[item.order_id]
            )
            assert not reminded_after.exists()

    @invariant()
    def fees_never_pass_the_cap(self):
        """Each live reminder's fee and the earlier live fees on its invoices stay in the cap
        of its principal (the persons here are consumers)."""
        live = Reminder.objects.filter(cancelled_at__isnull=True, fee_cents__gt=0)
        for reminder in live:
            for item in reminder.items.all():
                fees = ReminderInvoice.objects.filter(
                    invoice_id=item.invoice_id,
                    reminder__cancelled_at__isnull=True,
                    reminder__pk__lte=reminder.pk,
                ).aggregate(t=Sum("reminder__fee_cents"))["t"]
                assert fees <= fee_cap(reminder.principal_cents)


def test_random_collection_histories_keep_the_books_right(in_a):
    run_state_machine_as_test(
        CollectionHistory,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
