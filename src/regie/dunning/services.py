"""Writers of collection settings: reminder policies, complaints, kinds of debtor."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from django.db import transaction

from regie.billing.models import Invoice
from regie.core.errors import DomainError, gettext_noop
from regie.dunning import rules
from regie.dunning.models import Complaint, Debtor, DebtorKind, PolicyLevel, ReminderPolicy
from regie.people.models import Person

LEVEL_FIELDS = ("name", "delay_days", "days_to_pay", "fee_cents", "formal_notice")
LEVEL_FIELDS += ("letter_fr", "letter_nl", "letter_de")


class PolicyRefused(DomainError):
    """A policy breaks rules: every broken rule, the first one as the error itself."""

    def __init__(self, errors: Sequence[DomainError]) -> None:
        self.errors = list(errors)
        first = self.errors[0]
        super().__init__(first.code, first.template, **first.params)


@transaction.atomic
def policy_save(
    *,
    policy: ReminderPolicy,
    categories: Iterable,
    levels: Sequence[Mapping[str, Any]],
) -> ReminderPolicy:
    """Save a policy and its levels (numbered in the given order); refuse it under Book XIX.

    Levels already used by a run keep their row: they are updated, never deleted.
    """
    checked = [
        rules.Level(
            n,
            level["name"],
            int(level["delay_days"]),
            int(level["days_to_pay"]),
            int(level.get("fee_cents") or 0),
            bool(level.get("formal_notice")),
        )
        for n, level in enumerate(levels, start=1)
    ]
    errors = rules.policy_errors(checked)
    if policy.min_invoice_cents < 0 or policy.min_person_cents < 0:
        errors.append(
            DomainError(
                "dunning.negative_minimum",
                gettext_noop("A minimum open amount cannot be negative."),
            )
        )
    categories = list(categories)
    if not categories:
        errors.append(
            DomainError(
                "dunning.no_category",
                gettext_noop("Choose the activity categories the policy covers."),
            )
        )
    if errors:
        raise PolicyRefused(errors)
    policy.full_clean(exclude=["categories"])
    policy.save()
    policy.categories.set(categories)
    _levels_replace(policy, levels)
    return policy


def _levels_replace(policy: ReminderPolicy, levels: Sequence[Mapping[str, Any]]) -> None:
    existing = {level.number: level for level in policy.levels.all()}
    for number, values in enumerate(levels, start=1):
        level = existing.pop(number, None) or PolicyLevel(policy=policy, number=number)
        for name in LEVEL_FIELDS:
            default = False if name == "formal_notice" else ("" if "letter" in name else 0)
            setattr(level, name, values.get(name, default) or default)
        level.full_clean()
        level.save()
    for level in existing.values():
        if level.runs.exists():
            raise DomainError(
                "dunning.level_used",
                gettext_noop("Level %(number)s “%(name)s” has runs already: it cannot be removed."),
                number=level.number,
                name=level.name,
            )
        level.delete()


@transaction.atomic
def complaint_record(*, invoice: Invoice, received_on: date, text: str = "") -> Complaint:
    """Record a complaint: the invoice leaves reminder runs until it is answered."""
    complaint = Complaint(invoice=invoice, received_on=received_on, text=text)
    complaint.full_clean()
    complaint.save()
    return complaint


@transaction.atomic
def complaint_answer(*, complaint: Complaint, answered_on: date, answer: str = "") -> Complaint:
    """Close a complaint: the invoice's reminders may go on."""
    if answered_on < complaint.received_on:
        raise DomainError(
            "dunning.answer_before_complaint",
            gettext_noop("A complaint is answered after it was received."),
        )
    complaint.answered_on = answered_on
    complaint.answer = answer
    complaint.full_clean()
    complaint.save()
    return complaint


@transaction.atomic
def debtor_set(*, person: Person, kind: str) -> Debtor:
    """Say whether a person is a consumer, a company or a public body."""
    debtor = Debtor.objects.filter(person=person).first() or Debtor(person=person)
    debtor.kind = DebtorKind(kind)
    debtor.full_clean()
    debtor.save()
    return debtor
