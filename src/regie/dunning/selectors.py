"""Read queries of collection: the invoices a level may remind, and a run's preview.

The preview is what a run would create, computed from the database as it stands: one
:class:`Planned` reminder per person and every problem at once, as data
(:class:`~regie.core.errors.DomainError` values) so the screen and the run list the same.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, OuterRef

from regie.billing.models import Invoice, InvoiceLine, Kind
from regie.billing.selectors import with_balance
from regie.core.errors import DomainError, gettext_noop
from regie.dunning import rules
from regie.dunning.models import Complaint, Debtor, DebtorKind, PolicyLevel, ReminderInvoice
from regie.people.models import Delivery, Person

# Functions returning the ids of invoices held elsewhere (a payment plan, an enforcement
# order) and so out of reminder runs; each returns {"in_plan": ids} or {"in_order": ids}.
HOLDERS: list[Callable[[], dict[str, set[int]]]] = []


def level_rule(level: PolicyLevel) -> rules.Level:
    return rules.Level(
        level.number,
        level.name,
        level.delay_days,
        level.days_to_pay,
        level.fee_cents,
        level.formal_notice,
    )


def reached_levels(invoice_ids: Iterable[int]) -> dict[int, tuple[int, date, int]]:
    """Return each invoice's highest live reminder: (level, its due date, reminder id)."""
    reached: dict[int, tuple[int, date, int]] = {}
    rows = ReminderInvoice.objects.filter(
        invoice_id__in=list(invoice_ids), reminder__cancelled_at__isnull=True
    ).values_list("invoice_id", "reminder__level__number", "reminder__due_date", "reminder_id")
    for invoice_id, number, due, reminder_id in rows:
        if invoice_id not in reached or reached[invoice_id][0] < number:
            reached[invoice_id] = (number, due, reminder_id)
    return reached


def suspended_invoices() -> set[int]:
    """Return the invoices with a complaint not answered yet."""
    return set(
        Complaint.objects.filter(answered_on__isnull=True).values_list("invoice_id", flat=True)
    )


def open_invoices_of(level: PolicyLevel) -> list[Invoice]:
    """Return the posted invoices of the level's policy categories still open."""
    categories = level.policy.categories.all()
    lines = InvoiceLine.objects.filter(invoice=OuterRef("pk"), category__in=categories)
    invoices = Invoice.objects.filter(kind=Kind.INVOICE, posted_at__isnull=False).filter(
        Exists(lines)
    )
    return list(
        with_balance(invoices)
        .filter(open_cents__gt=0)
        .only("pk", "person_id", "number", "due_date", "total_cents")
        .order_by("person_id", "due_date", "pk")
    )


def candidates(level: PolicyLevel) -> list[tuple[rules.Candidate, Invoice]]:
    """Return every open invoice of the level's policy, as the eligibility rule sees it."""
    invoices = open_invoices_of(level)
    reached = reached_levels(i.pk for i in invoices)
    held: dict[str, set[int]] = {"in_plan": set(), "in_order": set()}
    for holder in HOLDERS:
        for key, ids in holder().items():
            held[key] |= ids
    suspended = suspended_invoices()
    result = []
    for invoice in invoices:
        number, step_due, _reminder = reached.get(invoice.pk, (0, invoice.due_date, 0))
        candidate = rules.Candidate(
            invoice.pk,
            invoice.person_id,
            invoice.open_cents,
            number,
            step_due,
            in_plan=invoice.pk in held["in_plan"],
            in_order=invoice.pk in held["in_order"],
            suspended=invoice.pk in suspended,
        )
        result.append((candidate, invoice))
    return result


@dataclass(frozen=True)
class PlannedInvoice:
    id: int
    number: str
    due_date: date
    open_cents: int


@dataclass(frozen=True)
class Planned:
    """The reminder a run would send one person."""

    person: Person
    invoices: tuple[PlannedInvoice, ...]
    fee: rules.Fee
    channel: str

    @property
    def principal_cents(self) -> int:
        return sum(i.open_cents for i in self.invoices)

    @property
    def total_cents(self) -> int:
        return self.principal_cents + self.fee.cents


@dataclass
class Preview:
    planned: list[Planned] = field(default_factory=list)
    problems: list[DomainError] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)  # persons with a problem: not reminded
    below: list[tuple[Person, int]] = field(default_factory=list)  # under the person minimum

    @property
    def sendable(self) -> list[Planned]:
        return [p for p in self.planned if p.person.pk not in self.blocked]

    @property
    def total_cents(self) -> int:
        return sum(p.total_cents for p in self.sendable)


def run_preview(level: PolicyLevel, run_date: date) -> Preview:
    """Return who a run of ``level`` on ``run_date`` reminds of what, and every problem."""
    rule = level_rule(level)
    policy = level.policy
    by_person: dict[int, list[PlannedInvoice]] = defaultdict(list)
    for candidate, invoice in candidates(level):
        if not rules.exclusion(candidate, rule, run_date, policy.min_invoice_cents):
            by_person[candidate.person_id].append(
                PlannedInvoice(invoice.pk, invoice.number, invoice.due_date, candidate.open_cents)
            )
    persons = Person.objects.in_bulk(list(by_person))
    kinds = dict(
        Debtor.objects.filter(person_id__in=list(by_person)).values_list("person_id", "kind")
    )
    earlier = earlier_fees({i.id for items in by_person.values() for i in items})
    preview = Preview()
    for person_id in sorted(by_person, key=lambda pk: (str(persons[pk]), pk)):
        items, person = by_person[person_id], persons[person_id]
        principal = sum(i.open_cents for i in items)
        if principal < policy.min_person_cents:
            preview.below.append((person, principal))
            continue
        fee = rules.capped_fee(
            fee_cents=rule.fee_cents,
            principal_cents=principal,
            earlier_fees_cents=max((earlier.get(i.id, 0) for i in items), default=0),
            consumer=kinds.get(person_id, DebtorKind.CONSUMER) == DebtorKind.CONSUMER,
        )
        channel = Delivery.POST if rule.formal_notice else person.delivery
        planned = Planned(person, tuple(items), fee, channel)
        preview.planned.append(planned)
        problem = delivery_problem(person, channel)
        if problem is not None:
            preview.problems.append(problem)
            preview.blocked.add(person_id)
    return preview


def earlier_fees(invoice_ids: set[int]) -> dict[int, int]:
    """Return, per invoice, the fees of the live reminders that already named it."""
    fees: dict[int, int] = defaultdict(int)
    rows = ReminderInvoice.objects.filter(
        invoice_id__in=list(invoice_ids), reminder__cancelled_at__isnull=True
    ).values_list("invoice_id", "reminder__fee_cents")
    for invoice_id, fee in rows:
        fees[invoice_id] += fee
    return fees


def delivery_problem(person: Person, channel: str) -> DomainError | None:
    """Return why a person cannot receive a reminder by ``channel``, if they cannot."""
    if channel == Delivery.POST and not (person.street and person.postcode and person.city):
        return DomainError(
            "dunning.no_address",
            gettext_noop("%(person)s has no postal address for a letter: complete it."),
            person=str(person),
            person_id=person.pk,
        )
    if channel == Delivery.EMAIL and not person.email:
        return DomainError(
            "dunning.no_email",
            gettext_noop("%(person)s receives by e-mail but has no e-mail address: add one."),
            person=str(person),
            person_id=person.pk,
        )
    return None
